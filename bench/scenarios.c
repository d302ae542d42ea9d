/* scenarios.c - the order of the run: build the stores, then the floor
 * rows, the pam_apikey rows on the large store (with the one-off
 * measurements that need its daemon), the scaling row on the small store,
 * `list --all` on its own store, the cold start, and pam_unix. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "disturb.h"
#include "scenarios.h"

int path_join(char *buf, size_t bufsz, const char *dir, const char *name)
{
        int n = snprintf(buf, bufsz, "%s/%s", dir, name);

        return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

void bench_fail(struct bench *b, const char *fmt, ...)
{
        va_list ap;

        b->failures++;
        va_start(ap, fmt);
        fputs("apikey-bench: FAILED: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

/* Where libpam finds pam_permit.so on this machine (Debian's multiarch
 * directory first). */
static void find_pam_permit(struct bench *b)
{
        static const char *const dirs[] = { "/usr/lib/x86_64-linux-gnu/security", "/lib/x86_64-linux-gnu/security",
                                             "/usr/lib/aarch64-linux-gnu/security", "/lib/aarch64-linux-gnu/security",
                                             "/usr/lib64/security", "/lib64/security", "/usr/lib/security",
                                             "/lib/security" };

        b->permit_so[0] = '\0';
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                snprintf(b->permit_so, sizeof(b->permit_so), "%s/pam_permit.so", dirs[i]);
                if (access(b->permit_so, R_OK) == 0)
                        return;
        }
        b->permit_so[0] = '\0';
}

int bench_write_pam(struct bench *b)
{
        char build[PATH_MAX], line[3 * PATH_MAX];
        int r;

        if (!realpath(b->o->build, build))
                return -errno;
        snprintf(line, sizeof(line), "auth required %s/pam_apikey.so socket=%s/auth.sock timeout=5\n", build,
                 b->run_dir);
        r = pam_write_service(b->pam_dir, BENCH_SERVICE, line);
        snprintf(line, sizeof(line), "auth required %s/pam_apikey.so socket=%s/auth.sock timeout=5\n", build,
                 b->run_dir_small);
        if (r == 0)
                r = pam_write_service(b->pam_dir, BENCH_SERVICE_SMALL, line);
        snprintf(line, sizeof(line), "auth required %s/pam_apikey.so socket=%s timeout=5\n", build, b->grant_sock);
        if (r == 0)
                r = pam_write_service(b->pam_dir, BENCH_SERVICE_ECHO, line);
        if (r == 0)
                r = pam_write_service(b->pam_dir, "permit", "auth required pam_permit.so\n");
        find_pam_permit(b);
        snprintf(line, sizeof(line), "auth required %s\n", b->permit_so);
        if (r == 0 && b->permit_so[0])
                r = pam_write_service(b->pam_dir, "permit-resident", line);
        if (r == 0)
                r = pam_write_service(b->pam_dir, "unix", "auth required pam_unix.so\n");
        /* As /etc/pam.d/other on a real system: libpam reads it with every
         * service, and logs an error on every pam_start when it is missing. */
        if (r == 0)
                r = pam_write_service(b->pam_dir, "other", "auth required pam_deny.so\n");
        return r;
}

/* A daemon on store s with its sockets in run_dir; a failure is the run's. */
static int daemon_start_on(struct bench *b, struct store_dir *s, const char *run_dir, struct daemon_proc *d)
{
        int r = daemon_start(b->o, s->state, run_dir, d);

        if (r < 0)
                bench_fail(b, "apikeyd did not start on %s: %s (log: %s)", s->state, strerror(-r), d->log);
        return r;
}

static void daemon_stop_on(struct bench *b, struct daemon_proc *d)
{
        int status;

        if (d->pid <= 0)
                return;
        status = daemon_stop(d);
        if (status != 0) {
                b->rep.x.daemon_exit_status = status;
                bench_fail(b, "apikeyd exited with status %d (log: %s)", status, d->log);
        }
}

int bench_daemon_start(struct bench *b, struct store_dir *s)
{
        return daemon_start_on(b, s, b->run_dir, &b->daemon);
}

void bench_daemon_stop(struct bench *b)
{
        daemon_stop_on(b, &b->daemon);
}

static void stop_server(pid_t *pid);

void bench_teardown(struct bench *b)
{
        if (b->daemon.pid > 0)
                daemon_stop(&b->daemon);
        stop_server(&b->echo_pid);
        pg_teardown(b);
        keyset_free(&b->large.keys);
        keyset_free(&b->small.keys);
        keyset_free(&b->list.keys);
        free(b->unix_label);
        b->unix_label = NULL;
}

