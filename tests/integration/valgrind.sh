#!/bin/bash
# valgrind.sh - the module (inside the PAM driver) and the daemon under
# valgrind: no memory error, no leak, on success, failure and no-daemon paths.
. "$(dirname "$0")/../lib.sh"
command -v valgrind >/dev/null || { not_ok "valgrind is not installed"; exit 1; }

VG=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --error-exitcode=99)
alice=$(add_user alice)

"${VG[@]}" --log-file="$T/vg-daemon.log" "$T/bin/apikeyd" --db "$T/state/keys.db" --listen-dir "$T/run" \
        --admin-group "$ADMIN_GROUP" >>"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 200); do "$T/bin/apikeyctl" --socket "$CTL_SOCK" status >/dev/null 2>&1 && break; sleep 0.1; done
pam_service apikey timeout=10

key=$(ctl_as "$alice" create --name vg)
check "create under a valgrind daemon" test -n "$key"
id=$(cut -c5-16 <<<"$key")
ctl_as "$alice" list >/dev/null && ctl_as "$alice" show "$id" >/dev/null && ctl_as root list --all >/dev/null

vg_pam() { # vg_pam NAME EXPECTED ANSWER USER
        APIKEY_TEST_ANSWER=$3 "${VG[@]}" --log-file="$T/vg-$1.log" "$T/bin/pam_driver" --confdir "$T/pam" \
                --service apikey --user "$4" --acct >"$T/out-$1" 2>&1
        local rc=$?
        expect_eq "module under valgrind, $1: $2" "$(sed -n 's/^authenticate=//p' "$T/out-$1")" "$2"
        check "… no valgrind error or leak (status $rc)" test "$rc" -ne 99 -a ! -s "$T/vg-$1.log"
        if [ -s "$T/vg-$1.log" ]; then cat "$T/vg-$1.log"; fi
}
vg_pam success PAM_SUCCESS "$key" "$alice"
vg_pam wrong-secret PAM_AUTH_ERR "$("$T/bin/keytool" wrong-secret "$key")" "$alice"
vg_pam not-a-key PAM_AUTH_ERR "password" "$alice"
"$T/bin/keytool" raw "$AUTH_SOCK" deadbeef >/dev/null
ctl_as "$alice" disable "$id" >/dev/null && ctl_as "$alice" delete "$id" >/dev/null

kill "$DAEMON_PID"; wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
check "daemon under valgrind: clean exit, no error or leak (status $rc)" test "$rc" -eq 0 -a ! -s "$T/vg-daemon.log"
if [ -s "$T/vg-daemon.log" ]; then cat "$T/vg-daemon.log"; fi
vg_pam no-daemon PAM_AUTHINFO_UNAVAIL "$key" "$alice"
