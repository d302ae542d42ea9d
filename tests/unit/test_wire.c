/* test_wire.c - the message codec (common/wire.c) against the schema in
 * common/proto.c: round trips of every type with every field, each rule
 * wire_parse() enforces, truncations, the builders' sticky errors, the
 * getters, and a fixed-seed mutation loop. Buffers handed to wire_parse()
 * are malloc'd to their exact length so that valgrind sees any over-read. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "proto.h"
#include "wire.h"

#define RAW_MAX (2 * WIRE_MAX_MSG)

/* A message written byte by byte, to make the ones the builders refuse. */
struct raw {
        uint8_t d[RAW_MAX];
        size_t len;
};

static uint64_t rng_state = 0x2545F4914F6CDD1Du;

static uint64_t xorshift(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

/* wire_parse() on an exact-size heap copy. */
static int parse_exact(const uint8_t *data, size_t len, struct wire_msg *m, uint8_t **ret_copy)
{
        uint8_t *copy = malloc(len ? len : 1);
        int r;

        if (!copy)
                abort();
        if (len)
                memcpy(copy, data, len);
        r = wire_parse(copy, len, m);
        if (ret_copy)
                *ret_copy = copy;
        else
                free(copy);
        return r;
}

static int parse_raw(const struct raw *r)
{
        struct wire_msg m;

        return parse_exact(r->d, r->len, &m, NULL);
}

static void raw_init(struct raw *r, uint8_t version, uint8_t type)
{
        r->len = 0;
        r->d[r->len++] = version;
        r->d[r->len++] = type;
}

static void raw_field(struct raw *r, uint8_t tag, const void *data, size_t len)
{
        if (r->len + WIRE_FIELD_HEADER_LEN + len > sizeof(r->d))
                abort();
        r->d[r->len++] = tag;
        r->d[r->len++] = (uint8_t)(len >> 8);
        r->d[r->len++] = (uint8_t)len;
        if (len)
                memcpy(r->d + r->len, data, len);
        r->len += len;
}

/* Deterministic test values per tag. */
static void make_str(char *out, uint8_t tag, size_t n)
{
        for (size_t i = 0; i < n; i++)
                out[i] = (char)(0x21 + (tag * 7 + i) % 94);
        out[n] = '\0';
}

static uint32_t u32_for(uint8_t tag)
{
        return 0x01020304u * tag;
}

static uint64_t u64_for(uint8_t tag)
{
        return UINT64_C(0x0102030405060708) * tag;
}

static size_t str_len_for(uint8_t tag, bool longest)
{
        size_t max = 0;

        proto_tag_kind(tag, &max);
        return longest ? max : (max < 7 ? max : 7);
}

/* A valid value for tag, through the builder. */
static void put_value(struct wire_buf *b, uint8_t tag, bool longest)
{
        char s[WIRE_MAX_MSG + 1];

        switch (proto_tag_kind(tag, NULL)) {
        case KIND_STR:
                make_str(s, tag, str_len_for(tag, longest));
                wire_put_str(b, tag, s);
                break;
        case KIND_U32:
                wire_put_u32(b, tag, u32_for(tag));
                break;
        case KIND_U64:
                wire_put_u64(b, tag, u64_for(tag));
                break;
        default:
                abort();
        }
}

/* The same valid value, written raw. */
static void raw_value(struct raw *r, uint8_t tag)
{
        struct wire_buf b;

        wire_init(&b, MSG_CTL_REPLY);
        put_value(&b, tag, false);
        memcpy(r->d + r->len, b.data + WIRE_HEADER_LEN, b.len - WIRE_HEADER_LEN);
        r->len += b.len - WIRE_HEADER_LEN;
}

/* Every tag the type allows (except skip), in tag order. */
static size_t build_all(struct wire_buf *b, uint8_t type, bool longest, unsigned skip)
{
        size_t n = 0;

        wire_init(b, type);
        for (unsigned tag = 1; tag < _TAG_MAX; tag++)
                if (tag != skip && proto_tag_allowed(type, tag)) {
                        put_value(b, (uint8_t)tag, longest);
                        n++;
                }
        return n;
}

static void raw_required(struct raw *r, uint8_t type, unsigned skip)
{
        raw_init(r, WIRE_VERSION, type);
        for (unsigned tag = 1; tag < _TAG_MAX; tag++)
                if (tag != skip && proto_tag_required(type, tag))
                        raw_value(r, (uint8_t)tag);
}

static bool values_match(const struct wire_msg *m, uint8_t type, bool longest)
{
        for (unsigned tag = 1; tag < _TAG_MAX; tag++) {
                char want[WIRE_MAX_MSG + 1], got[WIRE_MAX_MSG + 1];
                uint32_t v32;
                uint64_t v64;

                if (!proto_tag_allowed(type, tag))
                        continue;
                switch (proto_tag_kind(tag, NULL)) {
                case KIND_STR:
                        make_str(want, (uint8_t)tag, str_len_for((uint8_t)tag, longest));
                        if (wire_get_str(m, (uint8_t)tag, got, sizeof(got)) != 0 || strcmp(got, want) != 0)
                                return false;
                        break;
                case KIND_U32:
                        if (wire_get_u32(m, (uint8_t)tag, &v32) != 0 || v32 != u32_for((uint8_t)tag))
                                return false;
                        break;
                case KIND_U64:
                        if (wire_get_u64(m, (uint8_t)tag, &v64) != 0 || v64 != u64_for((uint8_t)tag))
                                return false;
                        break;
                default:
                        return false;
                }
        }
        return true;
}

static void test_round_trip(void)
{
        for (unsigned type = 1; type < _MSG_TYPE_MAX; type++)
                for (int longest = 0; longest <= 1; longest++) {
                        struct wire_buf b;
                        struct wire_msg m;
                        size_t n = build_all(&b, (uint8_t)type, longest, 0);
                        const char *what = longest ? "longest" : "short";

                        CHECK(n > 0, "type %u allows some tags", type);
                        CHECK(wire_finish(&b) == 0, "type %u with every allowed field (%s): wire_finish", type, what);
                        CHECK(wire_parse(b.data, b.len, &m) == 0 && m.type == type && m.nfields == n,
                              "type %u with every allowed field (%s): parses, %zu fields", type, what, n);
                        CHECK(values_match(&m, (uint8_t)type, longest),
                              "type %u with every allowed field (%s): every value round trips", type, what);
                }
}

static void test_minimal(void)
{
        for (unsigned type = 1; type < _MSG_TYPE_MAX; type++) {
                struct raw r;

                raw_required(&r, (uint8_t)type, 0);
                CHECK(parse_raw(&r) == 0, "type %u with only its required fields parses", type);
        }
}

static void test_header(void)
{
        static const uint8_t one[] = { WIRE_VERSION };
        struct wire_msg m;
        struct raw r;

        CHECK(wire_parse(one, 0, &m) == -EBADMSG, "empty buffer rejected");
        CHECK(parse_exact(one, 1, &m, NULL) == -EBADMSG, "1-byte buffer rejected");
        CHECK(wire_parse(NULL, 10, &m) == -EBADMSG, "NULL buffer rejected");
        raw_required(&r, MSG_AUTH_REQUEST, 0);
        CHECK(wire_parse(r.d, r.len, NULL) == -EBADMSG, "NULL message rejected");
        for (unsigned type = 1; type < _MSG_TYPE_MAX; type++) {
                raw_init(&r, WIRE_VERSION, (uint8_t)type);
                CHECK(parse_raw(&r) == -EBADMSG, "type %u header alone rejected (required fields missing)", type);
        }
        {
                int wrong = 0;
                for (unsigned v = 0; v < 256; v++) {
                        if (v == WIRE_VERSION)
                                continue;
                        raw_required(&r, MSG_AUTH_REQUEST, 0);
                        r.d[0] = (uint8_t)v;
                        wrong += parse_raw(&r) != -EPROTONOSUPPORT;
                }
                CHECK(wrong == 0, "each of the 255 other versions gives -EPROTONOSUPPORT");
        }
        {
                static const unsigned bad_types[] = { 0, _MSG_TYPE_MAX, _MSG_TYPE_MAX + 1, 127, 255 };
                for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
                        raw_required(&r, MSG_AUTH_REQUEST, 0);
                        r.d[1] = (uint8_t)bad_types[i];
                        CHECK(parse_raw(&r) == -EBADMSG, "unknown type %u rejected", bad_types[i]);
                }
        }
}

