/* control_keys.c - commands on keys: create, list, show, disable, enable,
 * delete, lock, unlock, rotate, and leak reports from `apikeyctl scan`. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "duration.h"
#include "log.h"
#include "restrict.h"

void ctl_mint_credentials(struct ctl_ctx *c, struct key_record *k, char key[KEY_LEN + 1])
{
        char secret[KEY_SECRET_LEN + 1];

        hashkey_mint(k->id, secret);
        hashkey_hash(key_hashkey(c->d, ""), k->id, secret, k->hash);
        /* Both parts come from the minting alphabets: formatting cannot fail. */
        (void)key_format(k->id, secret, key, KEY_LEN + 1);
        sodium_memzero(secret, sizeof(secret));
}

int ctl_mint(struct ctl_ctx *c, struct key_record *k, char key[KEY_LEN + 1])
{
        int r = -EEXIST;

        /* 36^12 IDs: a collision is astronomically rare, but never fatal. */
        for (int attempt = 0; attempt < 3 && r == -EEXIST; attempt++) {
                ctl_mint_credentials(c, k, key);
                r = store_key_insert(c->d->store, k);
        }
        if (r == 0) {
                snprintf(c->key_id, sizeof(c->key_id), "%s", k->id);
                key_identity(k, c->identity, sizeof(c->identity));
        }
        return r;
}

int ctl_reply_new_key(struct ctl_ctx *c, const struct key_record *k, const char *key)
{
        struct wire_buf b;
        int r;

        ctl_send_key_info(c, k);
        c->status = STATUS_OK;
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        wire_put_str(&b, TAG_KEY_ID, k->id);
        wire_put_str(&b, TAG_KEY, key);
        r = peer_send(c->p, &b);
        wire_wipe(&b);
        return r;
}

/* --expires, bounded by the daemon's maximum lifetime (which is also the
 * default expiry when one is set). */
static int resolve_expiry(struct ctl_ctx *c, int64_t now, int64_t *ret)
{
        uint64_t want = 0;
        char msg[128];

        (void)wire_get_u64(c->m, TAG_EXPIRES_AT, &want);
        if (want > (uint64_t)INT64_MAX)
                return ctl_reply(c, STATUS_INVALID, "the expiry is not a valid time"), -EINVAL;
        if (want && (int64_t)want <= now)
                return ctl_reply(c, STATUS_INVALID, "the expiry is in the past"), -EINVAL;
        if (c->d->max_lifetime_sec) {
                int64_t limit = time_add_sat(now, c->d->max_lifetime_sec);
                if (!want)
                        want = (uint64_t)limit;
                if ((int64_t)want > limit) {
                        uint64_t s = c->d->max_lifetime_sec;
                        uint64_t unit = s % 86400 == 0 ? 86400 : s % 3600 == 0 ? 3600 : s % 60 == 0 ? 60 : 1;
                        char u = unit == 86400 ? 'd' : unit == 3600 ? 'h' : unit == 60 ? 'm' : 's';

                        snprintf(msg, sizeof(msg), "the expiry is beyond the longest key lifetime apikeyd allows "
                                 "(max-lifetime = %" PRIu64 "%c): give --expires %" PRIu64 "%c or less", s / unit, u,
                                 s / unit, u);
                        return ctl_reply(c, STATUS_LIMIT, msg), -ERANGE;
                }
        }
        *ret = (int64_t)want;
        return 0;
}

