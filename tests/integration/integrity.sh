#!/bin/bash
# integrity.sh - someone who can write the database but cannot read hash.key
# (issue 9 item 7, issue 13 items 3 and 4): every change they make to a key
# or service ID row, and every audit record they remove, at either end and
# across restarts, is detected; a tampered row never logs in.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
start_daemon
pam_service apikey timeout=3

db=$T/state/keys.db
sql() { sqlite3 -cmd ".timeout 5000" "$db" "$@"; }

# --- Issue 13 item 3: a key pointed at another account -----------------------
key=$(create_key "$alice" --name mine)
id=$(key_id "$key")
expect_eq "alice's key logs in as alice" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
stop_daemon
sql "UPDATE keys SET owner_name = '$bob', owner_uid = $(id -u "$bob") WHERE id = '$id'"
start_daemon
expect_eq "pointed at bob with sqlite3: it does not log in as bob" "$(pam_result apikey "$bob" "$key")" PAM_AUTH_ERR
expect_eq "... nor as alice" "$(pam_result apikey "$alice" "$key")" PAM_AUTH_ERR
check "... its own verdict, audited" audit_has "$id" tampered
check "... and logged" grep -q "key $id: the key's row does not match its MAC" "$T/daemon.log"
expect_eq "admins see it as tampered" "$(ctl_as root show "$id" --json | jq -r .state)" tampered
expect_eq "bob (the owner the row now names) may not see it" "$(exit_of ctl_as "$bob" show "$id")" 3
expect_eq "... nor enable it" "$(exit_of ctl_as "$bob" enable "$id")" 3
check "an admin may not enable it (that would seal the change)" test "$(exit_of ctl_as root enable "$id")" -ne 0
expect_eq "... still tampered" "$(ctl_as root show "$id" --json | jq -r .state)" tampered
expect_eq "an admin may delete it" "$(exit_of ctl_as root delete "$id")" 0

# Each security-relevant column, changed alone, makes the key fail.
for change in "state = 'disabled'" "expires_at = 0" "services = ''" "sources = ''" "max_uses = 0" \
        "use_count = 0" "kind = 'classic'" "locked = 0" "leak_action = 'none'"; do
        k=$(create_key "$alice" --expires 30d --service apikey --from 127.0.0.1 --max-uses 5 --leak-action delete)
        kid=$(key_id "$k")
        ctl_as "$alice" lock "$kid" >/dev/null
        expect_eq "before: the key logs in ($change)" "$(pam_result apikey "$alice" "$k" --rhost 127.0.0.1)" PAM_SUCCESS
        ctl_as root audit --key "$kid" >/dev/null # a flush: the use is in the row
        sql "UPDATE keys SET $change WHERE id = '$kid'"
        expect_eq "after UPDATE keys SET $change: tampered, no login" \
                "$(pam_result apikey "$alice" "$k" --rhost 127.0.0.1)" PAM_AUTH_ERR
        check "... verdict tampered" audit_has "$kid" tampered
        ctl_as root delete "$kid" >/dev/null
done

# A disabled key enabled again with sqlite3.
k=$(create_key "$alice")
kid=$(key_id "$k")
ctl_as root disable "$kid" >/dev/null
sql "UPDATE keys SET state = 'active' WHERE id = '$kid'"
expect_eq "a key an admin disabled, enabled with sqlite3: no login" "$(pam_result apikey "$alice" "$k")" PAM_AUTH_ERR
check "... verdict tampered" audit_has "$kid" tampered

# A key whose account was deleted is dead for good; un-orphaning it with sqlite3 does not revive it.
carol=$(add_user carol)
ck=$(create_key "$carol")
ckid=$(key_id "$ck")
userdel "$carol"
pam_result apikey "$carol" "$ck" >/dev/null # seen orphaned
useradd -M -N -s /usr/sbin/nologin -u "$(sql "SELECT owner_uid FROM keys WHERE id = '$ckid'")" "$carol"
check "an orphaned key is marked in the row" test "$(sql "SELECT orphaned_at FROM keys WHERE id = '$ckid'")" -gt 0
sql "UPDATE keys SET orphaned_at = 0 WHERE id = '$ckid'"
expect_eq "orphaned_at reset with sqlite3, account back: no login" "$(pam_result apikey "$carol" "$ck")" PAM_AUTH_ERR
check "... verdict tampered" audit_has "$ckid" tampered

