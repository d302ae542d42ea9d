#!/bin/bash
# fleet_admin.sh - `apikeyctl fleet`: init (twice: idempotent), migrate
# (refused within the lock timeout while another session holds the schema),
# add-host, remove-host, hosts, groups (--json), the errors and exit codes,
# and import of a real SQLite store made by the real apikeyd: its keys,
# service IDs and audit chain arrive byte for byte, with scope and hash_key
# host:NAME, and the chain still verifies (with the real daemon's verify).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../pg_lib.sh"
pg_require "apikeyctl fleet"
pg_start || { not_ok "PostgreSQL starts"; exit 1; }
pg_createdb fleet fleet_owner >/dev/null || { not_ok "the fleet database is created"; exit 1; }

OWNER=$(pg_uri fleet_owner)
fleet() { "$T/bin/apikeyctl" fleet --db "$OWNER" "$@"; }

# Usage errors: before any connection.
expect_eq "fleet without --db: exit 2" "$(exit_of "$T/bin/apikeyctl" fleet hosts)" 2
expect_eq "fleet with a file path for --db: exit 2" "$(exit_of "$T/bin/apikeyctl" fleet --db /tmp/x.db hosts)" 2
expect_eq "fleet with an unknown command: exit 2" "$(exit_of fleet frobnicate)" 2
expect_eq "add-host without a name: exit 2" "$(exit_of fleet add-host)" 2
expect_eq "add-host with a bad name: exit 2" "$(exit_of fleet add-host 'a b')" 2
expect_eq "add-host with a bad group: exit 2" "$(exit_of fleet add-host a --group 'host:x')" 2
expect_eq "import without --from: exit 2" "$(exit_of fleet import --host a)" 2
out=$("$T/bin/apikeyctl" fleet --db "$(pg_uri fleet_owner)&password=secret" hosts 2>&1)
expect_eq "a password in --db is refused: exit 2" "$?" 2
check "... saying where it goes instead" grep -q passfile <<<"$out"
check "fleet --help lists the commands" bash -c '"$1" fleet --help | grep -q "add-host NAME"' _ "$T/bin/apikeyctl"
check "apikeyctl help fleet is the same" bash -c 'diff <("$1" help fleet) <("$1" fleet --help)' _ "$T/bin/apikeyctl"
check "apikeyctl --help fleet is the same" bash -c 'diff <("$1" --help fleet) <("$1" fleet --help)' _ "$T/bin/apikeyctl"
check "apikeyctl --help names fleet" bash -c '"$1" --help | grep -q "^  fleet "' _ "$T/bin/apikeyctl"
expect_eq "an unreachable database: exit 5" \
        "$(exit_of "$T/bin/apikeyctl" fleet --db "postgresql:///fleet?host=$T/nowhere" hosts)" 5
expect_eq "hosts before init: exit 4 (no fleet schema)" "$(exit_of fleet hosts)" 4
expect_eq "migrate before init: exit 4" "$(exit_of fleet migrate)" 4

# init, twice.
out=$(fleet init)
expect_eq "init: exit 0" "$?" 0
check "... says it created version 2" grep -q "created (version 2)" <<<"$out"
before=$(pg_sql fleet_owner "SELECT count(*) FROM pg_policies WHERE schemaname = 'apikey'")
out=$(fleet init --json)
expect_eq "init again: exit 0 (idempotent)" "$?" 0
check "... migrates nothing" jq -e '.version == 2 and .previous_version == 2 and .migrated == false' <<<"$out"
expect_eq "... and the policies are as they were" \
        "$(pg_sql fleet_owner "SELECT count(*) FROM pg_policies WHERE schemaname = 'apikey'")" "$before"
check "migrate on a current schema: exit 0" fleet migrate

# The fleet's secret: made once, 32 bytes, mode 0600, never overwritten.
out=$(fleet init --key-file "$T/fleet.key" --json)
expect_eq "init --key-file: exit 0" "$?" 0
check "... reports the key created" jq -e '.key_created == true and .migrated == false' <<<"$out"
expect_eq "... a 32-byte regular file of mode 0600" "$(stat -c '%F %s %a' "$T/fleet.key")" "regular file 32 600"
sum=$(sha256sum <"$T/fleet.key")
check "init --key-file again keeps it" jq -e '.key_created == false' <<<"$(fleet init --key-file "$T/fleet.key" --json)"
expect_eq "... byte for byte" "$(sha256sum <"$T/fleet.key")" "$sum"
dump=$(timeout 30 "$PG_BIN/pg_dump" -d "$(pg_uri postgres)" --data-only)
check "... and the database does not hold it" bash -c '[ -n "$1" ] && ! grep -qi "$2" <<<"$1"' _ "$dump" \
        "$(od -An -tx1 "$T/fleet.key" | tr -d ' \n')"
