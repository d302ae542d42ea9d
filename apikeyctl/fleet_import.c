/* fleet_import.c - `fleet import --from PATH --host NAME`: one host's SQLite
 * store (keys, service IDs, audit chain) into the fleet, in one PostgreSQL
 * transaction read from one SQLite snapshot: all of it or nothing.
 *
 * The installation secret. The keys' hashes and their row MACs were made
 * with NAME's own hash.key, which stays on NAME and is never copied: the
 * rows are copied byte for byte with scope 'host:NAME' and hash_key
 * 'host:NAME', so that only NAME's apikeyd (which finds that secret by the
 * hash_key) can check them, and they keep working there and only there.
 * The audit records keep their seqs, prev_hashes and hashes, with host =
 * NAME: the chain (keyed from the same hash.key) verifies as before and
 * NAME's apikeyd goes on from its last record. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../apikeyd/store.h"
#include "../apikeyd/store_pg_schema.h"
#include "fleet.h"

#define IMPORT_BATCH 500 /* inserts per pipeline sync */
#define IMPORT_MAX_PARAMS 32

/* One table's copy: the SQLite query, the PostgreSQL insert (its first
 * columns are the query's, then the fleet's extra ones), and which columns
 * are blobs (bytea, sent in binary). */
struct copy_spec {
        const char *what;
        const char *select;
        const char *insert;
        int ncols;
        unsigned blob_mask; /* bit i: column i is a blob */
        int nextra;
};

static const struct copy_spec copy_keys = {
        "keys",
        "SELECT id, hash, kind, owner_type, owner_name, owner_uid, name, description, state, created_at, created_by,"
        " last_used_at, last_used_from, last_used_service, use_count, expires_at, locked, services, sources,"
        " max_uses, leak_action, rotated_to, retires, disabled_by, locked_by, orphaned_at, mac FROM keys ORDER BY id",
        "INSERT INTO apikey.keys (id, hash, kind, owner_type, owner_name, owner_uid, name, description, state,"
        " created_at, created_by, last_used_at, last_used_from, last_used_service, use_count, expires_at, locked,"
        " services, sources, max_uses, leak_action, rotated_to, retires, disabled_by, locked_by, orphaned_at, mac,"
        " scope, hash_key, created_host) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
        " $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, 'host:' || $28, 'host:' || $28, $28)",
        27,
        (1u << 1) | (1u << 26),
        1,
};

static const struct copy_spec copy_sids = {
        "service IDs",
        "SELECT name, description, unix_user, unix_uid, locked, created_at, created_by, mac FROM service_ids"
        " ORDER BY name",
        "INSERT INTO apikey.service_ids (name, description, unix_user, unix_uid, locked, created_at, created_by, mac,"
        " scope, created_host) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'host:' || $9, $9)",
        8,
        1u << 7,
        1,
};

static const struct copy_spec copy_audit = {
        "audit records",
        "SELECT seq, time, event, result, key_id, identity, user, service, rhost, tty, peer_uid, peer_pid, caller,"
        " action, detail, prev_hash, hash FROM audit ORDER BY seq",
        "INSERT INTO apikey.audit (seq, time, event, result, key_id, identity, \"user\", service, rhost, tty,"
        " peer_uid, peer_pid, caller, action, detail, prev_hash, hash, host) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
        " $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        17,
        (1u << 15) | (1u << 16),
        1,
};

/* Reads results up to the pipeline's sync point; the first error is the
 * one reported (those after it are only "aborted"). */
static int drain(PGconn *c, int pending, int code)
{
        int nulls = 0;

        for (;;) {
                PGresult *res = sym_PQgetResult(c);

                if (!res) {
                        /* One NULL ends each query's results; more than
                         * that and the sync never comes. */
                        if (++nulls > pending + 1 || sym_PQstatus(c) != CONNECTION_OK)
                                return code == EXIT_OK ? fleet_report(c, NULL, "import") : code;
                        continue;
                }
                ExecStatusType st = sym_PQresultStatus(res);
                if (st == PGRES_PIPELINE_SYNC) {
                        sym_PQclear(res);
                        return code;
                }
                if (st == PGRES_FATAL_ERROR && code == EXIT_OK)
                        code = fleet_report(c, res, "import");
                sym_PQclear(res);
        }
}

