/* control_leak.c - `apikeyctl scan` found a string with the key's shape and
 * checksum. The daemon says what it is only when it is a real key (the
 * secret matches); with CTL_FLAG_APPLY it applies the key's leak action if
 * the caller may disable the key (its owner, or an admin). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"

static int reply_leak(struct ctl_ctx *c, const char *id, const char *state, const char *result)
{
        struct wire_buf b;

        c->status = STATUS_OK;
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        wire_put_str(&b, TAG_KEY_ID, id);
        wire_put_str(&b, TAG_STATE, state);
        wire_put_str(&b, TAG_RESULT, result);
        return peer_send(c->p, &b);
}

static bool may_disable(const struct ctl_ctx *c, const struct key_record *k)
{
        return ctl_caller_owns(c, k) || c->admin;
}

int cmd_leak(struct ctl_ctx *c)
{
        char key[KEY_MAX_INPUT + 1];
        struct key_parts parts;
        struct key_record k;
        const char *done;
        int r;

        ctl_get_str(c->m, TAG_KEY, key, sizeof(key));
        if (key_parse(key, &parts) < 0) {
                sodium_memzero(key, sizeof(key));
                return ctl_reply(c, STATUS_INVALID, "not a key");
        }
        r = key_lookup_verified(c->d, key, &k);
        sodium_memzero(key, sizeof(key));
        if (r == -ENOENT || r == -EACCES) {
                r = reply_leak(c, parts.id, "unknown", "none");
                sodium_memzero(&parts, sizeof(parts));
                return r;
        }
        sodium_memzero(&parts, sizeof(parts));
        if (r < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        if (!(c->flags & CTL_FLAG_APPLY))
                return reply_leak(c, k.id, key_state(&k, now_seconds()), "checked");
        if (!may_disable(c, &k))
                return reply_leak(c, k.id, key_state(&k, now_seconds()), "not_permitted");
        done = leak_apply(c->d, &k, "found by apikeyctl scan", c->p, c->caller);
        if (strcmp(done, "deleted") == 0)
                return reply_leak(c, k.id, "deleted", done);
        if (store_key_get(c->d->store, k.id, &k) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        return reply_leak(c, k.id, key_state(&k, now_seconds()), done);
}
