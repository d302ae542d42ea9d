#!/bin/bash
# quickstart_private.sh - the README's quick start works from a checkout
# that other users cannot enter (issue 15): /root is 0700, and so are new
# home directories on Debian 12, which is where people clone things. A copy
# of the built tree goes into a fresh 0700 directory and `make demo` and
# `make demo-ssh` run there: the sockets, and whatever the demo's throwaway
# account must reach, have to live in a directory made for the run. The demo
# must also end every process of its account and remove it.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
case $BUILD in
*asan*)
        echo "ok - quick start from a private checkout # SKIP the quick start runs the shipped build, which the normal pass tests"
        exit 0
        ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "not ok - integration tests must run as root"; exit 1; }
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi; }

P=$(mktemp -d /tmp/apikey-private.XXXXXX) || exit 2
trap 'rm -rf "$P"' EXIT
chmod 0700 "$P"
mkdir "$P/src"
# The built tree (sources, and the build's programs with their times, so
# make builds nothing); not git's data, the sanitizer or fuzz builds, or
# what earlier demos left.
tar -cf - --exclude=./.git --exclude="./$BUILD/asan" --exclude="./$BUILD/fuzz" --exclude="./$BUILD/demo" \
        --exclude="./$BUILD/demo-ssh" . | tar -C "$P/src" -xf - ||
        { not_ok "cannot copy the tree into $P/src"; exit 1; }
check "the copy is in a directory other users cannot enter (nobody cannot list it)" \
        bash -c '! setpriv --reuid=nobody --regid=nogroup --clear-groups -- ls "$1" >/dev/null 2>&1' _ "$P/src"

out=$(cd "$P/src" && timeout 180 make --no-print-directory BUILD="$BUILD" demo 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then ok "make demo exits 0 from a 0700 directory"; else
        not_ok "make demo exits 0 from a 0700 directory (status $rc)"; tail -20 <<<"$out" | sed 's/^/#   /'; fi
check "make demo: the key logs in through libpam" grep -qx 'authenticate=PAM_SUCCESS' <<<"$out"
check "make demo: the daemon down, the login fails closed" grep -qx 'authenticate=PAM_AUTHINFO_UNAVAIL' <<<"$out"
run=$(sed -n 's/.*sockets in \(\/[^ [:cntrl:]]*\).*/\1/p' <<<"$out" | head -1)
check "make demo: its sockets were in a directory made for the run, not in the checkout ($run)" \
        bash -c '[ -n "$1" ] && case $1 in "$2"/*) false ;; *) true ;; esac' _ "$run" "$P"
check "make demo: that directory is gone" test ! -e "$run"

if [ ! -x /usr/sbin/sshd ] || [ ! -x /usr/bin/ssh ]; then
        echo "ok - make demo-ssh from a 0700 directory # SKIP sshd or ssh is not installed (make deps installs them)"
        exit 0
fi
out=$(cd "$P/src" && timeout 180 make --no-print-directory BUILD="$BUILD" demo-ssh 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then ok "make demo-ssh exits 0 from a 0700 directory"; else
        not_ok "make demo-ssh exits 0 from a 0700 directory (status $rc)"; tail -20 <<<"$out" | sed 's/^/#   /'; fi
user=$(sed -n 's/.*A throwaway account \([a-z0-9-]*\) .*/\1/p' <<<"$out")
check "make demo-ssh: the account minted its key and logged in over ssh with it" \
        grep -q '^APIKEY_ID=[a-z0-9]\{12\}$' <<<"$out"
check "make demo-ssh: the changed key was refused" grep -q "Permission denied (keyboard-interactive)" <<<"$out"
run=$(sed -n 's/.*sockets in \(\/[^ [:cntrl:]]*\).*/\1/p' <<<"$out" | head -1)
check "make demo-ssh: its sockets were in a directory made for the run ($run)" \
        bash -c '[ -n "$1" ] && case $1 in "$2"/*) false ;; *) true ;; esac' _ "$run" "$P"
check "make demo-ssh: that directory is gone" test ! -e "$run"
check "make demo-ssh: the account is gone" bash -c '[ -n "$1" ] && ! getent passwd "$1"' _ "$user"
check "make demo-ssh: the key file is gone" test ! -e "$P/src/$BUILD/demo-ssh/ssh/key"
