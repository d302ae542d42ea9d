/* store_sqlite.h - internals shared by the SQLite backend's files. */
#ifndef APIKEYD_STORE_SQLITE_H
#define APIKEYD_STORE_SQLITE_H

#include <sqlite3.h>

#include "store.h"

enum stmt_id {
        ST_KEY_INSERT,
        ST_KEY_GET,
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
        ST_AUDIT_HASH_AT,
        ST_KEY_REWRITE,
        ST_SID_REWRITE,
        _ST_MAX
};

struct store {
        sqlite3 *db;
        sqlite3_stmt *stmt[_ST_MAX];
        int wal_pages; /* frames in the WAL after this connection's last commit */
        int opened_version; /* user_version before the migrations */
        uint8_t row_key[STORE_ROW_KEY_LEN];
};

/* The cached statement for id, prepared from sql on first use, reset and
 * unbound; NULL on error (logged). */
sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id, const char *sql);
/* Steps a statement that returns no rows; resets it. */
int store_step_done(struct store *s, sqlite3_stmt *st);
/* Runs a one-row UPDATE/DELETE: -ENOENT when no row matched. */
int store_change_one(struct store *s, sqlite3_stmt *st);
void store_copy_text(sqlite3_stmt *st, int col, char *out, size_t outsz);
/* Steps st to the end, calling visit for each row, and resets it. Stops at
 * the first visit < 0 and returns it; -EIO on a storage error. */
int store_each_row(struct store *s, sqlite3_stmt *st, int (*visit)(sqlite3_stmt *st, void *ctx), void *ctx);
void store_bind_text_or_null(sqlite3_stmt *st, int col, const char *s);
int store_exec(struct store *s, const char *sql);
/* A change that reads a row, checks its MAC and writes it back: inside the
 * caller's transaction (a savepoint) or in one of its own (BEGIN IMMEDIATE,
 * so that the writer thread's connection cannot change the row between the
 * read and the write). store_change_end commits or rolls back. */
int store_change_begin(struct store *s, bool *ret_own);
int store_change_end(struct store *s, bool own, int r);
/* Computes the MACs of every row (the migration to STORE_SCHEMA_ROW_MACS). */
int store_keys_seal_all(struct store *s);
int store_sids_seal_all(struct store *s);

#endif
