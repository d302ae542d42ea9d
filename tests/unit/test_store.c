/* test_store.c - the SQLite store through its interface, on a real file:
 * insert, get, list by owner, count, state, use recording, delete,
 * ID collision, file mode, reopen (migration is idempotent), and refusal of
 * a database from a newer schema. Also the keyed hash and minting. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../apikeyd/hashkey.h"
#include "../../apikeyd/log.h"
#include "../../apikeyd/store.h"
#include "check.h"

/* The row MAC key the daemon would derive from its installation secret. */
static const uint8_t test_row_key[STORE_ROW_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static struct key_record make_record(const char *id, const char *owner, uint32_t uid)
{
        struct key_record k = { .kind = "user", .owner_type = "user", .state = "active", .created_at = 1000 };

        snprintf(k.id, sizeof(k.id), "%s", id);
        snprintf(k.owner_name, sizeof(k.owner_name), "%s", owner);
        snprintf(k.created_by, sizeof(k.created_by), "%s", owner);
        snprintf(k.name, sizeof(k.name), "name-%s", id);
        k.owner_uid = uid;
        memset(k.hash, id[0], sizeof(k.hash));
        return k;
}

static int count_cb(const struct key_record *k, void *userdata)
{
        (void)k;
        (*(int *)userdata)++;
        return 0;
}

static int stop_cb(const struct key_record *k, void *userdata)
{
        (void)k;
        (void)userdata;
        return -ECANCELED;
}

static void test_crud(const char *path)
{
        struct store *s = NULL;
        struct key_record a = make_record("aaaaaaaaaaaa", "alice", 1001);
        struct key_record b = make_record("bbbbbbbbbbbb", "bob", 1002);
        struct key_record got;
        struct key_filter alice_f = { .owner_type = "user", .owner_name = "alice", .owner_uid = 1001 };
        struct key_filter bob_f = { .owner_type = "user", .owner_name = "bob", .owner_uid = 1002 };
        struct stat st;
        uint64_t n = 0;
        int listed = 0;

        CHECK(store_open(path, test_row_key, &s) == 0 && s, "store opens and creates %s", path);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "database file has mode 0600");
        CHECK(store_key_insert(s, &a) == 0, "insert alice's key");
        CHECK(store_key_insert(s, &b) == 0, "insert bob's key");
        CHECK(store_key_insert(s, &a) == -EEXIST, "inserting the same ID again gives -EEXIST");
        CHECK(store_key_get(s, "aaaaaaaaaaaa", &got) == 0, "get by ID");
        CHECK(strcmp(got.owner_name, "alice") == 0 && got.owner_uid == 1001 && strcmp(got.state, "active") == 0 &&
                      strcmp(got.name, "name-aaaaaaaaaaaa") == 0 && got.created_at == 1000 &&
                      memcmp(got.hash, a.hash, KEY_HASH_LEN) == 0,
              "get returns every stored field");
        CHECK(store_key_get(s, "zzzzzzzzzzzz", &got) == -ENOENT, "unknown ID gives -ENOENT");
        CHECK(store_key_list(s, &alice_f, count_cb, &listed) == 0 && listed == 1, "list alice's keys: 1");
        listed = 0;
        alice_f.owner_uid = 1002;
        CHECK(store_key_list(s, &alice_f, count_cb, &listed) == 0 && listed == 0,
              "list with a different uid for the name: 0 (recycled uid inherits nothing)");
        listed = 0;
        CHECK(store_key_list(s, NULL, count_cb, &listed) == 0 && listed == 2, "list all: 2");
        CHECK(store_key_list(s, NULL, stop_cb, NULL) == -ECANCELED, "a callback error stops the listing");
        CHECK(store_key_count(s, NULL, &n) == 0 && n == 2, "count all: 2");
        CHECK(store_key_count(s, &bob_f, &n) == 0 && n == 1, "count bob's: 1");
        CHECK(store_key_set_state(s, "aaaaaaaaaaaa", "disabled", "leak") == 0 &&
                      store_key_get(s, "aaaaaaaaaaaa", &got) == 0 && strcmp(got.state, "disabled") == 0 &&
                      strcmp(got.disabled_by, "leak") == 0,
              "set state to disabled, by a leak action");
        CHECK(store_key_set_state(s, "zzzzzzzzzzzz", "disabled", "owner") == -ENOENT, "set state of unknown ID: -ENOENT");
        CHECK(store_key_add_uses(s, "bbbbbbbbbbbb", 0, 1, 2000, "192.0.2.1", "sshd") == 0 &&
                      store_key_add_uses(s, "bbbbbbbbbbbb", 0, 2, 3000, NULL, "sudo") == 0,
              "record a use, then a batch of two");
        CHECK(store_key_get(s, "bbbbbbbbbbbb", &got) == 0 && got.use_count == 3 && got.last_used_at == 3000 &&
                      strcmp(got.last_used_service, "sudo") == 0 && got.last_used_from[0] == '\0',
              "uses counted, last use recorded");
        CHECK(store_key_add_uses(s, "zzzzzzzzzzzz", 0, 1, 1, NULL, NULL) == -ENOENT, "uses of an unknown key: -ENOENT");
        CHECK(store_key_delete(s, "aaaaaaaaaaaa") == 0, "delete");
        CHECK(store_key_delete(s, "aaaaaaaaaaaa") == -ENOENT, "delete again: -ENOENT");
        CHECK(store_key_get(s, "aaaaaaaaaaaa", &got) == -ENOENT, "deleted key is gone");
        store_close(s);

        s = NULL;
        CHECK(store_open(path, test_row_key, &s) == 0, "reopen an existing store");
        CHECK(s && store_key_get(s, "bbbbbbbbbbbb", &got) == 0 && got.use_count == 3, "data survives reopen");
        store_close(s);
}

