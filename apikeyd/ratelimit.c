/* ratelimit.c - failure buckets in a fixed-size hash table (see ratelimit.h). */
#include "ratelimit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rl_kind_name(enum rl_kind k)
{
        static const char *const names[_RL_KIND_MAX] = { [RL_RHOST] = "rhost", [RL_UID] = "uid", [RL_KEY] = "key",
                                                          [RL_UID_RHOST] = "uid/rhost" };

        return k < _RL_KIND_MAX ? names[k] : "?";
}

int rl_init(struct ratelimit *rl, unsigned burst, uint64_t interval_ms)
{
        rl->slots = calloc(RL_SLOTS, sizeof(*rl->slots));
        rl->burst = burst;
        rl->interval_ms = interval_ms ? interval_ms : 1;
        return rl->slots ? 0 : -ENOMEM;
}

void rl_free(struct ratelimit *rl)
{
        free(rl->slots);
        rl->slots = NULL;
}

/* FNV-1a over the kind and the name. */
static size_t slot_of(enum rl_kind k, const char *name)
{
        uint64_t h = 1469598103934665603ULL ^ (uint64_t)k;

        for (const unsigned char *p = (const unsigned char *)name; *p; p++)
                h = (h ^ *p) * 1099511628211ULL;
        return (size_t)(h % RL_SLOTS);
}

static void refill(const struct ratelimit *rl, struct rl_entry *e, int64_t now_ms)
{
        if (now_ms > e->updated_ms) {
                e->tokens += (double)(now_ms - e->updated_ms) / (double)rl->interval_ms;
                if (e->tokens > rl->burst)
                        e->tokens = rl->burst;
                e->updated_ms = now_ms;
        }
}

static bool same(const struct rl_entry *e, enum rl_kind k, const char *name)
{
        return e->name[0] && e->kind == k && strcmp(e->name, name) == 0;
}

static struct rl_entry *find(struct ratelimit *rl, enum rl_kind k, const char *name)
{
        size_t s = slot_of(k, name);

        for (size_t i = 0; i < RL_PROBE; i++) {
                struct rl_entry *e = &rl->slots[(s + i) % RL_SLOTS];
                if (same(e, k, name))
                        return e;
        }
        return NULL;
}

/* A slot for a new source: a free one, one whose bucket refilled (nothing to
 * remember), or the least suspicious of the probed ones. */
static struct rl_entry *claim(struct ratelimit *rl, enum rl_kind k, const char *name, int64_t now_ms)
{
        size_t s = slot_of(k, name);
        struct rl_entry *best = NULL;

        for (size_t i = 0; i < RL_PROBE; i++) {
                struct rl_entry *e = &rl->slots[(s + i) % RL_SLOTS];
                if (e->name[0])
                        refill(rl, e, now_ms);
                if (!e->name[0] || (!e->blocked && e->tokens >= rl->burst)) {
                        best = e;
                        break;
                }
                if (!best || (best->blocked && !e->blocked) || (best->blocked == e->blocked && e->tokens > best->tokens))
                        best = e;
        }
        *best = (struct rl_entry){ .kind = (uint8_t)k, .tokens = rl->burst, .updated_ms = now_ms };
        snprintf(best->name, sizeof(best->name), "%s", name);
        return best;
}

bool rl_blocked(struct ratelimit *rl, enum rl_kind k, const char *name, int64_t now_ms, bool *ret_ended)
{
        struct rl_entry *e = name && *name ? find(rl, k, name) : NULL;

        *ret_ended = false;
        if (!e)
                return false;
        refill(rl, e, now_ms);
        if (e->blocked && e->tokens >= 1) {
                e->blocked = false;
                *ret_ended = true;
        }
        return e->blocked;
}

bool rl_fail(struct ratelimit *rl, enum rl_kind k, const char *name, int64_t now_ms, int64_t now_s)
{
        struct rl_entry *e;

        if (!name || !*name || rl->burst == 0)
                return false;
        e = find(rl, k, name);
        if (!e)
                e = claim(rl, k, name, now_ms);
        refill(rl, e, now_ms);
        e->failures++;
        e->tokens = e->tokens >= 1 ? e->tokens - 1 : 0;
        if (e->blocked || e->tokens >= 1)
                return false;
        e->blocked = true;
        e->blocked_since = now_s;
        return true;
}

void rl_each_blocked(struct ratelimit *rl, int64_t now_ms, void (*fn)(const struct rl_entry *e, void *ud), void *ud)
{
        for (size_t i = 0; i < RL_SLOTS; i++) {
                struct rl_entry *e = &rl->slots[i];
                if (!e->name[0] || !e->blocked)
                        continue;
                refill(rl, e, now_ms);
                if (e->tokens < 1)
                        fn(e, ud);
        }
}
