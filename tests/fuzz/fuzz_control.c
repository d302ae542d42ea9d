/* fuzz_control.c - the control handlers themselves: control_handle() of
 * apikeyd (the whole daemon is linked, but main.c) on CTL_REQUEST messages
 * built from the input, against a real SQLite store in a temporary
 * directory (on /dev/shm when there is one), with the writer thread, as
 * callers of the input's choice: root, admins and plain users that exist
 * (nobody, daemon, bin) and a uid with no account. The store holds a key of
 * an account that does not exist, so that orphan scans and purge-user have
 * work. Each input starts from an empty store (its tables emptied, the
 * audit chain restarted: opening a new one per input costs a fuzzing
 * second's worth of page faults), so every crash reproduces.
 *
 * Input: up to 8 requests, each
 *   u8 caller (low 3 bits: which uid; 0x80: in the admin group)
 *   u8 command (0 and values past the last command included)
 *   u8 number of fields (mod 9), then per field a tag selector and a value:
 *   u32 4 bytes; u64 a byte choosing one of the interesting values
 *   (INT64_MAX, 2^63-1000, 2^64-1, now, 91 days, ...) or 8 raw bytes; a
 *   string a byte choosing a key ID or key seen in a reply, a known name, or
 *   raw bytes (length byte first).
 * Messages the codec refuses go to control_reject(), as the server does.
 *
 * For every request:
 *   - every record the daemon sends parses, and the last is a CTL_REPLY;
 * after every request, for every key in the store:
 *   - no expiry is negative (a wrapped time);
 *   - a rotated key ends within the longest overlap (rotation.c) from now;
 *   - no account holds more working keys than the limit (3 here);
 *   - a key once orphaned stays orphaned (or is gone).
 * Undefined behaviour (UBSan) or a memory error (ASan) aborts too. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../apikeyd/daemon.h"
#include "../../apikeyd/rowmac.h"
#include "../../apikeyd/store_sqlite.h"
#include "fuzz.h"
#include "transport.h"

#define MAX_REQUESTS 8
#define MAX_SEEN 32
#define LIMIT 3 /* keys per account or service ID: reached quickly */

static char dir[64];
static char db_path[96];
static struct hashkey hashkey;
static int sv[2] = { -1, -1 };
static bool fuzz_admin;
static struct daemon daemon_state;

/* The admin group is the input's choice (root always is one). */
bool __real_peer_is_admin(const struct peer *p, const char *admin_group);
bool __wrap_peer_is_admin(const struct peer *p, const char *admin_group);
bool __wrap_peer_is_admin(const struct peer *p, const char *admin_group)
{
        (void)admin_group;
        return p->uid == 0 || fuzz_admin;
}

/* The harness has no event loop (ld --wrap): replies go straight onto the
 * socket, and a long answer is produced step after step at once. */
