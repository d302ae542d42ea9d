#!/bin/bash
# fleet.sh - several hosts on one fleet store (issue 11): four apikeyd
# processes, each its own host (its own PostgreSQL role, listen dir and state
# dir), on a private PostgreSQL cluster, driven through the real libpam and
# the built module. Where a key works (scope, wrong_host), revocation seen by
# the next login on another host, max-uses exact across hosts under
# concurrency, the database stopped and back, each host's audit chain.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/pg_lib.sh"
pg_require "fleet store"

OWNER=fleetowner
fleet_setup "$OWNER" || { not_ok "a fleet database"; exit 1; }
fleet() { "$T/bin/apikeyctl" fleet --db "$(pg_uri "$OWNER")" "$@"; }
owner_sql() { pg_sql "$OWNER" "$1"; }

# Hosts a, b and d are in group g1; c is in g2 only.
fleet add-host a --group g1 >/dev/null
fleet add-host b --group g1 >/dev/null
fleet add-host c --group g2 >/dev/null
fleet add-host d --group g1 >/dev/null

declare -A HOST_PID
# start_host NAME [ARGS...]: apikeyd as host NAME, sockets in $T/run-NAME.
start_host() {
        local h=$1; shift
        mkdir -p "$T/run-$h" "$T/state-$h"
        chmod 0755 "$T/run-$h"
        chmod 0700 "$T/state-$h"
        fleet_key "$T/state-$h"
        DIAG_LOGS+=("$T/daemon-$h.log")
        "$T/bin/apikeyd" --no-config --db "$(pg_uri "apikeyd_$h")" --state-dir "$T/state-$h" \
                --listen-dir "$T/run-$h" --admin-group "$ADMIN_GROUP" "$@" >>"$T/daemon-$h.log" 2>&1 &
        HOST_PID[$h]=$!
        for _ in $(seq 1 100); do
                "$T/bin/apikeyctl" --socket "$T/run-$h/control.sock" status >/dev/null 2>&1 && break
                sleep 0.05
        done
        printf 'auth required %s socket=%s timeout=2\naccount required %s\n' "$T/bin/pam_apikey.so" \
                "$T/run-$h/auth.sock" "$T/bin/pam_apikey.so" >"$T/pam/on-$h"
}
stop_hosts() {
        local h rc
        for h in "${!HOST_PID[@]}"; do
                kill "${HOST_PID[$h]}" 2>/dev/null
                for _ in $(seq 1 200); do kill -0 "${HOST_PID[$h]}" 2>/dev/null || break; sleep 0.05; done
                kill -9 "${HOST_PID[$h]}" 2>/dev/null
                wait "${HOST_PID[$h]}" 2>/dev/null
                rc=$?
                [ "$rc" -eq 0 ] || not_ok "apikeyd of host $h exited with status $rc"
                unset "HOST_PID[$h]"
        done
}
trap 'stop_hosts; pg_cleanup; cleanup' EXIT

# on HOST USER ARGS...: apikeyctl on HOST's control socket as USER.
on() {
        local h=$1 user=$2; shift 2
        if [ "$user" = root ]; then
                "$T/bin/apikeyctl" --socket "$T/run-$h/control.sock" "$@"
        else
                setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- \
                        "$T/bin/apikeyctl" --socket "$T/run-$h/control.sock" "$@"
        fi
}
login() { pam_result "on-$1" "$2" "$3"; }
audit_result() { on "$1" root audit --key "$2" --json | jq -r '[.[] | select(.event == "auth")] | last | .result'; }

alice=$(add_user alice)
add_group "$ADMIN_GROUP"
for h in a b c d; do start_host "$h"; done

# --- Where a key works -------------------------------------------------------
key=$(on a "$alice" create --name fleet)
id=$(key_id "$key")
expect_eq "a key made through host a gets a's default group as scope" \
        "$(owner_sql "SELECT scope || ' ' || created_host FROM apikey.keys WHERE id = '$id'")" "g1 a"