printf 'short' >"$T/bad.key"
chmod 0600 "$T/bad.key"
expect_eq "init --key-file on a file that is no fleet key: exit 6" "$(exit_of fleet init --key-file "$T/bad.key")" 6
ln -s "$T/fleet.key" "$T/link.key"
expect_eq "init --key-file on a symlink: refused" "$(exit_of fleet init --key-file "$T/link.key")" 1
pg_sql postgres "CREATE ROLE stranger LOGIN" postgres >/dev/null
expect_eq "a role that is not the fleet's may not even connect: exit 5" \
        "$(exit_of "$T/bin/apikeyctl" fleet --db "$(pg_uri stranger)" hosts)" 5
pg_sql postgres "GRANT CONNECT ON DATABASE fleet TO stranger" postgres >/dev/null
expect_eq "init as a role that does not own the database: exit 3" \
        "$(exit_of "$T/bin/apikeyctl" fleet --db "$(pg_uri stranger)" init)" 3

# A migration waits at most the lock timeout for a busy schema, then gives
# up having changed nothing.
pg_sql fleet_owner "BEGIN; LOCK TABLE apikey.meta IN ACCESS SHARE MODE; SELECT pg_sleep(9); COMMIT" \
        >/dev/null 2>&1 &
holder=$!
sleep 0.5
start=$(date +%s%N)
out=$(fleet migrate 2>&1)
rc=$?
elapsed=$((($(date +%s%N) - start) / 1000000))
expect_eq "migrate under a held lock: exit 6" "$rc" 6
check "... within the lock timeout (5 s; took ${elapsed} ms)" test "$elapsed" -lt 8500
check "... saying another session holds a lock" grep -q "another session holds a lock" <<<"$out"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
pg_sql postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(9)%'
        AND pid <> pg_backend_pid()" postgres >/dev/null

# Two first inits at once on another database: one creates, the other
# finds it done (the advisory lock orders them), both succeed.
pg_sql postgres "CREATE DATABASE fleet2 OWNER fleet_owner" postgres >/dev/null
"$T/bin/apikeyctl" fleet --db "$(pg_uri fleet_owner fleet2)" init >"$T/init1" 2>&1 &
"$T/bin/apikeyctl" fleet --db "$(pg_uri fleet_owner fleet2)" init >"$T/init2" 2>&1
rc2=$?
wait $!
expect_eq "two inits at once both succeed" "$?/$rc2" "0/0"
check "... one created the schema" bash -c 'cat "$1" "$2" | grep -q "created (version 2)"' _ "$T/init1" "$T/init2"

# A version 1 schema (apikeyd 0.2.0: current_host() and host_scopes() in
# SQL) migrates to 2: the same functions in PL/pgSQL, with the same grants
# and answers, and a host role still sees exactly its own scopes.
pg_sql fleet_owner "
CREATE OR REPLACE FUNCTION apikey.current_host() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
  AS \$\$ SELECT name FROM apikey.hosts WHERE role = current_user \$\$;
CREATE OR REPLACE FUNCTION apikey.host_scopes(h text) RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE
  AS \$\$ SELECT CASE WHEN h IS NULL THEN '{}'::text[] ELSE
         array(SELECT grp FROM apikey.host_groups WHERE host = h ORDER BY position)
         || ('host:' || h) END \$\$;
UPDATE apikey.meta SET version = 1" fleet2 >/dev/null
"$T/bin/apikeyctl" fleet --db "$(pg_uri fleet_owner fleet2)" add-host m1 --group g2 --group g1 >/dev/null
"$T/bin/apikeyctl" fleet --db "$(pg_uri fleet_owner fleet2)" add-host m2 --group g3 >/dev/null
m1_before=$(pg_sql apikeyd_m1 "SELECT apikey.host_scopes(apikey.current_host())" fleet2)
out=$("$T/bin/apikeyctl" fleet --db "$(pg_uri fleet_owner fleet2)" migrate --json)
expect_eq "migrate a version 1 schema: exit 0" "$?" 0
check "... from 1 to 2" jq -e '.version == 2 and .previous_version == 1 and .migrated == true' <<<"$out"
expect_eq "... current_host() and host_scopes() are PL/pgSQL now" "$(pg_sql fleet_owner "SELECT string_agg(
        p.proname || ':' || l.lanname, ' ' ORDER BY p.proname) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'apikey'::regnamespace AND p.proname IN ('current_host', 'host_scopes')" fleet2)" \
        "current_host:plpgsql host_scopes:plpgsql"