static void test_newer_schema_refused(const char *path)
{
        struct store *s = NULL;
        sqlite3 *db = NULL;

        CHECK(sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK,
              "mark the database as schema 99");
        sqlite3_close(db);
        CHECK(store_open(path, test_row_key, &s) == -EPROTONOSUPPORT && !s, "a newer schema is refused, not clobbered");
}

static void test_unsafe_file_refused(const char *path)
{
        struct store *s = NULL;

        CHECK(chmod(path, 0644) == 0, "make the database world-readable");
        CHECK(store_open(path, test_row_key, &s) == -EPERM && !s, "a world-readable database is refused");
        unlink(path);
        CHECK(symlink("/etc/passwd", path) == 0, "plant a symlink at the database path");
        CHECK(store_open(path, test_row_key, &s) < 0 && !s, "a symlinked database path is refused");
        unlink(path);
}

static void test_hashkey(const char *dir)
{
        char path[512], id[KEY_ID_LEN + 1], secret[KEY_SECRET_LEN + 1], key[KEY_LEN + 1];
        struct hashkey hk1, hk2;
        uint8_t h1[KEY_HASH_LEN], h2[KEY_HASH_LEN];
        struct key_parts parts;
        struct stat st;

        snprintf(path, sizeof(path), "%s/hash.key", dir);
        CHECK(hashkey_load(path, true, &hk1) == 0, "installation secret created");
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32, "secret file is 0600, 32 bytes");
        CHECK(hashkey_load(path, true, &hk2) == 0 && memcmp(hk1.k, hk2.k, sizeof(hk1.k)) == 0, "secret reloads the same");
        hashkey_mint(id, secret);
        CHECK(key_id_valid(id) && strlen(secret) == KEY_SECRET_LEN, "minted ID and secret have the format");
        CHECK(key_format(id, secret, key, sizeof(key)) == 0 && key_parse(key, &parts) == 0 &&
                      strcmp(parts.id, id) == 0 && strcmp(parts.secret, secret) == 0,
              "minted key round-trips through the parser");
        hashkey_hash(&hk1, id, secret, h1);
        hashkey_hash(&hk2, id, secret, h2);
        CHECK(memcmp(h1, h2, sizeof(h1)) == 0, "hash is deterministic");
        secret[0] = secret[0] == 'A' ? 'B' : 'A';
        hashkey_hash(&hk1, id, secret, h2);
        CHECK(memcmp(h1, h2, sizeof(h1)) != 0, "one secret character changes the hash");
        hk2.k[0] ^= 1;
        secret[0] = parts.secret[0];
        hashkey_hash(&hk2, id, secret, h2);
        CHECK(memcmp(h1, h2, sizeof(h1)) != 0, "another installation secret gives another hash");
        CHECK(chmod(path, 0640) == 0 && hashkey_load(path, true, &hk2) == -EPERM, "a group-readable secret is refused");
        hashkey_wipe(&hk1);
        hashkey_wipe(&hk2);
}

