/* args.c - the command line: global options, the command, its options and
 * arguments, checked here so that a usage error never reaches the daemon.
 *
 *   apikeyctl [--socket PATH] [--json] COMMAND [ARGS]
 *   apikeyctl [--socket PATH] [--json] service-id COMMAND [ARGS]
 *
 * --json, --socket and --help are accepted anywhere; --version only before
 * the command; each command's own options (opts.c) only after it. "--" ends
 * options. */
#include <stdlib.h>
#include <string.h>

#include "fleet.h"

struct args_state {
        struct ctl_options *o;
        bool help_command; /* "apikeyctl help [COMMAND]" */
        bool help_option;  /* -h or --help anywhere: the help of the command given, if any */
        bool sid_group;    /* "service-id" seen, its command not yet */
        bool end_of_options;
        const char **pos; /* argc entries: every word after the command */
        size_t npos;
        uint32_t given; /* OPT() of the command options seen */
        bool socket_given;
};

static bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
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

static int unknown_option(const struct args_state *st, const char *arg)
{
        const char *name = cmd_name(st->o->command);

        if (name)
                ctl_err("unknown option %s for %s (see 'apikeyctl %s --help')", check_shown(arg), name, name);
        else
                ctl_err("unknown option %s (see 'apikeyctl --help')", check_shown(arg));
        return EXIT_USAGE;
}

/* The value of option id: after '=' or the next argument. */
static int command_option_value(enum opt_id id, const char *inline_value, bool has_value, int argc, char **argv,
                                int *i, const char **ret)
{
        if (!opts_takes_value(id)) {
                if (!has_value)
                        return -1;
                ctl_err("option %s takes no value", opts_name(id));
                return EXIT_USAGE;
        }
        if (has_value) {
                *ret = inline_value;
                return -1;
        }
        if (*i + 1 >= argc) {
                ctl_err("option %s needs a value", opts_name(id));
                return EXIT_USAGE;
        }
        *ret = argv[++*i];
        return -1;
}

static int command_option(struct args_state *st, const char *arg, int argc, char **argv, int *i)
{
        const char *inline_value = NULL, *v = NULL;
        bool has_value;
        int id = opts_find(arg, cmd_options(st->o->command), &inline_value, &has_value), r;

        if (id < 0)
                return unknown_option(st, arg);
        r = command_option_value(id, inline_value, has_value, argc, argv, i, &v);
        if (r >= 0)
                return r;
        if (opts_takes_value(id) && !opts_repeatable(id) && (st->given & (UINT32_C(1) << id))) {
                ctl_err("%s given twice", opts_name(id));
                return EXIT_USAGE;
        }
        st->given |= UINT32_C(1) << id;
        return opts_apply(id, v, &st->o->req);
}

static int print_help(const struct args_state *st)
{
        if (st->sid_group && !st->o->command)
                usage_print_sid(stdout);
        else
                usage_print(stdout, st->o->command);
        return EXIT_OK;
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
                st->help_option = true;
                return -1;
        }
        /* After --help only the command counts: "apikeyctl --help create --name". */
        if (st->help_option)
                return -1;
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
                st->socket_given = true;
                return -1;
        }
        if ((r = option_value(arg, "--db", argc, argv, i, &v)) != 0) {
                if (r < 0)
                        return EXIT_USAGE;
                if (strncmp(v, "postgresql://", 13) != 0 && strncmp(v, "postgres://", 11) != 0) {
                        ctl_err("--db takes a postgresql:// URI of the fleet database");
                        return EXIT_USAGE;
                }
                o->db = v;
                return -1;
        }
        if ((r = option_value(arg, "--key-file", argc, argv, i, &v)) != 0) {
                if (r < 0)
                        return EXIT_USAGE;
                if (!*v) {
                        ctl_err("--key-file needs a path");
                        return EXIT_USAGE;
                }
                o->key_file = v;
                return -1;
        }
        if (!o->command && !st->help_command && !st->sid_group && streq(arg, "--version")) {
                printf("apikeyctl %s\n", APIKEY_VERSION);
                return EXIT_OK;
        }
        if (!o->command)
                return unknown_option(st, arg);
        return command_option(st, arg, argc, argv, i);
}

static int parse_word(struct args_state *st, const char *arg)
{
        struct ctl_options *o = st->o;

        if (st->help_option) { /* "apikeyctl --help service-id create": find the command, ignore the rest */
                if (!o->command && st->sid_group)
                        o->command = cmd_lookup(arg, true);
                else if (!o->command && !st->sid_group && streq(arg, "service-id"))
                        st->sid_group = true;
                else if (!o->command && !st->sid_group)
                        o->command = cmd_lookup(arg, false);
                return -1;
        }

        if (o->command || st->help_command) {
                st->pos[st->npos++] = arg;
                return -1;
        }
        if (st->sid_group) {
                o->command = cmd_lookup(arg, true);
                if (o->command)
                        return -1;
                ctl_err("unknown service-id command %s (see 'apikeyctl service-id --help')", check_shown(arg));
                return EXIT_USAGE;
        }
        if (streq(arg, "help"))
                st->help_command = true;
        else if (streq(arg, "service-id"))
                st->sid_group = true;
        else if (!(o->command = cmd_lookup(arg, false))) {
                ctl_err("unknown command %s (see 'apikeyctl --help')", check_shown(arg));
                return EXIT_USAGE;
        }
        return -1;
}

/* "help", "help COMMAND", "help service-id [COMMAND]"; "help help" is the
 * general help. */
