/* fleet_hosts.c - `fleet add-host`, `fleet remove-host` and `fleet
 * set-groups`. The first two are done by apikey.add_host() and
 * apikey.remove_host() (store_pg_schema.h),
 * which run as the schema's owner, so that a fleet admin needs no
 * CREATEROLE; here we only call them and tell the admin what comes next:
 * the new role has no password, and the way to give it a credential never
 * puts a secret on a command line. */
#include <stdio.h>
#include <string.h>

#include "../apikeyd/store_pg_schema.h"
#include "fleet.h"
#include "print.h"

static void print_credential_howto(PGconn *c, const char *name, const char *role)
{
        const char *db = sym_PQdb(c);

        printf("The role has no password. Give it a credential that never appears on a command line, one of:\n"
               "\n"
               "  a TLS client certificate (recommended): issue one with CN=%s, install it on %s\n"
               "  (readable only by apikeyd's user), and add to pg_hba.conf:\n"
               "      hostssl %s %s all cert\n"
               "  then on %s:\n"
               "      apikeyd --db 'postgresql://DBHOST/%s?user=%s&sslmode=verify-full"
               "&sslcert=/etc/apikeyd/db-client.crt&sslkey=/etc/apikeyd/db-client.key&sslrootcert=/etc/apikeyd/db-ca.crt'\n"
               "\n"
               "  or a password kept in a passfile: set it with psql's \\password %s (it prompts, and sends\n"
               "  only a SCRAM verifier), put the line DBHOST:5432:%s:%s:PASSWORD in /etc/apikeyd/fleet.pgpass\n"
               "  on %s (mode 0600, owned by apikeyd's user), and add to pg_hba.conf:\n"
               "      hostssl %s %s all scram-sha-256\n"
               "  then on %s:\n"
               "      apikeyd --db 'postgresql://DBHOST/%s?user=%s&sslmode=verify-full&passfile=/etc/apikeyd/fleet.pgpass'\n"
               "\n"
               "  or, for a daemon on the database's own machine, peer authentication over the Unix socket\n"
               "  (pg_hba.conf: local %s %s peer map=apikeyd, with pg_ident.conf mapping apikeyd's user to %s).\n"
               "\n"
               "Then reload PostgreSQL (SELECT pg_reload_conf()).\n",
               role, name, db, role, name, db, role, role, db, role, name, db, role, name, db, role, db, role, role);
}

/* JSON members: the host's groups, in order, and its default scope. */
static void json_groups(const struct fleet_options *o)
{
        json_member("groups");
        fputc('[', stdout);
        for (size_t i = 0; i < o->ngroups; i++) {
                fputs(i ? ", " : "", stdout);
                json_str(o->groups[i]);
        }
        fputc(']', stdout);
        json_member("default_scope");
        if (o->ngroups) {
                json_str(o->groups[0]);
        } else {
                printf("\"host:%s\"", o->name);
        }
}

/* Text: ", groups a, b (keys created on it go to a)\n", or in no group. */
static void print_groups(const struct fleet_options *o)
{
        if (o->ngroups) {
                fputs(", groups", stdout);
                for (size_t i = 0; i < o->ngroups; i++)
                        printf("%s %s", i ? "," : "", o->groups[i]);
                printf(" (keys created on it go to %s)\n", o->groups[0]);
        } else {
                printf(", in no group (keys created on it work on %s alone: scope host:%s)\n", o->name, o->name);
        }
}

static int print_added(PGconn *c, const struct fleet_options *o, const char *role)
{
        if (o->json) {
                fputs("{\"host\": ", stdout);
                json_str(o->name);
                json_member("role");
                json_str(role);
                json_groups(o);
                json_member("database");
                json_str(sym_PQdb(c));
                fputs("}\n", stdout);
                return EXIT_OK;
        }
        printf("host %s added: PostgreSQL role %s", o->name, role);
        print_groups(o);
        fputc('\n', stdout);
        print_credential_howto(c, o->name, role);
        return EXIT_OK;
}

int fleet_add_host(PGconn *c, const struct fleet_options *o)
{
        char role[FLEET_NAME_MAX + 1], groups[FLEET_GROUPS_MAX * (FLEET_NAME_MAX + 3) + 3];
        const char *params[3] = { o->name, role, groups };
        int r;

        if (o->role) {
                snprintf(role, sizeof(role), "%s", o->role);
        } else if (strlen(FLEET_ROLE_PREFIX) + strlen(o->name) <= FLEET_NAME_MAX) {
                snprintf(role, sizeof(role), FLEET_ROLE_PREFIX "%s", o->name);
        } else {
                ctl_err("fleet add-host: %s" FLEET_ROLE_PREFIX " is longer than PostgreSQL's %d characters: "
                        "name the role with --role ROLE",
                        o->name, FLEET_NAME_MAX);
                return EXIT_USAGE;
        }
        fleet_array_literal(o->groups, o->ngroups, groups, sizeof(groups));
        if ((r = fleet_begin(c)) != EXIT_OK)
                return r;
        r = fleet_command(c, "SELECT apikey.add_host($1, $2, $3::text[])", 3, params);
        if ((r = fleet_end(c, r)) != EXIT_OK)
                return r;
        return print_added(c, o, role);
}