static int copy_table(sqlite3 *db, PGconn *c, const struct copy_spec *t, const char *host, long *ret_rows)
{
        const char *values[IMPORT_MAX_PARAMS];
        int lengths[IMPORT_MAX_PARAMS], formats[IMPORT_MAX_PARAMS];
        int n = t->ncols + t->nextra, pending = 0, code = EXIT_OK, rc;
        sqlite3_stmt *st = NULL;
        PGresult *prep;
        long rows = 0;

        if (sqlite3_prepare_v2(db, t->select, -1, &st, NULL) != SQLITE_OK) {
                ctl_err("fleet import: cannot read the %s: %s (is it an apikeyd store?)", t->what, sqlite3_errmsg(db));
                return EXIT_FAILURE_OTHER;
        }
        prep = sym_PQprepare(c, "", t->insert, n, NULL);
        if (sym_PQresultStatus(prep) != PGRES_COMMAND_OK) {
                code = fleet_report(c, prep, "import");
                sym_PQclear(prep);
                sqlite3_finalize(st);
                return code;
        }
        sym_PQclear(prep);
        if (!sym_PQenterPipelineMode(c)) {
                sqlite3_finalize(st);
                return fleet_report(c, NULL, "import");
        }
        while (code == EXIT_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                for (int i = 0; i < t->ncols; i++) {
                        bool blob = t->blob_mask & (1u << i);

                        formats[i] = blob;
                        if (sqlite3_column_type(st, i) == SQLITE_NULL) {
                                values[i] = NULL;
                                lengths[i] = 0;
                        } else if (blob) {
                                values[i] = sqlite3_column_blob(st, i);
                                lengths[i] = sqlite3_column_bytes(st, i);
                                if (!values[i]) /* an empty blob */
                                        values[i] = "";
                        } else {
                                values[i] = (const char *)sqlite3_column_text(st, i);
                                lengths[i] = 0;
                        }
                }
                for (int i = t->ncols; i < n; i++) {
                        values[i] = host;
                        lengths[i] = 0;
                        formats[i] = 0;
                }
                if (!sym_PQsendQueryPrepared(c, "", n, values, lengths, formats, 0)) {
                        code = fleet_report(c, NULL, "import");
                        break;
                }
                rows++;
                if (++pending == IMPORT_BATCH) {
                        if (!sym_PQpipelineSync(c))
                                code = fleet_report(c, NULL, "import");
                        else
                                code = drain(c, pending, code);
                        pending = 0;
                }
        }
        if (code == EXIT_OK && rc != SQLITE_DONE) {
                ctl_err("fleet import: reading the %s: %s", t->what, sqlite3_errmsg(db));
                code = EXIT_FAILURE_OTHER;
        }
        if (sym_PQpipelineSync(c))
                code = drain(c, pending, code);
        else if (code == EXIT_OK)
                code = fleet_report(c, NULL, "import");
        sym_PQexitPipelineMode(c);
        sqlite3_finalize(st);
        *ret_rows = rows;
        return code;
}

static int open_store(const char *path, sqlite3 **ret)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int version = -1;

        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
                ctl_err("fleet import: cannot open %s: %s", check_shown(path), db ? sqlite3_errmsg(db) : "no memory");
                sqlite3_close(db);
                return EXIT_NOT_FOUND;
        }
        sqlite3_busy_timeout(db, STORE_BUSY_MS);
        /* One snapshot for the three tables (WAL: the daemon may go on). */
        if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                version = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (version != STORE_SCHEMA_VERSION) {
                if (version <= 0)
                        ctl_err("fleet import: %s is not an apikeyd store (%s)", check_shown(path),
                                version < 0 ? sqlite3_errmsg(db) : "no schema");
                else
                        ctl_err("fleet import: %s is store version %d, this apikeyctl imports version %d: start "
                                "this version's apikeyd on it once (it migrates the store), stop it, and import again",
                                check_shown(path), version, STORE_SCHEMA_VERSION);
                sqlite3_close(db);
                return EXIT_FAILURE_OTHER;
        }
        *ret = db;
        return EXIT_OK;
}

/* The host must exist (add-host first) and have no audit records yet: its
 * chain is imported once, before its apikeyd uses the fleet. */
static int check_target(PGconn *c, const char *host)
{
        const char *params[1] = { host };
        PGresult *res = NULL;
        int r = fleet_query(c,
                            "SELECT EXISTS (SELECT FROM apikey.hosts WHERE name = $1),"
                            " EXISTS (SELECT FROM apikey.audit WHERE host = $1)",
                            1, params, &res);

        if (r != EXIT_OK)
                return r;
        bool known = sym_PQgetvalue(res, 0, 0)[0] == 't', has_audit = sym_PQgetvalue(res, 0, 1)[0] == 't';
        sym_PQclear(res);
        if (!known) {
                ctl_err("fleet import: no host %s in the fleet: add it first with 'apikeyctl fleet --db URI add-host %s'",
                        host, host);
                return EXIT_NOT_FOUND;
        }
        if (has_audit) {
                ctl_err("fleet import: host %s has audit records in the fleet already: a host's store is imported "
                        "once, before its apikeyd uses the fleet",
                        host);
                return EXIT_CONFLICT;
        }
        return EXIT_OK;
}

static void print_imported(const struct fleet_options *o, const long n[3])
{
        if (o->json) {
                /* A checked name (fleet_name_ok): nothing to escape. */
                printf("{\"host\": \"%s\", \"keys\": %ld, \"service_ids\": %ld, \"audit_records\": %ld, \"scope\": \"host:%s\","
                       " \"hash_key\": \"host:%s\"}\n",
                       o->host, n[0], n[1], n[2], o->host, o->host);
                return;
        }
        printf("imported %ld keys, %ld service IDs and %ld audit records of host %s\n", n[0], n[1], n[2], o->host);
        printf("Their scope and hash_key are host:%s: they work on %s only, whose hash.key made their hashes and\n"
               "stays there. Start %s's apikeyd with --db on the fleet (its audit chain goes on from there).\n",
               o->host, o->host, o->host);
}

int fleet_import(PGconn *c, const struct fleet_options *o)
{
        const struct copy_spec *specs[3] = { &copy_keys, &copy_sids, &copy_audit };
        long n[3] = { 0, 0, 0 };
        bool copying = false;
        sqlite3 *db = NULL;
        int r = open_store(o->from, &db);

        if (r != EXIT_OK)
                return r;
        r = fleet_begin(c);
        if (r == EXIT_OK)
                r = check_target(c, o->host);
        copying = r == EXIT_OK;
        for (int i = 0; i < 3 && r == EXIT_OK; i++)
                r = copy_table(db, c, specs[i], o->host, &n[i]);
        r = fleet_end(c, r);
        sqlite3_close(db);
        if (r == EXIT_CONFLICT && copying)
                ctl_err("nothing was imported: a key ID or service ID of this store is in the fleet already "
                        "(imported before?)");
        else if (r != EXIT_OK)
                ctl_err("nothing was imported");
        else
                print_imported(o, n);
        return r;
}
