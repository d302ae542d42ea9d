/* fuzz_request.c - the message codec (common/wire.c, common/proto.c) on
 * arbitrary bytes, and what apikeyd reads out of a request.
 *
 * For every input:
 *   - wire_parse() returns 0, -EBADMSG or -EPROTONOSUPPORT, reading only
 *     the input (an exact-size heap copy);
 * for every accepted message:
 *   - every getter on every tag: absent tags -ENOENT; a tag of another kind
 *     -EINVAL; a string into a buffer one byte short -ENOBUFS without
 *     writing past it, into an exact buffer the same bytes and a NUL; u32
 *     and u64 the big-endian value;
 *   - the builders (wire_init, wire_put_*) given the decoded fields make
 *     the same bytes, wire_finish() accepts them and wire_parse() gives the
 *     same message;
 *   - the daemon's own reading: read_request() of apikeyd/auth.c (the real
 *     function: this file includes auth.c, the rest of the daemon is linked)
 *     for AUTH_REQUEST and LEAK_REPORT, and the header control_handle()
 *     reads from a CTL_REQUEST (command, flags, the key ID of commands on one
 *     key).
 * Any difference aborts. */
#include "../../apikeyd/auth.c"

#include <stdlib.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc, (void)argv;
        fuzz_quiet_stdio(); /* the daemon's log.c writes to stderr when not under systemd */
        return 0;
}

static const struct wire_field *field_of(const struct wire_msg *m, unsigned tag)
{
        for (size_t i = 0; i < m->nfields; i++)
                if (m->fields[i].tag == tag)
                        return &m->fields[i];
        return NULL;
}

static uint64_t be_value(const uint8_t *p, size_t n)
{
        uint64_t v = 0;

        for (size_t i = 0; i < n; i++)
                v = (v << 8) | p[i];
        return v;
}

/* wire_get_str into a heap buffer of exactly outsz bytes (at least one, so
 * that the canary shows a write into a zero-size buffer). */
static int get_str_sized(const struct wire_msg *m, unsigned tag, size_t outsz, char **ret)
{
        char *out = malloc(outsz ? outsz : 1);
        int r;

        if (!out)
                abort();
        out[0] = '\x5a';
        r = wire_get_str(m, (uint8_t)tag, out, outsz);
        if (outsz == 0)
                FUZZ_CHECK(out[0] == '\x5a');
        *ret = out;
        return r;
}

static void check_string_getter(const struct wire_msg *m, unsigned tag, const struct wire_field *f)
{
        char *out;

        FUZZ_CHECK(get_str_sized(m, tag, f->len + 1, &out) == 0);
        FUZZ_CHECK(memcmp(out, f->data, f->len) == 0 && out[f->len] == '\0');
        FUZZ_CHECK(strlen(out) == f->len); /* wire_parse let no NUL through */
        free(out);
        FUZZ_CHECK(get_str_sized(m, tag, f->len, &out) == -ENOBUFS);
        free(out);
        if (f->len > 0) {
                FUZZ_CHECK(get_str_sized(m, tag, 0, &out) == -ENOBUFS);
                free(out);
        }
}

static void check_getters(const struct wire_msg *m)
{
        for (unsigned tag = 0; tag <= UINT8_MAX; tag++) {
                const struct wire_field *f = field_of(m, tag);
                enum field_kind kind = proto_tag_kind(tag, NULL);
                uint32_t v32 = 0;
                uint64_t v64 = 0;
                char small[1], *out;
                int r32 = wire_get_u32(m, (uint8_t)tag, &v32);
                int r64 = wire_get_u64(m, (uint8_t)tag, &v64);
                int rs = wire_get_str(m, (uint8_t)tag, small, sizeof(small));

                if (!f) {
                        FUZZ_CHECK(r32 == -ENOENT && r64 == -ENOENT && rs == -ENOENT);
                        continue;
                }
                FUZZ_CHECK(proto_tag_allowed(m->type, tag));
                FUZZ_CHECK(kind != KIND_NONE);
                FUZZ_CHECK(r32 == (kind == KIND_U32 ? 0 : -EINVAL));
                FUZZ_CHECK(r64 == (kind == KIND_U64 ? 0 : -EINVAL));
                if (kind == KIND_U32)
                        FUZZ_CHECK(f->len == 4 && v32 == (uint32_t)be_value(f->data, 4));
                if (kind == KIND_U64)
                        FUZZ_CHECK(f->len == 8 && v64 == be_value(f->data, 8));
                if (kind == KIND_STR) {
                        FUZZ_CHECK(rs == (f->len == 0 ? 0 : -ENOBUFS));
                        check_string_getter(m, tag, f);
                } else {
                        FUZZ_CHECK(rs == -EINVAL);
                        FUZZ_CHECK(get_str_sized(m, tag, WIRE_MAX_MSG, &out) == -EINVAL);
                        free(out);
                }
        }
}