expect_eq "show --json through a host says its scope" "$(on a "$alice" show "$id" --json | jq -r .scope)" g1
check "... and show says it in words" grep -qE "^Scope: +g1$" <<<"$(on b "$alice" show "$id")"
expect_eq "it logs alice in on a" "$(login a "$alice" "$key")" PAM_SUCCESS
expect_eq "... and on b, in a's group" "$(login b "$alice" "$key")" PAM_SUCCESS
expect_eq "... but not on c, in another group" "$(login c "$alice" "$key")" PAM_AUTH_ERR
expect_eq "c's audit says wrong_host" "$(audit_result c "$id")" wrong_host
expect_eq "a wrong secret for that key on c is not_found, not wrong_host (no oracle)" \
        "$(login c "$alice" "$("$T/bin/keytool" wrong-secret "$key")"; audit_result c "$id")" "PAM_AUTH_ERR
not_found"
expect_eq "c does not list the key, even to root" "$(on c root list --all --json | jq --arg i "$id" '[.[] | select(.id == $i)] | length')" 0
key_c=$(on c "$alice" create --name onc)
expect_eq "a key made through c (g2) logs in on c" "$(login c "$alice" "$key_c")" PAM_SUCCESS
expect_eq "... and is wrong_host on a" "$(login a "$alice" "$key_c"; audit_result a "$(key_id "$key_c")")" \
        "PAM_AUTH_ERR
wrong_host"
expect_eq "uses add up across hosts (a, b: 2)" \
        "$(sleep 1.5; owner_sql "SELECT use_count FROM apikey.keys WHERE id = '$id'")" 2
# Three hosts count uses of one key at once: their writers' batched
# compare-and-swap UPDATEs (store_pg_keys.c) miss when another host wrote
# the row in between, and the misses go again one at a time. Every use is
# counted once, and the row still matches its MAC.
key_m=$(on a "$alice" create --name many)
pids=()
for h in a b d; do
        (for i in $(seq 12); do login "$h" "$alice" "$key_m" >/dev/null; done) &
        pids+=($!)
done
wait "${pids[@]}" # not the daemons
sleep 1.5 # the last batches
expect_eq "12 logins on each of a, b and d at once: 36 uses counted" \
        "$(owner_sql "SELECT use_count FROM apikey.keys WHERE id = '$(key_id "$key_m")'")" 36
expect_eq "... the row still matches its MAC (it logs in)" "$(login b "$alice" "$key_m")" PAM_SUCCESS

# The fleet admin changes a host's groups: its daemon follows at its next
# login, with no restart.
fleet set-groups c --group g2 --group g1 >/dev/null
expect_eq "c put in g1 too (fleet set-groups): a's key logs in on c, no restart" "$(login c "$alice" "$key")" PAM_SUCCESS
expect_eq "... c lists it now" "$(on c root list --all --json | jq --arg i "$id" '[.[] | select(.id == $i)] | length')" 1
expect_eq "... and keys made through c still go to g2, its first group" \
        "$(owner_sql "SELECT scope FROM apikey.keys WHERE id = '$(key_id "$(on c "$alice" create --name onc2)")'")" g2
fleet set-groups c --group g2 >/dev/null
expect_eq "c back in g2 alone: a's key is refused on c at the next login" \
        "$(login c "$alice" "$key"; audit_result c "$id")" "PAM_AUTH_ERR
wrong_host"

# --- Revocation under load: 8 clients log in through b and d while a disables --
# Each login is stamped with the time it began; none that began after a's
# `disable` returned may succeed, on any host.
key_r=$(on a "$alice" create --name revoke-under-load)
rm -f "$T/stop-load"
pids=()
for i in $(seq 1 8); do
        h=b; [ $((i % 2)) -eq 0 ] && h=d
        (for _ in $(seq 1 400); do
                [ -e "$T/stop-load" ] && break
                s=$(date +%s%N)
                echo "$s $(login "$h" "$alice" "$key_r")"
        done >"$T/load-$i") &
        pids+=($!)
done
sleep 1
on a "$alice" disable "$(key_id "$key_r")" >/dev/null
acked=$(date +%s%N)
sleep 1
touch "$T/stop-load"
wait "${pids[@]}"
cat "$T"/load-* >"$T/load"
check "... the 8 clients logged in through b and d before the disable" \
        awk -v t="$acked" '$1 < t && $2 == "PAM_SUCCESS" { n++ } END { exit !(n > 0) }' "$T/load"
check "... and kept trying after it was acknowledged" awk -v t="$acked" '$1 > t { n++ } END { exit !(n > 0) }' "$T/load"
expect_eq "disabled through a under load: 0 logins through b and d that began after the acknowledgement succeed" \
        "$(awk -v t="$acked" '$1 > t && $2 == "PAM_SUCCESS"' "$T/load" | wc -l)" 0

