/* orphan.c - keys whose account is gone.
 *
 * A key stores its owner's name and uid, and both must match NSS at every
 * login. But `userdel alice; useradd alice` hands out the same name and (on
 * Debian) the same uid again, and the new account would inherit the old
 * keys. So once the daemon sees an account missing — at a login, at start,
 * at every scan (--orphan-scan-interval), or when userdel's hook says so
 * (apikeyctl purge-user) — it marks each of its keys orphaned, for good,
 * with an audit record; an "orphan" record for the identity itself marks
 * where the old account's audit history ends, so that a new account of the
 * same name does not read it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

struct orphaning {
        struct daemon *d;
        int64_t keep_uid; /* the account's current uid, or -1 when it is gone */
        int64_t now;
        const char *why;
        unsigned marked;
        int error;
};

static int orphan_one(const struct key_record *k, void *userdata)
{
        struct orphaning *o = userdata;
        struct audit_record a = { .event = "orphan", .result = "orphaned", .action = "orphan" };
        int r;

        if (o->keep_uid >= 0 && (int64_t)k->owner_uid == o->keep_uid)
                return 0; /* the account of that name now: its keys are its own */
        r = store_key_set_orphaned(o->d->store, k->id, o->now);
        if (r == -ENOENT || r == -EBADMSG) /* already; or a tampered row, which never logs in anyway */
                return 0;
        if (r < 0) {
                o->error = r;
                return 0;
        }
        snprintf(a.key_id, sizeof(a.key_id), "%s", k->id);
        key_identity(k, a.identity, sizeof(a.identity));
        snprintf(a.detail, sizeof(a.detail), "%s (owner uid %" PRIu32 "); the key is dead for good", o->why,
                 k->owner_uid);
        audit_add(o->d, &a);
        o->marked++;
        return 0;
}

int orphan_account(struct daemon *d, const char *name, int64_t keep_uid, const char *why)
{
        struct orphaning o = { .d = d, .keep_uid = keep_uid, .now = now_seconds(), .why = why };
        struct key_filter f = { .owner_type = "user", .owner_name = name, .owner_uid = -1,
                                .orphaned = ORPHANED_EXCLUDE };
        struct audit_record a = { .event = "orphan", .result = "ok", .action = "account-gone" };
        int r;

        (void)store_set_durable(d->store, true); /* a revocation survives a power loss */
        r = store_key_list(d->store, &f, orphan_one, &o);
        (void)store_set_durable(d->store, false);
        if (r == 0)
                r = o.error;
        if (r < 0) {
                log_error("could not mark the keys of the deleted account %s orphaned", name);
                return r;
        }
        /* Where the old account's history ends for a new one of that name. */
        snprintf(a.identity, sizeof(a.identity), "user:%s", name);
        snprintf(a.detail, sizeof(a.detail), "%s; %u keys orphaned", why, o.marked);
        audit_add(d, &a);
        if (o.marked)
                log_info("account %s: %s; %u keys orphaned for good", name, why, o.marked);
        return (int)o.marked;
}

int orphan_check_account(struct daemon *d, const char *name, uint32_t uid, const char *why)
{
        uid_t now_uid;
        int m = account_matches(name, uid), r;

        if (m != 0)
                return m < 0 ? m : 0; /* there, or NSS cannot tell: never orphan on an error */
        r = account_uid(name, &now_uid);
        if (r < 0 && r != -ENOENT)
                return r;
        return orphan_account(d, name, r == 0 ? (int64_t)now_uid : -1, why);
}

struct owner_list {
        char (*names)[PROTO_USER_MAX + 1];
        uint32_t *uids;
        size_t n, cap;
};

static int collect_owner(const char *name, uint32_t uid, void *userdata)
{
        struct owner_list *l = userdata;

        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 64;
                void *names = reallocarray(l->names, cap, sizeof(*l->names));
                void *uids = names ? reallocarray(l->uids, cap, sizeof(*l->uids)) : NULL;

                if (names)
                        l->names = names;
                if (!uids)
                        return -ENOMEM;
                l->uids = uids;
                l->cap = cap;
        }
        snprintf(l->names[l->n], sizeof(l->names[l->n]), "%s", name);
        l->uids[l->n++] = uid;
        return 0;
}

int orphan_scan(struct daemon *d)
{
        struct owner_list l = { 0 };
        int r, found = 0;

        /* Listed first, changed after: no writes under an open SELECT. */
        r = store_key_owners(d->store, collect_owner, &l);
        for (size_t i = 0; r >= 0 && i < l.n; i++) {
                int n = orphan_check_account(d, l.names[i], l.uids[i], "the account no longer exists");
                if (n > 0)
                        found += n;
        }
        free(l.names);
        free(l.uids);
        if (r < 0)
                log_error("could not look for keys of deleted accounts: %s", strerror(-r));
        return r < 0 ? r : found;
}

int orphan_audit_cutoff(struct daemon *d, const char *name, uint64_t *ret_seq)
{
        char identity[PROTO_IDENTITY_MAX + 1];

        snprintf(identity, sizeof(identity), "user:%s", name);
        return store_audit_last_event(d->store, identity, "orphan", ret_seq);
}
