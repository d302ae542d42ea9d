/* load.c - N client processes, each with its own PAM handles, looping over
 * one operation for a fixed time; latencies collected in shared memory.
 *
 * Every client does one warm-up operation, then all start together at a
 * time the parent sets. Throughput is the operations completed over the time
 * from that start to the end of the last one; latency percentiles are over
 * every operation (nearest rank). A spec with a `during` hook holds the
 * clients past their time until the hook has returned and DURING_TAIL_NS
 * more, so that operations start after what the hook did (a disable on a
 * slow, sanitized or loaded machine may take longer than the cell). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define SAMPLES_CAP (4u << 20) /* 4 Mi samples, 96 MiB of address space, touched as used */
#define READY_TIMEOUT_NS (300ull * 1000000000ull)
#define DURING_TAIL_NS (200ull * 1000000ull)

struct shared {
        unsigned ready;
        uint64_t start_ns; /* 0 until the parent says go */
        uint64_t end_ns;   /* latest end of an operation */
        unsigned hold;     /* the parent's during hook is still running */
        uint64_t hold_until; /* and the clients go on until then after it */
        uint64_t next;     /* next free sample */
        uint64_t ops, unexpected, errors;
        struct sample samples[];
};

uint64_t rng_next(uint64_t *state)
{
        /* splitmix64: for picking keys, not for secrets. */
        uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

static void sleep_until(uint64_t t_ns)
{
        struct timespec ts = { (time_t)(t_ns / 1000000000ull), (long)(t_ns % 1000000000ull) };

        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
                ;
}

static void atomic_max(uint64_t *p, uint64_t v)
{
        uint64_t cur = __atomic_load_n(p, __ATOMIC_RELAXED);

        while (cur < v && !__atomic_compare_exchange_n(p, &cur, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
                ;
}

static void client_main(struct shared *sh, op_fn op, void *ctx, unsigned id, uint64_t duration_ns)
{
        uint64_t rng = bench_now_ns() ^ ((uint64_t)getpid() << 32) ^ id, start, end, ops = 0, bad = 0, errs = 0;
        uint64_t last = 0;

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        (void)op(ctx, &rng); /* warm-up: libraries loaded, caches filled */
        __atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
        while ((start = __atomic_load_n(&sh->start_ns, __ATOMIC_SEQ_CST)) == 0)
                usleep(200);
        sleep_until(start);
        end = start + duration_ns;
        for (;;) {
                uint64_t t0 = bench_now_ns(), t1, slot;
                enum outcome out;

                if (t0 >= end && !__atomic_load_n(&sh->hold, __ATOMIC_SEQ_CST) &&
                    t0 >= __atomic_load_n(&sh->hold_until, __ATOMIC_SEQ_CST))
                        break;
                out = op(ctx, &rng);
                t1 = bench_now_ns();
                ops++;
                bad += out == OUT_UNEXPECTED;
                errs += out == OUT_ERROR;
                slot = __atomic_fetch_add(&sh->next, 1, __ATOMIC_RELAXED);
                if (slot < SAMPLES_CAP)
                        sh->samples[slot] = (struct sample){ .start_ns = t0 - start,
                                                             .lat_ns = t1 - t0,
                                                             .outcome = (uint8_t)out };
                last = t1;
        }
        __atomic_add_fetch(&sh->ops, ops, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&sh->unexpected, bad, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&sh->errors, errs, __ATOMIC_SEQ_CST);
        atomic_max(&sh->end_ns, last);
        _exit(0);
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

void latencies_sort(uint64_t *lat, size_t n)
{
        qsort(lat, n, sizeof(*lat), cmp_u64);
}

double latency_rank_us(const uint64_t *sorted, size_t n, double q)
{
        size_t i = (size_t)(q * (double)n + 0.999999);

        if (n == 0)
                return 0;
        if (i == 0)
                i = 1;
        return sorted[(i > n ? n : i) - 1] / 1000.0;
}

static void summarize(const struct shared *sh, size_t n, struct cell *c)
{
        uint64_t *lat = malloc((n ? n : 1) * sizeof(*lat));
        double sum = 0;

        c->ops = sh->ops;
        c->unexpected = sh->unexpected;
        c->errors = sh->errors;
        c->seconds = sh->end_ns > sh->start_ns ? (double)(sh->end_ns - sh->start_ns) / 1e9 : 0;
        c->throughput = c->seconds > 0 ? (double)c->ops / c->seconds : 0;
        if (!lat)
                return;
        for (size_t i = 0; i < n; i++) {
                lat[i] = sh->samples[i].lat_ns;
                sum += lat[i];
        }
        latencies_sort(lat, n);
        c->p50_us = latency_rank_us(lat, n, 0.50);
        c->p99_us = latency_rank_us(lat, n, 0.99);
        c->max_us = n ? lat[n - 1] / 1000.0 : 0;
        c->mean_us = n ? sum / (double)n / 1000.0 : 0;
        free(lat);
}

/* $APIKEY_BENCH_SAMPLES=DIR: every cell's samples as DIR/cell-N.csv
 * (start_us,latency_us,outcome), to look at latency over time. */
static void dump_samples(const struct shared *sh, size_t n, unsigned clients)
{
        static unsigned cell;
        const char *dir = getenv("APIKEY_BENCH_SAMPLES");
        char path[4096];
        FILE *f;

        if (!dir)
                return;
        snprintf(path, sizeof(path), "%s/cell-%u-c%u.csv", dir, ++cell, clients);
        f = fopen(path, "we");
        if (!f)
                return;
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%.1f,%.1f,%u\n", sh->samples[i].start_ns / 1e3, sh->samples[i].lat_ns / 1e3,
                        sh->samples[i].outcome);
        fclose(f);
}

static int wait_ready(struct shared *sh, unsigned clients, const pid_t *pids)
{
        uint64_t deadline = bench_now_ns() + READY_TIMEOUT_NS;

        while (__atomic_load_n(&sh->ready, __ATOMIC_SEQ_CST) < clients) {
                for (unsigned i = 0; i < clients; i++) {
                        int status;
                        if (waitpid(pids[i], &status, WNOHANG) != pids[i])
                                continue;
                        fprintf(stderr, "apikey-bench: client %u ended in its warm-up (status 0x%x)\n", i, status);
                        return -ECHILD;
                }
                if (bench_now_ns() > deadline)
                        return -ETIMEDOUT;
                usleep(1000);
        }
        return 0;
}

static void reap(const pid_t *pids, unsigned n, bool kill_them, int *ret_failed)
{
        int failed = 0;

        for (unsigned i = 0; i < n; i++) {
                int status = 0;
                if (pids[i] <= 0)
                        continue;
                if (kill_them)
                        kill(pids[i], SIGKILL);
                if (waitpid(pids[i], &status, 0) == pids[i] && !(WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
                    !kill_them) {
                        fprintf(stderr, "apikey-bench: client %u %s %d\n", i,
                                WIFEXITED(status) ? "exited with status" : "was killed by signal",
                                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                        failed++;
                }
        }
        *ret_failed = failed;
}

/* User and system time of pid (all its threads) in microseconds; 0 when
 * unknown. */
static double proc_cpu_us(pid_t pid)
{
        char path[64], buf[1024], *p;
        unsigned long long ut, st;
        FILE *f;
        size_t n;

        if (pid <= 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return 0;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        p = strrchr(buf, ')'); /* the command name may hold spaces */
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
                return 0;
        return (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

static double children_cpu_us(void)
{
        struct rusage ru;

        if (getrusage(RUSAGE_CHILDREN, &ru) < 0)
                return 0;
        return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec +
                                                                                 ru.ru_stime.tv_usec);
}

int load_run(const struct load_spec *spec, struct cell *ret)
{
        op_fn op = spec->op;
        void *ctx = spec->ctx;
        unsigned clients = spec->clients;
        double seconds = spec->seconds;
        struct samples *keep = spec->keep;
        double server0, children0;
        struct syscount sc;
        size_t size = sizeof(struct shared) + (size_t)SAMPLES_CAP * sizeof(struct sample);
        struct shared *sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
                                 -1, 0);
        pid_t *pids = calloc(clients, sizeof(*pids));
        int r = 0, failed = 0;
        size_t n;

        memset(ret, 0, sizeof(*ret));
        ret->clients = clients;
        if (sh == MAP_FAILED || !pids) {
                if (sh != MAP_FAILED)
                        munmap(sh, size);
                free(pids);
                return -ENOMEM;
        }
        server0 = proc_cpu_us(spec->server);
        children0 = children_cpu_us();
        syscount_start(&sc, spec->server);
        for (unsigned i = 0; i < clients && r == 0; i++) {
                pids[i] = fork();
                if (pids[i] == 0)
                        client_main(sh, op, ctx, i, (uint64_t)(seconds * 1e9));
                if (pids[i] < 0)
                        r = -errno;
        }
        if (r == 0)
                r = wait_ready(sh, clients, pids);
        if (r == 0) {
                uint64_t start = bench_now_ns() + 20000000ull;
                __atomic_store_n(&sh->hold, spec->during != NULL, __ATOMIC_SEQ_CST);
                __atomic_store_n(&sh->start_ns, start, __ATOMIC_SEQ_CST);
                if (spec->during) {
                        spec->during(spec->during_arg, start);
                        __atomic_store_n(&sh->hold_until, bench_now_ns() + DURING_TAIL_NS, __ATOMIC_SEQ_CST);
                        __atomic_store_n(&sh->hold, 0, __ATOMIC_SEQ_CST);
                }
        }
        reap(pids, clients, r < 0, &failed);
        syscount_stop(&sc, &ret->server_syscalls_main, &ret->server_syscalls_other);
        if (r == 0 && failed)
                r = -ECHILD;
        n = sh->next < SAMPLES_CAP ? sh->next : SAMPLES_CAP;
        if (r == 0) {
                summarize(sh, n, ret);
                dump_samples(sh, n, clients);
                /* Warm-up operations included: one per client. */
                if (ret->ops) {
                        double ops = (double)(ret->ops + clients);
                        ret->client_cpu_us = (children_cpu_us() - children0) / ops;
                        ret->server_cpu_us = spec->server ? (proc_cpu_us(spec->server) - server0) / ops : 0;
                        if (ret->server_syscalls_main >= 0) {
                                ret->server_syscalls_main /= ops;
                                ret->server_syscalls_other /= ops;
                        }
                }
        }
        if (r == 0 && keep) {
                keep->s = malloc((n ? n : 1) * sizeof(*keep->s));
                keep->n = keep->s ? n : 0;
                keep->cap = keep->n;
                if (keep->s)
                        memcpy(keep->s, sh->samples, n * sizeof(*keep->s));
        }
        munmap(sh, size);
        free(pids);
        return r;
}

void samples_free(struct samples *s)
{
        free(s->s);
        *s = (struct samples){ 0 };
}
