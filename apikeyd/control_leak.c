/* control_leak.c - `apikeyctl scan` found a string with the key's shape and
 * checksum. The daemon says what it is only when it is a real key (the
 * secret matches); with CTL_FLAG_APPLY it applies the key's leak action.
 *
 * Whoever sends the whole key holds it, which is more than naming its ID:
 * they could log in with it. So any caller who presents a real key may
 * apply that key's own leak action (the one its owner chose), exactly as
 * the tripwire does for a key typed as a user name (auth.c). A check that
 * finds no key is a failure like a wrong key at login: it spends the
 * caller's budget (and the key ID's, for a wrong secret; abuse.c) and is
 * audited, so scan is no faster oracle than a login. */
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

/* One record per check; a caller's misses past a bound per interval are
 * counted instead (tally.h). */
static void audit_check(struct ctl_ctx *c, const char *id, const struct key_record *k, enum verdict v,
                        const char *result, const char *detail)
{
        struct audit_record a = { .event = "leak", .action = "scan" };

        if (!tally_own_record(c->d, c->p, "", TALLY_LEAK, v))
                return;
        snprintf(a.result, sizeof(a.result), "%s", result);
        snprintf(a.key_id, sizeof(a.key_id), "%s", id);
        if (k)
                key_identity(k, a.identity, sizeof(a.identity));
        snprintf(a.caller, sizeof(a.caller), "%s", c->caller);
        snprintf(a.detail, sizeof(a.detail), "%s", detail);
        a.peer_uid = (uint32_t)c->p->uid;
        a.peer_pid = (uint32_t)c->p->pid;
        audit_add(c->d, &a);
}

/* A check that found no key: charge it, audit it, answer "unknown". */
static int reply_miss(struct ctl_ctx *c, const char *id, const struct key_record *k, int r)
{
        enum verdict v = r == -EACCES ? VERDICT_BAD_SECRET : VERDICT_NOT_FOUND;

        abuse_charge(c->d, c->p, "", id, v);
        audit_check(c, id, r == -EACCES ? k : NULL, v, verdict_to_string(v),
                    r == -EACCES ? "apikeyctl scan: a wrong secret for this key ID" : "apikeyctl scan: no such key");
        return reply_leak(c, id, "unknown", "none");
}

static int reply_limited(struct ctl_ctx *c, const char *id, const char *why)
{
        char msg[PROTO_MESSAGE_MAX];

        abuse_charge(c->d, c->p, "", "", VERDICT_RATE_LIMITED);
        audit_check(c, id, NULL, VERDICT_RATE_LIMITED, "rate_limited", why);
        snprintf(msg, sizeof(msg), "%.300s after too many checks of strings that are no key; try again in a minute",
                 why);
        return ctl_reply(c, STATUS_LIMIT, msg);
}

int cmd_leak(struct ctl_ctx *c)
{
        char key[KEY_MAX_INPUT + 1], why[PROTO_MESSAGE_MAX];
        char id[KEY_ID_LEN + 1];
        struct key_parts parts;
        struct key_record k;
        const char *done;
        int r;

        ctl_get_str(c->m, TAG_KEY, key, sizeof(key));
        if (key_parse(key, &parts) < 0) {
                sodium_memzero(key, sizeof(key));
                abuse_charge(c->d, c->p, "", "", VERDICT_MALFORMED);
                return ctl_reply(c, STATUS_INVALID, "not a key");
        }
        memcpy(id, parts.id, sizeof(id));
        sodium_memzero(&parts, sizeof(parts));
        if (abuse_source_blocked(c->d, c->p, "", why, sizeof(why))) {
                sodium_memzero(key, sizeof(key));
                return reply_limited(c, id, why);
        }
        r = key_lookup_verified(c->d, key, &k);
        sodium_memzero(key, sizeof(key));
        if (r == -ENOENT || r == -EACCES)
                return reply_miss(c, id, &k, r);
        if (r == -EREMOTE)
                return ctl_reply(c, STATUS_NOT_FOUND, "a key of the fleet that works only on other hosts: "
                                                      "check it on one of them, or ask a fleet admin");
        if (r < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        if (!(c->flags & CTL_FLAG_APPLY)) {
                audit_check(c, k.id, &k, VERDICT_OK, "checked", "apikeyctl scan: a real key");
                return reply_leak(c, k.id, key_state(&k, now_seconds()), "checked");
        }
        done = leak_apply(c->d, &k, "found by apikeyctl scan", c->p, c->caller);
        if (strcmp(done, "deleted") == 0)
                return reply_leak(c, k.id, "deleted", done);
        if (store_key_get(c->d->store, k.id, &k) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        return reply_leak(c, k.id, key_state(&k, now_seconds()), done);
}
