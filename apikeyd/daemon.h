/* daemon.h - the daemon's state and the pieces that share it. */
#ifndef APIKEYD_DAEMON_H
#define APIKEYD_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "hashkey.h"
#include "ratelimit.h"
#include "store.h"
#include "tally.h"
#include "wire.h"

#define DEFAULT_DB_PATH "/var/lib/apikeyd/keys.db"
#define DEFAULT_STATE_DIR "/var/lib/apikeyd" /* hash.key, fleet.key, audit.head of a fleet host */
#define DEFAULT_RUN_DIR "/run/apikeyd"
#define DEFAULT_ADMIN_GROUP "apikey-admin"
#define DEFAULT_MAX_KEYS_PER_USER 20
#define DEFAULT_MAX_KEYS_PER_SID 20
#define DEFAULT_PURGE_AFTER_SEC (90 * 86400)
#define DEFAULT_AUDIT_RETENTION_SEC (90 * 86400)
#define DEFAULT_MAX_LIFETIME_SEC (90 * 86400) /* keys expire unless the policy says none */
#define DEFAULT_ORPHAN_SCAN_SEC 300
#define DEFAULT_AUDIT_MAX_RECORDS 1000000ULL /* about 300 MB of audit log */
#define CONN_TIMEOUT_MS 5000 /* a client that sends nothing, or reads nothing, is dropped */
#define CONN_MAX_LIFE_MS 60000 /* ... and every client after this, however slowly it reads */
#define CONN_QUEUE_MAX (512 * 1024) /* reply bytes a connection may leave unread; then it is dropped */
#define DEFAULT_MAX_CONNECTIONS 256
#define DEFAULT_MAX_CONNECTIONS_PER_UID 32
#define FLUSH_INTERVAL_USEC 1000000ULL /* uses and audit records reach the disk within this */
#define MAINTENANCE_INTERVAL_USEC (3600ULL * 1000000ULL)
#define BATCH_MAX 256 /* pending uses or audit records that hand a batch to the writer */
#define PENDING_MAX (8 * BATCH_MAX) /* ... and that make the loop wait for it (back-pressure) */

/* Uses of keys not yet written: the login path never waits for the disk. */
struct usage_entry {
        char id[KEY_ID_LEN + 1];
        int64_t row_hint; /* the key's, as the login read it (store_key_add_uses) */
        uint64_t uses;
        int64_t last_at;
        char rhost[PROTO_RHOST_MAX + 1];
        char service[PROTO_SERVICE_MAX + 1];
};

struct options;
struct listener;
struct conn;

struct daemon {
        const struct options *options; /* as configured, for status */
        sd_event *event;
        struct store *store;
        struct hashkey hashkey;  /* this installation's secret (hash.key): keys its audit chain, and a
                                  * store of one host's key hashes and rows */
        struct hashkey fleetkey; /* a fleet store's: keys its key hashes and rows (fleet.key) */
        bool has_fleetkey;
        const char *admin_group;
        unsigned max_keys_per_user;
        unsigned max_keys_per_sid;
        unsigned max_connections; /* open client connections at once */
        uint64_t max_lifetime_sec;    /* 0: none */
        uint64_t purge_after_sec;     /* expired keys are deleted this long after expiry */
        uint64_t audit_retention_sec; /* audit records older than this are pruned */
        uint64_t idle_exit_sec;       /* 0: never */
        sd_event_source *idle_timer;
        sd_event_source *flush_timer;
        sd_event_source *maintenance_timer;
        uint64_t orphan_scan_sec;
        sd_event_source *orphan_timer;
        unsigned max_connections_per_uid; /* root exempt */
        unsigned connections;
        struct uid_count *uid_counts; /* max_connections slots (server.c) */
        size_t n_uid_counts;
        struct listener *listeners;
        bool accept_paused; /* out of descriptors (server.c) */
        /* Connections waiting for their client, and the one timer for all
         * their deadlines, armed at the earliest (conn.c). */
        struct conn *waiting;
        sd_event_source *conn_timer;
        sd_event_source *accept_timer;
        int64_t warned_full_at, warned_fds_at;
        int64_t started_at; /* CLOCK_REALTIME seconds */

        struct usage_entry *usage; /* BATCH_MAX entries */
        size_t n_usage;
        struct audit_record *audit; /* BATCH_MAX pending records */
        size_t n_audit;
        uint64_t audit_seq;                  /* last assigned */
        uint8_t audit_hash[AUDIT_HASH_LEN];  /* hash of the last assigned */
        uint8_t chain_key[AUDIT_HASH_LEN];   /* keys the chain, derived from the installation secret */
        uint8_t row_key[STORE_ROW_KEY_LEN];  /* keys the row MACs (rowmac.h), likewise */
        char head_path[PATH_MAX];            /* audit.head beside hash.key (audit_head.h) */
        uint8_t head_key[AUDIT_HASH_LEN];    /* keys its MAC, likewise */
        /* Records dropped because the store could not be written (the
         * first..last seq, 0: none, and why), recorded once it can again. */
        uint64_t lost_first, lost_last;
        int lost_error;