/* A wrong answer (a valid key refused, an invalid one accepted) fails the
 * run, and so does an error (the stack or the daemon not answering:
 * PAM_AUTHINFO_UNAVAIL): a login that gets no answer is a bug. */
static void check_cell(struct bench *b, const char *name, const struct cell *c)
{
        if (c->unexpected)
                bench_fail(b, "%s with %u clients: %llu of %llu answers were the wrong one", name, c->clients,
                           (unsigned long long)c->unexpected, (unsigned long long)c->ops);
        if (c->errors)
                bench_fail(b, "%s with %u clients: %llu of %llu logins got no answer", name, c->clients,
                           (unsigned long long)c->errors, (unsigned long long)c->ops);
}

static int run_row_beside(struct bench *b, const char *name, const char *label, unsigned long keys, op_fn op,
                          void *ctx, pid_t server, during_fn during, struct disturb *dist, unsigned max_clients)
{
        struct row *row;
        int r = 0;

        if (!bench_wants(b->o, name))
                return 0;
        row = report_row(&b->rep, name, label, keys);
        if (!row)
                return -ENOSPC;
        for (size_t i = 0; i < b->o->n_clients && r == 0; i++) {
                struct cell *c = &row->cells[row->n_cells];
                if (max_clients && b->o->clients[i] > max_clients)
                        continue;
                struct load_spec spec = { .op = op, .ctx = ctx, .clients = b->o->clients[i],
                                          .seconds = b->o->seconds, .server = server, .during = during,
                                          .during_arg = dist };
                r = load_run(&spec, c);
                if (r < 0) {
                        bench_fail(b, "%s with %u clients: %s", name, b->o->clients[i], strerror(-r));
                        break;
                }
                row->n_cells++;
                bench_log(b->o, "%-20s %3u clients: %8.0f auth/s  p50 %8.1f us  p99 %8.1f us  cpu %.1f+%.1f us",
                          name, c->clients, c->throughput, c->p50_us, c->p99_us, c->client_cpu_us, c->server_cpu_us);
                check_cell(b, name, c);
        }
        row->done = row->n_cells > 0;
        return r;
}

int run_row(struct bench *b, const char *name, const char *label, unsigned long keys, op_fn op, void *ctx,
                   pid_t server)
{
        return run_row_beside(b, name, label, keys, op, ctx, server, NULL, NULL, 0);
}

int run_row_upto(struct bench *b, const char *name, const char *label, unsigned long keys, op_fn op, void *ctx,
                 pid_t server, unsigned max_clients)
{
        return run_row_beside(b, name, label, keys, op, ctx, server, NULL, NULL, max_clients);
}

/* Valid logins while other clients load the daemon's control side: no
 * client may delay another's answer, so the p99 should stay near
 * apikey_valid's and no login may go unanswered. */
static int disturbed_rows(struct bench *b, struct pam_work *valid)
{
        struct disturb readers = { .o = b->o, .ctl_sock = b->daemon.ctl_sock, .seconds = b->o->seconds, .n = 8 };
        struct disturb verify = { .o = b->o, .ctl_sock = b->daemon.ctl_sock, .seconds = b->o->seconds };
        int r = run_row_beside(b, "apikey_valid_slow_readers", "pam_apikey, valid, 8 audit clients not reading",
                               b->o->keys, pam_work_op, valid, b->daemon.pid, disturb_slow_readers, &readers, 0);

        if (r == 0 && bench_wants(b->o, "apikey_valid_slow_readers"))
                bench_log(b->o, "slow readers: %lu audit requests left unread, %lu dropped by the daemon",
                          readers.rounds, readers.dropped);
        if (r == 0)
                r = run_row_beside(b, "apikey_valid_verify", "pam_apikey, valid, audit --verify looping",
                                   b->o->keys, pam_work_op, valid, b->daemon.pid, disturb_verify, &verify, 0);
        if (r == 0 && bench_wants(b->o, "apikey_valid_verify")) {
                bench_log(b->o, "audit --verify: %lu runs answered, %lu unanswered", verify.rounds, verify.errors);
                if (verify.errors || verify.rounds == 0)
                        bench_fail(b, "audit --verify beside logins: %lu runs answered, %lu unanswered "
                                   "(apikeyctl exited with %d)", verify.rounds, verify.errors, verify.last_status);
        }
        return r;
}

static int build_one(struct bench *b, struct store_dir *s, const char *sub, unsigned long n,
                     struct build_result *res)
{
        int r;

