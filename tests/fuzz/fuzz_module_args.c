/* fuzz_module_args.c - the PAM module's arguments (pam_apikey/args.c).
 *
 * The input is split into words at NUL, space, tab and newline (libpam
 * splits a service file's line at white space); a word that is the single
 * byte 0xff is passed as a NULL entry. apikey_parse_args() runs with a real
 * PAM handle; pam_syslog() formats each message and drops it (pamstub.c).
 *
 * Properties: the result is PAM_SUCCESS or PAM_SYSTEM_ERR; on success the
 * socket is an absolute path taken from the arguments or the default, the
 * timeout is in APIKEY_TIMEOUT_MIN..MAX, and use_first_pass and
 * try_first_pass are not both set; the same arguments give the same
 * result. */
#include <stdlib.h>
#include <string.h>

#include "../../pam_apikey/pam_apikey.h"
#include "fuzz.h"

static pam_handle_t *pamh;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc, (void)argv;
        fuzz_quiet_stdio();
        pamh = fuzz_pam_handle("alice");
        return 0;
}

static bool points_into(const char *p, const struct fuzz_argv *a)
{
        for (int i = 0; i < a->argc; i++)
                if (a->argv[i] && p >= a->argv[i] && p <= a->argv[i] + strlen(a->argv[i]))
                        return true;
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fuzz_argv a;
        struct apikey_opts o, again;
        int r;

        fuzz_argv_build(&a, data, size, NULL, " \t\n", true);
        r = apikey_parse_args(pamh, a.argc, (const char **)a.argv, &o);
        FUZZ_CHECK(r == PAM_SUCCESS || r == PAM_SYSTEM_ERR);
        if (r == PAM_SUCCESS) {
                FUZZ_CHECK(o.socket_path && o.socket_path[0] == '/');
                FUZZ_CHECK(strcmp(o.socket_path, APIKEY_DEFAULT_SOCKET) == 0 || points_into(o.socket_path, &a));
                FUZZ_CHECK(o.timeout_s >= APIKEY_TIMEOUT_MIN && o.timeout_s <= APIKEY_TIMEOUT_MAX);
                FUZZ_CHECK(!(o.use_first_pass && o.try_first_pass));
                for (int i = 0; i < a.argc; i++)
                        FUZZ_CHECK(a.argv[i] != NULL);
        }
        /* pam_sm_acct_mgmt parses the same arguments again. */
        FUZZ_CHECK(apikey_parse_args(pamh, a.argc, (const char **)a.argv, &again) == r);
        if (r == PAM_SUCCESS)
                FUZZ_CHECK(o.socket_path == again.socket_path && o.timeout_s == again.timeout_s &&
                           o.use_first_pass == again.use_first_pass && o.try_first_pass == again.try_first_pass &&
                           o.nodelay == again.nodelay && o.debug == again.debug);
        fuzz_argv_free(&a);
        return 0;
}
