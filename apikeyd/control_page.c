/* control_page.c - long answers in pages and steps: list, audit, and
 * audit --verify.
 *
 * A reply carries at most PROTO_PAGE_MAX records (the request may ask for
 * fewer with TAG_LIMIT); when more exist, the final CTL_REPLY carries the
 * next page's TAG_CURSOR (the last audit seq sent, or the last key ID), and
 * the client asks again from there. A page is produced in steps of
 * PAGE_STEP records, one step per loop iteration and only once the client
 * has read the previous one (conn.c), so logins are answered in between and
 * a connection never holds more than PAGE_STEP records unread. Answers read
 * from the store wait, without stopping the loop, until the writer thread
 * has written what was pending when the request came. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "transport.h"

#define PAGE_STEP 64       /* records per step: 64 * WIRE_MAX_MSG stays under CONN_QUEUE_MAX */
#define VERIFY_STEP 256    /* records checked per step of audit --verify (about a millisecond) */
#define WRITER_WAIT_MS 3000 /* how long an answer waits for pending records to be written */
#define PROGRESS_MS 2000    /* a verify still going says so this often (the CLI waits 10 s for a message) */
#define STOP_PAGE_FULL ECANCELED /* a visitor's way to end a query early */

enum page_kind { PAGE_KEYS, PAGE_AUDIT, PAGE_VERIFY };

struct page {
        struct daemon *d;
        enum page_kind kind;
        bool need_ticket;
        uint64_t ticket;
        int64_t wait_until_ms;
        unsigned limit, sent;
        bool more, stopped;
        const struct peer *p; /* during a step */
        /* PAGE_KEYS */
        struct key_filter kf;
        char owner_type[STORE_KIND_MAX], owner_name[PROTO_SID_NAME_MAX > PROTO_USER_MAX ? PROTO_SID_NAME_MAX + 1
                                                                                          : PROTO_USER_MAX + 1];
        char after_id[KEY_ID_LEN + 1];
        /* PAGE_AUDIT */
        struct audit_filter af;
        char key_id[KEY_ID_LEN + 1], identity[PROTO_IDENTITY_MAX + 1];
        /* PAGE_VERIFY */
        struct verify_state v;
        int64_t progress_ms; /* when it last said it is still going */
        uint64_t checked;    /* about how many rows it has checked */
};

/* A verify walks every record and key row: a million keys take seconds,
 * more beside heavy load. The client waits CTL_TIMEOUT_MS for each message,
 * not for the whole answer, so a long verify tells it now and then that it
 * is still going; and since the walk's time is the daemon's, each message
 * renews the connection's life bound (conn.c), which would otherwise drop
 * a verify still walking after CONN_MAX_LIFE_MS. */
static int verify_progress(const struct peer *p, struct page *pg)
{
        struct wire_buf b;
        int64_t now = transport_now_ms();

        if (now - pg->progress_ms < PROGRESS_MS)
                return 0;
        pg->progress_ms = now;
        wire_init(&b, MSG_PROGRESS);
        wire_put_u64(&b, TAG_KEY_COUNT, pg->checked);
        peer_renew_life(p);
        return peer_send(p, &b);
}

static int reply_end(const struct peer *p, struct page *pg)
{
        struct wire_buf b;
        char cursor[PROTO_CURSOR_MAX + 1] = "";

        if (pg->more && pg->kind == PAGE_KEYS)
                snprintf(cursor, sizeof(cursor), "%s", pg->after_id);
        else if (pg->more)
                snprintf(cursor, sizeof(cursor), "%" PRIu64, pg->af.after_seq);
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        if (cursor[0]) {
                wire_put_str(&b, TAG_CURSOR, cursor);
                wire_put_str(&b, TAG_MESSAGE, "more records follow: ask again from the cursor");
        }
        return peer_send(p, &b);
}

static int reply_status(const struct peer *p, struct page *pg, enum ctl_status status, const char *why)
{
        struct ctl_ctx c = { .d = pg->d, .p = p };

        return ctl_reply(&c, status, why);
}

static int page_key(const struct key_record *k, void *userdata)
{
        struct page *pg = userdata;
        struct ctl_ctx c = { .d = pg->d, .p = pg->p };

        if (pg->sent == pg->limit) {
                pg->more = true;
                return -STOP_PAGE_FULL;
        }
        pg->sent++;
        snprintf(pg->after_id, sizeof(pg->after_id), "%s", k->id);
        pg->kf.after_id = pg->after_id;
        pg->kf.after_created_at = k->created_at;
        return ctl_send_key_info(&c, k);
}

