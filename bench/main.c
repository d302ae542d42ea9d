/* main.c - apikey-bench: options, the work directory and the order of the
 * rows. Everything it creates (a throwaway account, a directory under /tmp,
 * daemons, an echo server) is removed at exit, also on failure.
 *
 *   apikey-bench [--build DIR] [--out FILE] [--keys N] [--small-keys N]
 *                [--list-keys N] [--seconds S] [--clients 1,8,64]
 *                [--creates N] [--no-unix] [--pg[=SCRIPT]] [--keep] [--quiet]
 *
 * Exit status: 0 when every row ran and every authentication got the
 * answer it should (timings are reported, never judged here), 1 when one did
 * not or a revoked key was accepted, 2 for a usage error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <shadow.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench.h"
#include "scenarios.h"

static struct bench *cleanup_state; /* for the exit and signal paths */
static pid_t main_pid;

uint64_t bench_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_log(const struct bench_opts *o, const char *fmt, ...)
{
        va_list ap;

        if (o->quiet)
                return;
        va_start(ap, fmt);
        fputs("apikey-bench: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

static void usage(FILE *f)
{
        fputs("Usage: apikey-bench [OPTIONS]\n"
              "Measure pam_apikey (libpam, module, apikeyd, SQLite) against its floor and pam_unix.\n\n"
              "  --build DIR       apikeyd, apikeyctl and pam_apikey.so (default: the directory\n"
              "                    above this program's)\n"
              "  --out FILE        JSON results (default DIR/bench.json)\n"
              "  --keys N          keys in the large store (default 1000000)\n"
              "  --small-keys N    keys in the store of the scaling row (default 1000)\n"
              "  --list-keys N     keys listed by `apikeyctl list --all --json` (default 100000)\n"
              "  --seconds S       seconds per measured cell (default 2)\n"
              "  --clients LIST    concurrent clients, comma-separated (default 1,8,64);\n"
              "                    latency ratios use the 1-client cells\n"
              "  --creates N       `apikeyctl create` runs to time (default 20)\n"
              "  --only LIST       run only these rows and measurements, comma-separated:\n"
              "                    echo, pam_permit, floor, floor_resident, module_echo, apikey_valid,\n"
              "                    apikey_invalid,\n"
              "                    apikey_valid_slow_readers, apikey_valid_verify,\n"
              "                    apikey_valid_small, pam_unix, control, revocation, list,\n"
              "                    cold_start, pg_valid, pg_revocation (with --pg)\n"
              "  --skip LIST       leave these out\n"
              "  --no-unix         the same as --skip pam_unix\n"
              "  --pg[=SCRIPT]     also the rows pg_valid and pg_revocation against a PostgreSQL fleet\n"
              "                    store of --keys keys on a private cluster that SCRIPT starts and\n"
              "                    stops (default bench/pg-fleet.sh, from the source tree)\n"
              "  --pg-keys N       keys in the PostgreSQL store (default: --keys, at most 50000:\n"
              "                    they are inserted one by one as a host, ~1,500 keys/s)\n"
              "  --keep            keep the work directory\n"
              "  --quiet           no progress on stderr\n"
              "Runs as root: it creates (and removes) a throwaway account.\n",
              f);
}

static int parse_clients(const char *s, struct bench_opts *o)
{
        char *end;

        o->n_clients = 0;
        while (*s && o->n_clients < BENCH_MAX_CLIENT_LEVELS) {
                unsigned long v = strtoul(s, &end, 10);
                if (end == s || v == 0 || v > 1024 || (*end && *end != ','))
                        return -EINVAL;
                o->clients[o->n_clients++] = (unsigned)v;
                s = *end ? end + 1 : end;
        }
        return *s || o->n_clients == 0 ? -EINVAL : 0;
}

static bool in_list(const char *list, const char *name)
{
        size_t n = strlen(name);

        for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
                        return true;
        return false;
}

bool bench_wants(const struct bench_opts *o, const char *name)
{
        return (!o->only || in_list(o->only, name)) && !in_list(o->skip, name);
}

static int parse_count(const char *s, unsigned long max, unsigned long *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v == 0 || v > max || s[0] == '-')
                return -EINVAL;
        *ret = v;
        return 0;
}

static int default_build(char *buf, size_t bufsz)
{
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        char *slash;

        if (n <= 0)
                return -errno;
        exe[n] = '\0';
        for (int i = 0; i < 2; i++) { /* BUILD/bench/apikey-bench -> BUILD */
                slash = strrchr(exe, '/');
                if (!slash)
                        return -EINVAL;
                *slash = '\0';
        }
        snprintf(buf, bufsz, "%s", exe);
        return 0;
}

static int parse_options(int argc, char **argv, struct bench_opts *o, char *build, char *out)
{
        static const struct option longopts[] = {
                { "build", required_argument, NULL, 'b' },      { "out", required_argument, NULL, 'o' },
                { "keys", required_argument, NULL, 'k' },       { "small-keys", required_argument, NULL, 's' },
                { "list-keys", required_argument, NULL, 'l' },  { "seconds", required_argument, NULL, 't' },
                { "clients", required_argument, NULL, 'c' },    { "creates", required_argument, NULL, 'n' },
                { "only", required_argument, NULL, 'O' },       { "skip", required_argument, NULL, 'S' },
                { "no-unix", no_argument, NULL, 'U' },          { "keep", no_argument, NULL, 'K' },
                { "quiet", no_argument, NULL, 'q' },            { "help", no_argument, NULL, 'h' },
                { "pg", optional_argument, NULL, 'P' },         { "pg-keys", required_argument, NULL, 'G' },
                {},
        };
        unsigned long v;
        char *end;
        int c;

        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                switch (c) {
                case 'b': snprintf(build, PATH_MAX, "%s", optarg); break;
                case 'o': snprintf(out, PATH_MAX, "%s", optarg); break;
                case 'k': if (parse_count(optarg, 100000000, &o->keys) < 0) return -EINVAL; break;
                case 's': if (parse_count(optarg, 100000000, &o->small_keys) < 0) return -EINVAL; break;
                case 'l': if (parse_count(optarg, 100000000, &o->list_keys) < 0) return -EINVAL; break;
                case 'n':
                        if (parse_count(optarg, 100000, &v) < 0)
                                return -EINVAL;
                        o->creates = (unsigned)v;
                        break;
                case 't':
                        o->seconds = strtod(optarg, &end);
                        if (*end || !(o->seconds >= 0.1 && o->seconds <= 600))
                                return -EINVAL;
                        break;
                case 'c': if (parse_clients(optarg, o) < 0) return -EINVAL; break;
                case 'O': o->only = optarg; break;
                case 'S': o->skip = optarg; break;
                case 'U': o->skip = "pam_unix"; break;
                case 'G': if (parse_count(optarg, 100000000, &o->pg_keys) < 0) return -EINVAL; break;
                case 'P': o->pg = optarg ? optarg : "bench/pg-fleet.sh"; break;
                case 'K': o->keep = true; break;
                case 'q': o->quiet = true; break;
                case 'h': usage(stdout); return 1;
                default: return -EINVAL;
                }
        }
        if (optind < argc)
                return -EINVAL;
        if (!build[0] && default_build(build, PATH_MAX) < 0)
                return -EINVAL;
        if (!out[0] && snprintf(out, PATH_MAX, "%s/bench.json", build) >= PATH_MAX)
                return -EINVAL;
        o->build = build;
        o->out = out;
        return 0;
}