static void test_tags(void)
{
        static const unsigned unknown[] = { 0, _TAG_MAX, _TAG_MAX + 1, 64, 65, 200, 255 };
        struct raw r;

        for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
                raw_required(&r, MSG_CTL_REPLY, 0);
                raw_field(&r, (uint8_t)unknown[i], "abcd", 4);
                CHECK(parse_raw(&r) == -EBADMSG, "unknown tag %u rejected", unknown[i]);
        }
        for (unsigned type = 1; type < _MSG_TYPE_MAX; type++) {
                int accepted = 0, tested = 0;

                for (unsigned tag = 1; tag < _TAG_MAX; tag++) {
                        /* A number no tag has yet (a gap below the highest
                         * one) has no valid value; the unknown tags above
                         * cover it. */
                        if (proto_tag_allowed(type, tag) || proto_tag_kind(tag, NULL) == KIND_NONE)
                                continue;
                        raw_required(&r, (uint8_t)type, 0);
                        raw_value(&r, (uint8_t)tag);
                        accepted += parse_raw(&r) == 0;
                        tested++;
                }
                CHECK(tested > 0 && accepted == 0, "type %u: each of the %d tags it does not allow is rejected", type,
                      tested);
        }
        for (unsigned type = 1; type < _MSG_TYPE_MAX; type++)
                for (unsigned tag = 1; tag < _TAG_MAX; tag++) {
                        struct wire_buf b;

                        if (!proto_tag_required(type, tag))
                                continue;
                        CHECK(proto_tag_allowed(type, tag), "type %u: required tag %u is also allowed", type, tag);
                        raw_required(&r, (uint8_t)type, tag);
                        CHECK(parse_raw(&r) == -EBADMSG, "type %u without required tag %u rejected", type, tag);
                        build_all(&b, (uint8_t)type, false, tag);
                        CHECK(wire_finish(&b) == -EBADMSG, "type %u built without required tag %u: wire_finish fails",
                              type, tag);
                }
}

