#!/bin/bash
# build.sh - the Debian packages build from a clean copy of the tree with
# `dpkg-buildpackage -us -uc -b`, as a user who is not root, without network
# (a private, empty network namespace); twice, in two different directories,
# to byte-identical .debs; lintian has nothing to say but overridden info
# tags; blhc finds every compile and link command with dpkg-buildflags'
# flags. A second version (changelog bumped) is built for the upgrade test.
# The .debs are left in $BUILD/package/{v1,v2} for tests/package/install.sh.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
[ "$(id -u)" -eq 0 ] || { echo "not ok - the package tests run as root (they create a build user)"; exit 1; }
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; FAILED=1; }
FAILED=0
for p in dpkg-buildpackage dh lintian blhc fakeroot; do
        command -v "$p" >/dev/null || { not_ok "$p is missing (make deps installs it)"; exit 1; }
done

OUT=$(realpath -m "$BUILD/package")
T=$(mktemp -d /tmp/apikey-pkg.XXXXXX)
chmod 0755 "$T"
builder=akpkg$$
cleanup() { userdel -f "$builder" >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
useradd -M -N -s /usr/sbin/nologin "$builder" || { not_ok "cannot create the build user"; exit 1; }

# tree DIR: the tracked files as they are in the work tree (no build/).
tree() {
        mkdir -p "$1"
        git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$1"
}

# build NAME: dpkg-buildpackage in $T/NAME/src as the build user, no network.
build() {
        local dir=$T/$1
        chown -R "$builder" "$dir"
        (cd "$dir/src" && timeout 900 unshare --net -- setpriv --reuid="$builder" --regid="$(id -g "$builder")" \
                --clear-groups -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$dir" LC_ALL=C.UTF-8 \
                dpkg-buildpackage -us -uc -b) >"$dir/build.log" 2>&1
}

tree "$T/a/src"
if build a; then ok "dpkg-buildpackage -us -uc -b as a non-root user without network"
else not_ok "dpkg-buildpackage failed; its log:"; tail -30 "$T/a/build.log" | sed 's/^/#   /'; exit 1; fi
debs=$(cd "$T/a" && ls -- *.deb)
expect_debs="apikeyd-dbgsym_VER_ARCH.deb apikeyd_VER_ARCH.deb cockpit-apikey_VER_all.deb libpam-apikey-dbgsym_VER_ARCH.deb libpam-apikey_VER_ARCH.deb"
ver=$(cd "$T/a/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
[ "$(echo $debs)" = "$(sed "s/VER/$ver/g; s/ARCH/$arch/g" <<<"$expect_debs")" ] &&
        ok "binary packages libpam-apikey, apikeyd (and their dbgsym) and cockpit-apikey" || not_ok "unexpected packages: $debs"
check_deb_rel() { # PACKAGE FIELD PATTERN
        local v
        v=$(dpkg-deb -f "$(ls "$T/a/$1_${ver}_$arch.deb" "$T/a/$1_${ver}_all.deb" 2>/dev/null | head -1)" "$2")
        if grep -qE "$3" <<<"$v"; then ok "$1 $2: $v"; else not_ok "$1 $2 is '$v', expected /$3/"; fi
}
check_deb_rel libpam-apikey Depends 'libpam0g'
check_deb_rel libpam-apikey Recommends '^apikeyd$'
check_deb_rel apikeyd Depends 'libsodium.*libsqlite3|libsqlite3.*libsodium'
check_deb_rel apikeyd Depends 'libsystemd0'
check_deb_rel cockpit-apikey Depends 'apikeyd.*cockpit-bridge|cockpit-bridge.*apikeyd'
check_deb_rel cockpit-apikey Architecture '^all$'
files=$(dpkg-deb -c "$T/a/cockpit-apikey_${ver}_all.deb")
for f in manifest.json index.html apikeys.js apikeys.css; do
        grep -q " \./usr/share/cockpit/apikey/$f\$" <<<"$files" && ok "cockpit-apikey ships /usr/share/cockpit/apikey/$f" ||
                not_ok "cockpit-apikey lacks /usr/share/cockpit/apikey/$f"
done
files=$(dpkg-deb -c "$T/a/libpam-apikey_${ver}_$arch.deb")
if grep -q ' ./usr/share/pam-configs/apikey$' <<<"$files" && grep -q '/security/pam_apikey.so$' <<<"$files"; then
        ok "libpam-apikey ships the module and /usr/share/pam-configs/apikey"
else not_ok "libpam-apikey lacks the module or its pam-auth-update profile"; fi

files=$(dpkg-deb -c "$T/a/apikeyd_${ver}_$arch.deb")
expect_conf=$(dpkg-deb -f "$T/a/apikeyd_${ver}_$arch.deb" Package >/dev/null && dpkg-deb -I "$T/a/apikeyd_${ver}_$arch.deb" conffiles)
grep -qx '/etc/apikeyd/apikeyd.conf' <<<"$expect_conf" && ok "apikeyd ships /etc/apikeyd/apikeyd.conf as a conffile" ||
        not_ok "/etc/apikeyd/apikeyd.conf is not a conffile of apikeyd (conffiles: $expect_conf)"
for f in usr/sbin/apikeyd usr/bin/apikeyctl lib/systemd/system/apikeyd.service lib/systemd/system/apikeyd.socket \
        lib/systemd/system/apikeyd-control.socket usr/lib/sysusers.d/apikeyd.conf usr/lib/tmpfiles.d/apikeyd.conf \
        usr/share/man/man8/apikeyd.8.gz usr/share/man/man1/apikeyctl.1.gz etc/apikeyd/apikeyd.conf.d/ \
        $([ -f completion/apikeyctl ] && echo usr/share/bash-completion/completions/apikeyctl); do
        grep -q " \./$f\$" <<<"$files" && ok "apikeyd ships /$f" || not_ok "apikeyd lacks /$f"
done

# Reproducible: the same tree in another directory, built again; meanwhile
# the next version, for the upgrade test (its changelog bumped).
tree "$T/bb/src"
tree "$T/c/src"
next=$ver+1
{
        printf 'pam-apikey (%s) unstable; urgency=medium\n\n  * Test build: the next version, for the upgrade test.\n\n' "$next"
        printf ' -- %s  %s\n\n' "$(cd "$T/c/src" && dpkg-parsechangelog -S Maintainer)" \
                "$(date -R -u -d "@$(( $(cd "$T/c/src" && dpkg-parsechangelog -S Timestamp) + 86400 ))")"
        cat "$T/c/src/debian/changelog"
} >"$T/c/changelog" && mv "$T/c/changelog" "$T/c/src/debian/changelog"
build c &
next_pid=$!
if build bb; then
        same=1
        for d in $debs; do
                if ! cmp -s "$T/a/$d" "$T/bb/$d"; then
                        same=0
                        not_ok "$d differs between two builds"
                        command -v diffoscope >/dev/null && timeout 300 diffoscope --text - "$T/a/$d" "$T/bb/$d" 2>&1 | head -40 | sed 's/^/#   /'
                fi
        done
        [ "$same" = 1 ] && ok "two builds in different directories give byte-identical .debs (cmp, $(echo $debs | wc -w) files)"
else
        not_ok "the second build failed"; tail -20 "$T/bb/build.log" | sed 's/^/#   /'
fi

# lintian: no error, no warning, and every info tag overridden (with its reason in debian/*.lintian-overrides).
changes=$T/a/pam-apikey_${ver}_$arch.changes
lintian --info --pedantic --tag-display-limit 0 "$changes" >"$T/lintian.out" 2>&1
grep -v '^running with root privileges' "$T/lintian.out" >"$T/lintian.tags"
if [ ! -s "$T/lintian.tags" ]; then ok "lintian --info --pedantic on the .changes and its .debs: no tags"
else not_ok "lintian reports:"; sed 's/^/#   /' "$T/lintian.tags"; fi
lintian --show-overrides "$changes" 2>/dev/null | grep '^O:' | sed 's/^/# overridden: /'

# blhc: every compile and link line of the build log carries the flags.
if blhc --all "$T/a/build.log" >"$T/blhc.out" 2>&1; then ok "blhc --all: the build log shows dpkg-buildflags' flags on every command"
else not_ok "blhc:"; head -20 "$T/blhc.out" | sed 's/^/#   /'; fi
grep -q -- '-ffile-prefix-map=' "$T/a/build.log" && ok "the build used dpkg-buildflags' -ffile-prefix-map" ||
        not_ok "no -ffile-prefix-map in the build log"
grep -qE '^(cc|gcc) .*-Werror( |$)' "$T/a/build.log" && not_ok "the package build uses -Werror" ||
        ok "the package build does not use -Werror"

if wait "$next_pid"; then ok "version $next builds too"; else not_ok "version $next failed to build"; tail -20 "$T/c/build.log" | sed 's/^/#   /'; fi

rm -rf "$OUT"
mkdir -p "$OUT/v1" "$OUT/v2"
cp "$T"/a/*.deb "$T"/a/*.changes "$OUT/v1/" && cp "$T"/c/*.deb "$OUT/v2/" 2>/dev/null
cp "$T/a/build.log" "$OUT/build.log"
exit "$FAILED"
