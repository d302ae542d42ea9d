/* keyview.c - what a key is, as every part of the daemon sees it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "rowmac.h"

int64_t now_seconds(void)
{
        return (int64_t)time(NULL);
}

bool key_is_expired(const struct key_record *k, int64_t now)
{
        return k->expires_at > 0 && now >= k->expires_at;
}

const char *key_state(const struct key_record *k, int64_t now)
{
        if (k->tampered)
                return "tampered";
        if (k->orphaned_at)
                return "orphaned";
        if (strcmp(k->state, "active") != 0)
                return "disabled";
        return key_is_expired(k, now) ? "expired" : "active";
}

/* An orphaned key is no longer the identity of the account of that name
 * (a new account may have it): "orphaned-user:NAME", so that records about
 * it after its account went are not the new account's to read. */
void key_identity(const struct key_record *k, char *buf, size_t bufsz)
{
        snprintf(buf, bufsz, "%s%s:%s", k->orphaned_at ? "orphaned-" : "", k->owner_type, k->owner_name);
}

const struct hashkey *key_hashkey(const struct daemon *d, const char *hash_key)
{
        const char *host = store_host(d->store);

        if (!hash_key[0])
                return d->has_fleetkey ? &d->fleetkey : &d->hashkey;
        /* A key imported from this host's SQLite store: its old secret. */
        if (host[0] && strncmp(hash_key, "host:", 5) == 0 && strcmp(hash_key + 5, host) == 0)
                return &d->hashkey;
        return NULL;
}

/* Not in this host's scopes: does the fleet have it, with this secret? A
 * store error counts as "no" (the login fails either way). */
static bool key_elsewhere(struct daemon *d, const char *id, const uint8_t hash[KEY_HASH_LEN])
{
        bool elsewhere = false;

        return store_key_elsewhere(d->store, id, hash, &elsewhere) == 0 && elsewhere;
}

int key_lookup_verified(struct daemon *d, const char *key, struct key_record *ret)
{
        struct key_parts parts;
        int r;

        if (key_parse(key, &parts) < 0)
                return -EINVAL;
        r = key_lookup_parts(d, &parts, ret);
        sodium_memzero(&parts, sizeof(parts));
        return r;
}

int key_lookup_parts(struct daemon *d, const struct key_parts *key, struct key_record *ret)
{
        struct key_parts parts = *key;
        uint8_t hash[KEY_HASH_LEN];
        const struct hashkey *hk;
        int r;

        r = store_key_get(d->store, parts.id, ret);
        /* A row hashed with a secret this host does not hold (another fleet
         * host's imported key, its scope widened) is checked with none and
         * works only there. */
        hk = r == 0 ? key_hashkey(d, ret->hash_key) : key_hashkey(d, "");
        if (r == 0 && !hk)
                r = -EREMOTE;
        /* An unknown ID costs the same hash and compare as a known one: the
         * answer's timing says nothing about which IDs exist. The dummy
         * compare is against zeros, which no keyed hash equals in practice,
         * and its result is ignored. */
        hashkey_hash(hk ? hk : key_hashkey(d, ""), parts.id, parts.secret, hash);
        if (r == 0 && sodium_memcmp(hash, ret->hash, KEY_HASH_LEN) != 0)
                r = -EACCES;
        else if (r == -ENOENT && sodium_memcmp(hash, (const uint8_t[KEY_HASH_LEN]){ 0 }, KEY_HASH_LEN) == 0)
                r = -ENOENT; /* the same answer either way */
        /* A fleet key scoped to other hosts is no row here (row-level
         * security): it is "wrong host" only to whoever holds the whole
         * key, else unknown. */
        /* (A wrong secret asks too, and ignores the answer: unknown IDs
         * and wrong secrets cost the same queries.) */
        if (r == -EACCES)
                (void)key_elsewhere(d, parts.id, hash);
        else if (r == -ENOENT && key_elsewhere(d, parts.id, hash)) {
                memset(ret, 0, sizeof(*ret));
                snprintf(ret->id, sizeof(ret->id), "%s", parts.id);
                r = -EREMOTE;
        }
        if (r == -ENOENT) {
                /* ... and the row MAC a found row costs (store_key_get),
                 * over a row of a typical size. */
                struct key_record dummy = { .kind = "user", .owner_type = "user", .state = "active",
                                            .owner_name = "xxxxxxxxxxxxxxxx", .created_by = "xxxxxxxxxxxxxxxx",
                                            .leak_action = "disable" };
                (void)rowmac_key(d->row_key, &dummy, hash);
        }
        sodium_memzero(hash, sizeof(hash));
        sodium_memzero(&parts, sizeof(parts));
        return r;
}