static int help_command(const struct args_state *st)
{
        bool sid = st->npos >= 1 && streq(st->pos[0], "service-id");
        enum ctl_command c = 0;

        if (st->npos == 0 || (st->npos == 1 && streq(st->pos[0], "help"))) {
                usage_print(stdout, 0);
                return EXIT_OK;
        }
        if (sid && st->npos == 1) {
                usage_print_sid(stdout);
                return EXIT_OK;
        }
        if (st->npos > (sid ? 2u : 1u)) {
                ctl_err("help takes one command, such as 'apikeyctl help create' or 'apikeyctl help service-id list'");
                return EXIT_USAGE;
        }
        c = cmd_lookup(st->pos[st->npos - 1], sid);
        if (!c) {
                ctl_err("unknown %scommand %s (see 'apikeyctl %s--help')", sid ? "service-id " : "",
                        check_shown(st->pos[st->npos - 1]), sid ? "service-id " : "");
                return EXIT_USAGE;
        }
        usage_print(stdout, c);
        return EXIT_OK;
}

/* purge-user NAME, or purge-user --orphaned. */
static int check_account_argument(struct args_state *st)
{
        struct ctl_options *o = st->o;
        bool orphaned = o->req.flags & CTL_FLAG_ORPHANED;

        if (st->npos > 1 || (st->npos == 1) == orphaned) {
                ctl_err("%s takes an account name or --orphaned (usage: apikeyctl %s NAME | --orphaned)",
                        cmd_name(o->command), cmd_name(o->command));
                return EXIT_USAGE;
        }
        if (orphaned)
                return -1;
        o->req.filter_user = st->pos[0];
        return check_text("the account name", st->pos[0], PROTO_USER_MAX, false);
}

static int check_arguments(struct args_state *st)
{
        struct ctl_options *o = st->o;
        const char *name = cmd_name(o->command);
        enum arg_kind kind = cmd_arg(o->command);
        size_t want = kind == ARG_KEY_ID || kind == ARG_SID ? 1 : 0;

        if (kind == ARG_FILES) {
                o->files = st->pos;
                o->nfiles = st->npos;
                return -1;
        }
        if (kind == ARG_ACCOUNT)
                return check_account_argument(st);
        if (st->npos < want && kind == ARG_KEY_ID)
                ctl_err("%s needs a key ID (usage: apikeyctl %s ID; 'apikeyctl list' shows IDs)", name, name);
        else if (st->npos < want)
                ctl_err("%s needs a service ID name (usage: apikeyctl %s NAME)", name, name);
        else if (st->npos > want)
                ctl_err("too many arguments for %s (see 'apikeyctl %s --help')", name, name);
        if (st->npos != want)
                return EXIT_USAGE;
        if (kind == ARG_KEY_ID) {
                o->req.key_id = st->pos[0];
                return check_key_id(st->pos[0]);
        }
        if (kind == ARG_SID) {
                o->req.service_id = st->pos[0];
                return check_sid_name(NULL, st->pos[0]);
        }
        return -1;
}

static int parse_all(struct args_state *st, int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];
                int r;

                if (!st->end_of_options && arg[0] == '-' && arg[1] != '\0')
                        r = parse_option(st, arg, argc, argv, &i);
                else
                        r = parse_word(st, arg);
                if (r >= 0)
                        return r;
        }
        return -1;
}

/* --db: the key commands a fleet admin runs against the database; the
 * rest need a host's daemon. */
static int check_db(const struct args_state *st)
{
        const struct ctl_options *o = st->o;

        if (o->key_file && !o->db) {
                ctl_err("--key-file goes with --db (the fleet's secret, to seal the rows a fleet admin changes)");
                return EXIT_USAGE;
        }
        if (!o->db)
                return -1;
        if (st->socket_given) {
                ctl_err("--db cannot be used with --socket (the fleet database or a host's daemon, not both)");
                return EXIT_USAGE;
        }
        if (!fleet_keys_command(o->command)) {
                ctl_err("%s does not run with --db: run it on a host (apikeyctl %s, through that host's apikeyd); "
                        "with --db only list, show, disable, enable, delete, service-id list and service-id show",
                        cmd_name(o->command), cmd_name(o->command));
                return EXIT_USAGE;
        }
        if (o->key_file && o->command != CTL_DISABLE && o->command != CTL_ENABLE && o->command != CTL_LIST &&
            o->command != CTL_SHOW) {
                ctl_err("--key-file goes with disable, enable, list and show");
                return EXIT_USAGE;
        }
        return -1;
}

static int finish(struct args_state *st)
{
        int r;

        if (st->help_option)
                return print_help(st);
        if (st->help_command)
                return help_command(st);
        if (st->sid_group && !st->o->command) {
                ctl_err("service-id needs a command: create, list, show, update, delete, lock or unlock "
                        "(see 'apikeyctl service-id --help')");
                return EXIT_USAGE;
        }
        if (!st->o->command) {
                ctl_err("no command given (see 'apikeyctl --help')");
                return EXIT_USAGE;
        }
        if ((r = check_arguments(st)) >= 0)
                return r;
        if ((r = check_db(st)) >= 0)
                return r;
        return opts_check(st->o, st->given);
}

int args_parse(int argc, char **argv, struct ctl_options *ret)
{
        struct args_state st = { .o = ret };
        const char *env = getenv(CTL_SOCKET_ENV);
        int r;

        *ret = (struct ctl_options){ .socket = env && *env ? env : CTL_DEFAULT_SOCKET };
        st.pos = calloc((size_t)argc + 1, sizeof(*st.pos));
        if (!st.pos) {
                ctl_err("out of memory");
                return EXIT_FAILURE_OTHER;
        }
        r = parse_all(&st, argc, argv);
        if (r < 0)
                r = finish(&st);
        if (ret->files != st.pos)
                free(st.pos);
        return r;
}

void args_free(struct ctl_options *o)
{
        free(o->files);
        o->files = NULL;
        o->nfiles = 0;
}
