#!/bin/bash
# client_demo.sh - the README's quick start scripts/demo-ssh works: it logs in
# over ssh with a fresh key, refuses a changed key, and leaves no account,
# no process of it and no run directory. quickstart_private.sh runs it from a
# checkout in a 0700 directory.
. "$(dirname "$0")/../clients.sh"
require /usr/sbin/sshd /usr/bin/ssh

out=$(timeout 60 env BUILD="$BUILD" scripts/demo-ssh 2>&1)
expect_eq "scripts/demo-ssh exits 0" "$?" 0
user=$(sed -n 's/.*A throwaway account \([a-z0-9-]*\) .*/\1/p' <<<"$out")
check "it created a throwaway account" test -n "$user"
check "ssh ran id as that account" grep -q "^uid=[0-9]*($user)" <<<"$out"
check "the session saw APIKEY_ID" grep -q '^APIKEY_ID=[a-z0-9]\{12\}$' <<<"$out"
check "the changed key was refused" grep -q "Permission denied (keyboard-interactive)" <<<"$out"
check "the use was recorded with the demo's PAM service" grep -q "^Last used service: sshd-apikey-demo$" <<<"$out"
check "the account is gone afterwards" bash -c '! getent passwd "$1"' _ "$user"
uid=$(sed -n "s/^uid=\([0-9]*\)($user).*/\1/p" <<<"$out" | head -1)
check "no process of its uid ($uid) is left" bash -c '[ -n "$1" ] && ! pgrep -u "$1" && ! pgrep -U "$1"' _ "$uid"
run=$(sed -n 's/.*sockets in \(\/[^ [:cntrl:]]*\).*/\1/p' <<<"$out" | head -1)
check "its sockets were in a directory made for the run, outside the checkout ($run)" \
        bash -c '[ -n "$1" ] && case $1 in "$2"/*) false ;; *) true ;; esac' _ "$run" "$ROOT"
check "which is gone" test ! -e "$run"
check "so is the key file" test ! -e "$BUILD/demo-ssh/ssh/key"
