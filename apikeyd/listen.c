/* listen.c - the two listening sockets: "auth" for the PAM module and
 * "control" for apikeyctl, from systemd by name or bound by ourselves. */
#include <errno.h>
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

static int bind_one(struct daemon *d, const char *dir, const char *file, enum listener_kind kind)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r;

        if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, file) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* A stale socket from an earlier run is replaced; anything else is kept. */
        struct stat st;
        if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
                unlink(sa.sun_path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            chmod(sa.sun_path, 0666) < 0 || /* any local user may connect; peer credentials decide */
            listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                log_error("cannot listen on %s: %s", sa.sun_path, strerror(-r));
                close(fd);
                return r;
        }
        r = server_add_listener(d, fd, kind);
        if (r < 0)
                close(fd);
        else
                log_info("listening on %s", sa.sun_path);
        return r;
}

int listen_in_dir(struct daemon *d, const char *dir)
{
        int r;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                log_error("cannot create %s: %m", dir);
                return -errno;
        }
        r = bind_one(d, dir, "auth.sock", LISTENER_AUTH);
        if (r == 0)
                r = bind_one(d, dir, "control.sock", LISTENER_CONTROL);
        return r < 0 ? r : 2;
}
