/* soakload.c - load generator for the soak test: speaks the wire protocol
 * to apikeyd's sockets directly (no process per login), from several worker
 * processes, and samples the daemon's memory and descriptors meanwhile.
 *
 *   soakload --auth SOCK --control SOCK --keys FILE --daemon-pid PID
 *            [--requests N] [--workers W] [--seed S] [--control-every M]
 *            [--sample-ms MS] [--warmup N]
 *
 * FILE has one key per line: "USER KEY STATE", STATE "active" or "disabled"
 * (keys the script made; the daemon must not rate-limit, so run it with
 * --rate-limit-burst 0). Each request is one of: the right key for its user
 * (expects ok), a wrong secret (bad_secret), an unknown ID (not_found),
 * another user's key (wrong_user), a disabled key (disabled), a string that
 * is not a key (malformed), a malformed record (malformed), a connection
 * closed without a request (nothing), a leak report of an unknown key
 * (leaked); and one in M is a control request (status, list, show, create
 * then delete, disable then enable of a key of root's own).
 *
 * First --warmup requests run, the daemon is left idle for a moment and
 * sampled; then the rest run with a sample every --sample-ms; then an idle
 * sample again. Output: "sample ..." lines, then "result ..." lines:
 *   result requests=N granted=N granted_wrongly=N refused_wrongly=N unexpected=N
 *          control_ok=N control_failed=N errors=N audited=N seconds=S
 *   result warm_rss_kb=N warm_fds=N last_rss_kb=N last_fds=N max_rss_kb=N
 * Exit status 0 when no bad key was granted, 1 otherwise, 2 on usage. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "key.h"
#include "proto.h"
#include "transport.h"
#include "wire.h"

#define MAX_KEYS 64
#define MAX_WORKERS 64
#define TIMEOUT_MS 10000

struct soak_key {
        char user[PROTO_USER_MAX + 1];
        char key[KEY_LEN + 1];
        bool active;
};

struct soak_opts {
        const char *auth_sock, *ctl_sock, *keys_file;
        pid_t daemon;
        uint64_t requests, warmup, control_every;
        unsigned workers, sample_ms;
        uint64_t seed;
};

/* Counters shared by all workers (MAP_SHARED), updated atomically. */
struct soak_stats {
        uint64_t done;
        uint64_t granted_wrongly; /* a bad key answered ok: the one thing that must never happen */
        uint64_t refused_wrongly; /* the right key not answered ok */
        uint64_t granted;         /* ok for the keys of FILE: their use counts must add up to it */
        uint64_t audited;         /* requests the daemon must have put in its audit log */
        uint64_t unexpected;      /* another verdict than expected */
        uint64_t control_ok, control_failed;
        uint64_t errors; /* connect/send/receive failures */
};

static struct soak_key keys[MAX_KEYS];
static size_t n_keys;
static struct soak_stats *stats;

