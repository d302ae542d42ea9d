/* store_pg.h - internals shared by the PostgreSQL backend's files: the
 * connection, one statement at a time with a deadline, and reading rows.
 *
 * The daemon's event loop calls the store directly, as with SQLite, so no
 * libpq call may block it for long: every statement is sent without
 * blocking and awaited on PQsocket() with poll() until a deadline
 * (PG_STATEMENT_MS); a connection that misses it, or fails, is dropped, and
 * the call returns -ENOTCONN. Connecting is bounded likewise
 * (PG_CONNECT_MS), and after a failed attempt the next one waits
 * PG_RETRY_MS, so that while the database is away every login fails at
 * once instead of paying a connection attempt. */
#ifndef APIKEYD_STORE_PG_H
#define APIKEYD_STORE_PG_H

#include "libpq_dl.h" /* libpq-fe.h, and libpq loaded only when used */

#include "store_backend.h"
#include "store_pg_row.h" /* pg_get_text, pg_get_int, pg_get_bytes */

#define PG_CONNECT_MS 1500
#define PG_STATEMENT_MS 1500
#define PG_RETRY_MS 500
/* A statement's parameters: enough for the widest, a multi-row audit
 * INSERT (store_pg_audit.c: 8 rows of 17). One more is an error, not an
 * overflow. */
#define PG_PARAMS_MAX 136

struct pg_store {
        struct store base; /* first: the generic handle points here */
        char *uri;
        PGconn *conn;
        int64_t retry_at_ms;   /* no connection attempt before this (CLOCK_MONOTONIC) */
        int64_t offline_since; /* CLOCK_REALTIME seconds the connection failed; 0: online */
        bool in_tx;            /* a transaction of ours is open on conn */
        bool tx_failed;        /* ... and the connection was lost inside it */
        int opened_version;    /* apikey.meta.version at open */
        char host[STORE_HOST_MAX + 1];          /* apikey.current_host() */
        char host_hash_key[STORE_SCOPE_MAX + 1]; /* "host:" and that */
        uint8_t fleet_row_key[STORE_ROW_KEY_LEN]; /* rows of hash_key 'fleet' */
        uint8_t host_row_key[STORE_ROW_KEY_LEN];  /* rows imported from this host's SQLite store */
        bool has_host_row_key;
};

static inline struct pg_store *pg_of(const struct store *base)
{
        return (struct pg_store *)base;
}

/* Parameters of one statement, as text; bytea ones in binary. */
struct pg_params {
        int n;
        bool overflow; /* one too many was added: pg_exec refuses to run it */
        const char *values[PG_PARAMS_MAX];
        int lengths[PG_PARAMS_MAX];
        int formats[PG_PARAMS_MAX];
        char num[PG_PARAMS_MAX][24];
};
void pg_param_text(struct pg_params *p, const char *v);   /* NULL: SQL NULL */
void pg_param_int(struct pg_params *p, int64_t v);
void pg_param_bytes(struct pg_params *p, const uint8_t *v, size_t len);

/* A statement of as many rows as a batch has, built in the caller's
 * buffer; one piece too long marks it, and nothing is sent. */
struct pg_sql {
        char *buf;
        size_t size, len;
        bool overflow;
};
#define PG_SQL_IN(array) { .buf = (array), .size = sizeof(array) }
void pg_sql_add(struct pg_sql *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The statement built, for pg_exec or pg_command; NULL once a piece did
 * not fit, which they refuse to run (-E2BIG). */
static inline const char *pg_sql_text(const struct pg_sql *q)
{
        return q->overflow ? NULL : q->buf;
}

/* Runs sql with p (NULL: none) and returns its result (PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK) in *ret, to PQclear. -E2BIG for a NULL sql (pg_sql_text
 * of a statement that did not fit), -EEXIST on a uniqueness conflict,
 * -EPERM when a policy or grant refused it, -ENOTCONN when the database
 * cannot be reached (the connection is dropped; a later call reconnects),
 * -EIO for the rest (logged). */
int pg_exec(struct pg_store *s, const char *sql, const struct pg_params *p, PGresult **ret);
/* pg_exec for a statement whose rows do not matter; *ret_changed: how many
 * it changed (may be NULL). */
int pg_command(struct pg_store *s, const char *sql, const struct pg_params *p, uint64_t *ret_changed);

/* The row key for a key row's hash_key: NULL when this host cannot check
 * it (another host's imported key). */
const uint8_t *pg_row_key_for(const struct pg_store *s, const char *hash_key);

/* The backend's operations, in their files. */
int pg_key_insert(struct store *base, const struct key_record *k);
int pg_key_get(struct store *base, const char *id, struct key_record *ret);
int pg_key_update(struct store *base, const struct key_record *k);
int pg_key_list(struct store *base, const struct key_filter *f, store_key_cb cb, void *userdata);
int pg_key_count(struct store *base, const struct key_filter *f, uint64_t *ret);
int pg_key_set_state(struct store *base, const char *id, const char *state, const char *by);
int pg_key_delete(struct store *base, const char *id);
int pg_key_set_orphaned(struct store *base, const char *id, int64_t when);
int pg_key_owners(struct store *base, store_owner_cb cb, void *userdata);
int pg_key_add_uses(struct store *base, const char *id, int64_t row_hint, uint64_t n, int64_t when,
                   const char *rhost, const char *service);
int pg_key_add_uses_batch(struct store *base, const struct store_uses *u, size_t n);
int pg_key_claim_use(struct store *base, const char *id, int64_t when, const char *rhost, const char *service);
int pg_key_elsewhere(struct store *base, const char *id, const uint8_t hash[KEY_HASH_LEN], bool *ret);
int pg_sid_insert(struct store *base, const struct sid_record *r);
int pg_sid_get(struct store *base, const char *name, struct sid_record *ret);
int pg_sid_update(struct store *base, const struct sid_record *r);
int pg_sid_delete(struct store *base, const char *name);
int pg_sid_list(struct store *base, store_sid_cb cb, void *userdata);
int pg_audit_append(struct store *base, const struct audit_record *r, size_t n);
int pg_audit_last(struct store *base, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
int pg_audit_hash_at(struct store *base, uint64_t seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
int pg_audit_first(struct store *base, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
int pg_audit_list(struct store *base, const struct audit_filter *f, store_audit_cb cb, void *userdata);
int pg_audit_last_event(struct store *base, const char *identity, const char *event, uint64_t *ret_seq);
int pg_audit_prune(struct store *base, int64_t before, uint64_t *ret_deleted);
int pg_audit_prune_seq(struct store *base, uint64_t keep_from, uint64_t *ret_deleted);
int pg_audit_hosts(struct store *base, store_host_cb cb, void *userdata);

#endif
