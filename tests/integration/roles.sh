#!/bin/bash
# roles.sh - an apikey-admin member must not be able to become another
# account (issue 9, item 1). The attacker is a throwaway account in a
# throwaway admin group, running apikeyctl over the real control socket;
# logins go through the real libpam and the real module. Only root maps a
# service ID to a local account or changes a mapping; an unmapped service ID
# whose name is, or later becomes, a local account never logs in.
. "$(dirname "$0")/../lib.sh"

admin=$(add_user admin)
alice=$(add_user alice)
deploy=$(add_user deploy)
add_group "$ADMIN_GROUP"
usermod -a -G "$ADMIN_GROUP" "$admin"
start_daemon
pam_service apikey timeout=3

sid_keys() { ctl_as root list --service-id "$1" --json | jq length; }

# The attack: map a service ID to root (or alice), mint its key, log in.
expect_exit "$admin" 3 service-id create "toroot$SUFFIX" --unix-user root
expect_exit "$admin" 3 service-id create "toalice$SUFFIX" --unix-user "$alice"
check "the refusal says only root maps" grep -q "only root may map" \
        <<<"$(ctl_as "$admin" service-id create "toroot$SUFFIX" --unix-user root 2>&1)"
expect_exit "$admin" 4 create --service-id "toroot$SUFFIX"
expect_eq "… so no service ID exists to log in as root with" "$(exit_of ctl_as root service-id show "toroot$SUFFIX")" 4
k=$(ctl_as "$admin" create --service-id "toroot$SUFFIX" 2>/dev/null)
expect_eq "the admin's login as root (su root with the key) fails" "$(pam_result apikey root "${k:-none}")" PAM_AUTH_ERR

# The same without a mapping: a service ID named after an account.
expect_exit "$admin" 6 service-id create root
expect_exit "$admin" 6 service-id create "$alice"
check "the refusal says the name is a local account" grep -q "is a local account" \
        <<<"$(ctl_as "$admin" service-id create "$alice" 2>&1)"
expect_exit root 6 service-id create "$alice"    # not even root: it maps explicitly instead
k=$(ctl_as "$admin" create --service-id root 2>/dev/null)
expect_eq "the admin's login as root through an unmapped 'root' fails" "$(pam_result apikey root "${k:-none}")" PAM_AUTH_ERR
k=$(ctl_as "$admin" create --service-id "$alice" 2>/dev/null)
expect_eq "… and as $alice through an unmapped '$alice'" "$(pam_result apikey "$alice" "${k:-none}")" PAM_AUTH_ERR
expect_eq "no service ID named root or $alice exists" \
        "$(ctl_as root service-id list --json | jq --arg a "$alice" '[.[] | select(.name == "root" or .name == $a)] | length')" 0

# Root maps; an admin may not mint keys for, or re-map, what root mapped.
expect_exit root 0 service-id create "mapped$SUFFIX" --unix-user "$deploy"
expect_exit "$admin" 3 create --service-id "mapped$SUFFIX"
check "the refusal names the account and root" grep -q "acts as the local account $deploy: only root" \
        <<<"$(ctl_as "$admin" create --service-id "mapped$SUFFIX" 2>&1)"
rootkey=$(ctl_as root create --service-id "mapped$SUFFIX")
expect_eq "root's key for the mapped service ID logs in as $deploy" \
        "$(pam_result apikey "$deploy" "$rootkey")" PAM_SUCCESS
expect_exit "$admin" 3 rotate "$(key_id "$rootkey")"
expect_eq "… the admin's rotate minted nothing" "$(sid_keys "mapped$SUFFIX")" 1
expect_exit "$admin" 3 service-id update "mapped$SUFFIX" --unix-user root
expect_exit "$admin" 3 service-id update "mapped$SUFFIX" --unix-user "$alice"
expect_exit "$admin" 3 service-id update "mapped$SUFFIX" --unix-user ""
expect_eq "the deployed key still logs in as $deploy only" "$(pam_result apikey "$deploy" "$rootkey")" PAM_SUCCESS
expect_eq "… not as root" "$(pam_result apikey root "$rootkey")" PAM_AUTH_ERR
expect_eq "… not as $alice" "$(pam_result apikey "$alice" "$rootkey")" PAM_AUTH_ERR
check "the mapping is unchanged" jq -e --arg u "$deploy" '.unix_user == $u' \
        <<<"$(ctl_as root service-id show "mapped$SUFFIX" --json)"
# What admins keep on it: reading, the description, revoking its keys.
expect_exit "$admin" 0 service-id show "mapped$SUFFIX"
expect_exit "$admin" 0 service-id update "mapped$SUFFIX" --description "root's deployer"
expect_exit "$admin" 0 service-id update "mapped$SUFFIX" --unix-user "$deploy"   # the same mapping: no change
expect_exit "$admin" 0 list --service-id "mapped$SUFFIX"
expect_exit "$admin" 0 show "$(key_id "$rootkey")"
expect_exit "$admin" 0 disable "$(key_id "$rootkey")"
expect_eq "the admin's disable holds" "$(pam_result apikey "$deploy" "$rootkey")" PAM_AUTH_ERR
expect_exit "$admin" 0 enable "$(key_id "$rootkey")"
# Root changes mappings.
expect_exit root 0 service-id update "mapped$SUFFIX" --unix-user "$alice"
expect_eq "root re-mapped it: the key logs in as $alice" "$(pam_result apikey "$alice" "$rootkey")" PAM_SUCCESS
check "the re-mapping is audited with the new account" jq -e --arg u "$alice" \
        'any(.[]; .caller == "root" and (.detail // "" | contains("mapped to " + $u)) and (.detail // "" | contains("its 1 existing keys follow")))' \
        <<<"$(ctl_as root audit --identity "service:mapped$SUFFIX" --json)"