expect_eq "... and still not executable by PUBLIC" "$(pg_sql fleet_owner "SELECT count(*) FROM pg_proc
        WHERE pronamespace = 'apikey'::regnamespace AND proname IN ('current_host', 'host_scopes')
        AND has_function_privilege('stranger', oid, 'EXECUTE')" fleet2)" 0
expect_eq "... a host's scopes are what they were: its groups in order, then host:NAME" \
        "$(pg_sql apikeyd_m1 "SELECT apikey.host_scopes(apikey.current_host())" fleet2)/$m1_before" \
        "{g2,g1,host:m1}/{g2,g1,host:m1}"
expect_eq "... another host's name learns nothing of its groups" \
        "$(pg_sql apikeyd_m2 "SELECT apikey.host_scopes('m1')" fleet2)" "{host:m1}"
expect_eq "... a role that is no host has no host and no scope" \
        "$(pg_sql fleet_owner "SELECT coalesce(apikey.current_host(), '-') || ' ' || apikey.host_scopes(NULL)::text" fleet2)" \
        "- {}"

# A schema newer than this apikeyctl: refused, untouched.
pg_sql fleet_owner "UPDATE apikey.meta SET version = 99" fleet2 >/dev/null
out=$("$T/bin/apikeyctl" fleet --db "$(pg_uri fleet_owner fleet2)" migrate 2>&1)
expect_eq "migrate of a newer schema: exit 1" "$?" 1
check "... saying it is newer" grep -q "newer than this apikeyctl" <<<"$out"
expect_eq "... and leaving it as it was" "$(pg_sql fleet_owner "SELECT version FROM apikey.meta" fleet2)" 99

# Hosts and groups.
out=$(fleet add-host web1 --group prod --group web)
expect_eq "add-host web1: exit 0" "$?" 0
check "... tells how to give the role a credential (certificate, passfile)" \
        bash -c 'grep -q "CN=apikeyd_web1" <<<"$1" && grep -q "passfile=" <<<"$1" && grep -q pg_hba.conf <<<"$1"' _ "$out"
check "... never puts a password on a command line" bash -c '! grep -qiE "password[= ]+[^ ]*[a-z0-9]" <<<"$1" ||
        ! grep -qE "PASSWORD '\''|-W|PGPASSWORD" <<<"$1"' _ "$out"
check "add-host web2 --group web --json" jq -e '.host == "web2" and .role == "apikeyd_web2" and .groups == ["web"]
        and .default_scope == "web"' <<<"$(fleet add-host web2 --group web --json)"
check "add-host solo (no group): its default scope is itself" \
        jq -e '.groups == [] and .default_scope == "host:solo"' <<<"$(fleet add-host solo --json)"
check "add-host db1 --role with a chosen role name" fleet add-host db1 --group prod --role db1_custom_role
expect_eq "... a role named pg_* is refused (exit 2)" "$(exit_of fleet add-host db2 --role pg_monitor2)" 2
expect_eq "add-host of an existing host: exit 6" "$(exit_of fleet add-host web1)" 6
pg_sql postgres "CREATE ROLE apikeyd_taken" postgres >/dev/null
expect_eq "add-host never adopts an existing role: exit 6" "$(exit_of fleet add-host taken)" 6
expect_eq "... and no host was added" "$(pg_sql fleet_owner "SELECT count(*) FROM apikey.hosts WHERE name = 'taken'")" 0
expect_eq "the new role: LOGIN, no password, no powers, only in apikey_host" \
        "$(pg_sql postgres "SELECT r.rolcanlogin, r.rolpassword IS NULL, r.rolsuper OR r.rolcreaterole OR r.rolcreatedb
                OR r.rolbypassrls OR r.rolreplication, string_agg(g.rolname, ',')
                FROM pg_authid r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid
                WHERE r.rolname = 'apikeyd_web1' GROUP BY 1, 2, 3" fleet)" "t|t|f|apikey_host"
expect_eq "... with at most 16 connections (one host cannot use up the server's)" \
        "$(pg_sql postgres "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'apikeyd_web1'" fleet)" 16

