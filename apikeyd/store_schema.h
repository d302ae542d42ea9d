/* store_schema.h - the SQLite schema as numbered migrations. Entry N brings
 * user_version N to N + 1. Never edit a released entry; append one. */
#ifndef APIKEYD_STORE_SCHEMA_H
#define APIKEYD_STORE_SCHEMA_H

#include "store.h"

static const char *const store_migrations[STORE_SCHEMA_VERSION] = {
        /* 1: apikeyd 0.1.0, user keys. */
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

        /* 2: the key model: expiry, lock, restrictions, rotation, leak action,
         * classic keys, service IDs, the audit log. */
        "ALTER TABLE keys ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE keys ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE keys ADD COLUMN services TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE keys ADD COLUMN sources TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE keys ADD COLUMN max_uses INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE keys ADD COLUMN leak_action TEXT NOT NULL DEFAULT 'disable';"
        "ALTER TABLE keys ADD COLUMN rotated_to TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE keys ADD COLUMN retires TEXT NOT NULL DEFAULT '';"
        /* At most one classic key per user, enforced by the store itself (a
         * rotated one, dying at the end of its grace, does not count). */
        "CREATE UNIQUE INDEX keys_one_classic ON keys (owner_name, owner_uid) "
        "WHERE kind = 'classic' AND rotated_to = '';"
        "CREATE INDEX keys_expiry ON keys (expires_at) WHERE expires_at > 0;"
        "CREATE TABLE service_ids ("
        "  name TEXT PRIMARY KEY NOT NULL,"
        "  description TEXT NOT NULL DEFAULT '',"
        "  unix_user TEXT NOT NULL DEFAULT '',"
        "  unix_uid INTEGER NOT NULL DEFAULT -1,"
        "  locked INTEGER NOT NULL DEFAULT 0,"
        "  created_at INTEGER NOT NULL,"
        "  created_by TEXT NOT NULL"
        ") STRICT;"
        "CREATE TABLE audit ("
        "  seq INTEGER PRIMARY KEY NOT NULL,"
        "  time INTEGER NOT NULL,"
        "  event TEXT NOT NULL,"
        "  result TEXT NOT NULL,"
        "  key_id TEXT NOT NULL DEFAULT '',"
        "  identity TEXT NOT NULL DEFAULT '',"
        "  user TEXT NOT NULL DEFAULT '',"
        "  service TEXT NOT NULL DEFAULT '',"
        "  rhost TEXT NOT NULL DEFAULT '',"
        "  tty TEXT NOT NULL DEFAULT '',"
        "  peer_uid INTEGER NOT NULL DEFAULT 0,"
        "  peer_pid INTEGER NOT NULL DEFAULT 0,"
        "  caller TEXT NOT NULL DEFAULT '',"
        "  action TEXT NOT NULL DEFAULT '',"
        "  detail TEXT NOT NULL DEFAULT '',"
        "  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"
        "  hash BLOB NOT NULL CHECK (length(hash) = 32)"
        ") STRICT;"
        "CREATE INDEX audit_time ON audit (time);"
        "CREATE INDEX audit_key ON audit (key_id);"
        "CREATE INDEX audit_identity ON audit (identity);"
        /* Append-only: records are never changed; only retention deletes. */
        "CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",

        /* 3: who disabled or locked a key ('owner', 'admin' or 'leak'): what
         * an admin or a leak action did, the owner cannot undo. Keys disabled
         * or locked before cannot tell by whom; they count as an admin's
         * doing (fail closed: an admin undoes them). */
        "ALTER TABLE keys ADD COLUMN disabled_by TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE keys ADD COLUMN locked_by TEXT NOT NULL DEFAULT '';"
        "UPDATE keys SET disabled_by = 'admin' WHERE state <> 'active';"
        "UPDATE keys SET locked_by = 'admin' WHERE locked <> 0;",

        /* 4: keys whose account was seen gone stay dead for good (a new
         * account with the same name and uid inherits nothing), and do not
         * hold the one classic key slot of such an account. */
        "ALTER TABLE keys ADD COLUMN orphaned_at INTEGER NOT NULL DEFAULT 0;"
        "DROP INDEX keys_one_classic;"
        "CREATE UNIQUE INDEX keys_one_classic ON keys (owner_name, owner_uid) "
        "WHERE kind = 'classic' AND rotated_to = '' AND orphaned_at = 0;",

        /* 5: the accounts that own working user keys, one index step each:
         * the scan for deleted accounts must not read a million keys on the
         * thread that answers logins. */
        "CREATE INDEX keys_live_owners ON keys (owner_name, owner_uid) "
        "WHERE owner_type = 'user' AND orphaned_at = 0;",

        /* 6 (STORE_SCHEMA_ROW_MACS): a MAC on every key and service ID row
         * (rowmac.h); store_sqlite.c computes it for the existing rows in
         * the same transaction. An empty MAC never matches. */
        "ALTER TABLE keys ADD COLUMN mac BLOB NOT NULL DEFAULT x'';"
        "ALTER TABLE service_ids ADD COLUMN mac BLOB NOT NULL DEFAULT x'';",

        /* 7: list, audit --verify and the admin's key pages walk the keys in
         * (created_at, id) order, a page or a step at a time. Without this
         * index each step sorted the whole table on the thread that answers
         * logins: with a million keys, 0.2-0.5 s a step, and logins waited
         * (bench row apikey_valid_verify). Uses do not change created_at,
         * so a login never updates it. The fleet store has had it from its
         * first schema (store_pg_schema.h). */
        "CREATE INDEX keys_created ON keys (created_at, id);",

        /* 8: each key at the rowid its ID names (key_id_number), so that a
         * login finds it in one B-tree descent (sqlite_key_insert). All
         * rows step aside to negative rowids first: a new rowid must not
         * meet an old one still in use. A row whose ID names no number
         * keeps its negative rowid; lookups find it by the ID index.
         * apikey_key_rowid() exists only on the migrating connection. */
        "UPDATE keys SET rowid = -rowid;"
        "UPDATE keys SET rowid = apikey_key_rowid(id) WHERE apikey_key_rowid(id) > 0;",
};

#endif
