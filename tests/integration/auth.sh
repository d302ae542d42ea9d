#!/bin/bash
# auth.sh - the real daemon (standalone) and the real libpam with the built
# module: every verdict a login can get, through a private PAM directory.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
start_daemon
pam_service apikey timeout=3

key=$(ctl_as "$alice" create --name ci --description "CI job")
check "alice creates a key (exit 0, key printed)" test -n "$key"
check "the key has the documented format" grep -Eq '^apk_[a-z0-9]{12}_[A-Za-z0-9]{50}$' <<<"$key"
id=$(cut -c5-16 <<<"$key")

out=$(pam_auth apikey "$alice" "$key")
expect_eq "alice's key for alice: PAM_SUCCESS" "$(sed -n 's/^authenticate=//p' <<<"$out")" PAM_SUCCESS
check "prompt is 'API key: ' (echo off)" grep -q '^prompt=API key: ' <<<"$out"
check "APIKEY_ID is the key ID" grep -qx "env APIKEY_ID=$id" <<<"$out"
check "APIKEY_IDENTITY is user:NAME" grep -qx "env APIKEY_IDENTITY=user:$alice" <<<"$out"
expect_eq "acct_mgmt confirms after our auth" "$(pam_auth apikey "$alice" "$key" --acct | sed -n 's/^acct=//p')" PAM_SUCCESS
APIKEY_TEST_ANSWER=$key "$T/bin/pam_driver" --confdir "$T/pam" --service apikey --user "$alice" >/dev/null
expect_eq "driver exit status 0 on success" "$?" 0

expect_eq "wrong secret: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$("$T/bin/keytool" wrong-secret "$key")")" PAM_AUTH_ERR
expect_eq "unknown ID: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$("$T/bin/keytool" unknown-id "$key")")" PAM_AUTH_ERR
expect_eq "bad checksum: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$("$T/bin/keytool" bad-checksum "$key")")" PAM_AUTH_ERR
expect_eq "a password is not a key: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "hunter2")" PAM_AUTH_ERR
expect_eq "empty answer: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "")" PAM_AUTH_ERR
expect_eq "alice's key for bob: PAM_AUTH_ERR" "$(pam_result apikey "$bob" "$key")" PAM_AUTH_ERR
APIKEY_TEST_ANSWER=$("$T/bin/keytool" wrong-secret "$key") "$T/bin/pam_driver" --confdir "$T/pam" --service apikey \
        --user "$alice" >/dev/null
expect_eq "driver exit status 7 (PAM_AUTH_ERR) on failure" "$?" 7

bobkey=$(ctl_as "$bob" create)
expect_eq "bob's key for alice: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$bobkey")" PAM_AUTH_ERR
expect_eq "bob's key for bob: PAM_SUCCESS" "$(pam_result apikey "$bob" "$bobkey")" PAM_SUCCESS

ctl_as "$alice" disable "$id" >/dev/null
expect_eq "disabled key: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$key")" PAM_AUTH_ERR
ctl_as "$alice" enable "$id" >/dev/null
expect_eq "re-enabled key: PAM_SUCCESS" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS

# use_first_pass with no token from an earlier module: fail without prompting.
printf 'auth required %s socket=%s use_first_pass\n' "$T/bin/pam_apikey.so" "$AUTH_SOCK" >"$T/pam/first"
out=$(pam_auth first "$alice" "$key")
expect_eq "use_first_pass without a token: PAM_AUTH_ERR" "$(sed -n 's/^authenticate=//p' <<<"$out")" PAM_AUTH_ERR
check "use_first_pass does not prompt" bash -c '! grep -q "^prompt=" <<<"$1"' _ "$out"

# try_first_pass: the key typed at pam_apikey's prompt is left as PAM_AUTHTOK,
# so a second pam_apikey with use_first_pass sees the same key without asking.
printf 'auth requisite %s socket=%s\nauth required %s socket=%s use_first_pass\n' \
        "$T/bin/pam_apikey.so" "$AUTH_SOCK" "$T/bin/pam_apikey.so" "$AUTH_SOCK" >"$T/pam/stacked"
out=$(pam_auth stacked "$alice" "$key")
expect_eq "the key read is left as PAM_AUTHTOK for the next module" "$(sed -n 's/^authenticate=//p' <<<"$out")" PAM_SUCCESS
expect_eq "one prompt serves the stack" "$(grep -c '^prompt=' <<<"$out")" 1

# Usage is recorded and shown.
shown=$(ctl_as "$alice" --json show "$id")
uses=$(grep -o '"use_count": *[0-9]*' <<<"$shown" | grep -o '[0-9]*$')
check "use_count counts successful logins ($uses)" test "${uses:-0}" -ge 4
check "last_used_service is the PAM service of the last login" grep -q '"last_used_service": *"stacked"' <<<"$shown"
check "last_used_at is set" grep -q '"last_used_at": *"20' <<<"$shown"

ctl_as "$alice" delete "$id" >/dev/null
expect_eq "deleted key: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$key")" PAM_AUTH_ERR

# A deleted account's key stops working; a new account with the old name
# (and another uid) does not inherit it.
carol=$(add_user carol)
carolkey=$(ctl_as "$carol" create)
expect_eq "carol's key works" "$(pam_result apikey "$carol" "$carolkey")" PAM_SUCCESS
userdel "$carol"
expect_eq "after userdel, carol's key: PAM_AUTH_ERR" "$(pam_result apikey "$carol" "$carolkey")" PAM_AUTH_ERR
useradd -M -N -s /usr/sbin/nologin -u $(( $(id -u "$bob") + 1000 )) "$carol"
expect_eq "a new account named carol does not inherit the key" "$(pam_result apikey "$carol" "$carolkey")" PAM_AUTH_ERR
check "the daemon logged the orphaned key" grep -q 'result=orphaned' "$T/daemon.log"

check "the daemon logged each verdict" grep -q 'result=bad_secret' "$T/daemon.log"
check "no key ever appears in the daemon's log" bash -c '! grep -qF -e "$1" -e "$2" -e "$3" "$4"' _ "$key" "$bobkey" \
        "$carolkey" "$T/daemon.log"

# A hung daemon (stopped, connections queue): PAM_AUTHINFO_UNAVAIL at the timeout.
pam_service hung timeout=2
kill -STOP "$DAEMON_PID"
start=$(date +%s%N)
expect_eq "hung daemon: PAM_AUTHINFO_UNAVAIL" "$(pam_result hung "$bob" "$bobkey")" PAM_AUTHINFO_UNAVAIL
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "… after the 2 s timeout, not later (${elapsed} ms)" test "$elapsed" -ge 1900 -a "$elapsed" -lt 4000
kill -CONT "$DAEMON_PID"

# The daemon gone: PAM_AUTHINFO_UNAVAIL, within the timeout.
stop_daemon
start=$(date +%s%N)
expect_eq "daemon stopped: PAM_AUTHINFO_UNAVAIL" "$(pam_result apikey "$bob" "$bobkey")" PAM_AUTHINFO_UNAVAIL
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "… promptly (${elapsed} ms)" test "$elapsed" -lt 3000
