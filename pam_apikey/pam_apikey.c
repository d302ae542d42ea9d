/* pam_apikey.c - the PAM entry points: log in with an API key.
 *
 * The module checks the key's shape locally, so typos and passwords never
 * leave the process, and asks apikeyd for everything else. It keeps no state
 * between calls, writes nothing to the host's stdout or stderr, logs through
 * pam_syslog() and never logs a key: the key ID is the public half. */
#include "pam_apikey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *item_str(pam_handle_t *pamh, int type)
{
        const void *v = NULL;

        if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
                return NULL;
        return v;
}

/* What the wire accepts (wire.c): bounded, no control bytes. Checked here
 * too so the log can say which item was refused. */
static bool text_fits(const char *s, size_t max)
{
        size_t len = strnlen(s, max + 1);

        if (len > max)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

/* A failed attempt must not leave a previous success behind in this handle. */
static void forget_success(pam_handle_t *pamh)
{
        const void *data = NULL;

        if (pam_get_data(pamh, APIKEY_DATA_AUTHENTICATED, &data) == PAM_SUCCESS && data)
                (void)pam_set_data(pamh, APIKEY_DATA_AUTHENTICATED, NULL, NULL);
        if (pam_get_data(pamh, APIKEY_DATA_CAPTURED, &data) == PAM_SUCCESS && data)
                (void)pam_set_data(pamh, APIKEY_DATA_CAPTURED, NULL, NULL);
        (void)apikey_env_assert(pamh, NULL);
}

static int get_items(struct apikey_ctx *c);

/* Someone typed a key at the login prompt: it is in logs now. Tell apikeyd,
 * which applies the key's leak action if it is a real key; the login fails.
 * The user name is never logged. */
static int tripwire(struct apikey_ctx *c)
{
        struct apikey_reply reply = { 0 };
        const char *key = c->user;

        c->user = "";
        pam_syslog(c->pamh, LOG_WARNING, "user name looks like an API key; reporting it to apikeyd as leaked");
        if (get_items(c) == PAM_SUCCESS)
                (void)apikey_ask_daemon(c, key, true, &reply);
        return PAM_AUTH_ERR;
}

static int get_user(struct apikey_ctx *c)
{
        int r = pam_get_user(c->pamh, &c->user, NULL);

        if (r != PAM_SUCCESS)
                return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : r;
        if (!c->user || c->user[0] == '\0')
                return PAM_USER_UNKNOWN;
        if (key_looks_valid(c->user, strnlen(c->user, KEY_MAX_INPUT + 1)))
                return tripwire(c);
        if (!text_fits(c->user, PROTO_USER_MAX)) {
                pam_syslog(c->pamh, LOG_ERR, "user name is longer than %d bytes or has control characters",
                           PROTO_USER_MAX);
                return PAM_AUTH_ERR; /* cannot be an account the daemon knows */
        }
        return PAM_SUCCESS;
}

static int check_item(const struct apikey_ctx *c, const char *name, const char *value, size_t max)
{
        if (!value || text_fits(value, max))
                return PAM_SUCCESS;
        /* Not the value: it may be whatever a remote client chose to send. */
        pam_syslog(c->pamh, LOG_ERR, "%s is longer than %zu bytes or has control characters", name, max);
        return PAM_AUTH_ERR;
}

/* The items the daemon's policy looks at; a truncated one could match a
 * rule it should not, so refuse rather than cut. */
static int get_items(struct apikey_ctx *c)
{
        int r;

        c->service = item_str(c->pamh, PAM_SERVICE);
        c->rhost = item_str(c->pamh, PAM_RHOST);
        c->tty = item_str(c->pamh, PAM_TTY);
        r = check_item(c, "PAM_SERVICE", c->service, PROTO_SERVICE_MAX);
        if (r == PAM_SUCCESS)
                r = check_item(c, "PAM_RHOST", c->rhost, PROTO_RHOST_MAX);
        if (r == PAM_SUCCESS)
                r = check_item(c, "PAM_TTY", c->tty, PROTO_TTY_MAX);
        return r;
}

static void free_response(char *resp)
{
        if (!resp)
                return;
        explicit_bzero(resp, strlen(resp));
        free(resp);
}

/* Prompts, then keeps the answer as PAM_AUTHTOK so a later
 * "pam_unix.so try_first_pass" can use it. *ret_key is libpam's copy. */
static int prompt_key(const struct apikey_ctx *c, const char **ret_key)
{
        char *resp = NULL;
        int r = pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &resp, "API key: ");

        if (r != PAM_SUCCESS || !resp) {
                free_response(resp);
                apikey_debug(c, "conversation failed: %s", pam_strerror(c->pamh, r));
                return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_AUTH_ERR;
        }
        r = pam_set_item(c->pamh, PAM_AUTHTOK, resp);
        free_response(resp);
        if (r != PAM_SUCCESS)
                return r;
        *ret_key = item_str(c->pamh, PAM_AUTHTOK);
        return *ret_key ? PAM_SUCCESS : PAM_AUTH_ERR;
}

static int get_key(const struct apikey_ctx *c, const char **ret_key)
{
        const char *stacked = NULL;

        if (c->opts.use_first_pass || c->opts.try_first_pass)
                stacked = item_str(c->pamh, PAM_AUTHTOK);
        if (stacked) {
                *ret_key = stacked;
                return PAM_SUCCESS;
        }
        if (c->opts.use_first_pass) {
                pam_syslog(c->pamh, LOG_NOTICE, "use_first_pass: no token from an earlier module");
                return PAM_AUTH_ERR;
        }
        return prompt_key(c, ret_key);
}

