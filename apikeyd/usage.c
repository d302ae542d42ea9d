/* usage.c - uses of keys, kept in memory until the next flush (audit.c
 * writes them with the audit records in one transaction). max_uses counts
 * the pending uses too, so the limit holds between flushes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static struct usage_entry *find(const struct daemon *d, const char *id)
{
        for (size_t i = 0; i < d->n_usage; i++)
                if (strcmp(d->usage[i].id, id) == 0)
                        return &d->usage[i];
        return NULL;
}

uint64_t usage_pending(const struct daemon *d, const char *id)
{
        const struct usage_entry *e = find(d, id);

        return e ? e->uses : 0;
}

void usage_overlay(const struct daemon *d, struct key_record *k)
{
        const struct usage_entry *e = find(d, k->id);

        if (!e)
                return;
        k->use_count += e->uses;
        k->last_used_at = e->last_at;
        snprintf(k->last_used_from, sizeof(k->last_used_from), "%s", e->rhost);
        snprintf(k->last_used_service, sizeof(k->last_used_service), "%s", e->service);
}

int usage_add(struct daemon *d, const char *id, int64_t when, const char *rhost, const char *service)
{
        struct usage_entry *e = find(d, id);

        if (!e) {
                if (d->n_usage == BATCH_MAX && daemon_flush(d) < 0) {
                        log_error("could not write key uses; refusing the use of %s", id);
                        return -EIO;
                }
                e = &d->usage[d->n_usage++];
                memset(e, 0, sizeof(*e));
                snprintf(e->id, sizeof(e->id), "%s", id);
        }
        e->uses++;
        e->last_at = when;
        snprintf(e->rhost, sizeof(e->rhost), "%s", rhost ? rhost : "");
        snprintf(e->service, sizeof(e->service), "%s", service ? service : "");
        flush_soon(d);
        return 0;
}