        if (path_join(s->state, sizeof(s->state), b->dir, sub) < 0)
                return -ENAMETOOLONG;
        if (mkdir(s->state, 0700) < 0)
                return -errno;
        r = keys_build_store(s->state, n, b->user, b->uid, &s->keys, res);
        if (r < 0)
                bench_fail(b, "building a store of %lu keys: %s", n, strerror(-r));
        else
                bench_log(b->o, "store of %lu keys built in %.2f s (%.0f bytes/key)", n, res->seconds,
                          (double)res->db_bytes / (double)n);
        return r;
}

static bool wants_any(const struct bench *b, const char *const *names)
{
        for (; *names; names++)
                if (bench_wants(b->o, *names))
                        return true;
        return false;
}

static const char *const floor_names[] = { "echo", "pam_permit", "floor", "floor_resident", "module_echo", NULL };
static const char *const large_names[] = { "apikey_valid", "apikey_invalid", "apikey_valid_slow_readers",
                                           "apikey_valid_verify", "control", "revocation", NULL };
static const char *const large_store_users[] = { "echo", "pam_permit", "floor", "floor_resident", "module_echo",
                                                 "apikey_valid",
                                                 "apikey_invalid", "apikey_valid_slow_readers",
                                                 "apikey_valid_verify",
                                                 "control", "revocation", "cold_start", NULL };

static int build_stores(struct bench *b)
{
        struct extras *x = &b->rep.x;
        int r = 0;

        x->keys = b->o->keys;
        x->small_keys = b->o->small_keys;
        x->list_keys = b->o->list_keys;
        if (wants_any(b, large_store_users))
                r = build_one(b, &b->large, "large", b->o->keys, &x->build);
        x->has_build = r == 0 && b->large.keys.n > 0;
        if (r == 0 && bench_wants(b->o, "apikey_valid_small"))
                r = build_one(b, &b->small, "small", b->o->small_keys, &x->build_small);
        if (r == 0 && bench_wants(b->o, "list"))
                r = build_one(b, &b->list, "list", b->o->list_keys, &x->build_list);
        keyset_free(&b->list.keys); /* only listed, never used to log in */
        return r;
}

static void stop_server(pid_t *pid)
{
        if (*pid <= 0)
                return;
        kill(*pid, SIGKILL);
        waitpid(*pid, NULL, 0);
        *pid = 0;
}

/* The floor, and the module against a server that grants every key: what
 * the client side costs without the daemon. */
static int floor_rows(struct bench *b)
{
        char identity[64];
        struct echo_work echo = { .socket_path = b->echo_sock, .user = b->user, .keys = &b->large.keys };
        struct pam_work permit = { .confdir = b->pam_dir, .service = "permit", .user = b->user,
                                   .keys = &b->large.keys, .expect = PAM_SUCCESS };
        struct pam_work floor = permit, resident = permit, module = permit;
        int r;

        if (!wants_any(b, floor_names))
                return 0;
        snprintf(identity, sizeof(identity), "user:%s", b->user);
        r = echo_start(b->echo_sock, identity, false, &b->echo_pid);
        if (r < 0) {
                bench_fail(b, "echo server: %s", strerror(-r));
                return r;
        }
        floor.echo_socket = b->echo_sock;
        r = run_row(b, "echo", "echo (socket floor)", 0, echo_op, &echo, b->echo_pid);
        if (r == 0)
                r = run_row(b, "pam_permit", "pam_permit transaction", 0, pam_work_op, &permit, 0);
        if (r == 0)
                r = run_row(b, "floor", "floor: echo + pam_permit", 0, pam_work_op, &floor, b->echo_pid);
        /* pam_apikey.so stays loaded in a process that loaded it once (-z
         * nodelete); pam_permit.so is loaded and unloaded by every
         * transaction. This floor keeps pam_permit.so loaded too: the ratio
         * against it is the module's and the daemon's work alone. */
        resident.service = "permit-resident";
        resident.echo_socket = b->echo_sock;
        resident.pin_module = b->permit_so;
        if (r == 0 && b->permit_so[0])
                r = run_row(b, "floor_resident", "floor, pam_permit kept loaded", 0, pam_work_op, &resident,
                            b->echo_pid);
        stop_server(&b->echo_pid);
        if (r < 0 || !bench_wants(b->o, "module_echo"))
                return r;
        r = echo_start(b->grant_sock, identity, true, &b->echo_pid);
        if (r < 0) {
                bench_fail(b, "granting echo server: %s", strerror(-r));
                return r;
        }
        module.service = BENCH_SERVICE_ECHO;
        r = run_row(b, "module_echo", "pam_apikey -> echo server", 0, pam_work_op, &module, b->echo_pid);
        stop_server(&b->echo_pid);
        return r;
}