static void bump(uint64_t *counter)
{
        __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

static uint64_t rnd(uint64_t *state)
{
        uint64_t x = *state;

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *state = x;
        return x * 0x2545F4914F6CDD1DULL;
}

static int load_keys(const char *path)
{
        char user[PROTO_USER_MAX + 1], key[KEY_MAX_INPUT + 1], state[16];
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        while (n_keys < MAX_KEYS && fscanf(f, "%256s %100s %15s", user, key, state) == 3) {
                struct soak_key *k = &keys[n_keys];
                if (strlen(key) != KEY_LEN)
                        continue;
                memcpy(k->user, user, sizeof(k->user));
                memcpy(k->key, key, sizeof(k->key));
                k->active = strcmp(state, "active") == 0;
                n_keys++;
        }
        fclose(f);
        return n_keys > 0 ? 0 : -ENOENT;
}

/* A near miss of a real key: another secret or another ID, valid checksum. */
static void near_miss(const char *key, bool other_id, uint64_t *rs, char out[KEY_LEN + 1])
{
        static const char id_alpha[] = KEY_ID_ALPHABET, secret_alpha[] = KEY_SECRET_ALPHABET;
        struct key_parts p;

        if (key_parse(key, &p) < 0) {
                snprintf(out, KEY_LEN + 1, "%s", key);
                return;
        }
        if (other_id) {
                size_t i = rnd(rs) % KEY_ID_LEN;
                char c = id_alpha[rnd(rs) % (sizeof(id_alpha) - 1)];
                p.id[i] = c == p.id[i] ? (c == 'a' ? 'b' : 'a') : c;
        } else {
                size_t i = rnd(rs) % KEY_SECRET_LEN;
                char c = secret_alpha[rnd(rs) % (sizeof(secret_alpha) - 1)];
                p.secret[i] = c == p.secret[i] ? (c == 'A' ? 'B' : 'A') : c;
        }
        (void)key_format(p.id, p.secret, out, KEY_LEN + 1);
        explicit_bzero(&p, sizeof(p));
}

/* One exchange: sends raw bytes, returns the reply's type and fields in m
 * (buf holds it), or -errno. */
static int exchange_raw(const char *sock, const void *data, size_t len, uint8_t *buf, size_t bufsz,
                        struct wire_msg *m)
{
        int64_t deadline = transport_now_ms() + TIMEOUT_MS;
        int fd, r;

        r = transport_connect(sock, deadline, &fd);
        if (r < 0)
                return r;
        if (len > 0 && send(fd, data, len, MSG_NOSIGNAL) != (ssize_t)len)
                r = -errno;
        else if (len == 0)
                r = 0; /* a connection that sends nothing: the daemon drops it */
        else
                r = transport_recv(fd, buf, bufsz, m, deadline);
        close(fd);
        return r;
}

static void expect_verdict(int r, const struct wire_msg *m, unsigned want, bool bad_key, bool tally)
{
        uint32_t v;

        if (r < 0 || m->type != MSG_AUTH_REPLY || wire_get_u32(m, TAG_VERDICT, &v) < 0) {
                bump(&stats->errors);
                return;
        }
        if (bad_key && v == VERDICT_OK)
                bump(&stats->granted_wrongly);
        else if (want == VERDICT_OK && v != VERDICT_OK)
                bump(&stats->refused_wrongly);
        else if (want == VERDICT_OK && tally)
                bump(&stats->granted);
        else if (v != want)
                bump(&stats->unexpected);
}

static void auth_one(const char *sock, const char *user, const char *key, const char *rhost, unsigned want,
                     bool bad_key, bool tally)
{
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_buf b;
        struct wire_msg m;
        int r;

        wire_init(&b, MSG_AUTH_REQUEST);
        wire_put_str(&b, TAG_USER, user);
        wire_put_str(&b, TAG_SERVICE, "soak");
        wire_put_str(&b, TAG_RHOST, rhost);
        wire_put_str(&b, TAG_KEY, key);
        if (wire_finish(&b) < 0) {
                bump(&stats->errors);
                return;
        }
        r = exchange_raw(sock, b.data, b.len, buf, sizeof(buf), &m);
        expect_verdict(r, &m, want, bad_key, tally);
        bump(&stats->audited);
        wire_wipe(&b);
}

/* Records the daemon must refuse: junk, a wrong version, a truncated field,
 * an oversized record. Each gets AUTH_REPLY malformed. */
static void malformed_one(const char *sock, uint64_t *rs)
{
        uint8_t req[WIRE_MAX_MSG + 64], buf[WIRE_MAX_MSG];
        struct wire_msg m;
        size_t len;
        int r;

        switch (rnd(rs) % 4) {
        case 0: /* random bytes */
                len = 1 + rnd(rs) % 200;
                for (size_t i = 0; i < len; i++)
                        req[i] = (uint8_t)rnd(rs);
                req[0] = WIRE_VERSION + 1 + (req[0] % 8); /* never a valid version */
                break;
        case 1: /* a field running past the end */
                req[0] = WIRE_VERSION, req[1] = MSG_AUTH_REQUEST, req[2] = TAG_USER, req[3] = 0, req[4] = 200;
                memcpy(req + 5, "root", 4);
                len = 9;
                break;
        case 2: /* a type the auth socket does not take */
                req[0] = WIRE_VERSION, req[1] = MSG_CTL_REQUEST, req[2] = TAG_COMMAND, req[3] = 0, req[4] = 4;
                memset(req + 5, 0, 3), req[8] = CTL_STATUS;
                len = 9;
                break;
        default: /* larger than any record */
                memset(req, 'A', sizeof(req));
                req[0] = WIRE_VERSION, req[1] = MSG_AUTH_REQUEST;
                len = sizeof(req);
                break;
        }
        r = exchange_raw(sock, req, len, buf, sizeof(buf), &m);
        expect_verdict(r, &m, VERDICT_MALFORMED, true, false);
        bump(&stats->audited);
}

static void leak_one(const char *sock, const char *fake_key)
{
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_buf b;
        struct wire_msg m;
        int r;

        wire_init(&b, MSG_LEAK_REPORT);
        wire_put_str(&b, TAG_KEY, fake_key);
        wire_put_str(&b, TAG_SERVICE, "soak");
        if (wire_finish(&b) < 0) {
                bump(&stats->errors);
                return;
        }
        r = exchange_raw(sock, b.data, b.len, buf, sizeof(buf), &m);
        expect_verdict(r, &m, VERDICT_LEAKED, true, false);
        bump(&stats->audited);
}

/* One control request; 0 when the final CTL_REPLY says ok. The new key of
 * a create is copied to ret_key. */
static int control_one(const char *sock, unsigned cmd, const char *key_id, char *ret_key, size_t keysz)
{
        int64_t deadline = transport_now_ms() + TIMEOUT_MS;
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_buf b;
        struct wire_msg m;
        uint32_t status = STATUS_INTERNAL;
        int fd, r;

        wire_init(&b, MSG_CTL_REQUEST);
        wire_put_u32(&b, TAG_COMMAND, cmd);
        if (key_id)
                wire_put_str(&b, TAG_KEY_ID, key_id);
        if (cmd == CTL_LIST)
                wire_put_u32(&b, TAG_FLAGS, 0);
        if (cmd == CTL_CREATE)
                wire_put_str(&b, TAG_NAME, "soak");
        if (wire_finish(&b) < 0 || transport_connect(sock, deadline, &fd) < 0)
                return -EIO;
        r = transport_send(fd, &b, deadline);
        while (r == 0) {
                r = transport_recv(fd, buf, sizeof(buf), &m, deadline);
                if (r == 0 && m.type == MSG_CTL_REPLY) {
                        (void)wire_get_u32(&m, TAG_STATUS, &status);
                        if (ret_key && wire_get_str(&m, TAG_KEY, ret_key, keysz) < 0)
                                ret_key[0] = '\0';
                        break;
                }
        }
        explicit_bzero(buf, sizeof(buf));
        close(fd);
        return r < 0 ? r : status == STATUS_OK ? 0 : -EPROTO;
}

static void count_control(int r)
{
        bump(r == 0 ? &stats->control_ok : &stats->control_failed);
}

/* A change: counted, and audited whatever its outcome. */
static void count_change(int r)
{
        count_control(r);
        bump(&stats->audited);
}

/* Root's own key, made and removed again: create, disable, enable, delete,
 * each acknowledged. */
static void control_round(const struct soak_opts *o, uint64_t *rs)
{
        char key[KEY_LEN + 1], id[KEY_ID_LEN + 1];
        struct key_parts p;
        int r;

        switch (rnd(rs) % 4) {
        case 0:
                count_control(control_one(o->ctl_sock, CTL_STATUS, NULL, NULL, 0));
                return;
        case 1:
                count_control(control_one(o->ctl_sock, CTL_LIST, NULL, NULL, 0));
                return;
        case 2:
                if (key_parse(keys[rnd(rs) % n_keys].key, &p) == 0)
                        count_control(control_one(o->ctl_sock, CTL_SHOW, p.id, NULL, 0));
                explicit_bzero(&p, sizeof(p));
                return;
        default:
                break;
        }
        key[0] = '\0';
        bump(&stats->audited);
        if (control_one(o->ctl_sock, CTL_CREATE, NULL, key, sizeof(key)) < 0 || key_parse(key, &p) < 0) {
                bump(&stats->control_failed);
                return;
        }
        snprintf(id, sizeof(id), "%s", p.id);
        explicit_bzero(&p, sizeof(p));
        bump(&stats->control_ok);
        auth_one(o->auth_sock, "root", key, "", VERDICT_OK, false, false);
        /* Once a revocation is acknowledged the key must fail (under
         * injected faults a change may be refused: then nothing to check). */
        r = control_one(o->ctl_sock, CTL_DISABLE, id, NULL, 0);
        count_change(r);
        if (r == 0)
                auth_one(o->auth_sock, "root", key, "", VERDICT_DISABLED, true, false);
        count_change(control_one(o->ctl_sock, CTL_ENABLE, id, NULL, 0));
        r = control_one(o->ctl_sock, CTL_DELETE, id, NULL, 0);
        count_change(r);
        if (r == 0)
                auth_one(o->auth_sock, "root", key, "", VERDICT_NOT_FOUND, true, false);
        explicit_bzero(key, sizeof(key));
}

static const struct soak_key *pick(uint64_t *rs, bool active)
{
        for (int tries = 0; tries < 64; tries++) {
                const struct soak_key *k = &keys[rnd(rs) % n_keys];
                if (k->active == active)
                        return k;
        }
        return NULL;
}

/* A user other than the key's owner. */
static const char *other_user(const struct soak_key *k, uint64_t *rs)
{
        for (int tries = 0; tries < 64; tries++) {
                const struct soak_key *o = &keys[rnd(rs) % n_keys];
                if (strcmp(o->user, k->user) != 0)
                        return o->user;
        }
        return "nobody";
}

static void request_one(const struct soak_opts *o, uint64_t *rs)
{
        const struct soak_key *k = pick(rs, true), *off = pick(rs, false);
        char rhost[32], near[KEY_LEN + 1];
        unsigned dice = (unsigned)(rnd(rs) % 100);

        snprintf(rhost, sizeof(rhost), "192.0.2.%u", (unsigned)(rnd(rs) % 250) + 1);
        if (!k)
                return;
        if (dice < 40)
                auth_one(o->auth_sock, k->user, k->key, rhost, VERDICT_OK, false, true);
        else if (dice < 55) {
                near_miss(k->key, false, rs, near);
                auth_one(o->auth_sock, k->user, near, rhost, VERDICT_BAD_SECRET, true, false);
        } else if (dice < 65) {
                near_miss(k->key, true, rs, near);
                auth_one(o->auth_sock, k->user, near, rhost, VERDICT_NOT_FOUND, true, false);
        } else if (dice < 75)
                auth_one(o->auth_sock, other_user(k, rs), k->key, rhost, VERDICT_WRONG_USER, true, false);
        else if (dice < 80 && off)
                auth_one(o->auth_sock, off->user, off->key, rhost, VERDICT_DISABLED, true, false);
        else if (dice < 85)
                auth_one(o->auth_sock, k->user, "hunter2", rhost, VERDICT_MALFORMED, true, false);
        else if (dice < 92)
                malformed_one(o->auth_sock, rs);
        else if (dice < 96) {
                uint8_t buf[16];
                struct wire_msg m;
                if (exchange_raw(o->auth_sock, NULL, 0, buf, sizeof(buf), &m) < 0)
                        bump(&stats->errors);
        } else {
                near_miss(k->key, true, rs, near);
                leak_one(o->auth_sock, near);
        }
}

static void worker(const struct soak_opts *o, unsigned n, uint64_t count)
{
        uint64_t rs = o->seed * 0x9E3779B97F4A7C15ULL + n + 1;

        for (uint64_t i = 0; i < count; i++) {
                if (o->control_every && rnd(&rs) % o->control_every == 0)
                        control_round(o, &rs);
                else
                        request_one(o, &rs);
                bump(&stats->done);
        }
}

/* VmRSS in KiB and the number of open descriptors of pid; 0 on success. */
static int sample_daemon(pid_t pid, long *ret_rss, long *ret_fds)
{
        char path[64], line[256];
        struct dirent *e;
        FILE *f;
        DIR *dir;
        long fds = 0;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        *ret_rss = -1;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "VmRSS: %ld", ret_rss) == 1)
                        break;
        fclose(f);
        snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
        dir = opendir(path);
        if (!dir)
                return -errno;
        while ((e = readdir(dir)))
                if (e->d_name[0] != '.')
                        fds++;
        closedir(dir);
        *ret_fds = fds;
        return *ret_rss >= 0 ? 0 : -EIO;
}