/* What still names the host: keys and service IDs of scope host:NAME work
 * nowhere now (no host has that scope); the admin decides their fate. */
static int count_left(PGconn *c, const char *name, char *keys, char *sids, size_t sz)
{
        const char *params[1] = { name };
        PGresult *res = NULL;
        int r = fleet_query(c,
                            "SELECT (SELECT count(*) FROM apikey.keys WHERE scope = 'host:' || $1),"
                            " (SELECT count(*) FROM apikey.service_ids WHERE scope = 'host:' || $1)",
                            1, params, &res);

        if (r != EXIT_OK)
                return r;
        snprintf(keys, sz, "%s", sym_PQgetvalue(res, 0, 0));
        snprintf(sids, sz, "%s", sym_PQgetvalue(res, 0, 1));
        sym_PQclear(res);
        return EXIT_OK;
}

int fleet_remove_host(PGconn *c, const struct fleet_options *o)
{
        const char *params[1] = { o->name };
        char role[FLEET_NAME_MAX + 1], keys[24], sids[24];
        PGresult *res = NULL;
        int r;

        if ((r = fleet_begin(c)) != EXIT_OK)
                return r;
        r = fleet_query(c, "SELECT apikey.remove_host($1)", 1, params, &res);
        if (r == EXIT_OK) {
                snprintf(role, sizeof(role), "%s", sym_PQgetvalue(res, 0, 0));
                sym_PQclear(res);
                r = count_left(c, o->name, keys, sids, sizeof(keys));
        }
        if ((r = fleet_end(c, r)) != EXIT_OK)
                return r;
        if (o->json) {
                fputs("{\"host\": ", stdout);
                json_str(o->name);
                json_member("role");
                json_str(role);
                printf(", \"scope_keys\": %s, \"scope_service_ids\": %s}\n", keys, sids);
                return EXIT_OK;
        }
        printf("host %s removed, role %s dropped: its open connections see nothing from now on\n", o->name, role);
        if (strcmp(keys, "0") != 0 || strcmp(sids, "0") != 0)
                printf("%s keys and %s service IDs have scope host:%s and now work nowhere: delete them, or give "
                       "them a group's scope\n",
                       keys, sids, o->name);
        return EXIT_OK;
}

/* The host's groups replaced in one transaction, as a fleet admin (its
 * grants on groups and host_groups; a host's role has none: permission
 * denied). Every host's policies read host_groups per statement, so its
 * daemon's next login sees the new scopes: keys of a group it left stop
 * working there (wrong_host), with no restart. */
int fleet_set_groups(PGconn *c, const struct fleet_options *o)
{
        char groups[FLEET_GROUPS_MAX * (FLEET_NAME_MAX + 3) + 3];
        const char *params[2] = { o->name, groups };
        PGresult *res = NULL;
        int r;

        fleet_array_literal(o->groups, o->ngroups, groups, sizeof(groups));
        if ((r = fleet_begin(c)) != EXIT_OK)
                return r;
        r = fleet_query(c, "SELECT 1 FROM apikey.hosts WHERE name = $1", 1, params, &res);
        if (r == EXIT_OK) {
                bool found = sym_PQntuples(res) == 1;

                sym_PQclear(res);
                if (!found) {
                        fleet_rollback(c);
                        ctl_err("fleet set-groups: no host %s (see 'apikeyctl fleet hosts')", o->name);
                        return EXIT_NOT_FOUND;
                }
                r = fleet_command(c, "DELETE FROM apikey.host_groups WHERE host = $1", 1, params);
        }
        if (r == EXIT_OK)
                r = fleet_command(c, "INSERT INTO apikey.groups (name) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
                                  1, params + 1);
        if (r == EXIT_OK)
                r = fleet_command(c,
                                  "INSERT INTO apikey.host_groups (host, grp, position)"
                                  " SELECT $1, g, n - 1 FROM unnest($2::text[]) WITH ORDINALITY AS t (g, n)"
                                  " ON CONFLICT DO NOTHING",
                                  2, params);
        if ((r = fleet_end(c, r)) != EXIT_OK)
                return r;
        if (o->json) {
                fputs("{\"host\": ", stdout);
                json_str(o->name);
                json_groups(o);
                fputs("}\n", stdout);
                return EXIT_OK;
        }
        printf("host %s", o->name);
        print_groups(o);
        printf("Its daemon follows at its next login: keys of groups it left stop working on it.\n");
        return EXIT_OK;
}
