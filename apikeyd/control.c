/* control.c - the control socket: one table says, for each command, who may
 * send it; handlers never see a caller the table refused. Every change is
 * audited with the caller's kernel credentials. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"

/* Who may run a command. */
enum permission {
        PERM_ANY,            /* any local caller; the handler narrows (own keys, admin flags) */
        PERM_ADMIN,          /* root and the admin group */
        PERM_OWNER_OR_ADMIN, /* on a key: its owner, or an admin */
        PERM_CREATOR,        /* on a key: its owner for user keys, admins for service ID keys
                              * (these commands destroy keys) */
        PERM_MINTER,         /* PERM_CREATOR, and a new secret for a service ID that acts as
                              * a local account is root's alone (rotate) */
};

struct ctl_handler {
        enum permission perm;
        bool needs_key; /* the request names a key, loaded before the check */
        bool changes;   /* audited */
        int (*run)(struct ctl_ctx *c);
};

static const struct ctl_handler handlers[_CTL_MAX] = {
        [CTL_CREATE] = { PERM_ANY, false, true, cmd_create },
        [CTL_LIST] = { PERM_ANY, false, false, cmd_list },
        [CTL_SHOW] = { PERM_OWNER_OR_ADMIN, true, false, cmd_show },
        [CTL_DISABLE] = { PERM_OWNER_OR_ADMIN, true, true, cmd_disable },
        [CTL_ENABLE] = { PERM_OWNER_OR_ADMIN, true, true, cmd_enable },
        [CTL_DELETE] = { PERM_CREATOR, true, true, cmd_delete },
        [CTL_STATUS] = { PERM_ANY, false, false, cmd_status },
        [CTL_LOCK] = { PERM_OWNER_OR_ADMIN, true, true, cmd_lock },
        [CTL_UNLOCK] = { PERM_OWNER_OR_ADMIN, true, true, cmd_unlock },
        [CTL_ROTATE] = { PERM_MINTER, true, true, cmd_rotate },
        [CTL_SID_CREATE] = { PERM_ADMIN, false, true, cmd_sid_create },
        [CTL_SID_LIST] = { PERM_ADMIN, false, false, cmd_sid_list },
        [CTL_SID_SHOW] = { PERM_ADMIN, false, false, cmd_sid_show },
        [CTL_SID_UPDATE] = { PERM_ADMIN, false, true, cmd_sid_update },
        [CTL_SID_DELETE] = { PERM_ADMIN, false, true, cmd_sid_delete },
        [CTL_SID_LOCK] = { PERM_ADMIN, false, true, cmd_sid_lock },
        [CTL_SID_UNLOCK] = { PERM_ADMIN, false, true, cmd_sid_unlock },
        [CTL_AUDIT] = { PERM_ANY, false, false, cmd_audit },
        [CTL_LEAK] = { PERM_ANY, false, false, cmd_leak }, /* audits itself when it acts */
        [CTL_PURGE_USER] = { PERM_ANY, false, true, cmd_purge_user }, /* admins; root for live accounts */
};

int ctl_reply(struct ctl_ctx *c, enum ctl_status status, const char *message)
{
        struct wire_buf b;

        c->status = status;
        if (message && status != STATUS_OK)
                snprintf(c->detail, sizeof(c->detail), "%s", message);
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, status);
        wire_put_str(&b, TAG_MESSAGE, message);
        return peer_send(c->p, &b);
}

int ctl_replyf(struct ctl_ctx *c, enum ctl_status status, const char *fmt, ...)
{
        char message[PROTO_MESSAGE_MAX + 1];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        return ctl_reply(c, status, message);
}

int ctl_send_key_info(struct ctl_ctx *c, const struct key_record *stored)
{
        char identity[PROTO_IDENTITY_MAX + 1];
        struct key_record view = *stored, *k = &view;
        struct wire_buf b;

        usage_overlay(c->d, k);
        key_identity(k, identity, sizeof(identity));
        wire_init(&b, MSG_KEY_INFO);
        wire_put_str(&b, TAG_KEY_ID, k->id);
        wire_put_str(&b, TAG_KIND, k->kind);
        wire_put_str(&b, TAG_IDENTITY, identity);
        wire_put_u32(&b, TAG_OWNER_UID, k->owner_uid);
        wire_put_str(&b, TAG_OWNER_NAME, k->owner_name);
        wire_put_str(&b, TAG_NAME, k->name);
        wire_put_str(&b, TAG_DESCRIPTION, k->description);
        wire_put_str(&b, TAG_STATE, key_state(k, now_seconds()));
        wire_put_u64(&b, TAG_CREATED_AT, (uint64_t)k->created_at);
        wire_put_str(&b, TAG_CREATED_BY, k->created_by);
        wire_put_u64(&b, TAG_LAST_USED_AT, (uint64_t)k->last_used_at);
        if (k->last_used_from[0])
                wire_put_str(&b, TAG_LAST_USED_FROM, k->last_used_from);
        if (k->last_used_service[0])
                wire_put_str(&b, TAG_LAST_USED_SERVICE, k->last_used_service);
        wire_put_u64(&b, TAG_USE_COUNT, k->use_count);
        wire_put_u64(&b, TAG_EXPIRES_AT, (uint64_t)k->expires_at);
        wire_put_u32(&b, TAG_LOCKED, k->locked);
        wire_put_str(&b, TAG_SERVICES, k->services);
        wire_put_str(&b, TAG_SOURCES, k->sources);
        wire_put_u64(&b, TAG_MAX_USES, k->max_uses);
        wire_put_str(&b, TAG_LEAK_ACTION, k->leak_action);
        if (k->rotated_to[0])
                wire_put_str(&b, TAG_ROTATED_TO, k->rotated_to);
        _Static_assert(PROTO_SCOPE_MAX == STORE_SCOPE_MAX, "a scope fits the wire");
        if (k->scope[0]) /* a fleet key: where it logs in */
                wire_put_str(&b, TAG_SCOPE, k->scope);
        return peer_send(c->p, &b);
}

