/* audit_head.c - the audit chain's head in a file of its own (audit_head.h).
 *
 * 80 bytes: "apkhead1" | seq, u64 big endian | hash of that record (32) |
 * BLAKE2b-256 keyed with the head key over the 48 bytes before it. */
#include "audit_head.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_MAGIC "apkhead1"
#define HEAD_MAGIC_LEN 8
#define HEAD_BODY_LEN (HEAD_MAGIC_LEN + 8 + AUDIT_HASH_LEN)
#define HEAD_LEN (HEAD_BODY_LEN + 32)

static void head_mac(const uint8_t key[AUDIT_HEAD_KEY_LEN], const uint8_t body[HEAD_BODY_LEN], uint8_t out[32])
{
        crypto_generichash(out, 32, body, HEAD_BODY_LEN, key, AUDIT_HEAD_KEY_LEN);
}

int audit_head_load(const char *path, const uint8_t key[AUDIT_HEAD_KEY_LEN], uint64_t *ret_seq,
                    uint8_t ret_hash[AUDIT_HASH_LEN])
{
        uint8_t buf[HEAD_LEN + 1], mac[32];
        struct stat st;
        ssize_t n;
        uint64_t seq = 0;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r = 0;

        if (fd < 0)
                return errno == ELOOP ? -EBADMSG : -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077))
                r = -EBADMSG;
        else if ((n = read(fd, buf, sizeof(buf))) != HEAD_LEN)
                r = n < 0 ? -errno : -EBADMSG;
        close(fd);
        if (r < 0)
                return r;
        head_mac(key, buf, mac);
        if (memcmp(buf, HEAD_MAGIC, HEAD_MAGIC_LEN) != 0 || sodium_memcmp(mac, buf + HEAD_BODY_LEN, 32) != 0)
                return -EBADMSG;
        for (int i = 0; i < 8; i++)
                seq = seq << 8 | buf[HEAD_MAGIC_LEN + i];
        *ret_seq = seq;
        memcpy(ret_hash, buf + HEAD_MAGIC_LEN + 8, AUDIT_HASH_LEN);
        return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
                buf += n, len -= (size_t)n;
        }
        return 0;
}

int audit_head_store(const char *path, const uint8_t key[AUDIT_HEAD_KEY_LEN], uint64_t seq,
                     const uint8_t hash[AUDIT_HASH_LEN])
{
        uint8_t buf[HEAD_LEN];
        char tmp[PATH_MAX];
        int fd, r;

        if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        memcpy(buf, HEAD_MAGIC, HEAD_MAGIC_LEN);
        for (int i = 7; i >= 0; i--, seq >>= 8)
                buf[HEAD_MAGIC_LEN + i] = (uint8_t)(seq & 0xff);
        memcpy(buf + HEAD_MAGIC_LEN + 8, hash, AUDIT_HASH_LEN);
        head_mac(key, buf, buf + HEAD_BODY_LEN);
        (void)unlink(tmp); /* a leftover of a crash; never follow what is there */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, buf, sizeof(buf));
        /* The data first, then the name: after a crash the head is the old
         * one or the new one, never empty. An old one is behind the table,
         * which start-up accepts. */
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}
