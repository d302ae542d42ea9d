/* args.c - the command line: global options, the command, its options and
 * arguments, checked here so that a usage error never reaches the daemon.
 *
 *   apikeyctl [--socket PATH] [--json] COMMAND [ARGS]
 *
 * --json, --socket and --help are accepted anywhere; --version only before
 * the command; each command's own options only after it. "--" ends options. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define MAX_POSITIONAL 2

struct args_state {
        struct ctl_options *o;
        bool help_command; /* "apikeyctl help [COMMAND]" */
        bool end_of_options;
        const char *pos[MAX_POSITIONAL];
        size_t npos;
        bool too_many;
        bool seen_name, seen_description;
};

static bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

/* The user's argument, quoted, for an error message; not shown when it may
 * be a key or could mess up the terminal. */
static const char *shown(const char *arg)
{
        static char buf[48];
        size_t len = strlen(arg);
        bool safe = len <= 40 && !strstr(arg, KEY_PREFIX);

        for (size_t i = 0; i < len && safe; i++)
                safe = (unsigned char)arg[i] >= 0x20 && (unsigned char)arg[i] < 0x7f;
        if (!safe)
                return "(not shown: it may hold a key)";
        snprintf(buf, sizeof(buf), "'%s'", arg);
        return buf;
}

static enum ctl_command command_lookup(const char *word)
{
        for (unsigned c = 1; c < _CTL_MAX; c++)
                if (command_to_string(c) && streq(word, command_to_string(c)))
                        return (enum ctl_command)c;
        return 0;
}

/* "--opt VALUE" or "--opt=VALUE": 1 and *ret set when arg is opt, 0 when it
 * is another option, -1 when the value is missing. */
static int option_value(const char *arg, const char *opt, int argc, char **argv, int *i, const char **ret)
{
        size_t n = strlen(opt);

        if (strncmp(arg, opt, n) != 0)
                return 0;
        if (arg[n] == '=') {
                *ret = arg + n + 1;
                return 1;
        }
        if (arg[n] != '\0')
                return 0;
        if (*i + 1 >= argc) {
                ctl_err("option %s needs a value (see 'apikeyctl --help')", opt);
                return -1;
        }
        *ret = argv[++*i];
        return 1;
}

static int check_text(const char *opt, const char *s, size_t max)
{
        size_t len = strlen(s);

        if (len > max) {
                ctl_err("%s is too long: %zu bytes, at most %zu are allowed", opt, len, max);
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
                        ctl_err("%s must not contain control characters (newline, tab, escape...)", opt);
                        return EXIT_USAGE;
                }
        return -1;
}

static int command_option(struct args_state *st, const char *arg, int argc, char **argv, int *i)
{
        struct ctl_options *o = st->o;
        const char *v;
        int r;

        if (o->command == CTL_LIST && streq(arg, "--all")) {
                o->all = true;
                return -1;
        }
        if (o->command != CTL_CREATE)
                return 0;
        if ((r = option_value(arg, "--name", argc, argv, i, &v)) != 0) {
                if (r < 0)
                        return EXIT_USAGE;
                if (st->seen_name) {
                        ctl_err("--name given twice");
                        return EXIT_USAGE;
                }
                st->seen_name = true;
                o->name = v;
                return check_text("--name", v, PROTO_NAME_MAX);
        }
        if ((r = option_value(arg, "--description", argc, argv, i, &v)) != 0) {
                if (r < 0)
                        return EXIT_USAGE;
                if (st->seen_description) {
                        ctl_err("--description given twice");
                        return EXIT_USAGE;
                }
                st->seen_description = true;
                o->description = v;
                return check_text("--description", v, PROTO_DESCRIPTION_MAX);
        }
        return 0;
}