        struct ratelimit rl;
        struct writer *writer;

        struct tally *tally; /* aggregate records of repeated failures */
        sd_event_source *tally_timer;
        uint64_t audit_max_records; /* 0: no bound on the number of audit records */
        uint64_t audit_prune_at;    /* audit_seq at which to check that bound next */
};

struct uid_count {
        uid_t uid;
        unsigned n;
};

/* The caller on one connection, from the kernel (SO_PEERCRED), never from
 * anything the client sends. */
struct peer {
        int fd;
        uid_t uid;
        gid_t gid;
        pid_t pid;
        struct conn *conn; /* where its replies are queued (conn.c) */
};

int peer_from_fd(int fd, struct peer *ret);
/* Root, or a member of the admin group by the peer's kernel group list. */
bool peer_is_admin(const struct peer *p, const char *admin_group);
/* The account name of the peer's uid: 0 or -ENOENT. */
int peer_name(const struct peer *p, char *buf, size_t bufsz);
/* Finishes one reply message and queues it on the peer's connection: 0, or
 * -errno when the connection is gone (then stop producing). */
int peer_send(const struct peer *p, struct wire_buf *b);

/* A long answer, produced in steps (conn.c): step queues some records and
 * returns PRODUCE_MORE, PRODUCE_WAIT (call again in a moment: it waits for
 * the writer thread), PRODUCE_DONE once it queued its final reply, or
 * -errno to drop the connection. Steps run one per loop iteration, only
 * when everything queued before has been written. free_state runs once,
 * whatever happens. */
enum { PRODUCE_DONE = 0, PRODUCE_MORE = 1, PRODUCE_WAIT = 2 };
typedef int (*produce_fn)(const struct peer *p, void *state);
int peer_produce(const struct peer *p, produce_fn step, void *state, void (*free_state)(void *));
/* From a step: conn_renew_life() for the peer's connection. */
void peer_renew_life(const struct peer *p);

void auth_handle(struct daemon *d, const struct peer *p, const struct wire_msg *req);
void leak_report_handle(struct daemon *d, const struct peer *p, const struct wire_msg *req);
void control_handle(struct daemon *d, const struct peer *p, const struct wire_msg *req);
/* Answers a request that could not be parsed, with the listener's reply type. */
void auth_reject(struct daemon *d, const struct peer *p);
void control_reject(const struct peer *p, const char *why);

enum listener_kind { LISTENER_AUTH, LISTENER_CONTROL };
int server_add_listener(struct daemon *d, int fd, enum listener_kind kind);
/* conn.c: serves an accepted connection (counted by the caller), at once
 * when its request is there. conn_setup makes the deadlines' timer. */
int conn_setup(struct daemon *d);
int conn_new(struct daemon *d, int fd, const struct peer *p, enum listener_kind kind);
int conn_queue(struct conn *c, const uint8_t *data, size_t len);
int conn_produce(struct conn *c, produce_fn step, void *state, void (*free_state)(void *));
/* The connection's life bound (CONN_MAX_LIFE_MS) counts from now: for an
 * answer whose time is the daemon's own work, not the client's reading. */
void conn_renew_life(struct conn *c);
/* server.c: a connection of uid closed. */
void server_connection_closed(struct daemon *d, uid_t uid);
int server_setup_idle(struct daemon *d);
int server_setup_timers(struct daemon *d);

/* usage.c */
/* The uses the store does not hold yet: take it before reading a key. */
struct usage_view {
        const struct usage_entry *writing; /* the writer's batch, until committed */
        size_t n_writing;
};
void usage_view_take(const struct daemon *d, struct usage_view *ret);
uint64_t usage_pending(const struct daemon *d, const struct usage_view *v, const char *id);
/* Adds the pending uses to what the store said about k (for display). */
void usage_overlay(const struct daemon *d, struct key_record *k);
/* Counts one use; -EIO when it cannot be recorded (the login then fails). */
int usage_add(struct daemon *d, const struct key_record *k, int64_t when, const char *rhost, const char *service);

/* audit.c: every attempt and change, hash-chained, batched with the uses. */
/* Named apart from libaudit's audit_open(), which libpam links. Loads the
 * chain's end from the store and checks it against the head file
 * (d->head_path); anything amiss becomes an "integrity" record. A store that
 * had no head file yet (upgraded from before it) gets one without alarm when
 * !expect_head. */
