#!/bin/bash
# client_sudo.sh - the real sudo with an API key: README.md's sudoers line
# (pam_service=sudo-apikey) and PAM file, in a private mount namespace where
# /etc/sudoers is the test's own and /etc/pam.d a private copy.
. "$(dirname "$0")/../clients.sh"
require /usr/bin/sudo /usr/sbin/visudo /etc/sudoers

alice=$(add_user alice) # may run anything as root
bob=$(add_user bob)     # no sudoers rule
start_daemon

pam_file sudo-apikey sudo-pam
{
        snippet sudoers
        # Test-only: ask every time (a cached success would answer for the
        # next case), one attempt per run.
        printf '%s\n' "Defaults timestamp_timeout=0, passwd_tries=1" "$alice ALL=(root) ALL"
} >"$T/sudoers"
chmod 0440 "$T/sudoers"
check "visudo accepts the sudoers file with the README's line" visudo -cqf "$T/sudoers"
bind "$T/sudoers" /etc/sudoers

# sudo_as USER SECRET CMD...: USER runs sudo -S CMD, typing SECRET; prints the
# command's output (sudo's prompts and errors go to $T/sudo.err).
sudo_as() {
        local user=$1 secret=$2; shift 2
        printf '%s\n' "$secret" | timeout 30 setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- \
                sudo -S "$@" 2>>"$T/sudo.err"
}

key=$(ctl_as "$alice" create --name sudo)
id=$(key_id "$key")
expect_eq "alice's key runs a command as root" "$(sudo_as "$alice" "$key" id -un)" root
check "sudo showed pam_apikey's prompt 'API key: '" grep -q '^API key: ' "$T/sudo.err"
expect_eq "sudo used the PAM service from the sudoers line" "$(last_service "$id")" sudo-apikey

bobkey=$(ctl_as "$bob" create)
expect_eq "bob's key does not authenticate alice (exit 1)" "$(exit_of sudo_as "$alice" "$bobkey" true)" 1
check "… audited as wrong_user" audit_has "$(key_id "$bobkey")" wrong_user
expect_eq "a wrong key is refused" "$(exit_of sudo_as "$alice" "$("$T/bin/keytool" wrong-secret "$key")" true)" 1
ctl_as "$alice" disable "$id" >/dev/null
expect_eq "a disabled key is refused" "$(exit_of sudo_as "$alice" "$key" true)" 1
ctl_as "$alice" enable "$id" >/dev/null

# The key authenticates; sudoers still decides.
expect_eq "bob's own key, but no sudoers rule: refused" "$(exit_of sudo_as "$bob" "$bobkey" true)" 1
check "… after authenticating him" audit_has "$(key_id "$bobkey")" ok

pw=pw-$RANDOM-$SUFFIX
echo "$alice:$pw" | chpasswd
expect_eq "alice's password still works at the same prompt" "$(sudo_as "$alice" "$pw" id -un)" root
check "no key appears in sudo's output" bash -c '! grep -qF -e "$1" -e "$2" "$3"' _ "$key" "$bobkey" "$T/sudo.err"
