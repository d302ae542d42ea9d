# cockpit.sh - set-up for the tests that log in to the real Cockpit
# (cockpit-ws from Debian's cockpit-ws package) with an API key. Source it
# after clients.sh, which re-executed the test in a private mount namespace
# with a private copy of /etc/pam.d:
#   . "$(dirname "$0")/../clients.sh"; . "$(dirname "$0")/../cockpit.sh"
#
# In that namespace only (bind mounts; no file of the host's changes):
# - the pam-auth-update profile (debian/pam-configs/apikey) is enabled with
#   the real pam-auth-update, its module the built one talking to the test
#   daemon, so Debian's own /etc/pam.d/cockpit ("substack common-auth")
#   takes a key in the password field;
# - /etc/security/pam_env.conf (read by the cockpit stack's pam_env session
#   line) points the session's cockpit-bridge at the test daemon's control
#   socket (APIKEY_CONTROL_SOCKET), and cockpit-ws runs with the test's
#   apikeyctl first on its PATH, which cockpit-session hands on to the bridge
#   when COCKPIT_TEST_KEEP_PATH is set (Cockpit's own hook for its tests);
#   so the page runs the built apikeyctl against the test daemon;
# - /usr/share/cockpit is a copy with the page (cockpit/) as "apikey", where
#   the Debian package cockpit-apikey installs it.
# cockpit_start then runs cockpit-ws --no-tls on a loopback port (no systemd
# needed) and sets COCKPIT_URL.
require /usr/lib/cockpit/cockpit-ws /usr/lib/cockpit/cockpit-session /usr/bin/cockpit-bridge /etc/pam.d/cockpit \
        /usr/share/cockpit/base1 /usr/sbin/pam-auth-update /etc/security/pam_env.conf
export DEBIAN_FRONTEND=noninteractive

# private_copy DIR: DIR is a copy of itself in this namespace only.
private_copy() {
        mkdir -p "$T/copy$1"
        cp -a "$1/." "$T/copy$1/"
        bind "$T/copy$1" "$1"
}

private_copy /var/lib/pam
private_copy /var/cache/debconf
private_copy /usr/share/pam-configs
sed "s|pam_apikey\.so|$T/bin/pam_apikey.so socket=$AUTH_SOCK|" debian/pam-configs/apikey >/usr/share/pam-configs/apikey
pam-auth-update --package --enable apikey >>"$T/pau.log" 2>&1 ||
        { not_ok "pam-auth-update --enable apikey failed"; cat "$T/pau.log"; exit 1; }

private_copy /usr/share/cockpit
mkdir -p /usr/share/cockpit/apikey
cp cockpit/manifest.json cockpit/index.html cockpit/apikeys.js cockpit/apikeys.css /usr/share/cockpit/apikey/

# Only the test's apikeyctl in that directory: the bridge's PATH starts there.
mkdir -p "$T/ctlbin"
install -m 0755 "$BUILD/apikeyctl" "$T/ctlbin/apikeyctl"
cp /etc/security/pam_env.conf "$T/pam_env.conf"
printf '%s\n' "APIKEY_CONTROL_SOCKET DEFAULT=$CTL_SOCK" >>"$T/pam_env.conf"
bind "$T/pam_env.conf" /etc/security/pam_env.conf

# cockpit_start: cockpit-ws on a free loopback port, up within 10 s.
cockpit_start() {
        COCKPIT_PORT=$(free_port)
        COCKPIT_URL=http://127.0.0.1:$COCKPIT_PORT
        DIAG_LOGS+=("$T/cockpit-ws.log")
        start_server "$T/cockpit-ws.log" env COCKPIT_TEST_KEEP_PATH=1 PATH="$T/ctlbin:$PATH" \
                /usr/lib/cockpit/cockpit-ws --no-tls --address 127.0.0.1 --port "$COCKPIT_PORT"
        COCKPIT_PID=$SERVER_PID
        for _ in $(seq 1 100); do
                curl -s -o /dev/null --max-time 2 "$COCKPIT_URL/cockpit/login" && return 0
                kill -0 "$COCKPIT_PID" 2>/dev/null || break
                sleep 0.1
        done
        not_ok "cockpit-ws did not start; its log:"
        tail -20 "$T/cockpit-ws.log"
        exit 1
}

# cockpit_login USER SECRET: the HTTP status of GET /cockpit/login with HTTP
# Basic credentials, as Cockpit's login page sends them. The secret goes to
# curl on its standard input (a config file), never on a command line.
cockpit_login() {
        printf 'user = "%s:%s"\n' "$1" "$2" |
                curl -s -K - -o "$T/login.body" -w '%{http_code}' --max-time 30 "$COCKPIT_URL/cockpit/login"
}
