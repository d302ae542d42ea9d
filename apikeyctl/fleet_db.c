/* fleet_db.c - libpq for the fleet commands: the connection, queries, and
 * PostgreSQL's errors (SQLSTATE) as apikeyctl's exit codes, with what to do. */
#include <stdio.h>
#include <string.h>

#include "../apikeyd/store_pg_schema.h"
#include "fleet.h"

/* A password given on the command line is visible to every local user (ps,
 * /proc): refuse it and say where it goes instead. */
static int refuse_password(const char *uri)
{
        char *err = NULL;
        PQconninfoOption *opts = sym_PQconninfoParse(uri, &err);
        int r = -1;

        if (!opts) {
                ctl_err("--db: %s", err ? err : "not a valid URI");
                sym_PQfreemem(err);
                return EXIT_USAGE;
        }
        for (PQconninfoOption *p = opts; p->keyword; p++)
                if (strcmp(p->keyword, "password") == 0 && p->val && *p->val) {
                        ctl_err("--db holds a password, which any local user can read on the command line: "
                                "put it in a passfile (passfile=PATH or ~/.pgpass, mode 0600) or use a client "
                                "certificate or peer authentication");
                        r = EXIT_USAGE;
                }
        sym_PQconninfoFree(opts);
        return r;
}

/* libpq's message without its trailing newline, safe on a terminal. */
static void report_text(const char *doing, const char *msg, const char *detail, const char *advice)
{
        char buf[1024];
        size_t n;

        snprintf(buf, sizeof(buf), "%s", msg ? msg : "unknown error");
        n = strlen(buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
        /* libpq's multi-line messages on one line. */
        for (char *p = buf; *p; p++)
                if (*p == '\n' || *p == '\t')
                        *p = ' ';
        fflush(stdout);
        if (doing)
                fprintf(stderr, "apikeyctl: fleet %s: ", doing);
        else
                fputs("apikeyctl: fleet: ", stderr);
        text_put(stderr, buf);
        if (detail) {
                fputs(" (", stderr);
                text_put(stderr, detail);
                fputc(')', stderr);
        }
        if (advice)
                fprintf(stderr, "\napikeyctl: %s", advice);
        fputc('\n', stderr);
}

int fleet_connect(const char *uri, PGconn **ret)
{
        /* Ours first: a value in the URI (expanded from dbname) overrides
         * them. No NOTICEs ("already exists, skipping") on stderr. */
        const char *const keys[] = { "connect_timeout", "application_name", "options", "dbname", NULL };
        const char *const vals[] = { "10", "apikeyctl fleet", "-c client_min_messages=warning -c bytea_output=hex", uri, NULL };
        PGconn *c;
        int r;

        if (libpq_load() < 0) {
                ctl_err("fleet: %s", libpq_error());
                return EXIT_FAILURE_OTHER;
        }
        r = refuse_password(uri);
        if (r >= 0)
                return r;
        c = sym_PQconnectdbParams(keys, vals, 1);
        if (!c) {
                ctl_err("fleet: out of memory");
                return EXIT_FAILURE_OTHER;
        }
        if (sym_PQstatus(c) != CONNECTION_OK) {
                report_text("connect", sym_PQerrorMessage(c), NULL,
                            "check --db (host, port, dbname, user), that PostgreSQL runs, and pg_hba.conf");
                sym_PQfinish(c);
                return EXIT_UNREACHABLE;
        }
        *ret = c;
        return EXIT_OK;
}

static bool state_is(const char *state, const char *want)
{
        return state && strcmp(state, want) == 0;
}

int fleet_report(PGconn *c, const PGresult *res, const char *doing)
{
        const char *state = res ? sym_PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        const char *msg = res ? sym_PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        const char *advice = NULL;
        int code = EXIT_FAILURE_OTHER;

        if (!msg)
                msg = sym_PQerrorMessage(c);
        if (sym_PQstatus(c) != CONNECTION_OK || (state && strncmp(state, "08", 2) == 0)) {
                code = EXIT_UNREACHABLE;
                advice = "the connection to the database was lost; nothing was changed: run the command again";
        } else if (state_is(state, "42501")) {
                code = EXIT_PERMISSION;
                advice = "init and migrate run as the database's owner (with CREATEROLE); the other fleet commands "
                         "as the owner or a member of " STORE_PG_ADMIN_ROLE;
        } else if (state_is(state, "55P03") || state_is(state, "40P01")) {
                code = EXIT_CONFLICT;
                advice = "another session holds a lock on the fleet schema (a migration or a long transaction); "
                         "nothing was changed: try again once it is done";
        } else if (state_is(state, "23505") || state_is(state, "42710")) {
                code = EXIT_CONFLICT;
        } else if (state_is(state, "P0002")) {
                code = EXIT_NOT_FOUND;
        } else if (state_is(state, "42P01") || state_is(state, "3F000")) {
                code = EXIT_NOT_FOUND;
                advice = "no fleet schema in this database: run 'apikeyctl fleet --db URI init' as its owner";
        } else if (state_is(state, "22023")) {
                code = EXIT_USAGE;
        }
        report_text(doing, msg, res ? sym_PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL, advice);
        return code;
}

int fleet_query(PGconn *c, const char *sql, int n, const char *const *params, PGresult **ret)
{
        /* Without parameters, the simple protocol: a migration is many
         * statements in one string. */
        PGresult *res = n ? sym_PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0) : sym_PQexec(c, sql);
        ExecStatusType st = sym_PQresultStatus(res);

        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
                *ret = res;
                return EXIT_OK;
        }
        int code = fleet_report(c, res, NULL);
        sym_PQclear(res);
        return code;
}

int fleet_command(PGconn *c, const char *sql, int n, const char *const *params)
{
        PGresult *res = NULL;
        int r = fleet_query(c, sql, n, params, &res);

        if (r == EXIT_OK)
                sym_PQclear(res);
        return r;
}

int fleet_exec(PGconn *c, const char *sql)
{
        return fleet_command(c, sql, 0, NULL);
}

int fleet_begin(PGconn *c)
{
        return fleet_exec(c, "BEGIN; SET LOCAL lock_timeout = '" STORE_PG_LOCK_TIMEOUT "'");
}

void fleet_rollback(PGconn *c)
{
        sym_PQclear(sym_PQexec(c, "ROLLBACK"));
}

int fleet_end(PGconn *c, int r)
{
        if (r == EXIT_OK)
                r = fleet_exec(c, "COMMIT");
        if (r != EXIT_OK)
                fleet_rollback(c);
        return r;
}

void fleet_array_literal(const char *const *names, size_t n, char *buf, size_t sz)
{
        size_t len = 0;

        /* Checked names (fleet_name_ok): no quote or backslash to escape. */
        len += (size_t)snprintf(buf + len, sz - len, "{");
        for (size_t i = 0; i < n && len < sz; i++)
                len += (size_t)snprintf(buf + len, sz - len, "%s\"%s\"", i ? "," : "", names[i]);
        if (len < sz)
                snprintf(buf + len, sz - len, "}");
}
