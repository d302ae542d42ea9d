/* fuzz_key.c - the key format (common/key.c) on arbitrary strings.
 *
 * For every input, as a C string and as an exact-size buffer without a NUL:
 *   - key_parse(), key_looks_valid(), key_id_valid() and key_crc32() read
 *     only the input;
 *   - key_parse() accepts exactly what key_looks_valid() accepts;
 *   - a parsed key goes back through key_format() to the same string, and
 *     its ID passes key_id_valid();
 *   - a key ID passes only with KEY_ID_LEN characters of KEY_ID_ALPHABET;
 *   - the input split at its first '_' (ID, secret): when key_format()
 *     accepts the halves, the key it makes parses back to them.
 * Any difference aborts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "key.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc, (void)argv;
        return 0;
}

static bool only(const char *s, size_t len, const char *alphabet)
{
        for (size_t i = 0; i < len; i++)
                if (!s[i] || !strchr(alphabet, s[i]))
                        return false;
        return true;
}

static void check_parse(const char *s, const uint8_t *exact, size_t size)
{
        struct key_parts parts;
        char again[KEY_LEN + 1];
        size_t len = strlen(s);
        int r = key_parse(s, &parts);
        bool looks = key_looks_valid(s, len);

        FUZZ_CHECK(r == 0 || r == -EINVAL);
        FUZZ_CHECK((r == 0) == looks);
        /* The exact buffer is the same string when the input has no NUL. */
        FUZZ_CHECK(key_looks_valid((const char *)exact, size) == (len == size && looks));
        if (r < 0)
                return;
        FUZZ_CHECK(len == KEY_LEN && strncmp(s, KEY_PREFIX, KEY_PREFIX_LEN) == 0);
        FUZZ_CHECK(key_id_valid(parts.id) && strlen(parts.secret) == KEY_SECRET_LEN);
        FUZZ_CHECK(key_format(parts.id, parts.secret, again, sizeof(again)) == 0);
        FUZZ_CHECK(strcmp(again, s) == 0);
        FUZZ_CHECK(key_format(parts.id, parts.secret, again, KEY_LEN) == -EINVAL); /* no room for the NUL */
}

static void check_id(const char *s)
{
        bool valid = key_id_valid(s);

        FUZZ_CHECK(valid == (strlen(s) == KEY_ID_LEN && only(s, KEY_ID_LEN, KEY_ID_ALPHABET)));
}

/* The input as "ID_SECRET": format, then parse back. */
static void check_format(const char *s)
{
        const char *us = strchr(s, '_');
        struct key_parts parts;
        char id[KEY_MAX_INPUT + 1], key[KEY_LEN + 1];
        size_t idlen;
        int r;

        if (!us || (idlen = (size_t)(us - s)) > KEY_MAX_INPUT)
                return;
        memcpy(id, s, idlen);
        id[idlen] = '\0';
        r = key_format(id, us + 1, key, sizeof(key));
        FUZZ_CHECK(r == 0 || r == -EINVAL);
        FUZZ_CHECK((r == 0) == (key_id_valid(id) && strlen(us + 1) == KEY_SECRET_LEN &&
                                only(us + 1, KEY_SECRET_LEN, KEY_SECRET_ALPHABET)));
        if (r < 0)
                return;
        FUZZ_CHECK(strlen(key) == KEY_LEN && key_looks_valid(key, KEY_LEN));
        FUZZ_CHECK(key_parse(key, &parts) == 0);
        FUZZ_CHECK(strcmp(parts.id, id) == 0 && strcmp(parts.secret, us + 1) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = fuzz_cstr(data, size);
        uint8_t *exact = fuzz_exact(data, size);

        (void)key_crc32(exact, size);
        check_parse(s, exact, size);
        check_id(s);
        check_format(s);
        free(exact);
        free(s);
        return 0;
}
