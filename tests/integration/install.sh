#!/bin/bash
# install.sh - `make install` into a DESTDIR puts every file where the system
# expects it, and the shipped unit passes `systemd-analyze security` with a
# low exposure score (offline: no running systemd needed).
. "$(dirname "$0")/../lib.sh"

D=$T/dest
make -s --no-print-directory BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr install >"$T/install.log" 2>&1
expect_eq "make install DESTDIR=... PREFIX=/usr succeeds" "$?" 0
pamdir=$(pkg-config --variable=libdir pam)/security
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
for f in "$pamdir/pam_apikey.so" /usr/sbin/apikeyd /usr/bin/apikeyctl "$unitdir/apikeyd.service" \
        "$unitdir/apikeyd.socket" "$unitdir/apikeyd-control.socket" \
        "$(pkg-config --variable=sysusersdir systemd)/apikeyd.conf" \
        "$(pkg-config --variable=tmpfilesdir systemd)/apikeyd.conf" \
        /usr/share/man/man8/pam_apikey.8 /usr/share/man/man8/apikeyd.8 /usr/share/man/man1/apikeyctl.1; do
        check "installed $f" test -f "$D$f"
done
for f in manifest.json index.html apikeys.js apikeys.css; do
        check "installed the Cockpit page's /usr/share/cockpit/apikey/$f" cmp -s "cockpit/$f" "$D/usr/share/cockpit/apikey/$f"
done
check "the service's [Install] enables its sockets (Also=)" \
        grep -qx 'Also=apikeyd.socket apikeyd-control.socket' "$D$unitdir/apikeyd.service"
for u in apikeyd.service apikeyd.socket apikeyd-control.socket; do
        check "$u has Documentation= (man pages)" grep -q '^Documentation=man:apikeyd(8)' "$D$unitdir/$u"
done
check "installed the userdel hook /usr/sbin/apikey-userdel (executable) and its man page" \
        test -x "$D/usr/sbin/apikey-userdel" -a -f "$D/usr/share/man/man8/apikey-userdel.8"
check "… which calls the installed apikeyctl" grep -q '^exec /usr/bin/apikeyctl purge-user -- "$1"' \
        "$D/usr/sbin/apikey-userdel"
check "the unit runs the installed daemon, its options in the config file" \
        grep -qx 'ExecStart=/usr/sbin/apikeyd' "$D$unitdir/apikeyd.service"
check "installed /etc/apikeyd/apikeyd.conf (mode 0644)" test "$(stat -c %a "$D/etc/apikeyd/apikeyd.conf" 2>&1)" = 644
check "installed the drop-in directory /etc/apikeyd/apikeyd.conf.d" test -d "$D/etc/apikeyd/apikeyd.conf.d"
compdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
check "installed the bash completion in ${compdir:=/usr/share/bash-completion/completions}" \
        cmp -s completion/apikeyctl "$D$compdir/apikeyctl"
echo "max-lifetime = 7d" >>"$D/etc/apikeyd/apikeyd.conf"
make -s --no-print-directory BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr install >>"$T/install.log" 2>&1
check "make install again keeps the admin's apikeyd.conf" grep -qx "max-lifetime = 7d" "$D/etc/apikeyd/apikeyd.conf"
check "the installed apikeyd.conf is valid" "$T/bin/apikeyd" --config "$D/etc/apikeyd/apikeyd.conf" --version
check "DESTDIR install leaves the running system alone" grep -q "DESTDIR set" "$T/install.log"
check "no file was installed outside DESTDIR" test ! -e /usr/sbin/apikeyd -o /usr/sbin/apikeyd -nt "$T"

# systemd-analyze checks that ExecStart= exists, so point it at the real binary.
sed "s|^ExecStart=/usr/sbin/apikeyd|ExecStart=$T/bin/apikeyd|" "$D$unitdir/apikeyd.service" >"$T/apikeyd.service"
cp "$D$unitdir"/apikeyd*.socket "$T/"
score=$(cd "$T" && systemd-analyze security --offline=yes apikeyd.service 2>/dev/null |
        sed -n 's/.*exposure level for apikeyd.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure $score (at most 1.0)" bash -c \
        'cd "$1" && systemd-analyze security --offline=yes --threshold=10 apikeyd.service >/dev/null 2>&1' _ "$T"
check "systemd-analyze verify accepts the units" bash -c \
        'cd "$1" && ! systemd-analyze verify --man=no apikeyd.service apikeyd.socket apikeyd-control.socket 2>&1 | grep -v "^$" | grep -q .' _ "$T"
