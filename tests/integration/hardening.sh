#!/bin/bash
# hardening.sh - errors never grant: bad module arguments fail closed, an
# impostor socket or daemon gets nothing and grants nothing, junk tokens and
# near-miss user names fail fast, PAM_USER changed after authentication is
# refused, a failure asks libpam for a delay, pam_faillock counts failures.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon
key=$(create_key "$alice")
mod=$T/bin/pam_apikey.so

# A stack that would let anyone in if pam_apikey ever returned PAM_IGNORE or
# PAM_SUCCESS on an error (pam_u2f CVE-2025-23013).
permit_stack() { # permit_stack NAME ARGS...
        local name=$1; shift
        printf 'auth required %s %s\nauth optional pam_permit.so\n' "$mod" "$*" >"$T/pam/$name"
}
result() { pam_result "$@"; }

# Bad arguments: LOG_ERR and PAM_SYSTEM_ERR, never ignored.
for args in "bogus" "timeout=0" "timeout=61" "timeout=5s" "timeout=" "socket=relative.sock" \
        "use_first_pass try_first_pass"; do
        permit_stack badarg socket="$AUTH_SOCK" $args
        expect_eq "argument '$args': PAM_SYSTEM_ERR" "$(result badarg "$alice" "$key")" PAM_SYSTEM_ERR
done
printf 'auth required %s socket=%s\naccount required %s bogus\n' "$mod" "$AUTH_SOCK" "$mod" >"$T/pam/badacct"
expect_eq "a bad argument in account: PAM_SYSTEM_ERR" \
        "$(pam_auth badacct "$alice" "$key" --acct | sed -n 's/^acct=//p')" PAM_SYSTEM_ERR

# Impostor daemons: each reply that is not a proper verdict fails.
for mode in garbage short oversize other-id ok-bare close silent; do
        "$T/bin/keytool" serve "$T/run/fake-$mode.sock" "$mode" >"$T/fake-$mode.log" 2>&1 &
        fake=$!
        for _ in $(seq 1 100); do [ -S "$T/run/fake-$mode.sock" ] && break; sleep 0.02; done
        permit_stack fake socket="$T/run/fake-$mode.sock" timeout=2 nodelay
        expect_eq "impostor daemon ($mode) + pam_permit: PAM_AUTHINFO_UNAVAIL" \
                "$(result fake "$alice" "$key")" PAM_AUTHINFO_UNAVAIL
        kill "$fake"; wait "$fake" 2>/dev/null
done
permit_stack down socket="$T/run/none.sock" nodelay
expect_eq "daemon down + pam_permit: PAM_AUTHINFO_UNAVAIL" "$(result down "$alice" "$key")" PAM_AUTHINFO_UNAVAIL

# Impostor sockets: the module checks the path before it connects.
chmod 1777 "$T/run"
setpriv --reuid="$alice" --regid="$(id -g "$alice")" --clear-groups -- \
        "$T/bin/keytool" serve "$T/run/user.sock" other-id >"$T/user-sock.log" 2>&1 &
fake=$!
for _ in $(seq 1 100); do [ -S "$T/run/user.sock" ] && break; sleep 0.02; done
permit_stack usersock socket="$T/run/user.sock" nodelay
expect_eq "a socket owned by an ordinary user: PAM_AUTHINFO_UNAVAIL" "$(result usersock "$alice" "$key")" PAM_AUTHINFO_UNAVAIL
check "… and it received nothing" test ! -s "$T/user-sock.log"
kill "$fake"; wait "$fake" 2>/dev/null
mkfifo "$T/run/fifo.sock"; : >"$T/run/file.sock"; ln -s "$AUTH_SOCK" "$T/run/link.sock"
for kind in fifo file link; do
        permit_stack "$kind" socket="$T/run/$kind.sock" nodelay
        expect_eq "a $kind at the socket path: PAM_AUTHINFO_UNAVAIL" "$(result "$kind" "$alice" "$key")" PAM_AUTHINFO_UNAVAIL
done
chmod 0755 "$T/run"

