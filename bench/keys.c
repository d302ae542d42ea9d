/* keys.c - the bulk path: mint N keys, hash them with the installation
 * secret and insert them through store.h in one transaction.
 *
 * Minting draws one large buffer from libsodium's CSPRNG and maps bytes to
 * the key alphabets by rejection (uniform, as randombytes_uniform is):
 * hashkey_mint() makes one getrandom(2) call per character, 7.5 us a key,
 * which alone would take 7.5 s for a million keys. Keys are inserted in ID
 * order, so the primary key index grows at its right edge. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../apikeyd/hashkey.h"
#include "../apikeyd/rowmac.h"
#include "../apikeyd/store.h"
#include "bench.h"

struct rand_pool {
        uint8_t buf[65536];
        size_t pos;
};

static uint8_t pool_byte(struct rand_pool *p)
{
        if (p->pos == sizeof(p->buf)) {
                randombytes_buf(p->buf, sizeof(p->buf));
                p->pos = 0;
        }
        return p->buf[p->pos++];
}

/* A uniform draw from alphabet: bytes at or above the largest multiple of
 * its size are rejected. */
static void pool_string(struct rand_pool *p, char *out, size_t len, const char *alphabet)
{
        const unsigned n = (unsigned)strlen(alphabet), limit = 256 - 256 % n;

        for (size_t i = 0; i < len; i++) {
                unsigned b;
                do
                        b = pool_byte(p);
                while (b >= limit);
                out[i] = alphabet[b % n];
        }
        out[len] = '\0';
}

static int cmp_key(const void *a, const void *b)
{
        return strcmp(a, b); /* "apk_" + fixed-length ID first: ID order */
}

/* n distinct keys, sorted by ID. */
static int mint_all(struct keyset *ks, size_t n)
{
        struct rand_pool *p = malloc(sizeof(*p));
        char id[KEY_ID_LEN + 1], secret[KEY_SECRET_LEN + 1];

        ks->keys = calloc(n ? n : 1, sizeof(*ks->keys));
        if (!p || !ks->keys) {
                free(p);
                return -ENOMEM;
        }
        p->pos = sizeof(p->buf);
        ks->n = n;
        for (size_t i = 0; i < n; i++) {
                pool_string(p, id, KEY_ID_LEN, KEY_ID_ALPHABET);
                pool_string(p, secret, KEY_SECRET_LEN, KEY_SECRET_ALPHABET);
                (void)key_format(id, secret, ks->keys[i], KEY_LEN + 1);
        }
        qsort(ks->keys, n, sizeof(*ks->keys), cmp_key);
        /* A repeated ID among n of 36^12 is all but impossible; redraw it. */
        for (size_t i = 1; i < n; i++)
                if (memcmp(ks->keys[i], ks->keys[i - 1], KEY_PREFIX_LEN + KEY_ID_LEN) == 0) {
                        pool_string(p, secret, KEY_SECRET_LEN, KEY_SECRET_ALPHABET);
                        memcpy(id, ks->keys[i] + KEY_PREFIX_LEN, KEY_ID_LEN);
                        id[KEY_ID_LEN - 1] = id[KEY_ID_LEN - 1] == 'z' ? '0' : 'z';
                        (void)key_format(id, secret, ks->keys[i], KEY_LEN + 1);
                }
        sodium_memzero(secret, sizeof(secret));
        free(p);
        return 0;
}

static void record_for(struct key_record *k, const struct hashkey *hk, const char *key, int64_t now,
                       const char *owner, uid_t uid, size_t i)
{
        struct key_parts parts;

        *k = (struct key_record){ .kind = "user", .owner_type = "user", .state = "active", .created_at = now,
                                  .owner_uid = (uint32_t)uid, .leak_action = "disable" };
        (void)key_parse(key, &parts); /* minted above: always a key */
        memcpy(k->id, parts.id, sizeof(k->id));
        snprintf(k->owner_name, sizeof(k->owner_name), "%s", owner);
        snprintf(k->created_by, sizeof(k->created_by), "%s", owner);
        snprintf(k->name, sizeof(k->name), "bench-%zu", i);
        hashkey_hash(hk, parts.id, parts.secret, k->hash);
        sodium_memzero(&parts, sizeof(parts));
}

