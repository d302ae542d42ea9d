/* store_sqlite_keys.c - the keys table. Every row carries its MAC
 * (rowmac.h): written with each insert and change, checked with each read. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rowmac.h"
#include "store_sqlite.h"

#define KEY_COLUMNS                                                                                        \
        "id, hash, kind, owner_type, owner_name, owner_uid, name, description, state, created_at, "      \
        "created_by, last_used_at, last_used_from, last_used_service, use_count, expires_at, locked, "   \
        "services, sources, max_uses, leak_action, rotated_to, retires, disabled_by, locked_by, orphaned_at, mac"

/* The WHERE clause of a filter, with only the conditions it sets, so that
 * SQLite can use an index (keys_owner, keys_expiry): an "(?1 IS NULL OR
 * owner_type = ?1)" form made every list and count a scan of the table (the
 * benchmark: create 61 ms and a cold start 72 ms with 1M keys). The
 * parameters keep their numbers (bind_filter). */
static void filter_sql(const struct key_filter *f, char *buf, size_t bufsz)
{
        const char *conds[10];
        size_t n = 0, used = 0;

        if (f->owner_type)
                conds[n++] = "owner_type = ?1";
        if (f->owner_name)
                conds[n++] = "owner_name = ?2";
        if (f->owner_uid >= 0)
                conds[n++] = "owner_uid = ?3";
        if (f->kind)
                conds[n++] = "kind = ?4";
        if (f->unused_since)
                conds[n++] = "max(last_used_at, created_at) < ?5";
        if (f->expired_before)
                conds[n++] = "expires_at > 0 AND expires_at < ?6";
        if (f->live_at)
                conds[n++] = "(expires_at = 0 OR expires_at > ?7)";
        if (f->orphaned == ORPHANED_EXCLUDE)
                conds[n++] = "orphaned_at = 0";
        else if (f->orphaned == ORPHANED_ONLY)
                conds[n++] = "orphaned_at != 0";
        if (f->after_id)
                conds[n++] = "(created_at, id) > (?8, ?9)";
        buf[0] = '\0';
        for (size_t i = 0; i < n && used < bufsz; i++)
                used += (size_t)snprintf(buf + used, bufsz - used, "%s%s", i ? " AND " : " WHERE ", conds[i]);
}

/* A statement for this filter's shape; the caller finalizes it. */
static sqlite3_stmt *prepare_filtered(struct sqlite_store *s, const char *head, const struct key_filter *f,
                                      const char *tail)
{
        char where[512], sql[1024];
        sqlite3_stmt *st = NULL;

        filter_sql(f, where, sizeof(where));
        snprintf(sql, sizeof(sql), "%s%s%s", head, where, tail);
        if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                sqlite3_finalize(st);
                return NULL;
        }
        return st;
}

/* Whether the row's stored MAC (column col) is the MAC of k. */
static bool mac_matches(struct sqlite_store *s, sqlite3_stmt *st, int col, const struct key_record *k)
{
        uint8_t mac[ROWMAC_LEN];
        bool ok = rowmac_key(s->row_key, k, mac) == 0 && sqlite3_column_bytes(st, col) == ROWMAC_LEN &&
                  sodium_memcmp(mac, sqlite3_column_blob(st, col), ROWMAC_LEN) == 0;

        sodium_memzero(mac, sizeof(mac));
        return ok;
}

