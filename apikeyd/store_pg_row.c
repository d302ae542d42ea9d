/* store_pg_row.c - one keys row of the fleet store, decoded the one way
 * both of its readers need (store_pg_row.h). */
#include "store_pg_row.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pg_get_text(const PGresult *res, int row, int col, char *out, size_t outsz)
{
        snprintf(out, outsz, "%s", sym_PQgetisnull(res, row, col) ? "" : sym_PQgetvalue(res, row, col));
}

int64_t pg_get_int(const PGresult *res, int row, int col)
{
        return sym_PQgetisnull(res, row, col) ? 0 : strtoll(sym_PQgetvalue(res, row, col), NULL, 10);
}

int pg_get_bytes(const PGresult *res, int row, int col, uint8_t *out, size_t len)
{
        const char *v = sym_PQgetvalue(res, row, col);
        size_t got = 0;

        if (sym_PQgetisnull(res, row, col) || strncmp(v, "\\x", 2) != 0 ||
            sodium_hex2bin(out, len, v + 2, strlen(v + 2), NULL, &got, NULL) != 0 || got != len)
                return -EIO;
        return 0;
}

int pg_key_row_read(const PGresult *res, int i, struct key_record *k, uint8_t ret_mac[ROWMAC_LEN],
                    bool *ret_has_mac, char ret_hash_key[STORE_SCOPE_MAX + 1])
{
        int r;

        memset(k, 0, sizeof(*k));
        memset(ret_mac, 0, ROWMAC_LEN);
        r = pg_get_bytes(res, i, 1, k->hash, KEY_HASH_LEN);
        pg_get_text(res, i, 0, k->id, sizeof(k->id));
        pg_get_text(res, i, 2, k->kind, sizeof(k->kind));
        pg_get_text(res, i, 3, k->owner_type, sizeof(k->owner_type));
        pg_get_text(res, i, 4, k->owner_name, sizeof(k->owner_name));
        k->owner_uid = (uint32_t)pg_get_int(res, i, 5);
        pg_get_text(res, i, 6, k->name, sizeof(k->name));
        pg_get_text(res, i, 7, k->description, sizeof(k->description));
        pg_get_text(res, i, 8, k->state, sizeof(k->state));
        k->created_at = pg_get_int(res, i, 9);
        pg_get_text(res, i, 10, k->created_by, sizeof(k->created_by));
        k->last_used_at = pg_get_int(res, i, 11);
        pg_get_text(res, i, 12, k->last_used_from, sizeof(k->last_used_from));
        pg_get_text(res, i, 13, k->last_used_service, sizeof(k->last_used_service));
        k->use_count = (uint64_t)pg_get_int(res, i, 14);
        k->expires_at = pg_get_int(res, i, 15);
        k->locked = pg_get_int(res, i, 16) != 0;
        pg_get_text(res, i, 17, k->services, sizeof(k->services));
        pg_get_text(res, i, 18, k->sources, sizeof(k->sources));
        k->max_uses = (uint64_t)pg_get_int(res, i, 19);
        pg_get_text(res, i, 20, k->leak_action, sizeof(k->leak_action));
        pg_get_text(res, i, 21, k->rotated_to, sizeof(k->rotated_to));
        pg_get_text(res, i, 22, k->retires, sizeof(k->retires));
        pg_get_text(res, i, 23, k->disabled_by, sizeof(k->disabled_by));
        pg_get_text(res, i, 24, k->locked_by, sizeof(k->locked_by));
        k->orphaned_at = pg_get_int(res, i, 25);
        *ret_has_mac = pg_get_bytes(res, i, 26, ret_mac, ROWMAC_LEN) == 0;
        if (!*ret_has_mac)
                memset(ret_mac, 0, ROWMAC_LEN);
        pg_get_text(res, i, 27, k->scope, sizeof(k->scope));
        pg_get_text(res, i, 28, ret_hash_key, STORE_SCOPE_MAX + 1);
        return r;
}
