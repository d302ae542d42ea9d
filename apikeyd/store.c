/* store.c - store.h's calls, handed to the backend the store was opened
 * with (store_backend.h). The choice is made once, here, from --db. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store_backend.h"

bool store_db_is_fleet(const char *db)
{
        return strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
}

int store_open(const char *db, const uint8_t row_key[STORE_ROW_KEY_LEN], struct store **ret)
{
        return store_db_is_fleet(db) ? pg_open(db, row_key, ret) : sqlite_open(db, row_key, ret);
}

/* postgresql://user:SECRET@host/db?password=SECRET&... keeps everything but
 * the secrets: the userinfo's password and a password= parameter. */
void store_db_redact(const char *db, char *buf, size_t bufsz)
{
        size_t n = 0;
        const char *p = db, *scheme_end, *at, *slash, *colon;

        if (bufsz == 0)
                return;
        buf[0] = '\0';
        if (!store_db_is_fleet(db)) {
                snprintf(buf, bufsz, "%s", db);
                return;
        }
#define PUT(s, len)                                                                                                    \
        do {                                                                                                           \
                size_t l_ = (len);                                                                                     \
                if (n + l_ >= bufsz)                                                                                   \
                        l_ = bufsz - 1 - n;                                                                            \
                memcpy(buf + n, (s), l_);                                                                              \
                n += l_;                                                                                               \
                buf[n] = '\0';                                                                                         \
        } while (0)
        scheme_end = strstr(db, "://") + 3;
        PUT(db, (size_t)(scheme_end - db));
        p = scheme_end;
        slash = p + strcspn(p, "/?");
        at = memrchr(p, '@', (size_t)(slash - p)); /* the last: an unencoded '@' in the password */
        if (at) {
                colon = memchr(p, ':', (size_t)(at - p));
                if (colon) {
                        PUT(p, (size_t)(colon - p));
                        PUT(":xxx", 4);
                        p = at;
                }
        }
        while (*p) {
                size_t len = strcspn(p, "?&");
                if (len == 0) {
                        PUT(p, 1);
                        p++;
                        continue;
                }
                if (strncmp(p, "password=", 9) == 0 && p > db && (p[-1] == '?' || p[-1] == '&')) {
                        PUT("password=xxx", 12);
                } else
                        PUT(p, len);
                p += len;
        }
#undef PUT
}

const char *store_backend_name(const struct store *s)
{
        return s->ops->name;
}

const char *store_host(const struct store *s)
{
        return s->ops->host(s);
}

void store_set_host_row_key(struct store *s, const uint8_t key[STORE_ROW_KEY_LEN])
{
        s->ops->set_host_row_key(s, key);
}

int64_t store_offline_since(const struct store *s)
{
        return s->ops->offline_since(s);
}

int store_open_another(struct store *s, struct store **ret)
{
        return s->ops->open_another(s, ret);
}

int store_opened_version(const struct store *s)
{
        return s->ops->opened_version(s);
}

void store_close(struct store *s)
{
        if (s)
                s->ops->close(s);
}

int store_begin(struct store *s)
{
        return s->ops->begin(s);
}

int store_commit(struct store *s)
{
        return s->ops->commit(s);
}

void store_rollback(struct store *s)
{
        s->ops->rollback(s);
}

int store_set_durable(struct store *s, bool durable)
{
        return s->ops->set_durable(s, durable);
}

void store_set_busy_timeout(struct store *s, int ms)
{
        s->ops->set_busy_timeout(s, ms);
}

int store_manual_checkpoints(struct store *s)
{
        return s->ops->manual_checkpoints(s);
}

int store_wal_pages(const struct store *s)
{
        return s->ops->wal_pages(s);
}

int store_checkpoint(struct store *s)
{
        return s->ops->checkpoint(s);
}

int store_key_insert(struct store *s, const struct key_record *k)
{
        return s->ops->key_insert(s, k);
}

int store_key_get(struct store *s, const char *id, struct key_record *ret)
{
        return s->ops->key_get(s, id, ret);
}

int store_key_update(struct store *s, const struct key_record *k)
{
        return s->ops->key_update(s, k);
}

int store_key_list(struct store *s, const struct key_filter *f, store_key_cb cb, void *userdata)
{
        return s->ops->key_list(s, f, cb, userdata);
}

int store_key_count(struct store *s, const struct key_filter *f, uint64_t *ret)
{
        return s->ops->key_count(s, f, ret);
}

int store_key_set_state(struct store *s, const char *id, const char *state, const char *by)
{
        return s->ops->key_set_state(s, id, state, by);
}

int store_key_delete(struct store *s, const char *id)
{
        return s->ops->key_delete(s, id);
}

