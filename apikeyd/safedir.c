/* safedir.c - the directories the daemon keeps its sockets and its store in
 * must be writable by nobody but root and the daemon's own user: anyone else
 * who can write there can swap a file or a socket for a symlink between
 * the daemon's check and its use. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

int safedir_check(int dfd, const char *path)
{
        struct stat st;

        if (fstat(dfd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode)) {
                log_error("refusing %s: not a directory", path);
                return -ENOTDIR;
        }
        if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                log_error("refusing %s: others than root and the daemon's user (uid %u) may write to it "
                          "(owner uid %u, mode %04o); make it owned by one of them and not group- or "
                          "world-writable (chown, chmod go-w)",
                          path, (unsigned)geteuid(), (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
                return -EPERM;
        }
        return 0;
}

int safedir_open(const char *path, int *ret_fd)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (fd < 0) {
                r = -errno;
                log_error("cannot open the directory %s: %s", path, strerror(-r));
                return r;
        }
        r = safedir_check(fd, path);
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int safedir_check_parent(const char *file)
{
        char dir[4096];
        const char *slash = strrchr(file, '/');
        int fd, r;

        if (!slash)
                snprintf(dir, sizeof(dir), ".");
        else if (slash == file)
                snprintf(dir, sizeof(dir), "/");
        else if ((size_t)(slash - file) >= sizeof(dir))
                return -ENAMETOOLONG;
        else
                snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file);
        r = safedir_open(dir, &fd);
        if (r == 0)
                close(fd);
        return r;
}
