/* bindswap.c - LD_PRELOAD shim for listen_dir.sh: the race of issue 13,
 * item 6, made certain. Right after the daemon binds a socket named
 * auth.sock, the socket is moved away and a symlink to $BINDSWAP_TARGET
 * takes its place, as someone who can write the listen directory could do
 * between bind() and a chmod() by path. A daemon that sets the socket's
 * mode by path changes the target's mode. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
        int (*real_bind)(int, const struct sockaddr *, socklen_t) =
                (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        const char *target = getenv("BINDSWAP_TARGET");
        char moved[sizeof(un->sun_path) + 8];
        size_t n;
        int r = real_bind(fd, sa, len);

        if (r < 0 || !target || sa->sa_family != AF_UNIX)
                return r;
        n = strnlen(un->sun_path, sizeof(un->sun_path));
        if (n < 9 || n == sizeof(un->sun_path) || strcmp(un->sun_path + n - 9, "auth.sock") != 0)
                return r;
        snprintf(moved, sizeof(moved), "%s.moved", un->sun_path);
        if (rename(un->sun_path, moved) == 0 && symlink(target, un->sun_path) == 0)
                fprintf(stderr, "bindswap: %s is now a symlink to %s\n", un->sun_path, target);
        return r;
}