static int row_to_record(struct sqlite_store *s, sqlite3_stmt *st, struct key_record *k)
{
        memset(k, 0, sizeof(*k));
        if (sqlite3_column_bytes(st, 1) != KEY_HASH_LEN)
                return -EIO;
        store_copy_text(st, 0, k->id, sizeof(k->id));
        memcpy(k->hash, sqlite3_column_blob(st, 1), KEY_HASH_LEN);
        store_copy_text(st, 2, k->kind, sizeof(k->kind));
        store_copy_text(st, 3, k->owner_type, sizeof(k->owner_type));
        store_copy_text(st, 4, k->owner_name, sizeof(k->owner_name));
        k->owner_uid = (uint32_t)sqlite3_column_int64(st, 5);
        store_copy_text(st, 6, k->name, sizeof(k->name));
        store_copy_text(st, 7, k->description, sizeof(k->description));
        store_copy_text(st, 8, k->state, sizeof(k->state));
        k->created_at = sqlite3_column_int64(st, 9);
        store_copy_text(st, 10, k->created_by, sizeof(k->created_by));
        k->last_used_at = sqlite3_column_int64(st, 11);
        store_copy_text(st, 12, k->last_used_from, sizeof(k->last_used_from));
        store_copy_text(st, 13, k->last_used_service, sizeof(k->last_used_service));
        k->use_count = (uint64_t)sqlite3_column_int64(st, 14);
        k->expires_at = sqlite3_column_int64(st, 15);
        k->locked = sqlite3_column_int(st, 16) != 0;
        store_copy_text(st, 17, k->services, sizeof(k->services));
        store_copy_text(st, 18, k->sources, sizeof(k->sources));
        k->max_uses = (uint64_t)sqlite3_column_int64(st, 19);
        store_copy_text(st, 20, k->leak_action, sizeof(k->leak_action));
        store_copy_text(st, 21, k->rotated_to, sizeof(k->rotated_to));
        store_copy_text(st, 22, k->retires, sizeof(k->retires));
        store_copy_text(st, 23, k->disabled_by, sizeof(k->disabled_by));
        store_copy_text(st, 24, k->locked_by, sizeof(k->locked_by));
        k->orphaned_at = sqlite3_column_int64(st, 25);
        /* A text longer than its field was truncated above and no longer
         * matches: tampered, as it should be. */
        k->tampered = !mac_matches(s, st, 26, k);
        return 0;
}

/* Binds the mutable columns ?2.. in the order of KEY_COLUMNS after hash. */
static void bind_fields(sqlite3_stmt *st, const struct key_record *k)
{
        sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, k->hash, KEY_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, k->kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, k->owner_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, k->owner_name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, k->owner_uid);
        sqlite3_bind_text(st, 7, k->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, k->description, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, k->state, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, k->created_at);
        sqlite3_bind_text(st, 11, k->created_by, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 12, k->last_used_at);
        sqlite3_bind_text(st, 13, k->last_used_from, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 14, k->last_used_service, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 15, (sqlite3_int64)k->use_count);
        sqlite3_bind_int64(st, 16, k->expires_at);
        sqlite3_bind_int(st, 17, k->locked);
        sqlite3_bind_text(st, 18, k->services, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 19, k->sources, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 20, (sqlite3_int64)k->max_uses);
        sqlite3_bind_text(st, 21, k->leak_action[0] ? k->leak_action : "disable", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 22, k->rotated_to, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 23, k->retires, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 24, k->disabled_by, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 25, k->locked_by, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 26, k->orphaned_at);
}

/* Binds ?27, the row's MAC: 0, or -EINVAL when the row does not encode. */
static int bind_mac(struct sqlite_store *s, sqlite3_stmt *st, const struct key_record *k)
{
        uint8_t mac[ROWMAC_LEN];

        if (rowmac_key(s->row_key, k, mac) < 0)
                return -EINVAL;
        sqlite3_bind_blob(st, 27, mac, ROWMAC_LEN, SQLITE_TRANSIENT);
        return 0;
}

/* A key's row is at the rowid its ID names (key_id_number), so that a
 * login finds it in one B-tree descent instead of two: with a million keys
 * the ID index's leaf was a random page of its own (issue 14). An ID that
 * names no number (none apikeyd mints) gets the next free rowid. */