static void test_key_model(const char *path)
{
        struct store *s = NULL;
        struct key_record c1 = make_record("cccccccccccc", "carol", 1003), c2 = make_record("dddddddddddd", "carol", 1003);
        struct key_record got;
        struct key_filter f = KEY_FILTER_ANY;
        uint64_t n = 0;

        CHECK(store_open(path, test_row_key, &s) == 0, "open a fresh store for the key model");
        snprintf(c1.kind, sizeof(c1.kind), "classic");
        snprintf(c2.kind, sizeof(c2.kind), "classic");
        CHECK(store_key_insert(s, &c1) == 0, "insert carol's classic key");
        CHECK(store_key_insert(s, &c2) == -EEXIST, "a second classic key for carol is refused by the store");
        snprintf(c1.rotated_to, sizeof(c1.rotated_to), "dddddddddddd");
        c1.expires_at = 5000;
        c1.locked = true;
        snprintf(c1.locked_by, sizeof(c1.locked_by), "admin");
        snprintf(c1.disabled_by, sizeof(c1.disabled_by), "owner");
        snprintf(c1.services, sizeof(c1.services), "sshd,sudo");
        snprintf(c1.sources, sizeof(c1.sources), "10.0.0.0/8");
        c1.max_uses = 7;
        snprintf(c1.leak_action, sizeof(c1.leak_action), "delete");
        CHECK(store_key_update(s, &c1) == 0, "update every mutable field");
        CHECK(store_key_get(s, c1.id, &got) == 0 && got.expires_at == 5000 && got.locked &&
                      strcmp(got.services, "sshd,sudo") == 0 && strcmp(got.sources, "10.0.0.0/8") == 0 &&
                      got.max_uses == 7 && strcmp(got.leak_action, "delete") == 0 &&
                      strcmp(got.rotated_to, "dddddddddddd") == 0 && strcmp(got.locked_by, "admin") == 0 &&
                      strcmp(got.disabled_by, "owner") == 0,
              "the update round-trips");
        CHECK(store_key_insert(s, &c2) == 0, "a rotated classic key does not block its successor");
        f.kind = "classic";
        CHECK(store_key_count(s, &f, &n) == 0 && n == 2, "filter by kind");
        f = (struct key_filter)KEY_FILTER_ANY;
        f.expired_before = 6000;
        CHECK(store_key_count(s, &f, &n) == 0 && n == 1, "filter keys expired before a time");
        f = (struct key_filter)KEY_FILTER_ANY;
        f.unused_since = 1500;
        CHECK(store_key_count(s, &f, &n) == 0 && n == 2, "both keys unused since 1500");
        CHECK(store_key_add_uses(s, c2.id, 0, 1, 2000, NULL, NULL) == 0, "use one key at 2000");
        CHECK(store_key_count(s, &f, &n) == 0 && n == 1, "now only one key is inactive");
        store_close(s);
}

static int count_sid(const struct sid_record *r, void *userdata)
{
        (void)r;
        (*(int *)userdata)++;
        return 0;
}