static void remove_tree(const char *dir)
{
        pid_t pid;

        if (!dir[0])
                return;
        pid = fork();
        if (pid == 0) {
                execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
                _exit(127);
        }
        if (pid > 0)
                waitpid(pid, NULL, 0);
}

static void cleanup(void)
{
        struct bench *b = cleanup_state;

        if (!b || getpid() != main_pid)
                return;
        cleanup_state = NULL;
        bench_teardown(b);
        if (b->user_made)
                user_delete(b->user);
        if (b->o->keep || b->failures)
                fprintf(stderr, "apikey-bench: kept %s%s\n", b->dir,
                        b->o->keep ? "" : " (a check failed: the daemons' logs are there)");
        else
                remove_tree(b->dir);
}

static void on_signal(int sig)
{
        cleanup();
        signal(sig, SIG_DFL);
        raise(sig);
}

static unsigned count_lines(const char *path)
{
        FILE *f = fopen(path, "re");
        unsigned n = 0;
        int c;

        if (!f)
                return 0;
        while ((c = getc(f)) != EOF)
                n += c == '\n';
        fclose(f);
        return n;
}

static int setup(struct bench *b)
{
        struct spwd *sp;
        int r;

        snprintf(b->dir, sizeof(b->dir), "/tmp/apikey-bench.XXXXXX");
        if (!mkdtemp(b->dir))
                return -errno;
        chmod(b->dir, 0755);
        snprintf(b->user, sizeof(b->user), "akbench%d", (int)getpid());
        r = user_create(b->user, BENCH_USER_PASSWORD, &b->uid);
        if (r < 0) {
                fprintf(stderr, "apikey-bench: cannot create the account %s (useradd, chpasswd)\n", b->user);
                return r;
        }
        b->user_made = true;
        b->rep.x.passwd_entries = count_lines("/etc/passwd");
        sp = getspnam(b->user);
        if (sp && sp->sp_pwdp && sp->sp_pwdp[0] == '$') {
                const char *end = strchr(sp->sp_pwdp + 1, '$');
                snprintf(b->rep.x.pw_hash_scheme, sizeof(b->rep.x.pw_hash_scheme), "%.*s",
                         end ? (int)(end - sp->sp_pwdp + 1) : 3, sp->sp_pwdp);
        }
        if (path_join(b->pam_dir, sizeof(b->pam_dir), b->dir, "pam") < 0 ||
            path_join(b->run_dir, sizeof(b->run_dir), b->dir, "run") < 0 ||
            path_join(b->run_dir_small, sizeof(b->run_dir_small), b->dir, "run-small") < 0 ||
            path_join(b->echo_sock, sizeof(b->echo_sock), b->dir, "echo.sock") < 0 ||
            path_join(b->grant_sock, sizeof(b->grant_sock), b->dir, "grant.sock") < 0)
                return -ENAMETOOLONG;
        if (mkdir(b->pam_dir, 0755) < 0 || mkdir(b->run_dir, 0755) < 0 || mkdir(b->run_dir_small, 0755) < 0)
                return -errno;
        return bench_write_pam(b);
}

