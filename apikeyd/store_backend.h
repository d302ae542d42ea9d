/* store_backend.h - what a store backend provides: the functions of store.h
 * as a table, so that store.c chooses the backend at store_open from the
 * --db value and the daemon never asks which one it has. */
#ifndef APIKEYD_STORE_BACKEND_H
#define APIKEYD_STORE_BACKEND_H

#include "store.h"

/* Every backend's handle starts with this. */
struct store {
        const struct store_ops *ops;
};

struct store_ops {
        const char *name; /* "sqlite", "postgresql" (logs, status) */
        int (*open_another)(struct store *s, struct store **ret);
        int (*opened_version)(const struct store *s);
        void (*close)(struct store *s);
        const char *(*host)(const struct store *s);
        void (*set_host_row_key)(struct store *s, const uint8_t key[STORE_ROW_KEY_LEN]);
        int64_t (*offline_since)(const struct store *s);
        int (*begin)(struct store *s);
        int (*commit)(struct store *s);
        void (*rollback)(struct store *s);
        int (*set_durable)(struct store *s, bool durable);
        void (*set_busy_timeout)(struct store *s, int ms);
        int (*manual_checkpoints)(struct store *s);
        int (*wal_pages)(const struct store *s);
        int (*checkpoint)(struct store *s);

        int (*key_insert)(struct store *s, const struct key_record *k);
        int (*key_get)(struct store *s, const char *id, struct key_record *ret);
        int (*key_update)(struct store *s, const struct key_record *k);
        int (*key_list)(struct store *s, const struct key_filter *f, store_key_cb cb, void *userdata);
        int (*key_count)(struct store *s, const struct key_filter *f, uint64_t *ret);
        int (*key_set_state)(struct store *s, const char *id, const char *state, const char *by);
        int (*key_delete)(struct store *s, const char *id);
        int (*key_set_orphaned)(struct store *s, const char *id, int64_t when);
        int (*key_owners)(struct store *s, store_owner_cb cb, void *userdata);
        int (*key_add_uses)(struct store *s, const char *id, int64_t row_hint, uint64_t n, int64_t when,
                            const char *rhost, const char *service);
        int (*key_add_uses_batch)(struct store *s, const struct store_uses *u, size_t n);
        int (*key_claim_use)(struct store *s, const char *id, int64_t when, const char *rhost, const char *service);
        int (*key_elsewhere)(struct store *s, const char *id, const uint8_t hash[KEY_HASH_LEN], bool *ret);

        int (*sid_insert)(struct store *s, const struct sid_record *r);
        int (*sid_get)(struct store *s, const char *name, struct sid_record *ret);
        int (*sid_update)(struct store *s, const struct sid_record *r);
        int (*sid_delete)(struct store *s, const char *name);
        int (*sid_list)(struct store *s, store_sid_cb cb, void *userdata);

        int (*audit_append)(struct store *s, const struct audit_record *r, size_t n);
        int (*audit_last)(struct store *s, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
        int (*audit_hash_at)(struct store *s, uint64_t seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
        int (*audit_first)(struct store *s, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
        int (*audit_list)(struct store *s, const struct audit_filter *f, store_audit_cb cb, void *userdata);
        int (*audit_last_event)(struct store *s, const char *identity, const char *event, uint64_t *ret_seq);
        int (*audit_prune)(struct store *s, int64_t before, uint64_t *ret_deleted);
        int (*audit_prune_seq)(struct store *s, uint64_t keep_from, uint64_t *ret_deleted);
        int (*audit_hosts)(struct store *s, store_host_cb cb, void *userdata);
};

/* What store_key_update writes, for both backends: every mutable field of
 * src into dst. Identity, hash and creation never change; usage has its own
 * calls; an empty leak_action keeps the old one. */
void store_key_copy_mutable(struct key_record *dst, const struct key_record *src);

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

int sqlite_open(const char *path, const uint8_t row_key[STORE_ROW_KEY_LEN], struct store **ret);
int pg_open(const char *uri, const uint8_t row_key[STORE_ROW_KEY_LEN], struct store **ret);

/* store_key_add_uses_batch one key at a time, for a backend with nothing
 * better (SQLite: no round trips to save) and for what a better one leaves. */
int store_key_add_uses_each(struct store *s, const struct store_uses *u, size_t n);

#endif
