/* auth.c - decide one authentication: is this key valid for this PAM user,
 * service and source, now?
 *
 * The checks run in a fixed order and the first failure is the verdict:
 * format, lookup, secret (constant time), the row's MAC (rowmac.h), owner
 * still there (and an unmapped service ID's name no local account), state,
 * expiry,
 * PAM user, PAM service, source, usage limit. Every attempt is audited. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "duration.h"
#include "log.h"
#include "restrict.h"

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
        char detail[PROTO_MESSAGE_MAX + 1];
};

static int read_request(const struct wire_msg *m, struct auth_request *ret)
{
        memset(ret, 0, sizeof(*ret));
        if (m->type == MSG_LEAK_REPORT) {
                if (wire_get_str(m, TAG_KEY, ret->key, sizeof(ret->key)) < 0)
                        return -EBADMSG;
        } else if (m->type != MSG_AUTH_REQUEST || wire_get_str(m, TAG_USER, ret->user, sizeof(ret->user)) < 0 ||
                   wire_get_str(m, TAG_KEY, ret->key, sizeof(ret->key)) < 0)
                return -EBADMSG;
        /* Optional PAM items: absent means empty. */
        (void)wire_get_str(m, TAG_SERVICE, ret->service, sizeof(ret->service));
        (void)wire_get_str(m, TAG_RHOST, ret->rhost, sizeof(ret->rhost));
        (void)wire_get_str(m, TAG_TTY, ret->tty, sizeof(ret->tty));
        return 0;
}

/* The local account a key logs in as: the owner, a service ID's mapped
 * account, or (no mapping) the service ID's name. The account must still
 * exist with the same uid: a deleted account's keys stop working and a
 * recycled uid or name inherits nothing. An unmapped service ID whose name
 * is (or has since become) a local account never logs in: its keys would
 * otherwise log in as that account, which only root may grant. */
static enum verdict login_name(struct daemon *d, const struct key_record *k, char *buf, size_t bufsz,
                               struct auth_result *res)
{
        struct sid_record sid;
        int m;

        if (k->orphaned_at)
                return VERDICT_ORPHANED; /* its account was seen gone: dead for good */
        if (strcmp(k->owner_type, "user") == 0) {
                m = account_matches(k->owner_name, k->owner_uid);
                if (m == 0)
                        (void)orphan_check_account(d, k->owner_name, k->owner_uid, "the account no longer "
                                                                                     "exists (seen at a login)");
                if (m <= 0)
                        return m < 0 ? VERDICT_INTERNAL : VERDICT_ORPHANED;
                snprintf(buf, bufsz, "%s", k->owner_name);
                return VERDICT_OK;
        }
        if (strcmp(k->owner_type, "service") != 0 || store_sid_get(d->store, k->owner_name, &sid) < 0)
                return VERDICT_ORPHANED;
        if (sid.tampered)
                return VERDICT_TAMPERED;
        if (!sid.unix_user[0]) {
                m = account_uid(sid.name, &(uid_t){ 0 });
                if (m == 0) {
                        snprintf(res->detail, sizeof(res->detail),
                                 "service ID %s has no --unix-user and %s is a local account", sid.name, sid.name);
                        return VERDICT_NAME_IS_ACCOUNT;
                }
                if (m != -ENOENT)
                        return VERDICT_INTERNAL; /* NSS failed: we cannot tell */
                snprintf(buf, bufsz, "%s", sid.name);
                return VERDICT_OK;
        }
        m = account_matches(sid.unix_user, (uint32_t)sid.unix_uid);
        if (m <= 0)
                return m < 0 ? VERDICT_INTERNAL : VERDICT_ORPHANED;
        snprintf(buf, bufsz, "%s", sid.unix_user);
        return VERDICT_OK;
}

static enum verdict check_restrictions(struct daemon *d, const struct auth_request *req,
                                       const struct key_record *k, const struct usage_view *uses,
                                       struct auth_result *res)
{
        uint64_t used;

