#!/bin/bash
# flood.sh - junk on auth.sock cannot fill the disk: malformed records are
# counted and rate limited, a source gets a bounded number of audit records
# per interval and then one record counting the rest, and the audit log is
# bounded in size (--audit-max-records) with a chain that still verifies.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
mallory=$(add_user mallory)
# A 1 s rate-limit interval makes the tally interval 10 s.
start_daemon --rate-limit-interval 1s
pam_service apikey nodelay
key=$(create_key "$alice")
rows() { ctl_as root audit --verify >/dev/null; sqlite3 "$T/state/keys.db" 'SELECT count(*) FROM audit'; }
# bound SINCE: the records one source may add from SINCE (date +%s) until now:
# 20 of its own per 10 s interval it touched, and a few counts.
bound() { echo $((20 * (($(date +%s) - $1) / 10 + 2) + 5)); }

# Two-byte records (version 1, type 1, no fields): each used to be one record.
before=$(rows)
t0=$(date +%s)
start=$(date +%s%N)
out=$(setpriv --reuid="$mallory" --regid="$(id -g "$mallory")" --clear-groups -- \
        "$T/bin/keytool" flood "$AUTH_SOCK" 0101 5000)
ms=$((($(date +%s%N) - start) / 1000000))
echo "# 5000 malformed records from a local user in $ms ms: $(tr '\n' ' ' <<<"$out")"
check "mallory's junk is answered malformed, then rate_limited" grep -qx 'rate_limited=4990' <<<"$out"
after=$(rows)
b=$(bound "$t0")
check "5000 malformed records added at most $b audit records (20 per interval, and counts): $((after - before))" \
        test $((after - before)) -le "$b"
expect_eq "alice logs in meanwhile" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
before=$(rows)
t0=$(date +%s)
out=$("$T/bin/keytool" flood "$AUTH_SOCK" 0101 3000)
check "root's junk (never blocked: sshd runs as root) is answered malformed" grep -qx 'malformed=3000' <<<"$out"
after=$(rows)
b=$(bound "$t0")
check "… and adds at most $b records: $((after - before))" test $((after - before)) -le "$b"
# The same for refused control changes: mallory may not disable alice's key.
before=$(rows)
t0=$(date +%s)
for i in $(seq 1 100); do ctl_as "$mallory" disable "$(key_id "$key")" >/dev/null 2>&1; done
after=$(rows)
b=$(bound "$t0")
check "100 refused disables of another's key added at most $b records: $((after - before))" \
        test $((after - before)) -le "$b"
check "… the first ones with their details" jq -e --argjson u "$(id -u "$mallory")" \
        'any(.[]; .event == "control" and .action == "disable" and .result == "permission_denied" and .peer_uid == $u)' \
        <<<"$(ctl_as root audit --json)"
# The rest is counted: one record per source and result, at the end of each
# interval and at exit. Every request is in the log, one by one or counted.
stop_daemon
start_daemon --rate-limit-interval 1s
json=$(ctl_as root audit --json)
m=$(id -u "$mallory")
# total UID EVENT RESULT [ACTION]: records of their own plus the counts.
total() {
        jq --argjson u "$1" --arg e "$2" --arg r "$3" --arg a "${4:-}" '
                [.[] | select(.peer_uid == $u and .event == $e and .result == $r)] as $all
                | ($all | map(select(.action != "tally" and ($a == "" or .action == $a))) | length)
                  + ($all | map(select(.action == "tally") | .detail | capture("^(?<n>[0-9]+) more").n | tonumber) | add // 0)' <<<"$json"
}
expect_eq "mallory's 5000 junk records: all accounted for (malformed + rate_limited)" \
        "$(($(total "$m" auth malformed) + $(total "$m" auth rate_limited)))" 5000
check "… most of them in a count" jq -e --argjson u "$m" \
        'any(.[]; .action == "tally" and .peer_uid == $u and .result == "rate_limited" and (.detail | test("^[0-9]+ more auth requests with result rate_limited from uid")))' <<<"$json"
expect_eq "root's 3000 junk records: all accounted for" "$(total 0 auth malformed)" 3000
expect_eq "mallory's 100 refused disables: all accounted for" "$(total "$m" control permission_denied disable)" 100
check "the chain verifies" ctl_as root audit --verify

# The store is bounded in size as well as in age.
stop_daemon
start_daemon --audit-max-records 200
"$T/bin/keytool" auth "$AUTH_SOCK" "$alice" "$key" "" 500 >/dev/null # 500 successful logins, each audited
n=$(rows)
check "after 500 more records, the store holds at most 200 ($n)" test "$n" -le 200
check "… the oldest were pruned with a prune record naming the bound" jq -e \
        'any(.[]; .event == "prune" and (.detail | test("past the bound of 200 records")))' <<<"$(ctl_as root audit --json)"
check "… and the chain verifies" ctl_as root audit --verify
stop_daemon
start_daemon --audit-max-records 200
check "… also after a restart" ctl_as root audit --verify
check "--audit-max-records below 100 is refused" test "$(exit_of "$T/bin/apikeyd" --audit-max-records 5 --db "$T/x.db")" -ne 0
