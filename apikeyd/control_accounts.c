/* control_accounts.c - purge-user: removing the keys of accounts that are
 * gone. Their keys are dead already (orphan.c); this deletes them.
 *
 *   purge-user NAME        admins, when NAME is no account (any more);
 *                          root also for a live account: userdel's hook
 *                          (USERDEL_CMD) runs it just before the account goes
 *   purge-user --orphaned  admins: looks for missing accounts now, then
 *                          deletes every orphaned key
 *
 * Locked keys go too: a lock guards a working key against mistakes, and an
 * orphaned key can never work again. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"

struct purge {
        struct daemon *d;
        uint64_t deleted;
        int error;
};

static int delete_one(const struct key_record *k, void *userdata)
{
        struct purge *p = userdata;
        int r = store_key_delete(p->d->store, k->id);

        if (r == 0)
                p->deleted++;
        else if (r != -ENOENT)
                p->error = r;
        return 0;
}

/* Marks the account's keys orphaned (audited) unless --orphaned: -1 when
 * answered. */
static int orphan_named(struct ctl_ctx *c, const char *name)
{
        uid_t uid;
        int r = account_uid(name, &uid);
        char msg[PROTO_MESSAGE_MAX + 1];

        if (r < 0 && r != -ENOENT)
                return ctl_reply(c, STATUS_INTERNAL, "could not look the account up; nothing removed"), -1;
        if (r == 0 && !ctl_is_root(c)) {
                snprintf(msg, sizeof(msg), "%.256s is an existing account: only root removes the keys of a live "
                         "account (userdel's hook does, as root)", name);
                return ctl_reply(c, STATUS_PERMISSION, msg), -1;
        }
        r = orphan_account(c->d, name, -1, r == 0 ? "the account is being deleted (purge-user by root)"
                                                  : "the account no longer exists (purge-user)");
        if (r < 0)
                return ctl_reply(c, STATUS_INTERNAL, "could not mark the keys orphaned; nothing removed"), -1;
        return 0;
}

static int reply_count(struct ctl_ctx *c, uint64_t n)
{
        struct wire_buf b;

        c->status = STATUS_OK;
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        wire_put_u64(&b, TAG_KEY_COUNT, n);
        return peer_send(c->p, &b);
}

int cmd_purge_user(struct ctl_ctx *c)
{
        char name[PROTO_USER_MAX + 1];
        bool all = c->flags & CTL_FLAG_ORPHANED;
        struct key_filter f = { .owner_uid = -1, .orphaned = ORPHANED_ONLY };
        struct purge p = { .d = c->d };

        if (!c->admin)
                return ctl_reply(c, STATUS_PERMISSION, "only root and members of the admin group may remove the "
                                                       "keys of deleted accounts");
        ctl_get_str(c->m, TAG_FILTER_USER, name, sizeof(name));
        if (all == (name[0] != '\0'))
                return ctl_reply(c, STATUS_INVALID, "give either an account name or --orphaned");
        /* Not the account's identity in the audit: the record belongs to
         * the old account's history, which a new account of the name does
         * not read. The name is in the detail. */
        c->identity[0] = '\0';
        if (all && orphan_scan(c->d) < 0)
                return ctl_reply(c, STATUS_INTERNAL, "could not look for deleted accounts; nothing removed");
        if (!all && orphan_named(c, name) < 0)
                return 0; /* answered */
        if (!all)
                f.owner_type = "user", f.owner_name = name;
        if (store_key_list(c->d->store, &f, delete_one, &p) < 0 || p.error < 0) {
                snprintf(c->detail, sizeof(c->detail), "removed %" PRIu64 " keys before a store error", p.deleted);
                return ctl_reply(c, STATUS_INTERNAL, "store error: some keys may remain (run it again)");
        }
        snprintf(c->detail, sizeof(c->detail), "removed %" PRIu64 " orphaned keys%s%.256s", p.deleted,
                 all ? "" : " of account ", all ? "" : name);
        log_info("%s", c->detail);
        return reply_count(c, p.deleted);
}
