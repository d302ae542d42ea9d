#!/bin/bash
# migration.sh - a store made by apikeyd 0.1.0 (schema 1: the foundation)
# opens in this apikeyd, is migrated, and its keys keep working.
. "$(dirname "$0")/../lib.sh"

sqlite3 "$T/state/keys.db" <tests/fixtures/v1-keys.sql
install -m 0600 tests/fixtures/v1-hash.key "$T/state/hash.key"
chmod 0600 "$T/state/keys.db"
expect_eq "the fixture is schema 1" "$(sqlite3 "$T/state/keys.db" 'PRAGMA user_version')" 1
{ read -r active; read -r disabled; } <tests/fixtures/v1-keys.txt
pam_service apikey timeout=3

# What systemd would hear (Type=notify): each migration step asks for more
# start time before READY=1, so a big store's migration is not killed and
# begun again at every start. A listener on a NOTIFY_SOCKET of our own.
python3 - "$T/notify.sock" "$T/notify.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w") as f:
    while True:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            break
        f.write(m + "\n")
        f.flush()
        if "READY=1" in m:
            break
PY
listener=$!
for _ in $(seq 1 100); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done
NOTIFY_SOCKET="$T/notify.sock" start_daemon
for _ in $(seq 1 200); do kill -0 "$listener" 2>/dev/null || break; sleep 0.05; done
kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null
check "the daemon migrated the store" grep -q "migrated schema to version 2" "$T/daemon.log"
check "before each step it asks systemd for more start time" \
        bash -c 'grep -c "^EXTEND_TIMEOUT_USEC=[1-9]" "$1" | grep -qx "$2"' _ "$T/notify.txt" \
        "$(sed -n 's/.*migrated schema to version \([0-9]*\).*/\1/p' "$T/daemon.log" | wc -l)"
check "... and says which schema it is migrating to" grep -q "^STATUS=Migrating the store to schema 8" "$T/notify.txt"
check "... and only then that it is ready" awk '/^EXTEND_TIMEOUT_USEC=/ { last = NR } /^READY=1/ { ready = NR }
        END { exit !(last && ready > last) }' "$T/notify.txt"
latest=$(sed -n 's/.*migrated schema to version \([0-9]*\).*/\1/p' "$T/daemon.log" | tail -1)
check "… through every later version (3: who disabled or locked a key)" test "${latest:-0}" -ge 3
expect_eq "the store is now at the newest schema" "$(sqlite3 "$T/state/keys.db" 'PRAGMA user_version')" "$latest"
expect_eq "a key disabled before schema 3 counts as an admin's doing (only an admin enables it)" \
        "$(sqlite3 "$T/state/keys.db" "SELECT disabled_by FROM keys WHERE id = '$(key_id "$disabled")'")" admin
check "the migration computed the row MACs: no key is tampered" jq -e 'all(.[]; .state != "tampered")' \
        <<<"$(ctl_as root list --all --json)"
check "an upgraded store gets its audit head without alarm" test -f "$T/state/audit.head"
check "... and no integrity record" bash -c '! grep -q "audit log:" "$1"' _ "$T/daemon.log"
expect_eq "root's foundation key logs in" "$(pam_result apikey root "$active")" PAM_SUCCESS
expect_eq "the foundation's disabled key stays disabled" "$(pam_result apikey root "$disabled")" PAM_AUTH_ERR
list=$(ctl_as root list --json)
check "both keys are listed with the new fields" jq -e \
        'length == 2 and all(.[]; .leak_action == "disable" and .locked == false and .expires_at == null)' <<<"$list"
check "the old key's use was recorded" jq -e 'any(.[]; .name == "foundation" and .use_count == 1)' \
        <<<"$(ctl_as root list --json)"
expect_eq "new features work on old keys: lock" "$(exit_of ctl_as root lock "$(key_id "$active")")" 0
expect_eq "audit --verify on the migrated store" "$(exit_of ctl_as root audit --verify)" 0
migrations=$(grep -c 'migrated schema' "$T/daemon.log")
stop_daemon
start_daemon
expect_eq "a second start does not migrate again" "$(grep -c 'migrated schema' "$T/daemon.log")" "$migrations"
