#!/bin/bash
# config.sh - apikeyd's configuration: apikeyd.conf and its drop-ins set
# every option by its long name, the command line overrides them, status
# shows the policy in effect, and a wrong line stops the daemon at start with
# FILE:LINE and nothing started.
. "$(dirname "$0")/../lib.sh"

D=$T/etc
mkdir -p "$D/apikeyd.conf.d"
C=$D/apikeyd.conf
alice=$(add_user alice)
add_group "$ADMIN_GROUP"

# start_with_config ARGS...: the daemon on the test's sockets with $C.
start_with_config() {
        "$T/bin/apikeyd" --config "$C" --db "$T/state/keys.db" --listen-dir "$T/run" --admin-group "$ADMIN_GROUP" \
                "$@" >>"$T/daemon.log" 2>&1 &
        DAEMON_PID=$!
        wait_for_socket "$CTL_SOCK"
}
policy() { ctl_as root status --json | jq -r --arg n "$1" '.policy[$n]'; }

printf '# a comment\n\nmax-lifetime = 30d\n; another comment\nrate-limit-burst=4\n' >"$C"
printf 'max-lifetime = 45d\n' >"$D/apikeyd.conf.d/10-first.conf"
printf 'max-lifetime = 40d\n' >"$D/apikeyd.conf.d/20-second.conf"
printf 'max-lifetime = 1d\n' >"$D/apikeyd.conf.d/30-ignored.conf.disabled"
printf 'max-lifetime = 2d\n' >"$D/apikeyd.conf.d/.hidden.conf"
start_with_config
expect_eq "the drop-ins are read after the file, in lexical order; only *.conf" "$(policy max-lifetime)" 40d
expect_eq "a value set only in the file holds" "$(policy rate-limit-burst)" 4
expect_eq "an option set nowhere keeps its default" "$(policy purge-after)" 90d
expect_eq "status --json keeps max_key_lifetime in seconds" \
        "$(ctl_as root status --json | jq .max_key_lifetime)" $((40 * 86400))
ctl_as "$alice" create --expires 41d >/dev/null 2>&1
expect_eq "the configured max-lifetime is enforced (create --expires 41d refused, exit 6)" "$?" 6
check "create --expires 39d is accepted" ctl_as "$alice" create --expires 39d
check "status (text) shows the policy as configuration lines" \
        grep -qx "  max-lifetime = 40d" <<<"$(ctl_as "$alice" status)"
check "a user's status --json shows the policy too" \
        jq -e '.policy["rate-limit-burst"] == 4 and .policy["max-keys-per-user"] == 20' <<<"$(ctl_as "$alice" status --json)"
stop_daemon

start_with_config --max-lifetime 10d --rate-limit-burst 7
expect_eq "the command line overrides the file (max-lifetime)" "$(policy max-lifetime)" 10d
expect_eq "the command line overrides the file (rate-limit-burst)" "$(policy rate-limit-burst)" 7
# Every policy option, as --check-config lists them, is in status.
opts=$("$T/bin/apikeyd" --no-config --check-config | sed -n 's/^#\{0,1\}\([a-z-]*\) =.*/\1/p')
missing=$(for o in $opts; do case $o in db|listen-dir|state-dir) continue ;; esac
        ctl_as root status --json | jq -e --arg n "$o" '.policy | has($n)' >/dev/null || echo "$o"; done)
expect_eq "status shows every policy option" "$missing" ""
stop_daemon

# Every option of --help can be set in the file by its name: each set to its
# default there, then all checked at once.
help_opts=$("$T/bin/apikeyd" --help | sed -n 's/^  --\([a-z-]*\) [A-Z].*/\1/p' | grep -v '^config$')
expect_eq "--check-config lists exactly the options of --help" "$(sort <<<"$opts")" "$(sort <<<"$help_opts")"
"$T/bin/apikeyd" --no-config --listen-dir /run/x --state-dir /var/lib/x --check-config | grep -v '^#' >"$T/every.conf"
check "a file setting every option is accepted" "$T/bin/apikeyd" --config "$T/every.conf" --check-config
expect_eq "... and means exactly what it says" "$("$T/bin/apikeyd" --config "$T/every.conf" --check-config)" \
        "$(cat "$T/every.conf")"
for o in $opts; do
        check "the shipped apikeyd.conf documents $o" grep -q "^#\{0,1\}$o = " systemd/apikeyd.conf
done
check "the shipped apikeyd.conf is valid" "$T/bin/apikeyd" --config systemd/apikeyd.conf --check-config
expect_eq "the shipped apikeyd.conf sets idle-exit to 5 minutes (the unit's former --idle-exit 300)" \
        "$("$T/bin/apikeyd" --config systemd/apikeyd.conf --check-config | grep '^idle-exit')" "idle-exit = 5m"

