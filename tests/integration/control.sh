#!/bin/bash
# control.sh - apikeyctl against the real daemon: who may do what (peer
# credentials only), exit codes, JSON, and hostile input on both sockets.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
admin=$(add_user admin)
add_group "$ADMIN_GROUP"
usermod -a -G "$ADMIN_GROUP" "$admin"
start_daemon
pam_service apikey timeout=3

json=$(ctl_as "$alice" create --json --name deploy)
key=$(sed -n 's/.*"key": *"\([^"]*\)".*/\1/p' <<<"$json")
id=$(sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' <<<"$json")
check "create --json gives id and key" test -n "$key" -a -n "$id"
expect_eq "the key carries its ID verbatim" "$(cut -c5-16 <<<"$key")" "$id"

# Another user: nothing on alice's key.
for cmd in show disable enable delete; do
        ctl_as "$bob" "$cmd" "$id" >/dev/null 2>&1
        expect_eq "bob cannot $cmd alice's key (exit 3)" "$?" 3
done
expect_eq "alice's key still works after bob's attempts" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
ctl_as "$bob" list --all >/dev/null 2>&1
expect_eq "a user cannot list --all (exit 3)" "$?" 3
check "bob's own list does not show alice's key" bash -c '! grep -q "$1" <<<"$2"' _ "$id" "$(ctl_as "$bob" list)"
check "alice's list shows her key" grep -q "$id" <<<"$(ctl_as "$alice" list)"

# Admins (group member and root): list and disable/enable any key, never delete another's.
for who in "$admin" root; do
        check "$who lists every key" grep -q "$id" <<<"$(ctl_as "$who" list --all)"
        check "$who shows alice's key" grep -q "$id" <<<"$(ctl_as "$who" show "$id")"
        ctl_as "$who" disable "$id" >/dev/null
        expect_eq "$who disables alice's key" "$(pam_result apikey "$alice" "$key")" PAM_AUTH_ERR
        ctl_as "$who" enable "$id" >/dev/null
        expect_eq "$who enables alice's key" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
        ctl_as "$who" delete "$id" >/dev/null 2>&1
        expect_eq "$who cannot delete alice's key (exit 3)" "$?" 3
done
check "status tells the admin they are admin" grep -qi "admin" <<<"$(ctl_as "$admin" status)"
check "status --json for a user says admin false" grep -q '"admin": *false' <<<"$(ctl_as "$bob" status --json)"

# Exit codes.
ctl_as "$alice" show zzzzzzzzzzzz >/dev/null 2>&1
expect_eq "show of an unknown ID: exit 4" "$?" 4
ctl_as "$alice" show NOT-AN-ID >/dev/null 2>&1
expect_eq "show of a malformed ID: exit 2" "$?" 2
ctl_as "$alice" frobnicate >/dev/null 2>&1
expect_eq "unknown command: exit 2" "$?" 2
"$T/bin/apikeyctl" --socket "$T/run/nonexistent.sock" status >/dev/null 2>&1
expect_eq "daemon unreachable: exit 5" "$?" 5
check "--help documents the exit codes" grep -qi "exit" <<<"$("$T/bin/apikeyctl" --help)"
APIKEY_CONTROL_SOCKET=$CTL_SOCK "$T/bin/apikeyctl" status >/dev/null
expect_eq "APIKEY_CONTROL_SOCKET selects the socket" "$?" 0

# The per-user key limit.

for _ in $(seq 1 20); do ctl_as "$bob" create >/dev/null; done
ctl_as "$bob" create >/dev/null 2>&1
expect_eq "the 21st key of one user is refused (exit 6)" "$?" 6

ctl_as "$alice" delete "$id" >/dev/null
expect_eq "the owner deletes her key" "$?" 0
expect_eq "the deleted key fails" "$(pam_result apikey "$alice" "$key")" PAM_AUTH_ERR

# Hostile input: each gets an error reply, and the daemon keeps serving.
raw() { "$T/bin/keytool" raw "$@"; }
check "garbage on the auth socket: verdict malformed" grep -q "verdict=malformed" <<<"$(raw "$AUTH_SOCK" deadbeef)"
check "garbage on the control socket: invalid_request" grep -q "status=invalid_request" <<<"$(raw "$CTL_SOCK" deadbeef)"
check "protocol version 2: rejected" grep -q "verdict=malformed" <<<"$(raw "$AUTH_SOCK" 0201)"
check "truncated field: rejected" grep -q "verdict=malformed" <<<"$(raw "$AUTH_SOCK" 0101010010616c)"
check "auth request without a key: rejected" grep -q "verdict=malformed" <<<"$(raw "$AUTH_SOCK" 010101000161)"
check "a control request on the auth socket: rejected" grep -q "verdict=malformed" <<<"$(raw "$AUTH_SOCK" 010309000400000007)"
check "oversized record: rejected" grep -q "verdict=malformed" <<<"$("$T/bin/keytool" oversize "$AUTH_SOCK")"
check "empty record: connection closed, nothing trusted" grep -q "reply=closed" <<<"$(raw "$CTL_SOCK" "")"
check "the daemon still serves after hostile input" ctl_as "$bob" status --json >/dev/null
