#!/bin/bash
# messages.sh - what a new user reads: errors that name what they are about,
# the help they asked for, counts that add up, a log with times.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
add_group "$ADMIN_GROUP"
start_daemon

# err_of DESCRIPTION EXPECTED-EXIT PATTERN CTL-ARGS...: runs apikeyctl as root.
err_of() {
        local d=$1 want=$2 pattern=$3 out rc; shift 3
        out=$(ctl_as root "$@" 2>&1 >/dev/null)
        rc=$?
        expect_eq "$d: exit status $want" "$rc" "$want"
        if grep -qE -- "$pattern" <<<"$out"; then ok "$d: '$out'"; else not_ok "$d: said '$out', expected /$pattern/"; fi
}

# Not found: which one.
err_of "show of an unknown key names its ID" 4 "no key with ID abcdefabcdef" show abcdefabcdef
err_of "disable of an unknown key names its ID" 4 "no key with ID abcdefabcdef" disable abcdefabcdef
err_of "service-id show names the service ID" 4 "no service ID named nosuch-sid" service-id show nosuch-sid
err_of "create --service-id names the service ID" 4 "no service ID named nosuch-sid" create --service-id nosuch-sid
err_of "--unix-user names the missing account" 4 "no local account named nosuchuser$SUFFIX" \
        service-id create svc-a --unix-user "nosuchuser$SUFFIX"
ctl_as root service-id create svc-b >/dev/null
err_of "a second service ID of a name names it" 6 "service ID named svc-b exists" service-id create svc-b

err_of "an expiry beyond the policy says the limit and what to give" 6 \
        "max-lifetime = 90d\): give --expires 90d or less" create --expires 200d

# Locked and rotated: which key.
key=$(ctl_as "$alice" create --name m)
id=$(key_id "$key")
ctl_as "$alice" lock "$id" >/dev/null
out=$(ctl_as "$alice" delete "$id" 2>&1)
check "deleting a locked key names it ($out)" grep -q "key $id is locked" <<<"$out"
ctl_as "$alice" unlock "$id" >/dev/null
new=$(ctl_as "$alice" rotate "$id" --grace 1h)
out=$(ctl_as "$alice" rotate "$id" 2>&1)
check "rotating a rotated key names its successor ($out)" grep -q "key $id was already rotated to $(key_id "$new")" <<<"$out"
ctl_as root create --service-id svc-b >/dev/null
ctl_as root service-id lock svc-b >/dev/null
err_of "a locked service ID is named" 6 "service ID svc-b is locked" service-id delete svc-b
ctl_as root service-id unlock svc-b >/dev/null
err_of "a service ID with one key: '1 key', named" 6 "service ID svc-b still has 1 key; delete it or use --force" \
        service-id delete svc-b

# --help before or after the command: that command's help.
for args in "--help create" "create --help" "-h create" "help create" "--json --help create --name x"; do
        # shellcheck disable=SC2086
        out=$("$T/bin/apikeyctl" $args)
        check "apikeyctl $args prints create's help" grep -q "^Usage: apikeyctl create" <<<"$out"
done
out=$("$T/bin/apikeyctl" --help service-id create)
check "apikeyctl --help service-id create prints its help" grep -q "^Usage: apikeyctl service-id create" <<<"$out"
out=$("$T/bin/apikeyctl" --help service-id)
check "apikeyctl --help service-id prints the service-id help" grep -q "^Usage: apikeyctl service-id COMMAND" <<<"$out"
out=$("$T/bin/apikeyctl" --help)
check "apikeyctl --help alone prints the general help" grep -q "^Usage: apikeyctl \[--socket PATH\]" <<<"$out"

# --socket that is not a socket.
out=$("$T/bin/apikeyctl" --socket /etc/passwd status 2>&1)
expect_eq "--socket naming a file: exit status 5" "$?" 5
check "--socket naming a file says it is not a socket ($out)" grep -q "it is a file, not a socket" <<<"$out"
check "... and does not suggest starting apikeyd" bash -c '! grep -q "systemctl start" <<<"$1"' _ "$out"
out=$("$T/bin/apikeyctl" --socket "$T" status 2>&1)
check "--socket naming a directory says so ($out)" grep -q "it is a directory, not a socket" <<<"$out"
out=$("$T/bin/apikeyctl" --socket "$T/nothing.sock" status 2>&1)
check "--socket naming nothing says there is no such socket ($out)" grep -q "there is no such socket" <<<"$out"

# scan: counts that add up, in English.
leak=$(ctl_as "$alice" create --name leak)
printf 'token %s\n' "$leak" >"$T/leak.txt"
chmod 0644 "$T/leak.txt"
out=$(ctl_as "$alice" scan "$T/leak.txt" 2>&1 >/dev/null)
expect_eq "scan: one key is '1 key found'" "$out" "1 key found"
out=$(ctl_as "$alice" scan --disable "$T/leak.txt" 2>&1 >/dev/null)
expect_eq "scan --disable: the key is disabled" "$out" "1 key found: 1 disabled, 0 deleted, 0 already disabled"
out=$(ctl_as "$alice" scan --disable "$T/leak.txt" 2>&1 >/dev/null)
expect_eq "scan --disable again: already disabled, not counted as disabled" "$out" \
        "1 key found: 0 disabled, 0 deleted, 1 already disabled"
check "... and --json says already_disabled" jq -e '.[0].action == "already_disabled"' \
        <<<"$(ctl_as "$alice" scan --disable --json "$T/leak.txt" 2>/dev/null)"
check "... and the text line too" grep -q "state disabled, already_disabled" \
        <<<"$(ctl_as "$alice" scan --disable "$T/leak.txt" 2>/dev/null)"
printf '%s\n%s\n' "$leak" "$key" >"$T/two.txt"
chmod 0644 "$T/two.txt"
expect_eq "scan: two keys are '2 keys found'" "$(ctl_as "$alice" scan "$T/two.txt" 2>&1 >/dev/null)" "2 keys found"

# The daemon's stderr log (outside the journal) has a time on every line.
check "every line of the daemon's stderr log starts with a timestamp" bash -c \
        '! grep -vE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{4} apikeyd\[[0-9]+\]: " "$1"' \
        _ "$T/daemon.log"
check "... and the log is not empty" test -s "$T/daemon.log"