int audit_chain_open(struct daemon *d, bool expect_head);
/* After a successful write: records the records lost before it, if any. */
void audit_note_lost(struct daemon *d);
void audit_add(struct daemon *d, struct audit_record *r); /* assigns seq, time and hashes */
/* Writes pending uses and audit records in one transaction and waits for it. */
int daemon_flush(struct daemon *d);
/* writer.c: hands the pending batch to the writer thread unless it is busy
 * (-EBUSY); never waits. */
int daemon_flush_async(struct daemon *d);
/* Without waiting: a ticket for what is pending now, and whether it is in
 * the store (handing it to the writer if it is idle). For answers that read
 * the store (audit, list --inactive) and must not stop the loop. */
uint64_t writer_ticket(struct daemon *d);
bool writer_ticket_done(struct daemon *d, uint64_t ticket);
int writer_start(struct daemon *d);
void writer_stop(struct daemon *d);
/* The batch being written, which still counts as pending uses. */
const struct usage_entry *writer_inflight_usage(const struct daemon *d, size_t *ret_n);
/* Arms the flush timer if it is not armed. */
void flush_soon(struct daemon *d);
/* One thing audit --verify found. kind: "gap" (records first..last are
 * missing), "changed" (record first does not match its hash), "link" (record
 * first does not follow the one before it), "start" / "end" (records
 * first..last removed at either end), "integrity" (record first says what
 * the daemon found at start), "lost" (record first says records N..M could
 * not be written), "row" (a key or service ID row fails its MAC). */
struct audit_break {
        const char *kind;
        uint64_t first, last;
        uint64_t at; /* the record where the chain shows it (a gap: the one after) */
        char key_id[KEY_ID_LEN + 1], service_id[PROTO_SID_NAME_MAX + 1];
        char why[PROTO_MESSAGE_MAX + 1];
};
#define VERIFY_BREAKS_MAX 1000 /* kept to be listed; the rest are counted */
/* Walks the chain, then (an admin's verify) every key and service ID row, in
 * steps, so that a long log never stops the loop for long. begin: identity
 * NULL is an admin's verify, everything; else only the records of that
 * identity count and only breaks at them are kept (a user verifies what
 * they may read). The log as it stands at begin must be in the store; the
 * walk also checks records written while it goes on. Then step until it
 * returns 0 (1: more to check; -errno: the store failed, or no memory).
 * Every break is counted (breaks); the first VERIFY_BREAKS_MAX are kept in
 * list, in order. free releases them. */
enum verify_phase { VERIFY_CHAIN, VERIFY_HOSTS, VERIFY_KEYS, VERIFY_SIDS, VERIFY_DONE };
#define VERIFY_HOSTS_MAX 4096 /* other hosts' chains an admin's verify walks (a fleet store) */
/* Another fleet host's chain, keyed with that host's own secret: its links
 * (seq after seq, each record naming the hash of the one before) are
 * checked here; its hashes only by that host. */
struct verify_other {
        char (*hosts)[STORE_HOST_MAX + 1];
        size_t n, i;
        uint64_t last_seq; /* in hosts[i]'s chain; 0: none seen yet */
        uint8_t prev[AUDIT_HASH_LEN];
        uint64_t walked; /* records seen in the other chains */
};
struct verify_state {
        const struct daemon *d;
        const char *identity;
        char identity_buf[PROTO_IDENTITY_MAX + 1];
        enum verify_phase phase;
        uint64_t upto;
        uint8_t upto_hash[AUDIT_HASH_LEN]; /* the daemon's hash of record upto */
        uint64_t expect_seq, first_seq, last_seq, seen;
        uint64_t pruned_from; /* first kept seq named by the newest prune record */
        uint8_t prev[AUDIT_HASH_LEN];
        char after_id[KEY_ID_LEN + 1]; /* VERIFY_KEYS: the last key row checked */
        int64_t after_created_at;
        uint64_t records; /* records checked (for a user: their own) */
        uint64_t breaks;
        struct audit_break *list;
        size_t n_list, cap_list;
        unsigned step_rows; /* key rows seen in this step */
        const char *chain_host; /* whose chain a break is in (a fleet store), NULL: this host's */
        struct verify_other other;
        int error;
};
void audit_verify_begin(struct daemon *d, struct verify_state *v, const char *identity);
int audit_verify_step(struct verify_state *v, unsigned n);
void audit_verify_free(struct verify_state *v);
void audit_encode(const struct audit_record *r, struct wire_buf *b);
/* Purges expired keys and old audit records. */
void daemon_maintenance(struct daemon *d);
/* Runs maintenance at the next turn of the loop: audit_add() calls it every
 * audit_prune_step() records when the number of records is bounded. */
void maintenance_soon(struct daemon *d);
uint64_t audit_prune_step(const struct daemon *d);

