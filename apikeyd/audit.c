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
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static const char chain_context[] = "apikeyd audit chain v1";

int audit_chain_open(struct daemon *d)
{
        crypto_generichash(d->chain_key, sizeof(d->chain_key), (const uint8_t *)chain_context,
                           sizeof(chain_context) - 1, d->hashkey.k, sizeof(d->hashkey.k));
        return store_audit_last(d->store, &d->audit_seq, d->audit_hash);
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
        if (d->n_audit >= BATCH_MAX)
                (void)daemon_flush_async(d);
        if (d->n_audit == PENDING_MAX && daemon_flush(d) < 0 && d->n_audit == PENDING_MAX) {
                /* The chain in the store will show the gap: verify reports it. */
                log_error("audit log not writable; dropping the oldest pending record %" PRIu64, d->audit[0].seq);
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

static int verify_one(const struct audit_record *r, void *userdata)
{
        static const uint8_t zero[AUDIT_HASH_LEN];
        struct verify_state *v = userdata;
        uint8_t h[AUDIT_HASH_LEN];

        if (v->count == 0) {
                v->first_seq = r->seq;
                if (r->seq == 1 && memcmp(r->prev_hash, zero, AUDIT_HASH_LEN) != 0)
                        v->why = "the first record does not start the chain";
        } else if (r->seq != v->expect_seq || memcmp(r->prev_hash, v->prev, AUDIT_HASH_LEN) != 0)
                v->why = "a record is missing or out of order";
        chain_hash(v->d, r, h);
        if (!v->why && sodium_memcmp(h, r->hash, AUDIT_HASH_LEN) != 0)
                v->why = "a record was changed";
        if (v->why) {
                v->bad_seq = r->seq;
                return -EBADMSG;
        }
        if (strcmp(r->event, "prune") == 0 && sscanf(r->detail, "kept from seq %" SCNu64, &v->pruned_from) != 1)
                v->pruned_from = 0;
        memcpy(v->prev, r->hash, AUDIT_HASH_LEN);
        v->expect_seq = r->seq + 1;
        v->count++;
        return 0;
}

void audit_verify_begin(struct daemon *d, struct verify_state *v, uint64_t upto)
{
        *v = (struct verify_state){ .d = d, .upto = upto };
}

int audit_verify_step(struct verify_state *v, unsigned n)
{
        struct audit_filter f = { .after_seq = v->count ? v->expect_seq - 1 : 0, .limit = n };
        uint64_t before = v->count;
        int r = store_audit_list(v->d->store, &f, verify_one, v);

        if (r == -EBADMSG && v->why)
                return 0; /* a break ends the walk */
        if (r < 0)
                return r;
        return v->count - before == n ? 1 : 0; /* a full chunk: there may be more */
}

int audit_verify_end(struct verify_state *v)
{
        if (v->why)
                return -EBADMSG;
        if (v->count > 0 && v->first_seq != 1 && v->first_seq != v->pruned_from) {
                v->why = "records were removed from the start of the log outside retention", v->bad_seq = v->first_seq;
                return -EBADMSG;
        }
        /* Records written while the walk went on are checked too; those up to
         * where the log stood when it began must be there. */
        if ((v->count ? v->expect_seq - 1 : 0) < v->upto) {
                v->why = "the newest records are missing", v->bad_seq = v->count ? v->expect_seq : 1;
                return -EBADMSG;
        }
        return 0;
}
