#!/bin/bash
# rotation.sh - an old key never outlives its rotation (issue 9, item 4):
# chains of rotations whose successors were never used, a pending successor
# deleted, the per-owner key limit during rotation, the bounded life of a
# pending --until-first-use rotation, and --grace at and past its bound
# (overflow.sh sends the graces that overflow).
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon
pam_service apikey timeout=3
login() { pam_result apikey "$alice" "$1"; }
show() { ctl_as "$alice" show "$1" --json; }
rotate() { local id; id=$(key_id "$1"); shift; ctl_as "$alice" rotate "$id" "$@"; }
# expires_within ID SECONDS: the key has an expiry at most SECONDS from now.
expires_within() {
        show "$1" | jq -e --argjson max "$(($(date +%s) + $2))" \
                '.expires_at != null and (.expires_at | fromdateiso8601) <= $max' >/dev/null
}
working() { ctl_as "$alice" list --json | jq '[.[] | select(.state == "active")] | length'; }

# A chain of --until-first-use rotations, no successor used: the attack
# left the first key working forever, with no expiry, unrotatable.
a=$(create_key "$alice" --name chain)
b=$(rotate "$a" --until-first-use)
c=$(rotate "$b" --until-first-use)
expect_eq "chain: the first key still works while the newest is unused" "$(login "$a")" PAM_SUCCESS
check "… but it has an expiry (a pending rotation is bounded: 90 days)" expires_within "$(key_id "$a")" $((90 * 86400))
expect_eq "… and it cannot be rotated again (exit 6)" "$(exit_of rotate "$a")" 6
expect_eq "the newest key's first use succeeds" "$(login "$c")" PAM_SUCCESS
expect_eq "… and ends the middle key" "$(login "$b")" PAM_AUTH_ERR
expect_eq "… and the first key of the chain" "$(login "$a")" PAM_AUTH_ERR
expect_eq "the first key shows as expired" "$(show "$(key_id "$a")" | jq -r .state)" expired
check "its retirement is audited" jq -e 'any(.[]; .action == "retire")' \
        <<<"$(ctl_as "$alice" audit --key "$(key_id "$a")" --json)"

# Rotating an unused successor without grace ends its predecessors at once.
a=$(create_key "$alice")
b=$(rotate "$a" --until-first-use)
c=$(rotate "$b")
expect_eq "successor rotated without grace: the first key fails at once" "$(login "$a")" PAM_AUTH_ERR
expect_eq "… and so does the successor" "$(login "$b")" PAM_AUTH_ERR
expect_eq "… the newest works" "$(login "$c")" PAM_SUCCESS

# ... and with a grace period, they end with it.
a=$(create_key "$alice")
b=$(rotate "$a" --until-first-use)
c=$(rotate "$b" --grace 4s)
expect_eq "successor rotated with grace 4s: the first key works in the grace" "$(login "$a")" PAM_SUCCESS
sleep 4.2
expect_eq "… and fails after it, though the newest was never used" "$(login "$a")" PAM_AUTH_ERR
expect_eq "… as does the successor" "$(login "$b")" PAM_AUTH_ERR

# Deleting a pending successor retires its predecessor (documented choice).
a=$(create_key "$alice")
b=$(rotate "$a" --until-first-use)
expect_eq "the owner deletes the unused successor" "$(exit_of ctl_as "$alice" delete "$(key_id "$b")")" 0
expect_eq "… and the old key fails at once" "$(login "$a")" PAM_AUTH_ERR
check "… audited as a retirement" jq -e 'any(.[]; .action == "retire")' \
        <<<"$(ctl_as "$alice" audit --key "$(key_id "$a")" --json)"
# In the middle of a chain too: deleting b ends a, whom c was waiting on.
a=$(create_key "$alice")
b=$(rotate "$a" --until-first-use)
c=$(rotate "$b" --until-first-use)
ctl_as "$alice" delete "$(key_id "$b")" >/dev/null
expect_eq "deleting the middle of a pending chain ends the first key" "$(login "$a")" PAM_AUTH_ERR
expect_eq "… the newest still works" "$(login "$c")" PAM_SUCCESS

# The per-owner limit holds for rotation: 20 rounds of --until-first-use on
# the newest unused key would leave 21 working keys against a limit of 20.
for k in $(ctl_as "$alice" list --json | jq -r '.[].id'); do ctl_as "$alice" delete "$k" >/dev/null 2>&1; done
expect_eq "no working key left before the limit test" "$(working)" 0
cur=$(create_key "$alice" --name limit)
refused=0
for round in $(seq 1 20); do
        if next=$(rotate "$cur" --until-first-use 2>/dev/null); then cur=$next; else refused=$round; break; fi
done
expect_eq "the 20th pending rotation is refused (limit 20)" "$refused" 20
expect_eq "… exit 6, saying why" "$(exit_of rotate "$cur" --until-first-use)" 6
expect_eq "at most 20 keys work" "$(working)" 20
check "a rotation that ends the old key at once is still allowed at the limit" rotate "$cur"
expect_eq "… and it ends the whole chain: one key works" "$(working)" 1

# --grace is bounded: the longest overlap is 90 days (or --max-lifetime).
k=$(create_key "$alice")
expect_eq "--grace 91d is refused (exit 6)" "$(exit_of rotate "$k" --grace 91d)" 6
expect_eq "--grace 90d is accepted" "$(exit_of rotate "$k" --grace 90d)" 0
check "… and the old key ends within 90 days" expires_within "$(key_id "$k")" $((90 * 86400))

# With a maximum lifetime shorter than 90 days, it bounds the overlap.
stop_daemon
start_daemon --max-lifetime 1d
k=$(create_key "$alice")
expect_eq "--max-lifetime 1d: --grace 2d is refused (exit 6)" "$(exit_of rotate "$k" --grace 2d)" 6
n=$(rotate "$k" --until-first-use)
check "--until-first-use: the old key ends within a day even if the new one is never used" \
        expires_within "$(key_id "$k")" 86400
check "… the new key works" test "$(login "$n")" = PAM_SUCCESS
