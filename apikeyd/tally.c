/* tally.c - aggregate audit records for floods of failures (see tally.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static const char *const event_names[_TALLY_EVENT_MAX] = {
        [TALLY_AUTH] = "auth",
        [TALLY_LEAK] = "leak",
        [TALLY_CONTROL] = "control",
};

static const char *result_name(enum tally_event ev, unsigned result)
{
        return ev == TALLY_CONTROL ? status_to_string(result) : verdict_to_string(result);
}

/* The source's entry (claimed if new, NULL when the table is full), and how
 * many records of their own all sources of the same uid have had. */
static struct tally_entry *lookup(struct tally *t, uint32_t uid, const char *host, uint64_t *ret_uid_own)
{
        struct tally_entry *match = NULL, *free_slot = NULL;

        *ret_uid_own = 0;
        for (size_t i = 0; i < TALLY_SLOTS; i++) {
                struct tally_entry *e = &t->slots[i];
                if (!e->used) {
                        if (!free_slot)
                                free_slot = e;
                        continue;
                }
                if (e->uid != uid)
                        continue;
                for (unsigned ev = 0; ev < _TALLY_EVENT_MAX; ev++)
                        *ret_uid_own += e->own[ev];
                if (strcmp(e->rhost, host) == 0)
                        match = e;
        }
        if (!match && free_slot) {
                match = free_slot;
                match->used = true;
                match->uid = uid;
                snprintf(match->rhost, sizeof(match->rhost), "%s", host);
        }
        return match;
}

bool tally_own_record(struct daemon *d, const struct peer *p, const char *rhost, enum tally_event ev,
                      unsigned v)
{
        struct tally *t = d->tally;
        struct tally_entry *e;
        uint32_t uid = (uint32_t)p->uid;
        uint64_t uid_own;

        if (!t || v == VERDICT_OK || v == VERDICT_INTERNAL || v >= TALLY_RESULT_MAX)
                return true;
        /* sshd, su and sudo pace their own failures (fail delay, MaxStartups),
         * and each of their attempts is evidence worth its record; only their
         * malformed requests, which no honest module sends, are counted. */
        if (uid == 0 && (ev == TALLY_CONTROL || v != VERDICT_MALFORMED))
                return true;
        e = lookup(t, uid, rhost, &uid_own);
        if (e && e->own[ev] < TALLY_OWN_RECORDS && (uid == 0 || uid_own < TALLY_OWN_RECORDS_PER_UID)) {
                e->own[ev]++;
                return true;
        }
        if (!e)
                e = &t->slots[TALLY_SLOTS];
        e->counted[ev][v]++;
        return false;
}

static void report_one(struct daemon *d, const struct tally_entry *e, bool other, enum tally_event ev,
                       unsigned v, int64_t secs)
{
        struct audit_record a = { .action = "tally" };
        char who[PROTO_RHOST_MAX + 64];

        if (other)
                snprintf(who, sizeof(who), "other sources");
        else if (e->rhost[0] && e->uid == 0)
                snprintf(who, sizeof(who), "remote host %s", e->rhost);
        else if (e->rhost[0])
                snprintf(who, sizeof(who), "uid %" PRIu32 " naming remote host %s", e->uid, e->rhost);
        else
                snprintf(who, sizeof(who), "uid %" PRIu32, e->uid);
        snprintf(a.event, sizeof(a.event), "%s", event_names[ev]);
        snprintf(a.result, sizeof(a.result), "%s", result_name(ev, v));
        snprintf(a.rhost, sizeof(a.rhost), "%s", other ? "" : e->rhost);
        a.peer_uid = other ? 0 : e->uid;
        snprintf(a.detail, sizeof(a.detail), "%" PRIu64 " more %s requests with result %s from %.300s in the last %" PRId64 " s",
                 e->counted[ev][v], event_names[ev], result_name(ev, v), who, secs);
        audit_add(d, &a);
}

void tally_report(struct daemon *d)
{
        struct tally *t = d->tally;
        int64_t now = now_seconds(), secs;

        if (!t)
                return;
        secs = now > t->since ? now - t->since : 0;
        for (size_t i = 0; i <= TALLY_SLOTS; i++) {
                const struct tally_entry *e = &t->slots[i];
                for (unsigned ev = 0; ev < _TALLY_EVENT_MAX; ev++)
                        for (unsigned v = 0; v < TALLY_RESULT_MAX; v++)
                                if (e->counted[ev][v])
                                        report_one(d, e, i == TALLY_SLOTS, (enum tally_event)ev, v, secs);
        }
        memset(t->slots, 0, (TALLY_SLOTS + 1) * sizeof(*t->slots));
        t->since = now;
}

static int on_tally(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct daemon *d = userdata;

        tally_report(d);
        return sd_event_source_set_time(s, usec + d->tally->interval_usec);
}

int tally_start(struct daemon *d)
{
        struct tally *t = calloc(1, sizeof(*t));
        int r;

        if (!t || !(t->slots = calloc(TALLY_SLOTS + 1, sizeof(*t->slots)))) {
                free(t);
                return -ENOMEM;
        }
        t->interval_usec = d->rl.interval_ms * 1000ULL * TALLY_INTERVAL_FACTOR;
        t->since = now_seconds();
        d->tally = t;
        r = sd_event_add_time_relative(d->event, &d->tally_timer, CLOCK_MONOTONIC, t->interval_usec, 0, on_tally, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->tally_timer, SD_EVENT_ON);
        return r < 0 ? r : 0;
}

void tally_stop(struct daemon *d)
{
        if (d->tally)
                tally_report(d);
        d->tally_timer = sd_event_source_disable_unref(d->tally_timer);
        if (d->tally)
                free(d->tally->slots);
        free(d->tally);
        d->tally = NULL;
}
