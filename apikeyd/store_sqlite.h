/* store_sqlite.h - internals shared by the SQLite backend's files. */
#ifndef APIKEYD_STORE_SQLITE_H
#define APIKEYD_STORE_SQLITE_H

#include <sqlite3.h>

#include "store_backend.h"

enum stmt_id {
        ST_KEY_INSERT,
        ST_KEY_GET,
        ST_KEY_GET_AT,
        ST_KEY_DELETE,
        ST_SID_INSERT,
        ST_SID_GET,
        ST_SID_DELETE,
        ST_SID_LIST,
        ST_AUDIT_APPEND,
        ST_AUDIT_LAST,
        ST_AUDIT_FIRST,
        ST_AUDIT_LIST, /* four in a row, by the filter's shape (store_sqlite_audit.c) */
        ST_AUDIT_LIST_BY_KEY,
        ST_AUDIT_LIST_BY_IDENTITY,
        ST_AUDIT_LIST_BY_BOTH,
        ST_AUDIT_PRUNE,
        ST_AUDIT_LAST_EVENT,
        ST_KEY_SET_ORPHANED,
        ST_AUDIT_PRUNE_SEQ,
        ST_KEY_NEXT_OWNER,
        ST_KEY_NEXT_OWNER_UID,
        ST_AUDIT_HASH_AT,
        ST_KEY_REWRITE,
        ST_SID_REWRITE,
        ST_KEY_USES,
        _ST_MAX
};

struct sqlite_store {
        struct store base; /* first: the generic handle points here */
        sqlite3 *db;
        sqlite3_stmt *stmt[_ST_MAX];
        int wal_pages; /* frames in the WAL after this connection's last commit */
        int opened_version; /* user_version before the migrations */
        uint8_t row_key[STORE_ROW_KEY_LEN];
};

static inline struct sqlite_store *sqlite_of(const struct store *base)
{
        return (struct sqlite_store *)base;
}

/* The backend's operations (store_backend.h), defined in its files. */
int sqlite_open_another(struct store *base, struct store **ret);
int sqlite_opened_version(const struct store *base);
void sqlite_close(struct store *base);
int sqlite_begin(struct store *base);
int sqlite_commit(struct store *base);
void sqlite_rollback(struct store *base);
int sqlite_set_durable(struct store *base, bool durable);
void sqlite_set_busy_timeout(struct store *base, int ms);
int sqlite_manual_checkpoints(struct store *base);
int sqlite_wal_pages(const struct store *base);
int sqlite_checkpoint(struct store *base);
int sqlite_key_insert(struct store *base, const struct key_record *k);
int sqlite_key_get(struct store *base, const char *id, struct key_record *ret);
int sqlite_key_update(struct store *base, const struct key_record *k);
int sqlite_key_list(struct store *base, const struct key_filter *f, store_key_cb cb, void *userdata);
int sqlite_key_count(struct store *base, const struct key_filter *f, uint64_t *ret);
int sqlite_key_set_state(struct store *base, const char *id, const char *state, const char *by);
int sqlite_key_delete(struct store *base, const char *id);
int sqlite_key_set_orphaned(struct store *base, const char *id, int64_t when);
int sqlite_key_owners(struct store *base, store_owner_cb cb, void *userdata);
int sqlite_key_add_uses(struct store *base, const char *id, int64_t row_hint, uint64_t n, int64_t when,
                       const char *rhost, const char *service);
int sqlite_sid_insert(struct store *base, const struct sid_record *r);
int sqlite_sid_get(struct store *base, const char *name, struct sid_record *ret);
int sqlite_sid_update(struct store *base, const struct sid_record *r);
int sqlite_sid_delete(struct store *base, const char *name);
int sqlite_sid_list(struct store *base, store_sid_cb cb, void *userdata);
int sqlite_audit_append(struct store *base, const struct audit_record *r, size_t n);
int sqlite_audit_last(struct store *base, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
int sqlite_audit_hash_at(struct store *base, uint64_t seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
int sqlite_audit_first(struct store *base, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
int sqlite_audit_list(struct store *base, const struct audit_filter *f, store_audit_cb cb, void *userdata);
int sqlite_audit_last_event(struct store *base, const char *identity, const char *event, uint64_t *ret_seq);
int sqlite_audit_prune(struct store *base, int64_t before, uint64_t *ret_deleted);
int sqlite_audit_prune_seq(struct store *base, uint64_t keep_from, uint64_t *ret_deleted);

/* The cached statement for id, prepared from sql on first use, reset and
 * unbound; NULL on error (logged). */
sqlite3_stmt *store_stmt(struct sqlite_store *s, enum stmt_id id, const char *sql);
/* The same without unbinding, for statements whose every parameter is
 * bound before each step (the ones on the login path). */
sqlite3_stmt *store_stmt_rebound(struct sqlite_store *s, enum stmt_id id, const char *sql);
/* Steps a statement that returns no rows; resets it. */
int store_step_done(struct sqlite_store *s, sqlite3_stmt *st);
/* Runs a one-row UPDATE/DELETE: -ENOENT when no row matched. */
int store_change_one(struct sqlite_store *s, sqlite3_stmt *st);
void store_copy_text(sqlite3_stmt *st, int col, char *out, size_t outsz);
/* Steps st to the end, calling visit for each row, and resets it. Stops at
 * the first visit < 0 and returns it; -EIO on a storage error. */
int store_each_row(struct sqlite_store *s, sqlite3_stmt *st, int (*visit)(sqlite3_stmt *st, void *ctx), void *ctx);
void store_bind_text_or_null(sqlite3_stmt *st, int col, const char *s);
int store_exec(struct sqlite_store *s, const char *sql);
/* A change that reads a row, checks its MAC and writes it back: inside the
 * caller's transaction (a savepoint) or in one of its own (BEGIN IMMEDIATE,
 * so that the writer thread's connection cannot change the row between the
 * read and the write). store_change_end commits or rolls back. */
int store_change_begin(struct sqlite_store *s, bool *ret_own);
int store_change_end(struct sqlite_store *s, bool own, int r);
/* Computes the MACs of every row (the migration to STORE_SCHEMA_ROW_MACS). */
int store_keys_seal_all(struct sqlite_store *s);
int store_sids_seal_all(struct sqlite_store *s);

#endif
