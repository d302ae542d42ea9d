/* listen.c - the two listening sockets: "auth" for the PAM module and
 * "control" for apikeyctl, from systemd by name or bound by ourselves. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static int kind_from_name(const char *name, enum listener_kind *ret)
{
        if (name && strcmp(name, "auth") == 0)
                *ret = LISTENER_AUTH;
        else if (name && strcmp(name, "control") == 0)
                *ret = LISTENER_CONTROL;
        else
                return -EINVAL;
        return 0;
}

int listen_from_systemd(struct daemon *d)
{
        char **names = NULL;
        int n = sd_listen_fds_with_names(1, &names);
        int r = 0;

        if (n <= 0) {
                free(names);
                return n;
        }
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                enum listener_kind kind;

                /* sd_is_socket_unix: 1 yes, 0 no, < 0 error; only 1 is good. */
                if (r == 0 && (kind_from_name(names ? names[i] : NULL, &kind) < 0 ||
                               sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0) <= 0)) {
                        log_error("socket %d (name \"%s\") is not a listening SOCK_SEQPACKET Unix socket named "
                                  "auth or control", fd, names && names[i] ? names[i] : "");
                        r = -EINVAL;
                }
                if (r == 0)
                        r = server_add_listener(d, fd, kind);
                if (r < 0)
                        close(fd);
        }
        for (int i = 0; names && i < n; i++)
                free(names[i]);
        free(names);
        return r < 0 ? r : n;
}

/* Binds dir/file through the directory's descriptor (/proc/self/fd/N/file),
 * so the directory checked is the one used, and sets the socket's mode with
 * the umask around bind() rather than chmod() by path afterwards, which
 * would follow whatever symlink had been put there meanwhile. Nothing else
 * runs while the sockets are bound (the writer thread starts later), so the
 * process-wide umask changes for no one else. */
static int bind_one(struct daemon *d, int dfd, const char *dir, const char *file, enum listener_kind kind)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct stat st;
        mode_t old_mask;
        int fd, r;

        if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, file) >=
            sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A stale socket from an earlier run is replaced; anything else is kept. */
        if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode))
                (void)unlinkat(dfd, file, 0);
        old_mask = umask(0111); /* 0666: any local user may connect; peer credentials decide */
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old_mask);
        if (r < 0 || listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                log_error("cannot listen on %s/%s: %s", dir, file, strerror(-r));
                close(fd);
                return r;
        }
        r = server_add_listener(d, fd, kind);
        if (r < 0)
                close(fd);
        else
                log_info("listening on %s/%s", dir, file);
        return r;
}

int listen_in_dir(struct daemon *d, const char *dir)
{
        int dfd, r;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                log_error("cannot create %s: %m", dir);
                return -errno;
        }
        r = safedir_open(dir, &dfd);
        if (r < 0)
                return r;
        r = bind_one(d, dfd, dir, "auth.sock", LISTENER_AUTH);
        if (r == 0)
                r = bind_one(d, dfd, dir, "control.sock", LISTENER_CONTROL);
        close(dfd);
        return r < 0 ? r : 2;
}