int sqlite_key_insert(struct store *base, const struct key_record *k)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_KEY_INSERT,
                                      "INSERT INTO keys (" KEY_COLUMNS ", rowid) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
                                      "?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28)");
        struct key_record sealed;
        int64_t rowid = key_id_number(k->id);

        if (!st)
                return -EIO;
        sealed = *k;
        if (!sealed.leak_action[0]) /* what bind_fields stores, so what the MAC covers */
                snprintf(sealed.leak_action, sizeof(sealed.leak_action), "disable");
        bind_fields(st, &sealed);
        if (rowid > 0)
                sqlite3_bind_int64(st, 28, rowid);
        else
                sqlite3_bind_null(st, 28);
        if (bind_mac(s, st, &sealed) < 0)
                return -EINVAL;
        return store_step_done(s, st);
}

/* Writes the whole row k, with its new MAC. */
static int write_row(struct sqlite_store *s, const struct key_record *k)
{
        sqlite3_stmt *st = store_stmt(s, ST_KEY_REWRITE,
                                      "UPDATE keys SET hash = ?2, kind = ?3, owner_type = ?4, owner_name = ?5, "
                                      "owner_uid = ?6, name = ?7, description = ?8, state = ?9, created_at = ?10, "
                                      "created_by = ?11, last_used_at = ?12, last_used_from = ?13, "
                                      "last_used_service = ?14, use_count = ?15, expires_at = ?16, locked = ?17, "
                                      "services = ?18, sources = ?19, max_uses = ?20, leak_action = ?21, "
                                      "rotated_to = ?22, retires = ?23, disabled_by = ?24, locked_by = ?25, orphaned_at = ?26, "
                                      "mac = ?27 WHERE id = ?1");
        if (!st)
                return -EIO;
        bind_fields(st, k);
        if (bind_mac(s, st, k) < 0)
                return -EINVAL;
        return store_change_one(s, st);
}

/* Reads row id, refuses it if it fails its MAC (-EBADMSG: a change must not
 * seal what someone else wrote), lets change() edit it and writes it back
 * with a new MAC, in one transaction. */
static int key_rewrite(struct sqlite_store *s, const char *id, void (*change)(struct key_record *k, const void *ctx),
                       const void *ctx)
{
        struct key_record k;
        bool own;
        int r = store_change_begin(s, &own);

        if (r < 0)
                return r;
        r = sqlite_key_get(&s->base, id, &k);
        if (r == 0 && k.tampered) {
                log_error("store: key %s was changed outside apikeyd (its MAC does not match); not changing it", id);
                r = -EBADMSG;
        }
        if (r == 0) {
                change(&k, ctx);
                r = write_row(s, &k);
        }
        return store_change_end(s, own, r);
}

static void change_mutable(struct key_record *k, const void *ctx)
{
        store_key_copy_mutable(k, ctx);
}

int sqlite_key_update(struct store *base, const struct key_record *k)
{
        struct sqlite_store *s = sqlite_of(base);
        return key_rewrite(s, k->id, change_mutable, k);
}

int store_keys_seal_all(struct sqlite_store *s)
{
        /* Migration only: every row as it is now becomes the row's truth. */
        sqlite3_stmt *st = NULL;
        struct key_record k;
        int rc = SQLITE_DONE, r = 0;

        if (sqlite3_prepare_v2(s->db, "SELECT " KEY_COLUMNS " FROM keys", -1, &st, NULL) != SQLITE_OK) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                sqlite3_finalize(st);
                return -EIO;
        }
        while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
                if ((r = row_to_record(s, st, &k)) == 0)
                        r = write_row(s, &k);
        if (r == 0 && rc != SQLITE_DONE) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_finalize(st);
        return r;
}

/* Steps st, a SELECT of KEY_COLUMNS and then rowid (row_to_record reads
 * only the former), into *ret; -ENOENT without a row. */