# --- Revocation: disabled through b, refused by a at the next login ------------
on b "$alice" disable "$id" >/dev/null
expect_eq "disabled through b: a refuses the very next login" "$(login a "$alice" "$key")" PAM_AUTH_ERR
expect_eq "... as disabled" "$(audit_result a "$id")" disabled
rm -f "$T/revoked"
pids=()
for i in $(seq 1 8); do
        (for h in a b d; do login "$h" "$alice" "$key"; done >>"$T/revoked") &
        pids+=($!)
done
wait "${pids[@]}"
expect_eq "8 clients through a, b and d after the disable: 0 successes" "$(grep -c PAM_SUCCESS "$T/revoked")" 0
on b "$alice" enable "$id" >/dev/null
expect_eq "enabled through b: works on d" "$(login d "$alice" "$key")" PAM_SUCCESS
on d "$alice" delete "$id" >/dev/null
expect_eq "deleted through d: a refuses it" "$(login a "$alice" "$key")" PAM_AUTH_ERR

# --- A fleet admin manages keys from the admin's seat (apikeyctl --db) ----------
# The owner is a member of apikey_admin; no host's daemon is asked.
admin() { "$T/bin/apikeyctl" --db "$(pg_uri "$OWNER")" "$@"; }
ka=$(on a "$alice" create --name seat)
kaid=$(key_id "$ka")
kcid=$(key_id "$key_c")
listed=$(admin list --json)
expect_eq "the fleet admin lists keys of every scope (g1's, g2's)" \
        "$(jq --arg a "$kaid" --arg c "$kcid" '[.[] | select(.id == $a or .id == $c)] | length' <<<"$listed")" 2
expect_eq "... printed as the daemon prints them" "$(jq -r --arg a "$kaid" '.[] | select(.id == $a) | .identity + " " + .state' <<<"$listed")" \
        "user:$alice active"
expect_eq "... --user filters" "$(admin list --json --user nobody-$$ | jq length)" 0
expect_eq "... with each key's scope (g1's, g2's)" \
        "$(jq -r --arg a "$kaid" --arg c "$kcid" '[.[] | select(.id == $a or .id == $c) | .scope] | sort | join(" ")' <<<"$listed")" "g1 g2"
complete_ids() { # the key IDs bash completion offers after: apikeyctl --db URI show
        bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                _apikeyctl; printf "%s\n" "${COMPREPLY[@]}"' _ completion/apikeyctl "$T/bin/apikeyctl" --db "$1" show ""
}
check "completion with --db offers the fleet's key IDs" grep -qx "$kaid" <<<"$(complete_ids "$(pg_uri "$OWNER")")"
check "... and to a host's role only its scopes' (not g2's)" \
        bash -c 'grep -qx "$1" <<<"$3" && ! grep -qx "$2" <<<"$3"' _ "$kaid" "$kcid" "$(complete_ids "$(pg_uri apikeyd_a)")"
admin disable "$kaid" --key-file "$T/fleet.key" >/dev/null
expect_eq "disabled from the admin's seat (--key-file): b refuses the next login" "$(login b "$alice" "$ka")" PAM_AUTH_ERR
expect_eq "... as disabled, not tampered (the row is sealed as apikeyd seals it)" "$(audit_result b "$kaid")" disabled
expect_eq "... show says disabled" "$(admin show "$kaid" --json --key-file "$T/fleet.key" | jq -r .state)" disabled
admin enable "$kaid" >/dev/null 2>"$T/enable.err"
expect_eq "enable without --key-file is refused (exit 2)" "$?" 2
check "... and says why" grep -q -- "--key-file" "$T/enable.err"
admin enable "$kaid" --key-file "$T/fleet.key" >/dev/null
expect_eq "enabled from the admin's seat: it logs in on a again" "$(login a "$alice" "$ka")" PAM_SUCCESS
kt=$(on a "$alice" create --name seat-unsealed)
ktid=$(key_id "$kt")
admin disable "$ktid" >/dev/null 2>"$T/disable.err"
expect_eq "disable without --key-file still revokes (exit 0)" "$?" 0
check "... with a warning" grep -q "warning" "$T/disable.err"
expect_eq "... the next login on d is refused as tampered (fail closed)" \
        "$(login d "$alice" "$kt"; audit_result d "$ktid")" "PAM_AUTH_ERR
