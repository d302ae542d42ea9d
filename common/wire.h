/* wire.h - the one codec for every message between module, CLI and daemon.
 *
 * A message is one SOCK_SEQPACKET record of at most WIRE_MAX_MSG bytes:
 *
 *   u8 version (WIRE_VERSION) | u8 type | fields...
 *   field = u8 tag | u16 length (big endian) | length bytes
 *
 * Every tag has one kind (string, u32, u64) and a maximum length; every
 * message type lists the tags it allows and the tags it requires (proto.c).
 * wire_parse() rejects anything else: another version, an unknown type or
 * tag, a tag twice, a short or long field, a string with a NUL or control
 * byte, trailing bytes. Builders record the first error and keep going, so a
 * sequence of puts is checked once, at wire_finish(). */
#ifndef APIKEY_WIRE_H
#define APIKEY_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_VERSION 1
#define WIRE_MAX_MSG 4096
#define WIRE_HEADER_LEN 2
#define WIRE_FIELD_HEADER_LEN 3
#define WIRE_MAX_FIELDS 32

struct wire_field {
        uint8_t tag;
        uint16_t len;
        const uint8_t *data;
};

struct wire_msg {
        uint8_t type;
        size_t nfields;
        struct wire_field fields[WIRE_MAX_FIELDS];
};

struct wire_buf {
        uint8_t data[WIRE_MAX_MSG];
        size_t len;
        int err; /* first error, sticky */
};

void wire_init(struct wire_buf *b, uint8_t type);
void wire_put_str(struct wire_buf *b, uint8_t tag, const char *s); /* NULL: field left out */
void wire_put_u32(struct wire_buf *b, uint8_t tag, uint32_t v);
void wire_put_u64(struct wire_buf *b, uint8_t tag, uint64_t v);
/* Returns 0 when every put succeeded and the message passes wire_parse(). */
int wire_finish(struct wire_buf *b);
/* Wipes the buffer: requests carry keys. */
void wire_wipe(struct wire_buf *b);

/* Parses and validates buf; m points into buf. Returns 0 or -EBADMSG
 * (-EPROTONOSUPPORT for another version). */
int wire_parse(const uint8_t *buf, size_t len, struct wire_msg *m);

/* Getters: 0, or -ENOENT when the field is absent, -ENOBUFS when out is too
 * small. Strings are copied with a terminating NUL. */
int wire_get_str(const struct wire_msg *m, uint8_t tag, char *out, size_t outsz);
int wire_get_u32(const struct wire_msg *m, uint8_t tag, uint32_t *ret);
int wire_get_u64(const struct wire_msg *m, uint8_t tag, uint64_t *ret);

#endif
