/* hashkey.h - the per-installation secret that keys the stored hashes.
 *
 * The store holds BLAKE2b(key = installation secret, ID || 0 || secret):
 * a stolen database alone does not allow an offline guess, and the
 * installation secret never leaves the state directory (mode 0600). */
#ifndef APIKEYD_HASHKEY_H
#define APIKEYD_HASHKEY_H

#include <stdbool.h>
#include <stdint.h>
#include <sodium.h>

#include "store.h"

struct hashkey {
        uint8_t k[crypto_generichash_KEYBYTES];
};

/* Loads path, creating it (0600, random) when missing and may_create (a new
 * store); -ENOENT, not logged, when missing otherwise. Refuses a file that is
 * not a regular file of ours with mode 0600 and the right size. */
int hashkey_load(const char *path, bool may_create, struct hashkey *ret);
void hashkey_wipe(struct hashkey *hk);
void hashkey_hash(const struct hashkey *hk, const char *id, const char *secret, uint8_t out[KEY_HASH_LEN]);
/* A key for one purpose (the audit chain, row MACs, the audit head), derived
 * from the installation secret: BLAKE2b(key = secret, context). */
#define HASHKEY_DERIVED_LEN 32
void hashkey_derive(const struct hashkey *hk, const char *context, uint8_t out[HASHKEY_DERIVED_LEN]);

/* Mints a fresh ID and secret from libsodium's CSPRNG. */
void hashkey_mint(char id[KEY_ID_LEN + 1], char secret[KEY_SECRET_LEN + 1]);

#endif