static void test_service_ids(const char *path)
{
        struct store *s = NULL;
        struct sid_record r = { .name = "backup", .description = "nightly", .unix_uid = -1, .created_at = 1,
                                .created_by = "root" }, got;
        int n = 0;

        CHECK(store_open(path, test_row_key, &s) == 0, "open for service IDs");
        CHECK(store_sid_insert(s, &r) == 0, "create service ID backup");
        CHECK(store_sid_insert(s, &r) == -EEXIST, "a second one of the same name is refused");
        snprintf(r.unix_user, sizeof(r.unix_user), "nobody");
        r.unix_uid = 65534;
        r.locked = true;
        CHECK(store_sid_update(s, &r) == 0 && store_sid_get(s, "backup", &got) == 0 && got.locked &&
                      got.unix_uid == 65534 && strcmp(got.unix_user, "nobody") == 0 &&
                      strcmp(got.description, "nightly") == 0,
              "update and get a service ID");
        CHECK(store_sid_list(s, count_sid, &n) == 0 && n == 1, "list service IDs");
        CHECK(store_sid_delete(s, "backup") == 0 && store_sid_get(s, "backup", &got) == -ENOENT, "delete it");
        CHECK(store_sid_delete(s, "backup") == -ENOENT, "delete again: -ENOENT");
        store_close(s);
}

static int count_audit(const struct audit_record *r, void *userdata)
{
        (void)r;
        (*(int *)userdata)++;
        return 0;
}

static void test_audit(const char *path)
{
        struct store *s = NULL;
        struct audit_record a = { .event = "auth", .result = "ok", .identity = "user:alice" };
        struct audit_filter f = { .identity = "user:alice" };
        uint8_t hash[AUDIT_HASH_LEN];
        uint64_t seq = 99, deleted = 0;
        sqlite3 *db = NULL;
        int n = 0;

        CHECK(store_open(path, test_row_key, &s) == 0, "open for the audit log");
        CHECK(store_audit_last(s, &seq, hash) == 0 && seq == 0, "an empty log has seq 0");
        for (int i = 1; i <= 5; i++) {
                a.seq = (uint64_t)i;
                a.time = 1000 * i;
                memset(a.hash, i, sizeof(a.hash));
                snprintf(a.identity, sizeof(a.identity), "%s", i % 2 ? "user:alice" : "user:bob");
                CHECK(store_audit_append(s, &a, 1) == 0, "append record %d", i);
        }
        CHECK(store_audit_last(s, &seq, hash) == 0 && seq == 5 && hash[0] == 5, "the newest record is 5");
        CHECK(store_audit_list(s, &f, count_audit, &n) == 0 && n == 3, "alice's records: 3");
        n = 0;
        f = (struct audit_filter){ .since = 3000 };
        CHECK(store_audit_list(s, &f, count_audit, &n) == 0 && n == 3, "records since 3000: 3");
        CHECK(store_audit_prune(s, 3500, &deleted) == 0 && deleted == 3, "prune before 3500 removes 3");
        CHECK(store_audit_first(s, &seq, hash) == 0 && seq == 4, "the oldest kept is 4");
        CHECK(store_audit_prune_seq(s, 4, &deleted) == 0 && deleted == 0, "prune by seq: nothing before 4 left");
        a.seq = 6;
        CHECK(store_audit_append(s, &a, 1) == 0, "append record 6");
        CHECK(store_audit_prune_seq(s, 5, &deleted) == 0 && deleted == 1, "prune by seq before 5 removes 4");
        CHECK(store_audit_prune_seq(s, 99, &deleted) == 0 && deleted == 1 && store_audit_first(s, &seq, hash) == 0 &&
                      seq == 6,
              "prune by seq past the end keeps the newest");
        CHECK(store_audit_prune(s, 99999, &deleted) == 0 && deleted == 0, "pruning everything keeps the newest");
        store_close(s);
        CHECK(sqlite3_open(path, &db) == SQLITE_OK, "open the file behind the store's back");
        CHECK(sqlite3_exec(db, "UPDATE audit SET result = 'forged'", NULL, NULL, NULL) != SQLITE_OK,
              "an UPDATE of the audit table is refused (append-only)");
        sqlite3_close(db);
}

static int exec_raw(const char *path, const char *sql)
{
        sqlite3 *db = NULL;
        int rc = sqlite3_open(path, &db) == SQLITE_OK ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_ERROR;

        sqlite3_close(db);
        return rc;
}

