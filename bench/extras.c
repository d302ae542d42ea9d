/* extras.c - what is measured once rather than per client level: the
 * control commands, revocation under load and the cold start. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "scenarios.h"

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

/* `apikeyctl create` as root: mint, hash, one committed transaction, reply. */
void extras_control(struct bench *b)
{
        const char *args[] = { "create", "--name", "bench-create", NULL };
        unsigned n = b->o->creates;
        double *ms = calloc(n ? n : 1, sizeof(*ms));
        struct extras *x = &b->rep.x;
        unsigned done = 0;

        if (!ms)
                return;
        for (unsigned i = 0; i < n; i++) {
                struct ctl_output out = { 0 };
                int r = ctl_run(b->o, b->daemon.ctl_sock, args, &out);
                if (r != 0) {
                        bench_fail(b, "apikeyctl create exited with %d", r);
                        break;
                }
                ms[done++] = out.seconds * 1000;
        }
        if (done) {
                qsort(ms, done, sizeof(*ms), cmp_double);
                x->create_ms_p50 = ms[(done - 1) / 2];
                x->create_ms_max = ms[done - 1];
        }
        x->creates = done;
        x->has_control = done > 0;
        free(ms);
}

void extras_list(struct bench *b)
{
        const char *args[] = { "list", "--all", "--json", NULL };
        struct ctl_output out = { .marker = "{\"id\": " };
        struct extras *x = &b->rep.x;
        int r = ctl_run(b->o, b->daemon.ctl_sock, args, &out);

        x->list_seconds = out.seconds;
        x->list_bytes = out.bytes;
        x->list_count = (unsigned long)out.count;
        x->has_list = r == 0;
        if (r != 0 || out.count != b->o->list_keys)
                bench_fail(b, "apikeyctl list --all --json exited with %d after %llu of %lu keys", r,
                           (unsigned long long)out.count, b->o->list_keys);
        bench_log(b->o, "list --all --json: %llu keys, %llu bytes in %.2f s", (unsigned long long)out.count,
                  (unsigned long long)out.bytes, out.seconds);
}

/* Revocation: clients log in with one key in a loop; halfway through, root
 * disables it. Times are on the clients' clock, relative to their start. */
struct revoke_state {
        struct bench *b;
        const char *id;
        double seconds;
        uint64_t call_ns, return_ns; /* relative to the start */
        int status;
};

static void disable_halfway(void *arg, uint64_t start_ns)
{
        struct revoke_state *st = arg;
        const char *args[] = { "disable", st->id, NULL };
        uint64_t at = start_ns + (uint64_t)(st->seconds * 0.5e9), t;
        struct timespec ts = { (time_t)(at / 1000000000ull), (long)(at % 1000000000ull) };

        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
        t = bench_now_ns();
        st->status = ctl_run(st->b->o, st->b->daemon.ctl_sock, args, NULL);
        st->return_ns = bench_now_ns() - start_ns;
        st->call_ns = t - start_ns;
}

static void count_revocation(struct extras *x, const struct samples *s, const struct revoke_state *st)
{
        for (size_t i = 0; i < s->n; i++) {
                const struct sample *p = &s->s[i];
                uint64_t end = p->start_ns + p->lat_ns;

                if (p->outcome == OUT_ERROR)
                        x->revoke_errors++;
                else if (p->outcome == OUT_EXPECTED && p->start_ns > st->return_ns)
                        x->revoke_ok_after++; /* began after disable returned, and was let in */
                else if (p->outcome == OUT_EXPECTED && end >= st->call_ns)
                        x->revoke_in_flight_ok++;
                else if (p->outcome == OUT_EXPECTED)
                        x->revoke_ok_before++;
                else if (p->start_ns > st->return_ns)
                        x->revoke_refused_after++;
        }
}