int main(int argc, char **argv)
{
        static char build[PATH_MAX], out[PATH_MAX];
        /* Static: the exit handler (cleanup) reads them after main returns. */
        static struct bench_opts o = { .keys = 1000000, .small_keys = 1000, .list_keys = 100000, .seconds = 2,
                                .clients = { 1, 8, 64 }, .n_clients = 3, .creates = 20 };
        static struct bench b;
        uint64_t t0 = bench_now_ns();
        int r;

        r = parse_options(argc, argv, &o, build, out);
        if (r != 0) {
                if (r < 0)
                        usage(stderr);
                return r > 0 ? 0 : 2;
        }
        if (geteuid() != 0) {
                fprintf(stderr, "apikey-bench: run as root (it creates a throwaway account)\n");
                return 2;
        }
        if (sodium_init() < 0)
                return 1;
        b.o = &o;
        b.rep.o = &o;
        main_pid = getpid();
        cleanup_state = &b;
        atexit(cleanup);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGHUP, on_signal);

        r = setup(&b);
        if (r == 0)
                r = bench_run(&b);
        b.rep.total_seconds = (double)(bench_now_ns() - t0) / 1e9;
        report_print(&b.rep);
        if (report_write_json(&b.rep, o.out) < 0) {
                fprintf(stderr, "apikey-bench: cannot write %s\n", o.out);
                r = -EIO;
        } else
                bench_log(&o, "wrote %s", o.out);
        if (r < 0)
                fprintf(stderr, "apikey-bench: failed: %s\n", strerror(-r));
        else if (b.failures)
                fprintf(stderr, "apikey-bench: %u checks failed (see above)\n", b.failures);
        return r < 0 || b.failures ? 1 : 0;
}