tampered"
admin enable "$ktid" --key-file "$T/fleet.key" >/dev/null 2>&1
expect_eq "... and a row that fails its MAC is never re-sealed by enable (exit 3)" "$?" 3
expect_eq "... it stays refused" "$(login a "$alice" "$kt")" PAM_AUTH_ERR
check "... and a host's audit --verify names its row" \
        jq -e --arg t "$ktid" '[.breaks[] | select(.kind == "row" and .key_id == $t)] | length == 1' \
        <<<"$(on a root audit --verify --json)"
admin delete "$ktid" >/dev/null
admin delete "$kaid" >/dev/null
expect_eq "deleted from the admin's seat: b refuses it" "$(login b "$alice" "$ka")" PAM_AUTH_ERR
admin show "$kaid" >/dev/null 2>&1
expect_eq "... show finds no such key (exit 4)" "$?" 4
# The wrong parties.
host_a() { "$T/bin/apikeyctl" --db "$(pg_uri apikeyd_a)" "$@"; }
expect_eq "host a's role with --db does not list g2's keys" \
        "$(host_a list --json | jq --arg c "$kcid" '[.[] | select(.id == $c)] | length')" 0
host_a disable "$kcid" >/dev/null 2>&1
expect_eq "... nor disables one (exit 4: row-level security shows it no row)" "$?" 4
expect_eq "... the g2 key is untouched" "$(owner_sql "SELECT state FROM apikey.keys WHERE id = '$kcid'")" active
pg_sql postgres "CREATE ROLE stranger_$$ LOGIN" >/dev/null
"$T/bin/apikeyctl" --db "$(pg_uri "stranger_$$")" list --json >"$T/stranger.out" 2>/dev/null
rc=$?
check "a role that is not the fleet's gets no keys (exit $rc)" test "$rc" -ne 0 -a ! -s "$T/stranger.out"
"$T/bin/apikeyctl" --db "$(pg_uri "nosuchrole_$$")" list >/dev/null 2>&1
expect_eq "... and a role that does not exist cannot connect (exit 5)" "$?" 5
"$T/bin/apikeyctl" --db "$(pg_uri "$OWNER")" create --name x >/dev/null 2>"$T/dbcreate.err"
expect_eq "create with --db: run it on a host (exit 2)" "$?" 2
check "... says so" grep -q "run it on a host" "$T/dbcreate.err"
"$T/bin/apikeyctl" --db "$(pg_uri "$OWNER")" --socket "$T/run-a/control.sock" list >/dev/null 2>&1
expect_eq "--db with --socket: exit 2" "$?" 2
"$T/bin/apikeyctl" --db "postgresql://$OWNER:pw@localhost/fleet" list >/dev/null 2>&1
expect_eq "--db with a password in it: exit 2" "$?" 2
"$T/bin/apikeyctl" --socket "$T/run-a/control.sock" --key-file "$T/fleet.key" list >/dev/null 2>&1
expect_eq "--key-file without --db: exit 2 (the daemon holds its own secret)" "$?" 2

# Service IDs from the admin's seat: read, as the daemon prints them.
sid_a=ci-a-$$ sid_c=ci-c-$$
on a root service-id create "$sid_a" --description "deploys" >/dev/null
on c root service-id create "$sid_c" >/dev/null
on a root create --service-id "$sid_a" >/dev/null
expect_eq "service-id list --db: the fleet admin sees both hosts' service IDs" \
        "$(admin service-id list --json | jq -r --arg a "$sid_a" --arg c "$sid_c" \
                '[.[] | select(.name == $a or .name == $c) | .name] | join(" ")')" "$sid_a $sid_c"
expect_eq "... each as its host's daemon shows it" "$(admin service-id show "$sid_a" --json | jq -S .)" \
        "$(on a root service-id show "$sid_a" --json | jq -S .)"
expect_eq "... with its keys counted" "$(admin service-id show "$sid_a" --json | jq .keys)" 1
check "... and in text" grep -q "deploys" <<<"$(admin service-id show "$sid_a")"
check "completion with --db offers the fleet's service IDs" grep -qx "$sid_c" <<<"$(bash -c 'source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _apikeyctl; printf "%s\n" "${COMPREPLY[@]}"' _ \
        completion/apikeyctl "$T/bin/apikeyctl" --db "$(pg_uri "$OWNER")" service-id show "")"
