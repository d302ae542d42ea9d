/* store.h - the key store, behind a narrow interface.
 *
 * The daemon's logic sees only these calls and the records below. Two
 * backends implement them (store_backend.h), chosen by store_open from the
 * --db value: a file path is an SQLite store of this host alone
 * (store_sqlite*.c); a libpq URI (postgresql://, postgres://) is the fleet's
 * shared PostgreSQL store, in which this daemon acts as its host's role
 * (store_pg*.c). Every function returns 0 or a negative errno: -ENOENT when
 * the row does not exist, -EEXIST on a uniqueness conflict, -EIO on a
 * storage error, -ENOTCONN when the database cannot be reached now (the
 * next call tries again). */
#ifndef APIKEYD_STORE_H
#define APIKEYD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "key.h"
#include "proto.h"

#define KEY_HASH_LEN 32
#define STORE_KIND_MAX 16
#define STORE_HOST_MAX 63   /* a fleet host's name (a PostgreSQL role name) */
#define STORE_SCOPE_MAX 68  /* a host group's name, or "host:" and a host's */

struct store;

/* One key as stored. */
struct key_record {
        char id[KEY_ID_LEN + 1];
        char kind[STORE_KIND_MAX];       /* "user" | "classic" | "service" */
        char owner_type[STORE_KIND_MAX]; /* "user" | "service" (a service ID) */
        char owner_name[PROTO_USER_MAX + 1];
        uint32_t owner_uid; /* user keys; 0 for service ID keys */
        char name[PROTO_NAME_MAX + 1];
        char description[PROTO_DESCRIPTION_MAX + 1];
        char state[STORE_KIND_MAX]; /* "active" | "disabled" */
        int64_t created_at;
        char created_by[PROTO_USER_MAX + 1];
        int64_t last_used_at; /* 0: never */
        char last_used_from[PROTO_RHOST_MAX + 1];
        char last_used_service[PROTO_SERVICE_MAX + 1];
        uint64_t use_count;
        int64_t expires_at; /* 0: never */
        bool locked;
        char services[PROTO_SERVICES_MAX + 1]; /* "" or comma-separated PAM services */
        char sources[PROTO_SOURCES_MAX + 1];   /* "" or comma-separated CIDRs */
        uint64_t max_uses;                      /* 0: unlimited */
        char leak_action[STORE_KIND_MAX];       /* "disable" | "delete" | "none" */
        char rotated_to[KEY_ID_LEN + 1];       /* successor after rotate, or "" */
        char retires[KEY_ID_LEN + 1];          /* predecessor to retire at first use, or "" */
        char disabled_by[STORE_KIND_MAX];       /* "" | "owner" | "admin" | "leak" */
        char locked_by[STORE_KIND_MAX];         /* "" | "owner" | "admin" */
        int64_t orphaned_at;                    /* when its account was seen gone (0: never); for good */
        uint8_t hash[KEY_HASH_LEN];             /* keyed BLAKE2b of ID and secret */
        bool tampered; /* read: the row does not match its MAC (rowmac.h); never logs in */
        /* A fleet store's (PostgreSQL): where the key works, a host group or
         * "host:NAME"; "" in a store of one host. Set by the store at insert
         * (the inserting host's default scope), never by store_key_update. */
        char scope[STORE_SCOPE_MAX + 1];
        /* Which secret keyed .hash: "" the store's own (hash.key, or a
         * fleet's fleet.key); "host:NAME" the old hash.key of host NAME,
         * whose SQLite store was imported into the fleet. */
        char hash_key[STORE_SCOPE_MAX + 1];
        /* Read: where the store keeps the row (SQLite's rowid; 0 unknown). A
         * hint for store_key_add_uses only: rowids change (VACUUM) and are
         * reused, so the row it finds is used only if its ID matches. */
        int64_t row_hint;
};

/* Which keys to list or count; zero/NULL fields match everything. */
struct key_filter {
        const char *owner_type;
        const char *owner_name;
        int64_t owner_uid;      /* -1: any */
        const char *kind;
        int64_t unused_since;   /* keys not used (nor created) since this time */
        int64_t expired_before; /* keys that expired before this time */
        int64_t live_at;        /* keys not expired at this time (they count against the limits) */
        enum { ORPHANED_ANY, ORPHANED_EXCLUDE, ORPHANED_ONLY } orphaned;
        /* A page (list): keys after this one in the listing's order
         * (created_at, id), at most limit of them (0: all). */
        const char *after_id;
        int64_t after_created_at;
        unsigned limit;
};
#define KEY_FILTER_ANY { .owner_uid = -1 }

typedef int (*store_key_cb)(const struct key_record *k, void *userdata);

/* Opens (creating with mode 0600 and migrating) the store at path. row_key
 * (derived from the installation secret, ROWMAC_CONTEXT) MACs every key and
 * service ID row written, and marks rows read that do not match
 * (.tampered). A change to a tampered row is refused with -EBADMSG: only
 * delete removes it, so no update launders a change made behind our back. */
