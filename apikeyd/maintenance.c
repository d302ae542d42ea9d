/* maintenance.c - hourly chores: delete keys long expired, prune the audit
 * log past its retention or its bound on the number of records (also run
 * when that many new records have come, audit.c). Each is itself audited. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "duration.h"
#include "log.h"

static int purge_one(const struct key_record *k, void *userdata)
{
        struct daemon *d = userdata;
        struct audit_record a = { .event = "purge", .result = "ok", .action = "purge" };

        if (k->locked)
                return 0; /* locked keys are never deleted */
        if (store_key_delete(d->store, k->id) < 0)
                return 0;
        snprintf(a.key_id, sizeof(a.key_id), "%s", k->id);
        key_identity(k, a.identity, sizeof(a.identity));
        snprintf(a.detail, sizeof(a.detail), "expired at %" PRId64 ", purged after %" PRIu64 " s", k->expires_at,
                 d->purge_after_sec);
        audit_add(d, &a);
        return 0;
}

static void purge_expired(struct daemon *d, int64_t now)
{
        struct key_filter f = KEY_FILTER_ANY;

        f.expired_before = time_sub_sat(now, d->purge_after_sec);
        if (f.expired_before <= 0)
                return;
        /* Deleting while listing is safe in SQLite, but keep it simple: the
         * callback deletes the row it was handed, nothing else. */
        if (store_key_list(d->store, &f, purge_one, d) < 0)
                log_error("could not purge expired keys");
}

/* Retention by age, and the bound on the number of records: only a prefix
 * goes, and one `prune` record names the first kept record, so verify tells
 * retention from tampering. */
static void prune_audit(struct daemon *d, int64_t now)
{
        struct audit_record a = { .event = "prune", .result = "ok", .action = "prune" };
        uint64_t by_age = 0, by_count = 0, first_seq;
        uint8_t unused[AUDIT_HASH_LEN];

        d->audit_prune_at = d->audit_seq + audit_prune_step(d); /* also when this fails */
        if (daemon_flush(d) < 0 ||
            store_audit_prune(d->store, time_sub_sat(now, d->audit_retention_sec), &by_age) < 0)
                return;
        /* Down to the bound less one step, prune record included, so that
         * the step of records until the next check stays within the bound. */
        if (d->audit_max_records && d->audit_seq + audit_prune_step(d) >= d->audit_max_records &&
            store_audit_prune_seq(d->store, d->audit_seq + audit_prune_step(d) + 2 - d->audit_max_records,
                                  &by_count) < 0)
                return;
        if (by_age + by_count == 0 || store_audit_first(d->store, &first_seq, unused) < 0)
                return;
        snprintf(a.detail, sizeof(a.detail),
                 "kept from seq %" PRIu64 " (%" PRIu64 " older records removed: %" PRIu64 " past retention, %" PRIu64
                 " past the bound of %" PRIu64 " records)",
                 first_seq, by_age + by_count, by_age, by_count, d->audit_max_records);
        audit_add(d, &a);
}

uint64_t audit_prune_step(const struct daemon *d)
{
        return d->audit_max_records >= 10 ? d->audit_max_records / 10 : 1;
}

void maintenance_soon(struct daemon *d)
{
        uint64_t now;

        if (d->maintenance_timer && sd_event_now(d->event, CLOCK_MONOTONIC, &now) >= 0)
                (void)sd_event_source_set_time(d->maintenance_timer, now);
}

void daemon_maintenance(struct daemon *d)
{
        int64_t now = now_seconds();

        purge_expired(d, now);
        prune_audit(d, now);
        daemon_flush(d);
}