static int page_audit(const struct audit_record *r, void *userdata)
{
        struct page *pg = userdata;
        struct wire_buf b;

        if (pg->sent == pg->limit) {
                pg->more = true;
                return -STOP_PAGE_FULL;
        }
        pg->sent++;
        pg->af.after_seq = r->seq;
        audit_encode(r, &b);
        return peer_send(pg->p, &b);
}

static int send_break(const struct peer *p, const struct audit_break *a)
{
        struct wire_buf b;

        wire_init(&b, MSG_AUDIT_BREAK);
        wire_put_str(&b, TAG_RESULT, a->kind);
        if (a->first)
                wire_put_u64(&b, TAG_SEQ, a->first);
        if (a->last)
                wire_put_u64(&b, TAG_SEQ_END, a->last);
        wire_put_str(&b, TAG_KEY_ID, a->key_id);
        wire_put_str(&b, TAG_SERVICE_ID, a->service_id);
        wire_put_str(&b, TAG_MESSAGE, a->why);
        return peer_send(p, &b);
}

/* Once the walk is done: the breaks kept, PAGE_STEP a step and in order,
 * then how many more were found, then the reply, which names the first. */
static int verify_reply(const struct peer *p, struct page *pg)
{
        const struct verify_state *v = &pg->v;
        struct wire_buf b;
        int r = 0;

        for (unsigned n = 0; r == 0 && n < PAGE_STEP && pg->sent < v->n_list; n++)
                r = send_break(p, &v->list[pg->sent++]);
        if (r < 0 || pg->sent < v->n_list)
                return r < 0 ? r : PRODUCE_MORE;
        if (v->breaks > v->n_list) {
                struct audit_break more = { .kind = "more" };

                snprintf(more.why, sizeof(more.why), "%" PRIu64 " more breaks not listed", v->breaks - v->n_list);
                r = send_break(p, &more);
        }
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        wire_put_str(&b, TAG_RESULT, v->breaks == 0 ? "ok" : "broken");
        wire_put_u64(&b, TAG_KEY_COUNT, v->records);
        if (v->breaks > 0) {
                wire_put_u64(&b, TAG_SEQ, v->list[0].at);
                wire_put_str(&b, TAG_MESSAGE, v->list[0].why);
        }
        if (r == 0)
                r = peer_send(p, &b);
        return r < 0 ? r : PRODUCE_DONE;
}

/* One step: PRODUCE_MORE, PRODUCE_WAIT, PRODUCE_DONE or -errno. */
static int page_step(const struct peer *p, void *state)
{
        struct page *pg = state;
        unsigned want = pg->limit - pg->sent + 1; /* one more tells whether more exist */
        unsigned before = pg->sent;
        int r;

        if (pg->need_ticket) {
                if (!writer_ticket_done(pg->d, pg->ticket)) {
                        if (transport_now_ms() < pg->wait_until_ms)
                                return PRODUCE_WAIT;
                        r = reply_status(p, pg, STATUS_INTERNAL, "could not write the pending records; try again");
                        return r < 0 ? r : PRODUCE_DONE;
                }
                pg->need_ticket = false;
        }
        pg->p = p;
        if (pg->kind == PAGE_VERIFY && pg->v.phase != VERIFY_DONE) {
                r = audit_verify_step(&pg->v, VERIFY_STEP);
                if (r < 0)
                        return (r = reply_status(p, pg, STATUS_INTERNAL, "could not read the audit log")) < 0 ? r
                                                                                                         : PRODUCE_DONE;
                pg->checked += VERIFY_STEP;
                if (r > 0 && (r = verify_progress(p, pg)) < 0)
                        return r; /* the connection is gone */
                return PRODUCE_MORE; /* more steps, or then the breaks and the reply */
        }
        if (pg->kind == PAGE_VERIFY)
                return verify_reply(p, pg);
        if (want > PAGE_STEP)
                want = PAGE_STEP;
        if (pg->kind == PAGE_KEYS) {
                pg->kf.limit = want;
                r = store_key_list(pg->d->store, &pg->kf, page_key, pg);
        } else {
                pg->af.limit = want;
                r = store_audit_list(pg->d->store, &pg->af, page_audit, pg);
        }
        if (r == -STOP_PAGE_FULL)
                r = 0;
        if (r == -EPIPE || r == -ENOBUFS || r == -ENOMEM)
                return r; /* the connection is gone */
        if (r < 0)
                return (r = reply_status(p, pg, STATUS_INTERNAL, "could not read the store")) < 0 ? r : PRODUCE_DONE;
        if (!pg->more && pg->sent - before == want)
                return PRODUCE_MORE; /* a full step: there may be more */
        return (r = reply_end(p, pg)) < 0 ? r : PRODUCE_DONE;
}

static struct page *page_new(struct ctl_ctx *c, enum page_kind kind, bool need_ticket)
{
        struct page *pg = calloc(1, sizeof(*pg));
        uint32_t limit = 0;

