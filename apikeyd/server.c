/* server.c - accept connections, fairly: a cap on connections at once, a
 * smaller one per uid (root exempt) and room kept for root, so that one
 * local user cannot take every slot; and when the process runs out of
 * descriptors, accepting pauses instead of spinning. conn.c serves each
 * connection. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "transport.h"

#define ACCEPT_RETRY_USEC 200000ULL     /* out of descriptors: try again after this */
#define WARN_INTERVAL_MS (60 * 1000)    /* a refusal is logged at most once a minute */
/* Connections accepted (and served) per wake-up: under load, one epoll
 * wake-up serves the whole backlog instead of one connection; the bound
 * lets the loop's other sources (the writer's, the control socket's) run
 * in between. */
#define ACCEPT_BURST 64
#define DRAIN_PROBE 8 /* see on_accept() */

struct listener {
        struct daemon *d;
        enum listener_kind kind;
        sd_event_source *source;
        struct listener *next;
        bool draining;  /* the last wake-up found more than one connection */
        unsigned wakes;
};

static void idle_rearm(struct daemon *d)
{
        uint64_t now;

        if (!d->idle_timer || sd_event_now(d->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        sd_event_source_set_time(d->idle_timer, now + d->idle_exit_sec * 1000000ULL);
        sd_event_source_set_enabled(d->idle_timer, SD_EVENT_ONESHOT);
}

/* Connections per uid: a small open table; only uids with connections. */
static struct uid_count *uid_slot(struct daemon *d, uid_t uid, bool add)
{
        struct uid_count *free_slot = NULL;

        for (size_t i = 0; i < d->n_uid_counts; i++) {
                if (d->uid_counts[i].n > 0 && d->uid_counts[i].uid == uid)
                        return &d->uid_counts[i];
                if (d->uid_counts[i].n == 0 && !free_slot)
                        free_slot = &d->uid_counts[i];
        }
        if (!add)
                return NULL;
        if (!free_slot && d->n_uid_counts < d->max_connections)
                free_slot = &d->uid_counts[d->n_uid_counts++];
        if (free_slot)
                *free_slot = (struct uid_count){ .uid = uid };
        return free_slot;
}

static void accept_resume(struct daemon *d)
{
        if (!d->accept_paused)
                return;
        d->accept_paused = false;
        for (struct listener *l = d->listeners; l; l = l->next)
                sd_event_source_set_enabled(l->source, SD_EVENT_ON);
        log_debug("accepting connections again");
}

void server_connection_closed(struct daemon *d, uid_t uid)
{
        struct uid_count *u = uid_slot(d, uid, false);

        if (u)
                u->n--;
        d->connections--;
        accept_resume(d); /* a descriptor is free again */
        idle_rearm(d);
}

static bool warn_due(int64_t *last)
{
        int64_t now = transport_now_ms();

        if (*last && now - *last < WARN_INTERVAL_MS)
                return false;
        *last = now;
        return true;
}

/* Whether one more connection of uid fits: every caller shares
 * max_connections, non-root callers leave the last ones to root, and one
 * uid has at most max_connections_per_uid. */
static const char *refusal(struct daemon *d, uid_t uid, struct uid_count **ret)
{
        unsigned reserve = d->max_connections / 8 ? d->max_connections / 8 : 1;

        *ret = NULL;
        if (d->connections >= d->max_connections)
                return "connections";
        if (uid == 0)
                return NULL;
        if (d->connections + reserve >= d->max_connections)
                return "connections (the rest is kept for root)";
        *ret = uid_slot(d, uid, true);
        if (!*ret || (*ret)->n >= d->max_connections_per_uid)
                return "connections of this uid";
        return NULL;
}

static int on_accept_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)s;
        (void)usec;
        accept_resume(userdata);
        return 0;
}

/* Out of descriptors: stop accepting (the kernel keeps new clients in the
 * backlog) until a connection closes or a moment has passed. */
