/* control.c - the control socket: create, list, show, disable, enable,
 * delete, status. Each command has a row in one table saying who may send
 * it; handlers never see a caller the table refused. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"

/* Who may run a command on a key. */
enum permission {
        PERM_ANY,            /* any local caller, on their own keys */
        PERM_OWNER,          /* only the key's owner */
        PERM_OWNER_OR_ADMIN, /* the key's owner or an admin */
};

struct ctl_ctx {
        struct daemon *d;
        const struct peer *p;
        char caller[PROTO_USER_MAX + 1]; /* "" when the uid has no account */
        bool admin;
        char key_id[KEY_ID_LEN + 1];
        struct key_record key; /* the target key, for commands on one key */
        enum ctl_status status;  /* what we answered, for the log */
};

struct ctl_handler {
        enum permission perm;
        bool needs_key; /* the request names a key, loaded before the check */
        int (*run)(struct ctl_ctx *c, const struct wire_msg *m);
};

static int reply(struct ctl_ctx *c, enum ctl_status status, const char *message)
{
        struct wire_buf b;

        c->status = status;
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, status);
        wire_put_str(&b, TAG_MESSAGE, message);
        return peer_send(c->p, &b);
}

static int send_key_info(const struct peer *p, const struct key_record *k)
{
        char identity[PROTO_IDENTITY_MAX + 1];
        struct wire_buf b;

        snprintf(identity, sizeof(identity), "%s:%s", k->owner_type, k->owner_name);
        wire_init(&b, MSG_KEY_INFO);
        wire_put_str(&b, TAG_KEY_ID, k->id);
        wire_put_str(&b, TAG_KIND, k->kind);
        wire_put_str(&b, TAG_IDENTITY, identity);
        wire_put_u32(&b, TAG_OWNER_UID, k->owner_uid);
        wire_put_str(&b, TAG_OWNER_NAME, k->owner_name);
        wire_put_str(&b, TAG_NAME, k->name);
        wire_put_str(&b, TAG_DESCRIPTION, k->description);
        wire_put_str(&b, TAG_STATE, k->state);
        wire_put_u64(&b, TAG_CREATED_AT, (uint64_t)k->created_at);
        wire_put_str(&b, TAG_CREATED_BY, k->created_by);
        wire_put_u64(&b, TAG_LAST_USED_AT, (uint64_t)k->last_used_at);
        if (k->last_used_from[0])
                wire_put_str(&b, TAG_LAST_USED_FROM, k->last_used_from);
        if (k->last_used_service[0])
                wire_put_str(&b, TAG_LAST_USED_SERVICE, k->last_used_service);
        wire_put_u64(&b, TAG_USE_COUNT, k->use_count);
        return peer_send(p, &b);
}

static bool caller_owns(const struct ctl_ctx *c)
{
        return c->caller[0] && strcmp(c->key.owner_type, "user") == 0 && c->key.owner_uid == c->p->uid &&
               strcmp(c->key.owner_name, c->caller) == 0;
}

static bool permitted(const struct ctl_ctx *c, enum permission perm)
{
        switch (perm) {
        case PERM_ANY:
                return true;
        case PERM_OWNER:
                return caller_owns(c);
        case PERM_OWNER_OR_ADMIN:
                return caller_owns(c) || c->admin;
        }
        return false;
}

/* Reads an optional string field; anything over its bound was already
 * refused by the codec. */
static void get_opt_str(const struct wire_msg *m, uint8_t tag, char *out, size_t outsz)
{
        if (wire_get_str(m, tag, out, outsz) < 0)
                out[0] = '\0';
}

static int mint_and_store(struct ctl_ctx *c, struct key_record *k, char key[KEY_LEN + 1])
{
        char secret[KEY_SECRET_LEN + 1];
        int r = -EEXIST;

        /* 36^12 IDs: a collision is astronomically rare, but never fatal. */
        for (int attempt = 0; attempt < 3 && r == -EEXIST; attempt++) {
                hashkey_mint(k->id, secret);
                hashkey_hash(&c->d->hashkey, k->id, secret, k->hash);
                r = key_format(k->id, secret, key, KEY_LEN + 1);
                if (r == 0)
                        r = store_key_insert(c->d->store, k);
        }
        sodium_memzero(secret, sizeof(secret));
        return r;
}

