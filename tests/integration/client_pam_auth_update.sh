#!/bin/bash
# client_pam_auth_update.sh - the packaged pam-auth-update profile
# (debian/pam-configs/apikey) enabled with the real pam-auth-update, then
# real su, sudo and sshd logins through the common-auth it generates: a key,
# a password, a wrong key, and the daemon stopped (passwords still work);
# with unix alone and, when libpam-sss's profile can be had, with sss too.
# --disable gives back the files byte for byte.
#
# All in a private mount namespace (clients.sh): /etc/pam.d, /var/lib/pam,
# /usr/share/pam-configs, debconf's database and /etc/sudoers are private
# copies; the host's are never touched. The profile's module is the built
# one, by absolute path, talking to the test daemon.
. "$(dirname "$0")/../clients.sh"
require /usr/sbin/pam-auth-update /usr/bin/su /usr/bin/sudo /usr/sbin/sshd /usr/bin/ssh /etc/pam.d/sudo \
        /etc/pam.d/sshd /usr/share/pam-configs/unix
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

alice=$(add_user alice /bin/sh) # logs in: a key and a password
bob=$(add_user bob)             # runs su
pw=pw-$RANDOM-$SUFFIX
echo "$alice:$pw" | chpasswd
start_daemon
key=$(ctl_as "$alice" create --name pam-auth-update)
wrong=$("$T/bin/keytool" wrong-secret "$key")

printf '%s\n' "Defaults timestamp_timeout=0, passwd_tries=1" "$alice ALL=(ALL) ALL" >"$T/sudoers"
chmod 0440 "$T/sudoers"
bind "$T/sudoers" /etc/sudoers

# sshd on a loopback port with Debian's own /etc/pam.d/sshd (which includes
# common-auth), under a service name of its own (a symlink: sshd takes its
# PAM service from its name).
service=sshd-apikey-pau
ln -s /usr/sbin/sshd "$T/bin/$service"
cp /etc/pam.d/sshd "/etc/pam.d/$service"
S=$T/sshd
mkdir -p "$S"
ssh-keygen -q -t ed25519 -N '' -C apikey-test -f "$S/host_key"
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd
port=$(free_port)
{
        printf '%s\n' "Port $port" "ListenAddress 127.0.0.1" "HostKey $S/host_key" "PidFile $S/sshd.pid" \
                "PubkeyAuthentication no" "AuthorizedKeysFile none" "PermitRootLogin no" "LogLevel VERBOSE"
        snippet sshd-config
} >"$S/sshd_config"
start_server "$S/sshd.log" "$T/bin/$service" -D -e -f "$S/sshd_config"
wait_for_pidfile "$S/sshd.pid" "$SERVER_PID" "$S/sshd.log"
printf '[127.0.0.1]:%s %s\n' "$port" "$(cat "$S/host_key.pub")" >"$S/known_hosts"
snippet ssh-askpass >"$T/bin/apikey-askpass"
chmod 0755 "$T/bin/apikey-askpass"
DIAG_LOGS+=("$S/sshd.log" "$T/login.err")

# The three logins, each printing the name it ended up as (empty: refused).
via_su() {
        printf '%s\n' "$1" | timeout 30 setpriv --reuid="$bob" --regid="$(id -g "$bob")" --init-groups -- \
                su "$alice" -c 'id -un' 2>>"$T/login.err"
}
via_sudo() {
        printf '%s\n' "$1" | timeout 30 setpriv --reuid="$alice" --regid="$(id -g "$alice")" --init-groups -- \
                sudo -S -u "$bob" id -un 2>>"$T/login.err" | sed "s/^$bob\$/$alice/"
}
via_sshd() {
        (umask 077; printf '%s\n' "$1" >"$S/answer")
        APIKEY_FILE=$S/answer SSH_ASKPASS=$T/bin/apikey-askpass SSH_ASKPASS_REQUIRE=force \
                timeout 30 ssh -F /dev/null -p "$port" -o UserKnownHostsFile="$S/known_hosts" \
                -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentityAgent=none \
                -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 \
                -o ConnectTimeout=10 "$alice@127.0.0.1" 'id -un' </dev/null 2>>"$T/login.err"
}

# logins LABEL PROGRAMS...: key, password and wrong key through each program.
logins() {
        local label=$1 p; shift
        for p in "$@"; do
                expect_eq "$label: $p with the key" "$(via_"$p" "$key")" "$alice"
                expect_eq "$label: $p with the password, at the same prompt" "$(via_"$p" "$pw")" "$alice"
                expect_eq "$label: $p with a wrong key is refused" "$(via_"$p" "$wrong")" ""
        done
}

# enable_and_check LABEL: pam-auth-update --enable apikey over the current
# state; --disable must give back that state byte for byte.
snapshot() { rm -rf "$T/snap"; cp -a /etc/pam.d "$T/snap"; }
same_as_snapshot() { diff -r "$T/snap" /etc/pam.d >"$T/pam.diff" 2>&1; }

