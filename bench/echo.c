/* echo.c - the transport floor: a trivial server on the same socket type
 * (SOCK_SEQPACKET), answering every request with a record the size of a
 * real AUTH_REPLY, and a client that does what the module does per login:
 * connect, send an AUTH_REQUEST built with the same codec, receive, close.
 *
 * The server is one process with one epoll loop, structured as the daemon
 * is (accept, wait for the request, answer, close) with none of its work. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"
#include "proto.h"
#include "transport.h"
#include "wire.h"

#define ECHO_EVENTS 64

struct echo_server {
        struct wire_buf reply; /* the same for every request */
        bool grant;            /* instead: ok for the key ID sent */
        char identity[PROTO_IDENTITY_MAX + 1];
};

/* The granting server answers ok for the key ID it was sent, so that the
 * real module accepts the answer: the module's own cost, without the
 * daemon's. */
static void grant_reply(const uint8_t *buf, size_t n, const char *identity, struct wire_buf *out)
{
        char key[KEY_MAX_INPUT + 1];
        struct key_parts parts;
        struct wire_msg m;

        wire_init(out, MSG_AUTH_REPLY);
        if (wire_parse(buf, n, &m) < 0 || wire_get_str(&m, TAG_KEY, key, sizeof(key)) < 0 ||
            key_parse(key, &parts) < 0) {
                wire_put_u32(out, TAG_VERDICT, VERDICT_MALFORMED);
        } else {
                wire_put_u32(out, TAG_VERDICT, VERDICT_OK);
                wire_put_str(out, TAG_KEY_ID, parts.id);
                wire_put_str(out, TAG_IDENTITY, identity);
        }
        (void)wire_finish(out);
        explicit_bzero(key, sizeof(key));
        explicit_bzero(&parts, sizeof(parts));
}

static void serve_one(int fd, const struct echo_server *srv)
{
        uint8_t buf[WIRE_MAX_MSG];
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        struct wire_buf granted;
        const struct wire_buf *reply = &srv->reply;

        if (n < 0 && errno == EAGAIN)
                return; /* spurious: wait again */
        if (n > 0 && srv->grant) {
                grant_reply(buf, (size_t)n, srv->identity, &granted);
                reply = &granted;
        }
        if (n > 0)
                (void)send(fd, reply->data, reply->len, MSG_NOSIGNAL | MSG_DONTWAIT);
        close(fd); /* removes it from the epoll set too */
}

static void accept_all(int ep, int lfd)
{
        for (;;) {
                int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                struct epoll_event ev = { .events = EPOLLIN };

                if (cfd < 0)
                        return;
                ev.data.fd = cfd;
                if (epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev) < 0)
                        close(cfd);
        }
}

static void __attribute__((noreturn)) serve(int lfd, const struct echo_server *srv)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }, evs[ECHO_EVENTS];
        int ep = epoll_create1(EPOLL_CLOEXEC);

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
                _exit(1);
        for (;;) {
                int n = epoll_wait(ep, evs, ECHO_EVENTS, -1);
                for (int i = 0; i < n; i++) {
                        if (evs[i].data.fd == lfd)
                                accept_all(ep, lfd);
                        else
                                serve_one(evs[i].data.fd, srv);
                }
        }
}

static int listen_on(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), r;

        if (fd < 0)
                return -errno;
        if (strlen(path) >= sizeof(sa.sun_path)) {
                close(fd);
                return -ENAMETOOLONG;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        unlink(path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

int echo_start(const char *socket_path, const char *reply_identity, bool grant, pid_t *ret_pid)
{
        struct echo_server srv = { .grant = grant };
        int fd, r;
        pid_t pid;

        /* What the daemon answers to a valid key. */
        snprintf(srv.identity, sizeof(srv.identity), "%s", reply_identity);
        wire_init(&srv.reply, MSG_AUTH_REPLY);
        wire_put_u32(&srv.reply, TAG_VERDICT, VERDICT_OK);
        wire_put_str(&srv.reply, TAG_KEY_ID, "abcdefghijkl");
        wire_put_str(&srv.reply, TAG_IDENTITY, reply_identity);
        r = wire_finish(&srv.reply);
        if (r < 0)
                return r;
        fd = listen_on(socket_path);
        if (fd < 0)
                return fd;
        pid = fork();
        if (pid == 0)
                serve(fd, &srv);
        r = pid < 0 ? -errno : 0;
        close(fd);
        if (r == 0)
                *ret_pid = pid;
        return r;
}

int echo_exchange(const char *socket_path, const char *user, const char *rhost, const char *key)
{
        int64_t deadline = transport_now_ms() + 5000;
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_buf req;
        struct wire_msg m;
        int fd = -1, r;

        wire_init(&req, MSG_AUTH_REQUEST);
        wire_put_str(&req, TAG_USER, user);
        wire_put_str(&req, TAG_SERVICE, BENCH_SERVICE);
        wire_put_str(&req, TAG_RHOST, rhost);
        wire_put_str(&req, TAG_TTY, BENCH_TTY);
        wire_put_str(&req, TAG_KEY, key);
        r = wire_finish(&req);
        if (r == 0)
                r = transport_connect(socket_path, deadline, &fd);
        if (r == 0)
                r = transport_send(fd, &req, deadline);
        if (r == 0)
                r = transport_recv(fd, buf, sizeof(buf), &m, deadline);
        if (r == 0 && m.type != MSG_AUTH_REPLY)
                r = -EBADMSG;
        if (fd >= 0)
                close(fd);
        wire_wipe(&req);
        return r;
}

enum outcome echo_op(void *ctx, uint64_t *rng)
{
        static bool reported;
        const struct echo_work *w = ctx;
        const char *key = w->keys->keys[rng_next(rng) % w->keys->n];
        char rhost[32];
        int r;

        bench_rhost(rng, rhost, sizeof(rhost));
        r = echo_exchange(w->socket_path, w->user, rhost, key);
        if (r < 0 && !reported) {
                reported = true;
                fprintf(stderr, "apikey-bench: client %d: echo exchange: %s\n", (int)getpid(), strerror(-r));
        }
        return r == 0 ? OUT_EXPECTED : OUT_ERROR;
}