#define STORE_ROW_KEY_LEN 32
int store_open(const char *db, const uint8_t row_key[STORE_ROW_KEY_LEN], struct store **ret);
/* Whether db names a fleet store (a libpq URI) rather than an SQLite file. */
bool store_db_is_fleet(const char *db);
/* db for logs and status: a URI's password replaced by "xxx". */
void store_db_redact(const char *db, char *buf, size_t bufsz);
/* "sqlite" or "postgresql". */
const char *store_backend_name(const struct store *s);
/* The fleet host this store acts as ("" for a store of one host). */
const char *store_host(const struct store *s);
/* A fleet store: the row key of this host's own installation secret, for
 * the rows imported from its SQLite store (hash_key "host:NAME"); row_key
 * at store_open is the fleet's. Nothing for a store of one host. */
void store_set_host_row_key(struct store *s, const uint8_t key[STORE_ROW_KEY_LEN]);
/* Since when (CLOCK_REALTIME seconds) the database cannot be reached; 0
 * while it can (always, for SQLite). */
int64_t store_offline_since(const struct store *s);
/* The schema version the file had before store_open migrated it (0: new). */
int store_opened_version(const struct store *s);
/* A second connection to the store s is open on (for another thread). It
 * does not create, check or migrate the file: that opens and closes it, and
 * closing any descriptor of a file drops every POSIX lock the process holds
 * on it, SQLite's among them; another process could then take the store for
 * unused, checkpoint it and remove the WAL under our feet. */
int store_open_another(struct store *s, struct store **ret);
void store_close(struct store *s);

/* Transactions group changes that must land together (classic --replace,
 * rotate, a batch of uses and audit records). */
int store_begin(struct store *s);
/* Durable mode (SQLite; PostgreSQL commits are always durable, as its
 * server is configured): commits fsync before they return (control changes: a key
 * revoked and acknowledged stays revoked after a power loss). Off: commits
 * reach the OS but are synced at checkpoints (batched uses and audit). */
int store_set_durable(struct store *s, bool durable);
/* How long a write waits for another process's write lock: STORE_BUSY_MS
 * for changes, a moment for the batched writes (they are retried, and the
 * event loop must not stop answering logins meanwhile). */
#define STORE_BUSY_MS 5000
#define STORE_BUSY_BATCH_MS 100
void store_set_busy_timeout(struct store *s, int ms);
/* Commits on this connection never checkpoint the WAL (SQLite's default
 * does it inside the commit, stalling its caller for tens of ms); the
 * writer thread does it with store_checkpoint() instead. */
int store_manual_checkpoints(struct store *s);
/* Frames in the WAL after this connection's last commit. */
int store_wal_pages(const struct store *s);
/* Copies what it can of the WAL into the database without waiting for
 * readers (SQLITE_CHECKPOINT_PASSIVE). */
