/* abuse.c - rate limits applied to authentications, leak reports and scans
 * (policy in ratelimit.h): which budget a request spends, whether it is
 * blocked, what a failure costs, and the audit records for the start and end
 * of a lockout.
 *
 * PAM_RHOST is a claim of the calling process. Root callers (sshd) are
 * trusted for it: their failures are charged to the remote host. A non-root
 * caller's claim is not trusted beyond its own budget: its failures are
 * charged to (its uid, the host it names), so nginx's worker (www-data) keeps
 * one budget per client address, and a local user who names a host spends
 * only a budget of their own, never the one sshd or nginx spends for that
 * host. A non-root caller that names no host is charged per uid. Root
 * callers that name no host (su, sudo) spend only the key ID's budget. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "transport.h"

struct source {
        enum rl_kind kind;
        char name[RL_NAME_MAX + 1];
};

/* The budget that the failures of a request from p naming rhost spend;
 * false when there is none (a root caller naming no host). */
static bool source_of(const struct peer *p, const char *rhost, struct source *ret)
{
        if (p->uid == 0) {
                if (!rhost[0])
                        return false;
                ret->kind = RL_RHOST;
                snprintf(ret->name, sizeof(ret->name), "%s", rhost);
        } else if (rhost[0]) {
                ret->kind = RL_UID_RHOST;
                snprintf(ret->name, sizeof(ret->name), "%u/%s", (unsigned)p->uid, rhost);
        } else {
                ret->kind = RL_UID;
                snprintf(ret->name, sizeof(ret->name), "%u", (unsigned)p->uid);
        }
        return true;
}

static void describe(const struct source *s, const struct peer *p, const char *rhost, char *buf, size_t bufsz)
{
        if (s->kind == RL_RHOST)
                snprintf(buf, bufsz, "remote host %.200s", rhost);
        else if (s->kind == RL_UID_RHOST)
                snprintf(buf, bufsz, "remote host %.200s as named by local caller uid %u", rhost, (unsigned)p->uid);
        else
                snprintf(buf, bufsz, "local caller uid %u", (unsigned)p->uid);
}

static void audit_lockout(struct daemon *d, const struct source *s, const struct peer *p, const char *rhost,
                          bool start)
{
        struct audit_record a = { .event = "ratelimit", .action = "ratelimit" };
        char who[PROTO_MESSAGE_MAX];

        snprintf(a.result, sizeof(a.result), "%s", start ? "blocked" : "unblocked");
        if (s->kind == RL_KEY)
                snprintf(a.key_id, sizeof(a.key_id), "%.*s", KEY_ID_LEN, s->name);
        if (s->kind == RL_RHOST || s->kind == RL_UID_RHOST)
                snprintf(a.rhost, sizeof(a.rhost), "%s", rhost);
        if (s->kind == RL_KEY)
                snprintf(who, sizeof(who), "key %s", s->name);
        else
                describe(s, p, rhost, who, sizeof(who));
        if (p && s->kind != RL_KEY)
                a.peer_uid = (uint32_t)p->uid;
        snprintf(a.detail, sizeof(a.detail), "%.300s %s", who,
                 start ? "is blocked after too many failures" : "is no longer blocked");
        audit_add(d, &a);
}

static bool blocked(struct daemon *d, const struct source *s, const struct peer *p, const char *rhost)
{
        bool ended = false;
        bool b = rl_blocked(&d->rl, s->kind, s->name, transport_now_ms(), &ended);

        if (ended)
                audit_lockout(d, s, p, rhost, false);
        return b;
}

bool abuse_source_blocked(struct daemon *d, const struct peer *p, const char *rhost, char *detail, size_t detailsz)
{
        struct source s;
        char who[PROTO_MESSAGE_MAX];

        if (!source_of(p, rhost, &s) || !blocked(d, &s, p, rhost))
                return false;
        describe(&s, p, rhost, who, sizeof(who));
        snprintf(detail, detailsz, "%.300s is rate limited", who);
        return true;
}

bool abuse_key_blocked(struct daemon *d, const char *key_id)
{
        struct source s = { .kind = RL_KEY };

        if (!key_id[0])
                return false;
        snprintf(s.name, sizeof(s.name), "%s", key_id);
        return blocked(d, &s, NULL, "");
}

static void charge(struct daemon *d, const struct source *s, const struct peer *p, const char *rhost)
{
        if (rl_fail(&d->rl, s->kind, s->name, transport_now_ms(), now_seconds()))
                audit_lockout(d, s, p, rhost, true);
}

void abuse_charge(struct daemon *d, const struct peer *p, const char *rhost, const char *key_id, enum verdict v)
{
        struct source s;

        if (v == VERDICT_OK || v == VERDICT_INTERNAL)
                return;
        if (source_of(p, rhost, &s))
                charge(d, &s, p, rhost);
        /* Only guesses at a secret spend a key's budget: the real key used in
         * the wrong place (user, service, source) is not a guess. */
        if ((v == VERDICT_BAD_SECRET || v == VERDICT_RATE_LIMITED) && key_id[0]) {
                s.kind = RL_KEY;
                snprintf(s.name, sizeof(s.name), "%s", key_id);
                charge(d, &s, p, "");
        }
}
