/* fleet_key.c - `fleet init --key-file PATH`: the fleet's secret. Keys made
 * through any host of the fleet are hashed (and their rows MACed) with it,
 * so every host needs the same 32 bytes, in the format of apikeyd's
 * hash.key; the database never holds it. Made here once, from libsodium's
 * CSPRNG, with mode 0600 and never over an existing file; the admin copies
 * it to each host's state directory as fleet.key. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet.h"

#define FLEET_KEY_LEN crypto_generichash_KEYBYTES

/* An existing file must already be a fleet key: regular, ours alone, the
 * right size. It is kept as it is (init runs again and again). */
static int check_existing(const char *path)
{
        struct stat st;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0 || fstat(fd, &st) < 0) {
                ctl_err("fleet init: cannot open the key file %s: %m", check_shown(path));
                if (fd >= 0)
                        close(fd);
                return EXIT_FAILURE_OTHER;
        }
        close(fd);
        if (!S_ISREG(st.st_mode) || (st.st_mode & 0077) || st.st_size != FLEET_KEY_LEN) {
                ctl_err("fleet init: %s exists but is not a fleet key (a regular file of %d bytes, mode 0600): "
                        "move it away, or name another --key-file",
                        check_shown(path), FLEET_KEY_LEN);
                return EXIT_CONFLICT;
        }
        return EXIT_OK;
}

int fleet_key_file(const char *path, bool *ret_created)
{
        uint8_t key[FLEET_KEY_LEN];
        int fd, r = EXIT_OK;

        *ret_created = false;
        if (sodium_init() < 0) {
                ctl_err("fleet init: libsodium failed to initialise");
                return EXIT_FAILURE_OTHER;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
                return check_existing(path);
        if (fd < 0) {
                ctl_err("fleet init: cannot create the key file %s: %m", check_shown(path));
                return EXIT_FAILURE_OTHER;
        }
        randombytes_buf(key, sizeof(key));
        if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) < 0) {
                ctl_err("fleet init: cannot write the key file %s: %m", check_shown(path));
                r = EXIT_FAILURE_OTHER;
        }
        sodium_memzero(key, sizeof(key));
        if (close(fd) < 0 && r == EXIT_OK) {
                ctl_err("fleet init: cannot write the key file %s: %m", check_shown(path));
                r = EXIT_FAILURE_OTHER;
        }
        if (r != EXIT_OK)
                unlink(path); /* never leave a short key behind */
        else
                *ret_created = true;
        return r;
}
