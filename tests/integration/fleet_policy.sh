#!/bin/bash
# fleet_policy.sh - the fleet store's trust model, enforced by PostgreSQL
# (SECURITY.md, "Fleet store (PostgreSQL)"): connected as a host's own role
# with psql, as root on that host could, each forbidden statement is tried
# and must fail (or touch nothing), and the allowed ones must work.
# Hosts: a in groups g1 and g2, b in g2, c in none; keys ka (g1), kb (g2),
# kc (host:c), kx (g3, no host).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../pg_lib.sh"
pg_require "fleet trust model"
pg_start || { not_ok "PostgreSQL starts"; exit 1; }
pg_createdb fleet fleet_owner >/dev/null || { not_ok "the fleet database is created"; exit 1; }

OWNER=$(pg_uri fleet_owner)
fleet() { "$T/bin/apikeyctl" fleet --db "$OWNER" "$@"; }
check "fleet init creates the schema" fleet init
check "add-host a (groups g1, g2)" fleet add-host a --group g1 --group g2
check "add-host b (group g2)" fleet add-host b --group g2
check "add-host c (no group)" fleet add-host c

A=apikeyd_a B=apikeyd_b C=apikeyd_c
H32="decode(repeat('ab', 32), 'hex')"
OTHER32="decode(repeat('cd', 32), 'hex')"
# key_values ID SCOPE CREATED_HOST [HASH_KEY]: a row's values for an insert.
key_values() {
        echo "('$1', $H32, 'user', 'alice', 1000, 1, 'alice', '$2', '${4:-fleet}', $3)"
}
KEY_COLS="(id, hash, owner_type, owner_name, owner_uid, created_at, created_by, scope, hash_key, created_host)"
pg_sql fleet_owner "INSERT INTO apikey.groups VALUES ('g3');
        INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values ka g1 "'a'"), $(key_values kb g2 "'b'"),
                $(key_values kc host:c "'c'"), $(key_values kx g3 NULL)" >/dev/null ||
        not_ok "the owner inserts the test keys"