/* abuse.c: rate limits on authentications (see ratelimit.h). */
bool abuse_source_blocked(struct daemon *d, const struct peer *p, const char *rhost, char *detail, size_t detailsz);
bool abuse_key_blocked(struct daemon *d, const char *key_id);
void abuse_charge(struct daemon *d, const struct peer *p, const char *rhost, const char *key_id, enum verdict v);

/* tally.c: whether a failed request gets an audit record of its own (else it
 * is counted into one record per source and interval, see tally.h). result
 * is a verdict, or for TALLY_CONTROL a status. */
bool tally_own_record(struct daemon *d, const struct peer *p, const char *rhost, enum tally_event ev,
                      unsigned result);
void tally_report(struct daemon *d); /* writes the counts gathered so far */
int tally_start(struct daemon *d);
void tally_stop(struct daemon *d); /* reports what is left */

/* leak.c: a key found leaked (tripwire or scan). Returns what was done:
 * "disabled", "deleted" or "none". */
const char *leak_apply(struct daemon *d, const struct key_record *k, const char *how, const struct peer *p,
                       const char *caller);

/* rotation.c: the chain of keys a rotation left working. */
/* The longest an old key works on after its rotation: --grace beyond it is
 * refused, and a predecessor waiting for its successor's first use ends
 * then anyway (or at the daemon's maximum lifetime, when shorter). */
#define ROTATION_OVERLAP_MAX_SEC (90ULL * 86400)
uint64_t rotation_overlap_max(const struct daemon *d);
/* Makes the key `first` and every predecessor it names (following
 * `retires`) expire at `at` at the latest, auditing each with why; with
 * settle, also drops the links (their end is decided). Returns how many
 * keys changed, or -errno. */
int rotation_bound_chain(struct daemon *d, const char *first, int64_t at, bool settle, const char *why);

/* orphan.c: keys whose account is gone are dead for good. */
/* Marks the keys of account name orphaned, except those of keep_uid (the
 * uid the name has now; -1: it has none), and audits it (also when it had
 * no keys: the record ends the old account's history for a new one).
 * Returns how many were marked, or -errno. */
int orphan_account(struct daemon *d, const char *name, int64_t keep_uid, const char *why);
/* orphan_account() if the account name/uid no longer exists; 0 if it does
 * or NSS cannot tell (an error never orphans). */
int orphan_check_account(struct daemon *d, const char *name, uint32_t uid, const char *why);
/* Checks every account that owns keys; returns how many keys were marked. */
int orphan_scan(struct daemon *d);
/* The seq of the last "orphan" record of user:name: a caller of that name
 * reads only records after it. */
int orphan_audit_cutoff(struct daemon *d, const char *name, uint64_t *ret_seq);

/* keyview.c: shared views of a key. */
int64_t now_seconds(void);
bool key_is_expired(const struct key_record *k, int64_t now);
/* "active", "disabled", "expired", "orphaned", or "tampered" (the row fails its MAC) */
const char *key_state(const struct key_record *k, int64_t now);
void key_identity(const struct key_record *k, char *buf, size_t bufsz);
/* The secret that keys the hash of a key whose hash_key is this ("" the
 * store's own); NULL when this host does not hold it (another fleet host's
 * imported key). */
const struct hashkey *key_hashkey(const struct daemon *d, const char *hash_key);
/* Verifies a full key string against the store: 0 and *ret, -ENOENT,
 * -EACCES (bad secret), -EINVAL, -EREMOTE (a fleet key that works only on
 * other hosts: held by whoever asks, or not checkable here), or another
 * -errno when the store failed. */
int key_lookup_verified(struct daemon *d, const char *key, struct key_record *ret);
/* The same for a key parsed already (a login parses it once). */
int key_lookup_parts(struct daemon *d, const struct key_parts *key, struct key_record *ret);

/* safedir.c: a directory owned by root or the daemon's user and writable
 * by no one else (group and others): 0, or -errno after logging why. */
int safedir_check(int dfd, const char *path);
int safedir_open(const char *path, int *ret_fd); /* O_NOFOLLOW, then checked */
int safedir_check_parent(const char *file);       /* the directory file is in */

/* Listening sockets: from systemd by name, or bound in dir. Returns the
 * number added or -errno. */
int listen_from_systemd(struct daemon *d);
int listen_in_dir(struct daemon *d, const char *dir);

/* Whether the account name/uid pair still exists as stored: 1, 0, or
 * -errno when the account database could not be read. */
int account_matches(const char *name, uint32_t uid);
/* The uid of an account: 0 or -ENOENT. */
int account_uid(const char *name, uid_t *ret);
/* Frees the cache of /etc/passwd those two use (pwcache.h), at exit. */
void account_cache_free(void);

#endif
