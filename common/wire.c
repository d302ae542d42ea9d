/* wire.c - build and parse framed messages (format in wire.h). */
#include "wire.h"

#include <errno.h>
#include <string.h>

#include "proto.h"

void wire_init(struct wire_buf *b, uint8_t type)
{
        b->len = 0;
        b->err = proto_type_known(type) ? 0 : -EINVAL;
        b->data[b->len++] = WIRE_VERSION;
        b->data[b->len++] = type;
}

static void put_field(struct wire_buf *b, uint8_t tag, const void *data, size_t len)
{
        if (b->err)
                return;
        if (len > UINT16_MAX || b->len + WIRE_FIELD_HEADER_LEN + len > sizeof(b->data)) {
                b->err = -EMSGSIZE;
                return;
        }
        b->data[b->len++] = tag;
        b->data[b->len++] = (uint8_t)(len >> 8);
        b->data[b->len++] = (uint8_t)(len & 0xff);
        if (len)
                memcpy(b->data + b->len, data, len);
        b->len += len;
}

void wire_put_str(struct wire_buf *b, uint8_t tag, const char *s)
{
        if (!s)
                return;
        put_field(b, tag, s, strnlen(s, WIRE_MAX_MSG));
}

void wire_put_u32(struct wire_buf *b, uint8_t tag, uint32_t v)
{
        uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
        put_field(b, tag, be, sizeof(be));
}

void wire_put_u64(struct wire_buf *b, uint8_t tag, uint64_t v)
{
        uint8_t be[8];
        for (int i = 7; i >= 0; i--, v >>= 8)
                be[i] = (uint8_t)(v & 0xff);
        put_field(b, tag, be, sizeof(be));
}

int wire_finish(struct wire_buf *b)
{
        struct wire_msg m;

        if (b->err)
                return b->err;
        /* What we send obeys the same rules as what we accept. */
        return wire_parse(b->data, b->len, &m);
}

void wire_wipe(struct wire_buf *b)
{
        explicit_bzero(b->data, sizeof(b->data));
        b->len = 0;
}

static int check_field(uint8_t type, const struct wire_field *f)
{
        size_t max = 0;
        enum field_kind kind = proto_tag_kind(f->tag, &max);

        switch (kind) {
        case KIND_STR:
                /* A required string is never empty (tmux: datalen == 0 is an error). */
                if (f->len > max || (f->len == 0 && proto_tag_required(type, f->tag)))
                        return -EBADMSG;
                /* No NUL (it would truncate) and no control bytes (log injection). */
                for (size_t i = 0; i < f->len; i++)
                        if (f->data[i] < 0x20 || f->data[i] == 0x7f)
                                return -EBADMSG;
                return 0;
        case KIND_U32:
                return f->len == 4 ? 0 : -EBADMSG;
        case KIND_U64:
                return f->len == 8 ? 0 : -EBADMSG;
        case KIND_NONE:
        default:
                return -EBADMSG;
        }
}

int wire_parse(const uint8_t *buf, size_t len, struct wire_msg *m)
{
        uint64_t seen = 0;
        size_t pos = WIRE_HEADER_LEN;

        if (!buf || !m || len < WIRE_HEADER_LEN || len > WIRE_MAX_MSG)
                return -EBADMSG;
        if (buf[0] != WIRE_VERSION)
                return -EPROTONOSUPPORT;
        if (!proto_type_known(buf[1]))
                return -EBADMSG;
        m->type = buf[1];
        m->nfields = 0;

        while (pos < len) {
                struct wire_field f;

                if (len - pos < WIRE_FIELD_HEADER_LEN || m->nfields >= WIRE_MAX_FIELDS)
                        return -EBADMSG;
                f.tag = buf[pos];
                f.len = (uint16_t)((buf[pos + 1] << 8) | buf[pos + 2]);
                pos += WIRE_FIELD_HEADER_LEN;
                if (f.len > len - pos)
                        return -EBADMSG; /* truncated */
                f.data = buf + pos;
                pos += f.len;
                if (!proto_tag_allowed(m->type, f.tag) || (seen & (UINT64_C(1) << f.tag)))
                        return -EBADMSG;
                if (check_field(m->type, &f) < 0)
                        return -EBADMSG;
                seen |= UINT64_C(1) << f.tag;
                m->fields[m->nfields++] = f;
        }
        for (unsigned tag = 1; tag < _TAG_MAX; tag++)
                if (proto_tag_required(m->type, tag) && !(seen & (UINT64_C(1) << tag)))
                        return -EBADMSG;
        return 0;
}

static const struct wire_field *find(const struct wire_msg *m, uint8_t tag)
{
        for (size_t i = 0; i < m->nfields; i++)
                if (m->fields[i].tag == tag)
                        return &m->fields[i];
        return NULL;
}

int wire_get_str(const struct wire_msg *m, uint8_t tag, char *out, size_t outsz)
{
        const struct wire_field *f = find(m, tag);

        if (!f)
                return -ENOENT;
        if (proto_tag_kind(tag, NULL) != KIND_STR)
                return -EINVAL;
        if ((size_t)f->len + 1 > outsz)
                return -ENOBUFS;
        memcpy(out, f->data, f->len);
        out[f->len] = '\0';
        return 0;
}

int wire_get_u32(const struct wire_msg *m, uint8_t tag, uint32_t *ret)
{
        const struct wire_field *f = find(m, tag);

        if (!f)
                return -ENOENT;
        if (proto_tag_kind(tag, NULL) != KIND_U32 || f->len != 4)
                return -EINVAL;
        *ret = (uint32_t)f->data[0] << 24 | (uint32_t)f->data[1] << 16 | (uint32_t)f->data[2] << 8 | f->data[3];
        return 0;
}

int wire_get_u64(const struct wire_msg *m, uint8_t tag, uint64_t *ret)
{
        const struct wire_field *f = find(m, tag);
        uint64_t v = 0;

        if (!f)
                return -ENOENT;
        if (proto_tag_kind(tag, NULL) != KIND_U64 || f->len != 8)
                return -EINVAL;
        for (int i = 0; i < 8; i++)
                v = (v << 8) | f->data[i];
        *ret = v;
        return 0;
}
