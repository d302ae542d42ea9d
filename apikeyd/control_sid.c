/* control_sid.c - service IDs: named non-human identities, managed by admins
 * (the dispatch table lets only admins in); only root maps one to a local
 * account. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "restrict.h"

static uint64_t sid_key_count(struct ctl_ctx *c, const char *name)
{
        struct key_filter f = KEY_FILTER_ANY;
        uint64_t n = 0;

        f.owner_type = "service";
        f.owner_name = name;
        (void)store_key_count(c->d->store, &f, &n);
        return n;
}

static int send_sid_info(struct ctl_ctx *c, const struct sid_record *r)
{
        struct wire_buf b;

        wire_init(&b, MSG_SID_INFO);
        wire_put_str(&b, TAG_SERVICE_ID, r->name);
        wire_put_str(&b, TAG_DESCRIPTION, r->description);
        wire_put_str(&b, TAG_UNIX_USER, r->unix_user);
        if (r->unix_uid >= 0)
                wire_put_u32(&b, TAG_UNIX_UID, (uint32_t)r->unix_uid);
        wire_put_u32(&b, TAG_LOCKED, r->locked);
        wire_put_u64(&b, TAG_CREATED_AT, (uint64_t)r->created_at);
        wire_put_str(&b, TAG_CREATED_BY, r->created_by);
        wire_put_u64(&b, TAG_KEY_COUNT, sid_key_count(c, r->name));
        return peer_send(c->p, &b);
}

/* Reads the NAME of the request and, for the audit, its identity. */
static int read_name(struct ctl_ctx *c, char name[PROTO_SID_NAME_MAX + 1])
{
        ctl_get_str(c->m, TAG_SERVICE_ID, name, PROTO_SID_NAME_MAX + 1);
        if (!service_id_name_valid(name))
                return ctl_reply(c, STATUS_INVALID, "a service ID name is 1-64 of [a-z0-9._-], starting with a "
                                                    "letter or digit"), -EINVAL;
        snprintf(c->identity, sizeof(c->identity), "service:%s", name);
        return 0;
}

