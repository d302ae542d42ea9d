/* store_sqlite_sid.c - the service_ids table. */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "store_sqlite.h"

#define SID_COLUMNS "name, description, unix_user, unix_uid, locked, created_at, created_by"

static void row_to_sid(sqlite3_stmt *st, struct sid_record *r)
{
        memset(r, 0, sizeof(*r));
        store_copy_text(st, 0, r->name, sizeof(r->name));
        store_copy_text(st, 1, r->description, sizeof(r->description));
        store_copy_text(st, 2, r->unix_user, sizeof(r->unix_user));
        r->unix_uid = sqlite3_column_int64(st, 3);
        r->locked = sqlite3_column_int(st, 4) != 0;
        r->created_at = sqlite3_column_int64(st, 5);
        store_copy_text(st, 6, r->created_by, sizeof(r->created_by));
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

int store_sid_insert(struct store *s, const struct sid_record *r)
{
        sqlite3_stmt *st = store_stmt(s, ST_SID_INSERT,
                                      "INSERT INTO service_ids (" SID_COLUMNS ") VALUES (?1,?2,?3,?4,?5,?6,?7)");
        if (!st)
                return -EIO;
        bind_sid(st, r);
        return store_step_done(s, st);
}

int store_sid_update(struct store *s, const struct sid_record *r)
{
        sqlite3_stmt *st = store_stmt(s, ST_SID_UPDATE,
                                      "UPDATE service_ids SET description = ?2, unix_user = ?3, unix_uid = ?4, "
                                      "locked = ?5 WHERE name = ?1");
        if (!st)
                return -EIO;
        bind_sid(st, r);
        return store_change_one(s, st);
}

int store_sid_get(struct store *s, const char *name, struct sid_record *ret)
{
        sqlite3_stmt *st = store_stmt(s, ST_SID_GET, "SELECT " SID_COLUMNS " FROM service_ids WHERE name = ?1");
        int rc, r = 0;

        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                row_to_sid(st, ret);
        else if (rc == SQLITE_DONE)
                r = -ENOENT;
        else {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_reset(st);
        return r;
}

int store_sid_delete(struct store *s, const char *name)
{
        sqlite3_stmt *st = store_stmt(s, ST_SID_DELETE, "DELETE FROM service_ids WHERE name = ?1");

        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        return store_change_one(s, st);
}

struct sid_visit {
        store_sid_cb cb;
        void *userdata;
        struct sid_record rec;
};

static int visit_sid(sqlite3_stmt *st, void *ctx)
{
        struct sid_visit *v = ctx;

        row_to_sid(st, &v->rec);
        return v->cb(&v->rec, v->userdata);
}

int store_sid_list(struct store *s, store_sid_cb cb, void *userdata)
{
        sqlite3_stmt *st = store_stmt(s, ST_SID_LIST, "SELECT " SID_COLUMNS " FROM service_ids ORDER BY name");
        struct sid_visit v = { .cb = cb, .userdata = userdata };

        return st ? store_each_row(s, st, visit_sid, &v) : -EIO;
}