# A wrong line: FILE:LINE: what is wrong, exit status 2, nothing started.
# bad_config DESCRIPTION EXPECTED-STDERR-PATTERN (the file is $C, drop-ins as left)
bad_config() {
        local out rc
        rm -rf "$T/state" "$T/run"; mkdir -p "$T/state" "$T/run"
        out=$(timeout 10 "$T/bin/apikeyd" --config "$C" --db "$T/state/keys.db" --listen-dir "$T/run" 2>&1)
        rc=$?
        expect_eq "$1: exit status 2" "$rc" 2
        if grep -qE "$2" <<<"$out"; then ok "$1: says '$out'"; else not_ok "$1: said '$out', expected /$2/"; fi
        check "$1: no store, no socket" test -z "$(find "$T/state" "$T/run" -mindepth 1)"
}
rm -f "$D"/apikeyd.conf.d/*
printf 'max-lifetime = 30d\n\nmax-lifetim = 30d\n' >"$C"
bad_config "an unknown option" "^$C:3: unknown option 'max-lifetim'"
printf 'rate-limit-burst = 3\nmax-lifetime = 0d\n' >"$C"
bad_config "a bad duration" "^$C:2: max-lifetime takes a duration.*not '0d'"
printf 'max-keys-per-user = many\n' >"$C"
bad_config "a bad number" "^$C:1: max-keys-per-user takes a whole number from 1 to 100000, not 'many'"
printf 'admin-group = two words\n' >"$C"
bad_config "a group name with a space" "^$C:1: admin-group must not contain spaces"
printf 'max-lifetime = 30d\nthis is not an option line\n' >"$C"
bad_config "a syntax error" "^$C:2: syntax error"
printf '[apikeyd]\nmax-lifetime = 30d\n' >"$C"
bad_config "a section" "^$C:2: 'max-lifetime' is in a section \[apikeyd\]"
printf 'max-lifetime = 30d\ndb = /%0300d\n' 0 >"$C"
bad_config "an overlong line" "^$C:2: the line is longer than"
printf 'max-lifetime = 30d\n' >"$C"
printf '\n\nrate-limit-interval = soon\n' >"$D/apikeyd.conf.d/50-bad.conf"
bad_config "an error in a drop-in names the drop-in" "^$C.d/50-bad.conf:3: rate-limit-interval takes a duration"
rm -f "$D"/apikeyd.conf.d/*
# The first error is the one reported, whatever its kind.
printf 'syntax error here\nfoo = 1\n' >"$C"
bad_config "a syntax error before an unknown option" "^$C:1: syntax error"
printf 'foo = 1\nsyntax error here\n' >"$C"
bad_config "an unknown option before a syntax error" "^$C:1: unknown option 'foo'"

# Only root (or the daemon's own account) may write the files it trusts.
printf 'max-lifetime = 30d\n' >"$C"
chmod 0666 "$C"
bad_config "a world-writable apikeyd.conf is refused" "^$C: refusing it"
chmod 0644 "$C"
chown "$alice" "$C"
bad_config "an apikeyd.conf owned by a user is refused" "^$C: refusing it"
chown root "$C"
ln -s "$C" "$D/link.conf"
"$T/bin/apikeyd" --config "$D/link.conf" --check-config >/dev/null 2>&1
expect_eq "a symbolic link is refused" "$?" 2
"$T/bin/apikeyd" --config "$D/missing.conf" --check-config >/dev/null 2>&1
expect_eq "--config naming a missing file is an error" "$?" 2
if [ ! -e /etc/apikeyd/apikeyd.conf ]; then
        check "without --config, a missing /etc/apikeyd/apikeyd.conf is fine" "$T/bin/apikeyd" --check-config
fi
"$T/bin/apikeyd" --config "$C" --no-config --check-config >/dev/null 2>&1
expect_eq "--config and --no-config together are a usage error" "$?" 2

# Command-line errors name the option, not the value.
err=$("$T/bin/apikeyd" --no-config --max-lifetime 0d 2>&1)
expect_eq "--max-lifetime 0d: exit status 2" "$?" 2
check "--max-lifetime 0d: the error names --max-lifetime ($err)" grep -q "^apikeyd: --max-lifetime takes a duration.*not '0d'" <<<"$err"
err=$("$T/bin/apikeyd" --no-config --purge-after=soon 2>&1)
check "--purge-after=soon: the error names --purge-after ($err)" grep -q "^apikeyd: --purge-after takes" <<<"$err"
expect_eq "max-lifetime = none means no limit" \
        "$("$T/bin/apikeyd" --no-config --max-lifetime none --check-config | grep '^max-lifetime')" "max-lifetime = none"
expect_eq "--idle-exit takes a duration" \
        "$("$T/bin/apikeyd" --no-config --idle-exit 15m --check-config | grep '^idle-exit')" "idle-exit = 15m"
expect_eq "--idle-exit still takes a number of seconds" \
        "$("$T/bin/apikeyd" --no-config --idle-exit 300 --check-config | grep '^idle-exit')" "idle-exit = 5m"
"$T/bin/apikeyd" --no-config --idle-exit 5x >/dev/null 2>&1
expect_eq "--idle-exit 5x is a usage error" "$?" 2

# A start-up failure is reported once, with one prefix.
mkdir -p "$T/ro" && chmod 0555 "$T/ro"
err=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$T/bin/apikeyd" --no-config \
        --db "$T/ro/sub/keys.db" --listen-dir "$T/run" 2>&1)
check "a start-up failure exits non-zero" test $? -ne 0
check "a start-up failure says why ($(tail -1 <<<"$err"))" test -n "$err"
check "no doubled apikeyd prefix" bash -c '! grep -qE "apikeyd(\[[0-9]+\])?: apikeyd:" <<<"$1"' _ "$err"

# The README's example drop-in is valid and means what it says.
scripts/snippet apikeyd-conf >"$T/site.conf"
check "the README's apikeyd.conf example is accepted" "$T/bin/apikeyd" --config "$T/site.conf" --check-config
expect_eq "the README's example sets max-lifetime = 90d" \
        "$("$T/bin/apikeyd" --config "$T/site.conf" --check-config | grep '^max-lifetime')" "max-lifetime = 90d"
