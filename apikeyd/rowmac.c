/* rowmac.c - the MAC of a stored key or service ID row (see rowmac.h). */
#include "rowmac.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>

#include "wire.h"

static int mac_of(const uint8_t mk[ROWMAC_LEN], const uint8_t *prefix, size_t prefix_len,
                  const struct wire_buf *b, uint8_t out[ROWMAC_LEN])
{
        crypto_generichash_state st;

        if (b->err) {
                sodium_memzero(out, ROWMAC_LEN);
                return -EMSGSIZE;
        }
        crypto_generichash_init(&st, mk, ROWMAC_LEN, ROWMAC_LEN);
        crypto_generichash_update(&st, prefix, prefix_len);
        crypto_generichash_update(&st, b->data, b->len);
        crypto_generichash_final(&st, out, ROWMAC_LEN);
        return 0;
}

int rowmac_key(const uint8_t mk[ROWMAC_LEN], const struct key_record *k, uint8_t out[ROWMAC_LEN])
{
        char identity[STORE_KIND_MAX + 1 + PROTO_USER_MAX + 1];
        struct wire_buf b;

        /* The owner's type rides in TAG_IDENTITY as "type:name": the type is
         * a word without ':' and the name follows in TAG_OWNER_NAME too. */
        snprintf(identity, sizeof(identity), "%s:%s", k->owner_type, k->owner_name);
        wire_init(&b, MSG_KEY_INFO);
        wire_put_str(&b, TAG_KEY_ID, k->id);
        wire_put_str(&b, TAG_KIND, k->kind);
        wire_put_str(&b, TAG_IDENTITY, identity);
        wire_put_str(&b, TAG_OWNER_NAME, k->owner_name);
        wire_put_u32(&b, TAG_OWNER_UID, k->owner_uid);
        wire_put_str(&b, TAG_NAME, k->name);
        wire_put_str(&b, TAG_DESCRIPTION, k->description);
        wire_put_str(&b, TAG_STATE, k->state);
        /* Who disabled and who locked it, as two more state fields: the
         * encoding is hashed, never parsed, and fields of a fixed order with
         * their lengths say unambiguously which is which. */
        wire_put_str(&b, TAG_STATE, k->disabled_by);
        wire_put_str(&b, TAG_STATE, k->locked_by);
        wire_put_u64(&b, TAG_CREATED_AT, (uint64_t)k->created_at);
        wire_put_str(&b, TAG_CREATED_BY, k->created_by);
        wire_put_u64(&b, TAG_USE_COUNT, k->use_count);
        wire_put_u64(&b, TAG_EXPIRES_AT, (uint64_t)k->expires_at);
        /* When its account was seen gone: a key dead for good stays dead.
         * A second TAG_EXPIRES_AT, as the state fields above. */
        wire_put_u64(&b, TAG_EXPIRES_AT, (uint64_t)k->orphaned_at);
        wire_put_u32(&b, TAG_LOCKED, k->locked ? 1 : 0);
        wire_put_str(&b, TAG_SERVICES, k->services);
        wire_put_str(&b, TAG_SOURCES, k->sources);
        wire_put_u64(&b, TAG_MAX_USES, k->max_uses);
        wire_put_str(&b, TAG_LEAK_ACTION, k->leak_action);
        wire_put_str(&b, TAG_ROTATED_TO, k->rotated_to);
        wire_put_str(&b, TAG_RETIRES, k->retires);
        return mac_of(mk, k->hash, KEY_HASH_LEN, &b, out);
}

int rowmac_sid(const uint8_t mk[ROWMAC_LEN], const struct sid_record *r, uint8_t out[ROWMAC_LEN])
{
        static const uint8_t none[1] = { 0 };
        struct wire_buf b;

        wire_init(&b, MSG_SID_INFO);
        wire_put_str(&b, TAG_SERVICE_ID, r->name);
        wire_put_str(&b, TAG_DESCRIPTION, r->description);
        wire_put_str(&b, TAG_UNIX_USER, r->unix_user);
        /* -1 (no account) and 0xffffffff must differ: a u64 keeps the sign. */
        wire_put_u64(&b, TAG_UNIX_UID, (uint64_t)r->unix_uid);
        wire_put_u32(&b, TAG_LOCKED, r->locked ? 1 : 0);
        wire_put_u64(&b, TAG_CREATED_AT, (uint64_t)r->created_at);
        wire_put_str(&b, TAG_CREATED_BY, r->created_by);
        return mac_of(mk, none, 0, &b, out);
}
