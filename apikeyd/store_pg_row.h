/* store_pg_row.h - reading the fleet store's text-format results, and one
 * row of its keys table as both of its readers decode it: apikeyd's
 * PostgreSQL backend (store_pg_keys.c) and `apikeyctl --db`
 * (apikeyctl/fleet_keys.c). A row's MAC (rowmac.h) covers what this
 * decodes, so the two readers share one column list and one decoder: a
 * column added to one and not the other would make every row look
 * tampered on one side. Needs libpq and libsodium, nothing of the daemon. */
#ifndef APIKEYD_STORE_PG_ROW_H
#define APIKEYD_STORE_PG_ROW_H

#include "libpq_dl.h" /* libpq-fe.h, and libpq loaded only when used */
#include <stdbool.h>
#include <stdint.h>

#include "rowmac.h"
#include "store.h"

/* The columns pg_key_row_read() decodes, in its order; a query may select
 * more after them (from PG_KEY_NCOLUMNS on). */
#define PG_KEY_COLUMNS                                                                                     \
        "id, hash, kind, owner_type, owner_name, owner_uid, name, description, state, created_at, "      \
        "created_by, last_used_at, last_used_from, last_used_service, use_count, expires_at, locked, "   \
        "services, sources, max_uses, leak_action, rotated_to, retires, disabled_by, locked_by, orphaned_at, mac, " \
        "scope, hash_key"
#define PG_KEY_NCOLUMNS 29

/* Values of a text-format result (bytea as "\x" hex: both readers'
 * connections set bytea_output=hex). NULL reads as "" and 0. */
void pg_get_text(const PGresult *res, int row, int col, char *out, size_t outsz);
int64_t pg_get_int(const PGresult *res, int row, int col);
/* A bytea of exactly len bytes: 0, else -EIO. */
int pg_get_bytes(const PGresult *res, int row, int col, uint8_t *out, size_t len);

/* Row i of a result that selected PG_KEY_COLUMNS first: the record, its
 * MAC (*ret_has_mac false when it has none of the right size: it matches
 * nothing) and its hash_key as stored ("fleet" or "host:NAME"; k->hash_key
 * is left for the caller). 0, or -EIO when its hash is not a key hash (the
 * rest is decoded all the same). */
int pg_key_row_read(const PGresult *res, int i, struct key_record *k, uint8_t ret_mac[ROWMAC_LEN],
                    bool *ret_has_mac, char ret_hash_key[STORE_SCOPE_MAX + 1]);

#endif
