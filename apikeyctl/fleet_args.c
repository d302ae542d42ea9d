/* fleet_args.c - the command line of `apikeyctl fleet` and its help.
 *
 *   apikeyctl [--json] fleet --db URI COMMAND [ARGS]
 *
 * --db, --json and --help are accepted anywhere after "fleet"; each
 * command's own options only after it. "--" ends options. */
#include <stdio.h>
#include <string.h>

#include "../apikeyd/store_pg_schema.h"
#include "fleet.h"

static const char fleet_help[] =
        "Usage: apikeyctl fleet --db URI COMMAND [ARGS]\n"
        "\n"
        "Manage the fleet store: one PostgreSQL database that the apikeyd of every\n"
        "host uses (apikeyd --db URI). These commands talk to PostgreSQL directly.\n"
        "\n"
        "Commands:\n"
        "  init [--key-file PATH]\n"
        "                  create the schema and its roles, or migrate them (as the\n"
        "                  database's owner; it needs CREATEROLE); safe to run again.\n"
        "                  --key-file: also create the fleet's secret at PATH (mode\n"
        "                  0600; kept if it is there): copy it to every host as fleet.key\n"
        "  migrate         migrate an existing schema to this version (as the owner)\n"
        "  add-host NAME [--group G]... [--role ROLE]\n"
        "                  add a host: a PostgreSQL login role (default apikeyd_NAME,\n"
        "                  no password) in groups G; keys created on it go to the\n"
        "                  first G (no --group: to the host alone). Prints how to give\n"
        "                  the role a credential and what to put in pg_hba.conf\n"
        "  remove-host NAME\n"
        "                  remove a host and drop its role\n"
        "  set-groups NAME [--group G]...\n"
        "                  put a host in groups G instead of its present ones (none:\n"
        "                  in no group); its daemon follows at its next login. Keys\n"
        "                  created on it go to the first G from then on\n"
        "  hosts           list the hosts, their roles and groups\n"
        "  groups          list the groups, their hosts and their keys\n"
        "  import --from PATH --host NAME\n"
        "                  copy host NAME's SQLite store (keys, service IDs, audit\n"
        "                  chain) into the fleet; its keys keep working on NAME only\n"
        "\n"
        "Options:\n"
        "  --db URI        the fleet database: a libpq URI, postgresql://... or\n"
        "                  postgres://... (e.g. postgresql:///fleet?host=/run/postgresql).\n"
        "                  Never a password in it: use a passfile, a client\n"
        "                  certificate or peer authentication\n"
        "  --json          print JSON instead of text\n"
        "  -h, --help      show this help\n"
        "\n"
        "Exit status:\n"
        "  0  success\n"
        "  1  other failure (a database error, a schema newer than this apikeyctl)\n"
        "  2  usage error\n"
        "  3  permission denied (by PostgreSQL: not the owner, not a fleet admin)\n"
        "  4  not found (no such host; no fleet schema: run fleet init)\n"
        "  5  the database cannot be reached or refused the login\n"
        "  6  conflict (the host, role, key or service ID exists already), or\n"
        "     another session held a lock longer than " STORE_PG_LOCK_TIMEOUT "\n"
        "\n"
        "See apikeyctl(1), section FLEET.\n";

static bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

bool fleet_name_ok(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > FLEET_NAME_MAX || s[0] == '.' || s[0] == '-' || s[0] == '_')
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static const struct {
        const char *name;
        enum fleet_command command;
} commands[] = {
        { "init", FLEET_INIT },       { "migrate", FLEET_MIGRATE }, { "add-host", FLEET_ADD_HOST },
        { "remove-host", FLEET_REMOVE_HOST }, { "set-groups", FLEET_SET_GROUPS }, { "hosts", FLEET_HOSTS },
        { "groups", FLEET_GROUPS }, { "import", FLEET_IMPORT },
};

static enum fleet_command command_of(const char *word)
{
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (streq(word, commands[i].name))
                        return commands[i].command;
        return FLEET_NONE;
}

/* "--opt VALUE" or "--opt=VALUE": 1 and *ret set when arg is opt, 0 when it
 * is not, EXIT_USAGE when its value is missing. */
