/* store_sqlite.c - the key store in one SQLite file (interface in store.h):
 * opening, migrations, transactions and the keys table.
 *
 * WAL with synchronous=NORMAL: a commit does not fsync. The daemon batches
 * uses and audit records and a thread of its own writes them and
 * checkpoints the WAL (writer.c), so the login path never waits for the
 * disk; a power loss can drop the last committed batches, never corrupt
 * the file. */
#include "store_sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "log.h"
#include "store_schema.h"

static int exec_sql(sqlite3 *db, const char *sql)
{
        char *err = NULL;

        int rc = sqlite3_exec(db, sql, NULL, NULL, &err);

        if (rc != SQLITE_OK) {
                log_error("store: %s", err ? err : sqlite3_errmsg(db));
                sqlite3_free(err);
                return (rc & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
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

static int check_version(sqlite3 *db)
{
        int version;

        if (read_user_version(db, &version) < 0) {
                log_error("store: %s", sqlite3_errmsg(db));
                return -EIO;
        }
        if (version > STORE_SCHEMA_VERSION) {
                log_error("store: database schema %d is newer than this apikeyd (%d); refusing to open", version,
                          STORE_SCHEMA_VERSION);
                return -EPROTONOSUPPORT;
        }
        return 0;
}

/* What a migration computes beyond its SQL, in the same transaction. */
static int migrate_code(struct store *s, int to_version)
{
        if (to_version == STORE_SCHEMA_ROW_MACS) {
                int r = store_keys_seal_all(s);
                return r < 0 ? r : store_sids_seal_all(s);
        }
        return 0;
}

static int migrate(struct store *s)
{
        sqlite3 *db = s->db;
        int version;
        char sql[64];

        if (read_user_version(db, &version) < 0)
                return -EIO;
        s->opened_version = version;
        for (; version < STORE_SCHEMA_VERSION; version++) {
                if (exec_sql(db, "BEGIN IMMEDIATE") < 0)
                        return -EIO;
                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
                if (exec_sql(db, store_migrations[version]) < 0 || migrate_code(s, version + 1) < 0 ||
                    exec_sql(db, sql) < 0) {
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

/* One connection with the store's settings; check_version and the
 * migrations are the caller's. */
static int open_connection(const char *path, struct store **ret)
{
        struct store *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                            NULL) != SQLITE_OK) {
                log_error("store: cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
                store_close(s);
                return -EIO;
        }
        sqlite3_extended_result_codes(s->db, 1);
        sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
        *ret = s;
        return 0;
}

static int set_modes(struct store *s)
{
        return exec_sql(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                               "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; "
                               "PRAGMA trusted_schema = OFF");
}

int store_open(const char *path, const uint8_t row_key[STORE_ROW_KEY_LEN], struct store **ret)
{
        struct store *s;
        int r;

        r = create_private(path);
        if (r == 0)
                r = open_connection(path, &s);
        if (r < 0)
                return r;
        memcpy(s->row_key, row_key, STORE_ROW_KEY_LEN);
        /* Before anything writes: a newer store is refused untouched (the
         * switch to WAL below would already rewrite its header). */
        r = check_version(s->db);
        if (r == 0)
                r = set_modes(s);
        if (r == 0)
                r = migrate(s);
        if (r < 0) {
                store_close(s);
                return r;
        }
        *ret = s;
        return 0;
}

int store_open_another(struct store *s, struct store **ret)
{
        const char *path = sqlite3_db_filename(s->db, "main");
        struct store *t;
        int r;

        if (!path || !*path)
                return -EINVAL;
        r = open_connection(path, &t);
        if (r == 0) {
                memcpy(t->row_key, s->row_key, STORE_ROW_KEY_LEN);
                t->opened_version = STORE_SCHEMA_VERSION;
        }
        if (r == 0 && (r = set_modes(t)) < 0)
                store_close(t);
        if (r == 0)
                *ret = t;
        return r;
}

int store_opened_version(const struct store *s)
{
        return s->opened_version;
}

void store_close(struct store *s)
{
        if (!s)
                return;
        sodium_memzero(s->row_key, sizeof(s->row_key));
        for (int i = 0; i < _ST_MAX; i++)
                sqlite3_finalize(s->stmt[i]);
        sqlite3_close(s->db);
        free(s);
}

int store_set_durable(struct store *s, bool durable)
{
        return exec_sql(s->db, durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

void store_set_busy_timeout(struct store *s, int ms)
{
        sqlite3_busy_timeout(s->db, ms);
}

static int on_wal_commit(void *userdata, sqlite3 *db, const char *name, int pages)
{
        struct store *s = userdata;

        (void)db;
        (void)name;
        s->wal_pages = pages;
        return SQLITE_OK;
}

int store_manual_checkpoints(struct store *s)
{
        /* Replaces the automatic checkpoint, which is itself a WAL hook. */
        sqlite3_wal_hook(s->db, on_wal_commit, s);
        return 0;
}

int store_wal_pages(const struct store *s)
{
        return s->wal_pages;
}

int store_checkpoint(struct store *s)
{
        int r = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

        if (r != SQLITE_OK && r != SQLITE_BUSY) {
                log_error("store: checkpoint: %s", sqlite3_errmsg(s->db));
                return -EIO;
        }
        return 0;
}

int store_exec(struct store *s, const char *sql)
{
        return exec_sql(s->db, sql);
}

int store_change_begin(struct store *s, bool *ret_own)
{
        *ret_own = sqlite3_get_autocommit(s->db) != 0;
        return exec_sql(s->db, *ret_own ? "BEGIN IMMEDIATE" : "SAVEPOINT store_change");
}

int store_change_end(struct store *s, bool own, int r)
{
        if (r == 0)
                return exec_sql(s->db, own ? "COMMIT" : "RELEASE store_change") < 0 ? -EIO : 0;
        /* A failed statement may have ended the transaction already. */
        if (!sqlite3_get_autocommit(s->db))
                exec_sql(s->db, own ? "ROLLBACK" : "ROLLBACK TO store_change; RELEASE store_change");
        return r;
}

int store_begin(struct store *s)
{
        return exec_sql(s->db, "BEGIN IMMEDIATE");
}

int store_commit(struct store *s)
{
        return exec_sql(s->db, "COMMIT");
}

void store_rollback(struct store *s)
{
        if (!sqlite3_get_autocommit(s->db))
                exec_sql(s->db, "ROLLBACK");
}

sqlite3_stmt *store_stmt(struct store *s, enum stmt_id id, const char *sql)
{
        if (!s->stmt[id] &&
            sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL) != SQLITE_OK) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                return NULL;
        }
        sqlite3_reset(s->stmt[id]);
        sqlite3_clear_bindings(s->stmt[id]);
        return s->stmt[id];
}

void store_copy_text(sqlite3_stmt *st, int col, char *out, size_t outsz)
{
        const unsigned char *t = sqlite3_column_text(st, col);

        snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

void store_bind_text_or_null(sqlite3_stmt *st, int col, const char *s)
{
        if (s)
                sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, col);
}

int store_each_row(struct store *s, sqlite3_stmt *st, int (*visit)(sqlite3_stmt *st, void *ctx), void *ctx)
{
        int rc, r = 0;

        while ((rc = sqlite3_step(st)) == SQLITE_ROW && (r = visit(st, ctx)) >= 0)
                ;
        if (r >= 0 && rc != SQLITE_DONE) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                r = -EIO;
        }
        sqlite3_reset(st);
        return r < 0 ? r : 0;
}

int store_step_done(struct store *s, sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
                return -EEXIST;
        log_error("store: %s", sqlite3_errmsg(s->db));
        return (rc & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
}

int store_change_one(struct store *s, sqlite3_stmt *st)
{
        int r = store_step_done(s, st);

        if (r == 0 && sqlite3_changes(s->db) != 1)
                return -ENOENT;
        return r;
}