static int cmd_create(struct ctl_ctx *c, const struct wire_msg *m)
{
        struct key_record k = { .kind = "user", .owner_type = "user", .state = "active" };
        char key[KEY_LEN + 1];
        struct wire_buf b;
        uint64_t count;
        int r;

        if (!c->caller[0])
                return reply(c, STATUS_PERMISSION, "your uid has no account name; keys belong to accounts");
        if (store_key_count(c->d->store, c->caller, c->p->uid, &count) < 0)
                return reply(c, STATUS_INTERNAL, "store error");
        if (count >= c->d->max_keys_per_user)
                return reply(c, STATUS_LIMIT, "you have reached the maximum number of keys; delete one first");
        get_opt_str(m, TAG_NAME, k.name, sizeof(k.name));
        get_opt_str(m, TAG_DESCRIPTION, k.description, sizeof(k.description));
        snprintf(k.owner_name, sizeof(k.owner_name), "%s", c->caller);
        snprintf(k.created_by, sizeof(k.created_by), "%s", c->caller);
        k.owner_uid = c->p->uid;
        k.created_at = (int64_t)time(NULL);

        r = mint_and_store(c, &k, key);
        if (r < 0)
                return reply(c, STATUS_INTERNAL, "could not store the new key");
        snprintf(c->key_id, sizeof(c->key_id), "%s", k.id);
        send_key_info(c->p, &k);
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        wire_put_str(&b, TAG_KEY_ID, k.id);
        wire_put_str(&b, TAG_KEY, key);
        r = peer_send(c->p, &b);
        wire_wipe(&b);
        sodium_memzero(key, sizeof(key));
        return r;
}

static int list_one(const struct key_record *k, void *userdata)
{
        return send_key_info(userdata, k);
}

static int cmd_list(struct ctl_ctx *c, const struct wire_msg *m)
{
        uint32_t flags = 0;
        int r;

        (void)wire_get_u32(m, TAG_FLAGS, &flags);
        if ((flags & CTL_FLAG_ALL) && !c->admin)
                return reply(c, STATUS_PERMISSION, "only root and members of the admin group may list every key");
        if (!(flags & CTL_FLAG_ALL) && !c->caller[0])
                return reply(c, STATUS_OK, NULL); /* no account, no keys */
        r = store_key_list(c->d->store, (flags & CTL_FLAG_ALL) ? NULL : c->caller, c->p->uid, list_one,
                           (void *)c->p);
        return r < 0 ? reply(c, STATUS_INTERNAL, "could not list keys") : reply(c, STATUS_OK, NULL);
}

static int cmd_show(struct ctl_ctx *c, const struct wire_msg *m)
{
        (void)m;
        send_key_info(c->p, &c->key);
        return reply(c, STATUS_OK, NULL);
}

static int set_state(struct ctl_ctx *c, const char *state)
{
        if (store_key_set_state(c->d->store, c->key.id, state) < 0)
                return reply(c, STATUS_INTERNAL, "store error");
        return reply(c, STATUS_OK, NULL);
}

static int cmd_disable(struct ctl_ctx *c, const struct wire_msg *m)
{
        (void)m;
        return set_state(c, "disabled");
}

static int cmd_enable(struct ctl_ctx *c, const struct wire_msg *m)
{
        (void)m;
        return set_state(c, "active");
}

static int cmd_delete(struct ctl_ctx *c, const struct wire_msg *m)
{
        (void)m;
        if (store_key_delete(c->d->store, c->key.id) < 0)
                return reply(c, STATUS_INTERNAL, "store error");
        return reply(c, STATUS_OK, NULL);
}

