#!/bin/bash
# ratelimit.sh - rate limits per remote host, per local caller uid and per
# key ID: guessing is stopped, the end of a lockout is audited, and the
# holder of a valid key from another source is never locked out.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
start_daemon --rate-limit-burst 3 --rate-limit-interval 5s # long enough for slow (ASan) runs
pam_service apikey nodelay
key=$(create_key "$alice")
id=$(key_id "$key")
bad=$("$T/bin/keytool" wrong-secret "$key")
r() { pam_result apikey "$alice" "$@"; }

# Per remote host.
for i in 1 2 3; do r "$bad" --rhost 192.0.2.66 >/dev/null; done
expect_eq "after 3 failures from 192.0.2.66, even the right key from there: PAM_MAXTRIES" \
        "$(r "$key" --rhost 192.0.2.66)" PAM_MAXTRIES
st=$(ctl_as root status --json) # at once: the block lasts one interval
st_text=$(ctl_as root status)
expect_eq "… while the holder from 198.51.100.7 logs in" "$(r "$key" --rhost 198.51.100.7)" PAM_SUCCESS
check "rate_limited is audited" jq -e 'any(.[]; .result == "rate_limited" and .rhost == "192.0.2.66")' \
        <<<"$(ctl_as root audit --json)"
check "the lockout is audited" jq -e 'any(.[]; .event == "ratelimit" and .result == "blocked")' \
        <<<"$(ctl_as root audit --json)"
check "status shows the limits" jq -e '.rate_limit_burst == 3 and .rate_limit_interval == 5' <<<"$st"
check "status lists the blocked host" jq -e 'any(.blocked[]; .kind == "rhost" and .source == "192.0.2.66")' <<<"$st"
check "status in text names it too" grep -q "Blocked: rhost 192.0.2.66" <<<"$st_text"
check "a user's status does not list other people's addresses" jq -e '.blocked | length == 0' \
        <<<"$(ctl_as "$alice" status --json)"
sleep 5.2
expect_eq "after the interval, the right key from 192.0.2.66 works again" "$(r "$key" --rhost 192.0.2.66)" PAM_SUCCESS
check "the end of the lockout is audited" jq -e 'any(.[]; .event == "ratelimit" and .result == "unblocked")' \
        <<<"$(ctl_as root audit --json)"

# Per key ID: guesses at one key from many hosts; the holder still gets in.
for i in 1 2 3; do r "$bad" --rhost "203.0.113.$i" >/dev/null; done
expect_eq "a 4th guess at the key from a fresh host: PAM_MAXTRIES" "$(r "$bad" --rhost 203.0.113.9)" PAM_MAXTRIES
expect_eq "the right key from yet another host: PAM_SUCCESS" "$(r "$key" --rhost 203.0.113.10)" PAM_SUCCESS
expect_eq "the right key with no rhost (sudo): PAM_SUCCESS" "$(r "$key")" PAM_SUCCESS

# Per local caller uid (a non-root process running PAM itself).
as_bob() {
        APIKEY_TEST_ANSWER=$1 setpriv --reuid="$bob" --regid="$(id -g "$bob")" --clear-groups -- \
                "$T/bin/pam_driver" --confdir "$T/pam" --service apikey --user "$alice" | sed -n 's/^authenticate=//p'
}
for i in 1 2 3; do as_bob "$bad" >/dev/null; done
expect_eq "a local uid that keeps failing is blocked: PAM_MAXTRIES" "$(as_bob "$bad")" PAM_MAXTRIES
expect_eq "root callers (sshd, sudo) are not blocked by it" "$(r "$key")" PAM_SUCCESS

# Whose budget a failure spends (SECURITY.md). PAM_RHOST is a claim of the
# calling process: root callers (sshd) are trusted for it; a non-root caller's
# claim spends only (its uid, that host). carol stands for a service that runs
# PAM as a non-root account (nginx's worker as www-data); bob is any local
# user sending raw requests (keytool auth: N requests naming RHOST).
stop_daemon
start_daemon --rate-limit-burst 3 --rate-limit-interval 60s # nothing refills during the test
carol=$(add_user carol)
raw_as() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups -- "$T/bin/keytool" auth "$AUTH_SOCK" "$@"; }
fake=$("$T/bin/keytool" unknown-id "$key")