/* Rows of keys not at the rowid their ID names; -1 on error. */
static int rows_elsewhere(const char *path)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        int n = 0, rc = SQLITE_ERROR;

        if (sqlite3_open(path, &db) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "SELECT rowid, id FROM keys", -1, &st, NULL) == SQLITE_OK)
                while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                        n += sqlite3_column_int64(st, 0) != key_id_number((const char *)sqlite3_column_text(st, 1));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return rc == SQLITE_DONE ? n : -1;
}

/* Someone who can write the database but not read hash.key changes rows:
 * each change is seen on the next read, and no later change through the
 * store seals it (issue 13, item 3). */
static void test_row_macs(const char *path)
{
        struct store *s = NULL;
        struct key_record k = make_record("macmacmacmac", "alice", 1001), got;
        struct key_record other = make_record("othermacmac0", "alice", 1001);
        struct sid_record sid = { .name = "deploy", .unix_uid = -1, .created_at = 5, .created_by = "root" }, gs;
        static const char *const changes[] = {
                "UPDATE keys SET owner_name = 'root', owner_uid = 0 WHERE id = 'macmacmacmac'",
                "UPDATE keys SET owner_uid = 0 WHERE id = 'macmacmacmac'",
                "UPDATE keys SET kind = 'classic' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET owner_type = 'service' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET state = 'active' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET expires_at = 0 WHERE id = 'macmacmacmac'",
                "UPDATE keys SET services = '' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET sources = '' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET max_uses = 0 WHERE id = 'macmacmacmac'",
                "UPDATE keys SET use_count = 0 WHERE id = 'macmacmacmac'",
                "UPDATE keys SET leak_action = 'none' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET locked = 0 WHERE id = 'macmacmacmac'",
                "UPDATE keys SET retires = 'othermacmac0' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET disabled_by = 'owner' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET locked_by = 'owner' WHERE id = 'macmacmacmac'",
                "UPDATE keys SET orphaned_at = 5 WHERE id = 'macmacmacmac'",
                "UPDATE keys SET hash = (SELECT hash FROM keys WHERE id = 'othermacmac0') WHERE id = 'macmacmacmac'",
                "UPDATE keys SET mac = (SELECT mac FROM keys WHERE id = 'othermacmac0') WHERE id = 'macmacmacmac'",
                "UPDATE keys SET mac = x'' WHERE id = 'macmacmacmac'",
        };

        snprintf(k.state, sizeof(k.state), "disabled");
        snprintf(k.disabled_by, sizeof(k.disabled_by), "admin");
        snprintf(k.locked_by, sizeof(k.locked_by), "admin");
        k.expires_at = 5000, k.max_uses = 3, k.locked = true;
        snprintf(k.services, sizeof(k.services), "sshd");
        snprintf(k.sources, sizeof(k.sources), "10.0.0.0/8");
        snprintf(k.leak_action, sizeof(k.leak_action), "delete");
        for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
                CHECK(store_open(path, test_row_key, &s) == 0 && store_key_insert(s, &k) == 0 &&
                              store_key_insert(s, &other) == 0 && store_key_add_uses(s, k.id, 0, 2, 7, "", "x") == 0,
                      "a fresh row (%zu)", i);
                CHECK(store_key_get(s, k.id, &got) == 0 && !got.tampered && got.use_count == 2,
                      "... matches its MAC, uses included");
                store_close(s);
                CHECK(exec_raw(path, changes[i]) == SQLITE_OK, "sqlite3: %s", changes[i]);
                CHECK(store_open(path, test_row_key, &s) == 0 && store_key_get(s, k.id, &got) == 0 && got.tampered,
                      "... is seen: the row fails its MAC");
                CHECK(store_key_set_state(s, k.id, "disabled", "admin") == -EBADMSG && store_key_update(s, &k) == -EBADMSG &&
                              store_key_add_uses(s, k.id, 0, 1, 8, "", "x") == -EBADMSG,
                      "... and no change through the store seals it");
                CHECK(store_key_get(s, k.id, &got) == 0 && got.tampered, "... it stays tampered");
                CHECK(store_key_get(s, other.id, &got) == 0 && !got.tampered, "... the other row is untouched");
                CHECK(store_key_delete(s, k.id) == 0 && store_key_delete(s, other.id) == 0, "... delete removes it");
                store_close(s);
        }
        CHECK(store_open(path, test_row_key, &s) == 0 && store_sid_insert(s, &sid) == 0 &&
                      store_sid_get(s, "deploy", &gs) == 0 && !gs.tampered,
              "a service ID row matches its MAC");
        sid.locked = true;
        CHECK(store_sid_update(s, &sid) == 0 && store_sid_get(s, "deploy", &gs) == 0 && !gs.tampered && gs.locked,
              "... also after a change through the store");
        store_close(s);
        CHECK(exec_raw(path, "UPDATE service_ids SET unix_user = 'root', unix_uid = 0") == SQLITE_OK,
              "sqlite3: map the service ID to root");
        CHECK(store_open(path, test_row_key, &s) == 0 && store_sid_get(s, "deploy", &gs) == 0 && gs.tampered,
              "... is seen: the row fails its MAC");
        CHECK(store_sid_update(s, &sid) == -EBADMSG, "... and an update does not seal it");
        CHECK(store_sid_delete(s, "deploy") == 0, "... delete removes it");
        store_close(s);
}