expect_eq "host a's role with --db does not see c's service ID" \
        "$(host_a service-id list --json | jq --arg c "$sid_c" '[.[] | select(.name == $c)] | length')" 0
host_a service-id show "$sid_c" >/dev/null 2>&1
expect_eq "... show says no such service ID (exit 4)" "$?" 4
"$T/bin/apikeyctl" --db "$(pg_uri "$OWNER")" service-id lock "$sid_a" >/dev/null 2>"$T/dbsid.err"
expect_eq "service-id lock with --db: run it on a host (exit 2)" "$?" 2
check "... says so" grep -q "run it on a host" "$T/dbsid.err"

# --- max-uses exact across three hosts ------------------------------------------
limited=$(on a "$alice" create --name limited --max-uses 7)
lid=$(key_id "$limited")
rm -f "$T/uses"
pids=()
for h in a b d; do
        for i in 1 2 3 4; do
                login "$h" "$alice" "$limited" >>"$T/uses" &
                pids+=($!)
        done
done
wait "${pids[@]}"
expect_eq "a --max-uses 7 key, 12 concurrent logins through a, b, d: exactly 7 succeed" \
        "$(grep -c PAM_SUCCESS "$T/uses")" 7
expect_eq "... the store counts 7 uses" "$(owner_sql "SELECT use_count FROM apikey.keys WHERE id = '$lid'")" 7
expect_eq "... the next login anywhere is usage_exceeded" "$(login b "$alice" "$limited"; audit_result b "$lid")" \
        "PAM_AUTH_ERR
usage_exceeded"

# --- What a host role cannot do behind its daemon's back ------------------------
check "host c's role cannot read g1's keys (row-level security)" \
        test "$(pg_sql apikeyd_c "SELECT count(*) FROM apikey.keys WHERE scope = 'g1'")" = 0
check "host c's role cannot enable a g1 key" \
        test "$(pg_sql apikeyd_c "UPDATE apikey.keys SET state = 'active' WHERE id = '$lid' RETURNING id")" = ""

# --- The database stopped, and back ---------------------------------------------
key2=$(on a "$alice" create --name faults)
pg_stop
start=$(date +%s%N)
r=$(login a "$alice" "$key2")
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "database stopped: PAM_AUTHINFO_UNAVAIL" "$r" PAM_AUTHINFO_UNAVAIL
check "... within the module's 2 s timeout ($ms ms)" test "$ms" -lt 2500
start=$(date +%s%N)
out=$(on a root status 2>&1)
ms=$((($(date +%s%N) - start) / 1000000))
check "... the control socket still answers ($ms ms)" test "$ms" -lt 2500 -a -n "$out"
expect_eq "... and again (no crash, no hang)" "$(login b "$alice" "$key2")" PAM_AUTHINFO_UNAVAIL
pg_start
sleep 1
expect_eq "database back: the key works again, without a restart" "$(login a "$alice" "$key2")" PAM_SUCCESS
expect_eq "... on b too" "$(login b "$alice" "$key2")" PAM_SUCCESS
for h in a b c d; do
        kill -0 "${HOST_PID[$h]}" 2>/dev/null || not_ok "apikeyd of host $h died"
done
sleep 1.5 # the records of the refused logins reach the store with the next batch
check "the logins refused while it was away are in a's audit chain" \
        test "$(on a root audit --key "$(key_id "$key2")" --json | jq '[.[] | select(.result == "internal")] | length')" -ge 1

# --- Each host's own audit chain ------------------------------------------------
for h in a b c d; do
        on "$h" root audit --verify --json >"$T/verify-$h.json"
        DIAG_LOGS+=("$T/verify-$h.json")
        expect_eq "host $h's audit chain verifies" "$(jq -r .verified "$T/verify-$h.json")" true
done
hosts=$(owner_sql "SELECT string_agg(DISTINCT host, ',' ORDER BY host) FROM apikey.audit")
expect_eq "every host appended to its own chain" "$hosts" "a,b,c,d"
# More records in one batch than one INSERT carries (store_pg_audit.c: 8
# rows a statement): every one arrives, in order, and the chain verifies.
before=$(owner_sql "SELECT count(*) FROM apikey.audit WHERE host = 'a'")
for i in $(seq 20); do login a "$alice" "$key2" >/dev/null; done
sleep 1.5 # the next batch
expect_eq "20 logins on a within about a second: 20 more records in a's chain" \
        "$(owner_sql "SELECT count(*) FROM apikey.audit WHERE host = 'a'")" "$((before + 20))"