static int key_read(struct sqlite_store *s, sqlite3_stmt *st, struct key_record *ret)
{
        int rc = sqlite3_step(st), r;

        if (rc == SQLITE_ROW) {
                r = row_to_record(s, st, ret);
                ret->row_hint = sqlite3_column_int64(st, 27);
        } else if (rc == SQLITE_DONE)
                r = -ENOENT;
        else {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_reset(st);
        return r;
}

/* Reads row id by the ID index; ret->row_hint is its rowid. */
static int key_search(struct sqlite_store *s, const char *id, struct key_record *ret)
{
        sqlite3_stmt *st = store_stmt_rebound(s, ST_KEY_GET, "SELECT " KEY_COLUMNS ", rowid FROM keys WHERE id = ?1");

        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        return key_read(s, st, ret);
}

/* Reads row id at rowid hint, or searches for it by the ID index when the
 * row there is another or there is none. By rowid is one B-tree descent
 * where by ID is two, the index's and the table's, each at a random page
 * with a million keys. A row need not be where its hint says: the hint
 * may be stale (deleted rowids are reused), a store from before schema 8
 * or restored from a dump keeps other rowids (sqlite_key_insert), and
 * someone who can write the database can move rows; the ID the row holds,
 * which its MAC covers, is what decides. */
static int key_get_hinted(struct sqlite_store *s, const char *id, int64_t hint, struct key_record *ret)
{
        sqlite3_stmt *st = hint > 0 ? store_stmt_rebound(s, ST_KEY_GET_AT, "SELECT " KEY_COLUMNS
                                                                           ", rowid FROM keys WHERE rowid = ?1")
                                    : NULL;
        int r = -ENOENT;

        if (st) {
                sqlite3_bind_int64(st, 1, hint);
                r = key_read(s, st, ret);
        }
        if (r == 0 && strcmp(ret->id, id) == 0)
                return 0;
        if (r < 0 && r != -ENOENT)
                return r;
        memset(ret, 0, sizeof(*ret)); /* not another key's row, whatever comes next */
        return key_search(s, id, ret);
}

/* Reads row id, first where its ID says it is (every login does this). */
static int key_get(struct sqlite_store *s, const char *id, struct key_record *ret)
{
        return key_get_hinted(s, id, key_id_number(id), ret);
}

int sqlite_key_get(struct store *base, const char *id, struct key_record *ret)
{
        return key_get(sqlite_of(base), id, ret);
}

/* Binds what filter_sql() asked for; a parameter it left out is out of
 * range or unused, and its bind has no effect. */
static void bind_filter(sqlite3_stmt *st, const struct key_filter *f)
{
        store_bind_text_or_null(st, 1, f->owner_type);
        store_bind_text_or_null(st, 2, f->owner_name);
        sqlite3_bind_int64(st, 3, f->owner_uid);
        store_bind_text_or_null(st, 4, f->kind);
        sqlite3_bind_int64(st, 5, f->unused_since);
        sqlite3_bind_int64(st, 6, f->expired_before);
        sqlite3_bind_int64(st, 7, f->live_at);
        sqlite3_bind_int64(st, 8, f->after_created_at);
        store_bind_text_or_null(st, 9, f->after_id);
        sqlite3_bind_int64(st, 10, f->limit ? (sqlite3_int64)f->limit : -1);
}

struct key_visit {
        struct sqlite_store *s;
        store_key_cb cb;
        void *userdata;
        struct key_record k;
};

static int visit_key(sqlite3_stmt *st, void *ctx)
{
        struct key_visit *v = ctx;
        int r = row_to_record(v->s, st, &v->k);

        return r < 0 ? r : v->cb(&v->k, v->userdata);
}

static const struct key_filter filter_any = KEY_FILTER_ANY;

int sqlite_key_list(struct store *base, const struct key_filter *f, store_key_cb cb, void *userdata)
{
        struct sqlite_store *s = sqlite_of(base);
        struct key_visit v = { .s = s, .cb = cb, .userdata = userdata };
        sqlite3_stmt *st;
        int r;

        f = f ? f : &filter_any;
        st = prepare_filtered(s, "SELECT " KEY_COLUMNS " FROM keys", f, " ORDER BY created_at, id LIMIT ?10");
        if (!st)
                return -EIO;
        bind_filter(st, f);
        r = store_each_row(s, st, visit_key, &v);
        sqlite3_finalize(st);
        return r;
}

int sqlite_key_count(struct store *base, const struct key_filter *f, uint64_t *ret)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st;
        int r = -EIO;

        f = f ? f : &filter_any;
        st = prepare_filtered(s, "SELECT count(*) FROM keys", f, "");
        if (!st)
                return -EIO;
        bind_filter(st, f);
        if (sqlite3_step(st) == SQLITE_ROW) {
                *ret = (uint64_t)sqlite3_column_int64(st, 0);
                r = 0;
        } else
                log_error("store: %s", sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
        return r;
}

struct state_change {
        const char *state, *by;
};

static void change_state(struct key_record *k, const void *ctx)
{
        const struct state_change *c = ctx;

        snprintf(k->state, sizeof(k->state), "%s", c->state);
        snprintf(k->disabled_by, sizeof(k->disabled_by), "%s", c->by ? c->by : "");
}

int sqlite_key_set_state(struct store *base, const char *id, const char *state, const char *by)
{
        struct sqlite_store *s = sqlite_of(base);
        const struct state_change c = { state, by };

        return key_rewrite(s, id, change_state, &c);
}

int sqlite_key_delete(struct store *base, const char *id)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_KEY_DELETE, "DELETE FROM keys WHERE id = ?1");

        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        return store_change_one(s, st);
}

