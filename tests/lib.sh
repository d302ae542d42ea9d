# lib.sh - shared set-up for integration tests: a private directory, throwaway
# accounts, the real daemon on private sockets, a private PAM configuration
# directory for pam_start_confdir. Everything is removed on exit, also on
# failure. Only root can run these (accounts, setpriv).
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
[ "$(id -u)" -eq 0 ] || { echo "not ok - integration tests must run as root"; exit 1; }

T=$(mktemp -d /tmp/apikey-it.XXXXXX)
chmod 0755 "$T"
mkdir -p "$T/bin" "$T/run" "$T/state" "$T/pam"
chmod 0755 "$T/bin" "$T/run"
# Copies, so throwaway users can run them whatever the checkout's permissions.
install -m 0755 "$BUILD/apikeyd" "$BUILD/apikeyctl" "$BUILD/tests/pam_driver" "$BUILD/tests/keytool" "$BUILD/tests/sealtool" "$T/bin/"
install -m 0644 "$BUILD/pam_apikey.so" "$T/bin/"
AUTH_SOCK=$T/run/auth.sock
CTL_SOCK=$T/run/control.sock
DAEMON_PID=
SUFFIX=$$
ADMIN_GROUP=aktadm$SUFFIX
GROUPS_MADE=()

# Logs a test wants shown when one of its checks failed (DIAG_LOGS+=(FILE)).
DIAG_LOGS=("$T/daemon.log")
NOT_OK=0
show_diag_logs() {
        local f
        [ "$NOT_OK" -gt 0 ] || return 0
        for f in "${DIAG_LOGS[@]}"; do
                [ -s "$f" ] || continue
                echo "# last lines of $f:"
                tail -n 30 "$f" | sed 's/^/#   /'
        done
}

