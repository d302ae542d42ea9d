/* store_pg_audit.c - the fleet's audit table: one hash chain per host
 * (primary key host, seq). A host's role appends only to its own chain and
 * reads every host's; nobody but a fleet admin deletes (store_pg_schema.h),
 * so this daemon never prunes: retention is the fleet admin's. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "store_pg.h"

#define AUDIT_COLUMNS                                                                                      \
        "seq, time, event, result, key_id, identity, \"user\", service, rhost, tty, peer_uid, peer_pid, " \
        "caller, action, detail, prev_hash, hash, host"

/* Rows to one INSERT: a statement's parse and plan (with the policy's
 * WITH CHECK) cost a host's backend about as much as 20 rows' inserts, and
 * each statement is a round trip (BENCHMARKS.md). 8 rows of 17 parameters
 * is PG_PARAMS_MAX. */
#define AUDIT_ROWS_PER_INSERT 8
#define AUDIT_PARAMS 17
_Static_assert(AUDIT_ROWS_PER_INSERT * AUDIT_PARAMS <= PG_PARAMS_MAX, "an INSERT's rows must fit in pg_params");

static void add_params(struct pg_params *p, const struct audit_record *r)
{
        pg_param_int(p, (int64_t)r->seq);
        pg_param_int(p, r->time);
        pg_param_text(p, r->event);
        pg_param_text(p, r->result);
        pg_param_text(p, r->key_id);
        pg_param_text(p, r->identity);
        pg_param_text(p, r->user);
        pg_param_text(p, r->service);
        pg_param_text(p, r->rhost);
        pg_param_text(p, r->tty);
        pg_param_int(p, r->peer_uid);
        pg_param_int(p, r->peer_pid);
        pg_param_text(p, r->caller);
        pg_param_text(p, r->action);
        pg_param_text(p, r->detail);
        pg_param_bytes(p, r->prev_hash, AUDIT_HASH_LEN);
        pg_param_bytes(p, r->hash, AUDIT_HASH_LEN);
}

/* A batch whose COMMIT reached the server but whose answer did not is
 * written again when the database is back; its records are then already
 * there, and are skipped rather than stop every later batch. */
int pg_audit_append(struct store *base, const struct audit_record *r, size_t n)
{
        char sql[2048];
        int e = 0;

        for (size_t done = 0; e == 0 && done < n;) {
                size_t rows = n - done < AUDIT_ROWS_PER_INSERT ? n - done : AUDIT_ROWS_PER_INSERT;
                struct pg_sql q = PG_SQL_IN(sql);
                struct pg_params p = { 0 };

                pg_sql_add(&q, "INSERT INTO apikey.audit (" AUDIT_COLUMNS ") VALUES ");
                for (size_t i = 0; i < rows; i++) {
                        add_params(&p, &r[done + i]);
                        pg_sql_add(&q, "%s(", i ? "," : "");
                        for (int c = p.n - AUDIT_PARAMS + 1; c <= p.n; c++)
                                pg_sql_add(&q, "$%d,", c);
                        pg_sql_add(&q, "apikey.current_host())");
                }
                pg_sql_add(&q, " ON CONFLICT (host, seq) DO NOTHING");
                e = pg_command(pg_of(base), pg_sql_text(&q), &p, NULL);
                done += rows;
        }
        return e;
}

static int row_to_audit(const PGresult *res, int i, struct audit_record *r)
{
        memset(r, 0, sizeof(*r));
        if (pg_get_bytes(res, i, 15, r->prev_hash, AUDIT_HASH_LEN) < 0 ||
            pg_get_bytes(res, i, 16, r->hash, AUDIT_HASH_LEN) < 0)
                return -EIO;
        r->seq = (uint64_t)pg_get_int(res, i, 0);
        r->time = pg_get_int(res, i, 1);
        pg_get_text(res, i, 2, r->event, sizeof(r->event));
        pg_get_text(res, i, 3, r->result, sizeof(r->result));
        pg_get_text(res, i, 4, r->key_id, sizeof(r->key_id));
        pg_get_text(res, i, 5, r->identity, sizeof(r->identity));
        pg_get_text(res, i, 6, r->user, sizeof(r->user));
        pg_get_text(res, i, 7, r->service, sizeof(r->service));
        pg_get_text(res, i, 8, r->rhost, sizeof(r->rhost));
        pg_get_text(res, i, 9, r->tty, sizeof(r->tty));
        r->peer_uid = (uint32_t)pg_get_int(res, i, 10);
        r->peer_pid = (uint32_t)pg_get_int(res, i, 11);
        pg_get_text(res, i, 12, r->caller, sizeof(r->caller));
        pg_get_text(res, i, 13, r->action, sizeof(r->action));
        pg_get_text(res, i, 14, r->detail, sizeof(r->detail));
        pg_get_text(res, i, 17, r->host, sizeof(r->host));
        return 0;
}

/* This host's newest (or oldest) record: 1 found, 0 none, -errno. */
static int audit_end(struct pg_store *s, bool newest, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        struct pg_params p = { 0 };
        PGresult *res;
        int r;

        pg_param_text(&p, s->host);
        r = pg_exec(s,
                    newest ? "SELECT seq, hash FROM apikey.audit WHERE host = $1 ORDER BY seq DESC LIMIT 1"
                           : "SELECT seq, hash FROM apikey.audit WHERE host = $1 ORDER BY seq LIMIT 1",
                    &p, &res);
        if (r < 0)
                return r;
        *ret_seq = 0;
        memset(ret_hash, 0, AUDIT_HASH_LEN);
        if (sym_PQntuples(res) == 1) {
                *ret_seq = (uint64_t)pg_get_int(res, 0, 0);
                r = pg_get_bytes(res, 0, 1, ret_hash, AUDIT_HASH_LEN) < 0 ? -EIO : 1;
        }
        sym_PQclear(res);
        return r;
}