static void test_duplicates(void)
{
        struct raw r;

        raw_required(&r, MSG_AUTH_REQUEST, 0);
        raw_value(&r, TAG_USER);
        CHECK(parse_raw(&r) == -EBADMSG, "a required tag twice rejected");
        raw_required(&r, MSG_AUTH_REQUEST, 0);
        raw_value(&r, TAG_RHOST);
        raw_value(&r, TAG_TTY);
        raw_value(&r, TAG_RHOST);
        CHECK(parse_raw(&r) == -EBADMSG, "an optional tag twice rejected");
        raw_required(&r, MSG_CTL_REPLY, 0);
        raw_field(&r, TAG_MESSAGE, "", 0);
        raw_field(&r, TAG_MESSAGE, "", 0);
        CHECK(parse_raw(&r) == -EBADMSG, "an empty string tag twice rejected");
}

static void test_int_lengths(void)
{
        static const uint8_t zeros[16];
        static const size_t bad32[] = { 0, 1, 2, 3, 5, 8 };
        static const size_t bad64[] = { 0, 1, 4, 7, 9, 16 };
        struct raw r;

        for (size_t i = 0; i < sizeof(bad32) / sizeof(bad32[0]); i++) {
                raw_init(&r, WIRE_VERSION, MSG_CTL_REQUEST);
                raw_field(&r, TAG_COMMAND, zeros, bad32[i]);
                CHECK(parse_raw(&r) == -EBADMSG, "u32 field of length %zu rejected", bad32[i]);
        }
        raw_init(&r, WIRE_VERSION, MSG_CTL_REQUEST);
        raw_field(&r, TAG_COMMAND, zeros, 4);
        CHECK(parse_raw(&r) == 0, "u32 field of length 4 accepted");
        for (size_t i = 0; i < sizeof(bad64) / sizeof(bad64[0]); i++) {
                raw_required(&r, MSG_KEY_INFO, 0);
                raw_field(&r, TAG_CREATED_AT, zeros, bad64[i]);
                CHECK(parse_raw(&r) == -EBADMSG, "u64 field of length %zu rejected", bad64[i]);
        }
        raw_required(&r, MSG_KEY_INFO, 0);
        raw_field(&r, TAG_CREATED_AT, zeros, 8);
        CHECK(parse_raw(&r) == 0, "u64 field of length 8 accepted");
}

static int parse_user(const void *s, size_t len)
{
        struct raw r;

        raw_init(&r, WIRE_VERSION, MSG_AUTH_REQUEST);
        raw_field(&r, TAG_USER, s, len);
        raw_value(&r, TAG_KEY);
        return parse_raw(&r);
}