# A service ID mapped to another account.
sid=svc$$
ctl_as root service-id create "$sid" --unix-user "$bob" >/dev/null
skey=$(ctl_as root create --service-id "$sid")
expect_eq "a service ID mapped to bob logs in as bob" "$(pam_result apikey "$bob" "$skey")" PAM_SUCCESS
sql "UPDATE service_ids SET unix_user = '$alice', unix_uid = $(id -u "$alice") WHERE name = '$sid'"
expect_eq "service ID mapped to alice with sqlite3: no login as alice" "$(pam_result apikey "$alice" "$skey")" PAM_AUTH_ERR
expect_eq "... nor as bob" "$(pam_result apikey "$bob" "$skey")" PAM_AUTH_ERR
check "... verdict tampered" audit_has "$(key_id "$skey")" tampered
check "... updating the service ID does not seal it" test "$(exit_of ctl_as root service-id update "$sid" --description x)" -ne 0

# --- Issue 9 item 7: the newest records removed while the daemon is stopped --
ctl_as root delete "$kid" >/dev/null
ctl_as root delete "$ckid" >/dev/null
ctl_as root service-id delete "$sid" --force >/dev/null
for _ in 1 2 3 4 5 6 7 8; do pam_result apikey "$alice" "$(create_key "$alice")" >/dev/null; done
expect_eq "an intact log verifies" "$(exit_of ctl_as root audit --verify)" 0
check "the head file is private to the daemon" test "$(stat -c %a "$T/state/audit.head")" = 600
stop_daemon
last=$(sql "SELECT max(seq) FROM audit")
sql "DELETE FROM audit WHERE seq > (SELECT max(seq) FROM audit) - 6"
start_daemon
out=$(ctl_as root audit --verify --json)
echo "$out" >"$T/verify1.json"; DIAG_LOGS+=("$T/verify1.json")
expect_eq "the newest 6 records removed with sqlite3, restarted: verify fails" "$(jq -r .verified <<<"$out")" false
check "... and names the removed records $((last - 5))..$last" jq -e --argjson a "$((last - 5))" --argjson b "$last" \
        'any(.breaks[]; .kind == "gap" and .first_seq == $a and .last_seq == $b)' <<<"$out"
check "... and what the daemon found at start" jq -e 'any(.breaks[]; .kind == "integrity")' <<<"$out"
check "the daemon logged it" grep -q "at the end of the log were removed" "$T/daemon.log"
pam_result apikey "$alice" "$key" >/dev/null
ctl_as root audit --verify >/dev/null
check "new records do not reuse the removed numbers" test "$(sql "SELECT min(seq) FROM audit WHERE seq > $((last - 6))")" -gt "$last"

# The oldest records removed (not retention: no prune record names the cut).
stop_daemon
sql "DELETE FROM audit WHERE seq < 4"
start_daemon
out=$(ctl_as root audit --verify --json)
check "the oldest records removed: verify names seq 1..3" jq -e \
        'any(.breaks[]; .kind == "start" and .first_seq == 1 and .last_seq == 3)' <<<"$out"
check "... and still the gap at the end, reported from before" jq -e --argjson a "$((last - 5))" \
        'any(.breaks[]; .kind == "gap" and .first_seq == $a)' <<<"$out"

# Everything removed.
stop_daemon
top=$(sql "SELECT max(seq) FROM audit")
sql "DELETE FROM audit"
start_daemon
out=$(ctl_as root audit --verify --json)
expect_eq "the whole log removed: verify fails" "$(jq -r .verified <<<"$out")" false
check "... it names the records up to $top" jq -e --argjson t "$top" \
        'any(.breaks[]; (.kind == "start" or .kind == "gap" or .kind == "end") and .last_seq == $t)' <<<"$out"

# A head file that is not ours (written without hash.key) is reported, not believed.
stop_daemon
printf 'apkhead1%072d' 0 >"$T/state/audit.head"
start_daemon
check "a forged head file is reported" jq -e 'any(.breaks[]; .kind == "integrity" and (.message | test("not valid")))' \
        <<<"$(ctl_as root audit --verify --json)"

# --- Issue 13 item 4: every break is reported, not only the first -------------
stop_daemon
rm -f "$db" "$db-wal" "$db-shm" "$T/state/audit.head" "$T/state/hash.key"
start_daemon
for _ in $(seq 1 12); do pam_result apikey "$alice" "$(create_key "$alice")" >/dev/null; done
pam_result apikey "$bob" "$(create_key "$bob")" >/dev/null
ctl_as root audit --verify >/dev/null
stop_daemon
sql "DELETE FROM audit WHERE seq = 3"
sql "DROP TRIGGER audit_append_only; UPDATE audit SET result = 'forged' WHERE seq = 8;
     UPDATE audit SET detail = 'forged' WHERE seq = (SELECT max(seq) FROM audit WHERE identity = 'user:$bob')"
