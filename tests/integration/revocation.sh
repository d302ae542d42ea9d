#!/bin/bash
# revocation.sh - an admin's revocation sticks (issue 9, item 9): what an
# admin or a leak action disabled or locked, the key's owner cannot undo —
# not with enable, unlock, nor by rotating the key into an active one; only
# an admin undoes it, and the owner can still delete the key. What the owner
# did, the owner undoes. Throwaway accounts, the real control socket, logins
# through the real libpam.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
admin=$(add_user admin)
add_group "$ADMIN_GROUP"
usermod -a -G "$ADMIN_GROUP" "$admin"
start_daemon
pam_service apikey timeout=3

login() { pam_result apikey "$alice" "$1"; }
nkeys() { ctl_as "$alice" list --json | jq length; }

# The owner's own disable and lock: the owner undoes them.
key=$(create_key "$alice" --name own)
id=$(key_id "$key")
expect_exit "$alice" 0 disable "$id"
expect_exit "$alice" 0 enable "$id"
expect_exit "$alice" 0 lock "$id"
expect_exit "$alice" 0 unlock "$id"
expect_eq "after the owner's own disable/enable and lock/unlock the key logs in" "$(login "$key")" PAM_SUCCESS

# An admin disables and locks: the owner cannot bring the key back.
expect_exit "$admin" 0 disable "$id"
expect_exit "$admin" 0 lock "$id"
check "the audit names who disabled it" jq -e 'any(.[]; .action == "disable" and .detail == "disabled by admin")' \
        <<<"$(ctl_as root audit --key "$id" --json)"
expect_exit "$alice" 3 unlock "$id"
check "the refusal says an admin locked it and only an admin can undo it" \
        grep -q "an admin locked this key; only an admin can undo it" <<<"$(ctl_as "$alice" unlock "$id" 2>&1)"
expect_exit "$alice" 3 enable "$id"
check "the refusal says an admin disabled it" grep -q "an admin disabled this key" \
        <<<"$(ctl_as "$alice" enable "$id" 2>&1)"
before=$(nkeys)
expect_exit "$alice" 6 rotate "$id"    # locked, by an admin
expect_eq "the key still fails" "$(login "$key")" PAM_AUTH_ERR
expect_exit "$admin" 0 unlock "$id"
expect_exit "$alice" 3 rotate "$id"    # unlocked, but disabled by an admin
check "the rotate refusal says an admin disabled it" grep -q "an admin disabled this key" \
        <<<"$(ctl_as "$alice" rotate "$id" 2>&1)"
expect_eq "no successor was minted" "$(nkeys)" "$before"
expect_exit "$alice" 0 disable "$id"   # the owner's repeat does not weaken the admin's disable
expect_exit "$alice" 3 enable "$id"
expect_eq "the admin-disabled key still fails" "$(login "$key")" PAM_AUTH_ERR
# Only an admin undoes it.
expect_exit "$admin" 0 enable "$id"
expect_eq "enabled by the admin, the key logs in" "$(login "$key")" PAM_SUCCESS
expect_exit "$alice" 0 disable "$id"
expect_exit "$alice" 0 enable "$id"
expect_eq "… and is the owner's again to disable and enable" "$(login "$key")" PAM_SUCCESS

# The owner may delete a key an admin locked (and disabled).
key2=$(create_key "$alice" --name locked-by-admin)
id2=$(key_id "$key2")
expect_exit "$admin" 0 lock "$id2"
expect_exit "$alice" 6 disable "$id2"
expect_exit "$alice" 0 delete "$id2"
check "the deletion is audited as the owner's over an admin's lock" jq -e \
        'any(.[]; .action == "delete" and .result == "ok" and (.detail // "" | contains("locked by an admin")))' \
        <<<"$(ctl_as root audit --key "$id2" --json)"
key3=$(create_key "$alice" --name disabled-by-admin)
expect_exit "$admin" 0 disable "$(key_id "$key3")"
expect_exit "$alice" 0 delete "$(key_id "$key3")"
# A lock the owner set still protects the key from the owner's delete.
key4=$(create_key "$alice" --name own-lock)
expect_exit "$alice" 0 lock "$(key_id "$key4")"
expect_exit "$alice" 6 delete "$(key_id "$key4")"
expect_exit "$alice" 0 unlock "$(key_id "$key4")"

# A leak action's disable: typed as a user name at a PAM prompt.
leaked=$(create_key "$alice" --name leaked)
lid=$(key_id "$leaked")
pam_result apikey "$leaked" whatever >/dev/null
expect_eq "the leaked key is disabled" "$(ctl_as "$alice" show "$lid" --json | jq -r .state)" disabled
expect_exit "$alice" 3 enable "$lid"
check "the refusal says it was found leaked" grep -q "found leaked; only an admin" \
        <<<"$(ctl_as "$alice" enable "$lid" 2>&1)"
expect_exit "$alice" 3 rotate "$lid"
expect_eq "the leaked key still fails" "$(login "$leaked")" PAM_AUTH_ERR
expect_exit "$admin" 0 enable "$lid"
expect_eq "an admin enables it" "$(login "$leaked")" PAM_SUCCESS
# ... and found by the owner's own scan --disable: a leak too.
printf 'log line %s\n' "$leaked" >"$T/build.log"
chmod 0644 "$T/build.log"
ctl_as "$alice" scan --disable "$T/build.log" >/dev/null 2>&1
expect_eq "scan --disable disabled it" "$(login "$leaked")" PAM_AUTH_ERR
expect_exit "$alice" 3 enable "$lid"
# A key the owner had disabled and then was found leaked: the leak holds.
expect_exit "$admin" 0 enable "$lid"
expect_exit "$alice" 0 disable "$lid"
pam_result apikey "$leaked" whatever >/dev/null
expect_exit "$alice" 3 enable "$lid"
expect_exit "$alice" 0 delete "$lid"

# Service ID keys: admins disable, lock, enable and unlock each other's.
ctl_as root service-id create "bot$SUFFIX" >/dev/null
skey=$(ctl_as root create --service-id "bot$SUFFIX")
sid=$(key_id "$skey")
expect_exit root 0 disable "$sid"
expect_exit root 0 lock "$sid"
expect_exit "$admin" 0 unlock "$sid"
expect_exit "$admin" 0 enable "$sid"
expect_eq "the service ID key logs in again" "$(pam_result apikey "bot$SUFFIX" "$skey")" PAM_SUCCESS