# Junk tokens and near misses: fast PAM_AUTH_ERR, no crash.
pam_service apikey nodelay
printf '\b\n\r\177INCORRECT' >"$T/junk"
head -c 1048576 /dev/zero | tr '\0' 'a' >"$T/big"
printf '%s' "${key^^}" >"$T/upper"
flip() { printf '%s' "$1" | tr 'a-zA-Z' 'A-Za-z'; }
for f in junk big; do
        expect_eq "token $f: PAM_AUTH_ERR" \
                "$(pam_auth apikey "$alice" x --answer-file "$T/$f" | sed -n 's/^authenticate=//p')" PAM_AUTH_ERR
done
expect_eq "empty token: PAM_AUTH_ERR" "$(result apikey "$alice" "")" PAM_AUTH_ERR
expect_eq "a prefix of the key: PAM_AUTH_ERR" "$(result apikey "$alice" "${key:0:40}")" PAM_AUTH_ERR
expect_eq "the key with extra bytes: PAM_AUTH_ERR" "$(result apikey "$alice" "${key}x")" PAM_AUTH_ERR
expect_eq "the key case-flipped: PAM_AUTH_ERR" "$(result apikey "$alice" "$(flip "$key")")" PAM_AUTH_ERR
expect_eq "control characters: PAM_AUTH_ERR" "$(result apikey "$alice" $'\t\x01\x1b[2J')" PAM_AUTH_ERR
for u in "${alice^}" "$alice " " $alice" 0 -1 4294967295 root "%s%n%x" ""; do
        expect_eq "user name '$u' with alice's key: not PAM_SUCCESS" \
                "$(result apikey "$u" "$key" | grep -c PAM_SUCCESS)" 0
done
expect_eq "alice's key still works" "$(result apikey "$alice" "$key")" PAM_SUCCESS
check "the daemon survived it all" ctl_as root status

# PAM_USER changed after authentication: account management refuses.
pam_service apikey nodelay
expect_eq "PAM_USER switched to root before acct: PAM_PERM_DENIED" \
        "$(pam_auth apikey "$alice" "$key" --acct --switch-user root | sed -n 's/^acct=//p')" PAM_PERM_DENIED
expect_eq "unchanged PAM_USER: acct PAM_SUCCESS" \
        "$(pam_auth apikey "$alice" "$key" --acct | sed -n 's/^acct=//p')" PAM_SUCCESS

# A failure asks libpam for a delay (2 s, as pam_unix), unless nodelay.
# libpam's _pam_compute_delay spreads it over base*(1 +/- 1/2): 1 s to 3 s.
pam_service delayed
delay=$(pam_auth delayed "$alice" "${key}x" | sed -n 's/^fail_delay=//p')
check "a failure requests a delay of about 2 s (libpam randomises it: $delay µs)" \
        test "${delay:-0}" -ge 1000000 -a "${delay:-0}" -le 3000000
check "nodelay requests none" bash -c '! grep -q fail_delay <<<"$1"' _ "$(pam_auth apikey "$alice" "${key}x")"

# pam_faillock around pam_apikey counts its failures and locks the account.
fl=$T/faillock
mkdir -p "$fl"
cat >"$T/pam/faillock" <<EOF2
auth     required                    pam_faillock.so preauth dir=$fl deny=3 unlock_time=600
auth     [success=1 default=bad]     $mod socket=$AUTH_SOCK nodelay
auth     [default=die]               pam_faillock.so authfail dir=$fl deny=3 unlock_time=600
auth     sufficient                  pam_faillock.so authsucc dir=$fl deny=3 unlock_time=600
EOF2
for i in 1 2 3; do result faillock "$alice" "${key:0:20}" >/dev/null; done
check "pam_faillock recorded 3 failures" bash -c '[ "$(faillock --dir "$1" --user "$2" | grep -c V)" -ge 3 ]' _ "$fl" "$alice"
expect_eq "after 3 failures even the right key is refused by pam_faillock" \
        "$(result faillock "$alice" "$key")" PAM_AUTH_ERR
faillock --dir "$fl" --user "$alice" --reset
expect_eq "after faillock --reset the key works" "$(result faillock "$alice" "$key")" PAM_SUCCESS

# Nothing of the key anywhere it should not be.
stop_daemon
check "the key is not in the database" bash -c '! grep -qaF -- "$1" "$2"/state/keys.db*' _ "$key" "$T"
check "the key is not in the daemon's log" bash -c '! grep -qaF -- "$1" "$2"' _ "$key" "$T/daemon.log"
