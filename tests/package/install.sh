#!/bin/bash
# install.sh - the built .debs (tests/package/build.sh, $BUILD/package) on a
# throwaway copy of this machine: an overlay over / (changes go to a tmpfs)
# in a private mount namespace, entered with chroot. Nothing of the host's
# changes. There: install, the account, group and state directory; the
# sockets enabled; the autopkgtest (debian/tests/login, run directly);
# keys and audit records kept across an upgrade to the next version and a
# removal; purge leaves the file system as it was (a before/after listing,
# checked against dpkg -L).
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
[ "$(id -u)" -eq 0 ] || { echo "not ok - the package tests run as root"; exit 1; }
if [ -z "${APIKEY_PKG_NS:-}" ]; then
        APIKEY_PKG_NS=1 exec unshare --mount --propagation private -- "$BASH" "$0" "$@"
fi
FAILED=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
check() { local d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', expected '$3')"; fi; }

PKG=$(realpath -m "$BUILD/package")
ls "$PKG"/v1/apikeyd_*.deb "$PKG"/v2/apikeyd_*.deb >/dev/null 2>&1 ||
        { echo "not ok - no packages in $PKG (run tests/package/build.sh first)"; exit 1; }
# Everything lives on a tmpfs mounted at $T, so the clean-up only unmounts:
# nothing is ever deleted through the overlay or a bind mount.
T=$(mktemp -d /tmp/apikey-pkginst.XXXXXX)
R=$T/root
DAEMON_PID=
cleanup() {
        [ -n "$DAEMON_PID" ] && { kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; }
        umount -R -l "$T" 2>/dev/null
        rmdir "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mount -t tmpfs -o mode=0755 apikey-pkg "$T" || { not_ok "cannot mount a tmpfs on $T"; exit 1; }
mkdir -p "$T/u" "$T/w" "$R"
mount -t overlay overlay -o "lowerdir=/,upperdir=$T/u,workdir=$T/w" "$R" ||
        { not_ok "cannot mount an overlay over /"; exit 1; }
# /etc is a private copy, not the overlay's live view of the host's: other
# users of this machine lock and change /etc/passwd meanwhile.
mkdir "$T/etc" && cp -a /etc/. "$T/etc/" && rm -f "$T"/etc/*.lock "$T/etc/.pwd.lock" && mount --bind "$T/etc" "$R/etc" ||
        { not_ok "cannot make a private copy of /etc"; exit 1; }
mount -t proc proc "$R/proc" && mount -t tmpfs -o mode=0755 dev "$R/dev" && mount -t tmpfs -o mode=0755 run "$R/run" &&
        mount -t tmpfs -o mode=1777 tmp "$R/tmp" || { not_ok "cannot mount /proc, /dev, /run, /tmp in the copy"; exit 1; }
# A minimal /dev of its own: the host's is never bind-mounted in.
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
        IFS=: read -r name major minor <<<"$n"
        mknod -m 0666 "$R/dev/$name" c "$major" "$minor"
done
mkdir "$R/dev/pts" && mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts" && ln -s pts/ptmx "$R/dev/ptmx"
mkdir -p "$R/tmp/pkg" "$R/tmp/src" "$R/tmp/bin"
cp "$PKG"/v1/*.deb "$R/tmp/pkg/" && mkdir "$R/tmp/pkg/v2" && cp "$PKG"/v2/*.deb "$R/tmp/pkg/v2/"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$R/tmp/src"
install -m 0755 "$BUILD/tests/pam_driver" "$R/tmp/bin/"

# in_root CMD...: CMD in the copy, as root, with a plain environment.
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
# listing: every path of the copy's system directories (the ones a package
# may use), except dpkg's, apt's and debconf's own records, caches and logs,
# which installing anything changes, autopkgtest's own Python cache, and
# what the host's other users change
# meanwhile (the overlay shows the live host below it).
listing() {
        in_root find /etc /usr /var /opt /srv -xdev \( -path /var/lib/dpkg -o -path /var/log -o -path /var/cache \
                -o -path /var/tmp -o -path /var/lib/sudo -o -path /var/lib/apt -o -path '/etc/*-' \
                -o -path /etc/ld.so.cache -o -path '/etc/*.lock' -o -path /etc/.pwd.lock \
                -o -path /usr/share/autopkgtest/lib/__pycache__ \) -prune -o -print |
                LC_ALL=C sort
}
# daemon_start / daemon_stop: the installed apikeyd by hand (no systemd here).
daemon_start() {
        in_root install -d -m 0755 -o apikeyd -g apikeyd /run/apikeyd
        chroot "$R" env -i PATH=/usr/sbin:/usr/bin LC_ALL=C.UTF-8 setpriv --reuid=apikeyd --regid=apikeyd \
                --clear-groups -- /usr/sbin/apikeyd --listen-dir /run/apikeyd >>"$T/daemon.log" 2>&1 &
        DAEMON_PID=$!
        for _ in $(seq 1 100); do in_root apikeyctl status >/dev/null 2>&1 && return 0; sleep 0.1; done
        not_ok "the installed daemon did not start"; tail "$T/daemon.log"
}
daemon_stop() { kill "$DAEMON_PID"; wait "$DAEMON_PID"; expect_eq "the daemon exits cleanly" "$?" 0; DAEMON_PID=; }

before=$(listing)
v1=$(dpkg-deb -f "$R"/tmp/pkg/apikeyd_*.deb Version)
v2=$(dpkg-deb -f "$R"/tmp/pkg/v2/apikeyd_*.deb Version)
check "dpkg -i apikeyd libpam-apikey $v1 (no systemd running)" \
        in_root sh -c 'dpkg -i /tmp/pkg/apikeyd_*.deb /tmp/pkg/libpam-apikey_*.deb >/tmp/dpkg.log 2>&1'
expect_eq "both are installed" "$(in_root dpkg-query -W -f='${Status};' apikeyd libpam-apikey)" \
        "install ok installed;install ok installed;"
check "the apikeyd account exists" in_root getent passwd apikeyd
check "the apikey-admin group exists" in_root getent group apikey-admin
expect_eq "/var/lib/apikeyd: owner, group and mode" "$(in_root stat -c '%U %G %a' /var/lib/apikeyd)" "apikeyd apikeyd 700"
for s in apikeyd.socket apikeyd-control.socket; do
        check "$s is enabled (sockets.target.wants)" test -L "$R/etc/systemd/system/sockets.target.wants/$s"
done
check "the profile is registered, and off (Default: no)" bash -c '! grep -q pam_apikey "$1/etc/pam.d/common-auth"' _ "$R"
# dpkg -L names /lib/... where this merged-/usr system lists /usr/lib/....
files=$(in_root dpkg -L apikeyd libpam-apikey | sed -E 's#^/(lib|bin|sbin)/#/usr/\1/#' | LC_ALL=C sort -u)
missing=$(while read -r f; do [ -e "$R$f" ] || echo "$f"; done <<<"$files")
expect_eq "every file of dpkg -L is there" "$missing" ""
after=$(listing)
extra=$(comm -13 <(echo "$before") <(echo "$after") | comm -23 - <(echo "$files") |
        grep -vE '^/var/lib/apikeyd$|^/etc/systemd/system/sockets.target.wants(/apikeyd(-control)?\.socket)?$|^/var/lib/systemd/deb-systemd-helper-enabled(/.*)?$|^/var/lib/pam/seen$')
expect_eq "installing adds no file beyond dpkg -L, the state directory and the unit links" "$extra" ""

# The autopkgtest: autopkgtest's null runner, this copy being the testbed
# (it refreshes apt's lists, so it needs the network); without autopkgtest,
# debian/tests/login directly.
if in_root sh -c 'command -v autopkgtest' >/dev/null; then
        in_root sh -c 'cd /tmp && timeout 900 autopkgtest /tmp/pkg/apikeyd_*.deb /tmp/pkg/libpam-apikey_*.deb /tmp/src/ -- null' \
                >"$T/autopkgtest.log" 2>&1
        rc=$?
        sed -n '/test login: \[---/,/test login: ---/p' "$T/autopkgtest.log" | sed 's/^/# autopkgtest: /'
        expect_eq "autopkgtest -- null: debian/tests/login passes on the installed packages (exit $rc)" \
                "$(grep -E '^login +(PASS|FAIL|SKIP)' "$T/autopkgtest.log" | tail -1 | awk '{print $2}')" PASS
else
        in_root bash /tmp/src/debian/tests/login >"$T/autopkgtest.log" 2>&1
        rc=$?
        sed 's/^/# autopkgtest: /' "$T/autopkgtest.log"
        expect_eq "debian/tests/login, run directly (no autopkgtest here), passes on the installed packages" "$rc" 0
fi

# Keys and audit records before the upgrade.
daemon_start
alice=akpkgalice$$
in_root useradd -M -N -s /usr/sbin/nologin "$alice"
as_alice() { in_root setpriv --reuid="$alice" --regid="$(in_root id -g "$alice")" --init-groups -- "$@"; }
key=$(as_alice apikeyctl create --name before-upgrade)
as_alice apikeyctl create --name second >/dev/null
printf 'auth required pam_apikey.so\naccount required pam_apikey.so\n' >"$R/tmp/pam-svc"
mkdir -p "$R/tmp/pamconf" && mv "$R/tmp/pam-svc" "$R/tmp/pamconf/apikey-pkgtest"
login() { in_root env APIKEY_TEST_ANSWER="$1" /tmp/bin/pam_driver --confdir /tmp/pamconf --service apikey-pkgtest --user "$alice" | sed -n 's/^authenticate=//p'; }
expect_eq "the key logs in (version $v1)" "$(login "$key")" PAM_SUCCESS
keys_before=$(in_root apikeyctl list --all --json | jq -c '[.[] | {id, name, state}] | sort_by(.id)')
in_root apikeyctl audit --json | jq -c '.[]' | LC_ALL=C sort >"$T/audit.before"
daemon_stop

check "dpkg -i $v2 over $v1" in_root sh -c 'dpkg -i /tmp/pkg/v2/apikeyd_*.deb /tmp/pkg/v2/libpam-apikey_*.deb >/tmp/dpkg2.log 2>&1'
expect_eq "upgraded" "$(in_root dpkg-query -W -f='${Version}' apikeyd)" "$v2"
daemon_start
expect_eq "the keys survive the upgrade" "$(in_root apikeyctl list --all --json | jq -c '[.[] | {id, name, state}] | sort_by(.id)')" "$keys_before"
in_root apikeyctl audit --json | jq -c '.[]' | LC_ALL=C sort >"$T/audit.after"
expect_eq "every one of the $(wc -l <"$T/audit.before") audit records survives the upgrade unchanged" \
        "$(LC_ALL=C comm -23 "$T/audit.before" "$T/audit.after")" ""
check "the audit chain verifies" in_root apikeyctl audit --verify
expect_eq "the key still logs in (version $v2)" "$(login "$key")" PAM_SUCCESS
daemon_stop

in_root pam-auth-update --package --enable apikey
check "enabled before removal" grep -q pam_apikey "$R/etc/pam.d/common-auth"
check "dpkg -r libpam-apikey apikeyd" in_root sh -c 'dpkg -r libpam-apikey apikeyd >/tmp/dpkg3.log 2>&1'
check "removal took pam_apikey out of common-auth (prerm)" bash -c '! grep -rq pam_apikey "$1/etc/pam.d"' _ "$R"
check "removal keeps the keys (keys.db)" test -s "$R/var/lib/apikeyd/keys.db"
check "removal keeps hash.key" test -s "$R/var/lib/apikeyd/hash.key"
check "the module is gone" bash -c '! ls "$1"/lib/*/security/pam_apikey.so' _ "$R"

check "dpkg -P libpam-apikey apikeyd" in_root sh -c 'dpkg -P libpam-apikey apikeyd >/tmp/dpkg4.log 2>&1'
check "purge removed /var/lib/apikeyd" test ! -e "$R/var/lib/apikeyd"
in_root userdel -f "$alice"
purged=$(listing)
diff_purge=$(diff <(echo "$before") <(echo "$purged") | grep '^[<>]')
expect_eq "after purge the file system lists as before installing" "$diff_purge" ""
left=$(while read -r f; do [ -e "$R$f" ] && [ ! -d "$R$f" ] && echo "$f"; done <<<"$files")
expect_eq "no file of dpkg -L is left" "$left" ""
[ "$FAILED" = 0 ] || for f in "$R"/tmp/dpkg*.log "$T/daemon.log"; do [ -s "$f" ] && { echo "# $f:"; tail -15 "$f" | sed 's/^/#   /'; }; done
exit "$FAILED"
