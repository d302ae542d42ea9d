/* failmalloc.c - LD_PRELOAD shim that makes allocations (and, on request,
 * some I/O calls) fail, to check that the module and the daemon answer
 * errors, never crash and never grant, when memory or I/O runs out.
 *
 * Environment (all optional; without any of them nothing ever fails):
 *   FAILMALLOC_NTH=N      fail only the Nth counted call after arming (1-based)
 *   FAILMALLOC_EVERY=K    fail about one in K counted calls after arming
 *   FAILMALLOC_SEED=S     seed of the one-in-K draw (default 1)
 *   FAILMALLOC_AFTER=N    arm after N counted calls (default 0: at start)
 *   FAILMALLOC_ARM=usr2   arm only when SIGUSR2 arrives (e.g. after READY);
 *                         a second SIGUSR2 disarms
 *   FAILMALLOC_IO=1       also count open, openat, and read, pread64,
 *                         pwrite64, fsync, fdatasync, recvmsg and send on
 *                         files and sockets (failing with EIO); the
 *                         allocators are always counted
 *   FAILMALLOC_WARM_NSS=1 look up root before anything is counted, as a PAM
 *                         host (sshd, sudo) has long done before a module
 *                         runs: glibc 2.36 crashes when its first NSS use
 *                         runs out of memory (nss_database.c:291 and :402)
 *   FAILMALLOC_REPORT=1   at exit, print one line to stderr:
 *                         "failmalloc: calls=C failed=F live=L pid=P"
 *                         (live = allocations not freed at exit)
 *   FAILMALLOC_TRACK=1    with REPORT: also remember who allocated each live
 *                         block and print, at exit, one line per allocating
 *                         function: "failmalloc: N live from SYMBOL+OFF"
 *
 * Only the counted wrappers above fail; free() always works. Calls made
 * while dlsym() resolves the real functions are served from a static
 * buffer. Not for ASan builds: the sanitizer owns malloc there. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <pwd.h>
#include <unistd.h>

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
int posix_memalign(void **ret, size_t align, size_t size);
void *aligned_alloc(size_t align, size_t size);
void *memalign(size_t align, size_t size);
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_pread64)(int, void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

/* Allocations made while dlsym() runs come from here and are never freed. */
static _Alignas(16) unsigned char bootstrap[16384];
static size_t bootstrap_used;
static bool resolving;

static struct {
        uint64_t nth, every, after, seed;
        bool io, report, arm_on_signal;
} cfg;
static volatile sig_atomic_t armed;
static uint64_t calls, failed, counted_since_arm;
static int64_t live;
static bool configured;

/* Live blocks and their callers (FAILMALLOC_TRACK): open addressing with
 * linear probing and backward-shift deletion, no allocation. */
#define TRACK_SLOTS (1u << 20)
struct track_slot {
        void *p;
        void *caller;
};
static struct track_slot track[TRACK_SLOTS];
static bool tracking;
static int track_lock;

static size_t track_hash(const void *p)
{
        return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ULL >> 44) & (TRACK_SLOTS - 1);
}

static void track_acquire(void)
{
        while (__atomic_exchange_n(&track_lock, 1, __ATOMIC_ACQUIRE))
                ;
}

static void track_release(void)
{
        __atomic_store_n(&track_lock, 0, __ATOMIC_RELEASE);
}

static void track_add(void *p, void *caller)
{
        size_t i;

        if (!tracking || !p)
                return;
        track_acquire();
        for (i = track_hash(p); track[i].p; i = (i + 1) & (TRACK_SLOTS - 1))
                ;
        track[i] = (struct track_slot){ p, caller };
        track_release();
}

static void track_del(void *p)
{
        size_t i, j, k;

        if (!tracking || !p)
                return;
        track_acquire();
        for (i = track_hash(p); track[i].p != p; i = (i + 1) & (TRACK_SLOTS - 1))
                if (!track[i].p) {
                        track_release();
                        return; /* allocated before tracking started */
                }
        for (j = i;;) {
                j = (j + 1) & (TRACK_SLOTS - 1);
                if (!track[j].p)
                        break;
                k = track_hash(track[j].p);
                if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
                        continue; /* already where a probe from k finds it */
                track[i] = track[j];
                i = j;
        }
        track[i].p = NULL;
        track_release();
}

static bool from_bootstrap(const void *p)
{
        return (const unsigned char *)p >= bootstrap && (const unsigned char *)p < bootstrap + sizeof(bootstrap);
}

static void *bootstrap_alloc(size_t size)
{
        size_t start = (bootstrap_used + 15) & ~(size_t)15;

        if (start + size > sizeof(bootstrap))
                return NULL;
        bootstrap_used = start + size;
        return bootstrap + start;
}

