/* abuse.c - rate limits applied to authentications (policy in
 * ratelimit.h): which sources a request has, whether one is blocked, what a
 * failure costs, and the audit records for the start and end of a lockout. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "transport.h"

static void audit_lockout(struct daemon *d, enum rl_kind k, const char *name, bool start)
{
        struct audit_record a = { .event = "ratelimit", .action = "ratelimit" };

        snprintf(a.result, sizeof(a.result), "%s", start ? "blocked" : "unblocked");
        if (k == RL_KEY)
                snprintf(a.key_id, sizeof(a.key_id), "%s", name);
        else if (k == RL_RHOST)
                snprintf(a.rhost, sizeof(a.rhost), "%s", name);
        snprintf(a.detail, sizeof(a.detail), "%s %.200s %s", rl_kind_name(k), name,
                 start ? "is blocked after too many failures" : "is no longer blocked");
        audit_add(d, &a);
}

static bool blocked(struct daemon *d, enum rl_kind k, const char *name)
{
        bool ended = false;
        bool b = rl_blocked(&d->rl, k, name, transport_now_ms(), &ended);

        if (ended)
                audit_lockout(d, k, name, false);
        return b;
}

/* The caller's uid as a source, only for non-root callers: sshd and sudo run
 * as root and speak for many users, whose rhost is the source. */
static void uid_source(const struct peer *p, char buf[16])
{
        if (p->uid == 0)
                buf[0] = '\0';
        else
                snprintf(buf, 16, "%u", (unsigned)p->uid);
}

bool abuse_source_blocked(struct daemon *d, const struct peer *p, const char *rhost, char *detail, size_t detailsz)
{
        char uid[16];

        uid_source(p, uid);
        if (rhost[0] && blocked(d, RL_RHOST, rhost)) {
                snprintf(detail, detailsz, "remote host %.200s is rate limited", rhost);
                return true;
        }
        if (uid[0] && blocked(d, RL_UID, uid)) {
                snprintf(detail, detailsz, "local caller uid %s is rate limited", uid);
                return true;
        }
        return false;
}

bool abuse_key_blocked(struct daemon *d, const char *key_id)
{
        return key_id[0] && blocked(d, RL_KEY, key_id);
}

static void charge(struct daemon *d, enum rl_kind k, const char *name)
{
        if (name[0] && rl_fail(&d->rl, k, name, transport_now_ms(), now_seconds()))
                audit_lockout(d, k, name, true);
}

void abuse_charge(struct daemon *d, const struct peer *p, const char *rhost, const char *key_id, enum verdict v)
{
        char uid[16];

        if (v == VERDICT_OK || v == VERDICT_INTERNAL)
                return;
        uid_source(p, uid);
        charge(d, RL_RHOST, rhost);
        charge(d, RL_UID, uid);
        /* Only guesses at a secret spend a key's budget: the real key used in
         * the wrong place (user, service, source) is not a guess. */
        if (v == VERDICT_BAD_SECRET || v == VERDICT_RATE_LIMITED)
                charge(d, RL_KEY, key_id);
}
