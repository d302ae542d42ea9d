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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>

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
static int migrate_code(struct sqlite_store *s, int to_version)
{
        if (to_version == STORE_SCHEMA_ROW_MACS) {
                int r = store_keys_seal_all(s);
                return r < 0 ? r : store_sids_seal_all(s);
        }
        return 0;
}

#define MIGRATION_TIMEOUT_USEC (30ULL * 60 * 1000000) /* a step may take this long before systemd gives up */

/* apikey_key_rowid(id): key_id_number() for the migration to schema 8. */
static void sql_key_rowid(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
        const unsigned char *id = argc == 1 ? sqlite3_value_text(argv[0]) : NULL;

        sqlite3_result_int64(ctx, id ? key_id_number((const char *)id) : 0);
}

static int migrate(struct sqlite_store *s)
{
        sqlite3 *db = s->db;
        int version;
        char sql[64];

        if (read_user_version(db, &version) < 0)
                return -EIO;
        if (version < STORE_SCHEMA_VERSION &&
            sqlite3_create_function_v2(db, "apikey_key_rowid", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
                                       NULL, sql_key_rowid, NULL, NULL, NULL) != SQLITE_OK) {
                log_error("store: %s", sqlite3_errmsg(db));
                return -EIO;
        }
        s->opened_version = version;
        for (; version < STORE_SCHEMA_VERSION; version++) {
                /* Some migrations touch every row (8 moves each key: about
                 * 20 s for a million on a small VM). Under systemd, a start
                 * that outlasts TimeoutStartSec= is killed, the migration's
                 * one transaction rolls back, and the next start begins it
                 * again: ask for time first, each step (a no-op elsewhere). */
                (void)sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=Migrating the store to schema %d",
                                 MIGRATION_TIMEOUT_USEC, version + 1);
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

/* SQLite counts every allocation under a global mutex unless told not
 * to (SQLITE_CONFIG_MEMSTATUS), which we never read: a lock and an unlock
 * per malloc and free, about 2 % of the daemon's CPU per login (issue 14).
 * It can only be set before SQLite initialises; if something in the
 * process did that first, the call fails and nothing else changes. */
static void configure_sqlite(void)
{
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* One connection with the store's settings; check_version and the
 * migrations are the caller's. */
static int open_connection(const char *path, struct sqlite_store **ret)
{
        static pthread_once_t configured = PTHREAD_ONCE_INIT;
        struct sqlite_store *s;

        (void)pthread_once(&configured, configure_sqlite);
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->base.ops = &store_sqlite_ops;
        if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                            NULL) != SQLITE_OK) {
                log_error("store: cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
                sqlite_close(&s->base);
                return -EIO;
        }
        sqlite3_extended_result_codes(s->db, 1);
        sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
        *ret = s;
        return 0;
}

static int set_modes(struct sqlite_store *s)
{
        return exec_sql(s->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                               "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; "
                               "PRAGMA trusted_schema = OFF");
}

int sqlite_open(const char *path, const uint8_t row_key[STORE_ROW_KEY_LEN], struct store **ret)
{
        struct sqlite_store *s;
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
                sqlite_close(&s->base);
                return r;
        }
        *ret = &s->base;
        return 0;
}

int sqlite_open_another(struct store *base, struct store **ret)
{
        struct sqlite_store *s = sqlite_of(base);
        const char *path = sqlite3_db_filename(s->db, "main");
        struct sqlite_store *t;
        int r;

        if (!path || !*path)
                return -EINVAL;
        r = open_connection(path, &t);
        if (r == 0) {
                memcpy(t->row_key, s->row_key, STORE_ROW_KEY_LEN);
                t->opened_version = STORE_SCHEMA_VERSION;
        }
        if (r == 0 && (r = set_modes(t)) < 0)
                sqlite_close(&t->base);
        if (r == 0)
                *ret = &t->base;
        return r;
}

int sqlite_opened_version(const struct store *base)
{
        const struct sqlite_store *s = sqlite_of(base);
        return s->opened_version;
}

