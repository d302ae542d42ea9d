/* fleet_main.c - `apikeyctl fleet`: parse, connect to the fleet database,
 * run the command, close, and exit with its code. */
#include <string.h>

#include "fleet.h"

bool fleet_is_command(int argc, char **argv)
{
        /* The first word that is not an option before it: only --json,
         * --help and --db (with its value) may come before "fleet" (the
         * control socket means nothing to it). */
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
                    strncmp(argv[i], "--db=", 5) == 0)
                        continue;
                if (strcmp(argv[i], "--db") == 0) {
                        i++; /* its value */
                        continue;
                }
                if (strcmp(argv[i], "help") == 0) /* apikeyctl help fleet */
                        return i + 1 < argc && strcmp(argv[i + 1], "fleet") == 0;
                return strcmp(argv[i], "fleet") == 0;
        }
        return false;
}

static int run(PGconn *c, const struct fleet_options *o)
{
        switch (o->command) {
        case FLEET_INIT:
        case FLEET_MIGRATE:
                return fleet_migrate(c, o);
        case FLEET_ADD_HOST:
                return fleet_add_host(c, o);
        case FLEET_REMOVE_HOST:
                return fleet_remove_host(c, o);
        case FLEET_SET_GROUPS:
                return fleet_set_groups(c, o);
        case FLEET_HOSTS:
                return fleet_hosts(c, o);
        case FLEET_GROUPS:
                return fleet_groups(c, o);
        case FLEET_IMPORT:
                return fleet_import(c, o);
        case FLEET_NONE:
                break;
        }
        return EXIT_USAGE;
}

int fleet_main(int argc, char **argv)
{
        struct fleet_options o;
        PGconn *c = NULL;
        int r = fleet_args_parse(argc, argv, &o);

        if (r >= 0)
                return r;
        r = fleet_connect(o.db, &c);
        if (r != EXIT_OK)
                return r;
        r = run(c, &o);
        sym_PQfinish(c);
        return r;
}