expect_exit root 0 rotate "$(key_id "$rootkey")"

# Admins manage service IDs that act as no local account, and their keys.
expect_exit "$admin" 0 service-id create "bot$SUFFIX" --description "CI bot"
botkey=$(ctl_as "$admin" create --service-id "bot$SUFFIX")
expect_eq "the admin's unmapped service ID key logs in as its name" \
        "$(pam_result apikey "bot$SUFFIX" "$botkey")" PAM_SUCCESS
expect_eq "… and as no account" "$(pam_result apikey "$alice" "$botkey")" PAM_AUTH_ERR
expect_exit "$admin" 0 rotate "$(key_id "$botkey")"
expect_exit "$admin" 3 service-id update "bot$SUFFIX" --unix-user "$alice"

# A name that becomes a local account later: the key stops logging in.
expect_exit "$admin" 0 service-id create "late$SUFFIX"
latekey=$(ctl_as "$admin" create --service-id "late$SUFFIX")
expect_eq "before the account exists: the key logs in as late$SUFFIX" \
        "$(pam_result apikey "late$SUFFIX" "$latekey")" PAM_SUCCESS
useradd -M -N -s /usr/sbin/nologin "late$SUFFIX" && echo "late$SUFFIX" >>"$T/users"
expect_eq "after useradd late$SUFFIX: the key no longer logs in" \
        "$(pam_result apikey "late$SUFFIX" "$latekey")" PAM_AUTH_ERR
check "… audited as name_is_account" audit_has "$(key_id "$latekey")" name_is_account
check "… with the reason in the detail" jq -e 'any(.[]; .result == "name_is_account" and (.detail // "" | contains("local account")))' \
        <<<"$(ctl_as root audit --key "$(key_id "$latekey")" --json)"
check "the daemon log names the verdict" grep -q 'result=name_is_account' "$T/daemon.log"
expect_exit "$admin" 3 service-id update "late$SUFFIX" --unix-user "late$SUFFIX"
# Root can make it an account deliberately, by mapping it.
expect_exit root 0 service-id update "late$SUFFIX" --unix-user "late$SUFFIX"
expect_eq "mapped by root to the new account, the key logs in again" \
        "$(pam_result apikey "late$SUFFIX" "$latekey")" PAM_SUCCESS
expect_exit root 6 service-id update "late$SUFFIX" --unix-user ""
expect_eq "… removing that mapping is refused while the name is an account" \
        "$(ctl_as root service-id show "late$SUFFIX" --json | jq -r '.unix_user')" "late$SUFFIX"

# Every refusal tells the truth: a user key is not "a service ID's key".
bob=$(add_user bob)
akey=$(key_id "$(create_key "$alice" --name mine)")
for cmd in delete rotate; do
        msg=$(ctl_as "$bob" "$cmd" "$akey" 2>&1)
        check "bob's $cmd of alice's user key: 'not your key', no word of service IDs" \
                bash -c 'grep -q "not your key" <<<"$1" && ! grep -qi "service ID" <<<"$1"' _ "$msg"
        msg=$(ctl_as "$admin" "$cmd" "$akey" 2>&1)
        check "the admin's $cmd of alice's user key: only the owner may" \
                bash -c 'grep -q "only the key.s owner" <<<"$1" && ! grep -qi "service ID" <<<"$1"' _ "$msg"
done
msg=$(ctl_as "$bob" delete "$(key_id "$botkey")" 2>&1)
check "bob's delete of a service ID's key: only admins manage a service ID's keys" \
        grep -q "admin group may manage a service ID's keys" <<<"$msg"

# uid 0 only by root: an admin who saw a leaked root key cannot enable it.
rk=$(ctl_as root create --name root-own)
pam_result apikey "$rk" whatever >/dev/null    # typed as a user name: leaked, disabled
expect_eq "root's leaked key is disabled" "$(ctl_as root show "$(key_id "$rk")" --json | jq -r .state)" disabled
expect_exit "$admin" 3 enable "$(key_id "$rk")"
check "the refusal says only root enables a key that logs in as root" grep -q "only root may enable it" \
        <<<"$(ctl_as "$admin" enable "$(key_id "$rk")" 2>&1)"
expect_eq "… and the leaked key still fails as root" "$(pam_result apikey root "$rk")" PAM_AUTH_ERR
expect_exit root 0 disable "$(key_id "$rk")"
expect_exit "$admin" 3 enable "$(key_id "$rk")"
expect_exit root 0 enable "$(key_id "$rk")"
expect_eq "root enables its own key" "$(pam_result apikey root "$rk")" PAM_SUCCESS
# The same for a service ID root mapped to root.
expect_exit root 0 service-id create "uid0$SUFFIX" --unix-user root
sk=$(ctl_as root create --service-id "uid0$SUFFIX")
expect_exit "$admin" 0 disable "$(key_id "$sk")"
expect_exit "$admin" 3 enable "$(key_id "$sk")"
expect_eq "the admin-disabled uid-0 service key stays off" "$(pam_result apikey root "$sk")" PAM_AUTH_ERR
expect_exit root 0 enable "$(key_id "$sk")"
expect_eq "root enables it" "$(pam_result apikey root "$sk")" PAM_SUCCESS
expect_exit root 0 service-id delete "uid0$SUFFIX" --force
expect_exit root 0 delete "$(key_id "$rk")"
