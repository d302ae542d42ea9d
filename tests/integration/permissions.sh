#!/bin/bash
# permissions.sh - the permission matrix: for every control command, what
# the key's owner, another user, an admin-group member and root may do.
# Authorization comes only from the kernel's peer credentials.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
admin=$(add_user admin)
add_group "$ADMIN_GROUP"
usermod -a -G "$ADMIN_GROUP" "$admin"
start_daemon
pam_service apikey timeout=3

fresh() { key_id "$(create_key "$alice" --name matrix)"; }

id=$(fresh)
# Reading.
expect_exit "$alice" 0 show "$id";  expect_exit "$bob" 3 show "$id";  expect_exit "$admin" 0 show "$id";  expect_exit root 0 show "$id"
expect_exit "$alice" 3 list --all;  expect_exit "$bob" 3 list --all;  expect_exit "$admin" 0 list --all;  expect_exit root 0 list --all
expect_exit "$bob" 3 list --user "$alice";  expect_exit "$admin" 0 list --user "$alice"
expect_exit "$alice" 0 list --user "$alice"
# Disable / enable / lock / unlock: owner or admin.
for cmd in disable enable lock unlock; do
        expect_exit "$bob" 3 "$cmd" "$id"
        expect_exit "$alice" 0 "$cmd" "$id"
done
for cmd in disable enable lock unlock; do
        expect_exit "$admin" 0 "$cmd" "$id"
        expect_exit root 0 "$cmd" "$id"
done
# ... but what an admin disabled or locked, only an admin undoes (revocation.sh).
expect_exit "$admin" 0 disable "$id"; expect_exit "$alice" 3 enable "$id"; expect_exit "$admin" 0 enable "$id"
expect_exit "$admin" 0 lock "$id"; expect_exit "$alice" 3 unlock "$id"; expect_exit "$admin" 0 unlock "$id"
# Rotate and delete create or destroy keys: only the owner, never an admin.
expect_exit "$bob" 3 rotate "$id"; expect_exit "$admin" 3 rotate "$id"; expect_exit root 3 rotate "$id"
expect_exit "$bob" 3 delete "$id"; expect_exit "$admin" 3 delete "$id"; expect_exit root 3 delete "$id"
expect_exit "$alice" 0 rotate "$id"
id=$(fresh)
expect_exit "$alice" 0 delete "$id"
# Audit: users see their own records only.
expect_exit "$alice" 0 audit
expect_exit "$bob" 3 audit --identity "user:$alice"
expect_exit "$admin" 0 audit --identity "user:$alice"
check "alice's audit shows only her identity" \
        bash -c '[ "$(jq -r "[.[].identity] | unique | join(\",\")" <<<"$1")" = "user:$2" ]' _ \
        "$(ctl_as "$alice" audit --json)" "$alice"

# Service IDs: admins only, for every subcommand.
for sub in "create ci" "show ci" "update ci --description x" "lock ci" "unlock ci" "delete ci"; do
        expect_exit "$alice" 3 service-id $sub
done
expect_exit "$alice" 3 service-id list
expect_exit "$admin" 0 service-id create ci --description "CI deployer"
expect_exit "$admin" 0 service-id list
expect_exit "$alice" 3 create --service-id ci
expect_exit root 0 create --service-id ci
sid_key=$(ctl_as "$admin" create --service-id ci --json | jq -r .id)
expect_exit "$alice" 3 show "$sid_key"
expect_exit "$alice" 3 disable "$sid_key"
expect_exit "$admin" 0 disable "$sid_key"
expect_exit "$admin" 0 rotate "$sid_key"
expect_exit "$alice" 3 list --service-id ci
expect_exit "$admin" 0 list --service-id ci
expect_exit "$admin" 6 service-id delete ci
expect_exit root 0 service-id delete ci --force

# The overflow uid (nobody, 65534) is an ordinary unprivileged caller.
nobody_ctl() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$T/bin/apikeyctl" --socket "$CTL_SOCK" "$@"; }
expect_eq "uid 65534: list --all refused (exit 3)" "$(exit_of nobody_ctl list --all)" 3
check "uid 65534 is not admin" jq -e '.admin == false' <<<"$(nobody_ctl status --json)"
expect_eq "uid 65534: service-id list refused (exit 3)" "$(exit_of nobody_ctl service-id list)" 3
