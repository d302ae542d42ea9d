/* conn.c - one client connection: read one request, then write its answer
 * without ever blocking the loop.
 *
 * A connection is served as soon as it is accepted: its request is
 * usually there already (the module sends it right after connect), and then
 * the answer is sent and the connection closed without an event source of
 * its own. Only a connection that has to wait (no request yet, a client
 * that does not read) gets an io source, and joins the list of waiting
 * connections, whose deadlines share one timer, armed at the earliest.
 *
 * A reply is queued on its connection and written when the socket is
 * writable (an sd-event io source waiting for EPOLLOUT), so a client that
 * does not read delays nobody but itself. A connection holds at most
 * CONN_QUEUE_MAX bytes not yet taken by the kernel; past that the client is
 * dropped. Long answers (list, audit, verify) are produced in steps: one
 * step per loop iteration, and only when the socket has taken what came
 * before, so logins are answered between any two steps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "transport.h"

#define CONN_RETRY_USEC 10000ULL /* a step that waits for the writer runs again after this */

struct outbuf {
        struct outbuf *next;
        size_t len;
        uint8_t data[];
};

struct conn {
        struct daemon *d;
        enum listener_kind kind;
        struct peer peer;
        sd_event_source *io;    /* only once it has to wait */
        uint64_t deadline;      /* CLOCK_MONOTONIC usec: no request, or no progress writing */
        struct conn *prev, *next; /* in d->waiting while it has a deadline */
        bool listed;
        sd_event_source *retry; /* a step waiting for something else */
        int64_t started_ms;
        bool answered; /* the request was handled: only writing remains */
        bool dead;     /* the socket failed or the client exceeded its queue */
        struct outbuf *head, *tail;
        size_t queued;
        produce_fn step;
        void *state;
        void (*free_state)(void *);
};

static void unlist(struct conn *c)
{
        if (!c->listed)
                return;
        if (c->prev)
                c->prev->next = c->next;
        else
                c->d->waiting = c->next;
        if (c->next)
                c->next->prev = c->prev;
        c->prev = c->next = NULL;
        c->listed = false;
}

static void conn_free(struct conn *c)
{
        unlist(c);
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->retry);
        while (c->head) {
                struct outbuf *o = c->head;
                c->head = o->next;
                explicit_bzero(o->data, o->len); /* replies to create and rotate carry keys */
                free(o);
        }
        if (c->free_state)
                c->free_state(c->state);
        close(c->peer.fd);
        server_connection_closed(c->d, c->peer.uid);
        free(c);
}

/* Sends one record now: 0, -EAGAIN (the socket is full) or -errno. */
static int send_record(int fd, const uint8_t *data, size_t len)
{
        ssize_t n;

        do
                n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)len)
                return 0;
        if (n >= 0)
                return -EIO; /* a seqpacket record is all or nothing */
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

static void conn_drop(struct conn *c, const char *why)
{
        if (!c->dead)
                log_info("dropping the connection of pid %d (uid %u): %s", (int)c->peer.pid,
                         (unsigned)c->peer.uid, why);
        c->dead = true;
}

int conn_queue(struct conn *c, const uint8_t *data, size_t len)
{
        struct outbuf *o;
        int r;

        if (c->dead)
                return -EPIPE;
        if (!c->head) {
                r = send_record(c->peer.fd, data, len);
                if (r == 0)
                        return 0;
                if (r != -EAGAIN) {
                        log_debug("writing to pid %d: %s", (int)c->peer.pid, strerror(-r));
                        c->dead = true;
                        return r;
                }
        }
        if (len > CONN_QUEUE_MAX - c->queued) {
                conn_drop(c, "it does not read its replies");
                return -ENOBUFS;
        }
        o = malloc(sizeof(*o) + len);
        if (!o) {
                conn_drop(c, "out of memory");
                return -ENOMEM;
        }
        o->next = NULL;
        o->len = len;
        memcpy(o->data, data, len);
        if (c->tail)
                c->tail->next = o;
        else
                c->head = o;
        c->tail = o;
        c->queued += len;
        return 0;
}

