/* rotation.c - the chain a rotation leaves behind.
 *
 * A successor made by `rotate --until-first-use` names its predecessor
 * (`retires`); that predecessor may itself be a successor still waiting for
 * its first use, so the links form a chain back to the oldest key still
 * working. Whatever settles the newest key — its first use, its own
 * rotation, its deletion — settles every key down the chain: no old key
 * outlives its rotation. The chain is also bounded in time: a predecessor
 * never works longer than ROTATION_OVERLAP_MAX_SEC (or the daemon's maximum
 * lifetime) after its rotation, used successor or not. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "duration.h"
#include "log.h"

/* Longer than any chain the key limits allow; a loop in a tampered store
 * ends here. */
#define ROTATION_CHAIN_MAX 256

uint64_t rotation_overlap_max(const struct daemon *d)
{
        if (d->max_lifetime_sec && d->max_lifetime_sec < ROTATION_OVERLAP_MAX_SEC)
                return d->max_lifetime_sec;
        return ROTATION_OVERLAP_MAX_SEC;
}

static void audit_bound(struct daemon *d, const struct key_record *k, const char *why)
{
        struct audit_record a = { .event = "control", .result = "ok", .action = "retire" };

        snprintf(a.key_id, sizeof(a.key_id), "%s", k->id);
        key_identity(k, a.identity, sizeof(a.identity));
        snprintf(a.detail, sizeof(a.detail), "%s; works until %" PRId64, why, k->expires_at);
        audit_add(d, &a);
}

int rotation_bound_chain(struct daemon *d, const char *first, int64_t at, bool settle, const char *why)
{
        char id[KEY_ID_LEN + 1];
        struct key_record k;
        int r, n = 0;

        snprintf(id, sizeof(id), "%s", first ? first : "");
        for (int i = 0; id[0] && i < ROTATION_CHAIN_MAX; i++) {
                bool later;

                r = store_key_get(d->store, id, &k);
                if (r == -ENOENT)
                        break; /* deleted meanwhile: nothing left to end */
                if (r < 0)
                        return r;
                later = k.expires_at == 0 || k.expires_at > at;
                snprintf(id, sizeof(id), "%s", k.retires);
                if (!later && !(settle && k.retires[0]))
                        continue;
                if (later)
                        k.expires_at = at;
                if (settle)
                        k.retires[0] = '\0';
                r = store_key_update(d->store, &k);
                if (r < 0)
                        return r;
                if (later)
                        audit_bound(d, &k, why);
                n++;
        }
        return n;
}
