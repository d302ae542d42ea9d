/* store_sqlite_audit.c - the audit table (append-only; see audit.c for the
 * hash chain). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "store_sqlite.h"

#define AUDIT_COLUMNS                                                                                      \
        "seq, time, event, result, key_id, identity, user, service, rhost, tty, peer_uid, peer_pid, "     \
        "caller, action, detail, prev_hash, hash"

static int append_one(struct store *base, const struct audit_record *r)
{
        struct sqlite_store *s = sqlite_of(base);
        /* Every parameter is bound below: no sqlite3_clear_bindings. */
        sqlite3_stmt *st = store_stmt_rebound(s, ST_AUDIT_APPEND,
                                              "INSERT INTO audit (" AUDIT_COLUMNS ") VALUES (?1,?2,?3,?4,?5,?6,?7,"
                                              "?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)");
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)r->seq);
        sqlite3_bind_int64(st, 2, r->time);
        sqlite3_bind_text(st, 3, r->event, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->result, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, r->key_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, r->identity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, r->user, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, r->service, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, r->rhost, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, r->tty, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, r->peer_uid);
        sqlite3_bind_int64(st, 12, r->peer_pid);
        sqlite3_bind_text(st, 13, r->caller, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 14, r->action, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 15, r->detail, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 16, r->prev_hash, AUDIT_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 17, r->hash, AUDIT_HASH_LEN, SQLITE_STATIC);
        return store_step_done(s, st);
}

/* One prepared statement, stepped once a record: SQLite has no round trip
 * to save. */
int sqlite_audit_append(struct store *base, const struct audit_record *r, size_t n)
{
        int e = 0;

        for (size_t i = 0; e == 0 && i < n; i++)
                e = append_one(base, &r[i]);
        return e;
}

static int row_to_audit(sqlite3_stmt *st, struct audit_record *r)
{
        memset(r, 0, sizeof(*r));
        if (sqlite3_column_bytes(st, 15) != AUDIT_HASH_LEN || sqlite3_column_bytes(st, 16) != AUDIT_HASH_LEN)
                return -EIO;
        r->seq = (uint64_t)sqlite3_column_int64(st, 0);
        r->time = sqlite3_column_int64(st, 1);
        store_copy_text(st, 2, r->event, sizeof(r->event));
        store_copy_text(st, 3, r->result, sizeof(r->result));
        store_copy_text(st, 4, r->key_id, sizeof(r->key_id));
        store_copy_text(st, 5, r->identity, sizeof(r->identity));
        store_copy_text(st, 6, r->user, sizeof(r->user));
        store_copy_text(st, 7, r->service, sizeof(r->service));
        store_copy_text(st, 8, r->rhost, sizeof(r->rhost));
        store_copy_text(st, 9, r->tty, sizeof(r->tty));
        r->peer_uid = (uint32_t)sqlite3_column_int64(st, 10);
        r->peer_pid = (uint32_t)sqlite3_column_int64(st, 11);
        store_copy_text(st, 12, r->caller, sizeof(r->caller));
        store_copy_text(st, 13, r->action, sizeof(r->action));
        store_copy_text(st, 14, r->detail, sizeof(r->detail));
        memcpy(r->prev_hash, sqlite3_column_blob(st, 15), AUDIT_HASH_LEN);
        memcpy(r->hash, sqlite3_column_blob(st, 16), AUDIT_HASH_LEN);
        return 0;
}

/* The newest (or oldest) record's seq and hash; 1 when there is one. */
static int audit_end(struct sqlite_store *s, bool newest, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        sqlite3_stmt *st = newest ? store_stmt(s, ST_AUDIT_LAST, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
                                  : store_stmt(s, ST_AUDIT_FIRST, "SELECT seq, hash FROM audit ORDER BY seq LIMIT 1");
        int rc, r = 0;

        if (!st)
                return -EIO;
        rc = sqlite3_step(st);
        *ret_seq = 0;
        memset(ret_hash, 0, AUDIT_HASH_LEN);
        if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == AUDIT_HASH_LEN) {
                *ret_seq = (uint64_t)sqlite3_column_int64(st, 0);
                memcpy(ret_hash, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
                r = 1;
        } else if (rc != SQLITE_DONE) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_reset(st);
        return r;
}

struct audit_visit {
        store_audit_cb cb;
        void *userdata;
        struct audit_record rec;
};

static int visit_audit(sqlite3_stmt *st, void *ctx)
{
        struct audit_visit *v = ctx;
        int r = row_to_audit(st, &v->rec);

        return r < 0 ? r : v->cb(&v->rec, v->userdata);
}

int sqlite_audit_last(struct store *base, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        struct sqlite_store *s = sqlite_of(base);
        int r = audit_end(s, true, ret_seq, ret_hash);

        return r < 0 ? r : 0;
}

int sqlite_audit_hash_at(struct store *base, uint64_t seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_AUDIT_HASH_AT, "SELECT hash FROM audit WHERE seq = ?1");
        int rc, r = -ENOENT;

        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == AUDIT_HASH_LEN) {
                memcpy(ret_hash, sqlite3_column_blob(st, 0), AUDIT_HASH_LEN);
                r = 0;
        } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_reset(st);
        return r;
}