struct uses {
        uint64_t n;
        int64_t when;
        const char *rhost, *service;
};

/* use_count is in the MAC: it decides usage_exceeded for keys with
 * max_uses, so resetting it in the database must not give a key more uses. */
static void change_uses(struct key_record *k, const void *ctx)
{
        const struct uses *u = ctx;

        k->use_count = k->use_count > (uint64_t)INT64_MAX - u->n ? (uint64_t)INT64_MAX : k->use_count + u->n;
        if (u->when > k->last_used_at)
                k->last_used_at = u->when;
        snprintf(k->last_used_from, sizeof(k->last_used_from), "%s", u->rhost ? u->rhost : "");
        snprintf(k->last_used_service, sizeof(k->last_used_service), "%s", u->service ? u->service : "");
}

/* Only the columns a use changes, by the rowid just read: a use touches the
 * row's page and no index (none covers these columns), where a rewrite of
 * the whole row updated up to four index B-trees, each at a random page
 * with a million keys (the writer's largest cost per login, issue 14).
 * Inside the caller's transaction (the writer's batch) the read and the one
 * UPDATE need no savepoint: nothing else writes in between, and a failed
 * UPDATE fails the batch, which is rolled back whole. */
static int write_uses(struct sqlite_store *s, int64_t rowid, const struct key_record *k)
{
        sqlite3_stmt *st = store_stmt_rebound(s, ST_KEY_USES,
                                              "UPDATE keys SET use_count = ?2, last_used_at = ?3, "
                                              "last_used_from = ?4, last_used_service = ?5, mac = ?6 "
                                              "WHERE rowid = ?1");
        uint8_t mac[ROWMAC_LEN];
        int r;

        if (!st)
                return -EIO;
        if (rowmac_key(s->row_key, k, mac) < 0)
                return -EINVAL;
        sqlite3_bind_int64(st, 1, rowid);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)k->use_count);
        sqlite3_bind_int64(st, 3, k->last_used_at);
        sqlite3_bind_text(st, 4, k->last_used_from, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, k->last_used_service, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, mac, ROWMAC_LEN, SQLITE_TRANSIENT);
        r = store_change_one(s, st);
        sodium_memzero(mac, sizeof(mac));
        return r;
}

int sqlite_key_add_uses(struct store *base, const char *id, int64_t row_hint, uint64_t n, int64_t when,
                        const char *rhost, const char *service)
{
        struct sqlite_store *s = sqlite_of(base);
        const struct uses u = { n, when, rhost, service };
        bool own = sqlite3_get_autocommit(s->db) != 0;
        struct key_record k;
        int r = own ? store_change_begin(s, &own) : 0;

        if (r < 0)
                return r;
        r = key_get_hinted(s, id, row_hint, &k);
        if (r == 0 && k.tampered) {
                log_error("store: key %s was changed outside apikeyd (its MAC does not match); not changing it", id);
                r = -EBADMSG;
        }
        if (r == 0) {
                change_uses(&k, &u);
                r = write_uses(s, k.row_hint, &k);
        }
        if (own)
                r = store_change_end(s, own, r);
        return r;
}

