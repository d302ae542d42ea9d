/* server.c - accept connections and run one request per connection.
 *
 * A connection carries exactly one request: the module and the CLI connect,
 * send, read the answer and close. Each connection has a deadline; a client
 * that sends nothing is dropped. Requests are handled in the event loop's
 * thread, one at a time: the work per request is one indexed SQLite lookup. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "transport.h"

struct conn {
        struct daemon *d;
        enum listener_kind kind;
        struct peer peer;
        sd_event_source *io;
        sd_event_source *timer;
};

static void idle_rearm(struct daemon *d)
{
        uint64_t now;

        if (!d->idle_timer || sd_event_now(d->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        sd_event_source_set_time(d->idle_timer, now + d->idle_exit_sec * 1000000ULL);
        sd_event_source_set_enabled(d->idle_timer, SD_EVENT_ONESHOT);
}

static void conn_free(struct conn *c)
{
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        close(c->peer.fd);
        c->d->connections--;
        idle_rearm(c->d);
        free(c);
}

static void dispatch(struct conn *c, const uint8_t *buf, ssize_t n)
{
        struct wire_msg m;
        bool ok = n > 0 && wire_parse(buf, (size_t)n, &m) == 0;

        if (c->kind == LISTENER_AUTH) {
                if (ok && m.type == MSG_LEAK_REPORT)
                        leak_report_handle(c->d, &c->peer, &m);
                else if (ok)
                        auth_handle(c->d, &c->peer, &m);
                else
                        auth_reject(c->d, &c->peer);
        } else {
                if (ok)
                        control_handle(c->d, &c->peer, &m);
                else
                        control_reject(&c->peer, "malformed request or unsupported protocol version");
        }
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;
        uint8_t buf[WIRE_MAX_MSG];
        ssize_t n;

        (void)s;
        (void)revents;
        n = transport_recv_record(fd, buf, sizeof(buf));
        if (n == -EAGAIN)
                return 0;
        if (n > 0 || n == -EMSGSIZE)
                dispatch(c, buf, n);
        else if (n == 0)
                log_debug("pid %d closed the connection without a request", (int)c->peer.pid);
        else
                log_warning("reading a request from pid %d: %s", (int)c->peer.pid, strerror((int)-n));
        explicit_bzero(buf, sizeof(buf)); /* requests carry keys */
        conn_free(c);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct conn *c = userdata;

        (void)s;
        (void)usec;
        log_debug("dropping pid %d: no request within %d ms", (int)c->peer.pid, CONN_TIMEOUT_MS);
        conn_free(c);
        return 0;
}

static int conn_new(struct daemon *d, int fd, enum listener_kind kind)
{
        struct conn *c = calloc(1, sizeof(*c));
        int r;

        if (!c) {
                close(fd);
                return -ENOMEM;
        }
        c->d = d;
        c->kind = kind;
        d->connections++;
        r = peer_from_fd(fd, &c->peer);
        c->peer.fd = fd;
        if (r == 0)
                r = sd_event_add_io(d->event, &c->io, fd, EPOLLIN, on_readable, c);
        if (r == 0)
                r = sd_event_add_time_relative(d->event, &c->timer, CLOCK_MONOTONIC, CONN_TIMEOUT_MS * 1000ULL,
                                               0, on_timeout, c);
        if (r < 0) {
                log_error("cannot serve a connection: %s", strerror(-r));
                conn_free(c);
        }
        return r;
}

struct listener {
        struct daemon *d;
        enum listener_kind kind;
};

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct listener *l = userdata;
        int cfd;

        (void)s;
        (void)revents;
        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        log_warning("accept: %m");
                return 0;
        }
        if (l->d->connections >= l->d->max_connections) {
                /* Closed at once: the client fails closed (PAM_AUTHINFO_UNAVAIL)
                 * and the daemon keeps its memory and descriptors bounded. */
                close(cfd);
                if (!l->d->warned_full)
                        log_warning("%u connections open; refusing more until some close", l->d->connections);
                l->d->warned_full = true;
                return 0;
        }
        l->d->warned_full = false;
        conn_new(l->d, cfd, l->kind);
        return 0;
}

int server_add_listener(struct daemon *d, int fd, enum listener_kind kind)
{
        struct listener *l = calloc(1, sizeof(*l));
        sd_event_source *s = NULL;
        int r;

        if (!l)
                return -ENOMEM;
        *l = (struct listener){ .d = d, .kind = kind };
        r = sd_event_add_io(d->event, &s, fd, EPOLLIN, on_accept, l);
        if (r < 0) {
                free(l);
                return r;
        }
        /* The loop owns the source and frees the listener with it. */
        sd_event_source_set_destroy_callback(s, free);
        sd_event_source_set_io_fd_own(s, 1);
        sd_event_source_set_floating(s, 1);
        sd_event_source_unref(s);
        return 0;
}

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct daemon *d = userdata;

        (void)s;
        (void)usec;
        if (d->connections > 0)
                return 0; /* re-armed when the last connection closes */
        log_info("idle for %" PRIu64 " s, exiting; systemd keeps the sockets", d->idle_exit_sec);
        return sd_event_exit(d->event, 0);
}

int server_setup_idle(struct daemon *d)
{
        int r;

        if (d->idle_exit_sec == 0)
                return 0;
        r = sd_event_add_time_relative(d->event, &d->idle_timer, CLOCK_MONOTONIC, d->idle_exit_sec * 1000000ULL,
                                       0, on_idle, d);
        return r < 0 ? r : 0;
}

static int on_flush(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)s;
        (void)usec;
        /* A busy writer hands over the rest when it is done (writer.c). */
        (void)daemon_flush_async(userdata);
        return 0;
}

static int on_maintenance(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct daemon *d = userdata;

        daemon_maintenance(d);
        return sd_event_source_set_time(s, usec + MAINTENANCE_INTERVAL_USEC);
}

static int on_orphan_scan(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct daemon *d = userdata;

        (void)orphan_scan(d);
        return sd_event_source_set_time(s, usec + d->orphan_scan_sec * 1000000ULL);
}

/* The flush timer is armed by flush_soon() when there is something to write;
 * maintenance runs at start and then hourly; the scan for deleted accounts
 * every --orphan-scan-interval (main.c runs one before serving). */
int server_setup_timers(struct daemon *d)
{
        int r = sd_event_add_time_relative(d->event, &d->flush_timer, CLOCK_MONOTONIC, FLUSH_INTERVAL_USEC, 0,
                                           on_flush, d);

        if (r >= 0)
                r = sd_event_source_set_enabled(d->flush_timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(d->event, &d->maintenance_timer, CLOCK_MONOTONIC, 0, 0,
                                               on_maintenance, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->maintenance_timer, SD_EVENT_ON);
        if (r >= 0 && d->orphan_scan_sec)
                r = sd_event_add_time_relative(d->event, &d->orphan_timer, CLOCK_MONOTONIC,
                                               d->orphan_scan_sec * 1000000ULL, 0, on_orphan_scan, d);
        if (r >= 0 && d->orphan_timer)
                r = sd_event_source_set_enabled(d->orphan_timer, SD_EVENT_ON);
        return r < 0 ? r : 0;
}
