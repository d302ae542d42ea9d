/* syscalls.c - system calls a server makes per operation, counted by the
 * kernel: one perf counter on the raw_syscalls:sys_enter tracepoint per
 * thread of the server (its main thread, where the daemon's event loop runs,
 * apart from the others: the writer thread). No tracing tool is needed;
 * without tracefs or perf events (perf_event_paranoid, a container) the
 * counts are reported as unknown, and BENCHMARKS.md says how to take them
 * with `strace -c -f` instead. */
#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static const char *const tracepoint_ids[] = {
        "/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
        "/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
};

static long tracepoint_id(void)
{
        for (size_t i = 0; i < sizeof(tracepoint_ids) / sizeof(tracepoint_ids[0]); i++) {
                FILE *f = fopen(tracepoint_ids[i], "re");
                long id = -1;
                if (!f)
                        continue;
                if (fscanf(f, "%ld", &id) != 1)
                        id = -1;
                fclose(f);
                if (id >= 0)
                        return id;
        }
        return -1;
}

static int counter_open(long id, pid_t tid)
{
        struct perf_event_attr a = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(a), .config = (uint64_t)id,
                                     .disabled = 1 };
        int fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);

        if (fd >= 0)
                ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
        return fd;
}

void syscount_start(struct syscount *sc, pid_t pid)
{
        long id = pid > 0 ? tracepoint_id() : -1;
        char path[64];
        DIR *dir;
        struct dirent *e;

        *sc = (struct syscount){ .main_fd = -1 };
        if (id < 0)
                return;
        sc->main_fd = counter_open(id, pid);
        if (sc->main_fd < 0)
                return;
        snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
        dir = opendir(path);
        while (dir && (e = readdir(dir))) {
                pid_t tid = (pid_t)atoi(e->d_name);
                if (tid <= 0 || tid == pid || sc->n_other == SYSCOUNT_THREADS_MAX)
                        continue;
                int fd = counter_open(id, tid);
                if (fd >= 0)
                        sc->other_fd[sc->n_other++] = fd;
        }
        if (dir)
                closedir(dir);
}

static uint64_t counter_read(int fd)
{
        uint64_t v = 0;

        if (fd < 0 || read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
                return 0;
        return v;
}

/* Stops counting; *ret_main and *ret_other: calls made meanwhile, or -1
 * when they could not be counted. */
void syscount_stop(struct syscount *sc, double *ret_main, double *ret_other)
{
        uint64_t other = 0;

        *ret_main = *ret_other = -1;
        if (sc->main_fd < 0)
                return;
        *ret_main = (double)counter_read(sc->main_fd);
        close(sc->main_fd);
        for (size_t i = 0; i < sc->n_other; i++) {
                other += counter_read(sc->other_fd[i]);
                close(sc->other_fd[i]);
        }
        *ret_other = (double)other;
        sc->main_fd = -1;
        sc->n_other = 0;
}