# refused DESCRIPTION ROLE SQL: the statement fails.
refused() {
        local out
        if out=$(pg_sql "$2" "$3" 2>&1); then
                not_ok "$1 (it was allowed: $out)"
        else
                ok "$1 ($(grep -o 'ERROR: .*' <<<"$out" | head -n 1 | cut -c1-70))"
        fi
}
# allowed DESCRIPTION ROLE SQL [EXPECTED-OUTPUT]
allowed() {
        local out
        if ! out=$(pg_sql "$2" "$3" 2>&1); then
                not_ok "$1 ($out)"
        elif [ $# -ge 4 ] && [ "$out" != "$4" ]; then
                not_ok "$1 (got '$out', expected '$4')"
        else
                ok "$1"
        fi
}
state_of() { pg_sql fleet_owner "SELECT state || ':' || use_count FROM apikey.keys WHERE id = '$1'"; }
ids() { pg_sql "$1" "SELECT string_agg(id, ',' ORDER BY id) FROM apikey.keys"; }

# Reading: only the keys of one's scopes.
expect_eq "a sees the keys of g1 and g2, not host:c's or g3's" "$(ids $A)" "ka,kb"
expect_eq "b sees only g2's key" "$(ids $B)" "kb"
expect_eq "c (in no group) sees only host:c's key" "$(ids $C)" "kc"
allowed "the caller's host and scopes" $A "SELECT apikey.current_host(), apikey.host_scopes(apikey.current_host())" \
        "a|{g1,g2,host:a}"

# Changing another scope's key: no row matches, nothing changes.
allowed "b's UPDATE of a's key (g1) matches no row" $B \
        "UPDATE apikey.keys SET state = 'disabled' WHERE id = 'ka' RETURNING id" ""
allowed "c's UPDATE of b's key matches no row" $C "UPDATE apikey.keys SET locked = 1 WHERE id = 'kb' RETURNING id" ""
allowed "b's DELETE of a's key matches no row" $B "DELETE FROM apikey.keys WHERE id = 'ka' RETURNING id" ""
expect_eq "... a's key is unchanged" "$(state_of ka)" "active:0"

# Changing one's own key: only the mutable columns.
for col in "hash = $OTHER32" "scope = 'g2'" "scope = 'g3'" "owner_name = 'root'" "owner_uid = 0" \
        "owner_type = 'service'" "kind = 'classic'" "hash_key = 'host:a'" "created_host = 'b'" "created_by = 'x'" \
        "created_at = 0" "id = 'kz'"; do
        refused "a may not change its own key's ${col%% =*}" $A "UPDATE apikey.keys SET $col WHERE id = 'ka'"
done
allowed "a disables its key (a mutable column)" $A \
        "UPDATE apikey.keys SET state = 'disabled', disabled_by = 'admin' WHERE id = 'ka' RETURNING state" disabled
allowed "... and enables it again" $A "UPDATE apikey.keys SET state = 'active', disabled_by = '' WHERE id = 'ka'"

# Uses: one conditional statement, exact, never down.
pg_sql fleet_owner "UPDATE apikey.keys SET max_uses = 2 WHERE id = 'kb'" >/dev/null
USE="UPDATE apikey.keys SET use_count = use_count + 1, last_used_at = 5 WHERE id = 'kb'
     AND (max_uses = 0 OR use_count < max_uses) RETURNING use_count"
allowed "a uses kb (1 of 2)" $A "$USE" 1
allowed "b uses kb (2 of 2)" $B "$USE" 2
allowed "a third use of kb matches no row" $A "$USE" ""
refused "a host may not lower a use count" $A "UPDATE apikey.keys SET use_count = 0 WHERE id = 'kb'"
pg_sql fleet_owner "UPDATE apikey.keys SET orphaned_at = 7 WHERE id = 'ka'" >/dev/null
refused "a host may not clear a key's orphaned mark" $A "UPDATE apikey.keys SET orphaned_at = 0 WHERE id = 'ka'"
expect_eq "... kb's count is 2, ka stays orphaned" \
        "$(pg_sql fleet_owner "SELECT string_agg(use_count || '/' || orphaned_at, ',' ORDER BY id) FROM apikey.keys
                WHERE id IN ('ka', 'kb')")" "0/7,2/0"

# Creating keys: only in one's own scopes, as oneself, with the fleet's hash key.
refused "b may not create a key in g1 (a's group)" $B \
        "INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values nb1 g1 "'b'")"
refused "b may not create a key in g3 (no host's group)" $B \
        "INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values nb2 g3 "'b'")"
refused "b may not create a key of scope host:a" $B \
        "INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values nb3 host:a "'b'")"
refused "b may not create a key in its group as host a" $B \
        "INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values nb4 g2 "'a'")"
refused "b may not create a key hashed with a host's secret" $B \
        "INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values nb5 g2 "'b'" host:b)"
allowed "b creates a key in its group g2" $B \
        "INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values nb g2 "apikey.current_host()") RETURNING created_host" b
allowed "c creates a key of its own scope host:c" $C \
        "INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values nc "host:c" "'c'") RETURNING scope" "host:c"
allowed "a's default scope is its first group" $A "SELECT apikey.host_default_scope(apikey.current_host())" g1
refused "a may not move a key of its scope out of it" $A "UPDATE apikey.keys SET scope = 'g3' WHERE id = 'kb'"

# Service IDs: the same scopes.
SID_COLS="(name, created_at, created_by, scope, created_host)"
allowed "a creates a service ID in g1" $A "INSERT INTO apikey.service_ids $SID_COLS VALUES ('s1', 1, 'x', 'g1', 'a')"
refused "b may not create a service ID in g1" $B \
        "INSERT INTO apikey.service_ids $SID_COLS VALUES ('s2', 1, 'x', 'g1', 'b')"
allowed "b does not see g1's service ID" $B "SELECT count(*) FROM apikey.service_ids" 0
allowed "b's UPDATE of g1's service ID matches no row" $B \
        "UPDATE apikey.service_ids SET locked = 1 WHERE name = 's1' RETURNING name" ""
refused "a may not change a service ID's scope" $A "UPDATE apikey.service_ids SET scope = 'g2' WHERE name = 's1'"
refused "a may not change a service ID's creator" $A "UPDATE apikey.service_ids SET created_by = 'y' WHERE name = 's1'"
allowed "a locks its service ID" $A "UPDATE apikey.service_ids SET locked = 1 WHERE name = 's1' RETURNING locked" 1

# Audit: append one's own records; never rewrite or remove any.
AUD="INSERT INTO apikey.audit (seq, time, event, result, prev_hash, hash)"
allowed "a appends an audit record (host = a)" $A "$AUD VALUES (1, 1, 'auth', 'ok', $H32, $H32) RETURNING host" a
allowed "b appends its own (its own chain, same seq)" $B "$AUD VALUES (1, 1, 'auth', 'ok', $H32, $H32)"
refused "a may not append a record as host b" $A \
        "INSERT INTO apikey.audit (host, seq, time, event, result, prev_hash, hash) VALUES ('b', 2, 1, 'x', 'ok', $H32, $H32)"
refused "a may not UPDATE an audit record" $A "UPDATE apikey.audit SET result = 'refused'"
refused "a may not DELETE audit records" $A "DELETE FROM apikey.audit"
refused "a may not TRUNCATE the audit log" $A "TRUNCATE apikey.audit"
allowed "b reads every host's chain (verify checks them all)" $B \
        "SELECT string_agg(host, ',' ORDER BY host) FROM apikey.audit" "a,b"
refused "even the owner may not UPDATE an audit record (trigger)" fleet_owner "UPDATE apikey.audit SET result = 'x'"
refused "even the owner may not TRUNCATE the audit log (trigger)" fleet_owner "TRUNCATE apikey.audit"

# Hosts, groups, memberships, the version: read one's own rows, change nothing.
allowed "a reads only its own host row" $A "SELECT string_agg(name, ',') FROM apikey.hosts" a
allowed "a reads only its own memberships" $A "SELECT string_agg(host || '/' || grp, ',' ORDER BY grp) FROM apikey.host_groups" \
        "a/g1,a/g2"
allowed "a reads only its own groups" $A "SELECT string_agg(name, ',' ORDER BY name) FROM apikey.groups" "g1,g2"
allowed "a reads the schema version, as the owner does" $A "SELECT version FROM apikey.meta" \
        "$(pg_sql fleet_owner "SELECT version FROM apikey.meta")"
refused "a may not add a group" $A "INSERT INTO apikey.groups VALUES ('g9')"
refused "a may not join a group" $A "INSERT INTO apikey.host_groups VALUES ('a', 'g3', 5)"
refused "a may not leave a group" $A "DELETE FROM apikey.host_groups WHERE host = 'a'"
refused "a may not change its role" $A "UPDATE apikey.hosts SET role = 'apikeyd_b' WHERE name = 'a'"
refused "a may not add a host" $A "INSERT INTO apikey.hosts VALUES ('z', 'postgres', 1)"
refused "a may not change the schema version" $A "UPDATE apikey.meta SET version = 99"

# Roles: never another one's powers.
refused "a may not SET ROLE apikey_admin" $A "SET ROLE apikey_admin"
refused "a may not SET ROLE to host b's role" $A "SET ROLE $B"
refused "a may not SET SESSION AUTHORIZATION" $A "SET SESSION AUTHORIZATION $B"
refused "a may not grant itself apikey_admin" $A "GRANT apikey_admin TO $A"
refused "a may not create a role" $A "CREATE ROLE evil LOGIN"
# PostgreSQL 15 lets a member SET ROLE to its group role: apikey_host is no host.
allowed "as apikey_host (SET ROLE), a host sees no key" $A "SET ROLE apikey_host; SELECT count(*) FROM apikey.keys" 0
refused "... and creates none" $A "SET ROLE apikey_host;
        INSERT INTO apikey.keys $KEY_COLS VALUES $(key_values nh g1 "'a'")"

# Objects and policies: nothing to create, alter or switch off.
refused "a may not CREATE TABLE in apikey" $A "CREATE TABLE apikey.t (x int)"
refused "a may not CREATE TABLE in public" $A "CREATE TABLE public.t (x int)"
refused "a may not CREATE TEMP TABLE" $A "CREATE TEMP TABLE t (x int)"
refused "a may not CREATE FUNCTION" $A "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"
refused "a may not CREATE SCHEMA" $A "CREATE SCHEMA evil"
refused "a may not ALTER POLICY" $A "ALTER POLICY keys_host_read ON apikey.keys USING (true)"
refused "a may not DROP POLICY" $A "DROP POLICY keys_host_read ON apikey.keys"
refused "a may not CREATE POLICY" $A "CREATE POLICY mine ON apikey.keys FOR SELECT TO apikey_host USING (true)"
refused "a may not disable row-level security" $A "ALTER TABLE apikey.keys DISABLE ROW LEVEL SECURITY"
refused "a may not unFORCE row-level security" $A "ALTER TABLE apikey.keys NO FORCE ROW LEVEL SECURITY"
refused "a may not read past the policies (row_security = off)" $A "SET row_security = off; SELECT count(*) FROM apikey.keys"
refused "a may not disable the audit trigger" $A "ALTER TABLE apikey.audit DISABLE TRIGGER ALL"
refused "a may not replace current_host()" $A \
        "CREATE OR REPLACE FUNCTION apikey.current_host() RETURNS text LANGUAGE sql AS \$\$ SELECT 'b' \$\$"

# The functions, with forged arguments.
allowed "b's host_scopes('a') learns none of a's groups" $B "SELECT apikey.host_scopes('a')" "{host:a}"
refused "b may not call add_host" $B "SELECT apikey.add_host('evil', 'evilrole', NULL)"
refused "b may not call remove_host" $B "SELECT apikey.remove_host('a')"
allowed "key_out_of_scope: b, a's key, its hash: yes (wrong_host)" $B "SELECT apikey.key_out_of_scope('ka', $H32)" t
allowed "key_out_of_scope: b, a's key, another hash: no" $B "SELECT apikey.key_out_of_scope('ka', $OTHER32)" f
allowed "key_out_of_scope: b, its own key: no" $B "SELECT apikey.key_out_of_scope('kb', $H32)" f
allowed "key_out_of_scope: no such key: no" $B "SELECT apikey.key_out_of_scope('nokey', $H32)" f
refused "an admin is no host: key_out_of_scope is not granted to it" fleet_owner \
        "SET ROLE apikey_admin; SELECT apikey.key_out_of_scope('ka', $H32)"
plan=$(pg_sql $A "EXPLAIN SELECT * FROM apikey.keys WHERE id = 'kb'")
check "the scope lookup runs once per statement (an InitPlan), the key by its index" \
        bash -c 'grep -q InitPlan <<<"$1" && grep -q "Index Scan using keys_pkey" <<<"$1"' _ "$plan"

# NOINHERIT: a host role that does not inherit apikey_host's grants gets
# nothing at all (fail closed).
pg_sql fleet_owner "ALTER ROLE $C NOINHERIT" >/dev/null
refused "a NOINHERIT host role reads nothing" $C "SELECT count(*) FROM apikey.keys"
pg_sql fleet_owner "ALTER ROLE $C INHERIT" >/dev/null

# A fleet admin (a member of apikey_admin, no CREATEROLE): every key, host
# and group; still no schema change, no audit rewrite.
pg_sql fleet_owner "CREATE ROLE fadmin LOGIN; GRANT apikey_admin TO fadmin; ALTER ROLE fadmin INHERIT" >/dev/null
allowed "the admin sees every key" fadmin "SELECT count(*) FROM apikey.keys" 6
allowed "the admin widens a key's scope" fadmin "UPDATE apikey.keys SET scope = 'g2' WHERE id = 'kc' RETURNING id" kc
expect_eq "... and b now sees it" "$(ids $B)" "kb,kc,nb"
check "the admin adds a host without CREATEROLE" "$T/bin/apikeyctl" fleet --db "$(pg_uri fadmin)" add-host d --group g3
refused "the admin may not rebind a host to another role" fadmin "UPDATE apikey.hosts SET role = 'fleet_owner' WHERE name = 'a'"
refused "the admin may not insert a host row for an existing role" fadmin "INSERT INTO apikey.hosts VALUES ('z', 'fleet_owner', 1)"
refused "the admin may not UPDATE an audit record" fadmin "UPDATE apikey.audit SET result = 'x'"
refused "the admin may not alter a table" fadmin "ALTER TABLE apikey.keys DISABLE ROW LEVEL SECURITY"
refused "the admin may not change the schema version" fadmin "UPDATE apikey.meta SET version = 99"
allowed "the admin deletes old audit records (retention)" fadmin "DELETE FROM apikey.audit WHERE host = 'b' RETURNING seq" 1

# A removed host: its role is gone, and a session it still had open sees
# nothing from then on.
(pg_sql $C "SELECT count(*) FROM apikey.keys; SELECT pg_sleep(1.5); SELECT count(*) FROM apikey.keys" \
        >"$T/open_session" 2>&1) &
sleep 0.7
check "remove-host c" "$T/bin/apikeyctl" fleet --db "$OWNER" remove-host c
wait
# (PostgreSQL refuses the schema to a dropped role; were it not so, the
# policies would find no host for it: either way, nothing.)
check "c's open session saw its key, then nothing" bash -c '[ "$(head -n 1 "$1")" = 1 ] &&
        sed 1d "$1" | grep -Eq "^0$|^ERROR: +permission denied"' _ "$T/open_session"
expect_eq "c's role is dropped" "$(pg_sql postgres "SELECT count(*) FROM pg_roles WHERE rolname = '$C'" postgres)" 0
exit 0
