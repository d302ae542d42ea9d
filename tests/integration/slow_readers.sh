#!/bin/bash
# slow_readers.sh - no client can delay another's answer (issue 13, item 1):
# local users who ask for a long answer (audit, list --all) and never read
# it used to hold the daemon's one thread until their 5 s deadline, and
# logins meanwhile failed with PAM_AUTHINFO_UNAVAIL. Replies are now queued
# per connection and written when the socket is writable; long answers come
# in steps, so logins are answered between them.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
mallory=$(add_user mallory)
eve=$(add_user eve)
add_group "$ADMIN_GROUP"
usermod -a -G "$ADMIN_GROUP" "$eve"
pam_service apikey nodelay

start_daemon
key=$(create_key "$alice")
create_key "$mallory" >/dev/null
stop_daemon
# Many records in the store, quickly: 30,000 audit records of mallory's own
# identity (what `audit` shows mallory) and 3,000 keys (what `list --all`
# shows an admin). Their hashes are random: this test reads, never verifies;
# the key rows get their MACs through apikeyd's own store code.
sqlite3 "$T/state/keys.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
INSERT INTO audit (seq, time, event, result, key_id, identity, user, service, prev_hash, hash)
SELECT (SELECT max(seq) FROM audit) + i, strftime('%s', 'now'), 'auth', 'bad_secret', 'aaaaaaaaaaaa',
       'user:$mallory', '$mallory', 'slow-readers', randomblob(32), randomblob(32) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
INSERT INTO keys (id, hash, owner_type, owner_name, owner_uid, created_at, created_by)
SELECT printf('zz%010d', i), randomblob(32), 'user', '$alice', $(id -u "$alice"), i, 'root' FROM n;
SQL
"$T/bin/sealtool" "$T/state/keys.db"
start_daemon

as_user() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@"; }

# Eight of mallory's connections ask for audit and four of eve's (an admin)
# for list --all; none of them reads. They hold on for 8 s.
as_user "$mallory" "$T/bin/keytool" noread "$CTL_SOCK" 8 8 audit >"$T/noread-audit.out" &
r1=$!
as_user "$eve" "$T/bin/keytool" noread "$CTL_SOCK" 4 8 list-all >"$T/noread-list.out" &
r2=$!
sleep 1
results=
for i in 1 2 3 4 5 6 7; do
        results+="$(pam_result apikey "$alice" "$key") " # bounded: the module's 5 s timeout
done
expect_eq "7 logins while 12 clients refuse to read their long replies: all succeed" "$results" \
        "PAM_SUCCESS PAM_SUCCESS PAM_SUCCESS PAM_SUCCESS PAM_SUCCESS PAM_SUCCESS PAM_SUCCESS "
n=$(ctl_as "$mallory" audit --json | jq length)
check "meanwhile a client that reads gets mallory's whole audit log ($n records)" test "${n:-0}" -ge 30000
timeout 30 tail --pid="$r1" -f /dev/null
timeout 30 tail --pid="$r2" -f /dev/null
check "the 8 audit requests were sent ($(tr '\n' ' ' <"$T/noread-audit.out"))" grep -q "sent=8" "$T/noread-audit.out"
check "… and the daemon dropped all 8 clients that did not read" grep -q "dropped=8" "$T/noread-audit.out"
check "the 4 list --all requests were dropped too ($(tr '\n' ' ' <"$T/noread-list.out"))" \
        grep -q "dropped=4" "$T/noread-list.out"
check "the daemon logged why it dropped them" grep -q "did not read its reply in time" "$T/daemon.log"

# audit --verify (any user may run it) walks the chain in steps: logins are
# answered while it runs. This chain holds the records inserted above, so
# verify reports a break; what matters is that it does not stall anyone.
ctl_as root audit --verify >"$T/verify.out" 2>&1 &
v=$!
expect_eq "a login while audit --verify runs succeeds" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
timeout 30 tail --pid="$v" -f /dev/null
check "audit --verify answered ($(head -c 200 "$T/verify.out"))" grep -q "audit chain" "$T/verify.out"

# Clients that ask for a verify and stop reading. A verify's progress
# messages renew its connection's life bound (control_page.c), but a reply
# queue that does not move for 5 s still drops it: mallory's 30,000 records
# all break the chain, and the 1,000 breaks listed are more than the socket
# holds.
drops_before=$(grep -c "did not read its reply in time" "$T/daemon.log")
as_user "$mallory" "$T/bin/keytool" noread "$CTL_SOCK" 4 8 verify >"$T/noread-verify.out" &
r3=$!
sleep 1
expect_eq "a login while 4 clients refuse to read their verify replies succeeds" \
        "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
timeout 30 tail --pid="$r3" -f /dev/null
check "the 4 verify requests were sent ($(tr '\n' ' ' <"$T/noread-verify.out"))" grep -q "sent=4" "$T/noread-verify.out"
check "... and the daemon dropped all 4" grep -q "dropped=4" "$T/noread-verify.out"
expect_eq "... for not reading (not because the answer was whole)" \
        "$(($(grep -c "did not read its reply in time" "$T/daemon.log") - drops_before))" 4
expect_eq "after all this, logins still work" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
