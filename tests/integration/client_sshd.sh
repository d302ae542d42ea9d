#!/bin/bash
# client_sshd.sh - a real OpenSSH login with an API key: a second sshd on a
# loopback port (own config, host key and PAM service), configured with
# README.md's snippets, and the real ssh client answering the
# keyboard-interactive prompt through SSH_ASKPASS.
. "$(dirname "$0")/../clients.sh"
require /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen /etc/pam.d/sshd

alice=$(add_user alice /bin/sh)
bob=$(add_user bob /bin/sh)
carol=$(add_user carol /bin/sh) # no key, a password
start_daemon

# sshd takes its PAM service name from the name it was started under
# (__progname), so a symlink gives a service of our own.
service=sshd-apikey
ln -s /usr/sbin/sshd "$T/bin/$service"
cp /etc/pam.d/sshd "/etc/pam.d/$service"
pam_replace_common_auth "$service" sshd-pam-auth
pam_snippet sshd-pam-session >>"/etc/pam.d/$service" || { not_ok "README.md has no snippet sshd-pam-session"; exit 1; }

# Hostile users: Debian's sshd session stack runs pam_env with
# user_readenv=1, which reads ~/.pam_environment. Alice (key login) and
# carol (password login) both try to forge the key variables; the canary
# shows pam_env really read their file.
for u in "$alice" "$carol"; do
        home=$T/home/$u
        mkdir -p "$home"
        usermod -d "$home" "$u"
        printf '%s\n' "APIKEY_IDENTITY OVERRIDE=service:deployer" "APIKEY_ID OVERRIDE=forgedforged" \
                "APIKEY_TEST_CANARY OVERRIDE=read" >"$home/.pam_environment"
        chown -R "$u" "$home"
done

S=$T/sshd
mkdir -p "$S"
ssh-keygen -q -t ed25519 -N '' -C apikey-test -f "$S/host_key"
# sshd's privilege separation directory, as Debian's ssh.service and init script
# make it. Left in place: removing it would break any other sshd
# that starts a session meanwhile (the host's own, or another test run's,
# which is how this test once failed on a shared machine).
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd
port=$(free_port)
{
        printf '%s\n' "Port $port" "ListenAddress 127.0.0.1" "HostKey $S/host_key" "PidFile $S/sshd.pid" \
                "PubkeyAuthentication no" "AuthorizedKeysFile none" "PermitRootLogin no" "LogLevel VERBOSE"
        snippet sshd-config
} >"$S/sshd_config"
check "sshd accepts the README's config (sshd -t)" "$T/bin/$service" -t -f "$S/sshd_config"
start_server "$S/sshd.log" "$T/bin/$service" -D -e -f "$S/sshd_config"
wait_for_pidfile "$S/sshd.pid" "$SERVER_PID" "$S/sshd.log"
printf '[127.0.0.1]:%s %s\n' "$port" "$(cat "$S/host_key.pub")" >"$S/known_hosts"
DIAG_LOGS+=("$S/sshd.log" "$S/client.log")

# The README's askpass helper, wrapped to record the prompts ssh shows.
snippet ssh-askpass >"$T/bin/apikey-askpass"
printf '#!/bin/sh\nprintf "%%s\\n" "$1" >>"%s"\nexec "%s"\n' "$S/prompts" "$T/bin/apikey-askpass" \
        >"$T/bin/askpass-recorder"
chmod 0755 "$T/bin/apikey-askpass" "$T/bin/askpass-recorder"

# login USER SECRET CMD: ssh USER@127.0.0.1 CMD, answering with SECRET; prints
# the command's output; its status is ssh's (255: not logged in).
login() {
        local user=$1 secret=$2; shift 2
        (umask 077; printf '%s\n' "$secret" >"$S/answer")
        APIKEY_FILE=$S/answer SSH_ASKPASS=$T/bin/askpass-recorder SSH_ASKPASS_REQUIRE=force \
                timeout 30 ssh -F /dev/null -p "$port" -o UserKnownHostsFile="$S/known_hosts" \
                -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentityAgent=none \
                -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 \
                -o ConnectTimeout=10 "$user@127.0.0.1" "$@" </dev/null 2>>"$S/client.log"
}

key=$(ctl_as "$alice" create --name ssh)
id=$(key_id "$key")
: >"$S/prompts"
envcmd='id -un; echo "APIKEY_ID=${APIKEY_ID-unset}"; echo "APIKEY_IDENTITY=${APIKEY_IDENTITY-unset}"; echo "CANARY=${APIKEY_TEST_CANARY-}"'
out=$(login "$alice" "$key" "$envcmd")
expect_eq "ssh with alice's key logs in as alice and runs a command" "$(head -1 <<<"$out")" "$alice"
check "pam_env read alice's ~/.pam_environment in the session" grep -qx 'CANARY=read' <<<"$out"
expect_eq "the session sees the key's APIKEY_ID, not the one ~/.pam_environment forges" \
        "$(sed -n 's/^APIKEY_ID=//p' <<<"$out")" "$id"