int sqlite_audit_first(struct store *base, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        struct sqlite_store *s = sqlite_of(base);
        int r = audit_end(s, false, ret_seq, ret_hash);

        return r < 0 ? r : (r == 0 ? -ENOENT : 0);
}

int sqlite_audit_list(struct store *base, const struct audit_filter *f, store_audit_cb cb, void *userdata)
{
        struct sqlite_store *s = sqlite_of(base);
        /* One statement per shape of filter, so that SQLite searches the
         * audit_key or audit_identity index instead of scanning the log. */
#define AUDIT_LIST_SQL(where)                                                                              \
        "SELECT " AUDIT_COLUMNS " FROM audit WHERE " where "time >= ?3 AND seq > ?4 ORDER BY seq LIMIT ?5"
        static const char *const sql[4] = {
                AUDIT_LIST_SQL(""),
                AUDIT_LIST_SQL("key_id = ?1 AND "),
                AUDIT_LIST_SQL("identity = ?2 AND "),
                AUDIT_LIST_SQL("key_id = ?1 AND identity = ?2 AND "),
        };
#undef AUDIT_LIST_SQL
        unsigned shape = (f && f->key_id ? 1u : 0u) | (f && f->identity ? 2u : 0u);
        sqlite3_stmt *st = store_stmt(s, (enum stmt_id)(ST_AUDIT_LIST + shape), sql[shape]);
        struct audit_visit v = { .cb = cb, .userdata = userdata };

        if (!st)
                return -EIO;
        store_bind_text_or_null(st, 1, f ? f->key_id : NULL);
        store_bind_text_or_null(st, 2, f ? f->identity : NULL);
        sqlite3_bind_int64(st, 3, f ? f->since : 0);
        sqlite3_bind_int64(st, 4, f && f->after_seq <= (uint64_t)INT64_MAX ? (sqlite3_int64)f->after_seq : INT64_MAX);
        sqlite3_bind_int64(st, 5, f && f->limit ? (sqlite3_int64)f->limit : -1); /* -1: no limit */
        return store_each_row(s, st, visit_audit, &v);
}

int sqlite_audit_last_event(struct store *base, const char *identity, const char *event, uint64_t *ret_seq)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_AUDIT_LAST_EVENT,
                                      "SELECT coalesce(max(seq), 0) FROM audit WHERE identity = ?1 AND event = ?2");
        int r = -EIO;

        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
                *ret_seq = (uint64_t)sqlite3_column_int64(st, 0);
                r = 0;
        }
        sqlite3_reset(st);
        return r;
}

int sqlite_audit_prune(struct store *base, int64_t before, uint64_t *ret_deleted)
{
        struct sqlite_store *s = sqlite_of(base);
        /* Only a prefix goes, and never the newest record: the chain stays
         * contiguous from the first kept record to the end. */
        sqlite3_stmt *st = store_stmt(s, ST_AUDIT_PRUNE,
                                      "DELETE FROM audit WHERE seq < min("
                                      "coalesce((SELECT min(seq) FROM audit WHERE time >= ?1), 1 << 62),"
                                      "(SELECT max(seq) FROM audit))");
        int r;

        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, before);
        r = store_step_done(s, st);
        if (r == 0 && ret_deleted)
                *ret_deleted = (uint64_t)sqlite3_changes(s->db);
        return r;
}

int sqlite_audit_prune_seq(struct store *base, uint64_t keep_from, uint64_t *ret_deleted)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_AUDIT_PRUNE_SEQ,
                                      "DELETE FROM audit WHERE seq < min(?1, (SELECT max(seq) FROM audit))");
        int r;

        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, keep_from > INT64_MAX ? INT64_MAX : (int64_t)keep_from);
        r = store_step_done(s, st);
        if (r == 0 && ret_deleted)
                *ret_deleted = (uint64_t)sqlite3_changes(s->db);
        return r;
}
