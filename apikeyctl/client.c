/* client.c - one exchange with apikeyd over its control socket:
 *
 *   connect, check the peer is root or the apikeyd account,
 *   send one MSG_CTL_REQUEST,
 *   receive records (MSG_KEY_INFO, MSG_SID_INFO, MSG_AUDIT_RECORD; up to
 *   CTL_MAX_RECORDS) until the MSG_CTL_REPLY.
 *
 * The exchange must finish within CTL_TIMEOUT_MS of its start, or of the
 * last MSG_PROGRESS (a long audit --verify sends one now and then to say it
 * is still going). The buffers held a
 * key (the new one after create and rotate, the one found by scan): they are
 * wiped before returning. */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "records.h"
#include "transport.h"

#define START_HINT "is apikeyd running? try: systemctl start apikeyd.socket apikeyd-control.socket"

static uid_t daemon_uid(void)
{
        struct passwd *pw = getpwnam(CTL_DAEMON_USER);

        return pw ? pw->pw_uid : 0;
}

static int connect_daemon(const char *path, int64_t deadline, int *ret_fd)
{
        struct stat st;
        int fd, r;

        r = transport_connect(path, deadline, &fd);
        if (r == -ENAMETOOLONG) {
                ctl_err("socket path is too long: %s", path);
                return EXIT_USAGE;
        }
        if (r == -ETIMEDOUT) {
                ctl_err("cannot reach apikeyd at %s: timed out (it may be overloaded; try again)", path);
                return EXIT_UNREACHABLE;
        }
        if (r == -EACCES || r == -EPERM) {
                ctl_err("cannot reach apikeyd at %s: %s (the socket's permissions do not let you in: "
                        "check with ls -l %s)", path, strerror(-r), path);
                return EXIT_UNREACHABLE;
        }
        if (r < 0 && stat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
                ctl_err("cannot reach apikeyd at %s: it is %s, not a socket (check --socket and $%s; "
                        "the default is %s)", path, S_ISDIR(st.st_mode) ? "a directory" : "a file",
                        CTL_SOCKET_ENV, CTL_DEFAULT_SOCKET);
                return EXIT_UNREACHABLE;
        }
        if (r == -ENOENT && strcmp(path, CTL_DEFAULT_SOCKET) != 0) {
                ctl_err("cannot reach apikeyd at %s: there is no such socket (check --socket and $%s; "
                        "the default is %s)", path, CTL_SOCKET_ENV, CTL_DEFAULT_SOCKET);
                return EXIT_UNREACHABLE;
        }
        if (r < 0) {
                ctl_err("cannot reach apikeyd at %s: %s (%s)", path, strerror(-r), START_HINT);
                return EXIT_UNREACHABLE;
        }
        r = transport_check_peer(fd, daemon_uid());
        if (r < 0) {
                close(fd);
                ctl_err("refusing to talk to %s: it is not served by root or the '%s' account "
                        "(check --socket and $%s)", path, CTL_DAEMON_USER, CTL_SOCKET_ENV);
                return EXIT_UNREACHABLE;
        }
        *ret_fd = fd;
        return EXIT_OK;
}

/* An errno from send or receive as an exit code, with the message. */
static int io_error(const char *path, int r)
{
        switch (r) {
        case -ETIMEDOUT:
                ctl_err("apikeyd at %s did not answer within %d seconds (see: journalctl -u apikeyd)", path,
                        CTL_TIMEOUT_MS / 1000);
                return EXIT_UNREACHABLE;
        case -ECONNRESET:
        case -EPIPE:
        case -ENOTCONN:
                ctl_err("apikeyd at %s closed the connection before answering (see: journalctl -u apikeyd)",
                        path);
                return EXIT_UNREACHABLE;
        case -EBADMSG:
                return ctl_protocol_error("apikeyd sent a malformed message");
        case -EPROTONOSUPPORT:
                return ctl_protocol_error("apikeyd speaks another protocol version; upgrade apikeyctl and apikeyd together");
        default:
                ctl_err("talking to apikeyd at %s failed: %s", path, strerror(-r));
                return EXIT_FAILURE_OTHER;
        }
}

/* Decodes a record of the command's type into records. */
static int keep_record(const struct wire_msg *m, struct rec_list *records)
{
        union {
                struct key_info k;
                struct sid_info s;
                struct audit_record a;
        } rec;
        int r = rec_decode(records->type, m, &rec);

        if (r == 0 && (r = rec_list_add(records, &rec)) < 0)
                rec_free(records->type, &rec);
        if (r == -ENOMEM) {
                ctl_err("out of memory");
                return EXIT_FAILURE_OTHER;
        }
        return r < 0 ? ctl_protocol_error("malformed record") : EXIT_OK;
}

/* Receives records until the reply. Records of another type than the
 * command's are counted and dropped. */
static int receive(int fd, const struct ctl_options *o, int64_t deadline, struct wire_buf *rb,
                   struct rec_list *records, struct ctl_reply *reply)
{
        size_t nrecords = 0;

        for (;;) {
                struct wire_msg m;
                int r = transport_recv(fd, rb->data, sizeof(rb->data), &m, deadline);

                if (r < 0)
                        return io_error(o->socket, r);
                if (m.type == MSG_PROGRESS) {
                        deadline = transport_now_ms() + CTL_TIMEOUT_MS;
                        continue;
                }
                if (m.type == MSG_CTL_REPLY)
                        return reply_decode(&m, reply) < 0 ? ctl_protocol_error("malformed reply") : EXIT_OK;
                if (!rec_type_of(m.type))
                        return ctl_protocol_error("unexpected message type");
                if (++nrecords > CTL_MAX_RECORDS)
                        return ctl_protocol_error("too many records in one reply");
                if (!records || !records->type || m.type != records->type->msg_type)
                        continue;
                r = keep_record(&m, records);
                if (r != EXIT_OK)
                        return r;
        }
}

int client_exchange(const struct ctl_options *o, struct rec_list *records, struct ctl_reply *reply)
{
        int64_t deadline = transport_now_ms() + CTL_TIMEOUT_MS;
        struct wire_buf b;
        int fd = -1, r;

        if (records)
                records->type = rec_type_of(o->command == CTL_AUDIT && (o->req.flags & CTL_FLAG_VERIFY)
                                                    ? MSG_AUDIT_BREAK
                                                    : cmd_record_type(o->command));
        if (request_build(o, &b) < 0) {
                wire_wipe(&b);
                ctl_err("cannot encode the request (an argument is too long or has control characters)");
                return EXIT_USAGE;
        }
        r = connect_daemon(o->socket, deadline, &fd);
        if (r == EXIT_OK) {
                int e = transport_send(fd, &b, deadline);

                r = e < 0 ? io_error(o->socket, e) : EXIT_OK;
        }
        wire_wipe(&b);
        if (r == EXIT_OK)
                r = receive(fd, o, deadline, &b, records, reply);
        wire_wipe(&b);
        if (fd >= 0)
                close(fd);
        return r;
}
