#!/bin/bash
# defaults.sh - the daemon's safe defaults (issue 9, Info): keys expire
# after 90 days unless the policy says none (README's policy is the
# default), and the process that holds the installation secret cannot be
# dumped or ptraced by its own uid, nor dump core under systemd.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon
day=86400

# A key created without --expires expires after 90 days.
now=$(date +%s)
id=$(key_id "$(create_key "$alice" --name dflt)")
exp=$(date -d "$(ctl_as "$alice" show "$id" --json | jq -r .expires_at)" +%s)
check "without --expires the key expires in 90 days ($((exp - now)) s)" \
        test "$exp" -ge $((now + 90 * day - 5)) -a "$exp" -le $((now + 90 * day + 60))
expect_eq "--expires 91d is beyond the default maximum lifetime (exit 6)" "$(exit_of create_key "$alice" --expires 91d)" 6
expect_eq "--expires 89d is accepted" "$(exit_of create_key "$alice" --expires 89d)" 0
expect_eq "status --json: max_key_lifetime is 90 days" "$(ctl_as "$alice" status --json | jq .max_key_lifetime)" $((90 * day))
rid=$(key_id "$(ctl_as "$alice" rotate "$id")")
rexp=$(date -d "$(ctl_as "$alice" show "$rid" --json | jq -r .expires_at)" +%s)
check "a rotated key's successor expires within 90 days too" test "$rexp" -le $(($(date +%s) + 90 * day + 60))

# --max-lifetime none is the explicit opt-out.
stop_daemon
start_daemon --max-lifetime none
id=$(key_id "$(create_key "$alice" --name forever)")
expect_eq "--max-lifetime none: a key without --expires never expires" \
        "$(ctl_as "$alice" show "$id" --json | jq -r .expires_at)" null
expect_eq "… and --expires 400d is accepted" "$(exit_of create_key "$alice" --expires 400d)" 0
expect_eq "… and status shows no maximum" "$(ctl_as "$alice" status --json | jq .max_key_lifetime)" null
stop_daemon
expect_eq "--max-lifetime nonsense is a usage error (exit 2)" \
        "$(exit_of "$T/bin/apikeyd" --no-config --max-lifetime nonsense --check-config)" 2
expect_eq "--check-config shows the default max-lifetime = 90d" \
        "$("$T/bin/apikeyd" --no-config --check-config | grep '^max-lifetime')" "max-lifetime = 90d"

# Non-dumpable: /proc/PID of a non-dumpable process belongs to root, not to
# the uid it runs as, so that uid cannot read its memory, ptrace it or get
# a core. Run the daemon as a throwaway account to see the difference.
svc=$(add_user svc)
mkdir -p "$T/svc/run" "$T/svc/state"
chown -R "$svc" "$T/svc"
chmod 0700 "$T/svc/state"
setpriv --reuid="$svc" --regid="$(id -g "$svc")" --clear-groups -- \
        "$T/bin/apikeyd" --no-config --db "$T/svc/state/keys.db" --listen-dir "$T/svc/run" >>"$T/svc.log" 2>&1 &
svcpid=$!
DIAG_LOGS+=("$T/svc.log")
for _ in $(seq 1 100); do [ -S "$T/svc/run/control.sock" ] && break; sleep 0.05; done
setpriv --reuid="$svc" --regid="$(id -g "$svc")" --clear-groups -- sleep 30 &
sleeppid=$!
expect_eq "the daemon runs as $svc" "$(ps -o uid= -p "$svcpid" | tr -d ' ')" "$(id -u "$svc")"
expect_eq "a process of $svc that is dumpable: /proc/PID/mem is $svc's" "$(stat -c %u "/proc/$sleeppid/mem")" "$(id -u "$svc")"
expect_eq "the daemon is not dumpable: its /proc/PID/mem belongs to root" "$(stat -c %u "/proc/$svcpid/mem")" 0
check "… and $svc cannot read its memory maps" bash -c \
        '! setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups -- cat "/proc/$2/maps" >/dev/null 2>&1' _ "$svc" "$svcpid"
kill "$sleeppid" 2>/dev/null
kill "$svcpid" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "$svcpid" 2>/dev/null || break; sleep 0.05; done
kill -9 "$svcpid" 2>/dev/null
wait "$svcpid" 2>/dev/null
expect_eq "the unprivileged daemon exited cleanly" "$?" 0
check "the unit sets LimitCORE=0" grep -qx "LimitCORE=0" systemd/apikeyd.service.in