expect_eq "... numbered without a gap" \
        "$(owner_sql "SELECT max(seq) - min(seq) + 1 = count(*) FROM apikey.audit WHERE host = 'a'")" t
expect_eq "... and a's chain still verifies" "$(on a root audit --verify --json | jq -r .verified)" true
cannot() { ! pg_sql "$@" >/dev/null 2>&1; }
check "host b's role cannot delete its audit records" cannot apikeyd_b "DELETE FROM apikey.audit"
seq=$(owner_sql "SELECT seq FROM apikey.audit WHERE host = 'b' ORDER BY seq OFFSET 1 LIMIT 1")
pg_sql postgres "DELETE FROM apikey.audit WHERE host = 'b' AND seq = $seq" >/dev/null
out=$(on b root audit --verify --json)
expect_eq "a record of b's deleted by the database's superuser: b's verify fails" "$(jq -r .verified <<<"$out")" false
check "... naming seq $seq and host b" jq -e --argjson s "$seq" \
        'any(.breaks[]; .first_seq == $s and (.message | test("host b")))' <<<"$out"
out=$(on a root audit --verify --json)
check "... and a's verify, walking every host's links, names it too" jq -e --argjson s "$seq" \
        'any(.breaks[]; .first_seq == $s and (.message | test("host b")))' <<<"$out"
check "... and nothing in a's own chain" jq -e '[.breaks[] | select(.message | test("host a"))] | length == 0' <<<"$out"
# Retention is the fleet admin's (hosts never delete records): removing a
# host's oldest records leaves one break, of kind start, where its chain now
# begins, and nothing else (apikeyd(8), Audit).
keep=$(owner_sql "SELECT seq FROM apikey.audit WHERE host = 'c' ORDER BY seq OFFSET 2 LIMIT 1")
owner_sql "DELETE FROM apikey.audit WHERE host = 'c' AND seq < $keep" >/dev/null
out=$(on c root audit --verify --json)
DIAG_LOGS+=("$T/verify-c-pruned.json")
printf '%s\n' "$out" >"$T/verify-c-pruned.json"
check "c's oldest records removed by the fleet admin: one start break, before seq $keep, and nothing else" jq -e \
        --argjson s "$keep" '[.breaks[] | select(.message | test("host c"))] as $c
        | ($c | length) == 1 and $c[0].kind == "start" and $c[0].last_seq == $s - 1' <<<"$out"
check "... which the other hosts, walking c's links from its first record kept, do not report" jq -e \
        '[.breaks[] | select(.message | test("host c"))] | length == 0' <<<"$(on a root audit --verify --json)"
pg_sql postgres "ALTER TABLE apikey.audit DISABLE TRIGGER audit_no_update;
        UPDATE apikey.audit SET detail = 'forged' WHERE host = 'd' AND seq = 1;
        ALTER TABLE apikey.audit ENABLE TRIGGER audit_no_update" >/dev/null
check "an altered record of d's: d's verify names seq 1 and host d" jq -e \
        'any(.breaks[]; .first_seq == 1 and (.message | test("host d")))' <<<"$(on d root audit --verify --json)"