/* A store made by apikeyd 0.1.0 (schema 1) opens, migrates and keeps its keys. */
static void test_migration(const char *dir)
{
        char path[512], sql[8192];
        struct store *s = NULL;
        struct key_record got;
        sqlite3 *db = NULL;
        FILE *f = fopen("tests/fixtures/v1-keys.sql", "r");
        size_t len = f ? fread(sql, 1, sizeof(sql) - 1, f) : 0;
        int version = 0;

        if (f)
                fclose(f);
        sql[len] = '\0';
        snprintf(path, sizeof(path), "%s/v1.db", dir);
        CHECK(len > 0 && sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
              "build a schema-1 store from tests/fixtures/v1-keys.sql");
        sqlite3_close(db);
        chmod(path, 0600);
        CHECK(store_open(path, test_row_key, &s) == 0, "apikeyd opens the schema-1 store");
        CHECK(s && store_key_get(s, "4ggkgwaqu1ok", &got) == 0 && strcmp(got.name, "foundation") == 0 &&
                      strcmp(got.state, "active") == 0 && got.expires_at == 0 && !got.locked &&
                      strcmp(got.leak_action, "disable") == 0 && got.services[0] == '\0',
              "a foundation key keeps its fields and gets the new defaults");
        CHECK(s && store_key_get(s, "4fr2oqlvgs0x", &got) == 0 && strcmp(got.state, "disabled") == 0,
              "a disabled foundation key stays disabled");
        CHECK(s && strcmp(got.disabled_by, "admin") == 0,
              "... and counts as disabled by an admin (schema 3 cannot tell by whom)");
        CHECK(s && store_key_get(s, "4ggkgwaqu1ok", &got) == 0 && got.disabled_by[0] == '\0' &&
                      got.locked_by[0] == '\0',
              "an active, unlocked foundation key is held by nobody");
        CHECK(s && store_key_get(s, "4fr2oqlvgs0x", &got) == 0 && !got.tampered,
              "the migration computed the MAC of an existing row");
        store_close(s);
        s = NULL;
        CHECK(store_open(path, (const uint8_t[STORE_ROW_KEY_LEN]){ 9 }, &s) == 0 &&
                      store_key_get(s, "4fr2oqlvgs0x", &got) == 0 && got.tampered,
              "under another installation secret the same row fails its MAC");
        store_close(s);
        CHECK(sqlite3_open(path, &db) == SQLITE_OK, "reopen raw");
        {
                sqlite3_stmt *st = NULL;
                if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
                    sqlite3_step(st) == SQLITE_ROW)
                        version = sqlite3_column_int(st, 0);
                sqlite3_finalize(st);
        }
        sqlite3_close(db);
        CHECK(version == STORE_SCHEMA_VERSION, "the store is at schema %d after the upgrade", version);
        CHECK(rows_elsewhere(path) == 0, "the upgrade moved each key to the rowid its ID names");
}

struct owners_seen {
        char text[256];
};

