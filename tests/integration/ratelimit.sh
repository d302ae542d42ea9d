#!/bin/bash
# ratelimit.sh - rate limits per remote host, per local caller uid and per
# key ID: guessing is stopped, the end of a lockout is audited, and the
# holder of a valid key from another source is never locked out.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
start_daemon --rate-limit-burst 3 --rate-limit-interval 2s
pam_service apikey nodelay
key=$(create_key "$alice")
id=$(key_id "$key")
bad=$("$T/bin/keytool" wrong-secret "$key")
r() { pam_result apikey "$alice" "$@"; }

# Per remote host.
for i in 1 2 3; do r "$bad" --rhost 192.0.2.66 >/dev/null; done
expect_eq "after 3 failures from 192.0.2.66, even the right key from there: PAM_MAXTRIES" \
        "$(r "$key" --rhost 192.0.2.66)" PAM_MAXTRIES
expect_eq "… while the holder from 198.51.100.7 logs in" "$(r "$key" --rhost 198.51.100.7)" PAM_SUCCESS
check "rate_limited is audited" jq -e 'any(.[]; .result == "rate_limited" and .rhost == "192.0.2.66")' \
        <<<"$(ctl_as root audit --json)"
check "the lockout is audited" jq -e 'any(.[]; .event == "ratelimit" and .result == "blocked")' \
        <<<"$(ctl_as root audit --json)"
st=$(ctl_as root status --json)
check "status shows the limits" jq -e '.rate_limit_burst == 3 and .rate_limit_interval == 2' <<<"$st"
check "status lists the blocked host" jq -e 'any(.blocked[]; .kind == "rhost" and .source == "192.0.2.66")' <<<"$st"
check "status in text names it too" grep -q "Blocked: rhost 192.0.2.66" <<<"$(ctl_as root status)"
check "a user's status does not list other people's addresses" jq -e '.blocked | length == 0' \
        <<<"$(ctl_as "$alice" status --json)"
sleep 2.2
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

# 0 turns it off.
stop_daemon
start_daemon --rate-limit-burst 0
for i in 1 2 3 4 5; do r "$bad" --rhost 192.0.2.99 >/dev/null; done
expect_eq "--rate-limit-burst 0: no limit" "$(r "$key" --rhost 192.0.2.99)" PAM_SUCCESS