hosts=$(fleet hosts --json)
check "hosts --json: every host, its role, groups in order, default scope" jq -e '
        (map(.name) == ["db1", "solo", "web1", "web2"]) and
        (.[] | select(.name == "web1") | .groups == ["prod", "web"] and .default_scope == "prod"
                and .role == "apikeyd_web1" and (.created_at | test("^[0-9-]+T[0-9:]+Z$")))' <<<"$hosts"
check "hosts (text) has a header and a line per host" bash -c '[ "$(wc -l <<<"$1")" -eq 5 ] &&
        grep -qE "^web1 +apikeyd_web1 +prod,web " <<<"$1"' _ "$(fleet hosts)"
check "groups --json: every group and its hosts" jq -e '
        map({name, hosts}) == [{"name": "prod", "hosts": ["db1", "web1"]}, {"name": "web", "hosts": ["web1", "web2"]}]
        and all(.[]; .keys == 0 and .service_ids == 0)' <<<"$(fleet groups --json)"
check "--json before fleet works too" jq -e 'length == 2' <<<"$("$T/bin/apikeyctl" --json fleet --db "$OWNER" groups)"
check "--db before fleet works too" jq -e 'length == 2' <<<"$("$T/bin/apikeyctl" --db "$OWNER" fleet groups --json)"
check "... and --db=URI" jq -e 'length == 2' <<<"$("$T/bin/apikeyctl" --db="$OWNER" --json fleet groups)"
check "a host's role sees only itself in fleet hosts" jq -e 'map(.name) == ["web2"]' \
        <<<"$("$T/bin/apikeyctl" fleet --db "$(pg_uri apikeyd_web2)" hosts --json)"
expect_eq "a host's role may not add hosts: exit 3" \
        "$(exit_of "$T/bin/apikeyctl" fleet --db "$(pg_uri apikeyd_web2)" add-host evil)" 3
expect_eq "... nor remove them: exit 3" \
        "$(exit_of "$T/bin/apikeyctl" fleet --db "$(pg_uri apikeyd_web2)" remove-host web1)" 3
# Bash completion: commands, options, and names from the --db on the line.
complete_line() {
        bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                _apikeyctl; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ completion/apikeyctl \
                "$T/bin/apikeyctl" "$@"
}
expect_eq "completion: fleet's commands" "$(complete_line fleet "")" \
        "add-host groups hosts import init migrate remove-host set-groups "
expect_eq "completion: add-host's options" "$(complete_line fleet add-host x --)" "--db --group --help --json --role "
expect_eq "completion: remove-host takes a host of the --db" "$(complete_line fleet --db "$OWNER" remove-host "")" \
        "db1 solo web1 web2 "
expect_eq "completion: --group takes a group of the --db" "$(complete_line fleet --db "$OWNER" add-host x --group "")" \
        "prod web "
check "remove-host db1 --json" jq -e '.host == "db1" and .role == "db1_custom_role"' \
        <<<"$(fleet remove-host db1 --json)"
expect_eq "... its role is gone" "$(pg_sql postgres "SELECT count(*) FROM pg_roles WHERE rolname = 'db1_custom_role'" postgres)" 0
expect_eq "remove-host of an unknown host: exit 4" "$(exit_of fleet remove-host db1)" 4

# set-groups: a host's groups replaced, in order; the first is where keys
# created on it go.
check "set-groups web2 --group prod --group web --json" jq -e '.host == "web2" and .groups == ["prod", "web"]
        and .default_scope == "prod"' <<<"$(fleet set-groups web2 --group prod --group web --json)"
check "... fleet hosts shows them, in that order" jq -e '.[] | select(.name == "web2")
        | .groups == ["prod", "web"] and .default_scope == "prod"' <<<"$(fleet hosts --json)"
check "set-groups with a new group creates it" bash -c 'grep -q "groups canary (keys created on it go to canary)" <<<"$1"' \
        _ "$(fleet set-groups web2 --group canary)"
check "... and web2 left prod and web" jq -e '(map({name, hosts}) | sort_by(.name)) == [
        {"name": "canary", "hosts": ["web2"]}, {"name": "prod", "hosts": ["web1"]}, {"name": "web", "hosts": ["web1"]}]' \
        <<<"$(fleet groups --json)"
check "set-groups with no --group: in no group, keys created on it stay on it" \
        jq -e '.groups == [] and .default_scope == "host:web2"' <<<"$(fleet set-groups web2 --json)"