int pg_audit_last(struct store *base, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        int r = audit_end(pg_of(base), true, ret_seq, ret_hash);

        return r < 0 ? r : 0;
}

int pg_audit_first(struct store *base, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        int r = audit_end(pg_of(base), false, ret_seq, ret_hash);

        return r < 0 ? r : (r == 0 ? -ENOENT : 0);
}

int pg_audit_hash_at(struct store *base, uint64_t seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        struct pg_store *s = pg_of(base);
        struct pg_params p = { 0 };
        PGresult *res;
        int r;

        pg_param_text(&p, s->host);
        pg_param_int(&p, (int64_t)seq);
        r = pg_exec(s, "SELECT hash FROM apikey.audit WHERE host = $1 AND seq = $2", &p, &res);
        if (r < 0)
                return r;
        r = sym_PQntuples(res) == 1 ? (pg_get_bytes(res, 0, 0, ret_hash, AUDIT_HASH_LEN) < 0 ? -EIO : 0) : -ENOENT;
        sym_PQclear(res);
        return r;
}

int pg_audit_list(struct store *base, const struct audit_filter *f, store_audit_cb cb, void *userdata)
{
        struct pg_store *s = pg_of(base);
        struct pg_params p = { 0 };
        struct audit_record rec;
        char sql[1024];
        size_t used;
        PGresult *res = NULL;
        int r;

        pg_param_text(&p, f && f->host ? f->host : s->host);
        pg_param_int(&p, f ? f->since : 0);
        pg_param_int(&p, f && f->after_seq <= (uint64_t)INT64_MAX ? (int64_t)f->after_seq : INT64_MAX);
        used = (size_t)snprintf(sql, sizeof(sql),
                                "SELECT " AUDIT_COLUMNS " FROM apikey.audit WHERE host = $1 AND time >= $2 AND seq > $3");
        if (f && f->key_id) {
                pg_param_text(&p, f->key_id);
                used += (size_t)snprintf(sql + used, sizeof(sql) - used, " AND key_id = $%d", p.n);
        }
        if (f && f->identity) {
                pg_param_text(&p, f->identity);
                used += (size_t)snprintf(sql + used, sizeof(sql) - used, " AND identity = $%d", p.n);
        }
        used += (size_t)snprintf(sql + used, sizeof(sql) - used, " ORDER BY seq");
        if (f && f->limit)
                snprintf(sql + used, sizeof(sql) - used, " LIMIT %u", f->limit);
        r = pg_exec(s, sql, &p, &res);
        for (int i = 0; r >= 0 && i < sym_PQntuples(res); i++) {
                r = row_to_audit(res, i, &rec);
                if (r == 0)
                        r = cb(&rec, userdata);
        }
        sym_PQclear(res);
        return r < 0 ? r : 0;
}

int pg_audit_last_event(struct store *base, const char *identity, const char *event, uint64_t *ret_seq)
{
        struct pg_store *s = pg_of(base);
        struct pg_params p = { 0 };
        PGresult *res;
        int r;

        pg_param_text(&p, s->host);
        pg_param_text(&p, identity);
        pg_param_text(&p, event);
        r = pg_exec(s, "SELECT coalesce(max(seq), 0) FROM apikey.audit WHERE host = $1 AND identity = $2 AND event = $3",
                    &p, &res);
        if (r < 0)
                return r;
        *ret_seq = (uint64_t)pg_get_int(res, 0, 0);
        sym_PQclear(res);
        return 0;
}

/* Hosts may not delete audit records (that is the point of giving each an
 * append-only chain in a database it does not own): retention and the
 * bound on the number of records are the fleet admin's DELETE. */
int pg_audit_prune(struct store *base, int64_t before, uint64_t *ret_deleted)
{
        (void)base, (void)before;
        if (ret_deleted)
                *ret_deleted = 0;
        return 0;
}

int pg_audit_prune_seq(struct store *base, uint64_t keep_from, uint64_t *ret_deleted)
{
        (void)base, (void)keep_from;
        if (ret_deleted)
                *ret_deleted = 0;
        return 0;
}

/* Every host with a chain (hosts read every chain): one index search per
 * host on the primary key (host, seq), not a scan of the log. */
int pg_audit_hosts(struct store *base, store_host_cb cb, void *userdata)
{
        char host[STORE_HOST_MAX + 1];
        PGresult *res = NULL;
        int r = pg_exec(pg_of(base),
                        "WITH RECURSIVE h AS (SELECT min(host) AS host FROM apikey.audit UNION ALL "
                        "SELECT (SELECT min(a.host) FROM apikey.audit a WHERE a.host > h.host) FROM h "
                        "WHERE h.host IS NOT NULL) SELECT host FROM h WHERE host IS NOT NULL",
                        NULL, &res);

        for (int i = 0; r >= 0 && i < sym_PQntuples(res); i++) {
                pg_get_text(res, i, 0, host, sizeof(host));
                r = cb(host, userdata);
        }
        sym_PQclear(res);
        return r < 0 ? r : 0;
}
