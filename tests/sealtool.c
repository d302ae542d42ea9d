/* sealtool.c - test helper: sealtool DB
 * MACs every key and service ID row of the store at DB as it stands, with
 * the row key derived from the hash.key beside DB, through apikeyd's own
 * store code (the one the row MAC migration runs). For tests that insert
 * many rows straight into the store, quickly: with the daemon stopped,
 * they then read as apikeyd wrote them instead of as tampered. */
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "../apikeyd/hashkey.h"
#include "../apikeyd/rowmac.h"
#include "../apikeyd/store_sqlite.h"

int main(int argc, char **argv)
{
        char path[PATH_MAX];
        const char *slash;
        struct hashkey hk;
        uint8_t row_key[ROWMAC_LEN];
        struct store *base = NULL;
        struct sqlite_store *s = NULL;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: sealtool DB\n");
                return 2;
        }
        slash = strrchr(argv[1], '/');
        snprintf(path, sizeof(path), "%.*shash.key", slash ? (int)(slash - argv[1] + 1) : 0, argv[1]);
        if (sodium_init() < 0 || hashkey_load(path, false, &hk) < 0) {
                fprintf(stderr, "sealtool: cannot load %s\n", path);
                return 1;
        }
        hashkey_derive(&hk, ROWMAC_CONTEXT, row_key);
        r = store_open(argv[1], row_key, &base);
        if (r == 0)
                s = sqlite_of(base);
        if (r == 0)
                r = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
        if (r == 0)
                r = store_keys_seal_all(s);
        if (r == 0)
                r = store_sids_seal_all(s);
        if (r == 0)
                r = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
        store_close(base);
        hashkey_wipe(&hk);
        if (r < 0) {
                fprintf(stderr, "sealtool: cannot seal %s\n", argv[1]);
                return 1;
        }
        return 0;
}