/* Typos, passwords and anything else that is not a key stop here. */
static int check_key_format(struct apikey_ctx *c, const char *key)
{
        struct key_parts parts;

        if (key_parse(key, &parts) < 0) {
                apikey_debug(c, "not an API key");
                return PAM_AUTH_ERR;
        }
        memcpy(c->key_id, parts.id, sizeof(c->key_id));
        explicit_bzero(&parts, sizeof(parts));
        return PAM_SUCCESS;
}

static void free_login(pam_handle_t *pamh, void *data, int error_status)
{
        (void)pamh;
        (void)error_status;
        free(data);
}

/* Kept for pam_sm_acct_mgmt() and the session; the environment for the
 * application (and, under sshd, for the process that opens the session). */
static int remember_login(const struct apikey_ctx *c, const struct apikey_reply *reply)
{
        struct apikey_login *l = calloc(1, sizeof(*l));
        int r;

        if (!l)
                return PAM_BUF_ERR;
        l->with_key = true;
        snprintf(l->user, sizeof(l->user), "%s", c->user);
        snprintf(l->key_id, sizeof(l->key_id), "%s", reply->key_id);
        snprintf(l->identity, sizeof(l->identity), "%s", reply->identity);
        r = apikey_env_assert(c->pamh, l);
        if (r == PAM_SUCCESS)
                r = pam_set_data(c->pamh, APIKEY_DATA_AUTHENTICATED, l, free_login);
        if (r != PAM_SUCCESS)
                free(l);
        return r;
}

/* An "ok" that does not name the key we sent and an identity is not one we
 * can act on: the daemon is confused, so we are unavailable, not open. */
static int grant(const struct apikey_ctx *c, const struct apikey_reply *reply)
{
        int r;

        if (!key_id_valid(reply->key_id) || strcmp(reply->key_id, c->key_id) != 0 || !reply->identity[0]) {
                pam_syslog(c->pamh, LOG_ERR, "daemon accepted key %s without its key ID and identity", c->key_id);
                return PAM_AUTHINFO_UNAVAIL;
        }
        r = remember_login(c, reply);
        if (r != PAM_SUCCESS) {
                forget_success(c->pamh);
                return r;
        }
        /* The daemon's audit record says the same: one line per login here
         * only when asked for (issue 14: it was a tenth of a login's cost). */
        if (c->opts.log_success || c->opts.debug)
                pam_syslog(c->pamh, LOG_INFO,
                           "user %s authenticated with key %s (identity %s) for service %s from %s", c->user,
                           c->key_id, reply->identity, apikey_str(c->service), apikey_str(c->rhost));
        return PAM_SUCCESS;
}

static int apply_verdict(const struct apikey_ctx *c, const struct apikey_reply *reply)
{
        int r = verdict_to_pam(reply->verdict);

        if (r == PAM_SUCCESS)
                return grant(c, reply);
        pam_syslog(c->pamh, LOG_NOTICE, "key %s refused: %s (%u); user %s, service %s, rhost %s", c->key_id,
                   verdict_name(reply->verdict), (unsigned)reply->verdict, c->user, apikey_str(c->service),
                   apikey_str(c->rhost));
        return r;
}

APIKEY_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct apikey_ctx c = { .pamh = pamh };
        struct apikey_reply reply = { 0 };
        const char *key = NULL;
        int r;

        (void)flags; /* the module never talks to the user beyond the prompt */
        forget_success(pamh);
        r = apikey_parse_args(pamh, argc, argv, &c.opts);
        if (r != PAM_SUCCESS)
                return r;
        /* As pam_unix: libpam waits (randomised) before returning a failure,
         * which slows online guessing; the application may override it. */
        if (!c.opts.nodelay)
                (void)pam_fail_delay(pamh, APIKEY_FAIL_DELAY_USEC);

        r = get_user(&c);
        if (r == PAM_SUCCESS)
                r = get_items(&c);
        if (r == PAM_SUCCESS)
                r = get_key(&c, &key);
        if (r == PAM_SUCCESS)
                r = check_key_format(&c, key);
        if (r == PAM_SUCCESS)
                r = apikey_ask_daemon(&c, key, false, &reply);
        if (r == PAM_SUCCESS)
                r = apply_verdict(&c, &reply);
        return r;
}

/* The key's own state (disabled, expired) was checked at authentication;
 * for a login that did not use a key this module has no opinion. If a module
 * changed PAM_USER since we authenticated, the key does not vouch for the new
 * user: deny. */
APIKEY_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct apikey_opts opts;
        const void *data = NULL;
        const struct apikey_login *login;
        const char *user = NULL;
        int r = apikey_parse_args(pamh, argc, argv, &opts);

        (void)flags;
        if (r != PAM_SUCCESS)
                return r;
        if (pam_get_data(pamh, APIKEY_DATA_AUTHENTICATED, &data) != PAM_SUCCESS || !data)
                return PAM_IGNORE;
        login = data;
        if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || !user ||
            strcmp(user, login->user) != 0) {
                pam_syslog(pamh, LOG_ERR, "PAM_USER changed after authentication with a key; denying");
                return PAM_PERM_DENIED;
        }
        return PAM_SUCCESS;
}