void sqlite_close(struct store *base)
{
        struct sqlite_store *s = sqlite_of(base);
        if (!s)
                return;
        sodium_memzero(s->row_key, sizeof(s->row_key));
        for (int i = 0; i < _ST_MAX; i++)
                sqlite3_finalize(s->stmt[i]);
        sqlite3_close(s->db);
        free(s);
}

int sqlite_set_durable(struct store *base, bool durable)
{
        struct sqlite_store *s = sqlite_of(base);
        return exec_sql(s->db, durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

void sqlite_set_busy_timeout(struct store *base, int ms)
{
        struct sqlite_store *s = sqlite_of(base);
        sqlite3_busy_timeout(s->db, ms);
}

static int on_wal_commit(void *userdata, sqlite3 *db, const char *name, int pages)
{
        struct sqlite_store *s = userdata;

        (void)db;
        (void)name;
        s->wal_pages = pages;
        return SQLITE_OK;
}

int sqlite_manual_checkpoints(struct store *base)
{
        struct sqlite_store *s = sqlite_of(base);
        /* Replaces the automatic checkpoint, which is itself a WAL hook. */
        sqlite3_wal_hook(s->db, on_wal_commit, s);
        return 0;
}

int sqlite_wal_pages(const struct store *base)
{
        const struct sqlite_store *s = sqlite_of(base);
        return s->wal_pages;
}

int sqlite_checkpoint(struct store *base)
{
        struct sqlite_store *s = sqlite_of(base);
        int r = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

        if (r != SQLITE_OK && r != SQLITE_BUSY) {
                log_error("store: checkpoint: %s", sqlite3_errmsg(s->db));
                return -EIO;
        }
        return 0;
}

int store_exec(struct sqlite_store *s, const char *sql)
{
        return exec_sql(s->db, sql);
}

int store_change_begin(struct sqlite_store *s, bool *ret_own)
{
        *ret_own = sqlite3_get_autocommit(s->db) != 0;
        return exec_sql(s->db, *ret_own ? "BEGIN IMMEDIATE" : "SAVEPOINT store_change");
}

int store_change_end(struct sqlite_store *s, bool own, int r)
{
        if (r == 0)
                return exec_sql(s->db, own ? "COMMIT" : "RELEASE store_change") < 0 ? -EIO : 0;
        /* A failed statement may have ended the transaction already. */
        if (!sqlite3_get_autocommit(s->db))
                exec_sql(s->db, own ? "ROLLBACK" : "ROLLBACK TO store_change; RELEASE store_change");
        return r;
}

int sqlite_begin(struct store *base)
{
        struct sqlite_store *s = sqlite_of(base);
        return exec_sql(s->db, "BEGIN IMMEDIATE");
}

int sqlite_commit(struct store *base)
{
        struct sqlite_store *s = sqlite_of(base);
        return exec_sql(s->db, "COMMIT");
}

void sqlite_rollback(struct store *base)
{
        struct sqlite_store *s = sqlite_of(base);
        if (!sqlite3_get_autocommit(s->db))
                exec_sql(s->db, "ROLLBACK");
}

sqlite3_stmt *store_stmt_rebound(struct sqlite_store *s, enum stmt_id id, const char *sql)
{
        if (!s->stmt[id] &&
            sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[id], NULL) != SQLITE_OK) {
                log_error("store: %s", sqlite3_errmsg(s->db));
                return NULL;
        }
        sqlite3_reset(s->stmt[id]);
        return s->stmt[id];
}

sqlite3_stmt *store_stmt(struct sqlite_store *s, enum stmt_id id, const char *sql)
{
        sqlite3_stmt *st = store_stmt_rebound(s, id, sql);

        if (st)
                sqlite3_clear_bindings(st);
        return st;
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

int store_each_row(struct sqlite_store *s, sqlite3_stmt *st, int (*visit)(sqlite3_stmt *st, void *ctx), void *ctx)
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

int store_step_done(struct sqlite_store *s, sqlite3_stmt *st)
{
        int rc = sqlite3_step(st);

        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
                return 0;
        /* A key's rowid is its ID's number: the same ID is taken twice. */
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_ROWID)
                return -EEXIST;
        log_error("store: %s", sqlite3_errmsg(s->db));
        return (rc & 0xff) == SQLITE_FULL ? -ENOSPC : -EIO;
}

int store_change_one(struct sqlite_store *s, sqlite3_stmt *st)
{
        int r = store_step_done(s, st);

        if (r == 0 && sqlite3_changes(s->db) != 1)
                return -ENOENT;
        return r;
}

/* One host, one file: no host name, no scopes. */
static const char *sqlite_host(const struct store *base)
{
        (void)base;
        return "";
}

/* Only this daemon writes uses to its file, so usage.c's in-memory count
 * (pending and being written) is exact, and the login path never waits
 * for the writer thread's lock: uses stay batched. */
static int sqlite_key_claim_use(struct store *base, const char *id, int64_t when, const char *rhost,
                                const char *service)
{
        (void)base, (void)id, (void)when, (void)rhost, (void)service;
        return -EOPNOTSUPP;
}

/* Every key in the file works on this host: none is anywhere else. */
static int sqlite_key_elsewhere(struct store *base, const char *id, const uint8_t hash[KEY_HASH_LEN], bool *ret)
{
        (void)base, (void)id, (void)hash;
        *ret = false;
        return 0;
}

/* The store's one row key is this host's already. */
static void sqlite_set_host_row_key(struct store *base, const uint8_t key[STORE_ROW_KEY_LEN])
{
        (void)base, (void)key;
}

/* A file on this host is never out of reach the way a server is; its
 * failures are errors of each call. */
static int64_t sqlite_offline_since(const struct store *base)
{
        (void)base;
        return 0;
}

static int sqlite_audit_hosts(struct store *base, store_host_cb cb, void *userdata)
{
        (void)base;
        return cb("", userdata);
}

const struct store_ops store_sqlite_ops = {
        .name = "sqlite",
        .open_another = sqlite_open_another,
        .opened_version = sqlite_opened_version,
        .close = sqlite_close,
        .host = sqlite_host,
        .set_host_row_key = sqlite_set_host_row_key,
        .offline_since = sqlite_offline_since,
        .begin = sqlite_begin,
        .commit = sqlite_commit,
        .rollback = sqlite_rollback,
        .set_durable = sqlite_set_durable,
        .set_busy_timeout = sqlite_set_busy_timeout,
        .manual_checkpoints = sqlite_manual_checkpoints,
        .wal_pages = sqlite_wal_pages,
        .checkpoint = sqlite_checkpoint,
        .key_insert = sqlite_key_insert,
        .key_get = sqlite_key_get,
        .key_update = sqlite_key_update,
        .key_list = sqlite_key_list,
        .key_count = sqlite_key_count,
        .key_set_state = sqlite_key_set_state,
        .key_delete = sqlite_key_delete,
        .key_set_orphaned = sqlite_key_set_orphaned,
        .key_owners = sqlite_key_owners,
        .key_add_uses = sqlite_key_add_uses,
        .key_add_uses_batch = store_key_add_uses_each,
        .key_claim_use = sqlite_key_claim_use,
        .key_elsewhere = sqlite_key_elsewhere,
        .sid_insert = sqlite_sid_insert,
        .sid_get = sqlite_sid_get,
        .sid_update = sqlite_sid_update,
        .sid_delete = sqlite_sid_delete,
        .sid_list = sqlite_sid_list,
        .audit_append = sqlite_audit_append,
        .audit_last = sqlite_audit_last,
        .audit_hash_at = sqlite_audit_hash_at,
        .audit_first = sqlite_audit_first,
        .audit_list = sqlite_audit_list,
        .audit_last_event = sqlite_audit_last_event,
        .audit_prune = sqlite_audit_prune,
        .audit_prune_seq = sqlite_audit_prune_seq,
        .audit_hosts = sqlite_audit_hosts,
};
