/* writer.c - uses and audit records reach SQLite from a thread of their own,
 * on a connection of its own, so no commit, fsync or WAL checkpoint ever runs
 * on the thread that answers logins.
 *
 * The loop thread fills the pending batch (d->usage, d->audit). Handing it
 * over swaps it with the writer's empty batch (two pointers each) and wakes
 * the writer; while the writer works, its batch is read-only and the loop
 * still counts its uses until they are committed (usage.c). The writer says
 * it is done through an eventfd in the loop; only the loop thread changes
 * the batches' lengths. After a commit, and outside the lock, the writer
 * checkpoints the WAL once it has grown (SQLite's own threshold). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "audit_head.h"
#include "daemon.h"
#include "log.h"

struct writer {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool busy, quit, started;
        bool committed; /* the batch below is in the store */
        bool reported;  /* its failure was logged */
        int result;
        uint64_t handed;  /* batches handed over so far (loop thread) */
        uint64_t written; /* the last of them that is in the store (loop thread) */
        int efd;
        sd_event_source *done;
        struct store *store;
        const char *head_path;          /* the daemon's, constant while we run */
        const uint8_t *head_key;
        bool head_failed;               /* reported; writer thread only */
        /* The batch being written: owned by the writer while busy. */
        struct usage_entry *usage;
        size_t n_usage;
        struct audit_record *audit;
        size_t n_audit;
        struct store_uses *uses; /* the store's view of usage[], PENDING_MAX */
};

static int write_batch(struct writer *w)
{
        int r = store_begin(w->store);

        for (size_t i = 0; i < w->n_usage; i++) {
                const struct usage_entry *e = &w->usage[i];
                w->uses[i] = (struct store_uses){ e->id, e->row_hint, e->uses, e->last_at, e->rhost, e->service };
        }
        if (r == 0 && w->n_usage > 0)
                r = store_key_add_uses_batch(w->store, w->uses, w->n_usage);
        if (r == 0 && w->n_audit > 0)
                r = store_audit_append(w->store, w->audit, w->n_audit);
        if (r == 0)
                r = store_commit(w->store);
        if (r < 0) {
                store_rollback(w->store);
                return r;
        }
        /* The commit is durable (the connection is synchronous=FULL):
         * only now may the head name its last record. A head that cannot be
         * written lags behind the table, which start-up accepts; the next
         * batch tries again. */
        if (w->n_audit > 0) {
                const struct audit_record *last = &w->audit[w->n_audit - 1];
                r = audit_head_store(w->head_path, w->head_key, last->seq, last->hash);
                if (r < 0 && !w->head_failed)
                        log_error("cannot write the audit head %s: %s; will retry", w->head_path, strerror(-r));
                w->head_failed = r < 0;
        }
        return 0;
}

/* Fewer, larger checkpoints: each one writes the pages the WAL holds back
 * into the database and fsyncs it, and a page used again before the next
 * checkpoint is written back once instead of once per 1000 pages (SQLite's
 * default); issue 14 measured 8000 against 1000 at about 4 us per login.
 * The WAL then grows to about 32 MiB between checkpoints. */
#define CHECKPOINT_PAGES 8000