/* The builders, given the decoded fields in their order, reproduce the
 * input: the encoding has one form. */
static void check_reencoding(const struct wire_msg *m, const uint8_t *data, size_t size)
{
        struct wire_buf b;
        struct wire_msg again;

        wire_init(&b, m->type);
        for (size_t i = 0; i < m->nfields; i++) {
                const struct wire_field *f = &m->fields[i];
                char *s;

                switch (proto_tag_kind(f->tag, NULL)) {
                case KIND_STR:
                        s = fuzz_cstr(f->data, f->len);
                        wire_put_str(&b, f->tag, s);
                        free(s);
                        break;
                case KIND_U32:
                        wire_put_u32(&b, f->tag, (uint32_t)be_value(f->data, f->len));
                        break;
                case KIND_U64:
                        wire_put_u64(&b, f->tag, be_value(f->data, f->len));
                        break;
                default:
                        FUZZ_CHECK(!"wire_parse accepted a tag without a kind");
                }
        }
        FUZZ_CHECK(wire_finish(&b) == 0);
        FUZZ_CHECK(b.len == size && memcmp(b.data, data, size) == 0);
        FUZZ_CHECK(wire_parse(b.data, b.len, &again) == 0);
        FUZZ_CHECK(again.type == m->type && again.nfields == m->nfields);
        for (size_t i = 0; i < m->nfields; i++)
                FUZZ_CHECK(again.fields[i].tag == m->fields[i].tag && again.fields[i].len == m->fields[i].len &&
                           memcmp(again.fields[i].data, m->fields[i].data, m->fields[i].len) == 0);
        wire_wipe(&b);
}

/* apikeyd/server.c dispatch(): an auth connection hands AUTH_REQUEST and
 * LEAK_REPORT to read_request() (through auth_handle and
 * leak_report_handle); a control connection reads the header as
 * control_handle() and load_target() (apikeyd/control.c) do. */
static void check_daemon_reads(const struct wire_msg *m)
{
        struct auth_request req;
        int r = read_request(m, &req);

        if (m->type == MSG_AUTH_REQUEST || m->type == MSG_LEAK_REPORT) {
                /* The schema requires what read_request requires. */
                FUZZ_CHECK(r == 0);
                FUZZ_CHECK(strlen(req.key) > 0 && strlen(req.key) <= KEY_MAX_INPUT);
                FUZZ_CHECK(m->type == MSG_LEAK_REPORT || (req.user[0] && strlen(req.user) <= PROTO_USER_MAX));
                FUZZ_CHECK(strlen(req.service) <= PROTO_SERVICE_MAX && strlen(req.rhost) <= PROTO_RHOST_MAX &&
                           strlen(req.tty) <= PROTO_TTY_MAX);
        } else {
                FUZZ_CHECK(r == -EBADMSG);
        }
        if (m->type == MSG_CTL_REQUEST) {
                uint32_t cmd = 0, flags = 0;
                char key_id[KEY_ID_LEN + 1];

                FUZZ_CHECK(wire_get_u32(m, TAG_COMMAND, &cmd) == 0); /* required by the schema */
                (void)wire_get_u32(m, TAG_FLAGS, &flags);
                if (wire_get_str(m, TAG_KEY_ID, key_id, sizeof(key_id)) == 0)
                        (void)key_id_valid(key_id);
                (void)command_to_string(cmd);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t *buf = fuzz_exact(data, size);
        struct wire_msg m;
        int r = wire_parse(buf, size, &m);

        FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -EPROTONOSUPPORT);
        if (r == 0) {
                FUZZ_CHECK(size >= WIRE_HEADER_LEN && size <= WIRE_MAX_MSG && proto_type_known(m.type));
                FUZZ_CHECK(m.nfields <= WIRE_MAX_FIELDS);
                check_getters(&m);
                check_reencoding(&m, buf, size);
                check_daemon_reads(&m);
        }
        free(buf);
        return 0;
}
