#!/bin/bash
# cockpit_login.sh - log in to Cockpit with an API key (README "Log in to
# Cockpit with a key"): with the pam-auth-update profile enabled, Debian's
# /etc/pam.d/cockpit ("auth substack common-auth") takes a key where the
# password goes. The real cockpit-ws (--no-tls, a loopback port, no systemd
# as PID 1) answers GET /cockpit/login with HTTP Basic credentials through
# PAM: 200 for a valid key and for the password, 401 for a wrong, disabled
# or another user's key; and the daemon records the login under the PAM
# service "cockpit". See tests/cockpit.sh for the private set-up.
. "$(dirname "$0")/../clients.sh"
. "$(dirname "$0")/../cockpit.sh"

alice=$(add_user alice /bin/sh)
bob=$(add_user bob /bin/sh)
pw=pw-$RANDOM-$SUFFIX
echo "$alice:$pw" | chpasswd
start_daemon
key=$(ctl_as "$alice" create --name cockpit-login)
off=$(ctl_as "$alice" create --name cockpit-disabled)
ctl_as "$alice" disable "$(key_id "$off")" >/dev/null
bobs=$(ctl_as "$bob" create --name bobs)
wrong=$("$T/bin/keytool" wrong-secret "$key")
cockpit_start

expect_eq "GET /cockpit/login with alice's API key: 200" "$(cockpit_login "$alice" "$key")" 200
check "… the answer is Cockpit's login reply (JSON with csrf-token)" grep -q '"csrf-token"' "$T/login.body"
expect_eq "… apikeyd recorded the login under the PAM service cockpit" "$(last_service "$(key_id "$key")")" cockpit
expect_eq "with a wrong key: 401" "$(cockpit_login "$alice" "$wrong")" 401
expect_eq "with a disabled key: 401" "$(cockpit_login "$alice" "$off")" 401
expect_eq "with bob's key as alice: 401" "$(cockpit_login "$alice" "$bobs")" 401
expect_eq "with the password, at the same field: 200 (the password path still works)" \
        "$(cockpit_login "$alice" "$pw")" 200
expect_eq "with a wrong password: 401" "$(cockpit_login "$alice" "wrong-$pw")" 401
if audit_has "$(key_id "$off")" disabled && audit_has "$(key_id "$bobs")" wrong_user; then
        ok "the refused logins of the disabled key and of bob's key are in the audit log"
else not_ok "the audit log lacks the disabled or wrong_user login of the cockpit service"; fi
stop_daemon
expect_eq "daemon stopped: the password still logs in (200)" "$(cockpit_login "$alice" "$pw")" 200
expect_eq "daemon stopped: the key does not (401)" "$(cockpit_login "$alice" "$key")" 401