expect_eq "set-groups of an unknown host: exit 4" "$(exit_of fleet set-groups nosuch --group nosuchgrp)" 4
expect_eq "... and it made no group" "$(pg_sql fleet_owner "SELECT count(*) FROM apikey.groups WHERE name = 'nosuchgrp'")" 0
expect_eq "set-groups with a bad group name: exit 2" "$(exit_of fleet set-groups web2 --group 'host:web1')" 2
expect_eq "set-groups without a host: exit 2" "$(exit_of fleet set-groups)" 2
expect_eq "set-groups does not take --role: exit 2" "$(exit_of fleet set-groups web2 --role x)" 2
expect_eq "a host's role may not change groups, not even its own: exit 3" \
        "$(exit_of "$T/bin/apikeyctl" fleet --db "$(pg_uri apikeyd_web2)" set-groups web2 --group prod)" 3
check "... and web2 is still in no group" jq -e '.[] | select(.name == "web2") | .groups == []' <<<"$(fleet hosts --json)"
expect_eq "completion: set-groups takes a host of the --db" "$(complete_line fleet --db "$OWNER" set-groups "")" \
        "solo web1 web2 "
expect_eq "completion: set-groups' options" "$(complete_line fleet set-groups x --)" "--db --group --help --json "

# Import: a real store made by the real daemon, with keys, a service ID,
# uses and audit records.
alice=$(add_user alice)
add_group "$ADMIN_GROUP"
start_daemon
ka=$(create_key "$alice" --name first)
kb=$(create_key "$alice" --name limited --max-uses 5)
ctl_as root service-id create "sid$SUFFIX" --description "imported" >/dev/null
ks=$(ctl_as root create --service-id "sid$SUFFIX")
pam_service apikey
expect_eq "a login with alice's key on the SQLite host" "$(pam_result apikey "$alice" "$kb")" PAM_SUCCESS
pam_result apikey "$alice" "${ka%?}x" >/dev/null
ctl_as "$alice" disable "$(key_id "$ka")" >/dev/null
check "the SQLite store's audit chain verifies before the import" ctl_as root audit --verify
stop_daemon
DB=$T/state/keys.db

out=$(fleet import --from "$DB" --host nosuch 2>&1)
expect_eq "import to a host not in the fleet: exit 4" "$?" 4
check "... saying to add it first" grep -q "add-host nosuch" <<<"$out"
expect_eq "import of a file that is no store: exit 1" "$(exit_of fleet import --from /etc/hostname --host solo)" 1
expect_eq "import of a missing file: exit 4" "$(exit_of fleet import --from "$T/none.db" --host solo)" 4
out=$(fleet import --from "$DB" --host solo --json)
expect_eq "import of solo's store: exit 0" "$?" 0
nkeys=$(sqlite3 "$DB" "SELECT count(*) FROM keys")
naudit=$(sqlite3 "$DB" "SELECT count(*) FROM audit")
check "... reports 3 keys, 1 service ID, every audit record" jq -e --argjson n "$naudit" \
        '.keys == 3 and .service_ids == 1 and .audit_records == $n and .hash_key == "host:solo"' <<<"$out"

KEY_COLS="id, HASH, kind, owner_type, owner_name, owner_uid, name, description, state, created_at, created_by,
        last_used_at, last_used_from, last_used_service, use_count, expires_at, locked, services, sources, max_uses,
        leak_action, rotated_to, retires, disabled_by, locked_by, orphaned_at, MAC"
AUDIT_COLS="seq, time, event, result, key_id, identity, USER, service, rhost, tty, peer_uid, peer_pid, caller, action,
        detail, PREV_HASH, HASH"
lite_cols() { sed -e 's/\bHASH\b/hex(hash)/; s/\bMAC\b/hex(mac)/; s/PREV_HASH/hex(prev_hash)/; s/\bUSER\b/user/' <<<"$1"; }
pg_cols() {
        sed -e "s/\bHASH\b/upper(encode(hash, 'hex'))/; s/\bMAC\b/upper(encode(mac, 'hex'))/" \
                -e "s/PREV_HASH/upper(encode(prev_hash, 'hex'))/; s/\bUSER\b/\"user\"/" <<<"$1"
}
expect_eq "every key row arrived byte for byte (hash and MAC included)" \
        "$(pg_sql fleet_owner "SELECT $(pg_cols "$KEY_COLS") FROM apikey.keys ORDER BY id")" \
        "$(sqlite3 "$DB" "SELECT $(lite_cols "$KEY_COLS") FROM keys ORDER BY id")"
