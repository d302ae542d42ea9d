/* test_key.c - the key format (common/key.c): CRC-32, format and parse,
 * shape and alphabet, and that the checksum catches every typo. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "key.h"

#define ID "abc123def456"
#define SECRET "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh" /* 44 */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t xorshift(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

/* Base62 of the CRC, written here independently of key.c. */
static void crc_digits(const char *body, size_t len, char out[KEY_CRC_LEN + 1])
{
        uint32_t crc = key_crc32(body, len);

        for (int i = KEY_CRC_LEN - 1; i >= 0; i--, crc /= 62)
                out[i] = KEY_SECRET_ALPHABET[crc % 62];
        out[KEY_CRC_LEN] = '\0';
}

/* prefix + id + sep + secret with a correct checksum, so that only the part
 * under test is wrong. */
static void forge(char *buf, size_t bufsz, const char *prefix, const char *id, const char *sep, const char *secret)
{
        char crc[KEY_CRC_LEN + 1];

        snprintf(buf, bufsz, "%s%s%s%s", prefix, id, sep, secret);
        crc_digits(buf, strlen(buf), crc);
        strncat(buf, crc, bufsz - strlen(buf) - 1);
}

static bool key_alphabet_only(const char *s)
{
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
                        return false;
        return true;
}

static void test_crc(void)
{
        CHECK(key_crc32("123456789", 9) == 0xCBF43926u, "CRC-32 check value of \"123456789\"");
        CHECK(key_crc32("", 0) == 0, "CRC-32 of the empty string is 0");
        CHECK(key_crc32("a", 1) == 0xE8B7BE43u, "CRC-32 of \"a\"");
        CHECK(key_crc32("The quick brown fox jumps over the lazy dog", 43) == 0x414FA339u,
              "CRC-32 of the quick brown fox");
}

static void test_format_parse(void)
{
        char key[KEY_LEN + 1], crc[KEY_CRC_LEN + 1];
        struct key_parts p;

        CHECK(key_format(ID, SECRET, key, sizeof(key)) == 0, "key_format accepts a valid ID and secret");
        CHECK(strlen(key) == KEY_LEN && KEY_LEN == 67, "the key is %d characters", KEY_LEN);
        CHECK(strlen(key) <= KEY_MAX_INPUT, "the key fits KEY_MAX_INPUT");
        CHECK(strncmp(key, "apk_", 4) == 0, "the key starts with apk_");
        CHECK(key_alphabet_only(key), "the key has only [A-Za-z0-9_]");
        CHECK(strncmp(key + 4, ID, KEY_ID_LEN) == 0 && key[4 + KEY_ID_LEN] == '_', "the ID follows the prefix");
        crc_digits(key, KEY_LEN - KEY_CRC_LEN, crc);
        CHECK(strcmp(key + KEY_LEN - KEY_CRC_LEN, crc) == 0, "the key ends with the base62 CRC of the rest");
        CHECK(key_looks_valid(key, strlen(key)), "key_looks_valid accepts the formatted key");
        memset(&p, 0, sizeof(p));
        CHECK(key_parse(key, &p) == 0, "key_parse accepts the formatted key");
        CHECK(strcmp(p.id, ID) == 0, "key_parse returns the ID");
        CHECK(strcmp(p.secret, SECRET) == 0, "key_parse returns the secret");
        CHECK(key_format(ID, SECRET, key, KEY_LEN) == -EINVAL, "key_format refuses a buffer without room for NUL");
        CHECK(key_format("ABC123DEF456", SECRET, key, sizeof(key)) == -EINVAL, "key_format refuses a bad ID");
        CHECK(key_format(ID, "short", key, sizeof(key)) == -EINVAL, "key_format refuses a short secret");
        CHECK(key_format(ID, SECRET "x", key, sizeof(key)) == -EINVAL, "key_format refuses a long secret");
        CHECK(key_format(ID, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef_h", key, sizeof(key)) == -EINVAL,
              "key_format refuses a secret outside base62");
        CHECK(key_format(NULL, SECRET, key, sizeof(key)) == -EINVAL && key_format(ID, NULL, key, sizeof(key)) == -EINVAL &&
              key_format(ID, SECRET, NULL, 100) == -EINVAL, "key_format refuses NULL");
}

static void random_from(char *out, size_t n, const char *alphabet)
{
        size_t len = strlen(alphabet);

        for (size_t i = 0; i < n; i++)
                out[i] = alphabet[xorshift() % len];
        out[n] = '\0';
}

static void test_round_trip_random(void)
{
        int bad = 0;

        for (int i = 0; i < 2000; i++) {
                char id[KEY_ID_LEN + 1], secret[KEY_SECRET_LEN + 1], key[KEY_LEN + 1];
                struct key_parts p;

                random_from(id, KEY_ID_LEN, KEY_ID_ALPHABET);
                random_from(secret, KEY_SECRET_LEN, KEY_SECRET_ALPHABET);
                if (key_format(id, secret, key, sizeof(key)) != 0 || key_parse(key, &p) != 0 ||
                    strcmp(p.id, id) != 0 || strcmp(p.secret, secret) != 0 || !key_alphabet_only(key))
                        bad++;
        }
        CHECK(bad == 0, "2000 random IDs and secrets round trip through format and parse (%d failed)", bad);
}

/* Every other byte at every position is rejected: the alphabet check or the
 * CRC catches it. */
static void test_substitutions(void)
{
        char key[KEY_LEN + 1];
        struct key_parts p;

        key_format(ID, SECRET, key, sizeof(key));
        for (int pos = 0; pos < KEY_LEN; pos++) {
                int accepted = 0;
                char orig = key[pos];

                for (int c = 1; c < 256; c++) {
                        if (c == (unsigned char)orig)
                                continue;
                        key[pos] = (char)c;
                        if (key_parse(key, &p) == 0 || key_looks_valid(key, KEY_LEN))
                                accepted++;
                }
                key[pos] = orig;
                CHECK(accepted == 0, "position %d: all 254 substitutions rejected", pos);
        }
        CHECK(key_parse(key, &p) == 0, "the key is still valid after the loop");
}

static void test_transpositions(void)
{
        char key[KEY_LEN + 1];
        int accepted = 0;
        struct key_parts p;

        key_format(ID, SECRET, key, sizeof(key));
        for (int pos = 0; pos + 1 < KEY_LEN; pos++) {
                char a = key[pos], b = key[pos + 1];

                if (a == b)
                        continue;
                key[pos] = b;
                key[pos + 1] = a;
                accepted += key_parse(key, &p) == 0;
                key[pos] = a;
                key[pos + 1] = b;
        }
        CHECK(accepted == 0, "every swap of two adjacent different characters is rejected");
}

static void test_length(void)
{
        char key[KEY_LEN + 1], longer[KEY_LEN + 8], huge[300];
        struct key_parts p;
        int accepted = 0;

        key_format(ID, SECRET, key, sizeof(key));
        for (size_t len = 0; len < KEY_LEN; len++) {
                char cut[KEY_LEN + 1];

                memcpy(cut, key, len);
                cut[len] = '\0';
                accepted += key_parse(cut, &p) == 0;
                accepted += key_looks_valid(key, len);
        }
        CHECK(accepted == 0, "every truncation of the key is rejected");
        snprintf(longer, sizeof(longer), "%sa", key);
        CHECK(key_parse(longer, &p) == -EINVAL, "the key plus one character is rejected");
        snprintf(longer, sizeof(longer), "%s_", key);
        CHECK(key_parse(longer, &p) == -EINVAL, "the key plus '_' is rejected");
        snprintf(longer, sizeof(longer), " %s", key);
        CHECK(key_parse(longer, &p) == -EINVAL, "the key with a leading space is rejected");
        snprintf(longer, sizeof(longer), "%s\n", key);
        CHECK(key_parse(longer, &p) == -EINVAL, "the key with a trailing newline is rejected");
        CHECK(!key_looks_valid(key, KEY_LEN + 1), "key_looks_valid with a length past the key is false");
        memset(huge, 'a', sizeof(huge) - 1);
        huge[sizeof(huge) - 1] = '\0';
        memcpy(huge, key, KEY_LEN);
        CHECK(key_parse(huge, &p) == -EINVAL, "a 299-character string starting with the key is rejected");
        CHECK(key_parse("", &p) == -EINVAL, "the empty string is rejected");
}

static void test_shape(void)
{
        char buf[128];
        struct key_parts p;

        forge(buf, sizeof(buf), "apk_", ID, "_", SECRET);
        CHECK(key_parse(buf, &p) == 0, "a forged key with the right shape parses (the test's CRC matches)");
        forge(buf, sizeof(buf), "apx_", ID, "_", SECRET);
        CHECK(key_parse(buf, &p) == -EINVAL, "wrong prefix apx_ rejected (even with a valid CRC)");
        forge(buf, sizeof(buf), "APK_", ID, "_", SECRET);
        CHECK(key_parse(buf, &p) == -EINVAL, "uppercase prefix APK_ rejected");
        forge(buf, sizeof(buf), "apk-", ID, "_", SECRET);
        CHECK(key_parse(buf, &p) == -EINVAL, "prefix apk- rejected");
        forge(buf, sizeof(buf), "apk_", "ABC123def456", "_", SECRET);
        CHECK(key_parse(buf, &p) == -EINVAL, "uppercase in the ID rejected (even with a valid CRC)");
        forge(buf, sizeof(buf), "apk_", "abc123def45_", "_", SECRET);
        CHECK(key_parse(buf, &p) == -EINVAL, "'_' in the ID rejected");
        forge(buf, sizeof(buf), "apk_", ID, "-", SECRET);
        CHECK(key_parse(buf, &p) == -EINVAL, "a separator other than '_' rejected");
        forge(buf, sizeof(buf), "apk_", ID, "_", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef_h");
        CHECK(key_parse(buf, &p) == -EINVAL, "'_' in the secret rejected");
        forge(buf, sizeof(buf), "apk_", ID, "_", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef\xc3\xa9");
        CHECK(key_parse(buf, &p) == -EINVAL, "non-ASCII bytes in the secret rejected");
        forge(buf, sizeof(buf), "apk_", ID, "", SECRET "x");
        CHECK(key_parse(buf, &p) == -EINVAL, "a missing separator rejected");
}

static void test_null(void)
{
        char key[KEY_LEN + 1];
        struct key_parts p;

        key_format(ID, SECRET, key, sizeof(key));
        CHECK(key_parse(NULL, &p) == -EINVAL, "key_parse(NULL) is -EINVAL");
        CHECK(key_parse(key, NULL) == -EINVAL, "key_parse without an output is -EINVAL");
        CHECK(!key_looks_valid(NULL, KEY_LEN), "key_looks_valid(NULL) is false");
        CHECK(!key_id_valid(NULL), "key_id_valid(NULL) is false");
}

static void test_key_id_valid(void)
{
        static const char *const good[] = { ID, "000000000000", "zzzzzzzzzzzz", "a1b2c3d4e5f6" };
        static const struct {
                const char *s, *why;
        } bad[] = {
                { "", "empty" },
                { "abc123def45", "11 characters" },
                { "abc123def4567", "13 characters" },
                { "ABC123DEF456", "all uppercase" },
                { "abc123Def456", "one uppercase letter" },
                { "abc123def45_", "underscore" },
                { "abc-23def456", "dash" },
                { "abc 23def456", "space" },
                { "abc123def45\xe9", "Latin-1 byte" },
                { "abc123def4\xc3\xa9", "UTF-8 letter" },
                { "abc123def456\n", "trailing newline" },
                { "apk_abc123de", "key prefix" },
        };

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
                CHECK(key_id_valid(good[i]), "key ID \"%s\" is valid", good[i]);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK(!key_id_valid(bad[i].s), "key ID rejected: %s", bad[i].why);
}

/* The number the SQLite store keeps a key at: distinct for distinct IDs,
 * in ID order, within a positive rowid, 0 for anything else. */
static void test_key_id_number(void)
{
        static const char *const bad[] = { "", "abc123def45", "abc123def4567", "ABC123DEF456", "abc123def45_",
                                           "apk_abc123de" };
        int64_t top = 1;
        bool ordered = true, distinct = true;
        char a[KEY_ID_LEN + 1] = "aaaaaaaaaaaa", b[KEY_ID_LEN + 1];

        for (int i = 0; i < KEY_ID_LEN; i++)
                top *= 36;
        CHECK(key_id_number("aaaaaaaaaaaa") == 1, "the first ID is number 1");
        CHECK(key_id_number("aaaaaaaaaaab") == 2 && key_id_number("aaaaaaaaaaa0") == 27 &&
                      key_id_number("aaaaaaaaaaba") == 37,
              "digits in KEY_ID_ALPHABET's order, base 36");
        CHECK(key_id_number("999999999999") == top && top > 0 && top < INT64_MAX,
              "the last ID is 36^12 (%lld), a positive 64-bit rowid", (long long)top);
        CHECK(key_id_number(NULL) == 0, "key_id_number(NULL) is 0");
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK(key_id_number(bad[i]) == 0, "no number for the malformed ID \"%s\"", bad[i]);
        /* Every ID one digit away from another, at each position: the order
         * and distinctness the store relies on. */
        for (int pos = 0; pos < KEY_ID_LEN; pos++)
                for (size_t d = 0; d + 1 < strlen(KEY_ID_ALPHABET); d++) {
                        memcpy(b, a, sizeof(b));
                        a[pos] = KEY_ID_ALPHABET[d];
                        b[pos] = KEY_ID_ALPHABET[d + 1];
                        ordered &= key_id_number(a) < key_id_number(b);
                        distinct &= key_id_number(a) != key_id_number(b);
                        a[pos] = 'a';
                }
        CHECK(ordered && distinct, "a larger digit at any position is a larger number");
}

/* A NUL inside the length must never be skipped over. */
static void test_embedded_nul(void)
{
        char key[KEY_LEN + 1];
        int accepted = 0;

        key_format(ID, SECRET, key, sizeof(key));
        for (int pos = 0; pos < KEY_LEN; pos++) {
                char orig = key[pos];

                key[pos] = '\0';
                accepted += key_looks_valid(key, KEY_LEN);
                key[pos] = orig;
        }
        CHECK(accepted == 0, "key_looks_valid rejects a NUL at every position");
        CHECK(key_looks_valid(key, KEY_LEN), "and accepts the key itself");

        /* Even when the checksum covers the NUL, the alphabet check stops it. */
        accepted = 0;
        for (int pos = KEY_PREFIX_LEN; pos < KEY_LEN - KEY_CRC_LEN; pos++) {
                char forged[KEY_LEN + 1], crc[KEY_CRC_LEN + 1];

                memcpy(forged, key, sizeof(forged));
                forged[pos] = '\0';
                crc_digits(forged, KEY_LEN - KEY_CRC_LEN, crc);
                memcpy(forged + KEY_LEN - KEY_CRC_LEN, crc, KEY_CRC_LEN);
                accepted += key_looks_valid(forged, KEY_LEN);
        }
        CHECK(accepted == 0, "a NUL in the ID or secret is rejected even with a matching checksum");
}

/* The table-driven checks (key.c) against the definitions they replace: the
 * bitwise CRC-32 and the alphabets of key.h, for every byte. */
static uint32_t crc32_bitwise(const unsigned char *p, size_t len)
{
        uint32_t crc = 0xFFFFFFFFu;

        for (size_t i = 0; i < len; i++) {
                crc ^= p[i];
                for (int k = 0; k < 8; k++)
                        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
        return crc ^ 0xFFFFFFFFu;
}

static void test_tables(void)
{
        unsigned char buf[256];
        bool crc_ok = true, id_ok = true, secret_ok = true;
        char key[KEY_LEN + 1];

        for (int i = 0; i < 256; i++)
                buf[i] = (unsigned char)(i * 7 + 3);
        for (size_t len = 0; len <= sizeof(buf); len++)
                crc_ok &= key_crc32(buf, len) == crc32_bitwise(buf, len);
        CHECK(crc_ok, "table CRC-32 equals the bitwise one for lengths 0..256");
        for (int c = 1; c < 256; c++) {
                char id[KEY_ID_LEN + 1];
                bool in_id = strchr(KEY_ID_ALPHABET, c) != NULL, in_secret = strchr(KEY_SECRET_ALPHABET, c) != NULL;
                memset(id, 'a', KEY_ID_LEN);
                id[KEY_ID_LEN] = '\0';
                id[5] = (char)c;
                id_ok &= key_id_valid(id) == in_id;
                /* A secret character c, with the checksum made right. */
                if (key_format("abcdefghijkl", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", key, sizeof(key)) < 0) {
                        secret_ok = false;
                        continue;
                }
                key[KEY_PREFIX_LEN + KEY_ID_LEN + 1 + 7] = (char)c;
                char crc[KEY_CRC_LEN + 1];
                crc_digits(key, KEY_LEN - KEY_CRC_LEN, crc);
                memcpy(key + KEY_LEN - KEY_CRC_LEN, crc, KEY_CRC_LEN);
                secret_ok &= key_looks_valid(key, KEY_LEN) == in_secret;
        }
        CHECK(id_ok, "every byte: in an ID exactly when KEY_ID_ALPHABET has it");
        CHECK(secret_ok, "every byte: in a secret exactly when KEY_SECRET_ALPHABET has it");
}

int main(void)
{
        test_crc();
        test_tables();
        test_format_parse();
        test_round_trip_random();
        test_substitutions();
        test_transpositions();
        test_length();
        test_shape();
        test_null();
        test_key_id_valid();
        test_key_id_number();
        test_embedded_nul();
        return check_done();
}
