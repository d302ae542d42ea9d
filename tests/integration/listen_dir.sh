#!/bin/bash
# listen_dir.sh - the directories of the sockets and of the store (issue 13,
# item 6): one that others than root and the daemon's user may write is
# refused, and the sockets' mode is set without following a path, so a
# symlink swapped in after bind() changes nothing.
. "$(dirname "$0")/../lib.sh"

mallory=$(add_user mallory)

# try_start LISTEN_DIR DB: runs the daemon briefly; prints its exit status.
try_start() {
        timeout 5 "$T/bin/apikeyd" --db "$2" --listen-dir "$1" >"$T/try.log" 2>&1
        echo $?
}

mkdir -p "$T/ok-state"
for mode in 0777 0775 0757 1777; do
        d=$T/run-$mode
        mkdir -p "$d" && chmod "$mode" "$d"
        expect_eq "a listen directory with mode $mode is refused" "$(try_start "$d" "$T/ok-state/keys.db")" 1
        check "… saying why" grep -q "refusing $d: others than root" "$T/try.log"
        check "… and no socket was made in it" test ! -e "$d/auth.sock"
done
d=$T/run-mallory
mkdir -p "$d" && chown "$mallory" "$d" && chmod 0755 "$d"
expect_eq "a listen directory owned by another user is refused" "$(try_start "$d" "$T/ok-state/keys.db")" 1
check "… saying why" grep -q "refusing $d: others than root" "$T/try.log"
ln -s "$T/run" "$T/run-link"
expect_eq "a listen directory that is a symlink is refused" "$(try_start "$T/run-link" "$T/ok-state/keys.db")" 1

for mode in 0777 0770; do
        s=$T/state-$mode
        mkdir -p "$s" && chmod "$mode" "$s"
        expect_eq "a database directory with mode $mode is refused" "$(try_start "$T/run" "$s/keys.db")" 1
        check "… saying why" grep -q "refusing $s: others than root" "$T/try.log"
        check "… before anything was created in it" test ! -e "$s/keys.db" -a ! -e "$s/hash.key"
done
s=$T/state-mallory
mkdir -p "$s" && chown "$mallory" "$s" && chmod 0700 "$s"
expect_eq "a database directory owned by another user is refused" "$(try_start "$T/run" "$s/keys.db")" 1

# A good directory: the sockets are made 0666 (any local user may connect).
start_daemon
expect_eq "auth.sock is mode 0666" "$(stat -c %a "$AUTH_SOCK")" 666
expect_eq "control.sock is mode 0666" "$(stat -c %a "$CTL_SOCK")" 666
stop_daemon

# The race, made certain by an LD_PRELOAD shim: right after bind(),
# auth.sock is swapped for a symlink to a root-owned 0600 file. chmod() by
# path would have made that file 0666.
target=$T/secret
echo secret >"$target" && chmod 0600 "$target"
rm -f "$AUTH_SOCK" "$CTL_SOCK"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 BINDSWAP_TARGET=$target \
        LD_PRELOAD=$ROOT/$BUILD/tests/bindswap.so "$T/bin/apikeyd" --db "$T/state/keys.db" --listen-dir "$T/run" \
        --admin-group "$ADMIN_GROUP" >>"$T/daemon.log" 2>&1 &
DAEMON_PID=$!
wait_for_socket "$CTL_SOCK"
check "the shim swapped auth.sock for a symlink" test -L "$AUTH_SOCK"
expect_eq "the file the symlink points to kept its mode" "$(stat -c %a "$target")" 600
expect_eq "… and the socket that was moved away has mode 0666" "$(stat -c %a "$AUTH_SOCK.moved")" 666
stop_daemon