# 1. unix alone.
snapshot
pam-auth-update --package --enable apikey >>"$T/pau.log" 2>&1
expect_eq "pam-auth-update --enable apikey succeeds" "$?" 0
modules() { grep -v '^#' "$1" | grep -oE 'pam_[a-z_]+\.so' | sed 's|.*/||' | paste -sd' '; }
expect_eq "common-auth: pam_apikey first, then pam_unix, pam_deny, pam_permit (and what else the host has)" \
        "$(modules /etc/pam.d/common-auth | cut -d' ' -f1-4)" "pam_apikey.so pam_unix.so pam_deny.so pam_permit.so"
check "… pam_apikey: success jumps past pam_unix, authinfo_unavail and the rest fall through" \
        grep -q '^auth	\[success=2 authinfo_unavail=ignore default=ignore\]	.*pam_apikey.so' /etc/pam.d/common-auth
check "… pam_unix takes the typed text as the password (try_first_pass: no second prompt)" \
        grep -qE '^auth	\[success=1 default=ignore\]	pam_unix.so nullok try_first_pass' /etc/pam.d/common-auth
check "common-account: pam_apikey in the Additional block, after the Primary one" \
        bash -c 'grep -A20 "Additional" /etc/pam.d/common-account | grep -q "^account	required	.*pam_apikey.so"'
: >"$T/login.err"
logins "unix" su sudo sshd
expect_eq "one 'API key: ' prompt per su and sudo attempt (6 attempts)" "$(grep -o 'API key: ' "$T/login.err" | wc -l)" 6

stop_daemon
expect_eq "daemon stopped: su with the password still works" "$(via_su "$pw")" "$alice"
expect_eq "daemon stopped: sudo with the password still works" "$(via_sudo "$pw")" "$alice"
expect_eq "daemon stopped: sshd with the password still works" "$(via_sshd "$pw")" "$alice"
expect_eq "daemon stopped: the key is refused (it is no password)" "$(via_su "$key")" ""
start_daemon

pam-auth-update --package --disable apikey >>"$T/pau.log" 2>&1
if same_as_snapshot; then ok "pam-auth-update --disable apikey gives back the original files byte for byte"
else not_ok "/etc/pam.d differs after --disable:"; head -20 "$T/pam.diff"; fi

# 2. With libpam-sss's profile: installed, or its .deb downloaded by make deps
# into build/deps (installing it would change the host's PAM stack).
sss_deb=$(ls "${DEPS_DIR:-build/deps}"/libpam-sss_*.deb /var/cache/apt/archives/libpam-sss_*.deb 2>/dev/null | tail -1)
if [ -f /usr/share/pam-configs/sss ] && ls /lib/*/security/pam_sss.so >/dev/null 2>&1; then
        sss=installed
elif [ -n "$sss_deb" ]; then
        dpkg-deb -x "$sss_deb" "$T/sss"
        secdir=$(dirname "$(ls /lib/*/security/pam_unix.so)")
        private_copy "$secdir"
        cp "$T/sss"/lib/*/security/pam_sss.so "$secdir/" 2>/dev/null ||
                cp "$T/sss"/usr/lib/*/security/pam_sss.so "$secdir/"
        cp "$T/sss/usr/share/pam-configs/sss" /usr/share/pam-configs/sss
        sss=$(basename "$sss_deb")
fi
if [ -z "${sss:-}" ]; then
        skip "with the sss profile" "no libpam-sss, installed or downloaded (make deps downloads it)"
        exit 0
fi
pam-auth-update --package --enable sss >>"$T/pau.log" 2>&1
snapshot
pam-auth-update --package --enable apikey >>"$T/pau.log" 2>&1
expect_eq "with sss ($sss): common-auth has pam_apikey, pam_unix, pam_sss in that order" \
        "$(grep -v '^#' /etc/pam.d/common-auth | grep -oE 'pam_(apikey|unix|sss)\.so' | paste -sd' ')" \
        "pam_apikey.so pam_unix.so pam_sss.so"
check "… pam_sss takes the same typed text (use_first_pass)" grep -qE 'pam_sss.so.*use_first_pass' /etc/pam.d/common-auth
expect_eq "common-account composes: pam_unix (Primary), then pam_apikey before sss's 'sufficient pam_localuser' (Additional)" \
        "$(modules /etc/pam.d/common-account | tr ' ' '\n' | grep -E 'apikey|unix|sss|localuser' | paste -sd' ')" \
        "pam_unix.so pam_apikey.so pam_localuser.so pam_sss.so"
logins "unix+sss" su sudo
pam-auth-update --package --disable apikey >>"$T/pau.log" 2>&1
if same_as_snapshot; then ok "with sss: --disable apikey gives back the files byte for byte"
else not_ok "/etc/pam.d differs after --disable:"; head -20 "$T/pam.diff"; fi
