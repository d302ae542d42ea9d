/* transport.c - bounded exchanges over SOCK_SEQPACKET Unix sockets. */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int64_t transport_now_ms(void)
{
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return 0;
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline: 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline_ms)
{
        for (;;) {
                struct pollfd p = { .fd = fd, .events = events };
                int64_t left = deadline_ms - transport_now_ms();
                int r;

                if (left <= 0)
                        return -ETIMEDOUT;
                r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r > 0)
                        return 0;
        }
}

int transport_connect(const char *path, int64_t deadline_ms, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r;

        if (!path || strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A Unix connect never blocks for long, but a full backlog answers
         * EAGAIN: retry until the deadline rather than hang or give up. */
        for (;;) {
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
                        break;
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN || errno == EINPROGRESS) {
                        struct timespec pause = { 0, 10 * 1000 * 1000 };
                        if (transport_now_ms() >= deadline_ms) {
                                close(fd);
                                return -ETIMEDOUT;
                        }
                        nanosleep(&pause, NULL);
                        continue;
                }
                r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int transport_peer_cred(int fd, struct ucred *ret)
{
        socklen_t len = sizeof(*ret);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ret, &len) < 0)
                return -errno;
        return len == sizeof(*ret) ? 0 : -EIO;
}

int transport_check_peer(int fd, uid_t trusted_uid)
{
        struct ucred cred;
        int r = transport_peer_cred(fd, &cred);

        if (r < 0)
                return r == -EIO ? -EPERM : r;
        if (cred.uid != 0 && cred.uid != trusted_uid)
                return -EPERM;
        return 0;
}

int transport_send(int fd, const struct wire_buf *b, int64_t deadline_ms)
{
        for (;;) {
                ssize_t n = send(fd, b->data, b->len, MSG_NOSIGNAL);
                int r;

                if (n == (ssize_t)b->len)
                        return 0;
                if (n >= 0)
                        return -EIO; /* a seqpacket record is all or nothing */
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return -errno;
                r = wait_fd(fd, POLLOUT, deadline_ms);
                if (r < 0)
                        return r;
        }
}

static ssize_t recv_once(int fd, uint8_t *buf, size_t bufsz)
{
        struct iovec iov = { .iov_base = buf, .iov_len = bufsz };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        do
                n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        if (mh.msg_flags & MSG_TRUNC)
                return -EMSGSIZE; /* never trust a partial record */
        return n;
}

ssize_t transport_recv_record(int fd, uint8_t *buf, size_t bufsz)
{
        ssize_t n = recv_once(fd, buf, bufsz);

        /* Linux reports EOF on a non-blocking SEQPACKET socket if the peer
         * sends a record and closes between the moment recvmsg finds the
         * queue empty and the moment it looks at the shutdown flag
         * (unix_dgram_recvmsg). The record is queued before the flag is
         * set, so a second look finds it. Seen as about one login in
         * 500,000 failing with "connection reset" (BENCHMARKS.md). */
        if (n == 0)
                n = recv_once(fd, buf, bufsz);
        return n;
}

int transport_wait_readable(int fd, int64_t deadline_ms)
{
        return wait_fd(fd, POLLIN, deadline_ms);
}

int transport_recv(int fd, uint8_t *buf, size_t bufsz, struct wire_msg *m, int64_t deadline_ms)
{
        for (;;) {
                ssize_t n = transport_recv_record(fd, buf, bufsz);
                int r;

                if (n == 0)
                        return -ECONNRESET;
                if (n == -EMSGSIZE)
                        return -EBADMSG;
                if (n > 0) {
                        r = wire_parse(buf, (size_t)n, m);
                        return r == -EPROTONOSUPPORT ? r : (r < 0 ? -EBADMSG : 0);
                }
                if (n != -EAGAIN)
                        return (int)n;
                r = wait_fd(fd, POLLIN, deadline_ms);
                if (r < 0)
                        return r;
        }
}
