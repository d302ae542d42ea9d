/* procs.c - the programs the benchmark drives: the real apikeyd (bound to
 * private sockets, or behind systemd-socket-activate), apikeyctl as root,
 * and useradd/chpasswd/userdel for the throwaway account. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define DAEMON_STOP_TIMEOUT_NS (30ull * 1000000000ull)

/* In a child: stdin from /dev/null (or kept), stdout and stderr to log. */
static void redirect(const char *log, bool keep_stdout)
{
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int fd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;

        if (null >= 0)
                dup2(null, STDIN_FILENO);
        if (fd < 0)
                fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
                if (!keep_stdout)
                        dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
        }
}

static void fill_paths(struct daemon_proc *d, const char *state_dir, const char *run_dir)
{
        memset(d, 0, sizeof(*d));
        snprintf(d->db, sizeof(d->db), "%s/keys.db", state_dir);
        snprintf(d->run_dir, sizeof(d->run_dir), "%s", run_dir);
        snprintf(d->auth_sock, sizeof(d->auth_sock), "%s/auth.sock", run_dir);
        snprintf(d->ctl_sock, sizeof(d->ctl_sock), "%s/control.sock", run_dir);
        snprintf(d->log, sizeof(d->log), "%s/daemon.log", state_dir);
}

static int spawn(char *const argv[], const char *log, pid_t *ret)
{
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                redirect(log, false);
                execv(argv[0], argv);
                _exit(127);
        }
        *ret = pid;
        return 0;
}

int daemon_start(const struct bench_opts *o, const char *state_dir, const char *run_dir, struct daemon_proc *ret)
{
        return daemon_start_db(o, NULL, state_dir, run_dir, ret);
}

int daemon_start_db(const struct bench_opts *o, const char *db, const char *state_dir, const char *run_dir,
                    struct daemon_proc *ret)
{
        char prog[1024], state[600];
        int r;

        fill_paths(ret, state_dir, run_dir);
        if (db)
                snprintf(ret->db, sizeof(ret->db), "%s", db);
        snprintf(state, sizeof(state), "%s", state_dir);
        snprintf(prog, sizeof(prog), "%s/apikeyd", o->build);
        /* Root creates the keys the control rows time; lift the per-account cap. */
        char *argv[] = { prog, "--db", ret->db, "--listen-dir", ret->run_dir, "--max-keys-per-user", "100000",
                         "--state-dir", state, NULL };
        r = spawn(argv, ret->log, &ret->pid);
        if (r == 0)
                r = wait_for_daemon(o, ret->ctl_sock, 60);
        if (r < 0 && ret->pid > 0)
                daemon_stop(ret);
        return r;
}

