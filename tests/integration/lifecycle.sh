#!/bin/bash
# lifecycle.sh - a key's life: expiry (short, real clock), the daemon's
# maximum lifetime, lock, rotation (no grace, a grace period, until first
# use), inactivity, and purging expired keys.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon --purge-after 1s
pam_service apikey timeout=3
show() { ctl_as "$alice" show "$1" --json; }

# Expiry.
exp=$(create_key "$alice" --expires 2s)
expect_eq "a key expiring in 2 s works now" "$(pam_result apikey "$alice" "$exp")" PAM_SUCCESS
sleep 2.2
expect_eq "… and fails after 2 s" "$(pam_result apikey "$alice" "$exp")" PAM_AUTH_ERR
expect_eq "… and shows as expired" "$(show "$(key_id "$exp")" | jq -r .state)" expired
check "expired is audited" audit_has "$(key_id "$exp")" expired
expect_eq "an expiry in the past is refused" "$(exit_of create_key "$alice" --expires 2020-01-01)" 2
when=$(date -u -d '+30 days' +%Y-%m-%dT12:00:00Z) # within the default maximum lifetime (90 days)
iso=$(create_key "$alice" --expires "$when")
expect_eq "--expires takes ISO-8601" "$(show "$(key_id "$iso")" | jq -r .expires_at)" "$when"

# Lock: no delete, disable or rotate until unlocked.
lk=$(create_key "$alice")
lid=$(key_id "$lk")
ctl_as "$alice" lock "$lid" >/dev/null
expect_eq "locked: delete refused (exit 6)" "$(exit_of ctl_as "$alice" delete "$lid")" 6
expect_eq "locked: disable refused (exit 6)" "$(exit_of ctl_as "$alice" disable "$lid")" 6
expect_eq "locked: rotate refused (exit 6)" "$(exit_of ctl_as "$alice" rotate "$lid")" 6
expect_eq "a locked key still logs in" "$(pam_result apikey "$alice" "$lk")" PAM_SUCCESS
expect_eq "show says locked" "$(show "$lid" | jq -r .locked)" true
ctl_as "$alice" unlock "$lid" >/dev/null
expect_eq "unlocked: delete works" "$(exit_of ctl_as "$alice" delete "$lid")" 0

# Rotation without grace: the old key dies at once.
old=$(create_key "$alice" --name rot --service apikey --max-uses 50)
new=$(ctl_as "$alice" rotate "$(key_id "$old")")
check "rotate prints a new key" test -n "$new" -a "$new" != "$old"
expect_eq "the new key works" "$(pam_result apikey "$alice" "$new")" PAM_SUCCESS
expect_eq "the old key fails at once (default: no grace)" "$(pam_result apikey "$alice" "$old")" PAM_AUTH_ERR
check "the new key keeps name and restrictions" jq -e \
        '.name == "rot" and .services == ["apikey"] and .max_uses == 50' <<<"$(show "$(key_id "$new")")"

# Rotation with a grace period.
old=$(create_key "$alice")
new=$(ctl_as "$alice" rotate "$(key_id "$old")" --grace 2s)
expect_eq "grace 2s: the old key still works" "$(pam_result apikey "$alice" "$old")" PAM_SUCCESS
expect_eq "grace 2s: the new key works" "$(pam_result apikey "$alice" "$new")" PAM_SUCCESS
sleep 2.2
expect_eq "after the grace period the old key fails" "$(pam_result apikey "$alice" "$old")" PAM_AUTH_ERR
expect_eq "… and the new one still works" "$(pam_result apikey "$alice" "$new")" PAM_SUCCESS

# Rotation until first use.
old=$(create_key "$alice")
new=$(ctl_as "$alice" rotate "$(key_id "$old")" --until-first-use)
expect_eq "until-first-use: the old key works" "$(pam_result apikey "$alice" "$old")" PAM_SUCCESS
expect_eq "… again" "$(pam_result apikey "$alice" "$old")" PAM_SUCCESS
expect_eq "the new key's first use succeeds" "$(pam_result apikey "$alice" "$new")" PAM_SUCCESS
expect_eq "then the old key fails" "$(pam_result apikey "$alice" "$old")" PAM_AUTH_ERR
expect_eq "--grace with --until-first-use is a usage error" \
        "$(exit_of ctl_as "$alice" rotate "$(key_id "$new")" --grace 1m --until-first-use)" 2
expect_eq "a rotated key cannot be rotated again (exit 6)" "$(exit_of ctl_as "$alice" rotate "$(key_id "$old")")" 6

# Classic keys rotate too (the rotated one stops counting as the classic key).
cl=$(create_key "$alice" --classic)
ncl=$(ctl_as "$alice" rotate "$(key_id "$cl")" --grace 1m)
expect_eq "a classic key rotates with grace" "$(pam_result apikey "$alice" "$ncl")" PAM_SUCCESS
expect_eq "… and the old one works in its grace" "$(pam_result apikey "$alice" "$cl")" PAM_SUCCESS

# Inactivity.
idle=$(create_key "$alice" --name idle)
sleep 2.1 # times are whole seconds
pam_result apikey "$alice" "$new" >/dev/null
inactive=$(ctl_as "$alice" list --inactive 1s --json)
check "list --inactive 1s shows the unused key" jq -e --arg id "$(key_id "$idle")" 'any(.[]; .id == $id)' <<<"$inactive"
check "… and not the key just used" jq -e --arg id "$(key_id "$new")" 'all(.[]; .id != $id)' <<<"$inactive"

# The daemon's maximum lifetime.
stop_daemon
start_daemon --max-lifetime 1d --purge-after 1s
expect_eq "--max-lifetime 1d: --expires 2d refused (exit 6)" "$(exit_of create_key "$alice" --expires 2d)" 6
expect_eq "--expires 12h accepted" "$(exit_of create_key "$alice" --expires 12h)" 0
dflt=$(create_key "$alice")
check "without --expires the key gets the maximum lifetime" jq -e \
        '.expires_at != null' <<<"$(show "$(key_id "$dflt")")"
check "status shows the maximum lifetime" grep -qi "lifetime" <<<"$(ctl_as "$alice" status)"

# Purge: the daemon deletes keys expired for longer than --purge-after when
# it starts and hourly; the purge is audited.
stop_daemon
start_daemon --purge-after 1s
expect_eq "the key expired more than 1 s ago was purged" "$(exit_of ctl_as "$alice" show "$(key_id "$exp")")" 4
check "the purge is in the audit log" audit_has "$(key_id "$exp")" ok
check "… as a purge event" jq -e 'any(.[]; .event == "purge")' <<<"$(ctl_as root audit --key "$(key_id "$exp")" --json)"
