/* leak.c - a key found where it should not be (typed as a user name, or
 * found by `apikeyctl scan`): apply the key's leak action and audit it.
 * A locked key found leaked is still disabled — a leak outranks the lock —
 * but never deleted. Only an admin enables a key a leak disabled. */
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

static const char *apply(struct daemon *d, const struct key_record *k)
{
        const char *action = k->leak_action[0] ? k->leak_action : "disable";

        if (strcmp(action, "none") == 0)
                return "none";
        if (strcmp(action, "delete") == 0 && !k->locked) {
                /* A pending successor takes its predecessors with it (rotation.c). */
                if (k->retires[0] &&
                    rotation_bound_chain(d, k->retires, now_seconds(), true, "successor deleted as leaked") < 0)
                        return "failed";
                return store_key_delete(d->store, k->id) == 0 ? "deleted" : "failed";
        }
        /* Already disabled by an admin or a leak: nothing to do, and not
         * counted as disabled. Disabled by its owner: now by the leak, which
         * the owner cannot undo. */
        if (strcmp(k->state, "disabled") == 0 && strcmp(k->disabled_by, "owner") != 0)
                return "already_disabled";
        return store_key_set_state(d->store, k->id, "disabled", "leak") == 0 ? "disabled" : "failed";
}

const char *leak_apply(struct daemon *d, const struct key_record *k, const char *how, const struct peer *p,
                       const char *caller)
{
        struct audit_record a = { .event = "leak", .result = "leaked", .action = "leak" };
        const char *done;

        (void)store_set_durable(d->store, true); /* a revocation survives a power loss */
        done = apply(d, k);
        (void)store_set_durable(d->store, false);

        snprintf(a.key_id, sizeof(a.key_id), "%s", k->id);
        key_identity(k, a.identity, sizeof(a.identity));
        snprintf(a.caller, sizeof(a.caller), "%s", caller ? caller : "");
        snprintf(a.detail, sizeof(a.detail), "%s; leak action %s: %s", how,
                 k->leak_action[0] ? k->leak_action : "disable", done);
        a.peer_uid = (uint32_t)p->uid;
        a.peer_pid = (uint32_t)p->pid;
        audit_add(d, &a);
        return done;
}
