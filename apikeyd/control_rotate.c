/* control_rotate.c - rotate: a new key with the same attributes and
 * restrictions; the old one keeps working for --grace (default: not at all —
 * a leaked key must die at once) or, with --until-first-use, until the new
 * key first authenticates (auth.c retires it then). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
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
                k->expires_at = now + (old->expires_at - old->created_at);
        if (c->d->max_lifetime_sec && (!k->expires_at || k->expires_at > now + (int64_t)c->d->max_lifetime_sec))
                k->expires_at = now + (int64_t)c->d->max_lifetime_sec;
}

/* The old key ends after the grace period, or at the successor's first use. */
static void retire_old(struct ctl_ctx *c, struct key_record *old, const struct key_record *k, int64_t now)
{
        uint64_t grace = 0;

        (void)wire_get_u64(c->m, TAG_GRACE, &grace);
        snprintf(old->rotated_to, sizeof(old->rotated_to), "%s", k->id);
        if (c->flags & CTL_FLAG_UNTIL_FIRST_USE) {
                snprintf(c->detail, sizeof(c->detail), "rotated to %s; the old key works until its first use",
                         k->id);
                return;
        }
        if (!old->expires_at || old->expires_at > now + (int64_t)grace)
                old->expires_at = now + (int64_t)grace;
        snprintf(c->detail, sizeof(c->detail), "rotated to %s; the old key works for %" PRIu64 " s more", k->id,
                 grace);
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
        int64_t now = now_seconds();
        char key[KEY_LEN + 1];
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
        if ((c->flags & CTL_FLAG_UNTIL_FIRST_USE) && wire_get_u64(c->m, TAG_GRACE, &(uint64_t){ 0 }) == 0)
                return ctl_reply(c, STATUS_INVALID, "--grace and --until-first-use exclude each other");
        successor_of(c, &old, &k, now);
        if (c->flags & CTL_FLAG_UNTIL_FIRST_USE)
                snprintf(k.retires, sizeof(k.retires), "%s", old.id);
        ctl_mint_credentials(c, &k, key);
        retire_old(c, &old, &k, now);
        r = store_rotation(c, &old, &k);
        if (r < 0) {
                sodium_memzero(key, sizeof(key));
                return ctl_reply(c, STATUS_INTERNAL, "could not store the rotation; nothing changed");
        }
        r = ctl_reply_new_key(c, &k, key);
        sodium_memzero(key, sizeof(key));
        return r;
}
