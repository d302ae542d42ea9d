/* rowmac.h - the MAC of a stored key or service ID row.
 *
 * Someone who can write the database but cannot read hash.key must not be
 * able to change what a key is (its owner, kind, state, expiry,
 * restrictions, limits, use count) or what a service ID logs in as. Each
 * row therefore carries BLAKE2b-256, keyed with a key derived from the
 * installation secret, over the row's canonical encoding: the row's keyed
 * secret hash followed by the row as a message of the one codec (KEY_INFO or
 * SID_INFO, every field in a fixed order, so the bytes are defined by the
 * protocol). What is left out, and why: last_used_at/from/service (a
 * display of the last use; they decide nothing). */
#ifndef APIKEYD_ROWMAC_H
#define APIKEYD_ROWMAC_H

#include <stdint.h>

#include "store.h"

#define ROWMAC_LEN 32
#define ROWMAC_CONTEXT "apikeyd row mac v1"

/* 0, or -EMSGSIZE when the row does not encode (it then matches no MAC). */
int rowmac_key(const uint8_t mk[ROWMAC_LEN], const struct key_record *k, uint8_t out[ROWMAC_LEN]);
int rowmac_sid(const uint8_t mk[ROWMAC_LEN], const struct sid_record *r, uint8_t out[ROWMAC_LEN]);

#endif