expect_eq "... with scope, hash_key and created_host solo's" \
        "$(pg_sql fleet_owner "SELECT DISTINCT scope || ',' || hash_key || ',' || created_host FROM apikey.keys")" \
        "host:solo,host:solo,solo"
expect_eq "the service ID arrived (MAC included), scope host:solo" \
        "$(pg_sql fleet_owner "SELECT name, description, unix_user, unix_uid, locked, created_at, created_by,
                upper(encode(mac, 'hex')), scope FROM apikey.service_ids")" \
        "$(sqlite3 "$DB" "SELECT name, description, unix_user, unix_uid, locked, created_at, created_by, hex(mac),
                'host:solo' FROM service_ids")"
expect_eq "every audit record arrived byte for byte, same seqs and hashes" \
        "$(pg_sql fleet_owner "SELECT $(pg_cols "$AUDIT_COLS") FROM apikey.audit WHERE host = 'solo' ORDER BY seq")" \
        "$(sqlite3 "$DB" "SELECT $(lite_cols "$AUDIT_COLS") FROM audit ORDER BY seq")"
expect_eq "the chain links in SQL: each record's prev_hash is the hash before it, no seq missing" \
        "$(pg_sql fleet_owner "SELECT count(*) FILTER (WHERE p.hash IS DISTINCT FROM a.prev_hash),
                max(a.seq) - min(a.seq) + 1 - count(*)
                FROM apikey.audit a LEFT JOIN apikey.audit p ON p.host = a.host AND p.seq = a.seq - 1
                WHERE a.host = 'solo' AND a.seq > (SELECT min(seq) FROM apikey.audit WHERE host = 'solo')")" "0|0"
expect_eq "solo's role sees the imported keys" \
        "$(pg_sql apikeyd_solo "SELECT count(*) FROM apikey.keys")" "$nkeys"
expect_eq "web1's role sees none of them" "$(pg_sql apikeyd_web1 "SELECT count(*) FROM apikey.keys")" 0
expect_eq "solo's role reads its imported audit chain" \
        "$(pg_sql apikeyd_solo "SELECT count(*) FROM apikey.audit")" "$naudit"
expect_eq "import again: exit 6 (the chain is there already)" \
        "$(exit_of fleet import --from "$DB" --host solo)" 6
expect_eq "import of the same keys for another host: exit 6, nothing imported" \
        "$(exit_of fleet import --from "$DB" --host web2)" 6
expect_eq "... web2 has no audit records" "$(pg_sql fleet_owner "SELECT count(*) FROM apikey.audit WHERE host = 'web2'")" 0

# The real daemon verifies the fleet's copy of the chain: the rows read back
# from PostgreSQL into a copy of the store, checked by apikeyd's verify (the
# installation secret and audit head beside it are solo's).
roundtrip() {
        rm -rf "$T/state2"
        cp -a "$T/state" "$T/state2"
        sqlite3 "$T/state2/keys.db" "DELETE FROM audit"
        pg_sql fleet_owner "SELECT format('INSERT INTO audit VALUES (%s, %s, %L, %L, %L, %L, %L, %L, %L, %L, %s, %s,
                %L, %L, %L, x''%s'', x''%s'');', seq, time, event, result, key_id, identity, \"user\", service, rhost,
                tty, peer_uid, peer_pid, caller, action, detail, encode(prev_hash, 'hex'), encode(hash, 'hex'))
                FROM apikey.audit WHERE host = 'solo' ORDER BY seq" | sqlite3 "$T/state2/keys.db"
        "$T/bin/apikeyd" --no-config --db "$T/state2/keys.db" --listen-dir "$T/run" --admin-group "$ADMIN_GROUP" \
                >>"$T/daemon.log" 2>&1 &
        DAEMON_PID=$!
        wait_for_socket "$CTL_SOCK"
        ctl_as root audit --verify --json
        stop_daemon
}
check "apikeyd verifies the chain read back from the fleet" jq -e '.verified == true' <<<"$(roundtrip)"
pg_sql fleet_owner "ALTER TABLE apikey.audit DISABLE TRIGGER audit_no_update;
        UPDATE apikey.audit SET detail = 'forged' WHERE host = 'solo' AND seq = 3;
        ALTER TABLE apikey.audit ENABLE TRIGGER audit_no_update" >/dev/null
out=$(roundtrip)
check "... and finds a record changed in the fleet (by the owner, triggers off), at its seq" \
        jq -e '.verified == false' <<<"$out"
exit 0
