#!/bin/bash
# client_su.sh - util-linux su with an API key. su always uses the PAM
# service "su" ("su-l" for su -), so the test changes /etc/pam.d/su as the
# README says, in its private copy of /etc/pam.d (a private mount namespace):
# the host's file is never touched.
. "$(dirname "$0")/../clients.sh"
require /usr/bin/su /etc/pam.d/su

alice=$(add_user alice /bin/sh) # the target: su runs her shell
bob=$(add_user bob)             # who runs su
start_daemon

pam_replace_common_auth su su-pam-auth

# su_as USER SECRET ARGS...: USER runs su ARGS, typing SECRET; prints the
# output (prompts and errors go to $T/su.err).
su_as() {
        local user=$1 secret=$2; shift 2
        printf '%s\n' "$secret" | timeout 30 setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- \
                su "$@" 2>>"$T/su.err"
}

key=$(ctl_as "$alice" create --name su)
id=$(key_id "$key")
out=$(su_as "$bob" "$key" "$alice" -c 'id -un; echo "APIKEY_ID=$APIKEY_ID"')
expect_eq "bob becomes alice with alice's key" "$(head -1 <<<"$out")" "$alice"
expect_eq "alice's shell sees APIKEY_ID" "$(sed -n 's/^APIKEY_ID=//p' <<<"$out")" "$id"
check "su showed pam_apikey's prompt 'API key: '" grep -q '^API key: ' "$T/su.err"
expect_eq "the daemon saw PAM service su" "$(last_service "$id")" su
expect_eq "su - (service su-l, which includes su) takes the key too" \
        "$(su_as "$bob" "$key" - "$alice" -c 'id -un')" "$alice"
expect_eq "… as service su-l" "$(last_service "$id")" su-l

bobkey=$(ctl_as "$bob" create)
expect_eq "bob's own key does not make him alice (exit 1)" "$(exit_of su_as "$bob" "$bobkey" "$alice" -c true)" 1
check "… audited as wrong_user" audit_has "$(key_id "$bobkey")" wrong_user
ctl_as "$alice" disable "$id" >/dev/null
expect_eq "a disabled key is refused" "$(exit_of su_as "$bob" "$key" "$alice" -c true)" 1
ctl_as "$alice" enable "$id" >/dev/null

pw=pw-$RANDOM-$SUFFIX
echo "$alice:$pw" | chpasswd
expect_eq "alice's password still works at the same prompt" "$(su_as "$bob" "$pw" "$alice" -c 'id -un')" "$alice"
expect_eq "root needs no key (pam_rootok stays first)" "$(su "$alice" -c 'id -un' </dev/null 2>>"$T/su.err")" "$alice"
check "no key appears in su's output" bash -c '! grep -qF -e "$1" -e "$2" "$3"' _ "$key" "$bobkey" "$T/su.err"
