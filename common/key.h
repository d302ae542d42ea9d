/* key.h - the API key format, shared by the PAM module, the daemon and the CLI.
 *
 *   apk_<ID>_<SECRET><CRC>
 *
 *   ID      KEY_ID_LEN characters of [a-z0-9]: public, used for lookup, logs,
 *           `apikeyctl list` and APIKEY_ID.
 *   SECRET  KEY_SECRET_LEN characters of [A-Za-z0-9], each drawn uniformly
 *           from the CSPRNG: 44 * log2(62) = 261.9 bits.
 *   CRC     CRC-32 (IEEE) of everything before it, as KEY_CRC_LEN base62
 *           digits, so typos and non-keys are rejected without a round trip
 *           and secret scanners can find keys with few false positives.
 *
 * Only [A-Za-z0-9_], so a double click selects the whole key.
 * Nothing here allocates, logs or needs libsodium: the module links it. */
#ifndef APIKEY_KEY_H
#define APIKEY_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_PREFIX "apk_"
#define KEY_PREFIX_LEN 4
#define KEY_ID_LEN 12
#define KEY_SECRET_LEN 44
#define KEY_CRC_LEN 6
/* apk_ + ID + '_' + SECRET + CRC = 67 */
#define KEY_LEN (KEY_PREFIX_LEN + KEY_ID_LEN + 1 + KEY_SECRET_LEN + KEY_CRC_LEN)
#define KEY_MAX_INPUT 100 /* longest string we ever look at as a key */

#define KEY_ID_ALPHABET "abcdefghijklmnopqrstuvwxyz0123456789"
#define KEY_SECRET_ALPHABET "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

struct key_parts {
        char id[KEY_ID_LEN + 1];
        char secret[KEY_SECRET_LEN + 1];
};

uint32_t key_crc32(const void *data, size_t len);

/* Parses a complete key. Returns 0, or -EINVAL when the string is not a key
 * (wrong length, prefix, alphabet or checksum). Sets *ret only on success;
 * the caller must wipe ret->secret after use. */
int key_parse(const char *s, struct key_parts *ret);

/* True when s has the key's shape and a valid checksum (used by the tripwire
 * and scanners as well as key_parse). */
bool key_looks_valid(const char *s, size_t len);

/* Builds the key string from an ID and a secret of the right alphabets.
 * buf must hold KEY_LEN + 1 bytes. Returns 0 or -EINVAL. */
int key_format(const char *id, const char *secret, char *buf, size_t bufsz);

/* True when s is a well-formed key ID. */
bool key_id_valid(const char *s);

/* A well-formed key ID as a number: 1 + its value in base 36, digits in
 * KEY_ID_ALPHABET's order, so distinct IDs give distinct numbers from 1 to
 * 36^12 (below 2^63: a positive SQLite rowid). 0 when s is not a
 * well-formed key ID. The SQLite store keeps each key at this rowid, so a
 * lookup by ID is one B-tree descent. */
int64_t key_id_number(const char *s);

#endif
