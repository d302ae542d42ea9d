#!/bin/bash
# soak.sh - one daemon under a long mix of good and bad authentications,
# malformed records and control changes (tests/faults/soakload speaks the
# wire protocol directly, from several processes): no bad key is ever
# granted, every good one is, every use is counted, and memory (VmRSS) and
# open descriptors stay flat. The samples are printed.
#
#   SOAK_REQUESTS=N   requests in all (default 50000, about 5 s; under ASan 20000)
#   SOAK_WORKERS=W    parallel clients (default 3)
#   SOAK_SEED=S       seed of the mix (default: the PID)
#
# The full soak of the issue, a million requests (about a minute):
#   SOAK_REQUESTS=1000000 bash tests/integration/soak.sh
#
# The daemon runs with --rate-limit-burst 0: the mix sends failures from a
# few hundred remote hosts and the verdicts are checked exactly, which rate
# limiting would turn into rate_limited (ratelimit.sh tests the limits).
. "$(dirname "$0")/../lib.sh"

case $BUILD in *asan) asan=1 ;; *) asan= ;; esac
requests=${SOAK_REQUESTS:-$([ -n "$asan" ] && echo 20000 || echo 50000)}
workers=${SOAK_WORKERS:-3}
seed=${SOAK_SEED:-$$}

# The load generator: built by make (tests/faults/soakload.c), or here.
soakload=$BUILD/tests/soakload
if [ ! -x "$soakload" ]; then
        soakload=$T/bin/soakload
        cc -std=gnu11 -O2 -D_GNU_SOURCE -Icommon -o "$soakload" tests/faults/soakload.c common/key.c common/wire.c \
                common/proto.c common/transport.c || { not_ok "cannot build tests/faults/soakload.c"; exit 1; }
fi

alice=$(add_user alice)
bob=$(add_user bob)
carol=$(add_user carol)
start_daemon --rate-limit-burst 0
pam_service apikey nodelay

: >"$T/keys"
for u in "$alice" "$bob" "$carol"; do
        for _ in 1 2; do echo "$u $(ctl_as "$u" create --name soak) active" >>"$T/keys"; done
done
off=$(ctl_as "$bob" create --name off)
ctl_as "$bob" disable "$(key_id "$off")" >/dev/null
echo "$bob $off disabled" >>"$T/keys"
check "7 keys for the soak (one disabled)" test "$(grep -c ' apk_' "$T/keys")" -eq 7

ctl_as root audit --json >/dev/null # writes the pending records
seq_before=$(sqlite3 "$T/state/keys.db" 'SELECT coalesce(max(seq), 0) FROM audit')

echo "# soak: $requests requests, $workers workers, seed $seed, daemon pid $DAEMON_PID"
"$soakload" --auth "$AUTH_SOCK" --control "$CTL_SOCK" --keys "$T/keys" --daemon-pid "$DAEMON_PID" \
        --requests "$requests" --workers "$workers" --seed "$seed" --control-every 400 --sample-ms 1000 \
        --warmup $((requests / 10)) >"$T/soak.out" 2>&1
rc=$?
sed 's/^/# /' "$T/soak.out"
result() { sed -n "s/^result .*\b$1=\([0-9.]*\).*/\1/p" "$T/soak.out"; }

expect_eq "soakload finished (status $rc)" "$rc" 0
expect_eq "every request was made" "$(result requests)" "$requests"
expect_eq "no bad key, malformed record or disabled key was ever granted" "$(result granted_wrongly)" 0
expect_eq "every right key was granted" "$(result refused_wrongly)" 0
expect_eq "every other request got exactly the expected verdict" "$(result unexpected)" 0
expect_eq "no connection failed" "$(result errors)" 0
expect_eq "every control change was acknowledged" "$(result control_failed)" 0
check "control changes were part of the mix ($(result control_ok))" test "$(result control_ok)" -gt 0

# Every authentication and change of the soak is in the audit log, in a
# record of its own or counted in a tally record ("N more ..."), which the
# daemon writes at the end of each tally interval and when it stops.
stop_daemon
audited=$(sqlite3 "$T/state/keys.db" "SELECT
        (SELECT count(*) FROM audit WHERE seq > $seq_before AND action != 'tally') +
        (SELECT coalesce(sum(CAST(substr(detail, 1, instr(detail, ' ') - 1) AS INTEGER)), 0)
         FROM audit WHERE seq > $seq_before AND action = 'tally')")
expect_eq "every authentication and change of the soak was audited (one by one or counted)" \
        "$audited" "$(result audited)"
start_daemon --rate-limit-burst 0

# The uses of the soak keys add up to the grants (batched writes lose none).
uses=$(ctl_as root list --all --json | jq '[.[] | select(.name == "soak") | .use_count] | add')
expect_eq "the soak keys' use counts add up to the grants" "$uses" "$(result granted)"

warm_rss=$(result warm_rss_kb) last_rss=$(result last_rss_kb) max_rss=$(result max_rss_kb)
warm_fds=$(result warm_fds) last_fds=$(result last_fds)
echo "# memory: VmRSS ${warm_rss} KiB after warm-up, ${last_rss} KiB at the end (peak ${max_rss} KiB);" \
        "descriptors ${warm_fds} -> ${last_fds}"
expect_eq "open descriptors are the same after the soak as after warm-up" "$last_fds" "$warm_fds"
if [ -n "$asan" ]; then
        skip "VmRSS stays flat" "under ASan: the quarantine and shadow memory grow by design"
else
        limit=$((warm_rss + warm_rss / 10 + 2048))
        check "VmRSS stays flat: ${last_rss} KiB <= ${limit} KiB (warm-up + 10% + 2 MiB)" test "$last_rss" -le "$limit"
        check "… also at its peak (${max_rss} KiB)" test "$max_rss" -le "$limit"
fi

# Still serving, and the store is sound.
key=$(head -1 "$T/keys" | cut -d' ' -f2)
expect_eq "after the soak the right key logs in" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
expect_eq "… and a wrong secret does not" "$(pam_result apikey "$alice" "$("$T/bin/keytool" wrong-secret "$key")")" \
        PAM_AUTH_ERR
expect_eq "PRAGMA integrity_check after the soak" "$(sqlite3 "$T/state/keys.db" 'PRAGMA integrity_check')" ok
expect_eq "the soak's temporary keys are all gone" \
        "$(sqlite3 "$T/state/keys.db" "SELECT count(*) FROM keys WHERE owner_name = 'root'")" 0
