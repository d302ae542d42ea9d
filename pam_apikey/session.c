/* session.c - APIKEY_ID and APIKEY_IDENTITY in a session are the module's,
 * or absent.
 *
 * Whatever runs between authentication and the user's shell can change the
 * PAM environment: Debian's /etc/pam.d/sshd runs "pam_env.so user_readenv=1"
 * in its session stack, which reads ~/.pam_environment, a file the user
 * writes. So the session entry point, stacked last, puts the login's values
 * back, and removes both variables when no key was used.
 *
 * Where the login's values come from:
 *  - an application that authenticates and opens the session in one process
 *    (sudo, su, login, nginx): the PAM data pam_sm_authenticate() kept;
 *  - sshd: it authenticates in a child of its privileged monitor, which hands
 *    back the PAM environment but not module data, and then calls
 *    pam_setcred() and pam_open_session() in the monitor. pam_setcred() runs
 *    the auth stack, before any session module: there the environment holds
 *    what the auth and account stacks left, which is ours (a failed or
 *    skipped key attempt removes both variables). pam_sm_setcred() keeps
 *    those values as PAM data, which the session uses, and which the
 *    processes sshd forks later inherit.
 * Without either (a session opened with no pam_setcred() and no key
 * authentication in this process) the session removes the variables. */
#include "pam_apikey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int env_set(pam_handle_t *pamh, const char *name, const char *value)
{
        char buf[sizeof("APIKEY_IDENTITY=") + PROTO_IDENTITY_MAX];
        int n = snprintf(buf, sizeof(buf), "%s=%s", name, value);

        if (n < 0 || (size_t)n >= sizeof(buf))
                return PAM_BUF_ERR;
        return pam_putenv(pamh, buf);
}

static int env_unset(pam_handle_t *pamh, const char *name)
{
        /* libpam logs an error for deleting a variable that is not set. */
        return pam_getenv(pamh, name) ? pam_putenv(pamh, name) : PAM_SUCCESS;
}

int apikey_env_assert(pam_handle_t *pamh, const struct apikey_login *login)
{
        int r;

        if (!login || !login->with_key) {
                r = env_unset(pamh, "APIKEY_ID");
                return r == PAM_SUCCESS ? env_unset(pamh, "APIKEY_IDENTITY") : r;
        }
        r = env_set(pamh, "APIKEY_ID", login->key_id);
        return r == PAM_SUCCESS ? env_set(pamh, "APIKEY_IDENTITY", login->identity) : r;
}

static const struct apikey_login *get_login(pam_handle_t *pamh, const char *name)
{
        const void *data = NULL;

        if (pam_get_data(pamh, name, &data) != PAM_SUCCESS)
                return NULL;
        return data;
}

/* What the wire would have carried: bounded, no control bytes. */
static bool env_value_fits(const char *s, size_t max)
{
        size_t len = strnlen(s, max + 1);

        if (len == 0 || len > max)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

static void free_login(pam_handle_t *pamh, void *data, int error_status)
{
        (void)pamh;
        (void)error_status;
        free(data);
}

/* The values the auth and account stacks left in the environment, as PAM
 * data; anything malformed counts as no key. */
static int capture(pam_handle_t *pamh, const struct apikey_opts *o, const struct apikey_login **ret)
{
        const char *id = pam_getenv(pamh, "APIKEY_ID"), *identity = pam_getenv(pamh, "APIKEY_IDENTITY");
        const char *user = NULL;
        struct apikey_login *l = calloc(1, sizeof(*l));
        int r;

        if (!l)
                return PAM_BUF_ERR;
        (void)pam_get_item(pamh, PAM_USER, (const void **)&user);
        if (id && identity && user && key_id_valid(id) && env_value_fits(identity, PROTO_IDENTITY_MAX) &&
            env_value_fits(user, PROTO_USER_MAX)) {
                l->with_key = true;
                snprintf(l->user, sizeof(l->user), "%s", user);
                snprintf(l->key_id, sizeof(l->key_id), "%s", id);
                snprintf(l->identity, sizeof(l->identity), "%s", identity);
        }
        if (o->debug)
                pam_syslog(pamh, LOG_DEBUG, "setcred: %s", l->with_key ? "a key login" : "no key was used");
        r = pam_set_data(pamh, APIKEY_DATA_CAPTURED, l, free_login);
        if (r != PAM_SUCCESS) {
                free(l);
                return r;
        }
        *ret = l;
        return PAM_SUCCESS;
}

/* The login's values, or NULL: no key, or PAM_USER is no longer the user the
 * key vouched for (the values do not describe this session then). */
static const struct apikey_login *login_for_session(pam_handle_t *pamh, const struct apikey_login *l)
{
        const char *user = NULL;

        if (!l || !l->with_key)
                return NULL;
        if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || !user || strcmp(user, l->user) != 0) {
                pam_syslog(pamh, LOG_ERR, "PAM_USER changed after authentication with key %s; "
                           "removing APIKEY_ID and APIKEY_IDENTITY", l->key_id);
                return NULL;
        }
        return l;
}

/* Puts the login's values back; says so when something had changed them. */
static int reassert(pam_handle_t *pamh, const struct apikey_opts *o, const struct apikey_login *l,
                    const char *phase)
{
        const char *id = pam_getenv(pamh, "APIKEY_ID"), *identity = pam_getenv(pamh, "APIKEY_IDENTITY");
        bool changed = l ? !id || !identity || strcmp(id, l->key_id) != 0 || strcmp(identity, l->identity) != 0
                         : id || identity;

        if (changed)
                pam_syslog(pamh, LOG_NOTICE, "%s: APIKEY_ID or APIKEY_IDENTITY was changed after authentication "
                           "(by pam_env or another module); %s", phase, l ? "restoring the key's values" : "removing them");
        else if (o->debug)
                pam_syslog(pamh, LOG_DEBUG, "%s: %s", phase, l ? "key login, values unchanged" : "no key was used");
        return apikey_env_assert(pamh, l);
}

/* A key grants no credentials of its own; this is where the module learns,
 * in sshd's monitor, what the authentication in its child established. */
APIKEY_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct apikey_opts opts;
        const struct apikey_login *l;
        int r = apikey_parse_args(pamh, argc, argv, &opts);

        (void)flags;
        if (r != PAM_SUCCESS)
                return r;
        l = get_login(pamh, APIKEY_DATA_AUTHENTICATED);
        if (!l)
                l = get_login(pamh, APIKEY_DATA_CAPTURED);
        if (!l) {
                r = capture(pamh, &opts, &l);
                if (r != PAM_SUCCESS)
                        return PAM_CRED_ERR;
        }
        return reassert(pamh, &opts, login_for_session(pamh, l), "setcred") == PAM_SUCCESS ? PAM_SUCCESS
                                                                                             : PAM_CRED_ERR;
}

/* Stacked last in the session stack: after pam_env. */
APIKEY_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct apikey_opts opts;
        const struct apikey_login *l;
        int r = apikey_parse_args(pamh, argc, argv, &opts);

        (void)flags;
        if (r != PAM_SUCCESS)
                return r;
        l = get_login(pamh, APIKEY_DATA_AUTHENTICATED);
        if (!l)
                l = get_login(pamh, APIKEY_DATA_CAPTURED);
        /* Nothing known: whatever is there did not come from this module. */
        return reassert(pamh, &opts, login_for_session(pamh, l), "session") == PAM_SUCCESS ? PAM_SUCCESS
                                                                                            : PAM_SESSION_ERR;
}

APIKEY_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct apikey_opts opts;

        (void)flags;
        return apikey_parse_args(pamh, argc, argv, &opts);
}