/* Restrictions, leak action, usage limit, name and description. */
static int read_attributes(struct ctl_ctx *c, struct key_record *k)
{
        ctl_get_str(c->m, TAG_NAME, k->name, sizeof(k->name));
        ctl_get_str(c->m, TAG_DESCRIPTION, k->description, sizeof(k->description));
        ctl_get_str(c->m, TAG_SERVICES, k->services, sizeof(k->services));
        ctl_get_str(c->m, TAG_SOURCES, k->sources, sizeof(k->sources));
        ctl_get_str(c->m, TAG_LEAK_ACTION, k->leak_action, sizeof(k->leak_action));
        (void)wire_get_u64(c->m, TAG_MAX_USES, &k->max_uses);
        if (!k->leak_action[0])
                snprintf(k->leak_action, sizeof(k->leak_action), "disable");
        if (k->services[0] && !service_list_valid(k->services))
                return ctl_reply(c, STATUS_INVALID, "invalid --service list"), -EINVAL;
        if (k->sources[0] && !cidr_list_valid(k->sources))
                return ctl_reply(c, STATUS_INVALID, "invalid --from list (CIDRs)"), -EINVAL;
        if (strcmp(k->leak_action, "disable") != 0 && strcmp(k->leak_action, "delete") != 0 &&
            strcmp(k->leak_action, "none") != 0)
                return ctl_reply(c, STATUS_INVALID, "the leak action is disable, delete or none"), -EINVAL;
        return 0;
}

/* Who the new key belongs to: the caller, or (admins) a service ID. */
static int read_owner(struct ctl_ctx *c, struct key_record *k)
{
        char sid[PROTO_SID_NAME_MAX + 1];
        struct sid_record rec;

        ctl_get_str(c->m, TAG_SERVICE_ID, sid, sizeof(sid));
        if (!sid[0]) {
                if (!c->caller[0])
                        return ctl_reply(c, STATUS_PERMISSION, "your uid has no account name; keys belong to "
                                                               "accounts"), -EPERM;
                snprintf(k->kind, sizeof(k->kind), "%s", (c->flags & CTL_FLAG_CLASSIC) ? "classic" : "user");
                snprintf(k->owner_type, sizeof(k->owner_type), "user");
                snprintf(k->owner_name, sizeof(k->owner_name), "%s", c->caller);
                k->owner_uid = c->p->uid;
                return 0;
        }
        if (!c->admin)
                return ctl_reply(c, STATUS_PERMISSION, "only admins create keys for service IDs"), -EPERM;
        if (c->flags & CTL_FLAG_CLASSIC)
                return ctl_reply(c, STATUS_INVALID, "classic keys belong to users, not service IDs"), -EINVAL;
        if (store_sid_get(c->d->store, sid, &rec) < 0)
                return ctl_replyf(c, STATUS_NOT_FOUND, "no service ID named %s", sid), -ENOENT;
        if (!ctl_may_mint_for_sid(c, &rec)) {
                snprintf(c->deny, sizeof(c->deny), "service ID %.64s acts as the local account %.256s: only root "
                         "may create its keys", rec.name, rec.unix_user);
                return ctl_reply(c, STATUS_PERMISSION, c->deny), -EPERM;
        }
        snprintf(k->kind, sizeof(k->kind), "service");
        snprintf(k->owner_type, sizeof(k->owner_type), "service");
        snprintf(k->owner_name, sizeof(k->owner_name), "%s", sid);
        return 0;
}

static int find_classic(const struct key_record *k, void *userdata)
{
        if (k->rotated_to[0])
                return 0;
        *(struct key_record *)userdata = *k;
        return -ECANCELED;
}

/* The caller's current classic key, if any: 1 and *ret, or 0. */
static int current_classic(struct ctl_ctx *c, struct key_record *ret)
{
        struct key_filter f = { .owner_type = "user", .owner_name = c->caller, .owner_uid = c->p->uid,
                                .kind = "classic", .orphaned = ORPHANED_EXCLUDE };
        int r = store_key_list(c->d->store, &f, find_classic, ret);

        return r == -ECANCELED ? 1 : r;
}

