/* hashkey.c - installation secret, keyed hashing and minting of keys. */
#include "hashkey.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static int read_exact(int fd, uint8_t *buf, size_t len)
{
        size_t got = 0;

        while (got < len) {
                ssize_t n = read(fd, buf + got, len - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -EIO;
                got += (size_t)n;
        }
        return 0;
}

static int create_new(const char *path, struct hashkey *ret)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int r = 0;

        if (fd < 0)
                return -errno;
        randombytes_buf(ret->k, sizeof(ret->k));
        if (write(fd, ret->k, sizeof(ret->k)) != (ssize_t)sizeof(ret->k) || fsync(fd) < 0)
                r = -EIO;
        close(fd);
        if (r < 0) {
                unlink(path);
                hashkey_wipe(ret);
                return r;
        }
        log_info("created installation secret %s", path);
        return 0;
}

static int load_existing(const char *path, struct hashkey *ret)
{
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        int r;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077) ||
            st.st_size != (off_t)sizeof(ret->k)) {
                log_error("%s must be a regular %zu-byte file owned by uid %u with mode 0600", path,
                          sizeof(ret->k), (unsigned)geteuid());
                close(fd);
                return -EPERM;
        }
        r = read_exact(fd, ret->k, sizeof(ret->k));
        close(fd);
        return r;
}

int hashkey_load(const char *path, bool may_create, struct hashkey *ret)
{
        int r = load_existing(path, ret);

        /* A new secret for an existing store would silently invalidate every
         * stored key and break the audit chain: a missing one is for the
         * caller to report (-ENOENT), in its own words. */
        if (r == -ENOENT && may_create)
                r = create_new(path, ret);
        if (r < 0 && r != -ENOENT)
                log_error("cannot load installation secret %s: %s", path, strerror(-r));
        return r;
}

void hashkey_wipe(struct hashkey *hk)
{
        sodium_memzero(hk->k, sizeof(hk->k));
}

void hashkey_hash(const struct hashkey *hk, const char *id, const char *secret, uint8_t out[KEY_HASH_LEN])
{
        crypto_generichash_state st;
        static const uint8_t sep = 0;

        crypto_generichash_init(&st, hk->k, sizeof(hk->k), KEY_HASH_LEN);
        crypto_generichash_update(&st, (const uint8_t *)id, strlen(id));
        crypto_generichash_update(&st, &sep, 1);
        crypto_generichash_update(&st, (const uint8_t *)secret, strlen(secret));
        crypto_generichash_final(&st, out, KEY_HASH_LEN);
        sodium_memzero(&st, sizeof(st));
}

void hashkey_derive(const struct hashkey *hk, const char *context, uint8_t out[HASHKEY_DERIVED_LEN])
{
        crypto_generichash(out, HASHKEY_DERIVED_LEN, (const uint8_t *)context, strlen(context), hk->k, sizeof(hk->k));
}

static void random_string(char *out, size_t len, const char *alphabet)
{
        const uint32_t n = (uint32_t)strlen(alphabet);

        /* randombytes_uniform has no modulo bias. */
        for (size_t i = 0; i < len; i++)
                out[i] = alphabet[randombytes_uniform(n)];
        out[len] = '\0';
}

void hashkey_mint(char id[KEY_ID_LEN + 1], char secret[KEY_SECRET_LEN + 1])
{
        random_string(id, KEY_ID_LEN, KEY_ID_ALPHABET);
        random_string(secret, KEY_SECRET_LEN, KEY_SECRET_ALPHABET);
}
