#!/bin/bash
# oracle.sh - leak reports (a key typed as a user name) and `apikeyctl scan`
# are no faster validity oracle than a login: a check that finds no key
# spends the caller's failure budget (and, for a wrong secret, the key ID's)
# and is audited. The attack: someone saw all of alice's key but its last two
# characters and tries the candidates with a valid CRC.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
mallory=$(add_user mallory)
trudy=$(add_user trudy)
start_daemon # default limits: 10 failures, then one more per 6 s
pam_service apikey nodelay
key=$(create_key "$alice" --name target)
id=$(key_id "$key")
"$T/bin/keytool" candidates "$key" 100 >"$T/cands"
echo "$key" >>"$T/cands" # the right one comes last
chmod 644 "$T/cands"
check "100 wrong candidates with valid CRCs, then the right key" test "$(grep -c "^apk_${id}_" "$T/cands")" = 101

# scan, as another local user: one request per candidate.
out=$(ctl_as "$mallory" scan "$T/cands" 2>&1)
rc=$?
check "mallory's scan of the candidates fails (exit $rc)" test "$rc" -ne 0
check "… rate limited" grep -q "rate limited" <<<"$out"
n=$(grep -c "state unknown" <<<"$out")
check "… after at most 10 misses ($n)" test "$n" -le 10
# One candidate per run, as a script would do it: each is refused.
refused=0
while read -r c; do
        ctl_as "$mallory" scan <<<"$c" >/dev/null 2>&1 || refused=$((refused + 1))
done < <(sed -n 11,40p "$T/cands")
expect_eq "30 more candidates, one scan each: all refused" "$refused" 30
expect_eq "the right key, scanned by mallory now: refused, not confirmed" \
        "$(ctl_as "$mallory" scan <<<"$key" 2>&1 | grep -c "state active")" 0
check "… while alice (another uid) scans it fine" grep -q "state active" <<<"$(ctl_as "$alice" scan <<<"$key" 2>&1)"
m=$(id -u "$mallory")
json=$(ctl_as root audit --json)
check "mallory's misses are audited (event leak, action scan, her uid)" jq -e --argjson u "$m" \
        '[.[] | select(.event == "leak" and .action == "scan" and .peer_uid == $u and (.result == "bad_secret"))] | length >= 10' \
        <<<"$json"
check "… her refusals too" jq -e --argjson u "$m" \
        'any(.[]; .event == "leak" and .peer_uid == $u and .result == "rate_limited")' <<<"$json"
check "… and her uid's lockout" jq -e --argjson u "$m" \
        'any(.[]; .event == "ratelimit" and .result == "blocked" and .peer_uid == $u)' <<<"$json"
check "alice sees the guesses at her key in her own audit" jq -e --arg id "$id" \
        'any(.[]; .event == "leak" and .key_id == $id and .result == "bad_secret")' <<<"$(ctl_as "$alice" audit --json)"
check "the guesses spent the key ID's budget" jq -e --arg id "$id" \
        'any(.[]; .event == "ratelimit" and .result == "blocked" and .key_id == $id)' <<<"$json"
expect_eq "… which never refuses alice her own key" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS

# Leak reports through the module (the key typed as the user name), as a
# local user running PAM: the same budget, and a refused report is not looked
# up, so the right key at the end is not found (its leak action not applied).
stop_daemon
start_daemon
as_trudy() {
        APIKEY_TEST_ANSWER=x setpriv --reuid="$trudy" --regid="$(id -g "$trudy")" --clear-groups -- \
                "$T/bin/pam_driver" --confdir "$T/pam" --service apikey --user "$1" | sed -n 's/^authenticate=//p'
}
t0=$(date +%s)
while read -r c; do as_trudy "$c" >/dev/null; done <"$T/cands"
intervals=$((($(date +%s) - t0) / 60 + 1)) # the tally interval is 60 s by default
expect_eq "after 100 wrong leak reports, trudy's report of the right key did not revoke it" \
        "$(ctl_as "$alice" show "$id" --json | jq -r .state)" active
t=$(id -u "$trudy")
json=$(ctl_as root audit --json)
check "trudy's leak reports are audited with her uid" jq -e --argjson u "$t" --arg id "$id" \
        '[.[] | select(.peer_uid == $u and .key_id == $id and .result == "leaked")] | length >= 10' <<<"$json"
check "… and her lockout" jq -e --argjson u "$t" \
        'any(.[]; .event == "ratelimit" and .result == "blocked" and .peer_uid == $u)' <<<"$json"
n=$(jq --argjson u "$t" '[.[] | select(.peer_uid == $u)] | length' <<<"$json")
check "… in a bounded number of records ($n for 101 reports; 20 per minute, and counts)" \
        test "$n" -le $((20 * intervals + 5))
stop_daemon
start_daemon
check "the rest is counted in one record at the end of the interval (or at exit)" jq -e --argjson u "$t" \
        'any(.[]; .action == "tally" and .event == "leak" and .peer_uid == $u and (.detail | test("^[0-9]+ more leak requests")))' \
        <<<"$(ctl_as root audit --json)"
# The tripwire itself still works for sshd-like root callers.
expect_eq "a root caller's report of the right key revokes it" \
        "$(pam_auth apikey "$key" x --rhost 192.0.2.1 >/dev/null; ctl_as "$alice" show "$id" --json | jq -r .state)" disabled