int ctl_check_limit(struct ctl_ctx *c, const struct key_record *k, bool frees_one, int64_t now)
{
        struct key_filter f = { .owner_type = k->owner_type, .owner_name = k->owner_name, .owner_uid = -1,
                                .live_at = now, .orphaned = ORPHANED_EXCLUDE };
        bool user = strcmp(k->owner_type, "user") == 0;
        uint64_t count, limit = user ? c->d->max_keys_per_user : c->d->max_keys_per_sid;
        char msg[160];

        if (user)
                f.owner_uid = k->owner_uid;
        if (store_key_count(c->d->store, &f, &count) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error"), -EIO;
        if (count < limit || frees_one)
                return 0;
        snprintf(msg, sizeof(msg), "the maximum of %" PRIu64 " keys that still work is reached; delete one first",
                 limit);
        return ctl_reply(c, STATUS_LIMIT, msg), -ERANGE;
}

/* A classic key: at most one; --replace swaps it in one transaction, so the
 * old key stops working at the instant the new one exists. */
static int classic_conflict(struct ctl_ctx *c, struct key_record *old, bool *ret_replacing)
{
        int r;

        *ret_replacing = false;
        if (strcmp(c->key.kind, "classic") != 0)
                return 0;
        r = current_classic(c, old);
        if (r < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error"), r;
        if (r == 0)
                return 0;
        if (!(c->flags & CTL_FLAG_REPLACE)) {
                char msg[160];
                snprintf(msg, sizeof(msg), "you already have a classic key (%s); use --classic --replace to swap it",
                         old->id);
                return ctl_reply(c, STATUS_EXISTS, msg), -EEXIST;
        }
        if (old->locked && !ctl_may_undo(c, old->locked_by))
                return ctl_reply(c, STATUS_LOCKED, ctl_undo_denied(c, "lock", old->locked_by)), -EPERM;
        if (old->locked)
                return ctl_replyf(c, STATUS_LOCKED, "your classic key %s is locked; unlock it first", old->id), -EPERM;
        *ret_replacing = true;
        return 0;
}

static int store_new_key(struct ctl_ctx *c, struct key_record *k, const struct key_record *replaced,
                         char key[KEY_LEN + 1])
{
        int r = store_begin(c->d->store);

        if (r == 0 && replaced)
                r = store_key_delete(c->d->store, replaced->id);
        if (r == 0)
                r = ctl_mint(c, k, key);
        if (r == 0)
                r = store_commit(c->d->store);
        if (r < 0) {
                store_rollback(c->d->store);
                return ctl_reply(c, STATUS_INTERNAL, "could not store the new key"), r;
        }
        if (replaced)
                snprintf(c->detail, sizeof(c->detail), "replaced classic key %s", replaced->id);
        return 0;
}

int cmd_create(struct ctl_ctx *c)
{
        struct key_record *k = &c->key, old;
        int64_t now = now_seconds();
        char key[KEY_LEN + 1];
        bool replacing;
        int r;

        if ((c->flags & CTL_FLAG_REPLACE) && !(c->flags & CTL_FLAG_CLASSIC))
                return ctl_reply(c, STATUS_INVALID, "--replace goes with --classic");
        *k = (struct key_record){ .state = "active", .created_at = now };
        snprintf(k->created_by, sizeof(k->created_by), "%s", c->caller[0] ? c->caller : "?");
        if (read_owner(c, k) < 0 || read_attributes(c, k) < 0 || resolve_expiry(c, now, &k->expires_at) < 0 ||
            classic_conflict(c, &old, &replacing) < 0 ||
            ctl_check_limit(c, k, replacing && !key_is_expired(&old, now), now) < 0)
                return 0; /* answered */
        /* store_new_key answers its own failure; what remains to report is a
         * reply that could not be sent. */
        r = store_new_key(c, k, replacing ? &old : NULL, key) == 0 ? ctl_reply_new_key(c, k, key) : 0;
        sodium_memzero(key, sizeof(key));
        return r;
}

/* list --user NAME: the keys of the account NAME is now (its uid, none of
 * an older account's of that name: those are orphaned); when NAME is no
 * account any more, whatever keys it left, for an admin to purge. */
static void list_user_filter(struct key_filter *f, const char *user)
{
        uid_t uid;

        f->owner_type = "user", f->owner_name = user;
        if (account_uid(user, &uid) == 0)
                f->owner_uid = uid, f->orphaned = ORPHANED_EXCLUDE;
}

/* Which keys a list request asks for, and whether the caller may see them. */
static int list_filter(struct ctl_ctx *c, struct key_filter *f, char *user, char *sid)
{
        uint64_t inactive = 0;

        ctl_get_str(c->m, TAG_FILTER_USER, user, PROTO_USER_MAX + 1);
        ctl_get_str(c->m, TAG_SERVICE_ID, sid, PROTO_SID_NAME_MAX + 1);
        *f = (struct key_filter)KEY_FILTER_ANY;
        /* Longer than the clock has run: no key qualifies (0 would mean no
         * filter; -1 is before every creation). */
        if (wire_get_u64(c->m, TAG_INACTIVE, &inactive) == 0)
                f->unused_since = time_sub_sat(now_seconds(), inactive) ?: -1;
        if (sid[0])
                f->owner_type = "service", f->owner_name = sid;
        else if (user[0])
                list_user_filter(f, user);
        else if (!(c->flags & CTL_FLAG_ALL))
                f->owner_type = "user", f->owner_name = c->caller, f->owner_uid = c->p->uid,
                f->orphaned = ORPHANED_EXCLUDE;
        if (c->admin || (!sid[0] && !(c->flags & CTL_FLAG_ALL) && (!user[0] || strcmp(user, c->caller) == 0)))
                return 0;
        return ctl_reply(c, STATUS_PERMISSION, "only root and members of the admin group may list other "
                                               "users' or service IDs' keys"), -EPERM;
}

int cmd_list(struct ctl_ctx *c)
{
        char user[PROTO_USER_MAX + 1], sid[PROTO_SID_NAME_MAX + 1];
        struct key_filter f;

        if (list_filter(c, &f, user, sid) < 0)
                return 0;
        if (!f.owner_name && !(c->flags & CTL_FLAG_ALL) && !c->admin)
                return ctl_reply(c, STATUS_OK, NULL);
        if (f.owner_name && !f.owner_name[0])
                return ctl_reply(c, STATUS_OK, NULL); /* no account, no keys */
        /* --inactive filters on the store's last use: the pending uses are
         * written first (other lists show them anyway, from memory). */
        return ctl_page_keys(c, &f, f.unused_since != 0);
}

int cmd_show(struct ctl_ctx *c)
{
        ctl_send_key_info(c, &c->key);
        return ctl_reply(c, STATUS_OK, NULL);
}

/* Who the caller acts as on the target key: its owner, or an admin (the
 * table let no one else in). */
static const char *acting_as(const struct ctl_ctx *c)
{
        return ctl_caller_owns(c, &c->key) ? "owner" : "admin";
}

bool ctl_may_undo(const struct ctl_ctx *c, const char *by)
{
        return c->admin || !by[0] || strcmp(by, "owner") == 0;
}

const char *ctl_undo_denied(struct ctl_ctx *c, const char *what, const char *by)
{
        snprintf(c->deny, sizeof(c->deny), "%s; only an admin can undo it (you may still delete the key)",
                 strcmp(by, "leak") == 0 ? "the key was disabled when it was found leaked"
                 : strcmp(what, "lock") == 0 ? "an admin locked this key"
                                             : "an admin disabled this key");
        return c->deny;
}

static int refuse_locked(struct ctl_ctx *c)
{
        if (!c->key.locked)
                return 0;
        if (!ctl_may_undo(c, c->key.locked_by))
                return ctl_reply(c, STATUS_LOCKED, ctl_undo_denied(c, "lock", c->key.locked_by)), -EPERM;
        return ctl_replyf(c, STATUS_LOCKED, "key %s is locked: unlock it first ('apikeyctl unlock %s')", c->key.id,
                          c->key.id), -EPERM;
}

static int save(struct ctl_ctx *c)
{
        int r = store_key_update(c->d->store, &c->key);

        if (r < 0)
                return ctl_store_error(c, r);
        return ctl_reply(c, STATUS_OK, NULL);
}

/* Disabling or locking again records the stronger party: an owner's repeat
 * never weakens an admin's or a leak's. */
static void mark(const struct ctl_ctx *c, char by[STORE_KIND_MAX])
{
        if (ctl_may_undo(c, by))
                snprintf(by, STORE_KIND_MAX, "%s", acting_as(c));
}

int cmd_disable(struct ctl_ctx *c)
{
        if (refuse_locked(c) < 0)
                return 0;
        if (strcmp(c->key.state, "active") != 0 && !c->key.disabled_by[0])
                snprintf(c->key.disabled_by, sizeof(c->key.disabled_by), "admin"); /* cannot tell: fail closed */
        mark(c, c->key.disabled_by);
        snprintf(c->key.state, sizeof(c->key.state), "disabled");
        snprintf(c->detail, sizeof(c->detail), "disabled by %s", c->key.disabled_by);
        return save(c);
}

/* The key logs in as uid 0: root's own key, or a service ID mapped to it. */
static bool logs_in_as_root(const struct ctl_ctx *c)
{
        if (strcmp(c->key.owner_type, "user") == 0)
                return c->key.owner_uid == 0;
        return c->sid.unix_user[0] && c->sid.unix_uid == 0;
}

int cmd_enable(struct ctl_ctx *c)
{
        if (strcmp(c->key.state, "active") != 0 && !ctl_may_undo(c, c->key.disabled_by))
                return ctl_reply(c, STATUS_PERMISSION, ctl_undo_denied(c, "disable", c->key.disabled_by));
        /* An admin who saw a leaked root key must not bring it back to life:
         * uid 0 is root's to grant. */
        if (strcmp(c->key.state, "active") != 0 && logs_in_as_root(c) && !ctl_is_root(c))
                return ctl_reply(c, STATUS_PERMISSION, "the key logs in as root (uid 0): only root may enable it");
        snprintf(c->key.state, sizeof(c->key.state), "active");
        c->key.disabled_by[0] = '\0';
        return save(c);
}

int cmd_lock(struct ctl_ctx *c)
{
        mark(c, c->key.locked_by);
        c->key.locked = true;
        snprintf(c->detail, sizeof(c->detail), "locked by %s", c->key.locked_by);
        return save(c);
}

int cmd_unlock(struct ctl_ctx *c)
{
        if (c->key.locked && !ctl_may_undo(c, c->key.locked_by))
                return ctl_reply(c, STATUS_PERMISSION, ctl_undo_denied(c, "lock", c->key.locked_by));
        c->key.locked = false;
        c->key.locked_by[0] = '\0';
        return save(c);
}

/* A locked key is not deleted, except by its owner when an admin locked
 * it: the owner cannot unlock it, and may always give up their own key.
 * Deleting a successor still waiting for its first use ends the keys it
 * was to retire, at once: an old key never outlives its rotation. (To keep
 * the old key while replacing a lost successor, rotate the successor
 * instead.) */
int cmd_delete(struct ctl_ctx *c)
{
        bool owner_over_admin_lock = c->key.locked && !ctl_may_undo(c, c->key.locked_by);
        char why[96];
        int n = 0;

        if (!owner_over_admin_lock && refuse_locked(c) < 0)
                return 0;
        snprintf(why, sizeof(why), "successor %s deleted before its first use", c->key.id);
        if (c->key.retires[0] && (n = rotation_bound_chain(c->d, c->key.retires, now_seconds(), true, why)) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "could not retire the key's predecessor; nothing deleted");
        if (store_key_delete(c->d->store, c->key.id) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        if (owner_over_admin_lock)
                snprintf(c->detail, sizeof(c->detail), "deleted by its owner while locked by an admin");
        else if (n > 0)
                snprintf(c->detail, sizeof(c->detail), "its predecessor %s was retired with it", c->key.retires);
        return ctl_reply(c, STATUS_OK, NULL);
}