/* Writes what the socket takes: 0, or -errno when the connection failed. */
static int conn_write_queue(struct conn *c)
{
        while (c->head) {
                struct outbuf *o = c->head;
                int r = send_record(c->peer.fd, o->data, o->len);

                if (r == -EAGAIN)
                        return 0;
                if (r < 0)
                        return r;
                c->head = o->next;
                if (!c->head)
                        c->tail = NULL;
                c->queued -= o->len;
                explicit_bzero(o->data, o->len);
                free(o);
        }
        return 0;
}

/* The timer fires at the earliest deadline or before it (a deadline that
 * moved later leaves it where it was): it drops what is due and re-arms
 * itself at the earliest deadline left. */
static void arm_timer(struct daemon *d, uint64_t at)
{
        uint64_t cur;

        if (!d->conn_timer)
                return;
        if (sd_event_source_get_enabled(d->conn_timer, NULL) > 0 &&
            sd_event_source_get_time(d->conn_timer, &cur) >= 0 && cur <= at)
                return;
        sd_event_source_set_time(d->conn_timer, at);
        sd_event_source_set_enabled(d->conn_timer, SD_EVENT_ONESHOT);
}

static void conn_set_deadline(struct conn *c)
{
        uint64_t now, until;

        if (sd_event_now(c->d->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        /* Progress buys more time, up to a bound on the connection's life. */
        until = now + CONN_TIMEOUT_MS * 1000ULL;
        if (until > (uint64_t)(c->started_ms + CONN_MAX_LIFE_MS) * 1000ULL)
                until = (uint64_t)(c->started_ms + CONN_MAX_LIFE_MS) * 1000ULL;
        c->deadline = until;
        if (!c->listed) {
                c->next = c->d->waiting;
                if (c->next)
                        c->next->prev = c;
                c->d->waiting = c;
                c->listed = true;
        }
        arm_timer(c->d, until);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* Waits for events on the socket: its io source, made on first need. */
static int conn_watch(struct conn *c, uint32_t events)
{
        int r;

        if (!c->io) {
                r = sd_event_add_io(c->d->event, &c->io, c->peer.fd, events, on_io, c);
                if (r < 0) {
                        log_error("cannot serve a connection: %s", strerror(-r));
                        return r;
                }
                return 0;
        }
        sd_event_source_set_io_events(c->io, events);
        return sd_event_source_set_enabled(c->io, SD_EVENT_ON);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

/* Moves the answer along: writes the queue, runs the next step when the
 * queue is empty, closes the connection once everything is written. */
static void conn_pump(struct conn *c)
{
        size_t before = c->queued;
        int r = c->dead ? -EPIPE : conn_write_queue(c);

        if (r < 0 || c->dead) {
                conn_free(c);
                return;
        }
        if (c->queued < before)
                conn_set_deadline(c);
        if (!c->head && c->step) {
                r = c->step(&c->peer, c->state);
                if (c->dead || r < 0) {
                        conn_free(c);
                        return;
                }
                if (r != PRODUCE_WAIT)
                        conn_set_deadline(c);
                if (r == PRODUCE_DONE) {
                        if (c->free_state)
                                c->free_state(c->state);
                        c->step = NULL, c->state = NULL, c->free_state = NULL;
                } else if (r == PRODUCE_WAIT && !c->head) {
                        if (c->io)
                                sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
                        if (c->retry)
                                sd_event_source_set_time_relative(c->retry, CONN_RETRY_USEC);
                        else if (sd_event_add_time_relative(c->d->event, &c->retry, CLOCK_MONOTONIC,
                                                            CONN_RETRY_USEC, 0, on_retry, c) < 0) {
                                conn_free(c);
                                return;
                        }
                        sd_event_source_set_enabled(c->retry, SD_EVENT_ONESHOT);
                        return;
                }
        }
        if (!c->head && !c->step) {
                conn_free(c);
                return;
        }
        /* More to write, or another step: when the socket takes more. */
        if (conn_watch(c, EPOLLOUT) < 0)
                conn_free(c);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)s;
        (void)usec;
        conn_pump(userdata);
        return 0;
}

/* The life bound is there for clients that read slowly. A step that
 * renews it says the time so far was the daemon's own work (a walk that
 * ends with the store's size), during which the socket took every message:
 * steps run only when everything queued before was written (conn_pump). A
 * client that then stops reading still has 5 s after the queue stalls. */
void conn_renew_life(struct conn *c)
{
        c->started_ms = transport_now_ms();
}

int conn_produce(struct conn *c, produce_fn step, void *state, void (*free_state)(void *))
{
        if (c->step) {
                if (free_state)
                        free_state(state);
                return -EBUSY;
        }
        c->step = step;
        c->state = state;
        c->free_state = free_state;
        return 0;
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

/* Reads and answers the request: 1 when it was handled (or the connection
 * freed), 0 when it has not arrived yet. */
static int on_request(struct conn *c)
{
        uint8_t buf[WIRE_MAX_MSG];
        ssize_t n = transport_recv_record(c->peer.fd, buf, sizeof(buf));

        if (n == -EAGAIN)
                return 0;
        if (n == 0 || (n < 0 && n != -EMSGSIZE)) {
                if (n == 0)
                        log_debug("pid %d closed the connection without a request", (int)c->peer.pid);
                else
                        log_warning("reading a request from pid %d: %s", (int)c->peer.pid, strerror((int)-n));
                conn_free(c);
                return 1;
        }
        c->answered = true;
        dispatch(c, buf, n);
        explicit_bzero(buf, sizeof(buf)); /* requests carry keys */
        if (c->head || c->step)
                conn_set_deadline(c); /* it has to wait: for the client to read, or for steps */
        conn_pump(c);
        return 1;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct conn *c = userdata;

        (void)s;
        (void)fd;
        (void)revents;
        if (c->answered)
                conn_pump(c);
        else
                (void)on_request(c);
        return 0;
}

static void conn_expire(struct conn *c)
{
        if (c->answered)
                log_info("dropping pid %d (uid %u): it did not read its reply in time", (int)c->peer.pid,
                         (unsigned)c->peer.uid);
        else
                log_debug("dropping pid %d: no request within %d ms", (int)c->peer.pid, CONN_TIMEOUT_MS);
        conn_free(c);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct daemon *d = userdata;
        uint64_t next = UINT64_MAX;

        (void)s;
        for (struct conn *c = d->waiting, *n; c; c = n) {
                n = c->next;
                if (c->deadline <= usec)
                        conn_expire(c);
                else if (c->deadline < next)
                        next = c->deadline;
        }
        if (next != UINT64_MAX) {
                sd_event_source_set_time(d->conn_timer, next);
                sd_event_source_set_enabled(d->conn_timer, SD_EVENT_ONESHOT);
        }
        return 0;
}

int conn_setup(struct daemon *d)
{
        int r = sd_event_add_time(d->event, &d->conn_timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_deadline, d);

        if (r >= 0)
                r = sd_event_source_set_enabled(d->conn_timer, SD_EVENT_OFF);
        return r < 0 ? r : 0;
}

int conn_new(struct daemon *d, int fd, const struct peer *p, enum listener_kind kind)
{
        struct conn *c = calloc(1, sizeof(*c));
        int r;

        if (!c) {
                close(fd);
                server_connection_closed(d, p->uid);
                return -ENOMEM;
        }
        c->d = d;
        c->kind = kind;
        c->peer = *p;
        c->peer.conn = c;
        c->started_ms = transport_now_ms();
        /* Served at once when the request is there; else when it comes. */
        if (on_request(c))
                return 0;
        r = conn_watch(c, EPOLLIN);
        if (r == 0)
                conn_set_deadline(c);
        else
                conn_free(c);
        return r;
}