        if (!pg)
                return NULL;
        pg->d = c->d;
        pg->kind = kind;
        (void)wire_get_u32(c->m, TAG_LIMIT, &limit);
        pg->limit = limit == 0 || limit > PROTO_PAGE_MAX ? PROTO_PAGE_MAX : limit;
        pg->need_ticket = need_ticket;
        pg->ticket = writer_ticket(c->d);
        pg->wait_until_ms = transport_now_ms() + WRITER_WAIT_MS;
        pg->progress_ms = transport_now_ms();
        return pg;
}

static void page_free(void *state)
{
        struct page *pg = state;

        if (pg->kind == PAGE_VERIFY)
                audit_verify_free(&pg->v);
        free(pg);
}

static int page_start(struct ctl_ctx *c, struct page *pg)
{
        int r;

        c->status = STATUS_OK;
        r = peer_produce(c->p, page_step, pg, page_free);
        if (r < 0)
                return ctl_reply(c, STATUS_INTERNAL, "busy");
        return 0;
}

int ctl_page_keys(struct ctl_ctx *c, const struct key_filter *f, bool need_written)
{
        char cursor[PROTO_CURSOR_MAX + 1];
        struct page *pg;
        struct key_record at;

        ctl_get_str(c->m, TAG_CURSOR, cursor, sizeof(cursor));
        if (cursor[0] && !key_id_valid(cursor))
                return ctl_reply(c, STATUS_INVALID, "the cursor of list is a key ID");
        if (cursor[0] && store_key_get(c->d->store, cursor, &at) < 0)
                return ctl_reply(c, STATUS_NOT_FOUND, "the key to list after no longer exists; list from the start");
        pg = page_new(c, PAGE_KEYS, need_written);
        if (!pg)
                return ctl_reply(c, STATUS_INTERNAL, "out of memory");
        pg->kf = *f;
        if (f->owner_type) {
                snprintf(pg->owner_type, sizeof(pg->owner_type), "%s", f->owner_type);
                pg->kf.owner_type = pg->owner_type;
        }
        if (f->owner_name) {
                snprintf(pg->owner_name, sizeof(pg->owner_name), "%s", f->owner_name);
                pg->kf.owner_name = pg->owner_name;
        }
        if (cursor[0]) {
                memcpy(pg->after_id, cursor, sizeof(pg->after_id)); /* a valid ID: KEY_ID_LEN */
                pg->kf.after_id = pg->after_id;
                pg->kf.after_created_at = at.created_at;
        }
        return page_start(c, pg);
}

/* An audit cursor: a sequence number in decimal. */
static int parse_seq(const char *s, uint64_t *ret)
{
        uint64_t v = 0;

        if (!*s || strlen(s) > 19)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(*s - '0');
        }
        *ret = v;
        return 0;
}

int ctl_page_audit(struct ctl_ctx *c, const struct audit_filter *f)
{
        char cursor[PROTO_CURSOR_MAX + 1];
        uint64_t after = 0;
        struct page *pg;

        ctl_get_str(c->m, TAG_CURSOR, cursor, sizeof(cursor));
        if (cursor[0] && parse_seq(cursor, &after) < 0)
                return ctl_reply(c, STATUS_INVALID, "the cursor of audit is a sequence number");
        pg = page_new(c, PAGE_AUDIT, true);
        if (!pg)
                return ctl_reply(c, STATUS_INTERNAL, "out of memory");
        pg->af = *f;
        if (after > f->after_seq) /* the cursor, or a lower bound the caller set (orphan.c) */
                pg->af.after_seq = after;
        if (f->key_id) {
                snprintf(pg->key_id, sizeof(pg->key_id), "%s", f->key_id);
                pg->af.key_id = pg->key_id;
        }
        if (f->identity) {
                snprintf(pg->identity, sizeof(pg->identity), "%s", f->identity);
                pg->af.identity = pg->identity;
        }
        return page_start(c, pg);
}

/* An admin verifies the whole log and every row; a user verifies their own
 * records (never learning how many others there are). */
int ctl_page_verify(struct ctl_ctx *c)
{
        char own[PROTO_IDENTITY_MAX + 1];
        struct page *pg;

        if (!c->admin && !c->caller[0])
                return ctl_reply(c, STATUS_PERMISSION, "you may verify the records of your own keys only");
        snprintf(own, sizeof(own), "user:%s", c->caller);
        audit_note_lost(c->d); /* before the ticket: the walk finds it written */
        pg = page_new(c, PAGE_VERIFY, true);
        if (!pg)
                return ctl_reply(c, STATUS_INTERNAL, "out of memory");
        audit_verify_begin(c->d, &pg->v, c->admin ? NULL : own);
        return page_start(c, pg);
}
