#!/bin/bash
# resources.sh - bounded resources: clients that connect and send nothing
# are cut off at the connection deadline while others are served; the
# number of connections at once is capped.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon
pam_service apikey nodelay
key=$(create_key "$alice")

"$T/bin/keytool" hold "$AUTH_SOCK" 20 >"$T/hold.out" &
holder=$!
sleep 0.5
expect_eq "with 20 silent clients connected, a login is served" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
timeout 30 tail --pid="$holder" -f /dev/null
out=$(cat "$T/hold.out")
check "the 20 silent clients were held, then cut off ($out)" grep -q "held=20 " <<<"$out"
ms=$(sed -n 's/.*closed_after_ms=\([0-9]*\).*/\1/p' <<<"$out")
check "… at the 5 s deadline (${ms} ms)" test "${ms:-0}" -ge 4500 -a "${ms:-0}" -lt 9000

stop_daemon
start_daemon --max-connections 4
out=$("$T/bin/keytool" hold "$AUTH_SOCK" 10)
check "--max-connections 4: only 4 of 10 silent clients are held ($out)" grep -q "held=4 " <<<"$out"
check "the daemon logged that it refused connections" grep -q "refusing more" "$T/daemon.log"
expect_eq "afterwards logins are served again" "$(pam_result apikey "$alice" "$key")" PAM_SUCCESS