static uint64_t store_bytes(const struct store_dir *s)
{
        const char *suffix[] = { "", "-wal" };
        uint64_t total = 0;

        for (size_t i = 0; i < 2; i++) {
                char path[PATH_MAX + 16];
                struct stat st;
                snprintf(path, sizeof(path), "%s/keys.db%s", s->state, suffix[i]);
                if (stat(path, &st) == 0)
                        total += (uint64_t)st.st_size;
        }
        return total;
}

/* Appends the latencies of s's expected answers to lat (n of cap); returns
 * the unexpected ones. */
static uint64_t take_latencies(const struct samples *s, uint64_t *lat, size_t *n, size_t cap)
{
        uint64_t bad = 0;

        for (size_t i = 0; i < s->n; i++) {
                if (s->s[i].outcome != OUT_EXPECTED)
                        bad++;
                else if (*n < cap)
                        lat[(*n)++] = s->s[i].lat_ns;
        }
        return bad;
}

static void lat_summary(uint64_t *lat, size_t n, double *ret_p50_us, double *ret_mean_us)
{
        double sum = 0;

        latencies_sort(lat, n);
        for (size_t i = 0; i < n; i++)
                sum += (double)lat[i];
        *ret_p50_us = n ? latency_rank_us(lat, n, 0.50) : NAN;
        *ret_mean_us = n ? sum / (double)n / 1000.0 : NAN;
}

#define SCALING_SLICES 8       /* alternating, in the order large small small large ... */
#define SCALING_LAT_MAX 2000000 /* latencies kept per store */

/* The scaling ratio (1k -> 1M keys), side by side: both stores' daemons run
 * at once, each on its own sockets, and one client logs in to one of them
 * for a short slice, then to the other, in the order ABBA ABBA. Measured as
 * two rows minutes apart, the two medians moved with the machine's drift,
 * and their ratio by up to 30 % between runs of the same build; alternating
 * puts the drift on both alike. Each store gets --seconds in all. The large
 * store's daemon is the running one (large_rows), and every key still valid:
 * the revocation extra, which disables one, comes after. */
static int scaling_pair(struct bench *b)
{
        struct pam_work large = { .confdir = b->pam_dir, .service = BENCH_SERVICE, .user = b->user,
                                  .keys = &b->large.keys, .expect = PAM_SUCCESS };
        struct pam_work small = large;
        struct daemon_proc small_daemon = { 0 };
        uint64_t *lat[2] = { calloc(SCALING_LAT_MAX, sizeof(uint64_t)), calloc(SCALING_LAT_MAX, sizeof(uint64_t)) };
        size_t n[2] = { 0, 0 };
        uint64_t bad = 0;
        int r = lat[0] && lat[1] ? 0 : -ENOMEM;

        small.service = BENCH_SERVICE_SMALL;
        small.keys = &b->small.keys;
        if (r == 0)
                r = daemon_start_on(b, &b->small, b->run_dir_small, &small_daemon);
        /* A first slice each, not counted: the stores' pages into the caches. */
        for (int i = -2; r == 0 && i < SCALING_SLICES; i++) {
                bool is_large = i < 0 ? i == -2 : (i % 4 == 0 || i % 4 == 3);
                struct samples kept = { 0 };
                struct cell c;
                struct load_spec spec = { .op = pam_work_op, .ctx = is_large ? &large : &small, .clients = 1,
                                          .seconds = i < 0 ? 0.2 : b->o->seconds * 2 / SCALING_SLICES,
                                          .keep = &kept };

                r = load_run(&spec, &c);
                if (r < 0)
                        bench_fail(b, "scaling pair, %s store: %s", is_large ? "large" : "small", strerror(-r));
                else if (i >= 0)
                        bad += take_latencies(&kept, lat[is_large ? 0 : 1], &n[is_large ? 0 : 1], SCALING_LAT_MAX);
                samples_free(&kept);
        }
        daemon_stop_on(b, &small_daemon);
        if (bad)
                bench_fail(b, "scaling pair: %llu logins did not succeed", (unsigned long long)bad);
        if (r == 0 && n[0] && n[1]) {
                lat_summary(lat[0], n[0], &b->rep.x.scaling_large_p50_us, &b->rep.x.scaling_large_mean_us);
                lat_summary(lat[1], n[1], &b->rep.x.scaling_small_p50_us, &b->rep.x.scaling_small_mean_us);
                b->rep.x.scaling_ops_large = n[0];
                b->rep.x.scaling_ops_small = n[1];
                b->rep.x.scaling_slices = SCALING_SLICES;
                b->rep.x.has_scaling = true;
                bench_log(b->o, "scaling pair: p50 %.1f us (%lu keys) / %.1f us (%lu keys) = %.3f",
                          b->rep.x.scaling_large_p50_us, b->o->keys, b->rep.x.scaling_small_p50_us,
                          b->o->small_keys, b->rep.x.scaling_large_p50_us / b->rep.x.scaling_small_p50_us);
        }
        free(lat[0]);
        free(lat[1]);
        return r;
}

