/* control_audit.c - audit queries and chain verification, and status.
 * Users see the records of their own identity; admins see everything. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "duration.h"
#include "log.h"
#include "options.h"
#include "transport.h"

int cmd_audit(struct ctl_ctx *c)
{
        char key_id[KEY_ID_LEN + 1], identity[PROTO_IDENTITY_MAX + 1], own[PROTO_IDENTITY_MAX + 1];
        struct audit_filter f = { 0 };
        uint64_t since = 0;

        if (c->flags & CTL_FLAG_VERIFY)
                return ctl_page_verify(c);
        ctl_get_str(c->m, TAG_KEY_ID, key_id, sizeof(key_id));
        ctl_get_str(c->m, TAG_IDENTITY, identity, sizeof(identity));
        (void)wire_get_u64(c->m, TAG_SINCE, &since);
        snprintf(own, sizeof(own), "user:%s", c->caller);
        if (!c->admin) {
                if (!c->caller[0] || (identity[0] && strcmp(identity, own) != 0))
                        return ctl_reply(c, STATUS_PERMISSION, "you may see the records of your own keys only");
                snprintf(identity, sizeof(identity), "%s", own);
        }
        f.key_id = key_id[0] ? key_id : NULL;
        f.identity = identity[0] ? identity : NULL;
        f.since = since > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)since;
        /* A user reads their own account's history, not that of an older,
         * deleted account of the same name (orphan.c). */
        if (!c->admin && orphan_audit_cutoff(c->d, c->caller, &f.after_seq) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "could not read the audit log");
        return ctl_page_audit(c, &f);
}

static void send_blocked(const struct rl_entry *e, void *userdata)
{
        struct ctl_ctx *c = userdata;
        struct wire_buf b;

        wire_init(&b, MSG_BLOCKED);
        wire_put_str(&b, TAG_EVENT, rl_kind_name(e->kind));
        wire_put_str(&b, TAG_DETAIL, e->name);
        wire_put_u64(&b, TAG_TIME, (uint64_t)e->blocked_since);
        wire_put_u64(&b, TAG_USE_COUNT, e->failures);
        (void)peer_send(c->p, &b);
}

int cmd_status(struct ctl_ctx *c)
{
        struct key_filter f = KEY_FILTER_ANY;
        char policy[PROTO_POLICY_MAX + 1];
        struct wire_buf b;
        uint64_t count = 0;

        if (!c->admin) {
                f.owner_type = "user";
                f.owner_name = c->caller;
                f.owner_uid = c->p->uid;
        }
        if ((c->admin || c->caller[0]) && store_key_count(c->d->store, &f, &count) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        if (c->admin) /* sources are other people's addresses */
                rl_each_blocked(&c->d->rl, transport_now_ms(), send_blocked, c);
        c->status = STATUS_OK;
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        wire_put_str(&b, TAG_VERSION, APIKEY_VERSION);
        wire_put_u64(&b, TAG_KEY_COUNT, count);
        wire_put_u64(&b, TAG_UPTIME, time_span_sat(c->d->started_at, now_seconds()));
        wire_put_str(&b, TAG_CALLER, c->caller[0] ? c->caller : "?");
        wire_put_u32(&b, TAG_IS_ADMIN, c->admin ? 1 : 0);
        wire_put_u64(&b, TAG_MAX_LIFETIME, c->d->max_lifetime_sec);
        wire_put_u32(&b, TAG_RL_BURST, c->d->rl.burst);
        wire_put_u64(&b, TAG_RL_INTERVAL, c->d->rl.interval_ms / 1000);
        if (c->d->options && options_policy_string(c->d->options, policy, sizeof(policy)) == 0)
                wire_put_str(&b, TAG_POLICY, policy);
        return peer_send(c->p, &b);
}
