#!/bin/bash
# resources.sh - bounded resources: clients that connect and send nothing
# are cut off at the connection deadline while others are served; the
# number of connections at once is capped.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon
pam_service apikey nodelay
key=$(create_key "$alice")

"$T/bin/keytool" hold "$AUTH_SOCK" 20 >"$T/hold.out" &
holder=$!
sleep 0.5
expect_eq "with 20 silent clients connected, a login is served" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
timeout 30 tail --pid="$holder" -f /dev/null
out=$(cat "$T/hold.out")
check "the 20 silent clients were held, then cut off ($out)" grep -q "held=20 " <<<"$out"
ms=$(sed -n 's/.*closed_after_ms=\([0-9]*\).*/\1/p' <<<"$out")
check "… at the 5 s deadline (${ms} ms)" test "${ms:-0}" -ge 4500 -a "${ms:-0}" -lt 9000

stop_daemon
start_daemon --max-connections 4
out=$("$T/bin/keytool" hold "$AUTH_SOCK" 10)
check "--max-connections 4: only 4 of 10 silent clients are held ($out)" grep -q "held=4 " <<<"$out"
check "the daemon logged that it refused connections" grep -q "refusing more" "$T/daemon.log"
expect_eq "afterwards logins are served again" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS

# One uid's connections are capped (issue 9, item 3a): a local user holding
# 300 idle connections used to take every slot, and every other login got
# PAM_AUTHINFO_UNAVAIL. Root's logins (sshd, sudo) and other users' still go
# through.
stop_daemon
start_daemon
mallory=$(add_user mallory)
bob=$(add_user bob)
bobkey=$(create_key "$bob")
setpriv --reuid="$mallory" --regid="$(id -g "$mallory")" --init-groups -- \
        "$T/bin/keytool" hold "$AUTH_SOCK" 300 >"$T/hold-mallory.out" &
holder=$!
sleep 1
expect_eq "while a user holds 300 idle connections, root's login is served" \
        "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
expect_eq "… and another user's login too" \
        "$(setpriv --reuid="$bob" --regid="$(id -g "$bob")" --init-groups -- env APIKEY_TEST_ANSWER="$bobkey" \
                "$T/bin/pam_driver" --confdir "$T/pam" --service apikey --user "$bob" | sed -n 's/^authenticate=//p')" \
        PAM_SUCCESS
timeout 30 tail --pid="$holder" -f /dev/null
out=$(cat "$T/hold-mallory.out")
check "the user got 32 connections (--max-connections-per-uid default), not 300 ($out)" grep -q "held=32 " <<<"$out"
check "the daemon logged the refusal by uid" grep -q "connections of this uid" "$T/daemon.log"
stop_daemon
start_daemon --max-connections-per-uid 3
out=$(setpriv --reuid="$mallory" --regid="$(id -g "$mallory")" --init-groups -- "$T/bin/keytool" hold "$AUTH_SOCK" 10)
check "--max-connections-per-uid 3: 3 of the user's 10 connections are held ($out)" grep -q "held=3 " <<<"$out"
out=$("$T/bin/keytool" hold "$AUTH_SOCK" 10)
check "root is not capped per uid ($out)" grep -q "held=10 " <<<"$out"
stop_daemon
start_daemon --max-connections 16 --max-connections-per-uid 100
out=$(setpriv --reuid="$mallory" --regid="$(id -g "$mallory")" --init-groups -- "$T/bin/keytool" hold "$AUTH_SOCK" 20)
check "--max-connections 16: a non-root uid gets at most 14, the rest is root's ($out)" grep -q "held=14 " <<<"$out"

# Out of file descriptors (issue 13, item 7): accept() failing with EMFILE
# used to spin (94 % CPU, millions of log lines). Now accepting pauses until
# a descriptor is free, the daemon logs it once, and service resumes.
stop_daemon
hard=$(ulimit -Hn)
ulimit -Sn 40
start_daemon
ulimit -Sn "$hard"
cpu() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
"$T/bin/keytool" hold "$AUTH_SOCK" 60 >"$T/hold-fds.out" &
holder=$!
sleep 1
c1=$(cpu)
sleep 3
c2=$(cpu)
ticks=$((c2 - c1))
check "out of descriptors, the daemon does not spin (${ticks} CPU ticks in 3 s)" test "$ticks" -lt 100
check "the daemon said it ran out of descriptors" grep -q "cannot accept connections: Too many open files" "$T/daemon.log"
lines=$(grep -c "cannot accept" "$T/daemon.log")
check "… once, not in a loop ($lines lines)" test "$lines" -le 2
timeout 30 tail --pid="$holder" -f /dev/null
expect_eq "once descriptors are free again, logins are served" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