        if (k->services[0] && !service_list_contains(k->services, req->service)) {
                snprintf(res->detail, sizeof(res->detail), "service \"%.128s\" is not one of %.300s", req->service,
                         k->services);
                return VERDICT_WRONG_SERVICE;
        }
        if (k->sources[0] && !cidr_list_match(k->sources, req->rhost)) {
                snprintf(res->detail, sizeof(res->detail), "source \"%.128s\" is not in %.300s", req->rhost, k->sources);
                return VERDICT_WRONG_SOURCE;
        }
        if (k->max_uses && (used = count_add_sat(k->use_count, usage_pending(d, uses, k->id))) >= k->max_uses) {
                snprintf(res->detail, sizeof(res->detail), "used %" PRIu64 " of %" PRIu64 " times", used,
                         k->max_uses);
                return VERDICT_USAGE_EXCEEDED;
        }
        return VERDICT_OK;
}

static enum verdict check_key(struct daemon *d, const struct auth_request *req, const struct key_record *k,
                              const struct usage_view *uses, struct auth_result *res, int64_t now)
{
        char login[PROTO_USER_MAX + 1];
        enum verdict v = k->tampered ? VERDICT_TAMPERED : login_name(d, k, login, sizeof(login), res);

        if (v == VERDICT_TAMPERED) {
                /* Someone wrote the database behind our back: the row says
                 * nothing we can trust, not even whose key it is. */
                snprintf(res->detail, sizeof(res->detail), "%s row does not match its MAC: changed outside apikeyd",
                         k->tampered ? "the key's" : "its service ID's");
                log_error("key %s: %s; refusing it (see apikeyctl audit --verify)", k->id, res->detail);
        }
        if (v != VERDICT_OK)
                return v;
        if (strcmp(k->state, "active") != 0)
                return VERDICT_DISABLED;
        if (key_is_expired(k, now))
                return VERDICT_EXPIRED;
        if (strcmp(login, req->user) != 0)
                return VERDICT_WRONG_USER;
        return check_restrictions(d, req, k, uses, res);
}

/* A failure before the account check still pays for the account lookup
 * that check_key() makes, so unknown ID, wrong secret, wrong user and
 * disabled take the same time. Never by the claimed PAM user's name: a name
 * NSS does not know reads all of /etc/passwd and asks the next source
 * (systemd), which once told from the timing which names exist. The daemon
 * compares the claimed name with the key's as strings; the only accounts it
 * looks up are the key's (found with a wrong secret: its own) or, for an
 * unknown ID, root's, which every system has, as a found owner's would be. */
static void pay_account_lookup(struct daemon *d, const struct key_record *k)
{
        char login[PROTO_USER_MAX + 1];
        struct auth_result scratch = { 0 };

        if (k)
                (void)login_name(d, k, login, sizeof(login), &scratch);
        else
                (void)account_matches("root", 0);
}

static enum verdict decide(struct daemon *d, const struct auth_request *req, struct key_record *k,
                           struct auth_result *res)
{
        struct key_parts parts;
        struct usage_view uses;
        enum verdict v;
        int r;

        if (key_parse(req->key, &parts) < 0)
                return VERDICT_MALFORMED;
        memcpy(res->key_id, parts.id, sizeof(res->key_id));
        usage_view_take(d, &uses); /* before the read: usage.c says why */
        r = key_lookup_parts(d, &parts, k);
        sodium_memzero(&parts, sizeof(parts));
        if (r == 0 || r == -EACCES)
                key_identity(k, res->identity, sizeof(res->identity));
        if (r == -ENOENT || r == -EACCES || r == -EREMOTE)
                pay_account_lookup(d, r == -EACCES ? k : NULL);
        if (r == -ENOENT)
                return VERDICT_NOT_FOUND;
        if (r == -EREMOTE) {
                snprintf(res->detail, sizeof(res->detail), "a fleet key whose scope does not include host %s",
                         store_host(d->store));
                return VERDICT_WRONG_HOST;
        }
        if (r == -EACCES)
                return VERDICT_BAD_SECRET;
        if (r < 0)
                return VERDICT_INTERNAL;
        v = check_key(d, req, k, &uses, res, now_seconds());
        /* Orphaned just now (login_name marked it): the attempt is about a
         * dead key, not about the account that may have its name now. */
        if (v == VERDICT_ORPHANED && strcmp(k->owner_type, "user") == 0) {
                k->orphaned_at = k->orphaned_at ? k->orphaned_at : now_seconds();
                key_identity(k, res->identity, sizeof(res->identity));
        }
        return v;
}