sql "DELETE FROM audit WHERE seq IN (12, 13)"
bobseq=$(sql "SELECT max(seq) FROM audit WHERE identity = 'user:$bob'")
start_daemon
out=$(ctl_as root audit --verify)
expect_eq "three breaks: verify exits 1" "$?" 1
check "... the first is named as before (where the chain breaks)" grep -q "broken at record 4" <<<"$out"
check "... the gap at 3 is listed" grep -qE "gap.*seq 3[^.0-9]" <<<"$out"
check "... the change at 8 is listed" grep -qE "changed.*seq 8[^0-9]" <<<"$out"
check "... the gap 12..13 is listed" grep -qE "gap.*seq 12\.\.13" <<<"$out"
json=$(ctl_as root audit --verify --json)
check "--json lists each break with its sequence numbers" jq -e --argjson b "$bobseq" '
        [.breaks[] | select(.kind == "gap" or .kind == "changed") | [.kind, .first_seq, .last_seq]] ==
        [["gap", 3, 3], ["changed", 8, 8], ["gap", 12, 13], ["changed", $b, $b]]' <<<"$json"

# --- Issue 9 Info: users verify only what they may read -------------------------
mine=$(ctl_as "$alice" audit --json | jq length)
json=$(ctl_as "$alice" audit --verify --json)
expect_eq "alice's verify counts her own records only, not the log's" "$(jq .records <<<"$json")" "$mine"
check "... she is told about the change to her record 8" jq -e 'any(.breaks[]; .kind == "changed" and .first_seq == 8)' <<<"$json"
check "... not about bob's record" jq -e --argjson b "$bobseq" 'all(.breaks[]; .first_seq != $b)' <<<"$json"
check "... nor about rows or what the daemon found" jq -e 'all(.breaks[]; .kind != "row" and .kind != "integrity")' <<<"$json"
json=$(ctl_as "$bob" audit --verify --json)
check "bob is told about his changed record" jq -e --argjson b "$bobseq" 'any(.breaks[]; .first_seq == $b)' <<<"$json"
check "... not about alice's" jq -e 'all(.breaks[]; .first_seq != 8)' <<<"$json"
nobody=$(add_user nobody)
json=$(ctl_as "$nobody" audit --verify --json)
expect_eq "a user without records: 0 records, whatever the log holds" "$(jq .records <<<"$json")" 0

# Tampered rows are listed for admins.
k=$(create_key "$alice")
sql "UPDATE keys SET owner_uid = 0 WHERE id = '$(key_id "$k")'"
check "a tampered key row is listed by verify" jq -e --arg id "$(key_id "$k")" \
        'any(.breaks[]; .kind == "row" and .key_id == $id)' <<<"$(ctl_as root audit --verify --json)"

# --- The walk goes in steps (256 records or rows a step): what it finds past
# the first steps is listed too, and at most 1000 breaks, then how many more.
stop_daemon
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
     INSERT INTO keys (id, hash, owner_type, owner_name, owner_uid, created_at, created_by)
     SELECT printf('zz%010d', i), randomblob(32), 'user', '$alice', $(id -u "$alice"), i, 'root' FROM n"
"$T/bin/sealtool" "$db" # MACed as apikeyd writes them
sql "UPDATE keys SET owner_uid = 0 WHERE id = 'zz0000000590'"
start_daemon
json=$(ctl_as root audit --verify --json)
check "a tampered row after 590 sealed ones (three steps of rows) is listed" \
        jq -e 'any(.breaks[]; .kind == "row" and .key_id == "zz0000000590")' <<<"$json"
check "... and none of the sealed ones" jq -e '[.breaks[] | select(.kind == "row" and
        (.key_id | startswith("zz")))] | length == 1' <<<"$json"
stop_daemon
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
     INSERT INTO audit (seq, time, event, result, identity, prev_hash, hash)
     SELECT (SELECT max(seq) FROM audit) + i, 0, 'auth', 'ok', 'user:$bob', randomblob(32), randomblob(32) FROM n"
start_daemon
json=$(ctl_as root audit --verify --json)
expect_eq "2400 more breaks: 1000 are listed, then how many more" \
        "$(jq -c '[(.breaks | length), .breaks[-1].kind, (.breaks[:-1] | all(.kind != "more"))]' <<<"$json")" \
        '[1001,"more",true]'
check "... the count says at least 1400 more ($(jq -r '.breaks[-1].message' <<<"$json"))" \
        jq -e '.breaks[-1].message | capture("^(?<n>[0-9]+) more") | .n | tonumber >= 1400' <<<"$json"
out=$(ctl_as root audit --verify)
check "... as text: more than 1000 problems" grep -q "^more than 1000 problems found" <<<"$out"
k=$(create_key "$bob")
expect_eq "a login still works after all this" "$(pam_result apikey "$bob" "$k")" PAM_SUCCESS