static void accept_pause(struct daemon *d, int err)
{
        d->accept_paused = true;
        for (struct listener *l = d->listeners; l; l = l->next)
                sd_event_source_set_enabled(l->source, SD_EVENT_OFF);
        if (warn_due(&d->warned_fds_at))
                log_warning("cannot accept connections: %s; pausing until one closes (%u open)", strerror(err),
                            d->connections);
        if (!d->accept_timer)
                (void)sd_event_add_time_relative(d->event, &d->accept_timer, CLOCK_MONOTONIC, ACCEPT_RETRY_USEC,
                                                 0, on_accept_retry, d);
        else
                (void)sd_event_source_set_time_relative(d->accept_timer, ACCEPT_RETRY_USEC);
        if (d->accept_timer)
                (void)sd_event_source_set_enabled(d->accept_timer, SD_EVENT_ONESHOT);
}

/* Accepts one connection and serves it: 1, or 0 when there was none
 * (EAGAIN) or accepting has to pause. */
static int accept_one(struct listener *l, int fd)
{
        struct daemon *d = l->d;
        struct uid_count *u;
        struct peer p;
        const char *full;
        int cfd;

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
                int e = errno;
                if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
                        accept_pause(d, e);
                else if (e != EAGAIN && e != EINTR && e != ECONNABORTED)
                        log_warning("accept: %s", strerror(e));
                return e == EINTR || e == ECONNABORTED ? 1 : 0;
        }
        if (peer_from_fd(cfd, &p) < 0) {
                close(cfd);
                return 1;
        }
        full = refusal(d, p.uid, &u);
        if (full) {
                /* Closed at once: the client fails closed (PAM_AUTHINFO_UNAVAIL)
                 * and the daemon keeps its memory and descriptors bounded. */
                close(cfd);
                if (warn_due(&d->warned_full_at))
                        log_warning("%u connections open; refusing more %s from uid %u until some close",
                                    d->connections, full, (unsigned)p.uid);
                return 1;
        }
        if (u)
                u->n++;
        d->connections++;
        conn_new(d, cfd, &p, l->kind);
        return 1;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct listener *l = userdata;

        (void)s;
        (void)revents;
        if (!accept_one(l, fd) || l->d->accept_paused)
                return 0;
        /* Accepting until EAGAIN saves a wake-up per connection under load,
         * but costs an accept4 that finds nothing on each wake-up when logins
         * come one at a time (ssh, sudo: the usual case). So a wake-up looks
         * for a second connection while the last one found one, and every
         * DRAIN_PROBE-th wake-up notices a burst starting. A connection left
         * in the backlog is not kept waiting: the listening socket stays
         * readable and the loop's next iteration takes it. */
        if (!l->draining && ++l->wakes % DRAIN_PROBE != 0)
                return 0;
        l->draining = false;
        for (int i = 1; i < ACCEPT_BURST && !l->d->accept_paused; i++) {
                if (!accept_one(l, fd))
                        break;
                l->draining = true;
        }
        return 0;
}

static void listener_free(void *userdata)
{
        struct listener *l = userdata;

        for (struct listener **pp = &l->d->listeners; *pp; pp = &(*pp)->next)
                if (*pp == l) {
                        *pp = l->next;
                        break;
                }
        free(l);
}

int server_add_listener(struct daemon *d, int fd, enum listener_kind kind)
{
        struct listener *l = calloc(1, sizeof(*l));
        sd_event_source *s = NULL;
        int r;

        if (!l)
                return -ENOMEM;
        if (!d->uid_counts) {
                d->uid_counts = calloc(d->max_connections, sizeof(*d->uid_counts));
                if (!d->uid_counts) {
                        free(l);
                        return -ENOMEM;
                }
        }
        *l = (struct listener){ .d = d, .kind = kind };
        /* Accepting runs until EAGAIN: a blocking socket (systemd passes
         * them blocking unless NonBlocking=yes) would stop the loop. */
        r = fcntl(fd, F_GETFL);
        if (r < 0 || fcntl(fd, F_SETFL, r | O_NONBLOCK) < 0) {
                r = -errno;
                free(l);
                return r;
        }
        r = sd_event_add_io(d->event, &s, fd, EPOLLIN, on_accept, l);
        if (r < 0) {
                free(l);
                return r;
        }
        l->source = s;
        l->next = d->listeners;
        d->listeners = l;
        /* The loop owns the source and frees the listener with it. */
        sd_event_source_set_destroy_callback(s, listener_free);
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
        int r = conn_setup(d);

        if (r >= 0)
                r = sd_event_add_time_relative(d->event, &d->flush_timer, CLOCK_MONOTONIC, FLUSH_INTERVAL_USEC,
                                               0, on_flush, d);
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
