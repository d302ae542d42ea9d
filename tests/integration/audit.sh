#!/bin/bash
# audit.sh - the audit log: a record for every failure reason, control
# changes with who did them, the hash chain and its verification (and
# detection of tampering), the tripwire (a key typed as a user name), and
# `apikeyctl scan` finding a key in a file and neutralising it.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
start_daemon
pam_service apikey timeout=3

key=$(create_key "$alice")
id=$(key_id "$key")
pam_result apikey "$alice" "$key" >/dev/null                                         # ok
pam_result apikey "$alice" "apk_notakey" >/dev/null                                  # malformed: never sent
pam_result apikey "$alice" "$("$T/bin/keytool" wrong-secret "$key")" >/dev/null      # bad_secret
pam_result apikey "$alice" "$("$T/bin/keytool" unknown-id "$key")" >/dev/null        # not_found
pam_result apikey "$bob" "$key" >/dev/null                                           # wrong_user
ctl_as "$alice" disable "$id" >/dev/null
pam_result apikey "$alice" "$key" >/dev/null                                         # disabled
ctl_as "$alice" enable "$id" >/dev/null
"$T/bin/keytool" raw "$AUTH_SOCK" deadbeef >/dev/null                                # malformed on the wire

all=$(ctl_as root audit --json)
for r in ok bad_secret wrong_user disabled; do
        check "audit: $r recorded for the key" jq -e --arg id "$id" --arg r "$r" \
                'any(.[]; .key_id == $id and .result == $r and .event == "auth")' <<<"$all"
done
check "audit: not_found recorded with the unknown ID" jq -e 'any(.[]; .result == "not_found")' <<<"$all"
check "audit: malformed recorded" jq -e 'any(.[]; .result == "malformed")' <<<"$all"
check "audit: records carry PAM service and peer uid" jq -e \
        'any(.[]; .result == "ok" and .service == "apikey" and .peer_uid == 0)' <<<"$all"
check "audit: control changes name the caller and action" jq -e --arg id "$id" --arg who "$alice" \
        'any(.[]; .event == "control" and .action == "disable" and .key_id == $id and .caller == $who)' <<<"$all"
check "audit --key filters" jq -e --arg id "$id" 'length > 0 and all(.[]; .key_id == $id)' \
        <<<"$(ctl_as root audit --key "$id" --json)"
check "audit --since in the future is empty" jq -e 'length == 0' <<<"$(ctl_as root audit --since 2099-01-01 --json)"
check "audit --since 1h has records" jq -e 'length > 0' <<<"$(ctl_as root audit --since 1h --json)"
check "no key appears in the audit log" bash -c '! grep -qF -- "$1" <<<"$2"' _ "$key" "$all"
check "no key appears in the daemon's log" bash -c '! grep -qF -- "$1" "$2"' _ "$key" "$T/daemon.log"

# The chain.
out=$(ctl_as root audit --verify)
expect_eq "audit --verify on an intact log: exit 0" "$?" 0
check "… says ok" grep -qi "ok" <<<"$out"
check "--verify --json reports verified" jq -e '.verified == true and .records > 5' <<<"$(ctl_as root audit --verify --json)"

# Tripwire: a key typed as the user name is treated as leaked.
trip=$(create_key "$alice" --name tripwire)
out=$(pam_auth apikey "$trip" "anything")
expect_eq "a key typed as the user name: PAM_AUTH_ERR" "$(sed -n 's/^authenticate=//p' <<<"$out")" PAM_AUTH_ERR
check "… without a prompt for the key" bash -c '! grep -q "^prompt=" <<<"$1"' _ "$out"
expect_eq "… and the key is disabled (leak action disable)" \
        "$(ctl_as "$alice" show "$(key_id "$trip")" --json | jq -r .state)" disabled