static int cmd_status(struct ctl_ctx *c, const struct wire_msg *m)
{
        struct wire_buf b;
        uint64_t count = 0;
        int r;

        (void)m;
        r = c->admin ? store_key_count(c->d->store, NULL, 0, &count)
                     : (c->caller[0] ? store_key_count(c->d->store, c->caller, c->p->uid, &count) : 0);
        if (r < 0)
                return reply(c, STATUS_INTERNAL, "store error");
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        wire_put_str(&b, TAG_VERSION, APIKEY_VERSION);
        wire_put_u64(&b, TAG_KEY_COUNT, count);
        wire_put_u64(&b, TAG_UPTIME, (uint64_t)((int64_t)time(NULL) - c->d->started_at));
        wire_put_str(&b, TAG_CALLER, c->caller[0] ? c->caller : "?");
        wire_put_u32(&b, TAG_IS_ADMIN, c->admin ? 1 : 0);
        return peer_send(c->p, &b);
}

static const struct ctl_handler handlers[_CTL_MAX] = {
        [CTL_CREATE] = { PERM_ANY, false, cmd_create },
        [CTL_LIST] = { PERM_ANY, false, cmd_list },
        [CTL_SHOW] = { PERM_OWNER_OR_ADMIN, true, cmd_show },
        [CTL_DISABLE] = { PERM_OWNER_OR_ADMIN, true, cmd_disable },
        [CTL_ENABLE] = { PERM_OWNER_OR_ADMIN, true, cmd_enable },
        [CTL_DELETE] = { PERM_OWNER, true, cmd_delete },
        [CTL_STATUS] = { PERM_ANY, false, cmd_status },
};

/* Loads the key the request names, or answers why not. */
static int load_target(struct ctl_ctx *c, const struct wire_msg *m)
{
        int r;

        if (wire_get_str(m, TAG_KEY_ID, c->key_id, sizeof(c->key_id)) < 0 || !key_id_valid(c->key_id))
                return reply(c, STATUS_INVALID, "a valid key ID is required"), -EINVAL;
        r = store_key_get(c->d->store, c->key_id, &c->key);
        if (r == -ENOENT)
                return reply(c, STATUS_NOT_FOUND, "no such key"), r;
        if (r < 0)
                return reply(c, STATUS_INTERNAL, "store error"), r;
        return 0;
}

static const char *deny_reason(unsigned cmd, const struct ctl_ctx *c)
{
        if (cmd == CTL_DELETE && c->admin)
                return "only the key's owner may delete it; admins may disable it";
        return "permission denied: not your key";
}

void control_handle(struct daemon *d, const struct peer *p, const struct wire_msg *m)
{
        struct ctl_ctx c = { .d = d, .p = p, .status = STATUS_OK };
        const struct ctl_handler *h;
        uint32_t cmd = 0;

        if (m->type != MSG_CTL_REQUEST || wire_get_u32(m, TAG_COMMAND, &cmd) < 0 || cmd == 0 || cmd >= _CTL_MAX) {
                control_reject(p, "unknown command");
                return;
        }
        h = &handlers[cmd];
        if (peer_name(p, c.caller, sizeof(c.caller)) < 0)
                c.caller[0] = '\0';
        c.admin = peer_is_admin(p, d->admin_group);

        if (h->needs_key && load_target(&c, m) < 0) {
                /* answered */
        } else if (h->needs_key && !permitted(&c, h->perm)) {
                reply(&c, STATUS_PERMISSION, deny_reason(cmd, &c));
        } else if (h->run(&c, m) < 0) {
                log_warning("could not answer %s for pid %d", command_to_string(cmd), (int)p->pid);
        }
        if (cmd != CTL_LIST && cmd != CTL_SHOW && cmd != CTL_STATUS)
                log_control_event(command_to_string(cmd), c.key_id, c.caller, p->uid, p->pid,
                                  status_to_string(c.status));
}

void control_reject(const struct peer *p, const char *why)
{
        struct ctl_ctx c = { .p = p };

        reply(&c, STATUS_INVALID, why);
}
