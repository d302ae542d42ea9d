#!/bin/bash
# paging.sh - large answers come in pages (issue 13, item 8): past 100,000
# records `audit` and `list --all` used to fail with "protocol error ...
# same version?" (the CLI capped records, the daemon sent without limit).
# Now the daemon sends at most PROTO_PAGE_MAX (10,000) records per reply
# and says where the next page starts; apikeyctl follows the pages, or with
# --limit prints one page and how to get the next (--after).
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
mallory=$(add_user mallory)
start_daemon
key=$(create_key "$alice")
for _ in 1 2 3; do create_key "$mallory" >/dev/null; done
stop_daemon
# 100,050 audit records and 25 more keys of alice's, quickly, straight into the store
# (random hashes: this test lists, it does not verify the chain; the key rows get
# their MACs through apikeyd's own store code, as the daemon would write them).
sqlite3 "$T/state/keys.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100050)
INSERT INTO audit (seq, time, event, result, key_id, identity, user, service, prev_hash, hash)
SELECT (SELECT max(seq) FROM audit) + i, strftime('%s', 'now'), 'auth', 'ok', 'bbbbbbbbbbbb', 'user:$alice',
       '$alice', 'paging', randomblob(32), randomblob(32) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
INSERT INTO keys (id, hash, owner_type, owner_name, owner_uid, created_at, created_by)
SELECT printf('zz%010d', i), randomblob(32), 'user', '$alice', $(id -u "$alice"), i, 'root' FROM n;
SQL
"$T/bin/sealtool" "$T/state/keys.db"
total=$(sqlite3 "$T/state/keys.db" "SELECT count(*) FROM audit")
last=$(sqlite3 "$T/state/keys.db" "SELECT max(seq) FROM audit")
start_daemon

n=$(ctl_as root audit --json | jq length)
check "audit with $total records: every record, through pages ($n)" test "${n:-0}" -ge "$total"
expect_eq "audit as text: exit 0" "$(exit_of ctl_as root audit)" 0
n=$(ctl_as "$alice" audit --json | jq 'map(select(.identity != "user:'"$alice"'")) | length')
expect_eq "a user's pages hold only their own records" "$n" 0
n=$(ctl_as "$alice" audit --json | jq length)
check "… all of them ($n)" test "${n:-0}" -ge 100050

out=$("$T/bin/keytool" page "$CTL_SOCK" audit 0)
check "a request that asks no limit gets 10000 records and a cursor ($out)" grep -q "records=10000 cursor=10000$" <<<"$out"
out=$("$T/bin/keytool" page "$CTL_SOCK" audit 4000000000)
check "a request that asks for more gets 10000 too ($out)" grep -q "records=10000 cursor=10000$" <<<"$out"
out=$("$T/bin/keytool" page "$CTL_SOCK" audit 10 "$((last - 3))")
check "the last page has no cursor ($out)" grep -q "records=3 cursor=-$" <<<"$out"
out=$("$T/bin/keytool" page "$CTL_SOCK" audit 10 "abc")
check "a malformed cursor is refused ($out)" grep -q "status=invalid_request" <<<"$out"

ctl_as root audit --limit 5 --json >"$T/p1.json"
expect_eq "audit --limit 5 --json: 5 records" "$(jq '.records | length' "$T/p1.json")" 5
expect_eq "… and next is the last one's seq" "$(jq -r .next "$T/p1.json")" "$(jq -r '.records[4].seq' "$T/p1.json")"
next=$(jq -r .next "$T/p1.json")
ctl_as root audit --limit 5 --after "$next" --json >"$T/p2.json"
expect_eq "audit --after NEXT continues right after it" "$(jq -r '.records[0].seq' "$T/p2.json")" "$((next + 1))"
ctl_as root audit --limit 5 --after "$((last - 2))" --json >"$T/p3.json"
expect_eq "the last page: next is null" "$(jq -r .next "$T/p3.json")" null
expect_eq "… and holds what is left" "$(jq '.records | length' "$T/p3.json")" 2
ctl_as root audit --limit 3 >"$T/p.txt" 2>"$T/p.err"
check "audit --limit 3 as text says how to get the next page" grep -q -- "--after 3" "$T/p.err"
expect_eq "--limit 0 is a usage error" "$(exit_of ctl_as root audit --limit 0)" 2
expect_eq "--limit 10001 is a usage error (a page holds at most 10000)" "$(exit_of ctl_as root audit --limit 10001)" 2
expect_eq "audit --after takes a sequence number" "$(exit_of ctl_as root audit --after abc)" 2
expect_eq "--verify does not take --limit" "$(exit_of ctl_as root audit --verify --limit 5)" 2

all=$(ctl_as root list --all --json | jq length)
expect_eq "list --all: every key ($all)" "$all" 29
ctl_as root list --all --limit 10 --json >"$T/l1.json"
expect_eq "list --all --limit 10: 10 keys" "$(jq '.records | length' "$T/l1.json")" 10
expect_eq "… and next is the last one's ID" "$(jq -r .next "$T/l1.json")" "$(jq -r '.records[9].id' "$T/l1.json")"
ids=$(jq -r '.records[].id' "$T/l1.json")
cursor=$(jq -r .next "$T/l1.json")
while [ "$cursor" != null ]; do
        ctl_as root list --all --limit 10 --after "$cursor" --json >"$T/l.json"
        ids+=$'\n'$(jq -r '.records[].id' "$T/l.json")
        cursor=$(jq -r .next "$T/l.json")
done
expect_eq "following the cursor lists every key once" "$(sort -u <<<"$ids" | wc -l)" 29
expect_eq "… in the same order as one list" "$ids" "$(ctl_as root list --all --json | jq -r '.[].id')"
expect_eq "list --after a key that does not exist: not found" \
        "$(exit_of ctl_as root list --all --after zzzzzzzzzzzz)" 4
expect_eq "a user's own list pages too" "$(ctl_as "$mallory" list --limit 2 --json | jq '.records | length')" 2
expect_eq "… and a user still may not list everyone's keys" "$(exit_of ctl_as "$mallory" list --all --limit 2)" 3