check "… and the leak is audited" audit_has "$(key_id "$trip")" leaked
dtrip=$(create_key "$alice" --leak-action delete)
pam_auth apikey "$dtrip" x >/dev/null
expect_eq "leak action delete: the key is gone" "$(exit_of ctl_as "$alice" show "$(key_id "$dtrip")")" 4
ntrip=$(create_key "$alice" --leak-action none)
pam_auth apikey "$ntrip" x >/dev/null
expect_eq "leak action none: the key stays active" "$(ctl_as "$alice" show "$(key_id "$ntrip")" --json | jq -r .state)" active
fake=$("$T/bin/keytool" wrong-secret "$ntrip")
pam_auth apikey "$fake" x >/dev/null
expect_eq "a key-shaped name with a wrong secret changes nothing" \
        "$(ctl_as "$alice" show "$(key_id "$ntrip")" --json | jq -r .state)" active

# scan: find keys in a file, report them, disable them.
leaked=$(create_key "$alice" --name leaked)
bobs=$(create_key "$bob" --name bobs)
printf 'config:\n  token: %s\nother: %s, x\nnoise apk_%s\n' "$leaked" "$bobs" "zzzz" >"$T/leak.txt"
chmod 644 "$T/leak.txt"
out=$(ctl_as "$alice" scan "$T/leak.txt" 2>>"$T/scan.log")
expect_eq "scan exits 0" "$?" 0
check "scan reports the file, line and key ID" grep -q "leak.txt:2:.*$(key_id "$leaked")" <<<"$out"
check "scan reports bob's key too" grep -q "$(key_id "$bobs")" <<<"$out"
check "scan never prints a key" bash -c '! grep -qF -e "$1" -e "$2" <<<"$3"' _ "$leaked" "$bobs" "$out"
expect_eq "scan alone changes nothing" "$(ctl_as "$alice" show "$(key_id "$leaked")" --json | jq -r .state)" active
json=$(ctl_as "$alice" scan --disable --json <"$T/leak.txt" 2>>"$T/scan.log")
expect_eq "scan --disable (stdin) disables alice's key" \
        "$(ctl_as "$alice" show "$(key_id "$leaked")" --json | jq -r .state)" disabled
# Whoever presents a whole key holds it, and may apply that key's own leak
# action, as the tripwire does for whoever types it as a user name
# (SECURITY.md): alice found bob's key, so bob's key is revoked.
expect_eq "… and bob's key too: alice presented the whole key" \
        "$(ctl_as "$bob" show "$(key_id "$bobs")" --json | jq -r .state)" disabled
check "… which scan reports" jq -e --arg id "$(key_id "$bobs")" 'any(.[]; .id == $id and .action == "disabled")' <<<"$json"
check "… and the audit names alice as who found it" jq -e --arg a "$alice" \
        'any(.[]; .event == "leak" and .caller == $a and (.detail | test("found by apikeyctl scan")))' \
        <<<"$(ctl_as "$bob" audit --json)"
expect_eq "the disabled leaked key fails" "$(pam_result apikey "$alice" "$leaked")" PAM_AUTH_ERR
bobs2=$(create_key "$bob" --name bobs2 --leak-action delete)
check "naming bob's key by its ID is not enough: alice may not disable it" \
        test "$(exit_of ctl_as "$alice" disable "$(key_id "$bobs2")")" -ne 0
expect_eq "… it stays active" "$(ctl_as "$bob" show "$(key_id "$bobs2")" --json | jq -r .state)" active
pam_auth apikey "$bobs2" x >/dev/null
expect_eq "the tripwire applies bob's chosen action (delete) for whoever typed his key" \
        "$(exit_of ctl_as "$bob" show "$(key_id "$bobs2")")" "$(exit_of ctl_as "$bob" show nosuchkeyid0)"
ctl_as root scan --disable "$T/leak.txt" >/dev/null 2>>"$T/scan.log"
DIAG_LOGS+=("$T/scan.log")
expect_eq "root's scan --disable leaves bob's key disabled" "$(ctl_as "$bob" show "$(key_id "$bobs")" --json | jq -r .state)" disabled

# Tampering: change or remove a record behind the daemon's back.
stop_daemon
sqlite3 "$T/state/keys.db" "DELETE FROM audit WHERE seq = 3"
start_daemon
out=$(ctl_as root audit --verify 2>&1)
rc=$?
check "a removed record breaks the chain (exit $rc)" test "$rc" -ne 0
check "… at record 4" grep -q "record 4" <<<"$out"