static int owner_cb(const char *name, uint32_t uid, void *userdata)
{
        struct owners_seen *o = userdata;
        size_t n = strlen(o->text);

        snprintf(o->text + n, sizeof(o->text) - n, "%s%s:%u", n ? " " : "", name, uid);
        return 0;
}

/* The orphan scan's list of live owners: each (name, uid) once, in order,
 * however many keys each has (a name may come with two uids: an account
 * deleted and made again). */
static void test_key_owners(const char *path)
{
        static const struct { const char *name; uint32_t uid; } owners[] = {
                { "bob", 1002 }, { "alice", 1001 }, { "alice", 1005 }, { "carol", 1003 }, { "alice", 1001 },
        };
        struct owners_seen seen = { "" };
        struct store *s = NULL;
        char id[16];

        unlink(path);
        CHECK(store_open(path, test_row_key, &s) == 0, "open %s", path);
        if (!s)
                return;
        for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++)
                for (int j = 0; j < 50; j++) {
                        struct key_record k;
                        snprintf(id, sizeof(id), "own%zu%08d", i, j);
                        k = make_record(id, owners[i].name, owners[i].uid);
                        CHECK(store_key_insert(s, &k) == 0, "insert %s", id);
                }
        CHECK(store_key_owners(s, owner_cb, &seen) == 0, "list the owners");
        CHECK(strcmp(seen.text, "alice:1001 alice:1005 bob:1002 carol:1003") == 0,
              "each owner once, by name then uid: %s", seen.text);
        store_close(s);
}

/* Each key sits at the rowid its ID names, so a login reads it in one
 * descent; a key found elsewhere (a store restored from a dump, rows moved
 * by someone who can write the database) is still found by its ID, and
 * never mistaken for the key whose place it took. */
static void test_key_rowids(const char *path)
{
        struct store *s = NULL;
        struct key_record a = make_record("rowidrowid01", "alice", 1001);
        struct key_record b = make_record("rowidrowid02", "bob", 1002), got;
        char sql[160];

        CHECK(store_open(path, test_row_key, &s) == 0 && store_key_insert(s, &a) == 0 && store_key_insert(s, &b) == 0,
              "two keys");
        CHECK(rows_elsewhere(path) == 0, "each key is inserted at the rowid its ID names");
        CHECK(store_key_get(s, a.id, &got) == 0 && got.row_hint == key_id_number(a.id) && !got.tampered,
              "a read finds it there");
        store_close(s);
        s = NULL;
        snprintf(sql, sizeof(sql), "UPDATE keys SET rowid = 7 WHERE id = '%s';"
                 "UPDATE keys SET rowid = %lld WHERE id = '%s'", a.id, (long long)key_id_number(a.id), b.id);
        CHECK(exec_raw(path, sql) == SQLITE_OK, "sqlite3: move a away, b into a's place");
        CHECK(store_open(path, test_row_key, &s) == 0 && store_key_get(s, a.id, &got) == 0 &&
                      strcmp(got.id, a.id) == 0 && strcmp(got.owner_name, "alice") == 0 && got.row_hint == 7 &&
                      !got.tampered,
              "a key moved elsewhere is found by its ID, not the row in its place");
        CHECK(store_key_get(s, b.id, &got) == 0 && strcmp(got.owner_name, "bob") == 0 && !got.tampered,
              "... and the key in its place is still itself");
        CHECK(store_key_get(s, "rowidrowid03", &got) == -ENOENT, "a key that is nowhere: -ENOENT");
        store_close(s);
        s = NULL;
        CHECK(exec_raw(path, "INSERT INTO keys (id, hash, owner_type, owner_name, created_at, created_by) "
                             "VALUES ('not-a-key-id', zeroblob(32), 'user', 'carol', 1000, 'carol')") == SQLITE_OK,
              "sqlite3: a row whose ID names no number, at the next free rowid");
        CHECK(store_open(path, test_row_key, &s) == 0 && store_key_get(s, "not-a-key-id", &got) == 0 &&
                      strcmp(got.owner_name, "carol") == 0 && got.tampered,
              "... is found by the ID index (and, written outside apikeyd, fails its MAC)");
        CHECK(store_key_add_uses(s, a.id, key_id_number(a.id), 1, 10, "", "sshd") == 0 &&
                      store_key_get(s, a.id, &got) == 0 && got.use_count == 1 && store_key_get(s, b.id, &got) == 0 &&
                      got.use_count == 0,
              "a use of the moved key counts for it, not for the row at its number");
        store_close(s);
}