static int option_value(const char *arg, const char *opt, int argc, char **argv, int *i, const char **ret)
{
        size_t n = strlen(opt);

        if (strncmp(arg, opt, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
                return 0;
        if (arg[n] == '=') {
                *ret = arg + n + 1;
                return 1;
        }
        if (*i + 1 >= argc) {
                ctl_err("option %s needs a value (see 'apikeyctl fleet --help')", opt);
                return EXIT_USAGE;
        }
        *ret = argv[++*i];
        return 1;
}

/* The options of the command; 1 when arg was one, 0 when not. */
static int command_option(struct fleet_options *o, const char *arg, int argc, char **argv, int *i)
{
        const char *v;
        int r;

        if (o->command == FLEET_ADD_HOST || o->command == FLEET_SET_GROUPS) {
                if ((r = option_value(arg, "--group", argc, argv, i, &v)) != 0) {
                        if (r != 1)
                                return r;
                        if (o->ngroups == FLEET_GROUPS_MAX) {
                                ctl_err("at most %d --group options", FLEET_GROUPS_MAX);
                                return EXIT_USAGE;
                        }
                        o->groups[o->ngroups++] = v;
                        return 1;
                }
                if (o->command == FLEET_ADD_HOST && (r = option_value(arg, "--role", argc, argv, i, &o->role)) != 0)
                        return r;
        }
        if (o->command == FLEET_INIT && (r = option_value(arg, "--key-file", argc, argv, i, &o->key_file)) != 0)
                return r;
        if (o->command == FLEET_IMPORT) {
                if ((r = option_value(arg, "--from", argc, argv, i, &o->from)) != 0)
                        return r;
                if ((r = option_value(arg, "--host", argc, argv, i, &o->host)) != 0)
                        return r;
        }
        return 0;
}

static int check_name(const char *what, const char *s)
{
        if (fleet_name_ok(s))
                return -1;
        ctl_err("%s %s is not a name of letters, digits, '.', '_' and '-' (at most %d, starting with a letter or "
                "digit)",
                what, check_shown(s), FLEET_NAME_MAX);
        return EXIT_USAGE;
}

/* The arguments each command needs, and only those. */
static int check_command(const struct fleet_options *o, const char **pos, size_t npos)
{
        bool wants_name = o->command == FLEET_ADD_HOST || o->command == FLEET_REMOVE_HOST ||
                          o->command == FLEET_SET_GROUPS;
        int r;

        if (o->command == FLEET_NONE) {
                ctl_err("fleet needs a command (see 'apikeyctl fleet --help')");
                return EXIT_USAGE;
        }
        if (wants_name && npos != 1) {
                ctl_err("this fleet command takes one host NAME (see 'apikeyctl fleet --help')");
                return EXIT_USAGE;
        }
        if (npos > (wants_name ? 1u : 0u)) {
                ctl_err("unexpected argument %s (see 'apikeyctl fleet --help')", check_shown(pos[npos - 1]));
                return EXIT_USAGE;
        }
        if (!o->db || !*o->db) {
                ctl_err("fleet needs --db URI, the fleet database (e.g. --db postgresql:///fleet?host=/run/postgresql)");
                return EXIT_USAGE;
        }
        if (strncmp(o->db, "postgresql://", 13) != 0 && strncmp(o->db, "postgres://", 11) != 0) {
                ctl_err("--db takes a URI beginning postgresql:// or postgres://");
                return EXIT_USAGE;
        }
        if (wants_name && (r = check_name("host", o->name)) >= 0)
                return r;
        for (size_t i = 0; i < o->ngroups; i++)
                if ((r = check_name("group", o->groups[i])) >= 0)
                        return r;
        if (o->role && (r = check_name("role", o->role)) >= 0)
                return r;
        if (o->key_file && !*o->key_file) {
                ctl_err("--key-file needs a path");
                return EXIT_USAGE;
        }
        if (o->command == FLEET_IMPORT) {
                if (!o->from || !*o->from || !o->host) {
                        ctl_err("fleet import needs --from PATH (the host's SQLite store) and --host NAME");
                        return EXIT_USAGE;
                }
                if ((r = check_name("host", o->host)) >= 0)
                        return r;
        }
        return -1;
}

int fleet_args_parse(int argc, char **argv, struct fleet_options *o)
{
        const char *pos[4];
        size_t npos = 0;
        bool help = false, end = false;
        int r;

        memset(o, 0, sizeof(*o));
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];

                if (!end && a[0] == '-' && a[1] != '\0') {
                        if (streq(a, "--")) {
                                end = true;
                        } else if (streq(a, "-h") || streq(a, "--help")) {
                                help = true;
                        } else if (streq(a, "--json")) {
                                o->json = true;
                        } else if ((r = option_value(a, "--db", argc, argv, &i, &o->db)) != 0) {
                                if (r != 1)
                                        return r;
                        } else if ((r = command_option(o, a, argc, argv, &i)) != 0) {
                                if (r != 1)
                                        return r;
                        } else {
                                ctl_err("unknown option %s for fleet (see 'apikeyctl fleet --help')", check_shown(a));
                                return EXIT_USAGE;
                        }
                        continue;
                }
                if (npos == 0 && streq(a, "help")) { /* apikeyctl help fleet */
                        help = true;
                        continue;
                }
                if (npos == 0 && streq(a, "fleet")) { /* the word that brought us here */
                        pos[npos++] = a;
                        continue;
                }
                if (npos == 1) {
                        o->command = command_of(a);
                        if (o->command == FLEET_NONE && !help) {
                                ctl_err("unknown fleet command %s (see 'apikeyctl fleet --help')", check_shown(a));
                                return EXIT_USAGE;
                        }
                } else if (npos == 2) {
                        o->name = a;
                }
                if (npos == sizeof(pos) / sizeof(pos[0])) {
                        ctl_err("too many arguments (see 'apikeyctl fleet --help')");
                        return EXIT_USAGE;
                }
                pos[npos++] = a;
        }
        if (help) {
                fputs(fleet_help, stdout);
                return EXIT_OK;
        }
        /* pos: "fleet", the command, its arguments. */
        return check_command(o, pos + 2, npos > 2 ? npos - 2 : 0);
}
