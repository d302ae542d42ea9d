/* store_sqlite_sid.c - the service_ids table. Every row carries its MAC
 * (rowmac.h): what a service ID logs in as is not the database's to say. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "log.h"
#include "rowmac.h"
#include "store_sqlite.h"

#define SID_COLUMNS "name, description, unix_user, unix_uid, locked, created_at, created_by, mac"

static void row_to_sid(struct sqlite_store *s, sqlite3_stmt *st, struct sid_record *r)
{
        uint8_t mac[ROWMAC_LEN];

        memset(r, 0, sizeof(*r));
        store_copy_text(st, 0, r->name, sizeof(r->name));
        store_copy_text(st, 1, r->description, sizeof(r->description));
        store_copy_text(st, 2, r->unix_user, sizeof(r->unix_user));
        r->unix_uid = sqlite3_column_int64(st, 3);
        r->locked = sqlite3_column_int(st, 4) != 0;
        r->created_at = sqlite3_column_int64(st, 5);
        store_copy_text(st, 6, r->created_by, sizeof(r->created_by));
        r->tampered = rowmac_sid(s->row_key, r, mac) < 0 || sqlite3_column_bytes(st, 7) != ROWMAC_LEN ||
                      sodium_memcmp(mac, sqlite3_column_blob(st, 7), ROWMAC_LEN) != 0;
}

static void bind_sid(sqlite3_stmt *st, const struct sid_record *r)
{
        sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->description, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->unix_user, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, r->unix_uid);
        sqlite3_bind_int(st, 5, r->locked);
        sqlite3_bind_int64(st, 6, r->created_at);
        sqlite3_bind_text(st, 7, r->created_by, -1, SQLITE_STATIC);
}

/* Binds ?8, the row's MAC. */
static int bind_mac(struct sqlite_store *s, sqlite3_stmt *st, const struct sid_record *r)
{
        uint8_t mac[ROWMAC_LEN];

        if (rowmac_sid(s->row_key, r, mac) < 0)
                return -EINVAL;
        sqlite3_bind_blob(st, 8, mac, ROWMAC_LEN, SQLITE_TRANSIENT);
        return 0;
}

int sqlite_sid_insert(struct store *base, const struct sid_record *r)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_SID_INSERT,
                                      "INSERT INTO service_ids (" SID_COLUMNS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
        if (!st)
                return -EIO;
        bind_sid(st, r);
        if (bind_mac(s, st, r) < 0)
                return -EINVAL;
        return store_step_done(s, st);
}

static int write_sid(struct sqlite_store *s, const struct sid_record *r)
{
        sqlite3_stmt *st = store_stmt(s, ST_SID_REWRITE,
                                      "UPDATE service_ids SET description = ?2, unix_user = ?3, unix_uid = ?4, "
                                      "locked = ?5, created_at = ?6, created_by = ?7, mac = ?8 WHERE name = ?1");
        if (!st)
                return -EIO;
        bind_sid(st, r);
        if (bind_mac(s, st, r) < 0)
                return -EINVAL;
        return store_change_one(s, st);
}

/* As key_rewrite (store_sqlite_keys.c): a row that fails its MAC is not
 * changed (-EBADMSG), so no update seals someone else's change. */
int sqlite_sid_update(struct store *base, const struct sid_record *r)
{
        struct sqlite_store *s = sqlite_of(base);
        struct sid_record cur;
        bool own;
        int e = store_change_begin(s, &own);

        if (e < 0)
                return e;
        e = sqlite_sid_get(&s->base, r->name, &cur);
        if (e == 0 && cur.tampered) {
                log_error("store: service ID %s was changed outside apikeyd (its MAC does not match); not changing it",
                          r->name);
                e = -EBADMSG;
        }
        if (e == 0) {
                memcpy(cur.description, r->description, sizeof(cur.description));
                memcpy(cur.unix_user, r->unix_user, sizeof(cur.unix_user));
                cur.unix_uid = r->unix_uid;
                cur.locked = r->locked;
                e = write_sid(s, &cur);
        }
        return store_change_end(s, own, e);
}

int store_sids_seal_all(struct sqlite_store *s)
{
        /* Migration only: every row as it is now becomes the row's truth. */
        sqlite3_stmt *st = NULL;
        struct sid_record r;
        int rc = SQLITE_DONE, e = 0;

        if (sqlite3_prepare_v2(s->db, "SELECT " SID_COLUMNS " FROM service_ids", -1, &st, NULL) != SQLITE_OK) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                sqlite3_finalize(st);
                return -EIO;
        }
        while (e == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                row_to_sid(s, st, &r);
                e = write_sid(s, &r);
        }
        if (e == 0 && rc != SQLITE_DONE) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                e = -EIO;
        }
        sqlite3_finalize(st);
        return e;
}

int sqlite_sid_get(struct store *base, const char *name, struct sid_record *ret)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_SID_GET, "SELECT " SID_COLUMNS " FROM service_ids WHERE name = ?1");
        int rc, r = 0;

        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                row_to_sid(s, st, ret);
        else if (rc == SQLITE_DONE)
                r = -ENOENT;
        else {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_reset(st);
        return r;
}

int sqlite_sid_delete(struct store *base, const char *name)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_SID_DELETE, "DELETE FROM service_ids WHERE name = ?1");

        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        return store_change_one(s, st);
}

struct sid_visit {
        struct sqlite_store *s;
        store_sid_cb cb;
        void *userdata;
        struct sid_record rec;
};

static int visit_sid(sqlite3_stmt *st, void *ctx)
{
        struct sid_visit *v = ctx;

        row_to_sid(v->s, st, &v->rec);
        return v->cb(&v->rec, v->userdata);
}

int sqlite_sid_list(struct store *base, store_sid_cb cb, void *userdata)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_stmt *st = store_stmt(s, ST_SID_LIST, "SELECT " SID_COLUMNS " FROM service_ids ORDER BY name");
        struct sid_visit v = { .s = s, .cb = cb, .userdata = userdata };

        return st ? store_each_row(s, st, visit_sid, &v) : -EIO;
}