void ctl_get_str(const struct wire_msg *m, uint8_t tag, char *out, size_t outsz)
{
        if (wire_get_str(m, tag, out, outsz) < 0)
                out[0] = '\0';
}

/* Name and uid, and the key not orphaned: a new account with an old one's
 * name and uid owns none of the old one's keys. */
bool ctl_caller_owns(const struct ctl_ctx *c, const struct key_record *k)
{
        return c->caller[0] && strcmp(k->owner_type, "user") == 0 && k->owner_uid == c->p->uid &&
               strcmp(k->owner_name, c->caller) == 0 && !k->orphaned_at;
}

bool ctl_is_root(const struct ctl_ctx *c)
{
        return c->p->uid == 0;
}

/* A key for a service ID mapped to a local account logs in as that account:
 * whoever mints one becomes the account. Only root may; admins mint keys for
 * service IDs that act as no local account. */
bool ctl_may_mint_for_sid(const struct ctl_ctx *c, const struct sid_record *sid)
{
        return ctl_is_root(c) || (c->admin && !sid->unix_user[0]);
}

static bool permitted(const struct ctl_ctx *c, enum permission perm)
{
        bool service_key = strcmp(c->key.owner_type, "service") == 0;

        switch (perm) {
        case PERM_ANY:
                return true;
        case PERM_ADMIN:
                return c->admin;
        case PERM_OWNER_OR_ADMIN:
                return ctl_caller_owns(c, &c->key) || c->admin;
        case PERM_CREATOR:
                return service_key ? c->admin : ctl_caller_owns(c, &c->key);
        case PERM_MINTER:
                return service_key ? ctl_may_mint_for_sid(c, &c->sid) : ctl_caller_owns(c, &c->key);
        }
        return false;
}

/* Why the table refused: true for every combination of command, key and
 * caller that gets here. */
static const char *deny_reason(struct ctl_ctx *c, enum permission perm)
{
        bool service_key = strcmp(c->key.owner_type, "service") == 0;

        if (perm == PERM_ADMIN)
                return "only root and members of the admin group may manage service IDs";
        if (service_key && c->admin) { /* PERM_MINTER: a mapped service ID */
                snprintf(c->deny, sizeof(c->deny), "service ID %.64s acts as the local account %.256s: only root "
                         "may give it a new key", c->sid.name, c->sid.unix_user);
                return c->deny;
        }
        if (service_key)
                return "only root and members of the admin group may manage a service ID's keys";
        if ((perm == PERM_CREATOR || perm == PERM_MINTER) && c->admin)
                return "only the key's owner may delete or rotate a user key; admins may disable it";
        return "permission denied: not your key";
}

/* Loads the key the request names, or answers why not. */
static int load_target(struct ctl_ctx *c)
{
        int r;

        if (wire_get_str(c->m, TAG_KEY_ID, c->key_id, sizeof(c->key_id)) < 0 || !key_id_valid(c->key_id))
                return ctl_reply(c, STATUS_INVALID, "a valid key ID is required"), -EINVAL;
        r = store_key_get(c->d->store, c->key_id, &c->key);
        if (r == -ENOENT)
                return ctl_replyf(c, STATUS_NOT_FOUND, "no key with ID %s (see 'apikeyctl list' for your keys)", c->key_id), r;
        if (r < 0)
                return ctl_reply(c, STATUS_INTERNAL, "store error"), r;
        key_identity(&c->key, c->identity, sizeof(c->identity));
        /* A service ID key's permissions depend on its service ID's mapping;
         * a key whose service ID is gone maps to no account. */
        c->sid = (struct sid_record){ .unix_uid = -1 };
        if (strcmp(c->key.owner_type, "service") == 0) {
                r = store_sid_get(c->d->store, c->key.owner_name, &c->sid);
                if (r < 0 && r != -ENOENT)
                        return ctl_reply(c, STATUS_INTERNAL, "store error"), r;
        }
        return 0;
}

