/* fuzz_cli_args.c - apikeyctl's command line (apikeyctl/args.c, opts.c,
 * check.c, commands.c, with common/duration.c and common/restrict.c for the
 * values), and the request it becomes (request.c).
 *
 * The input is split at NUL into the words after "apikeyctl" (so a word may
 * hold spaces, as a quoted shell argument does). args_parse() runs as main()
 * calls it; its messages and help go to stdout/stderr, pointed at /dev/null
 * (fuzz_quiet_stdio). It must return, never exit.
 *
 * Properties: args_parse() returns -1 (go on), EXIT_OK (help, version) or
 * EXIT_USAGE (EXIT_FAILURE_OTHER only without memory); when it goes on, the
 * command is a known one, the socket is set, and for a command that talks
 * to apikeyd request_build() makes a CTL_REQUEST that wire_parse() accepts,
 * with that command and only known flags. args_free() leaves nothing
 * behind (LeakSanitizer). A command line that main() hands to `fleet`
 * goes to fleet_args_parse() instead (apikeyctl/fleet_args.c): it returns
 * -1 only with a known fleet command, a postgresql:// --db, and checked
 * names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../apikeyctl/ctl.h"
#include "../../apikeyctl/fleet.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc, (void)argv;
        fuzz_quiet_stdio();
        unsetenv(CTL_SOCKET_ENV); /* the default socket, whatever the caller's environment */
        return 0;
}

static void check_request(const struct ctl_options *o)
{
        struct wire_buf b;
        struct wire_msg m;
        uint32_t cmd = 0, flags = 0;
        int r = request_build(o, &b);

        /* client.c refuses a request that does not build with a usage error;
         * args_parse() checks every value, so it never should. */
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(wire_parse(b.data, b.len, &m) == 0 && m.type == MSG_CTL_REQUEST);
        FUZZ_CHECK(wire_get_u32(&m, TAG_COMMAND, &cmd) == 0 && cmd == (uint32_t)o->command);
        if (wire_get_u32(&m, TAG_FLAGS, &flags) == 0)
                FUZZ_CHECK((flags & ~CTL_FLAGS_KNOWN) == 0);
        wire_wipe(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fuzz_argv a;
        struct ctl_options o;
        int r;

        fuzz_argv_build(&a, data, size, "apikeyctl", "", false);
        if (fleet_is_command(a.argc, a.argv)) {
                struct fleet_options f;

                r = fleet_args_parse(a.argc, a.argv, &f);
                FUZZ_CHECK(r == -1 || r == EXIT_OK || r == EXIT_USAGE);
                if (r < 0) {
                        FUZZ_CHECK(f.command != FLEET_NONE && f.db && strncmp(f.db, "postgres", 8) == 0);
                        FUZZ_CHECK(!f.name || fleet_name_ok(f.name));
                        for (size_t i = 0; i < f.ngroups; i++)
                                FUZZ_CHECK(fleet_name_ok(f.groups[i]));
                        FUZZ_CHECK(f.command != FLEET_IMPORT || (f.from && f.host && fleet_name_ok(f.host)));
                }
                fuzz_argv_free(&a);
                return 0;
        }
        r = args_parse(a.argc, a.argv, &o);
        FUZZ_CHECK(r == -1 || r == EXIT_OK || r == EXIT_USAGE || r == EXIT_FAILURE_OTHER);
        if (r < 0) {
                FUZZ_CHECK(cmd_name(o.command) != NULL);
                FUZZ_CHECK(o.socket && o.socket[0]);
                FUZZ_CHECK(o.command == CTL_LEAK || (!o.files && o.nfiles == 0));
                if (o.command != CTL_LEAK) /* scan reads files, then asks per key found */
                        check_request(&o);
        }
        args_free(&o);
        fuzz_argv_free(&a);
        return 0;
}