# --- A standby promoted: the daemons follow it -------------------------------------
# A streaming standby of the cluster on its own socket; host a's daemon gets
# a URI naming both with target_session_attrs=read-write.
SB=$PG_DIR/standby
mkdir -p "$SB.sock" && chown postgres: "$SB.sock"
if pg_as "$PG_BIN/pg_basebackup" -D "$SB" -R -X stream -h "$PG_SOCK" -p "$PG_PORT" -U postgres >/dev/null 2>&1 &&
        pg_as "$PG_BIN/pg_ctl" -D "$SB" -l "$SB.log" -w -t 30 start \
                -o "-k $SB.sock -p 5433 -c listen_addresses='' -c fsync=off" >/dev/null; then
        DIAG_LOGS+=("$SB.log")
        stop_hosts
        multi="postgresql:///$PG_DB?host=$PG_SOCK,$SB.sock&port=$PG_PORT,5433&user=apikeyd_a&target_session_attrs=read-write"
        start_host_db() { # start_host with another --db
                local h=$1 db=$2
                "$T/bin/apikeyd" --no-config --db "$db" --state-dir "$T/state-$h" --listen-dir "$T/run-$h" \
                        --admin-group "$ADMIN_GROUP" >>"$T/daemon-$h.log" 2>&1 &
                HOST_PID[$h]=$!
                for _ in $(seq 1 100); do
                        "$T/bin/apikeyctl" --socket "$T/run-$h/control.sock" status >/dev/null 2>&1 && break
                        sleep 0.05
                done
        }
        start_host_db a "$multi"
        key3=$(on a "$alice" create --name standby)
        expect_eq "multi-host URI: a key made through the primary works" "$(login a "$alice" "$key3")" PAM_SUCCESS
        pg_stop
        pg_as "$PG_BIN/pg_ctl" -D "$SB" -w -t 30 promote >/dev/null
        sleep 0.6
        expect_eq "the primary killed, the standby promoted: the key works, without a restart" \
                "$(login a "$alice" "$key3")" PAM_SUCCESS
        on a "$alice" disable "$(key_id "$key3")" >/dev/null
        expect_eq "... and a disable is written to the new primary" \
                "$(pg_as psql -X -q -A -t -h "$SB.sock" -p 5433 -d "$PG_DB" -c \
                        "SELECT state FROM apikey.keys WHERE id = '$(key_id "$key3")'")" disabled
        stop_hosts
        pg_as "$PG_BIN/pg_ctl" -D "$SB" -m immediate -w -t 30 stop >/dev/null
        pg_start
else
        skip "a standby promoted" "pg_basebackup or the standby failed"
fi

# --- A host's SQLite store moved into the fleet (fleet import) --------------------
fleet add-host e >/dev/null
mkdir -p "$T/state-e" "$T/run-e"
chmod 0700 "$T/state-e"
chmod 0755 "$T/run-e"
"$T/bin/apikeyd" --no-config --db "$T/state-e/keys.db" --listen-dir "$T/run-e" --admin-group "$ADMIN_GROUP" \
        >>"$T/daemon-e.log" 2>&1 &
HOST_PID[e]=$!
for _ in $(seq 1 100); do on e root status >/dev/null 2>&1 && break; sleep 0.05; done
old=$(on e "$alice" create --name from-sqlite)
stop_hosts
out=$(fleet import --from "$T/state-e/keys.db" --host e 2>&1) || not_ok "fleet import: $out"
start_host e
start_host a
expect_eq "a key of e's old SQLite store, imported: it logs in on e (its own hash.key)" \
        "$(login e "$alice" "$old")" PAM_SUCCESS
expect_eq "... and nowhere else: wrong_host on a" "$(login a "$alice" "$old"; audit_result a "$(key_id "$old")")" \
        "PAM_AUTH_ERR
wrong_host"
on e root audit --verify --json >"$T/verify-e.json"
DIAG_LOGS+=("$T/verify-e.json")
check "e's imported audit chain goes on and verifies (the breaks left in a's and b's by the tests above aside)" \
        jq -e '.records >= 2 and ([.breaks[] | select(.message | test("^host e:"))] | length == 0)' "$T/verify-e.json"
new=$(on e "$alice" create --name fleet-e)
expect_eq "a new key made through e works there" "$(login e "$alice" "$new")" PAM_SUCCESS
stop_hosts

# --- A newer schema is refused ----------------------------------------------------
stop_hosts
pg_sql postgres "UPDATE apikey.meta SET version = version + 1" >/dev/null
"$T/bin/apikeyd" --no-config --db "$(pg_uri apikeyd_a)" --state-dir "$T/state-a" --listen-dir "$T/run-a" \
        --admin-group "$ADMIN_GROUP" >"$T/newer.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill "$pid" 2>/dev/null
wait "$pid"
expect_eq "a schema newer than the daemon knows: it exits (status 1)" "$?" 1
check "... and says so" grep -q "newer than this apikeyd knows" "$T/newer.log"

# --- A password in the URI is never shown -----------------------------------------
out=$("$T/bin/apikeyd" --no-config --check-config --db "postgresql://apikeyd_a:s3cretpw@localhost/fleet?sslmode=disable&password=s3cretpw2")
check "--check-config shows the URI without its passwords" grep -q \
        "^db = postgresql://apikeyd_a:xxx@localhost/fleet?sslmode=disable&password=xxx$" <<<"$out"
check "... nowhere" test "$(grep -c s3cretpw <<<"$out")" = 0
check "no daemon log holds a password" test "$(cat "$T"/daemon-*.log | grep -c 's3cretpw')" = 0
