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
        struct stat st;
        uint64_t n = 0;
        int listed = 0;

        CHECK(store_open(path, &s) == 0 && s, "store opens and creates %s", path);
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
        CHECK(store_key_list(s, "alice", 1001, count_cb, &listed) == 0 && listed == 1, "list alice's keys: 1");
        listed = 0;
        CHECK(store_key_list(s, "alice", 1002, count_cb, &listed) == 0 && listed == 0,
              "list with a different uid for the name: 0 (recycled uid inherits nothing)");
        listed = 0;
        CHECK(store_key_list(s, NULL, 0, count_cb, &listed) == 0 && listed == 2, "list all: 2");
        CHECK(store_key_list(s, NULL, 0, stop_cb, NULL) == -ECANCELED, "a callback error stops the listing");
        CHECK(store_key_count(s, NULL, 0, &n) == 0 && n == 2, "count all: 2");
        CHECK(store_key_count(s, "bob", 1002, &n) == 0 && n == 1, "count bob's: 1");
        CHECK(store_key_set_state(s, "aaaaaaaaaaaa", "disabled") == 0 && store_key_get(s, "aaaaaaaaaaaa", &got) == 0 &&
                      strcmp(got.state, "disabled") == 0,
              "set state to disabled");
        CHECK(store_key_set_state(s, "zzzzzzzzzzzz", "disabled") == -ENOENT, "set state of unknown ID: -ENOENT");
        CHECK(store_key_record_use(s, "bbbbbbbbbbbb", 2000, "192.0.2.1", "sshd") == 0 &&
                      store_key_record_use(s, "bbbbbbbbbbbb", 3000, NULL, "sudo") == 0,
              "record two uses");
        CHECK(store_key_get(s, "bbbbbbbbbbbb", &got) == 0 && got.use_count == 2 && got.last_used_at == 3000 &&
                      strcmp(got.last_used_service, "sudo") == 0 && got.last_used_from[0] == '\0',
              "uses counted, last use recorded");
        CHECK(store_key_delete(s, "aaaaaaaaaaaa") == 0, "delete");
        CHECK(store_key_delete(s, "aaaaaaaaaaaa") == -ENOENT, "delete again: -ENOENT");
        CHECK(store_key_get(s, "aaaaaaaaaaaa", &got) == -ENOENT, "deleted key is gone");
        store_close(s);

        s = NULL;
        CHECK(store_open(path, &s) == 0, "reopen an existing store");
        CHECK(s && store_key_get(s, "bbbbbbbbbbbb", &got) == 0 && got.use_count == 2, "data survives reopen");
        store_close(s);
}

static void test_newer_schema_refused(const char *path)
{
        struct store *s = NULL;
        sqlite3 *db = NULL;

        CHECK(sqlite3_open(path, &db) == SQLITE_OK && sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK,
              "mark the database as schema 99");
        sqlite3_close(db);
        CHECK(store_open(path, &s) == -EPROTONOSUPPORT && !s, "a newer schema is refused, not clobbered");
}

static void test_unsafe_file_refused(const char *path)
{
        struct store *s = NULL;

        CHECK(chmod(path, 0644) == 0, "make the database world-readable");
        CHECK(store_open(path, &s) == -EPERM && !s, "a world-readable database is refused");
        unlink(path);
        CHECK(symlink("/etc/passwd", path) == 0, "plant a symlink at the database path");
        CHECK(store_open(path, &s) < 0 && !s, "a symlinked database path is refused");
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
        CHECK(hashkey_load(path, &hk1) == 0, "installation secret created");
        CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32, "secret file is 0600, 32 bytes");
        CHECK(hashkey_load(path, &hk2) == 0 && memcmp(hk1.k, hk2.k, sizeof(hk1.k)) == 0, "secret reloads the same");
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
        CHECK(chmod(path, 0640) == 0 && hashkey_load(path, &hk2) == -EPERM, "a group-readable secret is refused");
        hashkey_wipe(&hk1);
        hashkey_wipe(&hk2);
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
        (void)!system((snprintf(path, sizeof(path), "rm -rf '%s'", dir), path));
        return check_done();
}
