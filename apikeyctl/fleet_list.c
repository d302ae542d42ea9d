/* fleet_list.c - `fleet hosts` and `fleet groups`: a table for people, a
 * JSON array of objects for scripts (as the other --json outputs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "print.h"

/* A PostgreSQL text[] as a JSON array or a comma list, padded to width:
 * the values are checked names (fleet_name_ok, the schema's CHECKs), but
 * they go through the escaping printers all the same. */
static void print_names(const char *pg_array, bool json, size_t width)
{
        char buf[4096], list[4096], *save = NULL;
        size_t len = 0;
        bool first = true;

        snprintf(buf, sizeof(buf), "%s", pg_array);
        list[0] = '\0';
        if (json)
                fputc('[', stdout);
        for (char *t = strtok_r(buf, "{},\"", &save); t; t = strtok_r(NULL, "{},\"", &save)) {
                if (json) {
                        fputs(first ? "" : ", ", stdout);
                        json_str(t);
                } else if (len < sizeof(list)) {
                        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", first ? "" : ",", t);
                }
                first = false;
        }
        if (json)
                fputc(']', stdout);
        else
                text_put_padded(stdout, first ? "-" : list, width);
}

static void print_time(const char *epoch, bool json)
{
        struct opt_u64 t = { .set = true, .v = strtoull(epoch, NULL, 10) };
        char buf[64];

        if (json) {
                json_time(&t, false);
                return;
        }
        timefmt_local(t.v, buf, sizeof(buf));
        fputs(buf, stdout);
}

static int list(PGconn *c, const struct fleet_options *o, const char *sql, void (*row)(const PGresult *, int, bool),
                const char *header)
{
        PGresult *res = NULL;
        int r = fleet_query(c, sql, 0, NULL, &res);

        if (r != EXIT_OK)
                return r;
        if (o->json) {
                int n = sym_PQntuples(res);

                fputs(n ? "[\n" : "[]\n", stdout);
                for (int i = 0; i < n; i++) {
                        fputs("  ", stdout);
                        row(res, i, true);
                        fputs(i + 1 < n ? ",\n" : "\n", stdout);
                }
                if (n)
                        fputs("]\n", stdout);
        } else {
                puts(header);
                for (int i = 0; i < sym_PQntuples(res); i++) {
                        row(res, i, false);
                        fputc('\n', stdout);
                }
        }
        sym_PQclear(res);
        return EXIT_OK;
}

/* name, role, groups (first: the default scope), created_at */
static void host_row(const PGresult *res, int i, bool json)
{
        const char *name = sym_PQgetvalue(res, i, 0), *groups = sym_PQgetvalue(res, i, 2);

        if (json) {
                fputs("{\"name\": ", stdout);
                json_str(name);
                json_member("role");
                json_str(sym_PQgetvalue(res, i, 1));
                json_member("groups");
                print_names(groups, true, 0);
                json_member("default_scope");
                json_str(sym_PQgetvalue(res, i, 3));
                json_member("created_at");
                print_time(sym_PQgetvalue(res, i, 4), true);
                fputc('}', stdout);
                return;
        }
        text_put_padded(stdout, name, 24);
        fputc(' ', stdout);
        text_put_padded(stdout, sym_PQgetvalue(res, i, 1), 32);
        fputc(' ', stdout);
        print_names(groups, false, 24);
        fputc(' ', stdout);
        print_time(sym_PQgetvalue(res, i, 4), false);
}

int fleet_hosts(PGconn *c, const struct fleet_options *o)
{
        return list(c, o,
                    "SELECT h.name, h.role,"
                    " array(SELECT grp FROM apikey.host_groups g WHERE g.host = h.name ORDER BY position),"
                    " apikey.host_default_scope(h.name), h.created_at"
                    " FROM apikey.hosts h ORDER BY h.name",
                    host_row, "HOST                     ROLE                             GROUPS                   CREATED");
}

/* name, hosts, keys, service IDs */
static void group_row(const PGresult *res, int i, bool json)
{
        if (json) {
                fputs("{\"name\": ", stdout);
                json_str(sym_PQgetvalue(res, i, 0));
                json_member("hosts");
                print_names(sym_PQgetvalue(res, i, 1), true, 0);
                printf(", \"keys\": %s, \"service_ids\": %s}", sym_PQgetvalue(res, i, 2), sym_PQgetvalue(res, i, 3));
                return;
        }
        text_put_padded(stdout, sym_PQgetvalue(res, i, 0), 24);
        printf(" %8s %12s  ", sym_PQgetvalue(res, i, 2), sym_PQgetvalue(res, i, 3));
        print_names(sym_PQgetvalue(res, i, 1), false, 0);
}

int fleet_groups(PGconn *c, const struct fleet_options *o)
{
        return list(c, o,
                    "SELECT g.name,"
                    " array(SELECT host FROM apikey.host_groups hg WHERE hg.grp = g.name ORDER BY host),"
                    " (SELECT count(*) FROM apikey.keys k WHERE k.scope = g.name),"
                    " (SELECT count(*) FROM apikey.service_ids s WHERE s.scope = g.name)"
                    " FROM apikey.groups g ORDER BY g.name",
                    group_row, "GROUP                        KEYS  SERVICE-IDS  HOSTS");
}