int store_checkpoint(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

int store_key_insert(struct store *s, const struct key_record *k);
int store_key_get(struct store *s, const char *id, struct key_record *ret);
/* Writes every mutable field of k (state, locked, expiry, rotation, ...). */
int store_key_update(struct store *s, const struct key_record *k);
int store_key_list(struct store *s, const struct key_filter *f, store_key_cb cb, void *userdata);
int store_key_count(struct store *s, const struct key_filter *f, uint64_t *ret);
/* Sets state and who set it (disabled_by: "" when active). */
int store_key_set_state(struct store *s, const char *id, const char *state, const char *by);
int store_key_delete(struct store *s, const char *id);
/* Marks the key dead for good: its account was seen gone. Never undone
 * (store_key_update does not write it). -ENOENT if already marked. */
int store_key_set_orphaned(struct store *s, const char *id, int64_t when);
/* Each account (name and uid) that owns user keys not orphaned. */
typedef int (*store_owner_cb)(const char *name, uint32_t uid, void *userdata);
int store_key_owners(struct store *s, store_owner_cb cb, void *userdata);
/* Adds n uses with the last one's time, source and PAM service. row_hint:
 * the key's .row_hint when it was read (0: none), which spares a store the
 * search by ID when the row is still there. */
int store_key_add_uses(struct store *s, const char *id, int64_t row_hint, uint64_t n, int64_t when,
                       const char *rhost, const char *service);
/* One key's uses in a batch (writer.c): store_key_add_uses's arguments. */
struct store_uses {
        const char *id;
        int64_t row_hint;
        uint64_t n;
        int64_t when;
        const char *rhost, *service;
};
/* store_key_add_uses for u[0..n-1], in the caller's transaction (a fleet
 * store: several keys a statement). A key deleted since, or whose row
 * fails its MAC (logged), keeps what it has and does not hold the rest up,
 * nor the audit records of the same batch: 0, or the first other error. */
int store_key_add_uses_batch(struct store *s, const struct store_uses *u, size_t n);
/* Claims one use of a usage-limited key in one atomic statement, for a store
 * several daemons share: 0 claimed (and counted), -EDQUOT when it has none
 * left, -ENOENT. -EOPNOTSUPP when this daemon alone counts the store's uses
 * (SQLite: usage.c's in-memory count is exact there). */
int store_key_claim_use(struct store *s, const char *id, int64_t when, const char *rhost, const char *service);
/* Whether a key with this ID and hash exists where this host may not use it
 * (a fleet key scoped to other hosts): *ret. Always false for one host. */
int store_key_elsewhere(struct store *s, const char *id, const uint8_t hash[KEY_HASH_LEN], bool *ret);

/* Service IDs: named non-human identities. */
struct sid_record {
        char name[PROTO_SID_NAME_MAX + 1];
        char description[PROTO_DESCRIPTION_MAX + 1];
        char unix_user[PROTO_USER_MAX + 1]; /* "" when it acts as no local account */
        int64_t unix_uid;                   /* -1 when none */
        bool locked;
        int64_t created_at;
        char created_by[PROTO_USER_MAX + 1];
        bool tampered; /* read: the row does not match its MAC (rowmac.h) */
};
typedef int (*store_sid_cb)(const struct sid_record *r, void *userdata);

int store_sid_insert(struct store *s, const struct sid_record *r);
int store_sid_get(struct store *s, const char *name, struct sid_record *ret);
int store_sid_update(struct store *s, const struct sid_record *r);
int store_sid_delete(struct store *s, const char *name);
int store_sid_list(struct store *s, store_sid_cb cb, void *userdata);

/* The audit log: append-only, each record chained to the previous one by
 * hash (computed by the caller, audit.c). */
#define AUDIT_HASH_LEN 32
struct audit_record {
        uint64_t seq;
        int64_t time;
        char event[33];  /* "auth", "control", "leak", "purge", "prune" */
        char result[33]; /* verdict or status name */
        char key_id[KEY_ID_LEN + 1];
        char identity[PROTO_IDENTITY_MAX + 1];
        char user[PROTO_USER_MAX + 1];
        char service[PROTO_SERVICE_MAX + 1];
        char rhost[PROTO_RHOST_MAX + 1];
        char tty[PROTO_TTY_MAX + 1];
        uint32_t peer_uid;
        uint32_t peer_pid;
        char caller[PROTO_USER_MAX + 1];
        char action[33];
        char detail[PROTO_MESSAGE_MAX + 1];
        char host[STORE_HOST_MAX + 1]; /* read: the fleet host that wrote it ("" for one host) */
        uint8_t prev_hash[AUDIT_HASH_LEN];
        uint8_t hash[AUDIT_HASH_LEN];
};
struct audit_filter {
        const char *key_id;
        const char *identity;
        int64_t since;
        uint64_t after_seq; /* only records after this one (0: all; a page's cursor) */
        unsigned limit;     /* at most this many; 0: all */
        const char *host;   /* a fleet store: that host's chain (NULL: this host's) */
};
typedef int (*store_audit_cb)(const struct audit_record *r, void *userdata);

/* Appends records r[0..n-1], in order, in the caller's transaction (a
 * fleet store: several to a statement). */
int store_audit_append(struct store *s, const struct audit_record *r, size_t n);
/* Appends, list and the calls below are about this host's own chain (a
 * fleet store keeps one per host), unless a filter names another host. */
/* The newest record's seq and hash; seq 0 and a zero hash when empty. */
int store_audit_last(struct store *s, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
/* The hash of record seq: 0, or -ENOENT when there is no such record. */
int store_audit_hash_at(struct store *s, uint64_t seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
/* The oldest record's seq and hash; -ENOENT when empty. */
int store_audit_first(struct store *s, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN]);
/* Records matching f (NULL: all) in sequence order. */
int store_audit_list(struct store *s, const struct audit_filter *f, store_audit_cb cb, void *userdata);
/* The seq of the newest record of event for identity, 0 when none. */
int store_audit_last_event(struct store *s, const char *identity, const char *event, uint64_t *ret_seq);
/* Deletes the oldest records, up to the first one at or after before (never
 * the newest); *ret_deleted says how many. */
int store_audit_prune(struct store *s, int64_t before, uint64_t *ret_deleted);
/* Deletes the records before seq keep_from (never the newest): the bound on
 * the number of records. *ret_deleted says how many. */
int store_audit_prune_seq(struct store *s, uint64_t keep_from, uint64_t *ret_deleted);

/* Each host that has an audit chain in the store (one, "", for SQLite). */
typedef int (*store_host_cb)(const char *host, void *userdata);
int store_audit_hosts(struct store *s, store_host_cb cb, void *userdata);

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 8
/* The migration that added the row MACs (rowmac.h), computed for every
 * existing row as it runs. */
#define STORE_SCHEMA_ROW_MACS 6

#endif