static int large_rows(struct bench *b)
{
        struct pam_work valid = { .confdir = b->pam_dir, .service = BENCH_SERVICE, .user = b->user,
                                  .keys = &b->large.keys, .expect = PAM_SUCCESS };
        struct pam_work invalid = valid;
        int r;

        if (!wants_any(b, large_names))
                return 0;
        r = bench_daemon_start(b, &b->large);
        invalid.invalid = true;
        invalid.expect = PAM_AUTH_ERR;
        if (r == 0)
                r = run_row(b, "apikey_valid", "pam_apikey, valid keys", b->o->keys, pam_work_op, &valid,
                            b->daemon.pid);
        if (r == 0)
                r = run_row(b, "apikey_invalid", "pam_apikey, invalid keys", b->o->keys, pam_work_op, &invalid,
                            b->daemon.pid);
        if (r == 0)
                r = disturbed_rows(b, &valid);
        if (r == 0 && proc_rss_kib(b->daemon.pid, &b->rep.x.rss_kib, &b->rep.x.hwm_kib) < 0)
                bench_fail(b, "cannot read the daemon's memory use");
        else if (r == 0)
                b->rep.x.has_rss = true;
        if (r == 0 && bench_wants(b->o, "apikey_valid_small") && b->small.keys.n > 0)
                r = scaling_pair(b);
        if (r == 0 && bench_wants(b->o, "control"))
                extras_control(b);
        if (r == 0 && bench_wants(b->o, "revocation"))
                extras_revocation(b); /* last: it disables a key */
        bench_daemon_stop(b);
        b->rep.x.db_bytes_after_run = store_bytes(&b->large);
        return r;
}

static int small_row(struct bench *b)
{
        struct pam_work valid = { .confdir = b->pam_dir, .service = BENCH_SERVICE, .user = b->user,
                                  .keys = &b->small.keys, .expect = PAM_SUCCESS };
        int r;

        if (!bench_wants(b->o, "apikey_valid_small"))
                return 0;
        r = bench_daemon_start(b, &b->small);
        if (r == 0)
                r = run_row(b, "apikey_valid_small", "pam_apikey, valid, small store", b->o->small_keys,
                            pam_work_op, &valid, b->daemon.pid);
        bench_daemon_stop(b);
        return r;
}

static int list_store(struct bench *b)
{
        int r;

        if (!bench_wants(b->o, "list"))
                return 0;
        r = bench_daemon_start(b, &b->list);
        if (r == 0)
                extras_list(b);
        bench_daemon_stop(b);
        return r;
}

static int unix_row(struct bench *b)
{
        struct pam_work w = { .confdir = b->pam_dir, .service = "unix", .user = b->user, .expect = PAM_SUCCESS };
        char label[64];

        snprintf(label, sizeof(label), "pam_unix (%s)",
                 strcmp(b->rep.x.pw_hash_scheme, "$y$") == 0 ? "yescrypt" : b->rep.x.pw_hash_scheme);
        b->unix_label = strdup(label);
        return run_row(b, "pam_unix", b->unix_label ? b->unix_label : "pam_unix", 0, pam_work_op, &w, 0);
}

int bench_run(struct bench *b)
{
        int r = build_stores(b);

        if (r == 0)
                r = floor_rows(b);
        if (r == 0)
                r = large_rows(b);
        if (r == 0)
                r = small_row(b);
        if (r == 0)
                r = list_store(b);
        if (r == 0 && bench_wants(b->o, "cold_start"))
                extras_cold_start(b);
        if (r == 0)
                r = pg_rows(b);
        if (r == 0 && bench_wants(b->o, "pam_unix"))
                r = unix_row(b);
        return r;
}