#define TAMPERED_MESSAGE                                                                                  \
        "the row was changed outside apikeyd (it does not match its MAC): it cannot log in or be changed; " \
        "an admin may show or delete it (see apikeyctl audit --verify)"

int ctl_store_error(struct ctl_ctx *c, int r)
{
        return ctl_reply(c, STATUS_INTERNAL, r == -EBADMSG ? TAMPERED_MESSAGE : "store error");
}

/* A key whose row fails its MAC: its owner fields are not to be trusted, so
 * the table's owner rules do not apply. Admins may look at it and delete it
 * (whatever its lock says); nobody may change it, as a change would seal
 * what someone else wrote. */
static void run_on_tampered(struct ctl_ctx *c, unsigned cmd)
{
        if (!c->admin)
                ctl_reply(c, STATUS_PERMISSION, "this key's row was changed outside apikeyd; only admins may see it");
        else if (cmd == CTL_SHOW)
                cmd_show(c);
        else if (cmd == CTL_DELETE)
                store_key_delete(c->d->store, c->key.id) < 0 ? ctl_reply(c, STATUS_INTERNAL, "store error")
                                                             : ctl_reply(c, STATUS_OK, NULL);
        else
                ctl_reply(c, STATUS_INTERNAL, TAMPERED_MESSAGE);
}

static void audit_change(struct ctl_ctx *c, unsigned cmd)
{
        struct audit_record a = { .event = "control" };

        /* A flood of refused changes is counted, not recorded one by one. */
        if (!tally_own_record(c->d, c->p, "", TALLY_CONTROL, c->status))
                return;

        snprintf(a.action, sizeof(a.action), "%s", command_to_string(cmd));
        snprintf(a.result, sizeof(a.result), "%s", status_to_string(c->status));
        snprintf(a.key_id, sizeof(a.key_id), "%s", c->key_id);
        snprintf(a.identity, sizeof(a.identity), "%s", c->identity);
        snprintf(a.caller, sizeof(a.caller), "%s", c->caller);
        snprintf(a.detail, sizeof(a.detail), "%s", c->detail);
        a.peer_uid = (uint32_t)c->p->uid;
        a.peer_pid = (uint32_t)c->p->pid;
        audit_add(c->d, &a);
}

void control_handle(struct daemon *d, const struct peer *p, const struct wire_msg *m)
{
        struct ctl_ctx c = { .d = d, .p = p, .m = m, .status = STATUS_OK };
        const struct ctl_handler *h;
        bool durable;
        uint32_t cmd = 0;

        if (m->type != MSG_CTL_REQUEST || wire_get_u32(m, TAG_COMMAND, &cmd) < 0 || cmd == 0 || cmd >= _CTL_MAX) {
                control_reject(p, "unknown command");
                return;
        }
        h = &handlers[cmd];
        durable = h->changes || cmd == CTL_LEAK; /* scan --disable changes keys too */
        (void)wire_get_u32(m, TAG_FLAGS, &c.flags);
        if (peer_name(p, c.caller, sizeof(c.caller)) < 0)
                c.caller[0] = '\0';
        c.admin = peer_is_admin(p, d->admin_group);

        /* A change is acknowledged only once it is on disk. */
        if (durable && store_set_durable(d->store, true) < 0)
                ctl_reply(&c, STATUS_INTERNAL, "store error");
        else if (c.flags & ~CTL_FLAGS_KNOWN)
                ctl_reply(&c, STATUS_INVALID, "unknown flags");
        else if (h->needs_key && load_target(&c) < 0)
                ; /* answered */
        else if (h->needs_key && c.key.tampered)
                run_on_tampered(&c, cmd);
        else if ((h->needs_key || h->perm == PERM_ADMIN) && !permitted(&c, h->perm))
                ctl_reply(&c, STATUS_PERMISSION, deny_reason(&c, h->perm));
        else if (h->needs_key && c.key.orphaned_at && cmd != CTL_SHOW)
                ctl_reply(&c, STATUS_ORPHANED, "the key's account was deleted: the key is dead for good and "
                                               "only 'apikeyctl purge-user' removes it");
        else if (h->run(&c) < 0)
                log_warning("could not answer %s for pid %d", command_to_string(cmd), (int)p->pid);
        if (durable)
                (void)store_set_durable(d->store, false);
        if (h->changes)
                audit_change(&c, cmd);
}

void control_reject(const struct peer *p, const char *why)
{
        struct ctl_ctx c = { .p = p };

        ctl_reply(&c, STATUS_INVALID, why);
}