static int insert_all(struct store *s, const struct hashkey *hk, const struct keyset *ks, const char *owner,
                      uid_t uid)
{
        int64_t now = (int64_t)time(NULL);
        struct key_record k;
        int r = store_begin(s);

        for (size_t i = 0; r == 0 && i < ks->n; i++) {
                record_for(&k, hk, ks->keys[i], now, owner, uid, i);
                r = store_key_insert(s, &k);
        }
        if (r == 0)
                r = store_commit(s);
        if (r < 0)
                store_rollback(s);
        return r;
}

static uint64_t file_size(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Mints n keys and inserts them, hashed with the secret in hk_path (made
 * when may_create), into the store db. */
static int build(const char *hk_path, bool may_create, const char *db, size_t n, const char *owner, uid_t uid,
                 struct keyset *ret, struct build_result *res)
{
        struct hashkey hk;
        struct store *s = NULL;
        uint64_t t0 = bench_now_ns(), t1;
        int r;

        memset(ret, 0, sizeof(*ret));
        r = hashkey_load(hk_path, may_create, &hk);
        if (r < 0)
                return r;
        r = mint_all(ret, n);
        t1 = bench_now_ns();
        if (r == 0) {
                /* The daemon's own row key, so that it accepts these rows. */
                uint8_t row_key[STORE_ROW_KEY_LEN];
                hashkey_derive(&hk, ROWMAC_CONTEXT, row_key);
                r = store_open(db, row_key, &s);
                sodium_memzero(row_key, sizeof(row_key));
        }
        if (r == 0)
                r = insert_all(s, &hk, ret, owner, uid);
        store_close(s);
        hashkey_wipe(&hk);
        if (r < 0) {
                keyset_free(ret);
                return r;
        }
        res->seconds = (double)(bench_now_ns() - t0) / 1e9;
        res->mint_seconds = (double)(t1 - t0) / 1e9;
        return 0;
}

int keys_build_store(const char *dir, size_t n, const char *owner, uid_t uid, struct keyset *ret,
                     struct build_result *res)
{
        char hk_path[PATH_MAX], db_path[PATH_MAX], wal_path[PATH_MAX + 8];
        int r;

        snprintf(hk_path, sizeof(hk_path), "%s/hash.key", dir);
        snprintf(db_path, sizeof(db_path), "%s/keys.db", dir);
        snprintf(wal_path, sizeof(wal_path), "%s-wal", db_path);
        r = build(hk_path, true, db_path, n, owner, uid, ret, res); /* a new store */
        if (r == 0)
                res->db_bytes = file_size(db_path) + file_size(wal_path);
        return r;
}

int keys_build_fleet(const char *uri, const char *fleet_key, size_t n, const char *owner, uid_t uid,
                     struct keyset *ret, struct build_result *res)
{
        int r = build(fleet_key, false, uri, n, owner, uid, ret, res);

        if (r == 0)
                res->db_bytes = 0; /* the server's business */
        return r;
}

void keyset_free(struct keyset *ks)
{
        if (ks->keys)
                sodium_memzero(ks->keys, ks->n * sizeof(*ks->keys));
        free(ks->keys);
        ks->keys = NULL;
        ks->n = 0;
}

void keys_invalid_variant(const char *key, uint64_t r, char *out)
{
        struct key_parts p;
        char *c;

        if (key_parse(key, &p) < 0) {
                snprintf(out, KEY_LEN + 1, "%s", key);
                return;
        }
        /* Even: an ID nobody holds. Odd: the right ID, one secret character off. */
        if (r % 2 == 0) {
                c = &p.id[(r / 2) % KEY_ID_LEN];
                *c = *c == 'a' ? 'b' : 'a';
        } else {
                c = &p.secret[(r / 2) % KEY_SECRET_LEN];
                *c = *c == 'A' ? 'B' : 'A';
        }
        (void)key_format(p.id, p.secret, out, KEY_LEN + 1);
        sodium_memzero(&p, sizeof(p));
}