/* The row hint a login hands the writer: used only while the row there is
 * the key's; never counts a use for another key, never skips the MAC. */
static void test_row_hints(const char *path)
{
        struct store *s = NULL;
        struct key_record a = make_record("hinthinthin1", "alice", 1001);
        struct key_record b = make_record("hinthinthin2", "bob", 1002), ga, gb;
        int64_t hint_a, hint_b;

        CHECK(store_open(path, test_row_key, &s) == 0 && store_key_insert(s, &a) == 0 && store_key_insert(s, &b) == 0,
              "two keys");
        CHECK(store_key_get(s, a.id, &ga) == 0 && store_key_get(s, b.id, &gb) == 0 && ga.row_hint > 0 &&
                      gb.row_hint > 0 && ga.row_hint != gb.row_hint,
              "a read gives each its own row hint");
        hint_a = ga.row_hint, hint_b = gb.row_hint;
        CHECK(store_key_add_uses(s, a.id, hint_a, 2, 10, "", "sshd") == 0 && store_key_get(s, a.id, &ga) == 0 &&
                      ga.use_count == 2 && !ga.tampered,
              "uses through the right hint are counted, the row sealed");
        CHECK(store_key_add_uses(s, a.id, hint_b, 1, 11, "", "sshd") == 0 && store_key_get(s, a.id, &ga) == 0 &&
                      store_key_get(s, b.id, &gb) == 0 && ga.use_count == 3 && gb.use_count == 0 && !gb.tampered,
              "a hint to another key's row: the use goes to the key named, not to that row");
        CHECK(store_key_add_uses(s, a.id, INT64_MAX, 1, 12, "", "sshd") == 0 && store_key_get(s, a.id, &ga) == 0 &&
                      ga.use_count == 4,
              "a hint to no row: found by ID");
        CHECK(store_key_delete(s, b.id) == 0 && store_key_add_uses(s, b.id, hint_b, 1, 13, "", "sshd") == -ENOENT,
              "a deleted key's hint: -ENOENT, nothing written");
        store_close(s);
        CHECK(exec_raw(path, "UPDATE keys SET use_count = 0 WHERE id = 'hinthinthin1'") == SQLITE_OK,
              "sqlite3: reset the count behind the store's back");
        CHECK(store_open(path, test_row_key, &s) == 0 &&
                      store_key_add_uses(s, a.id, hint_a, 1, 14, "", "sshd") == -EBADMSG,
              "through the right hint, a row failing its MAC is not sealed: -EBADMSG");
        CHECK(store_key_get(s, a.id, &ga) == 0 && ga.tampered, "... it stays tampered");
        store_close(s);
}

int main(void)
{
        char dir[] = "/tmp/apikey-test-store.XXXXXX";
        char path[512];

        log_setup();
        if (!mkdtemp(dir) || sodium_init() < 0)
                return 99;
        snprintf(path, sizeof(path), "%s/keys.db", dir);
        test_crud(path);
        test_newer_schema_refused(path);
        test_unsafe_file_refused(path);
        test_hashkey(dir);
        snprintf(path, sizeof(path), "%s/model.db", dir);
        test_key_model(path);
        test_service_ids(path);
        test_audit(path);
        snprintf(path, sizeof(path), "%s/macs.db", dir);
        test_row_macs(path);
        snprintf(path, sizeof(path), "%s/hints.db", dir);
        test_row_hints(path);
        snprintf(path, sizeof(path), "%s/rowids.db", dir);
        test_key_rowids(path);
        snprintf(path, sizeof(path), "%s/owners.db", dir);
        test_key_owners(path);
        test_migration(dir);
        (void)!system((snprintf(path, sizeof(path), "rm -rf '%s'", dir), path));
        return check_done();
}