static void test_strings(void)
{
        static const uint8_t fine[] = { ' ', '~', 0x80, 0xc3, 0xa9, 0xff };
        int accepted = 0;

        for (unsigned c = 0; c < 0x20; c++) {
                uint8_t s[5] = { 'a', 'b', (uint8_t)c, 'c', 'd' };
                accepted += parse_user(s, sizeof(s)) == 0;
                accepted += parse_user(s + 2, 1) == 0;
                accepted += parse_user(s, 3) == 0;
        }
        accepted += parse_user("ab\x7f" "cd", 5) == 0;
        CHECK(accepted == 0, "a NUL, any C0 control byte or DEL anywhere in a string rejected");
        CHECK(parse_user("a\0", 2) == -EBADMSG, "a string with a trailing NUL rejected");
        CHECK(parse_user(fine, sizeof(fine)) == 0, "space, tilde and bytes >= 0x80 accepted in a string");
        CHECK(parse_user("", 0) == -EBADMSG, "an empty required string field is rejected");
        {
                struct raw r;

                raw_init(&r, WIRE_VERSION, MSG_AUTH_REQUEST);
                raw_value(&r, TAG_USER);
                raw_value(&r, TAG_KEY);
                raw_field(&r, TAG_SERVICE, "", 0);
                CHECK(parse_raw(&r) == 0, "an empty optional string field parses");
        }

        for (unsigned type = 1; type < _MSG_TYPE_MAX; type++)
                for (unsigned tag = 1; tag < _TAG_MAX; tag++) {
                        char s[WIRE_MAX_MSG + 2];
                        size_t max = 0;
                        struct raw r;

                        if (!proto_tag_allowed(type, tag) || proto_tag_required(type, tag) ||
                            proto_tag_kind(tag, &max) != KIND_STR)
                                continue;
                        make_str(s, (uint8_t)tag, max + 1);
                        raw_required(&r, (uint8_t)type, 0);
                        raw_field(&r, (uint8_t)tag, s, max);
                        CHECK(parse_raw(&r) == 0, "type %u tag %u: string of its maximum %zu accepted", type, tag, max);
                        raw_required(&r, (uint8_t)type, 0);
                        raw_field(&r, (uint8_t)tag, s, max + 1);
                        CHECK(parse_raw(&r) == -EBADMSG, "type %u tag %u: string of %zu rejected", type, tag, max + 1);
                }
}

/* Offsets where a field of the valid message m ends. */
static bool is_boundary(const uint8_t *msg, size_t full, size_t cut)
{
        size_t pos = WIRE_HEADER_LEN;

        while (pos < full) {
                pos += WIRE_FIELD_HEADER_LEN + ((size_t)msg[pos + 1] << 8 | msg[pos + 2]);
                if (pos == cut)
                        return true;
        }
        return cut == WIRE_HEADER_LEN;
}

static bool fields_inside(const struct wire_msg *m, const uint8_t *buf, size_t len)
{
        for (size_t i = 0; i < m->nfields; i++)
                if (m->fields[i].data < buf || m->fields[i].data + m->fields[i].len > buf + len)
                        return false;
        return m->nfields <= WIRE_MAX_FIELDS;
}

static void test_truncations(void)
{
        for (unsigned type = 1; type < _MSG_TYPE_MAX; type++) {
                struct wire_buf b;
                int bad = 0, parsed = 0;

                build_all(&b, (uint8_t)type, false, 0);
                for (size_t len = 0; len < b.len; len++) {
                        struct wire_msg m;
                        uint8_t *copy;
                        int r = parse_exact(b.data, len, &m, &copy);

                        if (r == 0) {
                                parsed++;
                                if (!is_boundary(b.data, b.len, len) || !fields_inside(&m, copy, len))
                                        bad++;
                        } else if (r != -EBADMSG) {
                                bad++;
                        }
                        free(copy);
                }
                CHECK(bad == 0, "type %u: all %zu truncations fail, or parse at a field boundary with every field "
                      "inside the cut (%d parsed)", type, b.len, parsed);
        }
}

