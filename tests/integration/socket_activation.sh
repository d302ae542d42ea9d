#!/bin/bash
# socket_activation.sh - apikeyd started the way systemd starts it: listening
# sockets passed in with names (auth, control), readiness by sd_notify, and
# exit when idle. systemd-socket-activate stands in for PID 1.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
pam_service apikey timeout=5

systemd-socket-activate --seqpacket -l "$AUTH_SOCK" -l "$CTL_SOCK" --fdname=auth:control \
        "$T/bin/apikeyd" --db "$T/state/keys.db" --admin-group "$ADMIN_GROUP" >>"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 100); do [ -S "$CTL_SOCK" ] && break; sleep 0.05; done
check "systemd-socket-activate holds the sockets" test -S "$AUTH_SOCK" -a -S "$CTL_SOCK"
chmod 0666 "$AUTH_SOCK" "$CTL_SOCK" # what SocketMode=0666 does in apikeyd.socket

key=$(ctl_as "$alice" create)
check "the first connection starts apikeyd and create works" test -n "$key"
check "apikeyd took the named sockets" grep -q "ready" "$T/daemon.log"
check "apikeyd did not bind its own sockets" bash -c '! grep -q "listening on" "$1"' _ "$T/daemon.log"
expect_eq "login through the activated daemon: PAM_SUCCESS" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
expect_eq "wrong secret through the activated daemon: PAM_AUTH_ERR" \
        "$(pam_result apikey "$alice" "$("$T/bin/keytool" wrong-secret "$key")")" PAM_AUTH_ERR
stop_daemon

# Sockets with names other than auth/control are refused: fail closed.
systemd-socket-activate --seqpacket -l "$T/run/x.sock" --fdname=bogus \
        "$T/bin/apikeyd" --db "$T/state/keys.db" >>"$T/bogus.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -S "$T/run/x.sock" ] && break; sleep 0.05; done
"$T/bin/keytool" raw "$T/run/x.sock" 0101 >/dev/null 2>&1
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
check "a socket named other than auth/control stops the daemon" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid"
check "… with an error that says why" grep -q "named auth or control" "$T/bogus.log"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null

# Idle exit: with --idle-exit the daemon leaves after that many idle seconds.
"$T/bin/apikeyd" --db "$T/state/keys.db" --listen-dir "$T/run" --idle-exit 1 >>"$T/idle.log" 2>&1 &
pid=$!
exited=no
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { exited=yes; break; }; sleep 0.1; done
expect_eq "--idle-exit 1: the daemon exits when idle" "$exited" yes
wait "$pid"
expect_eq "… with status 0" "$?" 0
