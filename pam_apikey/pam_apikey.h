/* pam_apikey.h - what the parts of the module share: its options, the state
 * of one authentication and the steps pam_sm_authenticate() takes.
 *
 * Everything here lives on the caller's stack for one PAM call: the module
 * runs inside someone else's process (sshd, sudo) and keeps no global state. */
#ifndef APIKEY_PAM_APIKEY_H
#define APIKEY_PAM_APIKEY_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "key.h"
#include "proto.h"

#define APIKEY_EXPORT __attribute__((visibility("default")))

#define APIKEY_DEFAULT_SOCKET "/run/apikeyd/auth.sock"
#define APIKEY_DEFAULT_TIMEOUT 5 /* seconds */
#define APIKEY_TIMEOUT_MIN 1
#define APIKEY_TIMEOUT_MAX 60

/* PAM data, a struct apikey_login each. AUTHENTICATED: set by a successful
 * pam_sm_authenticate(), so pam_sm_acct_mgmt() knows whom the key vouched
 * for, and the session what to put in the environment. CAPTURED: what
 * pam_sm_setcred() found in the PAM environment when there was no
 * AUTHENTICATED data (sshd authenticates in another process), kept for the
 * session (session.c says why). */
#define APIKEY_DATA_AUTHENTICATED "pam_apikey_authenticated"
#define APIKEY_DATA_CAPTURED "pam_apikey_captured"

struct apikey_opts {
        const char *socket_path; /* points into argv: valid for this call */
        int timeout_s;
        bool use_first_pass;
        bool try_first_pass;
        bool nodelay; /* no pam_fail_delay() on failure (as pam_unix's nodelay) */
        bool debug;
        bool log_success; /* a syslog line for each success (failures are always logged) */
};

/* One authentication: the PAM items we send, all owned by libpam. */
struct apikey_ctx {
        pam_handle_t *pamh;
        struct apikey_opts opts;
        const char *user;
        const char *service;
        const char *rhost; /* NULL when the application did not set it */
        const char *tty;   /* likewise */
        char key_id[KEY_ID_LEN + 1]; /* public half of the key, for logs */
};

/* What the daemon said; the strings are empty when the reply left them out. */
struct apikey_reply {
        uint32_t verdict;
        char key_id[KEY_ID_LEN + 1];
        char identity[PROTO_IDENTITY_MAX + 1];
};

/* What a login established: the values of APIKEY_ID and APIKEY_IDENTITY,
 * or (with_key false) that no key was used. */
struct apikey_login {
        bool with_key;
        char user[PROTO_USER_MAX + 1];
        char key_id[KEY_ID_LEN + 1];
        char identity[PROTO_IDENTITY_MAX + 1];
};

/* Debug lines only when the administrator asked for them. */
#define apikey_debug(c, fmt, ...)                                                   \
        do {                                                                        \
                if ((c)->opts.debug)                                                \
                        pam_syslog((c)->pamh, LOG_DEBUG, fmt, ##__VA_ARGS__);       \
        } while (0)

/* The log form of an optional item. */
#define apikey_str(s) ((s) ? (s) : "-")

/* args.c: fills o from the module arguments. PAM_SUCCESS, or PAM_SYSTEM_ERR
 * (logged) for any bad argument: the module then fails closed. */
int apikey_parse_args(pam_handle_t *pamh, int argc, const char **argv, struct apikey_opts *o);

#define APIKEY_FAIL_DELAY_USEC 2000000 /* as pam_unix: libpam randomises it by up to 25% */

/* client.c: one request/reply exchange with apikeyd: an authentication, or
 * (leaked) a report of a key typed where it does not belong. Returns
 * PAM_SUCCESS when *ret holds the daemon's verdict, else the PAM code to
 * return. */
int apikey_ask_daemon(const struct apikey_ctx *c, const char *key, bool leaked, struct apikey_reply *ret);

/* session.c: makes APIKEY_ID and APIKEY_IDENTITY in the PAM environment
 * the login's values, or removes both (login NULL or without a key). */
int apikey_env_assert(pam_handle_t *pamh, const struct apikey_login *login);

/* verdict.c: the one table from daemon verdicts to PAM codes. */
int verdict_to_pam(uint32_t verdict);
const char *verdict_name(uint32_t verdict);

#endif
