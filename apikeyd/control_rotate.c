/* control_rotate.c - rotate: a new key with the same attributes and
 * restrictions; the old one keeps working for --grace (default: not at all —
 * a leaked key must die at once) or, with --until-first-use, until the new
 * key first authenticates (auth.c retires it then), at most
 * rotation_overlap_max() either way. Rotating a successor that is still
 * waiting for its first use settles its predecessors too (rotation.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "duration.h"
#include "log.h"

/* The successor: same owner, kind, name, restrictions; same lifetime as the
 * old key had, counted from now and bounded by the maximum lifetime. */
static void successor_of(const struct ctl_ctx *c, const struct key_record *old, struct key_record *k, int64_t now)
{
        *k = *old;
        memset(k->id, 0, sizeof(k->id));
        memset(k->hash, 0, sizeof(k->hash));
        k->created_at = now;
        snprintf(k->created_by, sizeof(k->created_by), "%s", c->caller[0] ? c->caller : "?");
        k->last_used_at = 0;
        k->last_used_from[0] = k->last_used_service[0] = '\0';
        k->use_count = 0;
        k->locked = false;
        k->rotated_to[0] = k->retires[0] = '\0';
        k->disabled_by[0] = k->locked_by[0] = '\0';
        snprintf(k->state, sizeof(k->state), "active");
        if (old->expires_at)
                k->expires_at = time_add_sat(now, time_span_sat(old->created_at, old->expires_at));
        if (c->d->max_lifetime_sec)
                k->expires_at = expiry_min(k->expires_at, time_add_sat(now, c->d->max_lifetime_sec));
}

/* How long the old key works on, checked: -1 when refused (answered). */
static int read_overlap(struct ctl_ctx *c, uint64_t *ret)
{
        uint64_t grace = 0, max = rotation_overlap_max(c->d);
        bool has_grace = wire_get_u64(c->m, TAG_GRACE, &grace) == 0;
        char msg[200];

        if ((c->flags & CTL_FLAG_UNTIL_FIRST_USE) && has_grace)
                return ctl_reply(c, STATUS_INVALID, "--grace and --until-first-use exclude each other"), -1;
        if (grace > max) {
                snprintf(msg, sizeof(msg), "--grace is longer than %" PRIu64 " s, the longest an old key may "
                         "work on after its rotation; choose a shorter one", max);
                return ctl_reply(c, STATUS_LIMIT, msg), -1;
        }
        *ret = (c->flags & CTL_FLAG_UNTIL_FIRST_USE) ? max : grace;
        return 0;
}

/* The old key ends after the grace period, or at the successor's first use
 * but at the latest after the longest overlap. */
static void retire_old(struct ctl_ctx *c, struct key_record *old, const struct key_record *k, int64_t end)
{
        snprintf(old->rotated_to, sizeof(old->rotated_to), "%s", k->id);
        old->expires_at = expiry_min(old->expires_at, end);
        if (c->flags & CTL_FLAG_UNTIL_FIRST_USE) {
                snprintf(c->detail, sizeof(c->detail), "rotated to %s; the old key works until its first use, "
                         "at the latest until %" PRId64, k->id, old->expires_at);
                return;
        }
        old->retires[0] = '\0'; /* its end is decided: no first use changes it */
        snprintf(c->detail, sizeof(c->detail), "rotated to %s; the old key works until %" PRId64, k->id,
                 old->expires_at);
}

/* In one transaction: the old key marked (which also frees the classic
 * slot), the new one stored. */
static int store_rotation(struct ctl_ctx *c, struct key_record *old, struct key_record *k)
{
        int r = store_begin(c->d->store);

        if (r == 0)
                r = store_key_update(c->d->store, old);
        if (r == 0)
                r = store_key_insert(c->d->store, k);
        if (r == 0)
                r = store_commit(c->d->store);
        if (r < 0)
                store_rollback(c->d->store);
        return r;
}

int cmd_rotate(struct ctl_ctx *c)
{
        struct key_record old = c->key, k;
        bool until_first_use = c->flags & CTL_FLAG_UNTIL_FIRST_USE;
        char key[KEY_LEN + 1], chain[KEY_ID_LEN + 1], why[96];
        int64_t now = now_seconds(), end;
        uint64_t overlap;
        int r;

        if (old.locked && !ctl_may_undo(c, old.locked_by))
                return ctl_reply(c, STATUS_LOCKED, ctl_undo_denied(c, "lock", old.locked_by));
        if (old.locked)
                return ctl_replyf(c, STATUS_LOCKED, "key %s is locked: unlock it first ('apikeyctl unlock %s')", old.id,
                                  old.id);
        /* Rotating a key an admin or a leak disabled would bring it back. */
        if (strcmp(old.state, "active") != 0 && !ctl_may_undo(c, old.disabled_by))
                return ctl_reply(c, STATUS_PERMISSION, ctl_undo_denied(c, "disable", old.disabled_by));
        if (old.rotated_to[0])
                return ctl_replyf(c, STATUS_EXISTS, "key %s was already rotated to %s; rotate that one", old.id,
                                  old.rotated_to);
        if (read_overlap(c, &overlap) < 0)
                return 0;
        end = time_add_sat(now, overlap);
        /* The successor is one more working key unless the old one ends now. */
        if (ctl_check_limit(c, &old, overlap == 0 && !key_is_expired(&old, now), now) < 0)
                return 0;
        snprintf(chain, sizeof(chain), "%s", old.retires); /* predecessors still waiting on old */
        successor_of(c, &old, &k, now);
        if (until_first_use)
                snprintf(k.retires, sizeof(k.retires), "%s", old.id);
        ctl_mint_credentials(c, &k, key);
        retire_old(c, &old, &k, end);
        r = store_rotation(c, &old, &k);
        if (r < 0) {
                sodium_memzero(key, sizeof(key));
                return ctl_reply(c, STATUS_INTERNAL, "could not store the rotation; nothing changed");
        }
        /* The keys old was to retire end no later than old itself; after a
         * rotation with a grace period their end is decided. */
        snprintf(why, sizeof(why), "successor %s rotated to %s", old.id, k.id);
        if (chain[0] && rotation_bound_chain(c->d, chain, old.expires_at, !until_first_use, why) < 0)
                log_error("could not bound the predecessors of rotated key %s", old.id);
        r = ctl_reply_new_key(c, &k, key);
        sodium_memzero(key, sizeof(key));
        return r;
}