/* The first use of a rotated key's successor ends the predecessor
 * (rotate --until-first-use), and the predecessors it was waiting for. */
static void retire_predecessor(struct daemon *d, struct key_record *k, int64_t now)
{
        char why[64];

        if (!k->retires[0])
                return;
        snprintf(why, sizeof(why), "successor %s used for the first time", k->id);
        if (rotation_bound_chain(d, k->retires, now, true, why) < 0) {
                log_error("could not retire the predecessors of key %s", k->id);
                return; /* try again at the next use */
        }
        k->retires[0] = '\0';
        if (store_key_update(d->store, k) < 0)
                log_error("could not record that key %s retired its predecessor", k->id);
}

/* A usage-limited key in a store several daemons share gets its use claimed
 * in the store, atomically, before the login succeeds: that is what keeps
 * the limit exact across hosts. Other uses are counted in batches
 * (usage.c); the login fails closed when a use cannot be counted. */
static enum verdict count_use(struct daemon *d, const struct key_record *k, const struct auth_request *req,
                              int64_t now, struct auth_result *res)
{
        int r = k->max_uses ? store_key_claim_use(d->store, k->id, now, req->rhost, req->service) : -EOPNOTSUPP;

        if (r == -EOPNOTSUPP)
                r = usage_add(d, k, now, req->rhost, req->service);
        if (r == -EDQUOT) {
                snprintf(res->detail, sizeof(res->detail), "all %" PRIu64 " uses taken (claimed across the fleet)",
                         k->max_uses);
                return VERDICT_USAGE_EXCEEDED;
        }
        if (r == -EBADMSG)
                return VERDICT_TAMPERED;
        return r < 0 ? VERDICT_INTERNAL : VERDICT_OK;
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

static void audit_attempt(struct daemon *d, const struct peer *p, const struct auth_request *req,
                          const struct auth_result *res)
{
        struct audit_record a = { .event = "auth" };

        snprintf(a.result, sizeof(a.result), "%s", verdict_to_string(res->verdict));
        snprintf(a.key_id, sizeof(a.key_id), "%s", res->key_id);
        snprintf(a.identity, sizeof(a.identity), "%s", res->identity);
        snprintf(a.user, sizeof(a.user), "%s", req->user);
        snprintf(a.service, sizeof(a.service), "%s", req->service);
        snprintf(a.rhost, sizeof(a.rhost), "%s", req->rhost);
        snprintf(a.tty, sizeof(a.tty), "%s", req->tty);
        snprintf(a.detail, sizeof(a.detail), "%s", res->detail);
        a.peer_uid = (uint32_t)p->uid;
        a.peer_pid = (uint32_t)p->pid;
        audit_add(d, &a);
}

/* Rate limits: a blocked source is answered without looking at the key; a
 * key ID under attack answers rate_limited to failures only, never to its
 * own correct secret. */
static void decide_limited(struct daemon *d, const struct peer *p, const struct auth_request *req,
                           struct key_record *k, struct auth_result *res)
{
        if (abuse_source_blocked(d, p, req->rhost, res->detail, sizeof(res->detail))) {
                res->verdict = VERDICT_RATE_LIMITED;
                return;
        }
        res->verdict = decide(d, req, k, res);
        if (res->verdict != VERDICT_OK && abuse_key_blocked(d, res->key_id)) {
                snprintf(res->detail, sizeof(res->detail), "key %s is rate limited (was: %s)", res->key_id,
                         verdict_to_string(res->verdict));
                res->verdict = VERDICT_RATE_LIMITED;
        }
        abuse_charge(d, p, req->rhost, res->key_id, res->verdict);
}

/* A request that could not be read: counted against its source like a
 * failure, and answered rate_limited once the source is blocked. */
static void reject_limited(struct daemon *d, const struct peer *p, struct auth_result *res)
{
        if (abuse_source_blocked(d, p, "", res->detail, sizeof(res->detail)))
                res->verdict = VERDICT_RATE_LIMITED;
        else {
                res->verdict = VERDICT_MALFORMED;
                snprintf(res->detail, sizeof(res->detail), "malformed request");
        }
        abuse_charge(d, p, "", "", VERDICT_MALFORMED);
}

/* Every success gets its record; a source's failures get their own records
 * up to a bound per interval, and are counted after that (tally.h). */
static void audit_or_count(struct daemon *d, const struct peer *p, const struct auth_request *req,
                           const struct auth_result *res, enum tally_event ev, enum verdict counted_as)
{
        if (tally_own_record(d, p, req->rhost, ev, counted_as))
                audit_attempt(d, p, req, res);
}

void auth_handle(struct daemon *d, const struct peer *p, const struct wire_msg *m)
{
        struct auth_request req;
        struct auth_result res = { .verdict = VERDICT_MALFORMED };
        struct key_record k;

        if (read_request(m, &req) == 0 && m->type == MSG_AUTH_REQUEST)
                decide_limited(d, p, &req, &k, &res);
        else
                reject_limited(d, p, &res);
        sodium_memzero(req.key, sizeof(req.key));

        if (res.verdict == VERDICT_OK) {
                int64_t now = now_seconds();
                res.verdict = count_use(d, &k, &req, now, &res);
                if (res.verdict == VERDICT_OK)
                        retire_predecessor(d, &k, now);
        }
        audit_or_count(d, p, &req, &res, TALLY_AUTH, res.verdict);
        send_reply(p, &res);
}

/* The verdict a leak report that found no key counts as: a guess at an
 * existing key's secret, or a name that is no key. */
static enum verdict leak_miss(const struct auth_request *req, const struct key_record *k, int r,
                              struct auth_result *res)
{
        struct key_parts parts;

        if (r != -EACCES || key_parse(req->key, &parts) < 0)
                return VERDICT_NOT_FOUND;
        memcpy(res->key_id, parts.id, sizeof(res->key_id));
        sodium_memzero(&parts, sizeof(parts));
        key_identity(k, res->identity, sizeof(res->identity));
        return VERDICT_BAD_SECRET;
}

/* A string with the key's shape and checksum was typed as a user name: it is
 * in logs now. If it is a real key, apply its leak action: whoever typed it
 * holds the whole key (SECURITY.md). The login fails either way. A report
 * that names no real key is a failure like a wrong key: it spends the
 * source's budget (and the key's, for a wrong secret) and is audited, so
 * leak reports are no faster oracle than logins. */
void leak_report_handle(struct daemon *d, const struct peer *p, const struct wire_msg *m)
{
        struct auth_request req;
        struct auth_result res = { .verdict = VERDICT_LEAKED };
        struct key_record k;
        enum verdict counted_as = VERDICT_RATE_LIMITED;
        int r = read_request(m, &req);

        if (r < 0) {
                reject_limited(d, p, &res);
                audit_or_count(d, p, &req, &res, TALLY_AUTH, res.verdict);
                send_reply(p, &res);
                return;
        }
        if (abuse_source_blocked(d, p, req.rhost, res.detail, sizeof(res.detail)))
                r = -EBUSY; /* a flood of key-shaped names is not looked up */
        else
                r = key_lookup_verified(d, req.key, &k);
        if (r != 0 && r != -EBUSY) {
                counted_as = leak_miss(&req, &k, r, &res);
                snprintf(res.detail, sizeof(res.detail), "a key-shaped user name that is no valid key");
        }
        if (r != 0)
                abuse_charge(d, p, req.rhost, res.key_id, counted_as);
        if (r == 0) {
                char how[PROTO_MESSAGE_MAX];
                snprintf(how, sizeof(how), "typed as a user name at PAM service \"%s\" from \"%s\"", req.service,
                         req.rhost);
                leak_apply(d, &k, how, p, NULL);
        } else
                audit_or_count(d, p, &req, &res, TALLY_LEAK, counted_as);
        sodium_memzero(req.key, sizeof(req.key));
        send_reply(p, &res);
}

void auth_reject(struct daemon *d, const struct peer *p)
{
        struct auth_request req = { 0 };
        struct auth_result res = { .verdict = VERDICT_MALFORMED };

        reject_limited(d, p, &res);
        audit_or_count(d, p, &req, &res, TALLY_AUTH, res.verdict);
        send_reply(p, &res);
}
