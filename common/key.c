/* key.c - parse, check and format API keys (see key.h for the format). */
#include "key.h"

#include <errno.h>
#include <string.h>

/* Bitwise CRC-32 (IEEE 802.3, reflected, as zlib's crc32()). Keys are 61
 * bytes, so a table buys nothing and the module stays small. */
uint32_t key_crc32(const void *data, size_t len)
{
        const unsigned char *p = data;
        uint32_t crc = 0xFFFFFFFFu;

        for (size_t i = 0; i < len; i++) {
                crc ^= p[i];
                for (int k = 0; k < 8; k++)
                        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
        return crc ^ 0xFFFFFFFFu;
}

static void crc_encode(uint32_t crc, char out[KEY_CRC_LEN])
{
        /* Fixed-width base62, most significant digit first. */
        for (int i = KEY_CRC_LEN - 1; i >= 0; i--) {
                out[i] = KEY_SECRET_ALPHABET[crc % 62];
                crc /= 62;
        }
}

static bool all_in(const char *s, size_t len, const char *alphabet)
{
        for (size_t i = 0; i < len; i++)
                if (s[i] == '\0' || !strchr(alphabet, s[i]))
                        return false;
        return true;
}

bool key_id_valid(const char *s)
{
        return s && strnlen(s, KEY_ID_LEN + 1) == KEY_ID_LEN && all_in(s, KEY_ID_LEN, KEY_ID_ALPHABET);
}

bool key_looks_valid(const char *s, size_t len)
{
        const size_t body = KEY_LEN - KEY_CRC_LEN;
        const char *id, *secret;
        char crc[KEY_CRC_LEN];

        if (!s || len != KEY_LEN)
                return false;
        id = s + KEY_PREFIX_LEN;
        secret = id + KEY_ID_LEN + 1;
        if (memcmp(s, KEY_PREFIX, KEY_PREFIX_LEN) != 0 || id[KEY_ID_LEN] != '_')
                return false;
        if (!all_in(id, KEY_ID_LEN, KEY_ID_ALPHABET) ||
            !all_in(secret, KEY_SECRET_LEN + KEY_CRC_LEN, KEY_SECRET_ALPHABET))
                return false;
        crc_encode(key_crc32(s, body), crc);
        return memcmp(crc, s + body, KEY_CRC_LEN) == 0;
}

int key_parse(const char *s, struct key_parts *ret)
{
        size_t len;

        if (!s || !ret)
                return -EINVAL;
        len = strnlen(s, KEY_MAX_INPUT + 1);
        if (!key_looks_valid(s, len))
                return -EINVAL;
        memcpy(ret->id, s + KEY_PREFIX_LEN, KEY_ID_LEN);
        ret->id[KEY_ID_LEN] = '\0';
        memcpy(ret->secret, s + KEY_PREFIX_LEN + KEY_ID_LEN + 1, KEY_SECRET_LEN);
        ret->secret[KEY_SECRET_LEN] = '\0';
        return 0;
}

int key_format(const char *id, const char *secret, char *buf, size_t bufsz)
{
        const size_t body = KEY_LEN - KEY_CRC_LEN;

        if (!buf || bufsz < KEY_LEN + 1 || !key_id_valid(id) || !secret ||
            strnlen(secret, KEY_SECRET_LEN + 1) != KEY_SECRET_LEN ||
            !all_in(secret, KEY_SECRET_LEN, KEY_SECRET_ALPHABET))
                return -EINVAL;
        memcpy(buf, KEY_PREFIX, KEY_PREFIX_LEN);
        memcpy(buf + KEY_PREFIX_LEN, id, KEY_ID_LEN);
        buf[KEY_PREFIX_LEN + KEY_ID_LEN] = '_';
        memcpy(buf + KEY_PREFIX_LEN + KEY_ID_LEN + 1, secret, KEY_SECRET_LEN);
        crc_encode(key_crc32(buf, body), buf + body);
        buf[KEY_LEN] = '\0';
        return 0;
}
