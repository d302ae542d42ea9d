/* fleet_migrate.c - `fleet init` and `fleet migrate`: bring the schema (and
 * its roles) to STORE_PG_SCHEMA_VERSION in ONE transaction, whose locks
 * wait at most STORE_PG_LOCK_TIMEOUT, so that a failure changes nothing and
 * a busy database is reported instead of stalling every daemon behind the
 * migration's locks. Only these commands migrate; a daemon never does. */
#include <stdio.h>
#include <stdlib.h>

#include "../apikeyd/store_pg_schema.h"
#include "fleet.h"
#include "print.h"

/* The schema's version, read with apikey.meta locked (the bootstrap took
 * the lock; migrate takes it here): -1 when unreadable (reported). */
static int read_version(PGconn *c, bool create, int *ret_code)
{
        PGresult *res = NULL;
        int r = fleet_exec(c, create ? STORE_PG_BOOTSTRAP
                                          : STORE_PG_MIGRATION_LOCK "LOCK TABLE apikey.meta IN ACCESS EXCLUSIVE MODE");

        if (r == EXIT_OK)
                r = fleet_query(c, "SELECT version FROM apikey.meta", 0, NULL, &res);
        if (r != EXIT_OK) {
                *ret_code = r;
                return -1;
        }
        if (sym_PQntuples(res) != 1) {
                ctl_err("fleet: apikey.meta holds %d rows, not one: the schema was changed by hand; repair it "
                        "(one row, the version) before migrating",
                        sym_PQntuples(res));
                sym_PQclear(res);
                *ret_code = EXIT_FAILURE_OTHER;
                return -1;
        }
        int v = atoi(sym_PQgetvalue(res, 0, 0));
        sym_PQclear(res);
        return v;
}

/* The schema's presence, without waiting for any lock. */
static int schema_exists(PGconn *c, bool *ret)
{
        PGresult *res = NULL;
        int r = fleet_query(c, "SELECT to_regclass('apikey.meta') IS NOT NULL", 0, NULL, &res);

        if (r != EXIT_OK)
                return r;
        *ret = sym_PQgetvalue(res, 0, 0)[0] == 't';
        sym_PQclear(res);
        return EXIT_OK;
}

static int apply(PGconn *c, int from)
{
        char sql[64];

        for (int v = from; v < STORE_PG_SCHEMA_VERSION; v++) {
                int r = fleet_exec(c, store_pg_migrations[v]);

                if (r != EXIT_OK) {
                        ctl_err("fleet: migration %d to %d failed; nothing was changed", v, v + 1);
                        return r;
                }
        }
        snprintf(sql, sizeof(sql), "UPDATE apikey.meta SET version = %d", STORE_PG_SCHEMA_VERSION);
        return fleet_exec(c, sql);
}

static void print_result(const struct fleet_options *o, int from, bool key_created)
{
        if (o->json) {
                printf("{\"version\": %d, \"previous_version\": %d, \"migrated\": %s", STORE_PG_SCHEMA_VERSION,
                       from, from < STORE_PG_SCHEMA_VERSION ? "true" : "false");
                if (o->key_file) {
                        json_member("key_file");
                        json_str(o->key_file);
                        printf(", \"key_created\": %s", key_created ? "true" : "false");
                }
                fputs("}\n", stdout);
                return;
        }
        if (o->key_file && key_created)
                printf("fleet key created in %s (mode 0600): copy it to every host's state directory as fleet.key,\n"
                       "owned by apikeyd's user, mode 0600; keep it out of the database and of backups anyone can read\n",
                       o->key_file);
        else if (o->key_file)
                printf("fleet key %s kept as it is\n", o->key_file);
        if (from == STORE_PG_SCHEMA_VERSION)
                printf("fleet schema is up to date (version %d)\n", STORE_PG_SCHEMA_VERSION);
        else if (from == 0)
                printf("fleet schema created (version %d), with the roles %s and %s\n", STORE_PG_SCHEMA_VERSION,
                       STORE_PG_HOST_ROLE, STORE_PG_ADMIN_ROLE);
        else
                printf("fleet schema migrated from version %d to %d\n", from, STORE_PG_SCHEMA_VERSION);
}

int fleet_migrate(PGconn *c, const struct fleet_options *o)
{
        bool create = o->command == FLEET_INIT, exists, key_created = false;
        int code = EXIT_OK, from;

        /* The key first: a bad file stops init before it changes anything. */
        if (o->key_file && (code = fleet_key_file(o->key_file, &key_created)) != EXIT_OK)
                return code;

        if (!create) {
                if ((code = schema_exists(c, &exists)) != EXIT_OK)
                        return code;
                if (!exists) {
                        ctl_err("fleet: no fleet schema in this database: run 'apikeyctl fleet --db URI init' as "
                                "its owner");
                        return EXIT_NOT_FOUND;
                }
        }
        if ((code = fleet_begin(c)) != EXIT_OK)
                return code;
        from = read_version(c, create, &code);
        if (from < 0)
                goto fail;
        if (from > STORE_PG_SCHEMA_VERSION) {
                ctl_err("fleet: the schema is version %d, newer than this apikeyctl knows (%d): use the apikeyctl "
                        "of the newest apikeyd in the fleet",
                        from, STORE_PG_SCHEMA_VERSION);
                code = EXIT_FAILURE_OTHER;
                goto fail;
        }
        if (from < STORE_PG_SCHEMA_VERSION && (code = apply(c, from)) != EXIT_OK)
                goto fail;
        if ((code = fleet_exec(c, "COMMIT")) != EXIT_OK)
                return code;
        print_result(o, from, key_created);
        return EXIT_OK;
fail:
        fleet_rollback(c);
        return code;
}
