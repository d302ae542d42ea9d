/* client.c - one bounded exchange with apikeyd: connect, check who is
 * listening, send the request, read the verdict. Every step shares one
 * deadline, so a stuck daemon costs the login at most timeout= seconds. */
#include "pam_apikey.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport.h"
#include "wire.h"

#define APIKEY_DAEMON_USER "apikeyd"

static int build_request(const struct apikey_ctx *c, const char *key, struct wire_buf *req)
{
        wire_init(req, MSG_AUTH_REQUEST);
        wire_put_str(req, TAG_USER, c->user);
        wire_put_str(req, TAG_SERVICE, c->service);
        wire_put_str(req, TAG_RHOST, c->rhost);
        wire_put_str(req, TAG_TTY, c->tty);
        wire_put_str(req, TAG_KEY, key);
        return wire_finish(req);
}

/* The daemon runs as the "apikeyd" system account when there is one; under
 * socket activation the listener is PID 1's, so root is always accepted.
 * Looked up only for an owner or peer that is not root: the NSS lookup
 * reads /etc/passwd to its end when there is no such account, which was
 * the largest cost of a login in the module (bench/, BENCHMARKS.md). */
static uid_t trusted_uid(const struct apikey_ctx *c)
{
        struct passwd pw, *found = NULL;
        char buf[4096]; /* bounded: a too-large entry means root only */
        int r = getpwnam_r(APIKEY_DAEMON_USER, &pw, buf, sizeof(buf), &found);

        if (r != 0 || !found) {
                apikey_debug(c, "no %s account, trusting root only", APIKEY_DAEMON_USER);
                return 0;
        }
        return found->pw_uid;
}

/* Before connecting: the path must be a socket (not a symlink, FIFO or file)
 * owned by root or the daemon's account. */
static int check_socket_path(const struct apikey_ctx *c)
{
        struct stat st;

        if (lstat(c->opts.socket_path, &st) < 0) {
                pam_syslog(c->pamh, LOG_ERR, "cannot reach %s: %s", c->opts.socket_path, strerror(errno));
                return PAM_AUTHINFO_UNAVAIL;
        }
        if (!S_ISSOCK(st.st_mode) || (st.st_uid != 0 && st.st_uid != trusted_uid(c))) {
                pam_syslog(c->pamh, LOG_ERR, "refusing %s: not a socket owned by root or the %s account",
                           c->opts.socket_path, APIKEY_DAEMON_USER);
                return PAM_AUTHINFO_UNAVAIL;
        }
        return PAM_SUCCESS;
}

/* After connecting: never hand a key to whoever managed to bind the path. */
static int check_peer(const struct apikey_ctx *c, int fd)
{
        struct ucred cred;
        uid_t uid = 0;
        int r = transport_peer_cred(fd, &cred);

        if (r == 0 && cred.uid != 0)
                uid = trusted_uid(c);
        if (r == 0 && cred.uid != 0 && cred.uid != uid)
                r = -EPERM;

        if (r < 0) {
                pam_syslog(c->pamh, LOG_ERR, "refusing to send a key to %s: peer is neither root nor the %s account (uid %u): %s",
                           c->opts.socket_path, APIKEY_DAEMON_USER, (unsigned)uid, strerror(-r));
                return PAM_AUTHINFO_UNAVAIL;
        }
        return PAM_SUCCESS;
}

static int decode_reply(const struct apikey_ctx *c, const struct wire_msg *m, struct apikey_reply *ret)
{
        if (m->type != MSG_AUTH_REPLY || wire_get_u32(m, TAG_VERDICT, &ret->verdict) < 0) {
                pam_syslog(c->pamh, LOG_ERR, "unexpected reply (type %u) from %s", m->type,
                           c->opts.socket_path);
                return PAM_AUTHINFO_UNAVAIL;
        }
        /* Both are optional on the wire; the caller decides what it needs.
         * The buffers are sized to the protocol bounds, so only -ENOENT remains. */
        if (wire_get_str(m, TAG_KEY_ID, ret->key_id, sizeof(ret->key_id)) < 0)
                ret->key_id[0] = '\0';
        if (wire_get_str(m, TAG_IDENTITY, ret->identity, sizeof(ret->identity)) < 0)
                ret->identity[0] = '\0';
        return PAM_SUCCESS;
}

static int talk(const struct apikey_ctx *c, int fd, const struct wire_buf *req, int64_t deadline,
                struct apikey_reply *ret)
{
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_msg m;
        int r = check_peer(c, fd);

        if (r != PAM_SUCCESS)
                return r;
        r = transport_send(fd, req, deadline);
        /* The verdict is never there the moment the request has gone: wait
         * first (poll, recvmsg) rather than find the queue empty (recvmsg,
         * poll, recvmsg): one system call less per login. */
        if (r == 0)
                r = transport_wait_readable(fd, deadline);
        if (r == 0)
                r = transport_recv(fd, buf, sizeof(buf), &m, deadline);
        if (r == -ECONNRESET) {
                pam_syslog(c->pamh, LOG_ERR, "%s closed the connection without answering (see apikeyd's log)",
                           c->opts.socket_path);
                return PAM_AUTHINFO_UNAVAIL;
        }
        if (r < 0) {
                pam_syslog(c->pamh, LOG_ERR, "exchange with %s failed: %s", c->opts.socket_path, strerror(-r));
                return PAM_AUTHINFO_UNAVAIL;
        }
        return decode_reply(c, &m, ret);
}

static int exchange(const struct apikey_ctx *c, const struct wire_buf *req, struct apikey_reply *ret)
{
        int64_t deadline = transport_now_ms() + (int64_t)c->opts.timeout_s * 1000;
        int fd = -1;
        int r = check_socket_path(c);

        if (r != PAM_SUCCESS)
                return r;
        r = transport_connect(c->opts.socket_path, deadline, &fd);
        if (r < 0) {
                pam_syslog(c->pamh, LOG_ERR, "cannot connect to %s: %s", c->opts.socket_path, strerror(-r));
                return PAM_AUTHINFO_UNAVAIL;
        }
        apikey_debug(c, "connected to %s", c->opts.socket_path);
        r = talk(c, fd, req, deadline, ret);
        close(fd);
        return r;
}

static int build_leak_report(const struct apikey_ctx *c, const char *key, struct wire_buf *req)
{
        wire_init(req, MSG_LEAK_REPORT);
        wire_put_str(req, TAG_SERVICE, c->service);
        wire_put_str(req, TAG_RHOST, c->rhost);
        wire_put_str(req, TAG_TTY, c->tty);
        wire_put_str(req, TAG_KEY, key);
        return wire_finish(req);
}

int apikey_ask_daemon(const struct apikey_ctx *c, const char *key, bool leaked, struct apikey_reply *ret)
{
        struct wire_buf req;
        int r;

        if ((leaked ? build_leak_report(c, key, &req) : build_request(c, key, &req)) < 0) {
                /* The items were checked against the protocol bounds already. */
                pam_syslog(c->pamh, LOG_ERR, "cannot encode the request for user %s", c->user);
                r = PAM_AUTH_ERR;
        } else {
                r = exchange(c, &req, ret);
        }
        wire_wipe(&req); /* it carries the key */
        return r;
}