static void resolve(void)
{
        if (real_free || resolving)
                return;
        resolving = true;
        real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
        real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
        real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
        real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
        real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
        real_read = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
        real_recvmsg = (ssize_t(*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
        real_send = (ssize_t(*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
        real_pread64 = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread64");
        real_pwrite64 = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
        real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
        real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
        real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
        real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
        real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
        real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
        resolving = false;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
        const char *v = getenv(name);

        return v && *v ? strtoull(v, NULL, 10) : dflt;
}

static void on_arm_signal(int sig)
{
        (void)sig;
        counted_since_arm = 0;
        armed = !armed;
}

static void configure(void)
{
        const char *arm;

        if (configured)
                return;
        configured = true;
        cfg.nth = env_u64("FAILMALLOC_NTH", 0);
        cfg.every = env_u64("FAILMALLOC_EVERY", 0);
        cfg.after = env_u64("FAILMALLOC_AFTER", 0);
        cfg.seed = env_u64("FAILMALLOC_SEED", 1) * 0x9E3779B97F4A7C15ULL + 1;
        cfg.io = env_u64("FAILMALLOC_IO", 0) != 0;
        cfg.report = env_u64("FAILMALLOC_REPORT", 0) != 0;
        tracking = cfg.report && env_u64("FAILMALLOC_TRACK", 0) != 0;
        arm = getenv("FAILMALLOC_ARM");
        cfg.arm_on_signal = arm && strcmp(arm, "usr2") == 0;
        armed = !cfg.arm_on_signal;
        if (cfg.arm_on_signal) {
                struct sigaction sa = { .sa_handler = on_arm_signal, .sa_flags = SA_RESTART };
                sigemptyset(&sa.sa_mask);
                sigaction(SIGUSR2, &sa, NULL);
        }
}

/* xorshift64*: cheap and allocation-free. */
static uint64_t next_random(void)
{
        uint64_t x = __atomic_load_n(&cfg.seed, __ATOMIC_RELAXED);

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        __atomic_store_n(&cfg.seed, x, __ATOMIC_RELAXED);
        return x * 0x2545F4914F6CDD1DULL;
}

/* Whether this counted call fails. */
static bool should_fail(void)
{
        uint64_t n;

        if (!configured || resolving)
                return false;
        n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
        if (!armed || n <= cfg.after)
                return false;
        n = __atomic_add_fetch(&counted_since_arm, 1, __ATOMIC_RELAXED);
        if ((cfg.nth && n == cfg.nth) || (cfg.every && next_random() % cfg.every == 0)) {
                __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
                return true;
        }
        return false;
}

void *malloc(size_t size)
{
        void *p;

        resolve();
        if (!real_malloc)
                return bootstrap_alloc(size);
        if (should_fail()) {
                errno = ENOMEM;
                return NULL;
        }
        p = real_malloc(size);
        if (p)
                __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
        track_add(p, __builtin_return_address(0));
        return p;
}

void *calloc(size_t n, size_t size)
{
        void *p;

        resolve();
        if (!real_calloc)
                return n && size > SIZE_MAX / n ? NULL : bootstrap_alloc(n * size); /* static: zeroed */
        if (should_fail()) {
                errno = ENOMEM;
                return NULL;
        }
        p = real_calloc(n, size);
        if (p)
                __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
        track_add(p, __builtin_return_address(0));
        return p;
}

void *realloc(void *old, size_t size)
{
        void *p;

        resolve();
        if (from_bootstrap(old)) {
                /* Moves out of the static buffer; the old bytes stay. */
                size_t avail = (size_t)(bootstrap + sizeof(bootstrap) - (unsigned char *)old);
                p = malloc(size);
                if (p)
                        memcpy(p, old, size < avail ? size : avail);
                return p;
        }
        if (!real_realloc)
                return bootstrap_alloc(size);
        if (old && size == 0) {
                free(old);
                return NULL;
        }
        if (should_fail()) {
                errno = ENOMEM;
                return NULL;
        }
        p = real_realloc(old, size);
        if (p && !old)
                __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
        if (p) {
                track_del(old);
                track_add(p, __builtin_return_address(0));
        }
        return p;
}

void free(void *p)
{
        if (!p || from_bootstrap(p))
                return;
        resolve();
        if (!real_free)
                return; /* cannot happen: nothing was allocated by the real malloc yet */
        __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
        track_del(p);
        real_free(p);
}

/* The aligned allocators are counted and fail like malloc, so that "live"
 * stays exact when their blocks are freed. */
int posix_memalign(void **ret, size_t align, size_t size)
{
        int r;

        resolve();
        if (!real_posix_memalign)
                return ENOMEM;
        if (should_fail())
                return ENOMEM;
        r = real_posix_memalign(ret, align, size);
        if (r == 0)
                __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
        if (r == 0)
                track_add(*ret, __builtin_return_address(0));
        return r;
}

static void *aligned(void *(*fn)(size_t, size_t), size_t align, size_t size, void *caller)
{
        void *p;

        if (!fn)
                return NULL;
        if (should_fail()) {
                errno = ENOMEM;
                return NULL;
        }
        p = fn(align, size);
        if (p)
                __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
        track_add(p, caller);
        return p;
}

void *aligned_alloc(size_t align, size_t size)
{
        resolve();
        return aligned(real_aligned_alloc, align, size, __builtin_return_address(0));
}

void *memalign(size_t align, size_t size)
{
        resolve();
        return aligned(real_memalign, align, size, __builtin_return_address(0));
}

/* I/O that can really fail: files and sockets. Timers, signals and event
 * fds (sd-event's) never return EIO, so failing them would test nothing. */
static bool io_fails(int fd)
{
        struct stat st;

        if (!cfg.io || (fd >= 0 && (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode)))))
                return false;
        if (!should_fail())
                return false;
        errno = EIO;
        return true;
}

int open(const char *path, int flags, ...)
{
        mode_t mode = 0;
        va_list ap;

        resolve();
        if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
                va_start(ap, flags);
                mode = (mode_t)va_arg(ap, int);
                va_end(ap);
        }
        if (io_fails(-1))
                return -1;
        return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dirfd, const char *path, int flags, ...)
{
        mode_t mode = 0;
        va_list ap;

        resolve();
        if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
                va_start(ap, flags);
                mode = (mode_t)va_arg(ap, int);
                va_end(ap);
        }
        if (io_fails(-1))
                return -1;
        return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

ssize_t read(int fd, void *buf, size_t len)
{
        resolve();
        if (io_fails(fd))
                return -1;
        return real_read(fd, buf, len);
}

/* What read() becomes under _FORTIFY_SOURCE when the buffer size is known. */
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
        if (len > buflen)
                abort(); /* what glibc's __chk_fail does, minus the message */
        return read(fd, buf, len);
}