# A local user naming a host blocks only themself for it.
out=$(raw_as "$bob" "$alice" "$fake" 192.0.2.50 10)
check "bob's 10 raw requests naming 192.0.2.50: bob is rate limited ($(tr '\n' ' ' <<<"$out"))" grep -qx 'rate_limited=[0-9]*' <<<"$out"
expect_eq "… even with alice's right key, bob's claim of 192.0.2.50 stays blocked" \
        "$(raw_as "$bob" "$alice" "$key" 192.0.2.50 1 | head -1)" rate_limited=1
expect_eq "… but sshd (root) logging alice in from 192.0.2.50: PAM_SUCCESS" "$(r "$key" --rhost 192.0.2.50)" PAM_SUCCESS
expect_eq "… and a non-root service (carol) for 192.0.2.50: ok" "$(raw_as "$carol" "$alice" "$key" 192.0.2.50 1 | head -1)" ok=1
expect_eq "… and bob naming no host (his uid's own budget) is not blocked by it" \
        "$(raw_as "$bob" "$alice" "$key" "" 1 | head -1)" ok=1
st=$(ctl_as root status --json)
check "status lists bob's claim as uid/rhost $(id -u "$bob")/192.0.2.50" jq -e --arg s "$(id -u "$bob")/192.0.2.50" \
        'any(.blocked[]; .kind == "uid/rhost" and .source == $s)' <<<"$st"
check "… and does not list 192.0.2.50 itself as blocked" jq -e 'all(.blocked[]; .source != "192.0.2.50")' <<<"$st"
check "the lockout is audited with bob's uid and the host he named" jq -e --argjson u "$(id -u "$bob")" \
        'any(.[]; .event == "ratelimit" and .result == "blocked" and .peer_uid == $u and .rhost == "192.0.2.50")' \
        <<<"$(ctl_as root audit --json)"

# A non-root service's remote clients: address A's failures never block B.
out=$(raw_as "$carol" "$alice" "$fake" 198.51.100.1 10)
check "10 failures from 198.51.100.1 through carol's service: that address is blocked" grep -qx 'rate_limited=[0-9]*' <<<"$out"
expect_eq "… the right key from 198.51.100.2 through the same service: ok" \
        "$(raw_as "$carol" "$alice" "$key" 198.51.100.2 1 | head -1)" ok=1
for n in 3 4 5 6 7 8 9 10 11; do raw_as "$carol" "$alice" "$fake" "198.51.100.$n" 10 >/dev/null; done
expect_eq "… after 10 addresses failed 10 times each, a fresh address with the right key: ok" \
        "$(raw_as "$carol" "$alice" "$key" 198.51.100.12 1 | head -1)" ok=1
expect_eq "… and through sshd from 198.51.100.1 (root's budget for it): PAM_SUCCESS" "$(r "$key" --rhost 198.51.100.1)" PAM_SUCCESS

# A local user's own failures, naming no host, still limit that user (and
# the same budget is spent by their leak reports and scans: audit.sh).
out=$(raw_as "$bob" "$alice" "$fake" "" 10)
check "bob naming no host, 10 failures: rate limited" grep -qx 'rate_limited=[0-9]*' <<<"$out"
expect_eq "… then bob's uid is blocked, also for the right key" "$(raw_as "$bob" "$alice" "$key" "" 1 | head -1)" rate_limited=1

# 0 turns it off.
stop_daemon
start_daemon --rate-limit-burst 0
for i in 1 2 3 4 5; do r "$bad" --rhost 192.0.2.99 >/dev/null; done
expect_eq "--rate-limit-burst 0: no limit" "$(r "$key" --rhost 192.0.2.99)" PAM_SUCCESS