expect_eq "the session sees the key's APIKEY_IDENTITY, not the one ~/.pam_environment forges" \
        "$(sed -n 's/^APIKEY_IDENTITY=//p' <<<"$out")" "user:$alice"
expect_eq "one prompt, 'API key: ', serves the stack" "$(cat "$S/prompts")" "($alice@127.0.0.1) API key: "
expect_eq "the daemon saw PAM service $service (the symlink's name)" "$(last_service "$id")" "$service"

wrong=$("$T/bin/keytool" wrong-secret "$key")
expect_eq "a wrong key is refused (ssh exit 255)" "$(exit_of login "$alice" "$wrong" true)" 255
bobkey=$(ctl_as "$bob" create)
expect_eq "bob's key does not log in alice" "$(exit_of login "$alice" "$bobkey" true)" 255
expect_eq "bob's key logs in bob" "$(login "$bob" "$bobkey" 'id -un')" "$bob"
ctl_as "$alice" disable "$id" >/dev/null
expect_eq "a disabled key is refused" "$(exit_of login "$alice" "$key" true)" 255
ctl_as "$alice" enable "$id" >/dev/null
expect_eq "re-enabled, it logs in again" "$(login "$alice" "$key" 'id -un')" "$alice"

carolpw=pw-$RANDOM-$SUFFIX
echo "$carol:$carolpw" | chpasswd
expect_eq "carol has no key: her password works at the same prompt" "$(login "$carol" "$carolpw" 'id -un')" "$carol"
out=$(login "$carol" "$carolpw" "$envcmd")
check "pam_env read carol's ~/.pam_environment in the session" grep -qx 'CANARY=read' <<<"$out"
check "carol's password session has no APIKEY_ID, though her ~/.pam_environment sets one" \
        grep -qx 'APIKEY_ID=unset' <<<"$out"
check "nor APIKEY_IDENTITY" grep -qx 'APIKEY_IDENTITY=unset' <<<"$out"
expect_eq "a wrong password is refused" "$(exit_of login "$carol" "not-$carolpw" true)" 255

check "refusals are audited: bad_secret" audit_has "$id" bad_secret
check "refusals are audited: wrong_user" audit_has "$(key_id "$bobkey")" wrong_user
check "refusals are audited: disabled" audit_has "$id" disabled
check "sshd logged the keyboard-interactive/pam logins" grep -q "Accepted keyboard-interactive/pam for $alice" \
        "$S/sshd.log"
check "no key appears in sshd's log" bash -c '! grep -qF -e "$1" -e "$2" "$3"' _ "$key" "$bobkey" "$S/sshd.log"

# A login can leave processes behind (a dbus-daemon --session did, issue
# 15); the account's removal ends them first, and nothing of it is left.
dave=$(add_user dave /bin/sh)
daveuid=$(id -u "$dave")
davekey=$(ctl_as "$dave" create)
login "$dave" "$davekey" 'setsid sleep 600 </dev/null >/dev/null 2>&1 &' >/dev/null
check "a process of dave's outlives his ssh session" pgrep -u "$dave" -x sleep
check "scripts/remove-account ends it and removes dave" scripts/remove-account "$dave"
check "no process of uid $daveuid is left" bash -c '! pgrep -u "$1" && ! pgrep -U "$1"' _ "$daveuid"
check "dave is gone" bash -c '! getent passwd "$1"' _ "$dave"

# Locking someone out (README "Locking someone out"): usermod -L locks only
# the password, so the key still logs in, as an ssh key would; an expired
# account (usermod -e 1) is refused by common-account's pam_unix.
usermod -L "$alice"
expect_eq "usermod -L: alice's key still logs in (the password is locked, not the account)" \
        "$(login "$alice" "$key" 'id -un')" "$alice"
usermod -e 1 "$alice"
expect_eq "usermod -e 1: the key is refused (account expired)" "$(exit_of login "$alice" "$key" true)" 255
usermod -e '' "$alice"
expect_eq "no longer expired, the key logs in again" "$(login "$alice" "$key" 'id -un')" "$alice"

# The daemon down: keys fail closed, the password still works (the stack
# says so: pam_apikey's PAM_AUTHINFO_UNAVAIL falls through to pam_unix).
stop_daemon
expect_eq "daemon down: the key is refused" "$(exit_of login "$alice" "$key" true)" 255
expect_eq "daemon down: carol's password still works" "$(login "$carol" "$carolpw" 'id -un')" "$carol"