static void test_trailing(void)
{
        struct raw r;
        static const uint8_t five[] = { 'a', 'b', 'c', 'd', 'e' };

        raw_required(&r, MSG_CTL_REPLY, 0);
        r.d[r.len++] = TAG_MESSAGE;
        CHECK(parse_raw(&r) == -EBADMSG, "a trailing tag byte alone rejected");
        r.d[r.len++] = 0;
        CHECK(parse_raw(&r) == -EBADMSG, "a trailing tag and half a length rejected");
        r.d[r.len++] = 5;
        CHECK(parse_raw(&r) == -EBADMSG, "a trailing field header whose data is missing rejected");
        memcpy(r.d + r.len, five, 4);
        r.len += 4;
        CHECK(parse_raw(&r) == -EBADMSG, "a last field one byte short rejected");
        r.d[r.len++] = five[4];
        CHECK(parse_raw(&r) == 0, "and with that byte it parses");
        r.d[r.len++] = 0;
        CHECK(parse_raw(&r) == -EBADMSG, "one trailing zero byte rejected");
}

static void test_oversized(void)
{
        uint8_t *big = calloc(1, WIRE_MAX_MSG + 1);
        struct wire_msg m;
        struct raw r;

        raw_required(&r, MSG_CTL_REPLY, 0);
        memcpy(big, r.d, r.len);
        CHECK(wire_parse(big, WIRE_MAX_MSG + 1, &m) == -EBADMSG, "a message of WIRE_MAX_MSG + 1 bytes rejected");
        big[0] = WIRE_VERSION + 1;
        CHECK(wire_parse(big, WIRE_MAX_MSG + 1, &m) == -EBADMSG, "the size is checked before the version");
        CHECK(wire_parse(big, WIRE_MAX_MSG, &m) == -EPROTONOSUPPORT, "a WIRE_MAX_MSG-byte message gets that far");
        free(big);
}

static void test_builder(void)
{
        char huge[WIRE_MAX_MSG + 100], part[1001];
        struct wire_buf b;

        memset(huge, 'a', sizeof(huge) - 1);
        huge[sizeof(huge) - 1] = '\0';
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, 0);
        wire_put_str(&b, TAG_MESSAGE, huge);
        CHECK(wire_finish(&b) == -EMSGSIZE, "a string larger than the buffer: wire_finish is -EMSGSIZE");
        CHECK(b.len <= WIRE_MAX_MSG, "the buffer did not overflow");

        memset(part, 'b', sizeof(part) - 1);
        part[sizeof(part) - 1] = '\0';
        wire_init(&b, MSG_KEY_INFO);
        for (unsigned tag = TAG_USER; tag <= TAG_TTY; tag++)
                wire_put_str(&b, (uint8_t)tag, part);
        CHECK(b.err == 0 && b.len == WIRE_HEADER_LEN + 4 * (WIRE_FIELD_HEADER_LEN + 1000), "four 1000-byte puts fit");
        wire_put_str(&b, TAG_KEY, part);
        wire_put_u32(&b, TAG_STATUS, 0);
        CHECK(wire_finish(&b) == -EMSGSIZE, "the fifth overflows and the error sticks through later puts");
        CHECK(b.len <= WIRE_MAX_MSG, "the buffer did not overflow");

        /* 4014 bytes used, 82 left: a field of 79 bytes fills the buffer
         * exactly, one of 80 needs 83 with its header. */
        for (size_t n = 79; n <= 80; n++) {
                char tail[81];

                memset(tail, 'c', n);
                tail[n] = '\0';
                wire_init(&b, MSG_KEY_INFO);
                for (unsigned tag = TAG_USER; tag <= TAG_TTY; tag++)
                        wire_put_str(&b, (uint8_t)tag, part);
                wire_put_str(&b, TAG_KEY, tail);
                if (n == 79)
                        CHECK(b.err == 0 && b.len == WIRE_MAX_MSG, "a field that fills the buffer exactly fits");
                else
                        CHECK(b.err == -EMSGSIZE && b.len == WIRE_MAX_MSG - 82,
                              "a field one byte too long, header included, is refused");
        }

        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, 0);
        wire_put_str(&b, TAG_MESSAGE, part);
        CHECK(wire_finish(&b) == -EBADMSG, "a string over its tag's maximum: wire_finish is -EBADMSG");

        wire_init(&b, 0);
        wire_put_u32(&b, TAG_STATUS, 0);
        CHECK(wire_finish(&b) == -EINVAL, "wire_init of an unknown type: wire_finish is -EINVAL");
        wire_init(&b, _MSG_TYPE_MAX);
        CHECK(wire_finish(&b) == -EINVAL, "wire_init of type _MSG_TYPE_MAX: -EINVAL");

        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, 0);
        wire_put_str(&b, TAG_MESSAGE, NULL);
        CHECK(wire_finish(&b) == 0 && b.len == WIRE_HEADER_LEN + WIRE_FIELD_HEADER_LEN + 4,
              "wire_put_str(NULL) leaves the field out");

        wire_init(&b, MSG_AUTH_REQUEST);
        wire_put_str(&b, TAG_USER, "alice");
        wire_put_str(&b, TAG_KEY, "apk_secret");
        wire_wipe(&b);
        {
                int nonzero = 0;
                for (size_t i = 0; i < sizeof(b.data); i++)
                        nonzero += b.data[i] != 0;
                CHECK(nonzero == 0 && b.len == 0, "wire_wipe zeroes the whole buffer");
        }
}