static bool is_socket(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

int daemon_start_activated(const struct bench_opts *o, const char *state_dir, const char *run_dir,
                           struct daemon_proc *ret)
{
        char prog[1024], l1[700], l2[700];
        uint64_t deadline;
        int r;

        (void)o;
        fill_paths(ret, state_dir, run_dir);
        snprintf(prog, sizeof(prog), "%s/apikeyd", o->build);
        snprintf(l1, sizeof(l1), "%s", ret->auth_sock);
        snprintf(l2, sizeof(l2), "%s", ret->ctl_sock);
        unlink(l1);
        unlink(l2);
        char *argv[] = { "/usr/bin/systemd-socket-activate", "--seqpacket", "-l", l1, "-l", l2,
                         "--fdname=auth:control", prog, "--db", ret->db, NULL };
        r = spawn(argv, ret->log, &ret->pid);
        if (r < 0)
                return r;
        deadline = bench_now_ns() + 10ull * 1000000000ull;
        while (!(is_socket(l1) && is_socket(l2))) {
                if (bench_now_ns() > deadline || waitpid(ret->pid, NULL, WNOHANG) == ret->pid) {
                        ret->pid = 0;
                        return -ETIMEDOUT;
                }
                usleep(1000);
        }
        usleep(20000); /* both bound; let it reach its poll() before the first connection */
        return 0;
}

int daemon_stop(struct daemon_proc *d)
{
        uint64_t deadline = bench_now_ns() + DAEMON_STOP_TIMEOUT_NS;
        int status = 0;

        if (d->pid <= 0)
                return 0;
        kill(d->pid, SIGTERM);
        while (waitpid(d->pid, &status, WNOHANG) == 0) {
                if (bench_now_ns() > deadline) {
                        kill(d->pid, SIGKILL);
                        waitpid(d->pid, &status, 0);
                        break;
                }
                usleep(2000);
        }
        d->pid = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool can_connect(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        bool ok;

        if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
                if (fd >= 0)
                        close(fd);
                return false;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
        close(fd);
        return ok;
}

int wait_for_daemon(const struct bench_opts *o, const char *ctl_sock, double timeout_s)
{
        uint64_t deadline = bench_now_ns() + (uint64_t)(timeout_s * 1e9);
        static const char *const status[] = { "status", NULL };

        while (!can_connect(ctl_sock)) {
                if (bench_now_ns() > deadline)
                        return -ETIMEDOUT;
                usleep(2000);
        }
        /* The socket accepts as soon as it is bound, before the daemon has
         * started its writer thread: counting the threads' system calls
         * then missed the writer's. An answer comes from the running loop. */
        return ctl_run(o, ctl_sock, status, NULL) == 0 ? 0 : -EIO;
}

int proc_rss_kib(pid_t pid, uint64_t *ret_rss, uint64_t *ret_hwm)
{
        char path[64], line[256];
        FILE *f;
        unsigned long long v;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        *ret_rss = *ret_hwm = 0;
        while (fgets(line, sizeof(line), f)) {
                if (sscanf(line, "VmRSS: %llu kB", &v) == 1)
                        *ret_rss = v;
                else if (sscanf(line, "VmHWM: %llu kB", &v) == 1)
                        *ret_hwm = v;
        }
        fclose(f);
        return *ret_rss ? 0 : -ENODATA;
}

/* What a child printed: the first outsz - 1 bytes, the total, and how
 * often marker occurred. */
struct capture {
        char *out;
        size_t outsz, used;
        const char *marker;
        uint64_t bytes, count;
        char carry[64];
        size_t ncarry;
};

static void capture_count(struct capture *c, const char *buf, size_t n)
{
        size_t ml = c->marker ? strlen(c->marker) : 0;
        char joined[64 + 65536];

        if (ml == 0 || ml >= sizeof(c->carry))
                return;
        memcpy(joined, c->carry, c->ncarry);
        memcpy(joined + c->ncarry, buf, n);
        n += c->ncarry;
        for (const char *p = joined; (p = memmem(p, n - (size_t)(p - joined), c->marker, ml)); p += ml)
                c->count++;
        c->ncarry = n < ml - 1 ? n : ml - 1;
        memcpy(c->carry, joined + n - c->ncarry, c->ncarry);
}

static void capture_add(struct capture *c, const char *buf, size_t n)
{
        c->bytes += n;
        capture_count(c, buf, n);
        if (c->out && c->used + 1 < c->outsz) {
                size_t take = n < c->outsz - 1 - c->used ? n : c->outsz - 1 - c->used;
                memcpy(c->out + c->used, buf, take);
                c->used += take;
        }
        if (c->out && c->outsz)
                c->out[c->used] = '\0';
}

/* Runs argv with stdin_data on its stdin (NULL: /dev/null), its stdout
 * captured; returns the exit status or -errno. */
static int run_capture(char *const argv[], const char *stdin_data, const char *log, struct capture *cap)
{
        int in[2] = { -1, -1 }, pout[2];
        int status;
        pid_t pid;

        if (pipe2(pout, O_CLOEXEC) < 0 || (stdin_data && pipe2(in, O_CLOEXEC) < 0))
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                redirect(log, true);
                if (stdin_data)
                        dup2(in[0], STDIN_FILENO);
                dup2(pout[1], STDOUT_FILENO);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(pout[1]);
        if (stdin_data) {
                close(in[0]);
                (void)!write(in[1], stdin_data, strlen(stdin_data));
                close(in[1]);
        }
        for (;;) {
                char buf[65536];
                ssize_t n = read(pout[0], buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (cap)
                        capture_add(cap, buf, (size_t)n);
        }
        close(pout[0]);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ctl_run(const struct bench_opts *o, const char *ctl_sock, const char *const *args, struct ctl_output *ret)
{
        struct capture cap = { .out = ret ? ret->out : NULL, .outsz = ret ? ret->outsz : 0,
                               .marker = ret ? ret->marker : NULL };
        char prog[1024];
        char *argv[32];
        size_t n = 0;
        uint64_t t0;
        int r;

        snprintf(prog, sizeof(prog), "%s/apikeyctl", o->build);
        argv[n++] = prog;
        argv[n++] = "--socket";
        argv[n++] = (char *)ctl_sock;
        for (; *args && n < 31; args++)
                argv[n++] = (char *)*args;
        argv[n] = NULL;
        t0 = bench_now_ns();
        r = run_capture(argv, NULL, NULL, &cap);
        if (ret) {
                ret->seconds = (double)(bench_now_ns() - t0) / 1e9;
                ret->bytes = cap.bytes;
                ret->count = cap.count;
        }
        return r;
}

int user_create(const char *name, const char *password, uid_t *ret_uid)
{
        char *add[] = { "useradd", "-M", "-N", "-s", "/usr/sbin/nologin", (char *)name, NULL };
        char *chpw[] = { "chpasswd", NULL };
        char line[512];
        struct passwd *pw;
        int r = run_capture(add, NULL, NULL, NULL);

        if (r != 0)
                return r < 0 ? r : -EIO;
        snprintf(line, sizeof(line), "%s:%s\n", name, password);
        r = run_capture(chpw, line, NULL, NULL);
        pw = getpwnam(name);
        if (r != 0 || !pw) {
                user_delete(name);
                return r < 0 ? r : -EIO;
        }
        *ret_uid = pw->pw_uid;
        return 0;
}

void user_delete(const char *name)
{
        char *del[] = { "userdel", "-f", (char *)name, NULL };

        (void)run_capture(del, NULL, NULL, NULL);
}
