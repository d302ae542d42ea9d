/* audit.c - the audit log and the batched writes.
 *
 * Every authentication attempt and every change becomes a record. Each
 * record's hash is BLAKE2b, keyed with a key derived from the installation
 * secret, over the previous record's hash and the record's wire encoding
 * (the one codec), so a changed, removed or inserted record breaks the chain
 * and `apikeyctl audit --verify` finds it. Hashes are assigned in memory at
 * once; records and uses reach the store in one transaction per flush:
 * every FLUSH_INTERVAL_USEC, at BATCH_MAX pending, before a query, and at
 * exit. A crash of the daemon loses at most that window. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_head.h"
#include "daemon.h"
#include "log.h"

static const char chain_context[] = "apikeyd audit chain v1";

/* Something amiss found at start: an audit record of its own, which verify
 * reports for as long as the record is kept. */
static void integrity_record(struct daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void integrity_record(struct daemon *d, const char *fmt, ...)
{
        struct audit_record r = { .event = "integrity", .result = "broken" };
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(r.detail, sizeof(r.detail), fmt, ap);
        va_end(ap);
        log_error("audit log: %s", r.detail);
        audit_add(d, &r);
}

/* Whether record seq is in the log with hash, or was pruned (retention
 * removes only a prefix, so a head older than the first kept record is no
 * alarm: it only lagged behind, e.g. after a crash). */
static bool head_in_log(struct daemon *d, uint64_t seq, const uint8_t hash[AUDIT_HASH_LEN])
{
        uint8_t at[AUDIT_HASH_LEN];
        uint64_t first_seq;
        int r = store_audit_hash_at(d->store, seq, at);

        if (r == 0)
                return sodium_memcmp(at, hash, AUDIT_HASH_LEN) == 0;
        return r == -ENOENT && store_audit_first(d->store, &first_seq, at) == 0 && first_seq > seq;
}

/* Compares the head file with the table's end; sets where the chain goes on. */
static void check_head(struct daemon *d, bool expect_head)
{
        uint64_t head_seq;
        uint8_t head_hash[AUDIT_HASH_LEN];
        int r = audit_head_load(d->head_path, d->head_key, &head_seq, head_hash);

        if (r == -ENOENT) {
                if (expect_head && d->audit_seq > 0)
                        integrity_record(d, "the audit head file is missing: records after seq %" PRIu64
                                            " may have been removed", d->audit_seq);
        } else if (r < 0) {
                integrity_record(d, "the audit head file is not valid (not ours, or its MAC does not match); "
                                    "the log ends at seq %" PRIu64, d->audit_seq);
        } else if (head_seq > d->audit_seq) {
                uint64_t from = d->audit_seq + 1;
                /* Never hand out a removed record's number again: the chain
                 * goes on from the head. */
                d->audit_seq = head_seq;
                memcpy(d->audit_hash, head_hash, AUDIT_HASH_LEN);
                integrity_record(d, "records %" PRIu64 "..%" PRIu64 " at the end of the log were removed "
                                    "(the head file names the last)", from, head_seq);
                return;
        } else if (head_seq > 0 && !head_in_log(d, head_seq, head_hash)) {
                integrity_record(d, "record %" PRIu64 ", the last one the head file names, is not in the log as "
                                    "written", head_seq);
        }
        r = audit_head_store(d->head_path, d->head_key, d->audit_seq, d->audit_hash);
        if (r < 0)
                log_error("cannot write the audit head %s: %s", d->head_path, strerror(-r));
}

int audit_chain_open(struct daemon *d, bool expect_head)
{
        int r;

        hashkey_derive(&d->hashkey, chain_context, d->chain_key);
        hashkey_derive(&d->hashkey, AUDIT_HEAD_CONTEXT, d->head_key);
        r = store_audit_last(d->store, &d->audit_seq, d->audit_hash);
        if (r == 0)
                check_head(d, expect_head);
        return r;
}

void audit_note_lost(struct daemon *d)
{
        struct audit_record r = { .event = "lost", .result = "broken" };

        if (!d->lost_first)
                return;
        snprintf(r.detail, sizeof(r.detail),
                 "records %" PRIu64 "..%" PRIu64 " were lost: the audit log could not be written (%s)", d->lost_first,
                 d->lost_last, d->lost_error == -ENOSPC ? "disk full" : strerror(-d->lost_error));
        d->lost_first = d->lost_last = 0;
        audit_add(d, &r);
}

void audit_encode(const struct audit_record *r, struct wire_buf *b)
{
        wire_init(b, MSG_AUDIT_RECORD);
        wire_put_u64(b, TAG_SEQ, r->seq);
        wire_put_u64(b, TAG_TIME, (uint64_t)r->time);
        wire_put_str(b, TAG_EVENT, r->event);
        wire_put_str(b, TAG_RESULT, r->result);
        wire_put_str(b, TAG_KEY_ID, r->key_id);
        wire_put_str(b, TAG_IDENTITY, r->identity);
        wire_put_str(b, TAG_USER, r->user);
        wire_put_str(b, TAG_SERVICE, r->service);
        wire_put_str(b, TAG_RHOST, r->rhost);
        wire_put_str(b, TAG_TTY, r->tty);
        wire_put_u32(b, TAG_PEER_UID, r->peer_uid);
        wire_put_u32(b, TAG_PEER_PID, r->peer_pid);
        wire_put_str(b, TAG_CALLER, r->caller);
        wire_put_str(b, TAG_ACTION, r->action);
        wire_put_str(b, TAG_DETAIL, r->detail);
}

static void chain_hash(const struct daemon *d, const struct audit_record *r, uint8_t out[AUDIT_HASH_LEN])
{
        crypto_generichash_state st;
        struct wire_buf b;

        audit_encode(r, &b);
        crypto_generichash_init(&st, d->chain_key, sizeof(d->chain_key), AUDIT_HASH_LEN);
        crypto_generichash_update(&st, r->prev_hash, AUDIT_HASH_LEN);
        crypto_generichash_update(&st, b.data, b.len);
        crypto_generichash_final(&st, out, AUDIT_HASH_LEN);
}

void flush_soon(struct daemon *d)
{
        int enabled = SD_EVENT_OFF;
        uint64_t now;

        if (!d->flush_timer || sd_event_source_get_enabled(d->flush_timer, &enabled) < 0 || enabled != SD_EVENT_OFF)
                return;
        if (sd_event_now(d->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        sd_event_source_set_time(d->flush_timer, now + FLUSH_INTERVAL_USEC);
        sd_event_source_set_enabled(d->flush_timer, SD_EVENT_ONESHOT);
}

void audit_add(struct daemon *d, struct audit_record *r)
{
        int e;

        if (d->n_audit >= BATCH_MAX)
                (void)daemon_flush_async(d);
        if (d->n_audit == PENDING_MAX && (e = daemon_flush(d)) < 0 && d->n_audit == PENDING_MAX) {
                /* The chain in the store will show the gap, and a "lost"
                 * record says why once the store can be written again. */
                if (!d->lost_first)
                        log_error("audit log not writable; dropping the oldest pending records from %" PRIu64,
                                  d->audit[0].seq);
                d->lost_first = d->lost_first ? d->lost_first : d->audit[0].seq;
                d->lost_last = d->audit[0].seq;
                d->lost_error = e;
                memmove(d->audit, d->audit + 1, (PENDING_MAX - 1) * sizeof(*d->audit));
                d->n_audit--;
        }
        r->seq = ++d->audit_seq;
        if (r->time == 0)
                r->time = now_seconds();
        memcpy(r->prev_hash, d->audit_hash, AUDIT_HASH_LEN);
        chain_hash(d, r, r->hash);
        memcpy(d->audit_hash, r->hash, AUDIT_HASH_LEN);
        d->audit[d->n_audit++] = *r;
        log_audit(r);
        flush_soon(d);
        if (d->audit_max_records && d->audit_seq >= d->audit_prune_at)
                maintenance_soon(d); /* the bound on the number of records */
}

static bool is_mine(const struct verify_state *v, const struct audit_record *r)
{
        return !v->identity || strcmp(r->identity, v->identity) == 0;
}

/* Counts a break; keeps it while fewer than VERIFY_BREAKS_MAX are kept. */
static struct audit_break *keep(struct verify_state *v, const char *kind)
{
        struct audit_break *b;

        v->breaks++;
        if (v->n_list == VERIFY_BREAKS_MAX)
                return NULL;
        if (v->n_list == v->cap_list) {
                size_t cap = v->cap_list ? v->cap_list * 4 : 8;
                void *p;

                if (cap > VERIFY_BREAKS_MAX)
                        cap = VERIFY_BREAKS_MAX;
                p = reallocarray(v->list, cap, sizeof(*b));
                if (!p) {
                        v->error = -ENOMEM;
                        return NULL;
                }
                v->list = p;
                v->cap_list = cap;
        }
        b = &v->list[v->n_list++];
        *b = (struct audit_break){ .kind = kind };
        return b;
}

static void report(struct verify_state *v, const char *kind, uint64_t at, uint64_t first, uint64_t last,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void report(struct verify_state *v, const char *kind, uint64_t at, uint64_t first, uint64_t last,
                   const char *fmt, ...)
{
        struct audit_break *b = keep(v, kind);
        const char *host = v->chain_host ? v->chain_host : store_host(v->d->store);
        char why[sizeof(b->why)];
        va_list ap;

        if (!b)
                return;
        b->at = at, b->first = first, b->last = last;
        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        /* A fleet store keeps one chain per host: say whose. */
        if (host[0])
                snprintf(b->why, sizeof(b->why), "host %.63s: %.440s", host, why);
        else
                snprintf(b->why, sizeof(b->why), "%s", why);
}

static int verify_one(const struct audit_record *r, void *userdata)
{
        static const uint8_t zero[AUDIT_HASH_LEN];
        struct verify_state *v = userdata;
        uint8_t h[AUDIT_HASH_LEN];
        bool mine = is_mine(v, r);

        chain_hash(v->d, r, h);
        if (v->seen == 0) {
                v->first_seq = r->seq;
                if (mine && r->seq == 1 && memcmp(r->prev_hash, zero, AUDIT_HASH_LEN) != 0)
                        report(v, "link", r->seq, r->seq, r->seq, "the first record does not start the chain");
        } else if (r->seq != v->expect_seq) {
                if (mine || !v->identity)
                        report(v, "gap", r->seq, v->expect_seq, r->seq - 1, "records %" PRIu64 "..%" PRIu64 " are missing",
                               v->expect_seq, r->seq - 1);
        } else if (mine && memcmp(r->prev_hash, v->prev, AUDIT_HASH_LEN) != 0)
                report(v, "link", r->seq, r->seq, r->seq, "record %" PRIu64 " does not follow the record before it", r->seq);
        if (mine && sodium_memcmp(h, r->hash, AUDIT_HASH_LEN) != 0)
                report(v, "changed", r->seq, r->seq, r->seq, "record %" PRIu64 " was changed", r->seq);
        if (!v->identity && strcmp(r->event, "integrity") == 0)
                report(v, "integrity", r->seq, r->seq, r->seq, "found at start (record %" PRIu64 "): %s", r->seq, r->detail);
        if (!v->identity && strcmp(r->event, "lost") == 0)
                report(v, "lost", r->seq, r->seq, r->seq, "record %" PRIu64 " says: %s", r->seq, r->detail);
        if (!v->identity && r->seq == v->upto && sodium_memcmp(r->hash, v->upto_hash, AUDIT_HASH_LEN) != 0)
                report(v, "end", r->seq, r->seq, r->seq, "the last record is not the one the daemon wrote");
        if (strcmp(r->event, "prune") == 0 && sscanf(r->detail, "kept from seq %" SCNu64, &v->pruned_from) != 1)
                v->pruned_from = 0;
        /* Go on from this record whatever it showed: every later break is
         * reported too, not only the first. */
        memcpy(v->prev, r->hash, AUDIT_HASH_LEN);
        v->expect_seq = r->seq + 1;
        v->last_seq = r->seq;
        v->seen++;
        if (mine)
                v->records++;
        return v->error;
}


static int verify_key_row(const struct key_record *k, void *userdata)
{
        struct verify_state *v = userdata;
        struct audit_break *b;

        snprintf(v->after_id, sizeof(v->after_id), "%s", k->id);
        v->after_created_at = k->created_at;
        v->step_rows++;
        if (k->tampered && (b = keep(v, "row"))) {
                snprintf(b->key_id, sizeof(b->key_id), "%s", k->id);
                snprintf(b->why, sizeof(b->why), "key %s: its row does not match its MAC (changed outside apikeyd)",
                         k->id);
        }
        return v->error;
}

static int verify_sid_row(const struct sid_record *r, void *userdata)
{
        struct verify_state *v = userdata;
        struct audit_break *b;

        if (r->tampered && (b = keep(v, "row"))) {
                snprintf(b->service_id, sizeof(b->service_id), "%s", r->name);
                snprintf(b->why, sizeof(b->why),
                         "service ID %s: its row does not match its MAC (changed outside apikeyd)", r->name);
        }
        return v->error;
}

static int collect_host(const char *host, void *userdata)
{
        struct verify_state *v = userdata;
        struct verify_other *o = &v->other;

        if (strcmp(host, store_host(v->d->store)) == 0 || !host[0])
                return 0; /* our own chain is walked in full */
        if (o->n == VERIFY_HOSTS_MAX)
                return 0;
        if (o->n % 16 == 0) {
                void *p = reallocarray(o->hosts, o->n + 16, sizeof(*o->hosts));
                if (!p)
                        return (v->error = -ENOMEM);
                o->hosts = p;
        }
        snprintf(o->hosts[o->n++], sizeof(o->hosts[0]), "%s", host);
        return 0;
}

/* One record of another host's chain: in sequence, and linked. A chain
 * whose oldest records a fleet admin pruned (retention) starts later. */
static int verify_other_one(const struct audit_record *r, void *userdata)
{
        struct verify_state *v = userdata;
        struct verify_other *o = &v->other;

        if (o->last_seq && r->seq != o->last_seq + 1)
                report(v, "gap", r->seq, o->last_seq + 1, r->seq - 1, "records %" PRIu64 "..%" PRIu64 " are missing",
                       o->last_seq + 1, r->seq - 1);
        else if (o->last_seq && memcmp(r->prev_hash, o->prev, AUDIT_HASH_LEN) != 0)
                report(v, "link", r->seq, r->seq, r->seq, "record %" PRIu64 " does not follow the record before it",
                       r->seq);
        o->last_seq = r->seq;
        memcpy(o->prev, r->hash, AUDIT_HASH_LEN);
        o->walked++;
        return v->error;
}

/* n records of the other hosts' chains: 1 while there are more. */
static int verify_other_step(struct verify_state *v, unsigned n)
{
        struct verify_other *o = &v->other;
        uint64_t before = o->walked;
        struct audit_filter f = { .limit = n };
        int r;

        if (o->i >= o->n)
                return 0;
        f.host = o->hosts[o->i];
        f.after_seq = o->last_seq;
        v->chain_host = o->hosts[o->i];
        r = store_audit_list(v->d->store, &f, verify_other_one, v);
        v->chain_host = NULL;
        if (r < 0)
                return r;
        if (o->walked - before < n) {
                o->i++;
                o->last_seq = 0;
        }
        return o->i < o->n;
}

/* The ends of the log, which only an admin's verify looks at. Records
 * written while the walk went on are checked too; those up to where the log
 * stood when it began must be there, the last of them as the daemon wrote it
 * (verify_one compares record upto as the walk passes it). */
static void verify_ends(struct verify_state *v)
{
        if (v->seen > 0 && v->first_seq != 1 && v->first_seq != v->pruned_from)
                report(v, "start", v->first_seq, v->pruned_from && v->pruned_from < v->first_seq ? v->pruned_from : 1,
                       v->first_seq - 1, "records before seq %" PRIu64 " were removed outside retention", v->first_seq);
        if (v->last_seq < v->upto)
                report(v, "end", v->last_seq + 1, v->last_seq + 1, v->upto,
                       "records %" PRIu64 "..%" PRIu64 " at the end of the log are missing", v->last_seq + 1, v->upto);
}

void audit_verify_begin(struct daemon *d, struct verify_state *v, const char *identity)
{
        *v = (struct verify_state){ .d = d, .upto = d->audit_seq };
        memcpy(v->upto_hash, d->audit_hash, AUDIT_HASH_LEN);
        if (identity) {
                snprintf(v->identity_buf, sizeof(v->identity_buf), "%s", identity);
                v->identity = v->identity_buf;
        }
}

/* The chain, n records a step; then, for an admin, the key rows, n a step;
 * then the service ID rows (few: admins create them) in one step. */
int audit_verify_step(struct verify_state *v, unsigned n)
{
        char after_id[KEY_ID_LEN + 1];
        int r = 0;

        v->step_rows = 0;
        if (v->phase == VERIFY_CHAIN) {
                struct audit_filter f = { .after_seq = v->seen ? v->last_seq : 0, .limit = n };
                uint64_t before = v->seen;

                r = store_audit_list(v->d->store, &f, verify_one, v);
                if (r == 0 && v->seen - before < n && v->identity)
                        v->phase = VERIFY_DONE;
                else if (r == 0 && v->seen - before < n) {
                        verify_ends(v);
                        v->phase = VERIFY_HOSTS;
                        r = store_audit_hosts(v->d->store, collect_host, v);
                }
        } else if (v->phase == VERIFY_HOSTS) {
                r = verify_other_step(v, n);
                if (r == 0)
                        v->phase = VERIFY_KEYS;
                r = r > 0 ? 0 : r;
        } else if (v->phase == VERIFY_KEYS) {
                struct key_filter f = KEY_FILTER_ANY;

                f.limit = n;
                if (v->after_id[0]) {
                        memcpy(after_id, v->after_id, sizeof(after_id));
                        f.after_id = after_id;
                        f.after_created_at = v->after_created_at;
                }
                r = store_key_list(v->d->store, &f, verify_key_row, v);
                if (r == 0 && v->step_rows < n)
                        v->phase = VERIFY_SIDS;
        } else if (v->phase == VERIFY_SIDS) {
                r = store_sid_list(v->d->store, verify_sid_row, v);
                if (r == 0)
                        v->phase = VERIFY_DONE;
        }
        if (v->error)
                return v->error;
        if (r < 0)
                return r;
        return v->phase != VERIFY_DONE;
}

void audit_verify_free(struct verify_state *v)
{
        free(v->other.hosts);
        v->other.hosts = NULL;
        v->other.n = v->other.i = 0;
        free(v->list);
        v->list = NULL;
        v->n_list = v->cap_list = 0;
}