/* Returns -1 to go on, or an exit code. */
static int parse_option(struct args_state *st, const char *arg, int argc, char **argv, int *i)
{
        struct ctl_options *o = st->o;
        const char *v;
        int r;

        if (streq(arg, "--")) {
                st->end_of_options = true;
                return -1;
        }
        if (streq(arg, "-h") || streq(arg, "--help")) {
                usage_print(stdout, o->command);
                return EXIT_OK;
        }
        if (streq(arg, "--json")) {
                o->json = true;
                return -1;
        }
        if ((r = option_value(arg, "--socket", argc, argv, i, &v)) != 0) {
                if (r < 0)
                        return EXIT_USAGE;
                if (!*v) {
                        ctl_err("--socket needs a path");
                        return EXIT_USAGE;
                }
                o->socket = v;
                return -1;
        }
        if (!o->command && !st->help_command && streq(arg, "--version")) {
                printf("apikeyctl %s\n", APIKEY_VERSION);
                return EXIT_OK;
        }
        if ((r = command_option(st, arg, argc, argv, i)) != 0)
                return r;
        if (o->command)
                ctl_err("unknown option %s for %s (see 'apikeyctl %s --help')", shown(arg),
                        command_to_string(o->command), command_to_string(o->command));
        else
                ctl_err("unknown option %s (see 'apikeyctl --help')", shown(arg));
        return EXIT_USAGE;
}

static int parse_word(struct args_state *st, const char *arg)
{
        struct ctl_options *o = st->o;

        if (o->command || st->help_command) {
                if (st->npos < MAX_POSITIONAL)
                        st->pos[st->npos++] = arg;
                else
                        st->too_many = true;
                return -1;
        }
        if (streq(arg, "help")) {
                st->help_command = true;
                return -1;
        }
        o->command = command_lookup(arg);
        if (!o->command) {
                ctl_err("unknown command %s (see 'apikeyctl --help')", shown(arg));
                return EXIT_USAGE;
        }
        return -1;
}

static int help_command(const struct args_state *st)
{
        enum ctl_command c = 0;

        if (st->npos > 1 || st->too_many) {
                ctl_err("help takes at most one command");
                return EXIT_USAGE;
        }
        /* "help help" is the general help. */
        if (st->npos == 1 && !streq(st->pos[0], "help") && !(c = command_lookup(st->pos[0]))) {
                ctl_err("unknown command %s (see 'apikeyctl --help')", shown(st->pos[0]));
                return EXIT_USAGE;
        }
        usage_print(stdout, c);
        return EXIT_OK;
}

static int check_id(const char *id)
{
        struct key_parts parts;

        if (key_id_valid(id))
                return -1;
        if (key_parse(id, &parts) == 0) {
                explicit_bzero(parts.secret, sizeof(parts.secret));
                ctl_err("that is a whole API key, not a key ID: pass only its ID, %s "
                        "(and keep keys off command lines: they end up in shell history)", parts.id);
                return EXIT_USAGE;
        }
        ctl_err("%s is not a key ID: an ID is %d characters of a-z and 0-9, as 'apikeyctl list' shows",
                shown(id), KEY_ID_LEN);
        return EXIT_USAGE;
}

static int check_arguments(const struct args_state *st)
{
        const struct ctl_options *o = st->o;
        const char *name = command_to_string(o->command);
        bool wants_id = o->command == CTL_SHOW || o->command == CTL_DISABLE || o->command == CTL_ENABLE ||
                        o->command == CTL_DELETE;
        size_t want = wants_id ? 1 : 0;

        if (st->npos < want) {
                ctl_err("%s needs a key ID (usage: apikeyctl %s ID; 'apikeyctl list' shows IDs)", name, name);
                return EXIT_USAGE;
        }
        if (st->npos > want || st->too_many) {
                ctl_err("too many arguments for %s (see 'apikeyctl %s --help')", name, name);
                return EXIT_USAGE;
        }
        return wants_id ? check_id(st->pos[0]) : -1;
}

int args_parse(int argc, char **argv, struct ctl_options *ret)
{
        struct args_state st = { .o = ret };
        const char *env = getenv(CTL_SOCKET_ENV);
        int r;

        *ret = (struct ctl_options){ .socket = env && *env ? env : CTL_DEFAULT_SOCKET };
        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];

                if (!st.end_of_options && arg[0] == '-' && arg[1] != '\0')
                        r = parse_option(&st, arg, argc, argv, &i);
                else
                        r = parse_word(&st, arg);
                if (r >= 0)
                        return r;
        }
        if (st.help_command)
                return help_command(&st);
        if (!ret->command) {
                ctl_err("no command given (see 'apikeyctl --help')");
                return EXIT_USAGE;
        }
        if ((r = check_arguments(&st)) >= 0)
                return r;
        if (st.npos == 1)
                ret->key_id = st.pos[0];
        return -1;
}
