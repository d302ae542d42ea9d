#!/bin/bash
# session_env.sh - APIKEY_ID and APIKEY_IDENTITY in a session are the
# module's or absent. A session module that runs after authentication (here
# the real pam_env, with a file that plays the user's ~/.pam_environment)
# tries to forge them; pam_apikey's session entry point, stacked last, puts
# the key's values back after a key login and removes them after a password
# login. Each case runs in one process (sudo, su) and split as sshd does it
# (--split: authentication in a child that hands back only the PAM
# environment; setcred and the session in the parent). tests/integration/
# client_sshd.sh does the same through the real sshd and ~/.pam_environment.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon
key=$(create_key "$alice")
id=$(key_id "$key")
pw=pw-$RANDOM-$SUFFIX
echo "$alice:$pw" | chpasswd

cat >"$T/hostile.conf" <<HOSTILE
APIKEY_IDENTITY OVERRIDE=service:deployer
APIKEY_ID       OVERRIDE=forgedforged
HOSTILE
mod="$T/bin/pam_apikey.so socket=$AUTH_SOCK nodelay"
# The README's stack: the key or the password at one prompt. Under ASan
# pam_unix cannot run in the driver (with libcrypt it calls a null pointer,
# as bench_smoke.sh notes): pam_permit stands for the password check there.
password_check="pam_unix.so use_first_pass nodelay"
case $BUILD in *asan*) password_check=pam_permit.so ;; esac
auth_lines="auth sufficient $mod
auth required $password_check
account required pam_permit.so"
hostile_env="session required pam_env.so readenv=0 user_readenv=0 conffile=$T/hostile.conf"
printf '%s\n%s\n' "$auth_lines" "$hostile_env" >"$T/pam/unguarded"
printf '%s\n%s\nsession required %s\n' "$auth_lines" "$hostile_env" "$mod" >"$T/pam/guarded"

# env_of SERVICE ANSWER [DRIVER ARGS]: the APIKEY_* lines after the session.
env_of() {
        local service=$1 answer=$2; shift 2
        pam_auth "$service" "$alice" "$answer" --session --syslog-stderr "$@" 2>"$T/syslog" | grep '^env \|=PAM'
}

for mode in one-process split; do
        args=()
        [ "$mode" = split ] && args=(--split)
        out=$(env_of unguarded "$key" "${args[@]}")
        check "$mode, without pam_apikey's session line: pam_env forges APIKEY_IDENTITY (the attack works)" \
                grep -qx 'env APIKEY_IDENTITY=service:deployer' <<<"$out"

        out=$(env_of guarded "$key" "${args[@]}")
        check "$mode, key login: the session opens" grep -qx 'session=PAM_SUCCESS' <<<"$out"
        expect_eq "$mode, key login: APIKEY_ID is the key's" "$(sed -n 's/^env APIKEY_ID=//p' <<<"$out")" "$id"
        expect_eq "$mode, key login: APIKEY_IDENTITY is the key's" \
                "$(sed -n 's/^env APIKEY_IDENTITY=//p' <<<"$out")" "user:$alice"
        check "$mode, key login: the change is logged" grep -q 'was changed after authentication.*restoring' "$T/syslog"

        out=$(env_of guarded "$pw" "${args[@]}")
        check "$mode, password login: logged in" grep -qx 'session=PAM_SUCCESS' <<<"$out"
        check "$mode, password login: no APIKEY_* variable in the session" bash -c '! grep -q "^env APIKEY_" <<<"$1"' _ "$out"
        check "$mode, password login: the removal is logged" grep -q 'was changed after authentication.*removing' "$T/syslog"
done

# The key vouched for alice; a module that makes the session someone else's
# gets no key variables.
out=$(env_of guarded "$key" --switch-user root)
check "PAM_USER changed after a key login: no APIKEY_* variable" bash -c '! grep -q "^env APIKEY_" <<<"$1"' _ "$out"

# Without a hostile module: the values pass through, nothing is logged.
printf '%s\nsession required %s\n' "$auth_lines" "$mod" >"$T/pam/plain"
out=$(env_of plain "$key" --split)
expect_eq "split, no pam_env: APIKEY_ID is the key's" "$(sed -n 's/^env APIKEY_ID=//p' <<<"$out")" "$id"
check "no pam_env: nothing to log" bash -c '! grep -q "was changed" "$1"' _ "$T/syslog"

# A bad argument fails the session closed, as in every other phase.
printf '%s\nsession required %s bogus\n' "$auth_lines" "$mod" >"$T/pam/badarg"
check "a bad session argument fails the session" grep -qx 'session=PAM_SYSTEM_ERR' <<<"$(env_of badarg "$key")"
