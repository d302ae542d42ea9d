/* store_sqlite.c - the key store in one SQLite file (interface in store.h).
 *
 * WAL with synchronous=NORMAL: a commit does not fsync, so recording a use on
 * every authentication costs no disk sync; a power loss can drop the last
 * uses (never a key change, which the caller's reply follows). */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

enum stmt_id {
        ST_INSERT,
        ST_GET,
        ST_LIST,
        ST_COUNT,
        ST_SET_STATE,
        ST_DELETE,
        ST_RECORD_USE,
        _ST_MAX
};

#define KEY_COLUMNS                                                                                   \
        "id, hash, kind, owner_type, owner_name, owner_uid, name, description, state, created_at, " \
        "created_by, last_used_at, last_used_from, last_used_service, use_count"

static const char *const stmt_sql[_ST_MAX] = {
        [ST_INSERT] = "INSERT INTO keys (" KEY_COLUMNS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
        [ST_GET] = "SELECT " KEY_COLUMNS " FROM keys WHERE id = ?1",
        [ST_LIST] = "SELECT " KEY_COLUMNS " FROM keys WHERE ?1 IS NULL OR "
                    "(owner_type = 'user' AND owner_name = ?1 AND owner_uid = ?2) ORDER BY created_at, id",
        [ST_COUNT] = "SELECT count(*) FROM keys WHERE ?1 IS NULL OR "
                     "(owner_type = 'user' AND owner_name = ?1 AND owner_uid = ?2)",
        [ST_SET_STATE] = "UPDATE keys SET state = ?2 WHERE id = ?1",
        [ST_DELETE] = "DELETE FROM keys WHERE id = ?1",
        [ST_RECORD_USE] = "UPDATE keys SET last_used_at = ?2, last_used_from = ?3, last_used_service = ?4, "
                          "use_count = use_count + 1 WHERE id = ?1",
};

/* Schema migrations: entry N brings user_version N to N + 1. Never edit a
 * released entry; append. Columns for the key model to come (expiry, service
 * IDs) are added by later entries. */
static const char *const migrations[] = {
        "CREATE TABLE keys ("
        "  id TEXT PRIMARY KEY NOT NULL,"
        "  hash BLOB NOT NULL CHECK (length(hash) = 32),"
        "  kind TEXT NOT NULL DEFAULT 'user',"
        "  owner_type TEXT NOT NULL,"
        "  owner_name TEXT NOT NULL,"
        "  owner_uid INTEGER,"
        "  name TEXT NOT NULL DEFAULT '',"
        "  description TEXT NOT NULL DEFAULT '',"
        "  state TEXT NOT NULL DEFAULT 'active',"
        "  created_at INTEGER NOT NULL,"
        "  created_by TEXT NOT NULL,"
        "  last_used_at INTEGER NOT NULL DEFAULT 0,"
        "  last_used_from TEXT NOT NULL DEFAULT '',"
        "  last_used_service TEXT NOT NULL DEFAULT '',"
        "  use_count INTEGER NOT NULL DEFAULT 0"
        ") STRICT;"
        "CREATE INDEX keys_owner ON keys (owner_type, owner_name);",
};

struct store {
        sqlite3 *db;
        sqlite3_stmt *stmt[_ST_MAX];
};

static int exec_sql(sqlite3 *db, const char *sql)
{
        char *err = NULL;

        if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
                log_error("store: %s", err ? err : sqlite3_errmsg(db));
                sqlite3_free(err);
                return -EIO;
        }
        return 0;
}

static int read_user_version(sqlite3 *db, int *ret)
{
        sqlite3_stmt *st = NULL;
        int r = -EIO;

        if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
                *ret = sqlite3_column_int(st, 0);
                r = 0;
        }
        sqlite3_finalize(st);
        return r;
}

static int migrate(sqlite3 *db)
{
        const int target = (int)(sizeof(migrations) / sizeof(migrations[0]));
        int version;
        char sql[64];

        if (read_user_version(db, &version) < 0)
                return -EIO;
        if (version > target) {
                log_error("store: database schema %d is newer than this apikeyd (%d); refusing to open", version,
                          target);
                return -EPROTONOSUPPORT;
        }
        for (; version < target; version++) {
                if (exec_sql(db, "BEGIN IMMEDIATE") < 0)
                        return -EIO;
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
                if (exec_sql(db, migrations[version]) < 0 || exec_sql(db, sql) < 0) {
                        exec_sql(db, "ROLLBACK");
                        return -EIO;
                }
                if (exec_sql(db, "COMMIT") < 0)
                        return -EIO;
                log_info("store: migrated schema to version %d", version + 1);
        }
        return 0;
}

/* Creates the file 0600 ourselves: SQLite would honour the umask, and its
 * -wal and -shm files copy the database file's mode. */
static int create_private(const char *path)
{
        int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        struct stat st;

        if (fd < 0) {
                log_error("store: cannot open %s: %m", path);
                return -errno;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077)) {
                log_error("store: %s must be a regular file owned by uid %u with mode 0600", path,
                          (unsigned)geteuid());
                close(fd);
                return -EPERM;
        }
        close(fd);
        return 0;
}