static void test_encoding(void)
{
        static const uint8_t want[] = { WIRE_VERSION, MSG_CTL_REPLY, TAG_STATUS, 0, 4, 0x01, 0x02, 0x03, 0x04,
                                        TAG_UPTIME, 0, 8, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                        TAG_MESSAGE, 0, 2, 'h', 'i' };
        struct wire_buf b;

        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, 0x01020304u);
        wire_put_u64(&b, TAG_UPTIME, UINT64_C(0x1122334455667788));
        wire_put_str(&b, TAG_MESSAGE, "hi");
        CHECK(wire_finish(&b) == 0 && b.len == sizeof(want) && memcmp(b.data, want, sizeof(want)) == 0,
              "the bytes are version, type, then tag, big-endian u16 length, data");
}

static void test_getters(void)
{
        static const uint32_t v32[] = { 0, 1, 0x80000000u, UINT32_MAX };
        static const uint64_t v64[] = { 0, 1, UINT64_C(1) << 63, UINT64_MAX };
        struct wire_buf b;
        struct wire_msg m;
        char s[16];
        uint32_t g32 = 7;
        uint64_t g64 = 7;

        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, 3);
        wire_put_str(&b, TAG_MESSAGE, "hello");
        CHECK(wire_finish(&b) == 0 && wire_parse(b.data, b.len, &m) == 0, "a reply with a message parses");
        CHECK(wire_get_str(&m, TAG_CALLER, s, sizeof(s)) == -ENOENT, "wire_get_str of an absent tag: -ENOENT");
        CHECK(wire_get_u32(&m, TAG_IS_ADMIN, &g32) == -ENOENT && g32 == 7, "wire_get_u32 absent: -ENOENT, untouched");
        CHECK(wire_get_u64(&m, TAG_UPTIME, &g64) == -ENOENT && g64 == 7, "wire_get_u64 absent: -ENOENT, untouched");
        CHECK(wire_get_str(&m, TAG_MESSAGE, s, 5) == -ENOBUFS, "wire_get_str with no room for the NUL: -ENOBUFS");
        CHECK(wire_get_str(&m, TAG_MESSAGE, s, 0) == -ENOBUFS, "wire_get_str into 0 bytes: -ENOBUFS");
        CHECK(wire_get_str(&m, TAG_MESSAGE, s, 6) == 0 && strcmp(s, "hello") == 0, "wire_get_str with room: ok");
        CHECK(wire_get_str(&m, TAG_STATUS, s, sizeof(s)) == -EINVAL, "wire_get_str of a u32 tag: -EINVAL");

        for (size_t i = 0; i < sizeof(v32) / sizeof(v32[0]); i++) {
                wire_init(&b, MSG_CTL_REPLY);
                wire_put_u32(&b, TAG_STATUS, v32[i]);
                wire_put_u64(&b, TAG_UPTIME, v64[i]);
                CHECK(wire_finish(&b) == 0 && wire_parse(b.data, b.len, &m) == 0 &&
                      wire_get_u32(&m, TAG_STATUS, &g32) == 0 && g32 == v32[i] &&
                      wire_get_u64(&m, TAG_UPTIME, &g64) == 0 && g64 == v64[i],
                      "u32 %u and u64 %llu round trip", (unsigned)v32[i], (unsigned long long)v64[i]);
        }
}