int __wrap_conn_queue(struct conn *c, const uint8_t *data, size_t len);
int __wrap_conn_queue(struct conn *c, const uint8_t *data, size_t len)
{
        (void)c;
        return send(sv[0], data, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -ENOBUFS;
}

int __wrap_conn_produce(struct conn *c, produce_fn step, void *state, void (*free_state)(void *));
int __wrap_conn_produce(struct conn *c, produce_fn step, void *state, void (*free_state)(void *))
{
        const struct peer p = { .fd = sv[0] };
        int r;

        (void)c;
        while ((r = step(&p, state)) == PRODUCE_MORE || r == PRODUCE_WAIT)
                if (r == PRODUCE_WAIT)
                        usleep(1000); /* the writer thread */
        if (free_state)
                free_state(state);
        return 0; /* as conn.c: a step's error only drops the connection */
}

static const uid_t callers[8] = { 0, 65534, 1, 2, 4242421, 65534, 1, 0 };
static const char *const names[] = { "root", "nobody", "daemon", "bin", "akfuzzghost", "svc1", "svc2", "",
                                     "user:nobody", "nginx-api,sshd", "10.0.0.0/8,::1", "delete", "none" };

struct seen {
        char ids[MAX_SEEN][KEY_ID_LEN + 1];
        size_t n_ids;
        char keys[MAX_SEEN][KEY_MAX_INPUT + 1];
        size_t n_keys;
        char orphaned[MAX_SEEN][KEY_ID_LEN + 1];
        size_t n_orphaned;
};

struct input {
        const uint8_t *p;
        size_t left;
};

static bool take(struct input *in, void *out, size_t n)
{
        if (in->left < n) {
                memset(out, 0, n);
                in->left = 0;
                return false;
        }
        memcpy(out, in->p, n);
        in->p += n, in->left -= n;
        return true;
}

static uint8_t byte(struct input *in)
{
        uint8_t b = 0;

        take(in, &b, 1);
        return b;
}

static void daemon_up(struct daemon *d);

/* The temporary directory goes with the process (the files are open until
 * then, which Linux allows). */
static void remove_dir(void)
{
        static const char *const files[] = { "keys.db", "keys.db-wal", "keys.db-shm", "keys.db-journal", "hash.key" };
        char p[128];

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
                unlink(p);
        }
        rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        char path[128];
        int buf = 4 << 20;

        (void)argc, (void)argv;
        fuzz_quiet_stdio(); /* the daemon logs to stderr when not under systemd */
        if (sodium_init() < 0)
                abort();
        snprintf(dir, sizeof(dir), "%s/apikey-fuzz-control.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir))
                abort();
        atexit(remove_dir);
        snprintf(db_path, sizeof(db_path), "%s/keys.db", dir);
        snprintf(path, sizeof(path), "%s/hash.key", dir);
        if (hashkey_load(path, true, &hashkey) < 0)
                abort();
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        /* Room for the longest answer: the harness reads after each request. */
        (void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
        (void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
        (void)fcntl(sv[1], F_SETFL, O_NONBLOCK);
        daemon_up(&daemon_state);
        return 0;
}

/* A key of an account that does not exist, as if it had been deleted. */
static void plant_ghost_key(struct daemon *d)
{
        struct key_record k = { .kind = "user", .owner_type = "user", .owner_name = "akfuzzghost",
                                .owner_uid = 4242420, .state = "active", .created_by = "akfuzzghost",
                                .leak_action = "disable" };

        k.created_at = now_seconds() - 100;
        snprintf(k.id, sizeof(k.id), "ghost0000000");
        if (store_key_insert(d->store, &k) < 0)
                abort();
}

static void daemon_up(struct daemon *d)
{
        char p[128];

        *d = (struct daemon){ .admin_group = "apikey-admin", .max_keys_per_user = LIMIT, .max_keys_per_sid = LIMIT,
                              .purge_after_sec = 86400, .audit_retention_sec = 86400, .started_at = now_seconds(),
                              .usage = calloc(PENDING_MAX, sizeof(struct usage_entry)),
                              .audit = calloc(PENDING_MAX, sizeof(struct audit_record)) };
        d->hashkey = hashkey;
        hashkey_derive(&d->hashkey, ROWMAC_CONTEXT, d->row_key);
        snprintf(d->head_path, sizeof(d->head_path), "%s.head", db_path);
        unlink(d->head_path); /* a head left from an earlier run would name records this store lacks */
        unlink(db_path);
        snprintf(p, sizeof(p), "%s-wal", db_path);
        unlink(p);
        if (!d->usage || !d->audit || rl_init(&d->rl, 10, 6000) < 0 || sd_event_new(&d->event) < 0 ||
            store_open(db_path, d->row_key, &d->store) < 0 || audit_chain_open(d, false) < 0 ||
            store_manual_checkpoints(d->store) < 0 || writer_start(d) < 0)
                abort();
}

/* The store as new: no keys, service IDs or audit records, the chain
 * restarted (the writer rewrites the head file with the next batch; the head
 * is read only at start), no rate-limit state. */
static void daemon_reset(struct daemon *d)
{
        FUZZ_CHECK(daemon_flush(d) == 0);
        if (sqlite3_exec(sqlite_of(d->store)->db, "DELETE FROM keys; DELETE FROM service_ids; DELETE FROM audit;", NULL, NULL,
                         NULL) != SQLITE_OK)
                abort();
        d->audit_seq = 0;
        memset(d->audit_hash, 0, sizeof(d->audit_hash));
        rl_free(&d->rl);
        if (rl_init(&d->rl, 10, 6000) < 0)
                abort();
        plant_ghost_key(d);
}

static uint64_t interesting_u64(uint8_t sel, struct input *in)
{
        const uint64_t now = (uint64_t)now_seconds();
        const uint64_t values[] = { 0, 1, 2, 60, 3600, 86400, 90ULL * 86400, 91ULL * 86400, INT64_MAX,
                                    INT64_MAX - 1000, (uint64_t)INT64_MAX + 1, UINT64_MAX, now, now + 60,
                                    now - 60, 1ULL << 62 };
        uint64_t v;

        if (sel < sizeof(values) / sizeof(values[0]))
                return values[sel];
        take(in, &v, sizeof(v));
        return v;
}

static void put_string(struct wire_buf *b, uint8_t tag, struct input *in, const struct seen *s)
{
        uint8_t sel = byte(in);
        char raw[256];
        size_t n;

        if (tag == TAG_KEY_ID && s->n_ids && sel < 128) {
                wire_put_str(b, tag, s->ids[sel % s->n_ids]);
                return;
        }
        if (tag == TAG_KEY && s->n_keys && sel < 128) {
                wire_put_str(b, tag, s->keys[sel % s->n_keys]);
                return;
        }
        if (tag == TAG_KEY_ID && sel < 160) {
                wire_put_str(b, tag, "ghost0000000");
                return;
        }
        if (sel < 224) {
                wire_put_str(b, tag, names[sel % (sizeof(names) / sizeof(names[0]))]);
                return;
        }
        n = byte(in) % sizeof(raw);
        take(in, raw, n);
        /* Raw bytes may hold a NUL: the codec then sees the part before it. */
        raw[n] = '\0';
        wire_put_str(b, tag, raw);
}

/* One request from the input into b. */
static void build_request(struct wire_buf *b, struct input *in, const struct seen *s, uint8_t command)
{
        static const uint8_t tags[] = { TAG_KEY_ID, TAG_NAME, TAG_DESCRIPTION, TAG_FLAGS, TAG_EXPIRES_AT,
                                        TAG_SERVICES, TAG_SOURCES, TAG_MAX_USES, TAG_LEAK_ACTION, TAG_SERVICE_ID,
                                        TAG_UNIX_USER, TAG_GRACE, TAG_SINCE, TAG_INACTIVE, TAG_FILTER_USER,
                                        TAG_IDENTITY, TAG_KEY, TAG_USER /* not allowed here */ };
        unsigned nfields = byte(in) % 9;

        wire_init(b, MSG_CTL_REQUEST);
        wire_put_u32(b, TAG_COMMAND, command);
        for (unsigned i = 0; i < nfields && in->left; i++) {
                uint8_t tag = tags[byte(in) % sizeof(tags)];
                size_t max;
                uint32_t v32;

                switch (proto_tag_kind(tag, &max)) {
                case KIND_U32:
                        take(in, &v32, sizeof(v32));
                        wire_put_u32(b, tag, v32);
                        break;
                case KIND_U64:
                        wire_put_u64(b, tag, interesting_u64(byte(in), in));
                        break;
                default:
                        put_string(b, tag, in, s);
                        break;
                }
        }
}

static void remember(struct seen *s, const struct wire_msg *m)
{
        char buf[KEY_MAX_INPUT + 1];

        if (wire_get_str(m, TAG_KEY_ID, buf, sizeof(buf)) == 0 && strlen(buf) == KEY_ID_LEN && s->n_ids < MAX_SEEN)
                snprintf(s->ids[s->n_ids++], sizeof(s->ids[0]), "%s", buf);
        if (m->type == MSG_CTL_REPLY && wire_get_str(m, TAG_KEY, buf, sizeof(buf)) == 0 && s->n_keys < MAX_SEEN)
                snprintf(s->keys[s->n_keys++], sizeof(s->keys[0]), "%s", buf);
}

/* Every record the daemon sent parses; the last is the reply. */
static void read_answer(struct seen *s)
{
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_msg m;
        int last_type = -1;
        ssize_t n;

        while ((n = recv(sv[1], buf, sizeof(buf), MSG_TRUNC)) > 0) {
                FUZZ_CHECK((size_t)n <= sizeof(buf));
                FUZZ_CHECK(wire_parse(buf, (size_t)n, &m) == 0);
                FUZZ_CHECK(last_type != MSG_CTL_REPLY); /* nothing after the reply */
                last_type = m.type;
                remember(s, &m);
        }
        FUZZ_CHECK(last_type == MSG_CTL_REPLY);
}

/* The store after a request, read in one pass (a statement per key would
 * cost the harness most of its time). */
#define MAX_KEYS 256
struct check_state {
        int64_t now;
        size_t n;
        struct key_record *keys;
};

static int collect_key(const struct key_record *k, void *userdata)
{
        struct check_state *c = userdata;

        if (c->n < MAX_KEYS)
                c->keys[c->n++] = *k;
        return 0;
}

static bool working_key(const struct key_record *k, int64_t now)
{
        return !k->orphaned_at && (k->expires_at == 0 || k->expires_at > now);
}

static bool same_owner(const struct key_record *a, const struct key_record *b)
{
        return strcmp(a->owner_type, b->owner_type) == 0 && strcmp(a->owner_name, b->owner_name) == 0 &&
               (strcmp(a->owner_type, "user") != 0 || a->owner_uid == b->owner_uid);
}

static void check_store(struct daemon *d, struct seen *s)
{
        static struct key_record keys[MAX_KEYS];
        struct check_state c = { .now = now_seconds(), .keys = keys };

        FUZZ_CHECK(store_key_list(d->store, NULL, collect_key, &c) == 0);
        for (size_t i = 0; i < c.n; i++) {
                const struct key_record *k = &keys[i];
                uint64_t working = 0;

                FUZZ_CHECK(k->expires_at >= 0);
                FUZZ_CHECK(!k->rotated_to[0] ||
                           (k->expires_at > 0 && k->expires_at <= c.now + (int64_t)ROTATION_OVERLAP_MAX_SEC + 60));
                for (size_t j = 0; j < c.n; j++)
                        working += same_owner(k, &keys[j]) && working_key(&keys[j], c.now);
                FUZZ_CHECK(working <= LIMIT);
                for (size_t j = 0; j < s->n_orphaned; j++)
                        if (strcmp(s->orphaned[j], k->id) == 0)
                                FUZZ_CHECK(k->orphaned_at != 0);
        }
        s->n_orphaned = 0;
        for (size_t i = 0; i < c.n && s->n_orphaned < MAX_SEEN; i++)
                if (keys[i].orphaned_at)
                        snprintf(s->orphaned[s->n_orphaned++], sizeof(s->orphaned[0]), "%s", keys[i].id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct input in = { data, size };
        struct seen seen = { .n_ids = 0 };
        struct daemon *d = &daemon_state;

        daemon_reset(d);
        for (int i = 0; i < MAX_REQUESTS && in.left >= 3; i++) {
                uint8_t who = byte(&in), command = byte(&in) % (_CTL_MAX + 1);
                struct peer p = { .fd = sv[0], .uid = callers[who & 7], .gid = 0, .pid = 4242 };
                struct wire_buf b;
                struct wire_msg m;

                fuzz_admin = who & 0x80;
                build_request(&b, &in, &seen, command);
                if (wire_finish(&b) == 0 && wire_parse(b.data, b.len, &m) == 0)
                        control_handle(d, &p, &m);
                else
                        control_reject(&p, "malformed request"); /* as server.c answers it */
                read_answer(&seen);
                check_store(d, &seen);
        }
        return 0;
}
