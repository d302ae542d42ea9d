/* auth.c - decide one authentication: is this key valid for this PAM user?
 *
 * The checks run in a fixed order and the first failure is the verdict:
 * format, lookup, secret (constant time), state, owner account, PAM user. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"

struct auth_request {
        char user[PROTO_USER_MAX + 1];
        char service[PROTO_SERVICE_MAX + 1];
        char rhost[PROTO_RHOST_MAX + 1];
        char tty[PROTO_TTY_MAX + 1];
        char key[KEY_MAX_INPUT + 1];
};

struct auth_result {
        enum verdict verdict;
        char key_id[KEY_ID_LEN + 1];
        char identity[PROTO_IDENTITY_MAX + 1];
};

static int read_request(const struct wire_msg *m, struct auth_request *ret)
{
        memset(ret, 0, sizeof(*ret));
        if (m->type != MSG_AUTH_REQUEST || wire_get_str(m, TAG_USER, ret->user, sizeof(ret->user)) < 0 ||
            wire_get_str(m, TAG_KEY, ret->key, sizeof(ret->key)) < 0)
                return -EBADMSG;
        /* Optional PAM items: absent means empty. */
        (void)wire_get_str(m, TAG_SERVICE, ret->service, sizeof(ret->service));
        (void)wire_get_str(m, TAG_RHOST, ret->rhost, sizeof(ret->rhost));
        (void)wire_get_str(m, TAG_TTY, ret->tty, sizeof(ret->tty));
        return 0;
}

static enum verdict check_secret(struct daemon *d, const struct key_parts *parts, const struct key_record *k)
{
        uint8_t hash[KEY_HASH_LEN];
        enum verdict v;

        hashkey_hash(&d->hashkey, parts->id, parts->secret, hash);
        v = sodium_memcmp(hash, k->hash, KEY_HASH_LEN) == 0 ? VERDICT_OK : VERDICT_BAD_SECRET;
        sodium_memzero(hash, sizeof(hash));
        return v;
}

/* The account the key belongs to must still exist with the same uid (a
 * deleted account's keys stop working; a recycled uid inherits nothing). */
static enum verdict check_owner(const struct key_record *k, const char *pam_user)
{
        if (strcmp(k->owner_type, "user") != 0 || !account_matches(k->owner_name, k->owner_uid))
                return VERDICT_ORPHANED;
        return strcmp(k->owner_name, pam_user) == 0 ? VERDICT_OK : VERDICT_WRONG_USER;
}

static enum verdict decide(struct daemon *d, const struct auth_request *req, struct key_record *k,
                           struct auth_result *res)
{
        struct key_parts parts;
        enum verdict v;
        int r;

        if (key_parse(req->key, &parts) < 0)
                return VERDICT_MALFORMED;
        memcpy(res->key_id, parts.id, sizeof(res->key_id));
        r = store_key_get(d->store, parts.id, k);
        if (r < 0) {
                sodium_memzero(&parts, sizeof(parts));
                return r == -ENOENT ? VERDICT_NOT_FOUND : VERDICT_INTERNAL;
        }
        snprintf(res->identity, sizeof(res->identity), "%s:%s", k->owner_type, k->owner_name);
        v = check_secret(d, &parts, k);
        sodium_memzero(&parts, sizeof(parts));
        if (v != VERDICT_OK)
                return v;
        if (strcmp(k->state, "active") != 0)
                return VERDICT_DISABLED;
        return check_owner(k, req->user);
}

static void send_reply(const struct peer *p, const struct auth_result *res)
{
        struct wire_buf b;

        wire_init(&b, MSG_AUTH_REPLY);
        wire_put_u32(&b, TAG_VERDICT, res->verdict);
        if (res->verdict == VERDICT_OK) {
                wire_put_str(&b, TAG_KEY_ID, res->key_id);
                wire_put_str(&b, TAG_IDENTITY, res->identity);
        }
        if (peer_send(p, &b) < 0)
                log_warning("could not send the verdict to pid %d", (int)p->pid);
}

void auth_handle(struct daemon *d, const struct peer *p, const struct wire_msg *m)
{
        struct auth_request req;
        struct auth_result res = { .verdict = VERDICT_MALFORMED };
        struct key_record k;

        if (read_request(m, &req) == 0)
                res.verdict = decide(d, &req, &k, &res);
        sodium_memzero(req.key, sizeof(req.key));

        if (res.verdict == VERDICT_OK &&
            store_key_record_use(d->store, res.key_id, (int64_t)time(NULL), req.rhost, req.service) < 0)
                res.verdict = VERDICT_INTERNAL; /* fail closed: we could not record the use */

        log_auth_event(&(struct auth_event){
                .key_id = res.key_id, .identity = res.identity, .result = verdict_to_string(res.verdict),
                .user = req.user, .service = req.service, .rhost = req.rhost, .tty = req.tty,
                .peer_uid = p->uid, .peer_pid = p->pid,
        });
        send_reply(p, &res);
}

void auth_reject(const struct peer *p)
{
        struct auth_result res = { .verdict = VERDICT_MALFORMED };

        log_auth_event(&(struct auth_event){ .result = "malformed", .peer_uid = p->uid, .peer_pid = p->pid });
        send_reply(p, &res);
}