static void change_orphaned(struct key_record *k, const void *ctx)
{
        k->orphaned_at = *(const int64_t *)ctx;
}

int sqlite_key_set_orphaned(struct store *base, const char *id, int64_t when)
{
        struct sqlite_store *s = sqlite_of(base);
        struct key_record k;
        int64_t at = when > 0 ? when : 1;
        int r = sqlite_key_get(&s->base, id, &k);

        if (r == 0 && k.orphaned_at)
                return -ENOENT; /* already, for good */
        return r < 0 ? r : key_rewrite(s, id, change_orphaned, &at);
}

/* The next live owner after (name, uid) in keys_live_owners: SQLITE_ROW,
 * SQLITE_DONE or an error; st is left on its row for the caller. Two
 * searches, the same name with a larger uid, then a larger name: SQLite
 * seeks a row value "(owner_name, owner_uid) > (?1, ?2)" by owner_name
 * alone and then steps over every entry of that name, which read the whole
 * index at each step for an account with a million keys (150 ms on the
 * thread that answers logins, at start and every orphan scan). */
static int next_owner(struct sqlite_store *s, const char *name, int64_t uid, sqlite3_stmt **ret)
{
        sqlite3_stmt *same = store_stmt(s, ST_KEY_NEXT_OWNER_UID,
                                        "SELECT owner_name, owner_uid FROM keys INDEXED BY keys_live_owners "
                                        "WHERE owner_type = 'user' AND orphaned_at = 0 AND "
                                        "owner_name = ?1 AND owner_uid > ?2 ORDER BY owner_uid LIMIT 1");
        sqlite3_stmt *next = store_stmt(s, ST_KEY_NEXT_OWNER,
                                        "SELECT owner_name, owner_uid FROM keys INDEXED BY keys_live_owners "
                                        "WHERE owner_type = 'user' AND orphaned_at = 0 AND "
                                        "owner_name > ?1 ORDER BY owner_name, owner_uid LIMIT 1");
        int rc;

        if (!same || !next)
                return SQLITE_ERROR;
        sqlite3_bind_text(same, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(same, 2, uid);
        *ret = same;
        rc = sqlite3_step(same);
        if (rc != SQLITE_DONE)
                return rc;
        sqlite3_reset(same);
        sqlite3_bind_text(next, 1, name, -1, SQLITE_TRANSIENT);
        *ret = next;
        return sqlite3_step(next);
}

int sqlite_key_owners(struct store *base, store_owner_cb cb, void *userdata)
{
        struct sqlite_store *s = sqlite_of(base);
        /* Skips from one account to the next through keys_live_owners: as
         * many index searches as accounts, not a read of every key. */
        sqlite3_stmt *st = NULL;
        char name[PROTO_USER_MAX + 1] = "";
        int64_t uid = INT64_MIN;
        int rc, r = 0;

        for (;;) {
                rc = next_owner(s, name, uid, &st);
                if (rc != SQLITE_ROW)
                        break;
                /* A name longer than any we store would be cut, and the next
                 * search would find it again: refuse such a store. */
                if ((size_t)sqlite3_column_bytes(st, 0) >= sizeof(name)) {
                        sqlite3_reset(st);
                        log_error("store: an owner name longer than %zu bytes", sizeof(name) - 1);
                        return -EIO;
                }
                store_copy_text(st, 0, name, sizeof(name));
                uid = sqlite3_column_int64(st, 1);
                sqlite3_reset(st);
                r = cb(name, (uint32_t)uid, userdata);
                if (r < 0)
                        return r;
        }
        if (st)
                sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                return -EIO;
        }
        return 0;
}
