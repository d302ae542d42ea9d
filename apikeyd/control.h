/* control.h - the control socket's commands, split by subject:
 * control.c (dispatch, permissions, replies), control_keys.c,
 * control_sid.c, control_audit.c. */
#ifndef APIKEYD_CONTROL_H
#define APIKEYD_CONTROL_H

#include "daemon.h"

struct ctl_ctx {
        struct daemon *d;
        const struct peer *p;
        const struct wire_msg *m;
        char caller[PROTO_USER_MAX + 1]; /* "" when the uid has no account */
        bool admin;
        uint32_t flags;
        char key_id[KEY_ID_LEN + 1];   /* the key the command is about, for the audit */
        char identity[PROTO_IDENTITY_MAX + 1];
        struct key_record key;          /* the target key, for commands on one key */
        struct sid_record sid;          /* ... and its service ID, if it has one */
        char deny[PROTO_MESSAGE_MAX + 1];
        enum ctl_status status;         /* what we answered */
        char detail[PROTO_MESSAGE_MAX + 1];
};

int ctl_reply(struct ctl_ctx *c, enum ctl_status status, const char *message);
/* ctl_reply() with a message that names what it is about. */
int ctl_replyf(struct ctl_ctx *c, enum ctl_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int ctl_send_key_info(struct ctl_ctx *c, const struct key_record *k);
/* Reads an optional string field; "" when absent. */
void ctl_get_str(const struct wire_msg *m, uint8_t tag, char *out, size_t outsz);
/* Answers a failed store change; -EBADMSG: the row fails its MAC. */
int ctl_store_error(struct ctl_ctx *c, int r);
bool ctl_caller_owns(const struct ctl_ctx *c, const struct key_record *k);
/* The caller is uid 0 (not merely an admin). */
bool ctl_is_root(const struct ctl_ctx *c);
/* Whether the caller may mint a key for service ID sid: root always, admins
 * only when it acts as no local account. */
bool ctl_may_mint_for_sid(const struct ctl_ctx *c, const struct sid_record *sid);
/* What an admin or a leak action did to a key (disable, lock: by is
 * "admin" or "leak"), only an admin undoes; the owner undoes their own. */
bool ctl_may_undo(const struct ctl_ctx *c, const char *by);
/* The refusal when not: what ("disable" or "lock") was done by whom. */
const char *ctl_undo_denied(struct ctl_ctx *c, const char *what, const char *by);
/* Mints an ID, secret and hash into k; key receives the full key. */
void ctl_mint_credentials(struct ctl_ctx *c, struct key_record *k, char key[KEY_LEN + 1]);
/* Mints a key into k (id, hash) and stores it; key receives the full key. */
int ctl_mint(struct ctl_ctx *c, struct key_record *k, char key[KEY_LEN + 1]);
/* Whether the owner of k may have one more key that works: counts the
 * owner's keys not expired at now; frees_one when the change also ends one
 * of them. Answers STATUS_LIMIT and returns -ERANGE when not. */
int ctl_check_limit(struct ctl_ctx *c, const struct key_record *k, bool frees_one, int64_t now);
/* Answers a new key: KEY_INFO, then the reply carrying the key. */
int ctl_reply_new_key(struct ctl_ctx *c, const struct key_record *k, const char *key);

/* control_page.c: answers in pages, produced in steps after the handler
 * returns. need_written: wait for the writer to store the pending uses. */
int ctl_page_keys(struct ctl_ctx *c, const struct key_filter *f, bool need_written);
int ctl_page_audit(struct ctl_ctx *c, const struct audit_filter *f);
int ctl_page_verify(struct ctl_ctx *c);

int cmd_create(struct ctl_ctx *c);
int cmd_list(struct ctl_ctx *c);
int cmd_show(struct ctl_ctx *c);
int cmd_disable(struct ctl_ctx *c);
int cmd_enable(struct ctl_ctx *c);
int cmd_delete(struct ctl_ctx *c);
int cmd_lock(struct ctl_ctx *c);
int cmd_unlock(struct ctl_ctx *c);
int cmd_rotate(struct ctl_ctx *c);
int cmd_leak(struct ctl_ctx *c);
int cmd_sid_create(struct ctl_ctx *c);
int cmd_sid_list(struct ctl_ctx *c);
int cmd_sid_show(struct ctl_ctx *c);
int cmd_sid_update(struct ctl_ctx *c);
int cmd_sid_delete(struct ctl_ctx *c);
int cmd_sid_lock(struct ctl_ctx *c);
int cmd_sid_unlock(struct ctl_ctx *c);
int cmd_audit(struct ctl_ctx *c);
int cmd_purge_user(struct ctl_ctx *c);
int cmd_status(struct ctl_ctx *c);

#endif