int store_key_set_orphaned(struct store *s, const char *id, int64_t when)
{
        return s->ops->key_set_orphaned(s, id, when);
}

int store_key_owners(struct store *s, store_owner_cb cb, void *userdata)
{
        return s->ops->key_owners(s, cb, userdata);
}

int store_key_add_uses(struct store *s, const char *id, int64_t row_hint, uint64_t n, int64_t when,
                       const char *rhost, const char *service)
{
        return s->ops->key_add_uses(s, id, row_hint, n, when, rhost, service);
}

int store_key_add_uses_each(struct store *s, const struct store_uses *u, size_t n)
{
        int r = 0;

        for (size_t i = 0; r == 0 && i < n; i++) {
                r = s->ops->key_add_uses(s, u[i].id, u[i].row_hint, u[i].n, u[i].when, u[i].rhost, u[i].service);
                /* A row changed behind our back keeps the count it has (it
                 * cannot log in). */
                if (r == -ENOENT || r == -EBADMSG)
                        r = 0;
        }
        return r;
}

int store_key_add_uses_batch(struct store *s, const struct store_uses *u, size_t n)
{
        return s->ops->key_add_uses_batch(s, u, n);
}

int store_key_claim_use(struct store *s, const char *id, int64_t when, const char *rhost, const char *service)
{
        return s->ops->key_claim_use(s, id, when, rhost, service);
}

int store_key_elsewhere(struct store *s, const char *id, const uint8_t hash[KEY_HASH_LEN], bool *ret)
{
        return s->ops->key_elsewhere(s, id, hash, ret);
}

int store_sid_insert(struct store *s, const struct sid_record *r)
{
        return s->ops->sid_insert(s, r);
}

int store_sid_get(struct store *s, const char *name, struct sid_record *ret)
{
        return s->ops->sid_get(s, name, ret);
}

int store_sid_update(struct store *s, const struct sid_record *r)
{
        return s->ops->sid_update(s, r);
}

int store_sid_delete(struct store *s, const char *name)
{
        return s->ops->sid_delete(s, name);
}

int store_sid_list(struct store *s, store_sid_cb cb, void *userdata)
{
        return s->ops->sid_list(s, cb, userdata);
}

int store_audit_append(struct store *s, const struct audit_record *r, size_t n)
{
        return s->ops->audit_append(s, r, n);
}

int store_audit_last(struct store *s, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        return s->ops->audit_last(s, ret_seq, ret_hash);
}

int store_audit_hash_at(struct store *s, uint64_t seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        return s->ops->audit_hash_at(s, seq, ret_hash);
}

int store_audit_first(struct store *s, uint64_t *ret_seq, uint8_t ret_hash[AUDIT_HASH_LEN])
{
        return s->ops->audit_first(s, ret_seq, ret_hash);
}

int store_audit_list(struct store *s, const struct audit_filter *f, store_audit_cb cb, void *userdata)
{
        return s->ops->audit_list(s, f, cb, userdata);
}

int store_audit_last_event(struct store *s, const char *identity, const char *event, uint64_t *ret_seq)
{
        return s->ops->audit_last_event(s, identity, event, ret_seq);
}

int store_audit_prune(struct store *s, int64_t before, uint64_t *ret_deleted)
{
        return s->ops->audit_prune(s, before, ret_deleted);
}

int store_audit_prune_seq(struct store *s, uint64_t keep_from, uint64_t *ret_deleted)
{
        return s->ops->audit_prune_seq(s, keep_from, ret_deleted);
}

int store_audit_hosts(struct store *s, store_host_cb cb, void *userdata)
{
        return s->ops->audit_hosts(s, cb, userdata);
}

void store_key_copy_mutable(struct key_record *k, const struct key_record *n)
{
        memcpy(k->name, n->name, sizeof(k->name));
        memcpy(k->description, n->description, sizeof(k->description));
        memcpy(k->state, n->state, sizeof(k->state));
        k->expires_at = n->expires_at;
        k->locked = n->locked;
        memcpy(k->services, n->services, sizeof(k->services));
        memcpy(k->sources, n->sources, sizeof(k->sources));
        k->max_uses = n->max_uses;
        if (n->leak_action[0])
                memcpy(k->leak_action, n->leak_action, sizeof(k->leak_action));
        memcpy(k->rotated_to, n->rotated_to, sizeof(k->rotated_to));
        memcpy(k->retires, n->retires, sizeof(k->retires));
        memcpy(k->disabled_by, n->disabled_by, sizeof(k->disabled_by));
        memcpy(k->locked_by, n->locked_by, sizeof(k->locked_by));
}
