/* store.h - the key store, behind a narrow interface.
 *
 * The daemon's logic sees only these calls and struct key_record; the SQLite
 * implementation is store_sqlite.c. A second backend implements the same
 * functions. Every function returns 0 or a negative errno: -ENOENT when the
 * key does not exist, -EEXIST on an ID collision, -EIO on a storage error. */
#ifndef APIKEYD_STORE_H
#define APIKEYD_STORE_H

#include <stdint.h>

#include "key.h"
#include "proto.h"

#define KEY_HASH_LEN 32
#define STORE_KIND_MAX 16

struct store;

/* One key as stored. Service IDs, expiry and restrictions extend this record
 * (owner_type "service", kind "classic"/"service", ...); see the schema. */
struct key_record {
        char id[KEY_ID_LEN + 1];
        char kind[STORE_KIND_MAX];       /* "user" */
        char owner_type[STORE_KIND_MAX]; /* "user" ("service" later) */
        char owner_name[PROTO_USER_MAX + 1];
        uint32_t owner_uid;
        char name[PROTO_NAME_MAX + 1];
        char description[PROTO_DESCRIPTION_MAX + 1];
        char state[STORE_KIND_MAX]; /* "active" | "disabled" */
        int64_t created_at;
        char created_by[PROTO_USER_MAX + 1];
        int64_t last_used_at; /* 0: never */
        char last_used_from[PROTO_RHOST_MAX + 1];
        char last_used_service[PROTO_SERVICE_MAX + 1];
        uint64_t use_count;
        uint8_t hash[KEY_HASH_LEN]; /* keyed BLAKE2b of ID and secret */
};

typedef int (*store_key_cb)(const struct key_record *k, void *userdata);

/* Opens (creating with mode 0600 and migrating) the store at path. */
int store_open(const char *path, struct store **ret);
void store_close(struct store *s);

int store_key_insert(struct store *s, const struct key_record *k);
int store_key_get(struct store *s, const char *id, struct key_record *ret);
/* Every key, or with owner_name set only the keys of that user account
 * (name and uid must both match). Stops early when cb returns < 0. */
int store_key_list(struct store *s, const char *owner_name, uint32_t owner_uid, store_key_cb cb, void *userdata);
int store_key_count(struct store *s, const char *owner_name, uint32_t owner_uid, uint64_t *ret);
int store_key_set_state(struct store *s, const char *id, const char *state);
int store_key_delete(struct store *s, const char *id);
/* Records a successful use: time, source and PAM service, count + 1. */
int store_key_record_use(struct store *s, const char *id, int64_t when, const char *rhost, const char *service);

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 1

#endif