void extras_revocation(struct bench *b)
{
        const char *key = b->large.keys.keys[0];
        char id[KEY_ID_LEN + 1];
        struct pam_work w = { .confdir = b->pam_dir, .service = BENCH_SERVICE, .user = b->user,
                              .fixed_answer = key, .expect = PAM_SUCCESS };
        struct revoke_state st = { .b = b, .id = id, .seconds = b->o->seconds < 1 ? 1 : b->o->seconds };
        struct extras *x = &b->rep.x;
        unsigned clients = b->o->clients[b->o->n_clients > 1 ? 1 : 0];
        struct samples s = { 0 };
        struct load_spec spec = { .op = pam_work_op, .ctx = &w, .clients = clients, .seconds = st.seconds,
                                  .server = b->daemon.pid, .keep = &s, .during = disable_halfway, .during_arg = &st };
        struct cell c;
        int r;

        memcpy(id, key + KEY_PREFIX_LEN, KEY_ID_LEN);
        id[KEY_ID_LEN] = '\0';
        x->revoke_clients = clients;
        r = load_run(&spec, &c);
        if (r < 0 || st.status != 0) {
                bench_fail(b, "revocation row: load %s, apikeyctl disable exited with %d", strerror(-r), st.status);
                samples_free(&s);
                return;
        }
        x->revoke_disable_ms = (double)(st.return_ns - st.call_ns) / 1e6;
        x->has_revoke = true;
        count_revocation(x, &s, &st);
        samples_free(&s);
        bench_log(b->o, "revocation: %llu accepted after disable returned, %llu in flight, %llu refused after",
                  (unsigned long long)x->revoke_ok_after, (unsigned long long)x->revoke_in_flight_ok,
                  (unsigned long long)x->revoke_refused_after);
        if (x->revoke_ok_after || x->revoke_errors || x->revoke_refused_after == 0)
                bench_fail(b, "revocation: %llu logins with the disabled key succeeded, %llu errors, %llu refusals",
                           (unsigned long long)x->revoke_ok_after, (unsigned long long)x->revoke_errors,
                           (unsigned long long)x->revoke_refused_after);
}

/* Drops the store's pages from the page cache (only ours: no global drop). */
static void evict_store(const struct store_dir *s)
{
        const char *names[] = { "keys.db", "keys.db-wal", "keys.db-shm", "hash.key" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                char path[PATH_MAX + 16];
                int fd;
                snprintf(path, sizeof(path), "%s/%s", s->state, names[i]);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                (void)fdatasync(fd);
                (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
                close(fd);
        }
}

/* One login while nothing runs but systemd-socket-activate holding the
 * sockets: exec of apikeyd, opening the store, the answer. */
static double cold_login(struct bench *b, const char *key, int *ret_result)
{
        struct pam_work w = { .confdir = b->pam_dir, .service = BENCH_SERVICE, .user = b->user,
                              .fixed_answer = key, .expect = PAM_SUCCESS };
        uint64_t rng = 1, t0;
        double ms;
        int r = daemon_start_activated(b->o, b->large.state, b->run_dir, &b->daemon);

        if (r < 0) {
                bench_fail(b, "systemd-socket-activate did not start: %s", strerror(-r));
                *ret_result = -1;
                return 0;
        }
        t0 = bench_now_ns();
        *ret_result = pam_work_op(&w, &rng);
        ms = (double)(bench_now_ns() - t0) / 1e6;
        if (*ret_result != OUT_EXPECTED)
                bench_fail(b, "the first login after a cold start was not accepted (log: %s)", b->daemon.log);
        bench_daemon_stop(b);
        return ms;
}

void extras_cold_start(struct bench *b)
{
        struct pam_work permit = { .confdir = b->pam_dir, .service = "permit", .user = b->user,
                                   .expect = PAM_SUCCESS };
        const char *key = b->large.keys.keys[b->large.keys.n > 1 ? 1 : 0];
        struct extras *x = &b->rep.x;
        uint64_t rng = 1;

        (void)pam_work_op(&permit, &rng); /* libpam itself warm in this process */
        x->cold_start_ms = cold_login(b, key, &x->cold_start_pam);
        evict_store(&b->large);
        x->cold_start_evicted_ms = cold_login(b, key, &x->cold_start_evicted_pam);
        x->has_cold = true;
        bench_log(b->o, "cold start: first login %.1f ms (store cached), %.1f ms (store evicted)", x->cold_start_ms,
                  x->cold_start_evicted_ms);
}