cleanup() {
        show_diag_logs
        stop_daemon
        if grep -qE "Sanitizer|runtime error" "$T"/*.log 2>/dev/null; then
                not_ok "a sanitizer reported an error:"
                grep -hE -A20 "Sanitizer|runtime error" "$T"/*.log | head -60
        fi
        # Every process of a throwaway account ends before the account goes
        # (a login may leave some behind); one that survives, or a userdel
        # that fails, fails the test.
        if [ -f "$T/users" ]; then
                local users left
                mapfile -t users <"$T/users"
                if ! left=$("$ROOT/scripts/remove-account" "${users[@]}" 2>&1); then
                        not_ok "a throwaway account or one of its processes outlived the test:"
                        sed 's/^/#   /' <<<"$left"
                fi
        fi
        for g in "${GROUPS_MADE[@]}"; do groupdel "$g" >/dev/null 2>&1; done
        rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; NOT_OK=$((NOT_OK + 1)); }
# skip DESCRIPTION REASON: a check that could not run here, in TAP's form
# ("ok - ... # SKIP reason"); tests/run counts it as skipped, not passed.
skip() { echo "ok - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@" >/dev/null; then ok "$d"; else not_ok "$d"; fi; }
# expect_eq DESCRIPTION ACTUAL EXPECTED
expect_eq() {
        if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', expected '$3')"; fi
}

# add_user SHORTNAME [SHELL]: creates a throwaway account without a home;
# prints its name. The shell is /usr/sbin/nologin unless SHELL is given (sshd
# and su run commands through it).
add_user() {
        local name="akt$1$SUFFIX"
        useradd -M -N -s "${2:-/usr/sbin/nologin}" "$name" || { echo "cannot create $name" >&2; exit 1; }
        # A file, not a variable: callers run this in $(...), a subshell.
        echo "$name" >>"$T/users"
        echo "$name"
}

add_group() {
        groupadd "$1" || exit 1
        GROUPS_MADE+=("$1")
}

# APIKEY_TEST_DB=pg: the same test against the fleet's PostgreSQL store: a
# private cluster (tests/pg_lib.sh) with a fresh fleet database, in which
# the daemon is host "h1" of group "all". Otherwise the SQLite file
# $T/state/keys.db. (Tests that open keys.db themselves run with SQLite
# only; tests/integration/pg_suite.sh lists those that run with both.)
if [ "${APIKEY_TEST_DB:-sqlite}" = pg ]; then
        . "$ROOT/tests/pg_lib.sh"
        pg_require "APIKEY_TEST_DB=pg"
fi

# fleet_setup OWNER: a started cluster with the fleet schema in database
# $PG_DB, owned by OWNER, and the fleet's secret in $T/fleet.key (apikeyctl
# fleet init --key-file).
fleet_setup() {
        pg_start && pg_createdb "$PG_DB" "$1" &&
                "$T/bin/apikeyctl" fleet --db "$(pg_uri "$1")" init --key-file "$T/fleet.key" >/dev/null
}

# fleet_key DIR: the fleet's secret copied to a host's state directory.
fleet_key() {
        install -m 0600 "$T/fleet.key" "$1/fleet.key"
}

# The fleet database of APIKEY_TEST_DB=pg, set up at the first start.
fleet_test_host() {
        fleet_setup fleetowner &&
                "$T/bin/apikeyctl" fleet --db "$(pg_uri fleetowner)" add-host h1 --group all >/dev/null &&
                fleet_key "$T/state" || { echo "cannot set up the fleet database" >&2; exit 1; }
}

# start_daemon [ARGS...]: the real apikeyd on private sockets, log in $T/daemon.log.
# --no-config: the host's /etc/apikeyd, if any, is not the test's policy.
start_daemon() {
        local db=("--db" "$T/state/keys.db")
        if [ "${APIKEY_TEST_DB:-sqlite}" = pg ]; then
                [ -f "$T/state/fleet.key" ] || fleet_test_host
                db=("--db" "$(pg_uri apikeyd_h1)" "--state-dir" "$T/state")
        fi
        "$T/bin/apikeyd" --no-config "${db[@]}" --listen-dir "$T/run" --admin-group "$ADMIN_GROUP" "$@" \
                >>"$T/daemon.log" 2>&1 &
        DAEMON_PID=$!
        wait_for_socket "$CTL_SOCK"
}

wait_for_socket() {
        for _ in $(seq 1 100); do
                [ -S "$1" ] && "$T/bin/apikeyctl" --socket "$CTL_SOCK" status >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        echo "daemon did not come up; log:" >&2
        cat "$T/daemon.log" >&2
        exit 1
}

# stop_daemon: SIGTERM, bounded wait; a daemon that does not exit cleanly
# (status 0: no crash, no sanitizer report) fails the test.
stop_daemon() {
        local rc
        [ -n "$DAEMON_PID" ] || return 0
        kill -CONT "$DAEMON_PID" 2>/dev/null
        kill "$DAEMON_PID" 2>/dev/null
        for _ in $(seq 1 200); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID" 2>/dev/null
        rc=$?
        DAEMON_PID=
        if [ "$rc" -ne 0 ]; then
                not_ok "apikeyd exited with status $rc; its log:"
                tail -30 "$T/daemon.log"
        fi
        return 0
}

# ctl_as USER ARGS...: apikeyctl as USER, with USER's own groups.
ctl_as() {
        local user=$1; shift
        if [ "$user" = root ]; then
                "$T/bin/apikeyctl" --socket "$CTL_SOCK" "$@"
        else
                setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- \
                        "$T/bin/apikeyctl" --socket "$CTL_SOCK" "$@"
        fi
}

# pam_service NAME ARGS...: a private PAM service whose auth and account
# stacks are pam_apikey with ARGS.
pam_service() {
        local name=$1; shift
        printf 'auth required %s socket=%s %s\naccount required %s\n' \
                "$T/bin/pam_apikey.so" "$AUTH_SOCK" "$*" "$T/bin/pam_apikey.so" >"$T/pam/$name"
}

# pam_auth SERVICE USER ANSWER [DRIVER ARGS...]: prints the driver's output.
pam_auth() {
        local service=$1 user=$2 answer=$3; shift 3
        APIKEY_TEST_ANSWER=$answer "$T/bin/pam_driver" --confdir "$T/pam" --service "$service" --user "$user" "$@"
}

# pam_result SERVICE USER ANSWER [ARGS...]: just the authenticate= value.
pam_result() {
        pam_auth "$@" | sed -n 's/^authenticate=//p'
}

# key_id KEY: the ID inside a key.
key_id() { cut -c5-16 <<<"$1"; }

# create_key USER ARGS...: a key created by USER with apikeyctl create ARGS.
create_key() { local u=$1; shift; ctl_as "$u" create "$@"; }

# audit_has ID RESULT: the audit log (as root) has a record for key ID with RESULT.
audit_has() {
        ctl_as root audit --key "$1" --json | jq -e --arg r "$2" 'any(.[]; .result == $r)' >/dev/null
}

# exit_of CMD...: the exit status of CMD, its output discarded.
exit_of() { "$@" >/dev/null 2>&1; echo $?; }
# expect_exit WHO EXIT CMD...: apikeyctl CMD run as WHO exits with EXIT.
expect_exit() {
        local who=$1 want=$2; shift 2
        expect_eq "$who: apikeyctl $* → exit $want" "$(exit_of ctl_as "$who" "$@")" "$want"
}
