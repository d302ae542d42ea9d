#!/bin/bash
# journal.sh - what the daemon sends to the journal: every audit record with
# the MESSAGE_ID of its kind and the fields apikeyd(8) documents, never a
# key. journald is stood in for by tests/journal_sink on
# /run/systemd/journal/socket in a private mount namespace (a tmpfs over
# /run there; the host's journal is never touched).
. "$(dirname "$0")/../lib.sh"

if ! unshare --mount --propagation private true 2>/dev/null; then
        echo "ok - # SKIP no private mount namespace here (unshare --mount failed)"
        exit 0
fi
alice=$(add_user alice)
add_group "$ADMIN_GROUP"
install -m 0755 "$BUILD/tests/journal_sink" "$T/bin/"
pam_service apikey
OUT=$T/journal.txt
DIAG_LOGS+=("$OUT")

# Inside the namespace: the sink, the daemon (JOURNAL_STREAM makes it log to
# the journal), a login, control commands, a leak, then a clean stop.
cat >"$T/inner.sh" <<EOF
set -u
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/systemd/journal
"$T/bin/journal_sink" /run/systemd/journal/socket 60 >"$OUT" &
sink=\$!
for _ in \$(seq 1 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
JOURNAL_STREAM=8:1 "$T/bin/apikeyd" --no-config --db "$T/state/keys.db" --listen-dir "$T/run" \
        --admin-group "$ADMIN_GROUP" 2>"$T/daemon.log" &
daemon=\$!
for _ in \$(seq 1 100); do "$T/bin/apikeyctl" --socket "$CTL_SOCK" status >/dev/null 2>&1 && break; sleep 0.05; done
ctl() { setpriv --reuid="$alice" --regid="\$(id -g "$alice")" --init-groups -- "$T/bin/apikeyctl" --socket "$CTL_SOCK" "\$@"; }
key=\$(ctl create --name j)
echo "\$key" >"$T/key"
APIKEY_TEST_ANSWER=\$key "$T/bin/pam_driver" --confdir "$T/pam" --service apikey --user "$alice" >/dev/null
APIKEY_TEST_ANSWER=\$("$T/bin/keytool" wrong-secret "\$key") "$T/bin/pam_driver" --confdir "$T/pam" --service apikey --user "$alice" >/dev/null
ctl disable "\$(cut -c5-16 <<<"\$key")" >/dev/null
leaked=\$(ctl create --name leaked)
echo "\$leaked" | ctl scan --disable >/dev/null 2>&1
kill \$daemon; wait \$daemon
sleep 0.2
kill \$sink; wait \$sink
EOF
timeout 60 unshare --mount --propagation private bash "$T/inner.sh"
expect_eq "the daemon ran and stopped cleanly in the namespace" "$?" 0
key=$(cat "$T/key" 2>/dev/null)

# records EVENT: the journal records of that audit event, one per paragraph.
records() { awk -v e="APIKEY_EVENT=$1" 'BEGIN { RS = "" } index($0, "\n" e "\n") { print; print "" }' "$OUT"; }
declare -A ids=(
        [auth]=708a742a6d194d5e94e411175c63d0e4
        [control]=bf05b92463024f86b6e8027ba16a400e
        [leak]=5063bdc70f524239a62199ce382aaee5
)
for ev in auth control leak; do
        r=$(records "$ev")
        check "the journal has $ev records" test -n "$r"
        n=$(grep -c '^APIKEY_EVENT=' <<<"$r")
        m=$(grep -c "^MESSAGE_ID=${ids[$ev]}$" <<<"$r")
        expect_eq "every $ev record carries MESSAGE_ID=${ids[$ev]}" "$m" "$n"
        check "... and the manual lists it for $ev" grep -q "${ids[$ev]}" man/apikeyd.8
done
check "a failed login is there with its verdict" grep -q '^APIKEY_RESULT=bad_secret$' "$OUT"
check "the journal never carries a key" bash -c '! grep -qF -- "$1" "$2"' _ "${key:-none}" "$OUT"
# Every field the daemon sends is documented in apikeyd(8).
undocumented=$(sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' "$OUT" | sort -u | while read -r f; do
        grep -q "^\.B $f\$\|^\.BR $f \|^\.B \"$f\"\|^\\\\fB$f\\\\fR\|\\b$f\\b" man/apikeyd.8 || echo "$f"; done)
expect_eq "every journal field is documented in apikeyd(8)" "$(echo $undocumented)" ""
check "the daemon sent its plain log lines to the journal too (with MESSAGE)" grep -q '^MESSAGE=.*ready' "$OUT"
