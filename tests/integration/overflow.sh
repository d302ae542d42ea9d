#!/bin/bash
# overflow.sh - times and counts that would overflow (issue 9, item 8): a
# rotate grace of 2^63-1000 s wrapped the old key's expiry negative (never
# expiring, never purged, beating --max-lifetime) and aborted the UBSan
# build; list --inactive 2^63 aborted UBSan. apikeyctl refuses such values
# (a century at most), so they are also sent raw, as a plain user would.
# Under the sanitizer pass of make check any undefined behaviour in the
# daemon aborts it, and lib.sh fails the test on its report.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon --max-lifetime 30d
pam_service apikey timeout=3
show() { ctl_as "$alice" show "$1" --json; }

# hexstr STRING, u32 TAG VALUE, u64 TAG VALUE, str TAG STRING: wire fields.
hexstr() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
u32() { printf '%02x0004%08x' "$1" "$2"; }
u64() { printf '%02x0008%016x' "$1" "$2"; }
str() { printf '%02x%04x%s' "$1" "${#2}" "$(hexstr "$2")"; }
# raw_ctl USER FIELDS...: one CTL_REQUEST (version 1, type 3) as USER.
raw_ctl() {
        local user=$1; shift
        setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- \
                "$T/bin/keytool" raw "$CTL_SOCK" "0103$(printf %s "$@")"
}
CMD=9 KEY_ID=7 EXPIRES_AT=30 MAX_USES=34 GRACE=38 SINCE=39 INACTIVE=40
LIST=2 CREATE=1 ROTATE=10 AUDIT=18

key=$(create_key "$alice")
id=$(key_id "$key")

# apikeyctl: no such value leaves it.
expect_eq "apikeyctl: --grace 9223372036854774807s is a usage error (exit 2)" \
        "$(exit_of ctl_as "$alice" rotate "$id" --grace 9223372036854774807s)" 2
expect_eq "apikeyctl: --inactive 9223372036854775808s is a usage error (exit 2)" \
        "$(exit_of ctl_as "$alice" list --inactive 9223372036854775808s)" 2
expect_eq "apikeyctl: --expires 9999999999w is a usage error (exit 2)" \
        "$(exit_of ctl_as "$alice" create --expires 9999999999w)" 2

# Rotate grace: 2^63-1000, 2^63-1, 2^64-1 — each refused, the key unchanged.
for g in 9223372036854774808 9223372036854775807 18446744073709551615; do
        out=$(raw_ctl "$alice" "$(u32 $CMD $ROTATE)" "$(str $KEY_ID "$id")" "$(u64 $GRACE "$g")")
        check "rotate --grace $g: refused (limit_reached)" grep -q "status=limit_reached" <<<"$out"
done
expect_eq "… the key was never rotated" "$(show "$id" | jq -r '.rotated_to // "none"')" none
expect_eq "… and keeps its expiry within --max-lifetime" \
        "$(show "$id" | jq --argjson max $(($(date +%s) + 30 * 86400)) '(.expires_at | fromdateiso8601) <= $max')" true
expect_eq "… and still works" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS

# list --inactive: 2^63, 2^63-1, 2^64-1 and exactly now: an empty answer.
now=$(date +%s)
for v in 9223372036854775808 9223372036854775807 18446744073709551615 "$now"; do
        out=$(raw_ctl "$alice" "$(u32 $CMD $LIST)" "$(u64 $INACTIVE "$v")")
        check "list --inactive $v: answered with no key" grep -q "status=ok" <<<"$out"
done

# audit --since far past the end of time; create with an expiry past INT64_MAX.
for v in 9223372036854775808 18446744073709551615; do
        check "audit --since $v: answered" grep -q "status=ok" \
                <<<"$(raw_ctl "$alice" "$(u32 $CMD $AUDIT)" "$(u64 $SINCE "$v")")"
        check "create --expires $v: refused" grep -q "status=invalid_request" \
                <<<"$(raw_ctl "$alice" "$(u32 $CMD $CREATE)" "$(u64 $EXPIRES_AT "$v")")"
done

# A usage limit of 2^64-1 counts without wrapping.
big=$(raw_ctl "$alice" "$(u32 $CMD $CREATE)" "$(u64 $MAX_USES 18446744073709551615)")
check "create --max-uses 2^64-1: accepted" grep -q "type=5" <<<"$big"
mu=$(ctl_as "$alice" list --json | jq -r '[.[] | select(.max_uses != null)][0].id')
check "… listed with its limit" test -n "$mu" -a "$mu" != null

check "the daemon still answers" ctl_as "$alice" status
# Maintenance with the longest settings computes its cut-offs without wrapping.
stop_daemon
start_daemon --purge-after 36500d --audit-retention 36500d --max-lifetime 36500d
check "the daemon starts and purges with a century's settings" ctl_as "$alice" status
expect_eq "… and the key still works" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