int store_open(const char *path, struct store **ret)
{
        struct store *s;
        int r;

        r = create_private(path);
        if (r < 0)
                return r;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                            NULL) != SQLITE_OK) {
                log_error("store: cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
                store_close(s);
                return -EIO;
        }
        sqlite3_extended_result_codes(s->db, 1);
        sqlite3_busy_timeout(s->db, 5000);
        r = exec_sql(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                            "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF");
        if (r == 0)
                r = migrate(s->db);
        for (int i = 0; r == 0 && i < _ST_MAX; i++)
                if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) !=
                    SQLITE_OK) {
                        log_error("store: %s", sqlite3_errmsg(s->db));
                        r = -EIO;
                }
        if (r < 0) {
                store_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

void store_close(struct store *s)
{
        if (!s)
                return;
        for (int i = 0; i < _ST_MAX; i++)
                sqlite3_finalize(s->stmt[i]);
        sqlite3_close(s->db);
        free(s);
}

/* Borrows a cached statement, reset and unbound. */
static sqlite3_stmt *stmt(struct store *s, enum stmt_id id)
{
        sqlite3_reset(s->stmt[id]);
        sqlite3_clear_bindings(s->stmt[id]);
        return s->stmt[id];
}

static void copy_text(sqlite3_stmt *st, int col, char *out, size_t outsz)
{
        const unsigned char *t = sqlite3_column_text(st, col);

        snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

static int row_to_record(sqlite3_stmt *st, struct key_record *k)
{
        memset(k, 0, sizeof(*k));
        if (sqlite3_column_bytes(st, 1) != KEY_HASH_LEN)
                return -EIO;
        copy_text(st, 0, k->id, sizeof(k->id));
        memcpy(k->hash, sqlite3_column_blob(st, 1), KEY_HASH_LEN);
        copy_text(st, 2, k->kind, sizeof(k->kind));
        copy_text(st, 3, k->owner_type, sizeof(k->owner_type));
        copy_text(st, 4, k->owner_name, sizeof(k->owner_name));
        k->owner_uid = (uint32_t)sqlite3_column_int64(st, 5);
        copy_text(st, 6, k->name, sizeof(k->name));
        copy_text(st, 7, k->description, sizeof(k->description));
        copy_text(st, 8, k->state, sizeof(k->state));
        k->created_at = sqlite3_column_int64(st, 9);
        copy_text(st, 10, k->created_by, sizeof(k->created_by));
        k->last_used_at = sqlite3_column_int64(st, 11);
        copy_text(st, 12, k->last_used_from, sizeof(k->last_used_from));
        copy_text(st, 13, k->last_used_service, sizeof(k->last_used_service));
        k->use_count = (uint64_t)sqlite3_column_int64(st, 14);
        return 0;
}

static int step_done(struct store *s, sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                return -EEXIST;
        log_error("store: %s", sqlite3_errmsg(s->db));
        return -EIO;
}

int store_key_insert(struct store *s, const struct key_record *k)
{
        sqlite3_stmt *st = stmt(s, ST_INSERT);

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
        return step_done(s, st);
}

int store_key_get(struct store *s, const char *id, struct key_record *ret)
{
        sqlite3_stmt *st = stmt(s, ST_GET);
        int rc, r;

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                r = row_to_record(st, ret);
        else if (rc == SQLITE_DONE)
                r = -ENOENT;
        else {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_reset(st);
        return r;
}

static void bind_owner(sqlite3_stmt *st, const char *owner_name, uint32_t owner_uid)
{
        if (owner_name)
                sqlite3_bind_text(st, 1, owner_name, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 1);
        sqlite3_bind_int64(st, 2, owner_uid);
}

int store_key_list(struct store *s, const char *owner_name, uint32_t owner_uid, store_key_cb cb, void *userdata)
{
        sqlite3_stmt *st = stmt(s, ST_LIST);
        struct key_record k;
        int rc, r = 0;

        bind_owner(st, owner_name, owner_uid);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                r = row_to_record(st, &k);
                if (r == 0)
                        r = cb(&k, userdata);
                if (r < 0)
                        break;
        }
        if (r == 0 && rc != SQLITE_DONE) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_reset(st);
        return r;
}

int store_key_count(struct store *s, const char *owner_name, uint32_t owner_uid, uint64_t *ret)
{
        sqlite3_stmt *st = stmt(s, ST_COUNT);
        int r = -EIO;

        bind_owner(st, owner_name, owner_uid);
        if (sqlite3_step(st) == SQLITE_ROW) {
                *ret = (uint64_t)sqlite3_column_int64(st, 0);
                r = 0;
        } else
                log_error("store: %s", sqlite3_errmsg(s->db));
        sqlite3_reset(st);
        return r;
}

/* Runs a one-row UPDATE/DELETE by key ID: -ENOENT when no row matched. */
static int change_one(struct store *s, sqlite3_stmt *st)
{
        int r = step_done(s, st);

        if (r == 0 && sqlite3_changes(s->db) != 1)
                return -ENOENT;
        return r;
}

int store_key_set_state(struct store *s, const char *id, const char *state)
{
        sqlite3_stmt *st = stmt(s, ST_SET_STATE);

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
        return change_one(s, st);
}

int store_key_delete(struct store *s, const char *id)
{
        sqlite3_stmt *st = stmt(s, ST_DELETE);

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        return change_one(s, st);
}

int store_key_record_use(struct store *s, const char *id, int64_t when, const char *rhost, const char *service)
{
        sqlite3_stmt *st = stmt(s, ST_RECORD_USE);

        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, when);
        sqlite3_bind_text(st, 3, rhost ? rhost : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, service ? service : "", -1, SQLITE_STATIC);
        return change_one(s, st);
}