/* Builds the message again from what wire_parse() returned. */
static bool reencodes(const struct wire_msg *m, const uint8_t *buf, size_t len)
{
        struct wire_buf b;

        wire_init(&b, m->type);
        for (size_t i = 0; i < m->nfields; i++) {
                const struct wire_field *f = &m->fields[i];
                char s[WIRE_MAX_MSG + 1];
                uint32_t v32;
                uint64_t v64;

                switch (proto_tag_kind(f->tag, NULL)) {
                case KIND_STR:
                        memcpy(s, f->data, f->len);
                        s[f->len] = '\0';
                        wire_put_str(&b, f->tag, s);
                        break;
                case KIND_U32:
                        if (wire_get_u32(m, f->tag, &v32) != 0)
                                return false;
                        wire_put_u32(&b, f->tag, v32);
                        break;
                case KIND_U64:
                        if (wire_get_u64(m, f->tag, &v64) != 0)
                                return false;
                        wire_put_u64(&b, f->tag, v64);
                        break;
                default:
                        return false;
                }
        }
        return wire_finish(&b) == 0 && b.len == len && memcmp(b.data, buf, len) == 0;
}

static size_t mutate(uint8_t *d, size_t len)
{
        int n = 1 + (int)(xorshift() % 3);

        for (int k = 0; k < n; k++) {
                size_t pos = len ? xorshift() % len : 0;

                switch (xorshift() % 7) {
                case 0: /* flip a bit */
                        if (len)
                                d[pos] ^= (uint8_t)(1u << (xorshift() % 8));
                        break;
                case 1: /* any byte */
                        if (len)
                                d[pos] = (uint8_t)xorshift();
                        break;
                case 2: /* truncate */
                        len = len ? xorshift() % len : 0;
                        break;
                case 3: /* append */
                        for (int i = (int)(xorshift() % 8) + 1; i > 0 && len < RAW_MAX; i--)
                                d[len++] = (uint8_t)xorshift();
                        break;
                case 4: /* delete a byte */
                        if (len) {
                                memmove(d + pos, d + pos + 1, len - pos - 1);
                                len--;
                        }
                        break;
                case 5: /* insert a byte */
                        if (len < RAW_MAX) {
                                memmove(d + pos + 1, d + pos, len - pos);
                                d[pos] = (uint8_t)xorshift();
                                len++;
                        }
                        break;
                default: /* a printable byte: keeps strings valid */
                        if (len)
                                d[pos] = (uint8_t)(0x20 + xorshift() % 95);
                        break;
                }
        }
        return len;
}

static void test_mutations(void)
{
        enum { ITERATIONS = 100000, NBASE = 2 * (_MSG_TYPE_MAX - 1) };
        struct wire_buf base[NBASE];
        int parsed = 0, bad_result = 0, bad_fields = 0, bad_reencode = 0;

        for (unsigned type = 1; type < _MSG_TYPE_MAX; type++) {
                build_all(&base[2 * (type - 1)], (uint8_t)type, false, 0);
                build_all(&base[2 * (type - 1) + 1], (uint8_t)type, true, 0);
        }
        for (int i = 0; i < ITERATIONS; i++) {
                static uint8_t work[RAW_MAX];
                const struct wire_buf *src = &base[xorshift() % NBASE];
                struct wire_msg m;
                uint8_t *copy;
                size_t len;
                int r;

                memcpy(work, src->data, src->len);
                len = mutate(work, src->len);
                r = parse_exact(work, len, &m, &copy);
                if (r == 0) {
                        parsed++;
                        bad_fields += !fields_inside(&m, copy, len);
                        bad_reencode += !reencodes(&m, copy, len);
                } else if (r != -EBADMSG && r != -EPROTONOSUPPORT) {
                        bad_result++;
                }
                free(copy);
        }
        CHECK(bad_result == 0, "%d mutated messages: wire_parse returns 0, -EBADMSG or -EPROTONOSUPPORT", ITERATIONS);
        CHECK(parsed > 0, "some mutations still parse (%d)", parsed);
        CHECK(bad_fields == 0, "every parsed mutation has its fields inside the buffer");
        CHECK(bad_reencode == 0, "every parsed mutation re-encodes to the same bytes");
}

int main(void)
{
        test_round_trip();
        test_minimal();
        test_header();
        test_tags();
        test_duplicates();
        test_int_lengths();
        test_strings();
        test_truncations();
        test_trailing();
        test_oversized();
        test_builder();
        test_encoding();
        test_getters();
        test_mutations();
        return check_done();
}