static int load(struct ctl_ctx *c, struct sid_record *r)
{
        char name[PROTO_SID_NAME_MAX + 1];
        int e;

        if (read_name(c, name) < 0)
                return -EINVAL;
        e = store_sid_get(c->d->store, name, r);
        if (e == -ENOENT)
                return ctl_replyf(c, STATUS_NOT_FOUND, "no service ID named %s (see 'apikeyctl service-id list')", name), e;
        if (e < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error"), e;
        return 0;
}

/* --unix-user: the account must exist now; "" removes the mapping. A
 * service ID mapped to an account logs in as it, so mapping one (or changing
 * or removing a mapping) is root's alone: an admin would otherwise become any
 * account, root included. */
static int read_unix_user(struct ctl_ctx *c, struct sid_record *r)
{
        char user[PROTO_USER_MAX + 1];
        uid_t uid;

        if (wire_get_str(c->m, TAG_UNIX_USER, user, sizeof(user)) < 0)
                return 0; /* not given: unchanged */
        if (strcmp(user, r->unix_user) == 0 && (!user[0] || account_matches(user, (uint32_t)r->unix_uid) > 0))
                return 0; /* the same mapping, to the same uid: no change */
        if (!ctl_is_root(c))
                return ctl_reply(c, STATUS_PERMISSION, "only root may map a service ID to a local account or "
                                                       "change its mapping (--unix-user)"), -EPERM;
        if (!user[0]) {
                snprintf(c->detail, sizeof(c->detail), "mapping to %s removed", r->unix_user);
                r->unix_user[0] = '\0';
                r->unix_uid = -1;
                return 0;
        }
        if (account_uid(user, &uid) < 0)
                return ctl_replyf(c, STATUS_NOT_FOUND, "no local account named %s (for --unix-user)", user), -ENOENT;
        snprintf(c->detail, sizeof(c->detail), "mapped to %s (uid %u)", user, (unsigned)uid);
        snprintf(r->unix_user, sizeof(r->unix_user), "%s", user);
        r->unix_uid = (int64_t)uid;
        return 0;
}

/* An unmapped service ID logs in under its own name: that name must be no
 * local account (auth.c checks it again at every login, since accounts come
 * later too). */
static int refuse_account_name(struct ctl_ctx *c, const struct sid_record *r)
{
        char msg[PROTO_MESSAGE_MAX + 1];
        int e;

        if (r->unix_user[0])
                return 0;
        e = account_uid(r->name, &(uid_t){ 0 });
        if (e == -ENOENT)
                return 0;
        if (e < 0)
                return ctl_reply(c, STATUS_INTERNAL, "could not look the name up in the account database"), e;
        snprintf(msg, sizeof(msg), "%s is a local account, and a service ID without --unix-user logs in under "
                 "its own name; choose another name (or, as root, map it with --unix-user)", r->name);
        return ctl_reply(c, STATUS_EXISTS, msg), -EEXIST;
}

static int answer(struct ctl_ctx *c, const struct sid_record *r)
{
        send_sid_info(c, r);
        return ctl_reply(c, STATUS_OK, NULL);
}

int cmd_sid_create(struct ctl_ctx *c)
{
        struct sid_record r = { .unix_uid = -1, .created_at = now_seconds() };
        int e;

        if (read_name(c, r.name) < 0 || read_unix_user(c, &r) < 0 || refuse_account_name(c, &r) < 0)
                return 0;
        ctl_get_str(c->m, TAG_DESCRIPTION, r.description, sizeof(r.description));
        snprintf(r.created_by, sizeof(r.created_by), "%s", c->caller[0] ? c->caller : "?");
        e = store_sid_insert(c->d->store, &r);
        if (e == -EEXIST)
                return ctl_replyf(c, STATUS_EXISTS, "a service ID named %s exists already", r.name);
        if (e < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        return answer(c, &r);
}

static int list_one(const struct sid_record *r, void *userdata)
{
        return send_sid_info(userdata, r);
}

int cmd_sid_list(struct ctl_ctx *c)
{
        if (store_sid_list(c->d->store, list_one, c) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        return ctl_reply(c, STATUS_OK, NULL);
}

int cmd_sid_show(struct ctl_ctx *c)
{
        struct sid_record r;

        return load(c, &r) < 0 ? 0 : answer(c, &r);
}

int cmd_sid_update(struct ctl_ctx *c)
{
        struct sid_record r;
        uint64_t keys;
        bool mapped;
        int e;

        if (load(c, &r) < 0)
                return 0;
        mapped = r.unix_user[0] != '\0';
        if (read_unix_user(c, &r) < 0 || (mapped && refuse_account_name(c, &r) < 0))
                return 0;
        /* Absent fields stay as they are. */
        (void)wire_get_str(c->m, TAG_DESCRIPTION, r.description, sizeof(r.description));
        if ((e = store_sid_update(c->d->store, &r)) < 0)
                return ctl_store_error(c, e);
        /* Root's re-mapping carries the keys already out there to the new
         * account: the audit says how many. */
        keys = c->detail[0] ? sid_key_count(c, r.name) : 0;
        if (keys) {
                size_t n = strlen(c->detail);
                snprintf(c->detail + n, sizeof(c->detail) - n, "; its %llu existing keys follow the mapping",
                         (unsigned long long)keys);
        }
        return answer(c, &r);
}

static int set_locked(struct ctl_ctx *c, bool locked)
{
        struct sid_record r;
        int e;

        if (load(c, &r) < 0)
                return 0;
        r.locked = locked;
        if ((e = store_sid_update(c->d->store, &r)) < 0)
                return ctl_store_error(c, e);
        return answer(c, &r);
}

int cmd_sid_lock(struct ctl_ctx *c)
{
        return set_locked(c, true);
}

int cmd_sid_unlock(struct ctl_ctx *c)
{
        return set_locked(c, false);
}

static int delete_key(const struct key_record *k, void *userdata)
{
        struct ctl_ctx *c = userdata;

        if (k->locked) {
                snprintf(c->detail, sizeof(c->detail), "key %s is locked", k->id);
                return -EPERM;
        }
        return store_key_delete(c->d->store, k->id);
}

/* The service ID and (--force) its keys, in one transaction. */
static int delete_with_keys(struct ctl_ctx *c, const struct sid_record *r)
{
        struct key_filter f = KEY_FILTER_ANY;
        int e = store_begin(c->d->store);

        f.owner_type = "service";
        f.owner_name = r->name;
        if (e == 0)
                e = store_key_list(c->d->store, &f, delete_key, c);
        if (e == 0)
                e = store_sid_delete(c->d->store, r->name);
        if (e == 0)
                e = store_commit(c->d->store);
        if (e < 0)
                store_rollback(c->d->store);
        return e;
}

int cmd_sid_delete(struct ctl_ctx *c)
{
        struct sid_record r;
        uint64_t keys;
        char msg[160];
        int e;

        if (load(c, &r) < 0)
                return 0;
        if (r.locked)
                return ctl_replyf(c, STATUS_LOCKED, "service ID %s is locked: unlock it first", r.name);
        keys = sid_key_count(c, r.name);
        if (keys && !(c->flags & CTL_FLAG_FORCE)) {
                snprintf(msg, sizeof(msg), "service ID %s still has %llu key%s; delete %s or use --force", r.name,
                         (unsigned long long)keys, keys == 1 ? "" : "s", keys == 1 ? "it" : "them");
                return ctl_reply(c, STATUS_EXISTS, msg);
        }
        e = delete_with_keys(c, &r);
        if (e == -EPERM) {
                snprintf(msg, sizeof(msg), "%.100s; unlock it first", c->detail);
                return ctl_reply(c, STATUS_LOCKED, msg);
        }
        if (e < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error");
        if (keys)
                snprintf(c->detail, sizeof(c->detail), "deleted with its %llu keys", (unsigned long long)keys);
        return ctl_reply(c, STATUS_OK, NULL);
}
