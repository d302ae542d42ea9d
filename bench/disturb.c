/* disturb.c - what runs beside a measured row of logins, to show what it
 * costs them (issue 13 item 1, issue 9 item 3):
 *   slow readers: clients that ask for the whole audit log and never read
 *     the answer; when the daemon drops one, another takes its place;
 *   verify: `apikeyctl audit --verify` over and over. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "disturb.h"
#include "proto.h"
#include "transport.h"
#include "wire.h"

static int open_reader(const char *ctl_sock, const struct wire_buf *req)
{
        int fd;

        if (transport_connect(ctl_sock, transport_now_ms() + 1000, &fd) < 0)
                return -1;
        if (send(fd, req->data, req->len, MSG_NOSIGNAL) != (ssize_t)req->len) {
                close(fd);
                return -1;
        }
        return fd;
}

static void pause_ms(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

void disturb_slow_readers(void *arg, uint64_t start_ns)
{
        struct disturb *d = arg;
        uint64_t end = start_ns + (uint64_t)(d->seconds * 1e9);
        struct pollfd p[DISTURB_READERS_MAX];
        unsigned n = d->n > DISTURB_READERS_MAX ? DISTURB_READERS_MAX : d->n;
        struct wire_buf req;

        wire_init(&req, MSG_CTL_REQUEST);
        wire_put_u32(&req, TAG_COMMAND, CTL_AUDIT);
        if (wire_finish(&req) < 0)
                return;
        for (unsigned i = 0; i < n; i++) {
                p[i] = (struct pollfd){ .fd = open_reader(d->ctl_sock, &req), .events = POLLRDHUP };
                d->rounds += p[i].fd >= 0;
        }
        while (bench_now_ns() < end) {
                (void)poll(p, n, 50);
                for (unsigned i = 0; i < n; i++) {
                        if (p[i].fd >= 0 && !(p[i].revents & (POLLHUP | POLLRDHUP | POLLERR)))
                                continue;
                        if (p[i].fd >= 0) {
                                close(p[i].fd);
                                d->dropped++;
                        }
                        p[i].fd = open_reader(d->ctl_sock, &req);
                        p[i].revents = 0;
                        d->rounds += p[i].fd >= 0;
                }
        }
        for (unsigned i = 0; i < n; i++)
                if (p[i].fd >= 0)
                        close(p[i].fd);
}

void disturb_verify(void *arg, uint64_t start_ns)
{
        static const char *const args[] = { "audit", "--verify", NULL };
        struct disturb *d = arg;
        uint64_t end = start_ns + (uint64_t)(d->seconds * 1e9);

        while (bench_now_ns() < start_ns)
                pause_ms(1);
        while (bench_now_ns() < end) {
                int r = ctl_run(d->o, d->ctl_sock, args, NULL);
                if (r == 0 || r == 1) /* 1: a broken chain is an answer too */
                        d->rounds++;
                else {
                        d->errors++;
                        d->last_status = r;
                }
        }
}