static void sleep_ms(unsigned ms)
{
        struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Runs count requests over the workers; samples every sample_ms meanwhile.
 * Returns the largest RSS seen, or -1 when the daemon disappeared. */
static long run_phase(const struct soak_opts *o, uint64_t count, const char *label, int64_t t0)
{
        pid_t pids[MAX_WORKERS];
        unsigned started = 0, running;
        long max_rss = 0, rss, fds;
        int64_t next = transport_now_ms() + o->sample_ms;

        for (unsigned w = 0; w < o->workers; w++) {
                uint64_t share = count / o->workers + (w < count % o->workers ? 1 : 0);
                pid_t pid = fork();
                if (pid == 0) {
                        worker(o, w + (label[0] == 'w' ? 1000 : 0), share);
                        _exit(0);
                }
                if (pid < 0) {
                        perror("soakload: fork");
                        break;
                }
                pids[started++] = pid;
        }
        for (running = started; running > 0;) {
                int status;
                pid_t done = waitpid(-1, &status, WNOHANG);
                if (done > 0) {
                        running--;
                        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                                fprintf(stderr, "soakload: worker %d failed (status %d)\n", (int)done, status);
                        continue;
                }
                sleep_ms(50);
                if (transport_now_ms() < next)
                        continue;
                next += o->sample_ms;
                if (sample_daemon(o->daemon, &rss, &fds) < 0) {
                        fprintf(stderr, "soakload: the daemon (pid %d) is gone\n", (int)o->daemon);
                        for (unsigned w = 0; w < started; w++)
                                kill(pids[w], SIGTERM);
                        while (wait(NULL) > 0)
                                ;
                        return -1;
                }
                max_rss = rss > max_rss ? rss : max_rss;
                printf("sample phase=%s t=%.1fs requests=%llu rss_kb=%ld fds=%ld\n", label,
                       (double)(transport_now_ms() - t0) / 1000.0,
                       (unsigned long long)__atomic_load_n(&stats->done, __ATOMIC_RELAXED), rss, fds);
                fflush(stdout);
        }
        return max_rss;
}

/* Sample after the daemon had time to flush and close everything. */
static int idle_sample(const struct soak_opts *o, const char *label, int64_t t0, long *rss, long *fds)
{
        sleep_ms(1500); /* > FLUSH_INTERVAL: pending uses and audit records are written */
        if (sample_daemon(o->daemon, rss, fds) < 0)
                return -1;
        printf("sample phase=%s t=%.1fs requests=%llu rss_kb=%ld fds=%ld\n", label,
               (double)(transport_now_ms() - t0) / 1000.0, (unsigned long long)stats->done, *rss, *fds);
        fflush(stdout);
        return 0;
}

static int usage(void)
{
        fprintf(stderr, "usage: soakload --auth SOCK --control SOCK --keys FILE --daemon-pid PID [--requests N] "
                        "[--workers W] [--seed S] [--control-every M] [--sample-ms MS] [--warmup N]\n");
        return 2;
}

static int parse_args(int argc, char **argv, struct soak_opts *o)
{
        static const struct option opts[] = {
                { "auth", required_argument, NULL, 'a' },     { "control", required_argument, NULL, 'c' },
                { "keys", required_argument, NULL, 'k' },     { "daemon-pid", required_argument, NULL, 'p' },
                { "requests", required_argument, NULL, 'n' }, { "workers", required_argument, NULL, 'w' },
                { "seed", required_argument, NULL, 's' },     { "control-every", required_argument, NULL, 'e' },
                { "sample-ms", required_argument, NULL, 'i' }, { "warmup", required_argument, NULL, 'u' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'a': o->auth_sock = optarg; break;
                case 'c': o->ctl_sock = optarg; break;
                case 'k': o->keys_file = optarg; break;
                case 'p': o->daemon = (pid_t)atoi(optarg); break;
                case 'n': o->requests = strtoull(optarg, NULL, 10); break;
                case 'w': o->workers = (unsigned)atoi(optarg); break;
                case 's': o->seed = strtoull(optarg, NULL, 10); break;
                case 'e': o->control_every = strtoull(optarg, NULL, 10); break;
                case 'i': o->sample_ms = (unsigned)atoi(optarg); break;
                case 'u': o->warmup = strtoull(optarg, NULL, 10); break;
                default: return -1;
                }
        }
        if (optind != argc || !o->auth_sock || !o->ctl_sock || !o->keys_file || o->daemon <= 0 || o->workers == 0 ||
            o->workers > MAX_WORKERS || o->sample_ms == 0)
                return -1;
        return 0;
}

int main(int argc, char **argv)
{
        struct soak_opts o = { .requests = 50000, .workers = 4, .seed = 1, .control_every = 500, .sample_ms = 2000 };
        long warm_rss, warm_fds, last_rss, last_fds, max_rss;
        int64_t t0 = transport_now_ms();
        int r;

        o.warmup = UINT64_MAX;
        if (parse_args(argc, argv, &o) < 0)
                return usage();
        if (o.warmup == UINT64_MAX || o.warmup > o.requests)
                o.warmup = o.requests / 10;
        r = load_keys(o.keys_file);
        if (r < 0) {
                fprintf(stderr, "soakload: no keys in %s: %s\n", o.keys_file, strerror(-r));
                return 2;
        }
        stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (stats == MAP_FAILED)
                return perror("soakload: mmap"), 2;
        signal(SIGPIPE, SIG_IGN);

        if (run_phase(&o, o.warmup, "warmup", t0) < 0 || idle_sample(&o, "warm", t0, &warm_rss, &warm_fds) < 0)
                return 1;
        max_rss = run_phase(&o, o.requests - o.warmup, "load", t0);
        if (max_rss < 0 || idle_sample(&o, "idle", t0, &last_rss, &last_fds) < 0)
                return 1;
        printf("result requests=%llu granted=%llu granted_wrongly=%llu refused_wrongly=%llu unexpected=%llu "
               "control_ok=%llu control_failed=%llu errors=%llu audited=%llu seconds=%.1f\n",
               (unsigned long long)stats->done, (unsigned long long)stats->granted,
               (unsigned long long)stats->granted_wrongly,
               (unsigned long long)stats->refused_wrongly, (unsigned long long)stats->unexpected,
               (unsigned long long)stats->control_ok, (unsigned long long)stats->control_failed,
               (unsigned long long)stats->errors, (unsigned long long)stats->audited,
               (double)(transport_now_ms() - t0) / 1000.0);
        printf("result warm_rss_kb=%ld warm_fds=%ld last_rss_kb=%ld last_fds=%ld max_rss_kb=%ld\n", warm_rss, warm_fds,
               last_rss, last_fds, max_rss > last_rss ? max_rss : last_rss);
        return stats->granted_wrongly == 0 ? 0 : 1;
}
