#!/bin/bash
# without_libpq.sh - libpq is loaded only for a fleet store or command
# (apikeyd/libpq_dl.c; the package only Recommends libpq5). On a host without
# it, the SQLite store works as ever, and a fleet store or command fails
# closed, saying what to install. libpq is hidden in a private mount namespace
# (the test runs itself again under unshare), never removed from the host.
if [ -z "${APIKEY_TEST_NO_LIBPQ:-}" ]; then
        lib=$(ldconfig -p | awk '$1 == "libpq.so.5" { print $NF; exit }')
        [ -n "$lib" ] || exec env APIKEY_TEST_NO_LIBPQ=absent bash "$0" "$@"
        exec timeout 300 unshare --mount --propagation private \
                env APIKEY_TEST_NO_LIBPQ="$(readlink -f "$lib")" bash "$0" "$@"
fi
if [ "$APIKEY_TEST_NO_LIBPQ" != absent ] && ! mount --bind /dev/null "$APIKEY_TEST_NO_LIBPQ"; then
        echo "not ok - cannot hide $APIKEY_TEST_NO_LIBPQ in a private mount namespace"
        exit 1
fi
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
pam_service svc
start_daemon
key=$(create_key "$alice" --name ci)
expect_eq "without libpq, the SQLite store's daemon answers a login" "$(pam_result svc "$alice" "$key")" PAM_SUCCESS
check "... and it never loaded libpq" bash -c "! grep -q libpq /proc/$DAEMON_PID/maps"
stop_daemon

uri="postgresql:///fleet?host=$T/no-such-dir&user=apikeyd_h1"
mkdir -p "$T/fleet-state" "$T/fleet-run" && chmod 0755 "$T/fleet-run"
# A fleet host's state: its fleet.key, copied by the admin (random here).
head -c 32 /dev/urandom >"$T/fleet-state/fleet.key" && chmod 0600 "$T/fleet-state/fleet.key"
timeout 20 "$T/bin/apikeyd" --no-config --db "$uri" --state-dir "$T/fleet-state" --listen-dir "$T/fleet-run" \
        >"$T/fleet-daemon.log" 2>&1
rc=$?
DIAG_LOGS+=("$T/fleet-daemon.log")
expect_eq "a fleet store without libpq: apikeyd exits (status 1)" "$rc" 1
check "... saying what to install" grep -q "needs libpq.*apt install libpq5" "$T/fleet-daemon.log"
check "... having opened no socket" test ! -e "$T/fleet-run/auth.sock"

out=$(timeout 20 "$T/bin/apikeyctl" fleet --db "$uri" hosts 2>&1)
expect_eq "apikeyctl fleet without libpq exits with status 1" "$?" 1
check "... saying what to install" grep -q "apt install libpq5" <<<"$out"
out=$(timeout 20 "$T/bin/apikeyctl" --db "$uri" list 2>&1)
expect_eq "apikeyctl --db URI list without libpq exits with status 1" "$?" 1
check "... saying what to install" grep -q "apt install libpq5" <<<"$out"

rm -f "$T/fleet-state/fleet.key"
timeout 20 "$T/bin/apikeyd" --no-config --db "$uri" --state-dir "$T/fleet-state" --listen-dir "$T/fleet-run" \
        >"$T/fleet-daemon.log" 2>&1
expect_eq "a fleet host without its fleet.key: apikeyd exits (status 1)" "$?" 1
check "... saying to copy the fleet's key, not to restore a backup" \
        grep -q "fleet.key is missing: copy the fleet's key there" "$T/fleet-daemon.log"
