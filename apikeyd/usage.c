/* usage.c - uses of keys, kept in memory until they are written with the
 * audit records in one transaction (writer.c). max_uses counts the pending
 * uses too, and those of the batch being written until it is committed, so
 * the limit holds between writes.
 *
 * The view of the writer's batch is taken before the key is read from the
 * store. Taken after, a batch committed in between would be in neither and
 * a key could be used once too often. Taken before, a commit landing
 * between the two (microseconds) counts its uses twice: a key at its limit
 * may then be refused once too early, never allowed once too often. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static const struct usage_entry *find_in(const struct usage_entry *v, size_t n, const char *id)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].id, id) == 0)
                        return &v[i];
        return NULL;
}

/* The pending entry of id, to count a use in (as strchr, const is the
 * caller's: the pending batch is the loop's own). */
static struct usage_entry *find(struct daemon *d, const char *id)
{
        return (struct usage_entry *)find_in(d->usage, d->n_usage, id);
}

void usage_view_take(const struct daemon *d, struct usage_view *ret)
{
        ret->writing = writer_inflight_usage(d, &ret->n_writing);
}

/* The pending entry of id and the one being written; either may be NULL. */
static void lookup(const struct daemon *d, const struct usage_view *v, const char *id,
                   const struct usage_entry **ret_pending, const struct usage_entry **ret_writing)
{
        *ret_pending = find_in(d->usage, d->n_usage, id);
        *ret_writing = find_in(v->writing, v->n_writing, id);
}

uint64_t usage_pending(const struct daemon *d, const struct usage_view *v, const char *id)
{
        const struct usage_entry *e, *f;

        lookup(d, v, id, &e, &f);
        return (e ? e->uses : 0) + (f ? f->uses : 0);
}

void usage_overlay(const struct daemon *d, struct key_record *k)
{
        const struct usage_entry *e, *f;
        struct usage_view v;

        usage_view_take(d, &v);
        lookup(d, &v, k->id, &e, &f);
        k->use_count += (e ? e->uses : 0) + (f ? f->uses : 0);
        if (!e)
                e = f; /* the pending entry is the newer */
        if (!e)
                return;
        k->last_used_at = e->last_at;
        snprintf(k->last_used_from, sizeof(k->last_used_from), "%s", e->rhost);
        snprintf(k->last_used_service, sizeof(k->last_used_service), "%s", e->service);
}

int usage_add(struct daemon *d, const struct key_record *k, int64_t when, const char *rhost, const char *service)
{
        const char *id = k->id;
        struct usage_entry *e = find(d, id);

        if (!e) {
                if (d->n_usage >= BATCH_MAX)
                        (void)daemon_flush_async(d);
                if (d->n_usage == PENDING_MAX && daemon_flush(d) < 0 && d->n_usage == PENDING_MAX) {
                        log_error("could not write key uses; refusing the use of %s", id);
                        return -EIO;
                }
                e = &d->usage[d->n_usage++];
                memset(e, 0, sizeof(*e));
                snprintf(e->id, sizeof(e->id), "%s", id);
        }
        e->uses++;
        e->row_hint = k->row_hint; /* the newest read */
        e->last_at = when;
        snprintf(e->rhost, sizeof(e->rhost), "%s", rhost ? rhost : "");
        snprintf(e->service, sizeof(e->service), "%s", service ? service : "");
        flush_soon(d);
        return 0;
}
