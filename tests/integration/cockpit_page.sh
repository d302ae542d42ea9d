#!/bin/bash
# cockpit_page.sh - the API keys page (cockpit/) end to end in a real browser:
# Debian's chromium, headless, driven over the DevTools protocol by our own
# small driver (tests/cockpit/cdp.py, on Debian's python3-websocket: Debian
# 12 packages no matching chromedriver, Puppeteer or Playwright, and this
# keeps the test free of npm and of the network), against the real
# cockpit-ws started here on a loopback port, in a private mount namespace
# whose /etc/pam.d has the pam-auth-update profile (tests/cockpit.sh).
#
# tests/cockpit/page_test.py: alice logs in to Cockpit with an API key,
# opens "API keys", creates a key and reads it from the one-time dialog
# (then gone from the page), the key logs in through PAM (pam_driver on
# Debian's cockpit stack), she disables it on the page and it no longer
# logs in, deletes it after a confirmation naming it, reads her audit
# records; the page fits a phone's width; bob (no admin, password login)
# sees only his key and no admin parts; carol (admin) sees every key, the
# daemon's policy, verifies the audit log and manages service IDs; dave, who
# may sudo, acts as root only with Cockpit's administrative access on and
# "Act as root" ticked.
# A screenshot per step in $BUILD/cockpit-page/; a failed step prints the
# path of its screenshot. Skipped only where chromium cannot start. Not
# run under ASan (tests/run): a browser; the apikeyctl it drives is the
# normal build.
. "$(dirname "$0")/../clients.sh"
require /usr/bin/python3
if ! /usr/bin/python3 -c 'import websocket' 2>/dev/null; then
        not_ok "python3-websocket is missing (scripts/install-deps installs it)"
        exit 1
fi
. "$(dirname "$0")/../cockpit.sh"

# The page builds every element itself and loads nothing from elsewhere.
if grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|https?://' \
        cockpit/apikeys.js cockpit/index.html cockpit/apikeys.css >"$T/grep.out"; then
        not_ok "cockpit/ uses HTML from strings, eval or an outside URL:"; cat "$T/grep.out"
else ok "cockpit/ has no innerHTML, document.write, eval or outside URL"; fi

SHOTS=$(realpath -m "$BUILD/cockpit-page")
rm -rf "$SHOTS"
mkdir -p "$SHOTS"

add_group "$ADMIN_GROUP"
alice=$(add_user alice /bin/sh)
bob=$(add_user bob /bin/sh)
carol=$(add_user carol /bin/sh)
dave=$(add_user dave /bin/sh) # may sudo: Cockpit's administrative access
usermod -a -G "$ADMIN_GROUP" "$carol"
pw=pw-$RANDOM-$SUFFIX
echo "$bob:$pw" | chpasswd
echo "$dave:$pw" | chpasswd
# Cockpit's administrative access runs a second bridge through sudo; this
# namespace's /etc/sudoers lets dave (only) do that and keeps the test's
# apikeyctl and daemon socket for it.
printf '%s\n' 'Defaults env_reset' "Defaults env_keep += \"APIKEY_CONTROL_SOCKET\"" \
        "Defaults secure_path=\"$T/ctlbin:/usr/sbin:/usr/bin:/sbin:/bin\"" \
        'root ALL=(ALL:ALL) ALL' "$dave ALL=(ALL:ALL) NOPASSWD: ALL" >"$T/sudoers"
chmod 0440 "$T/sudoers"
visudo -cqf "$T/sudoers" || { not_ok "visudo refuses the test's sudoers file"; exit 1; }
bind "$T/sudoers" /etc/sudoers
start_daemon
(
        umask 077
        ctl_as "$alice" create --name laptop >"$T/alice.key"
        ctl_as "$carol" create --name admin-console >"$T/carol.key"
        printf '%s\n' "$pw" >"$T/bob.pw"
)
# Markup in a key's name must be shown as text by the page, never run.
bob_key=$(ctl_as "$bob" create --name '<img src=x onerror=alert(1)>' --description '<b>backup</b> job' \
        --service sshd --from 192.0.2.0/24 --max-uses 100)
cockpit_start

COCKPIT_URL=$COCKPIT_URL SHOTS=$SHOTS PROFILE_DIR=$T/chromium \
        ALICE=$alice ALICE_KEY_FILE=$T/alice.key ALICE_KEY_ID=$(key_id "$(cat "$T/alice.key")") \
        BOB=$bob BOB_PASSWORD_FILE=$T/bob.pw BOB_KEY_ID=$(key_id "$bob_key") \
        CAROL=$carol CAROL_KEY_FILE=$T/carol.key DAVE=$dave \
        PAM_DRIVER=$T/bin/pam_driver PAM_CONFDIR=/etc/pam.d \
        PYTHONDONTWRITEBYTECODE=1 timeout 150 /usr/bin/python3 tests/cockpit/page_test.py
rc=$?
[ "$rc" -eq 0 ] || { [ "$rc" -eq 124 ] && not_ok "the browser test did not finish within 150 s"; DIAG_LOGS+=("$T/chromium/chromium.log"); exit 1; }