static void *writer_main(void *arg)
{
        struct writer *w = arg;
        uint64_t one = 1;

        pthread_mutex_lock(&w->lock);
        for (;;) {
                while (!w->busy && !w->quit)
                        pthread_cond_wait(&w->cond, &w->lock);
                if (!w->busy)
                        break;
                pthread_mutex_unlock(&w->lock);
                int r = write_batch(w);
                pthread_mutex_lock(&w->lock);
                w->result = r;
                w->committed = r == 0;
                w->busy = false;
                pthread_cond_broadcast(&w->cond);
                (void)!write(w->efd, &one, sizeof(one));
                if (r == 0 && store_wal_pages(w->store) >= CHECKPOINT_PAGES) {
                        pthread_mutex_unlock(&w->lock);
                        (void)store_checkpoint(w->store);
                        pthread_mutex_lock(&w->lock);
                }
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

static bool writer_busy(struct writer *w)
{
        bool b;

        pthread_mutex_lock(&w->lock);
        b = w->busy;
        pthread_mutex_unlock(&w->lock);
        return b;
}

static int writer_wait(struct writer *w)
{
        int r;

        pthread_mutex_lock(&w->lock);
        while (w->busy)
                pthread_cond_wait(&w->cond, &w->lock);
        r = w->result;
        pthread_mutex_unlock(&w->lock);
        return r;
}

/* Loop thread, writer idle: what the last batch did. A written batch is
 * emptied; a failed one stays to be tried again. */
static int writer_collect(struct daemon *d)
{
        struct writer *w = d->writer;

        if (w->result == 0) {
                w->n_usage = w->n_audit = 0;
                w->written = w->handed;
        }
        else if ((w->n_usage || w->n_audit) && !w->reported)
                log_error("could not write %zu uses and %zu audit records; will retry", w->n_usage, w->n_audit);
        w->reported = true;
        return w->result;
}

static void writer_go(struct writer *w)
{
        pthread_mutex_lock(&w->lock);
        w->busy = true;
        w->committed = false;
        w->reported = false;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
}

/* Hands the pending batch to the writer if it is idle: 0, or -EBUSY. */
int daemon_flush_async(struct daemon *d)
{
        struct writer *w = d->writer;
        struct usage_entry *u;
        struct audit_record *a;

        if (writer_busy(w))
                return -EBUSY;
        writer_collect(d);
        if (w->n_usage || w->n_audit) { /* the last one failed: retry it first */
                writer_go(w);
                return 0;
        }
        if (d->n_usage == 0 && d->n_audit == 0)
                return 0;
        u = w->usage, w->usage = d->usage, d->usage = u;
        a = w->audit, w->audit = d->audit, d->audit = a;
        w->n_usage = d->n_usage, w->n_audit = d->n_audit;
        d->n_usage = d->n_audit = 0;
        w->handed++;
        writer_go(w);
        return 0;
}

uint64_t writer_ticket(struct daemon *d)
{
        struct writer *w = d->writer;

        if (!w)
                return 0;
        if (d->n_usage || d->n_audit)
                return w->handed + 1; /* the next batch takes them */
        return w->handed;
}

bool writer_ticket_done(struct daemon *d, uint64_t ticket)
{
        struct writer *w = d->writer;

        if (!w)
                return true;
        if (!writer_busy(w))
                writer_collect(d);
        if (w->written >= ticket)
                return true;
        (void)daemon_flush_async(d); /* nothing when the writer is busy */
        return false;
}

int daemon_flush(struct daemon *d)
{
        struct writer *w = d->writer;
        int r;

        if (!w)
                return 0;
        for (int i = 0; i < 3; i++) {
                writer_wait(w);
                r = writer_collect(d);
                if (r < 0 && !w->n_usage && !w->n_audit)
                        r = 0;
                if (d->n_usage == 0 && d->n_audit == 0 && w->n_usage == 0 && w->n_audit == 0)
                        return 0;
                daemon_flush_async(d);
        }
        writer_wait(w);
        return writer_collect(d);
}

const struct usage_entry *writer_inflight_usage(const struct daemon *d, size_t *ret_n)
{
        struct writer *w = d->writer;
        bool committed;

        *ret_n = 0;
        if (!w)
                return NULL;
        pthread_mutex_lock(&w->lock);
        committed = w->committed;
        pthread_mutex_unlock(&w->lock);
        /* The batch's contents change only on the loop thread, which is the
         * caller: read without the lock. */
        if (!committed)
                *ret_n = w->n_usage;
        return w->usage;
}

static int on_written(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        struct daemon *d = userdata;
        uint64_t n;

        (void)s, (void)revents;
        (void)!read(fd, &n, sizeof(n));
        if (writer_busy(d->writer))
                return 0;
        if (writer_collect(d) == 0)
                audit_note_lost(d); /* the store takes records again */
        if (d->n_usage >= BATCH_MAX || d->n_audit >= BATCH_MAX)
                daemon_flush_async(d);
        else if (d->n_usage || d->n_audit || d->writer->n_usage || d->writer->n_audit)
                flush_soon(d); /* the rest, or the failed batch again, in a second */
        return 0;
}

int writer_start(struct daemon *d)
{
        struct writer *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, NULL);
        /* Not touched here: until a batch fills them, their pages are the
         * kernel's zero pages. Writing all four batches (10 MiB) at start
         * made the first login after a socket-activated start wait about
         * 30 ms for the page faults (BENCHMARKS.md, cold start). */
        w->usage = calloc(PENDING_MAX, sizeof(*w->usage));
        w->audit = calloc(PENDING_MAX, sizeof(*w->audit));
        w->uses = calloc(PENDING_MAX, sizeof(*w->uses));
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        d->writer = w;
        if (w->efd < 0)
                return -errno;
        if (!w->usage || !w->audit || !w->uses || !d->usage || !d->audit)
                return -ENOMEM;
        w->head_path = d->head_path;
        w->head_key = d->head_key;
        r = store_open_another(d->store, &w->store);
        /* A batch is on disk before the audit head names it (writer.c). */
        if (r == 0)
                r = store_set_durable(w->store, true);
        /* Another process holding the write lock: give up soon and retry
         * the batch later, rather than keep a synchronous flush waiting. */
        if (r == 0)
                store_set_busy_timeout(w->store, STORE_BUSY_BATCH_MS);
        if (r == 0)
                r = store_manual_checkpoints(w->store);
        if (r == 0)
                r = sd_event_add_io(d->event, &w->done, w->efd, EPOLLIN, on_written, d);
        if (r == 0)
                r = -pthread_create(&w->thread, NULL, writer_main, w);
        w->started = r == 0;
        return r;
}

/* The caller has flushed (main.c); the writer finishes the batch it holds. */
void writer_stop(struct daemon *d)
{
        struct writer *w = d->writer;

        if (!w)
                return;
        if (w->started) {
                pthread_mutex_lock(&w->lock);
                w->quit = true;
                pthread_cond_signal(&w->cond);
                pthread_mutex_unlock(&w->lock);
                pthread_join(w->thread, NULL);
        }
        sd_event_source_disable_unref(w->done);
        store_close(w->store);
        if (w->efd >= 0)
                close(w->efd);
        free(w->usage);
        free(w->audit);
        free(w->uses);
        free(w);
        d->writer = NULL;
}