ssize_t recvmsg(int fd, struct msghdr *mh, int flags)
{
        resolve();
        if (io_fails(fd))
                return -1;
        return real_recvmsg(fd, mh, flags);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
        resolve();
        if (io_fails(fd))
                return -1;
        return real_send(fd, buf, len, flags);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
        resolve();
        if (io_fails(fd))
                return -1;
        return real_pread64(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
        resolve();
        if (io_fails(fd))
                return -1;
        return real_pwrite64(fd, buf, len, off);
}

int fsync(int fd)
{
        resolve();
        if (io_fails(fd))
                return -1;
        return real_fsync(fd);
}

int fdatasync(int fd)
{
        resolve();
        if (io_fails(fd))
                return -1;
        return real_fdatasync(fd);
}

__attribute__((constructor)) static void failmalloc_init(void)
{
        resolve();
        if (env_u64("FAILMALLOC_WARM_NSS", 0))
                (void)getpwnam("root");
        configure();
}

/* One line per function that allocated live blocks. */
static void report_callers(void)
{
        static struct {
                void *caller;
                unsigned count;
        } by[128];
        size_t n_by = 0;
        char line[512];

        tracking = false;
        for (size_t i = 0; i < TRACK_SLOTS; i++) {
                size_t j;
                if (!track[i].p)
                        continue;
                for (j = 0; j < n_by && by[j].caller != track[i].caller; j++)
                        ;
                if (j == n_by && n_by < sizeof(by) / sizeof(by[0]))
                        by[n_by++].caller = track[i].caller;
                if (j < n_by)
                        by[j].count++;
        }
        for (size_t j = 0; j < n_by; j++) {
                Dl_info info = { 0 };
                int n;
                (void)dladdr(by[j].caller, &info);
                n = snprintf(line, sizeof(line), "failmalloc: %u live from %s+%#lx (%s)\n", by[j].count,
                             info.dli_sname ? info.dli_sname : "?",
                             (unsigned long)((uintptr_t)by[j].caller -
                                             (uintptr_t)(info.dli_saddr ? info.dli_saddr : info.dli_fbase)),
                             info.dli_fname ? info.dli_fname : "?");
                if (n > 0)
                        (void)!write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
        }
}

__attribute__((destructor)) static void failmalloc_fini(void)
{
        char line[160];
        int n;

        if (!cfg.report)
                return;
        n = snprintf(line, sizeof(line), "failmalloc: calls=%llu failed=%llu live=%lld pid=%d\n",
                     (unsigned long long)calls, (unsigned long long)failed, (long long)live, (int)getpid());
        if (n > 0)
                (void)!write(STDERR_FILENO, line, (size_t)n);
        if (tracking)
                report_callers();
}
