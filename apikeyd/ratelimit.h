/* ratelimit.h - failure budgets per source and per key ID.
 *
 * A source is what a request's failures are charged to (abuse.c says which):
 * a remote host named by a root caller (sshd), a remote host named by a
 * non-root caller together with that caller's uid (nginx's worker, or a local
 * user's claim, which spends only that uid's budget), or a non-root local uid
 * that names no remote host.
 *
 * Each source has a bucket of `burst` failures that refills one failure per
 * `interval`. A source whose bucket is empty is blocked: its requests are
 * answered rate_limited without being examined. Only failures spend the
 * budget, and a key's own bucket never refuses its correct secret, so the
 * holder of a valid key is never locked out by someone failing elsewhere.
 * Memory is bounded: RL_SLOTS entries; a source with a full bucket needs no
 * entry, and when the table is full the least suspicious entry is reused. */
#ifndef APIKEYD_RATELIMIT_H
#define APIKEYD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

#define RL_SLOTS 4096
#define RL_PROBE 16
#define RL_DEFAULT_BURST 10
#define RL_DEFAULT_INTERVAL_MS 6000

enum rl_kind { RL_RHOST, RL_UID, RL_KEY, RL_UID_RHOST, _RL_KIND_MAX };

/* "<uid>/<rhost>" for RL_UID_RHOST, the longest name. */
#define RL_NAME_MAX (10 + 1 + PROTO_RHOST_MAX)

struct rl_entry {
        uint8_t kind; /* enum rl_kind; an unused slot has name[0] == '\0' */
        bool blocked;
        char name[RL_NAME_MAX + 1];
        double tokens;
        int64_t updated_ms;
        int64_t blocked_since; /* unix seconds */
        uint64_t failures;     /* while blocked or spending */
};

struct ratelimit {
        struct rl_entry *slots; /* RL_SLOTS */
        unsigned burst;
        uint64_t interval_ms;
};

const char *rl_kind_name(enum rl_kind k);
int rl_init(struct ratelimit *rl, unsigned burst, uint64_t interval_ms);
void rl_free(struct ratelimit *rl);

/* Whether the source is blocked now. *ret_ended is set when a block has just
 * run out (the caller audits the end of the lockout). */
bool rl_blocked(struct ratelimit *rl, enum rl_kind k, const char *name, int64_t now_ms, bool *ret_ended);
/* Spends one failure; true when this failure starts a block. */
bool rl_fail(struct ratelimit *rl, enum rl_kind k, const char *name, int64_t now_ms, int64_t now_s);
/* Calls fn for each blocked source (refreshing the buckets first). */
void rl_each_blocked(struct ratelimit *rl, int64_t now_ms, void (*fn)(const struct rl_entry *e, void *ud), void *ud);

#endif
