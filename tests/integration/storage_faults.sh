#!/bin/bash
# storage_faults.sh - the store under faults: the daemon fails closed
# (nobody is authenticated by an error, no acknowledged change is lost or
# half applied, a clear error is logged, the others keep being served).
#
#  1. bad files: a corrupt, truncated or foreign store, wrong modes, a
#     symlink, a newer schema, a bad hash.key: refused at start, untouched;
#  2. a store write-locked by another process: changes fail after a bounded
#     wait, logins keep being answered;
#  3. a full disk (a small tmpfs in a private mount namespace): changes fail
#     with a clear error and change nothing, logins keep working, and it
#     recovers when space is freed;
#  3b. a full disk long enough that audit records are dropped (more than
#     the daemon holds): when space returns, a "lost" record says which
#     and why, and audit --verify lists that gap among its breaks;
#  4. kill -9 of the daemon at random moments while changes and logins run:
#     the store stays sound, every acknowledged change survives, every
#     unacknowledged one is whole or absent, no revoked key comes back;
#  5. allocation and I/O failures injected into the module (inside libpam)
#     and into the daemon (LD_PRELOAD tests/faults/failmalloc.c): errors,
#     never a crash, a leak or a wrong key accepted. Not under ASan.
#
#   PARTS="files lock full lost kill alloc"   the parts to run (default: all)
#   KILL_ITERATIONS=N  kill -9 cycles (default 200; 20 under ASan)
#   KILL_SECONDS=S     stop the cycles after S seconds (default 90)

# The full-disk part mounts a tmpfs: in a mount namespace of our own, so
# nothing is visible outside and nothing survives us.
if [ -z "${APIKEY_MOUNT_NS:-}" ] && unshare -m --propagation private true 2>/dev/null; then
        APIKEY_MOUNT_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

case $BUILD in *asan) asan=1 ;; *) asan= ;; esac
FULL=$T/full
LOCK_PID=
finish() {
        if [ -n "$LOCK_PID" ]; then kill "$LOCK_PID" 2>/dev/null; wait "$LOCK_PID" 2>/dev/null; fi
        stop_daemon
        mountpoint -q "$FULL" && umount "$FULL"
        cleanup
}
trap finish EXIT

# PARTS="files lock full lost kill alloc" (the default) chooses what runs.
part() { [[ " ${PARTS:-files lock full lost kill alloc} " == *" $1 "* ]]; }

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# kill_daemon: SIGKILL and reap, without stop_daemon's exit-status check.
kill_daemon() {
        kill -9 "$DAEMON_PID" 2>/dev/null
        { wait "$DAEMON_PID"; } 2>/dev/null
        DAEMON_PID=
}

alice=$(add_user alice)
pam_service apikey timeout=3 nodelay

###############################################################################
# 1. Bad files: refused at start, never modified.
if part files; then
        start_daemon
        for _ in 1 2 3; do create_key "$alice" >/dev/null; done
        ctl_as "$alice" audit --json >/dev/null # writes the audit records: more pages
        stop_daemon
        cp -p "$T/state/keys.db" "$T/good.db"
        cp -p "$T/state/hash.key" "$T/good.key"
        check "a real store to damage (checkpointed at exit: no -wal)" \
                test -s "$T/good.db" -a ! -e "$T/state/keys.db-wal"

        # snapshot DIR: every file's name, size, mode, owner, link target, mtime and
        # hash (SQLite may create and remove its -wal and -shm files meanwhile).
        snapshot() {
                (cd "$1" && find . -mindepth 1 -printf '%p %s %m %u %l %T@\n' | sort &&
                        find . -type f -exec sha256sum {} + | sort)
        }

        fresh_bad() {
                rm -rf "$T/bad"
                mkdir -m 0755 "$T/bad"
                install -m 0600 "$T/good.key" "$T/bad/hash.key"
                install -m 0600 "$T/good.db" "$T/bad/keys.db"
        }

        # refused DESCRIPTION REGEX: apikeyd must refuse the files in $T/bad with a
        # message matching REGEX and leave them exactly as they were.
        refused() {
                local before after rc
                before=$(snapshot "$T/bad")
                sleep 0.01 # a rewrite would show in the mtime
                timeout 5 "$T/bin/apikeyd" --db "$T/bad/keys.db" --listen-dir "$T/badrun" >"$T/bad.out" 2>&1
                rc=$?
                cat "$T/bad.out" >>"$T/bad-start.log" # scanned for sanitizer reports at exit
                after=$(snapshot "$T/bad")
                check "$1: apikeyd refuses to start (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 124 -a "$rc" -lt 128
                check "… and says why: $(head -1 "$T/bad.out")" grep -Eq "$2" "$T/bad.out"
                if [ "$before" = "$after" ]; then
                        ok "… and leaves the files untouched"
                else
                        not_ok "… and leaves the files untouched; before/after:"
                        diff <(echo "$before") <(echo "$after") | sed 's/^/#   /'
                fi
        }
        mkdir -p "$T/badrun"
        size=$(stat -c %s "$T/good.db")

        fresh_bad; head -c "$size" /dev/urandom >"$T/bad/keys.db"
        refused "random bytes as the store" "not a database|malformed"
        fresh_bad; head -c $((size / 2)) "$T/good.db" >"$T/bad/keys.db"
        refused "the store cut to half its size" "malformed|not a database"
        fresh_bad; printf 'alice apk_0123456789ab active\n' >"$T/bad/keys.db"
        refused "a text file as the store" "not a database"
        fresh_bad; chmod 0666 "$T/bad/keys.db"
        refused "a world-writable store" "mode 0600"
        fresh_bad; chmod 0640 "$T/bad/keys.db"
        refused "a group-readable store" "mode 0600"
        fresh_bad; chown nobody "$T/bad/keys.db"
        refused "a store owned by another uid" "owned by uid 0"
        fresh_bad; mv "$T/bad/keys.db" "$T/bad/real.db"; ln -s real.db "$T/bad/keys.db"
        refused "a symlink at the store's path" "symbolic links"
        fresh_bad; rm "$T/bad/keys.db"; mkdir "$T/bad/keys.db"
        refused "a directory at the store's path" "directory"
        fresh_bad; sqlite3 "$T/bad/keys.db" 'PRAGMA user_version = 99' >/dev/null
        refused "a store from a newer schema (user_version 99, WAL)" "newer than this apikeyd"
        # A newer store in rollback-journal mode, e.g. restored from a backup made
        # with VACUUM INTO: switching it to WAL would already rewrite its header.
        fresh_bad; rm "$T/bad/keys.db"
        sqlite3 "$T/good.db" "VACUUM INTO '$T/bad/keys.db'"
        sqlite3 "$T/bad/keys.db" 'PRAGMA journal_mode = DELETE; PRAGMA user_version = 99' >/dev/null
        chmod 0600 "$T/bad/keys.db"
        refused "a store from a newer schema in rollback-journal mode (a restored backup)" "newer than this apikeyd"
        fresh_bad; chmod 0644 "$T/bad/hash.key"
        refused "a world-readable hash.key" "32-byte file .* mode 0600"
        fresh_bad; head -c 16 "$T/good.key" >"$T/bad/hash.key"
        refused "a 16-byte hash.key" "32-byte file"
        fresh_bad; cat "$T/good.key" "$T/good.key" >"$T/bad/hash.key"
        refused "a 64-byte hash.key" "32-byte file"
        fresh_bad; : >"$T/bad/hash.key"
        refused "an empty hash.key" "32-byte file"
        fresh_bad; mv "$T/bad/hash.key" "$T/bad/real.key"; ln -s real.key "$T/bad/hash.key"
        refused "a symlink at hash.key" "symbolic links"
        fresh_bad; rm "$T/bad/hash.key"
        refused "a store whose hash.key is missing (a new one would void every key)" "missing but the store"
        check "no daemon answered on the sockets meanwhile" test ! -S "$T/badrun/auth.sock"
fi

###############################################################################
# 2. A store write-locked by another process.
if part lock; then
        start_daemon
        keep=$(create_key "$alice")
        victim=$(create_key "$alice")
        sleep 1.3 # the creates' audit records reach the store: nothing is pending

        # lock_db: an sqlite3 process holds the write lock until unlock_db.
        lock_db() {
                mkfifo "$T/lock.fifo"
                sqlite3 "$T/state/keys.db" <"$T/lock.fifo" >"$T/lock.out" 2>&1 &
                LOCK_PID=$!
                exec 7>"$T/lock.fifo"
                printf ".timeout 0\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n" >&7
                for _ in $(seq 1 100); do grep -q locked "$T/lock.out" && return 0; sleep 0.05; done
                not_ok "could not lock the store: $(cat "$T/lock.out")"
        }
        unlock_db() {
                printf 'ROLLBACK;\n.quit\n' >&7
                exec 7>&-
                wait "$LOCK_PID"
                LOCK_PID=
        }

        # timed VAR CMD...: runs CMD, its output in $out, its status in $rc and the
        # milliseconds it took in VAR.
        timed() {
                local var=$1 t0
                shift
                t0=$(ms_now)
                out=$("$@" 2>&1)
                rc=$?
                printf -v "$var" '%s' $(($(ms_now) - t0))
        }

        lock_db
        state_of() { sqlite3 "$T/state/keys.db" "SELECT state FROM keys WHERE id = '$1'"; }
        timed el ctl_as "$alice" disable "$(key_id "$victim")"
        check "locked store: disable fails (status $rc: $out)" test "$rc" -ne 0
        check "… within a bounded wait: ${el} ms (busy timeout 5 s)" test "$el" -lt 7500
        check "… with a message for the user" test -n "$out"
        check "… the daemon logged why" grep -q "database is locked" "$T/daemon.log"
        expect_eq "… and the key is still active" "$(state_of "$(key_id "$victim")")" active
        count=$(sqlite3 "$T/state/keys.db" 'SELECT count(*) FROM keys')
        timed el ctl_as "$alice" create
        check "locked store: create fails (status $rc) within ${el} ms" test "$rc" -ne 0 -a "$el" -lt 7500
        expect_eq "… and stores nothing" "$(sqlite3 "$T/state/keys.db" 'SELECT count(*) FROM keys')" "$count"

        # Logins only read (WAL readers do not wait for the writer): they must be
        # answered, promptly, for as long as the lock is held (several flush retries).
        granted=0 worst=0 other=0 wrong_granted=0 unavailable=0 tries=0
        for _ in $(seq 1 8); do
                [ "$unavailable" -ge 2 ] && break # enough to know; each costs the whole timeout
                tries=$((tries + 1))
                timed el pam_result apikey "$alice" "$keep"
                [ "$el" -gt "$worst" ] && worst=$el
                case $out in
                        PAM_SUCCESS) granted=$((granted + 1)) ;;
                        PAM_AUTHINFO_UNAVAIL) unavailable=$((unavailable + 1)) ;;
                        *) other=$((other + 1)) ;;
                esac
                timed el pam_result apikey "$alice" "$("$T/bin/keytool" wrong-secret "$keep")"
                [ "$el" -gt "$worst" ] && worst=$el
                [ "$out" = PAM_SUCCESS ] && wrong_granted=$((wrong_granted + 1))
                sleep 0.5
        done
        expect_eq "locked store: a wrong key is never granted" "$wrong_granted" 0
        expect_eq "… the right key gets PAM_SUCCESS or PAM_AUTHINFO_UNAVAIL, nothing else" "$other" 0
        check "… every login is answered within the module's timeout (worst ${worst} ms, timeout=3)" \
                test "$worst" -lt 4000
        expect_eq "… and the right key keeps working (logins need no write lock): granted" \
                "$granted of $tries" "8 of 8"
        timed el ctl_as root status
        check "locked store: status answers at once (status $rc, ${el} ms)" test "$rc" -eq 0 -a "$el" -lt 2000
        timed el ctl_as "$alice" list
        check "locked store: list answers, or fails with a message, within ${el} ms" \
                test "$el" -lt 7500 -a \( "$rc" -eq 0 -o -n "$out" \)
        unlock_db

        expect_eq "lock released: disable works" "$(exit_of ctl_as "$alice" disable "$(key_id "$victim")")" 0
        expect_eq "… and the key is refused" "$(pam_result apikey "$alice" "$victim")" PAM_AUTH_ERR
        expect_eq "… the other key still works" "$(pam_result apikey "$alice" "$keep")" PAM_SUCCESS
        check "the records kept while locked were written; the chain verifies" ctl_as root audit --verify
        stop_daemon
fi

###############################################################################
# 3. A full disk.
if part full; then
        if [ -z "${APIKEY_MOUNT_NS:-}" ]; then
                skip "disk full" "no private mount namespace: unshare -m failed"
        else
                mkdir -p "$FULL"
                mount -t tmpfs -o size=4m,mode=0755 apikey-full "$FULL" || not_ok "cannot mount a tmpfs"
                start_daemon --db "$FULL/keys.db"
                k1=$(create_key "$alice")
                k2=$(create_key "$alice")
                id2=$(key_id "$k2")
                sleep 1.2
                dd if=/dev/zero of="$FULL/fill" bs=4k >/dev/null 2>&1
                expect_eq "the disk is full" "$(df --output=avail "$FULL" | tail -1 | tr -d ' ')" 0
                rows() { sqlite3 "$FULL/keys.db" 'SELECT id, state, rotated_to FROM keys ORDER BY id'; }
                before=$(rows)

                out=$(ctl_as "$alice" create 2>&1)
                rc=$?
                check "disk full: create fails (status $rc: $out)" test "$rc" -ne 0 -a -n "$out"
                check "… no key is printed" bash -c '! grep -q apk_ <<<"$1"' _ "$out"
                out=$(ctl_as "$alice" disable "$id2" 2>&1)
                rc=$?
                check "disk full: disable fails (status $rc: $out)" test "$rc" -ne 0 -a -n "$out"
                check "disk full: delete fails" test "$(exit_of ctl_as "$alice" delete "$id2")" -ne 0
                check "disk full: rotate fails" test "$(exit_of ctl_as "$alice" rotate "$id2")" -ne 0
                check "the daemon logged why" grep -q "database or disk is full" "$T/daemon.log"
                expect_eq "… and the store is as it was" "$(rows)" "$before"

                # Logins read; their uses and audit records wait in memory, retried.
                results=
                for _ in 1 2 3 4 5 6; do results+="$(pam_result apikey "$alice" "$k1") "; sleep 0.4; done
                expect_eq "disk full: the existing key keeps logging in (6 tries over 2.4 s)" "$results" \
                        "$(printf 'PAM_SUCCESS %.0s' 1 2 3 4 5 6)"
                expect_eq "… the key whose disable failed is still active" "$(pam_result apikey "$alice" "$k2")" \
                        PAM_SUCCESS
                expect_eq "… a wrong secret is refused" \
                        "$(pam_result apikey "$alice" "$("$T/bin/keytool" wrong-secret "$k1")")" PAM_AUTH_ERR
                check "… the flushes fail and are retried" grep -q "will retry" "$T/daemon.log"
                check "… and the daemon keeps serving" ctl_as root status
                check "… it is still running" kill -0 "$DAEMON_PID"

                # Restarted while the disk is full: it must not crash; serving or not.
                stop_daemon
                "$T/bin/apikeyd" --db "$FULL/keys.db" --listen-dir "$T/run" --admin-group "$ADMIN_GROUP" \
                        >"$T/full-restart.log" 2>&1 &
                pid=$!
                for _ in $(seq 1 60); do
                        kill -0 "$pid" 2>/dev/null || break
                        "$T/bin/apikeyctl" --socket "$CTL_SOCK" status >/dev/null 2>&1 && break
                        sleep 0.05
                done
                if kill -0 "$pid" 2>/dev/null; then
                        expect_eq "restart on a full disk: it serves, the key logs in" \
                                "$(pam_result apikey "$alice" "$k1")" PAM_SUCCESS
                        DAEMON_PID=$pid
                        stop_daemon
                else
                        wait "$pid"
                        rc=$?
                        why=$(head -1 "$T/full-restart.log")
                        check "restart on a full disk: refused (status $rc), not a crash: $why" \
                                test "$rc" -ne 0 -a "$rc" -lt 128 -a -s "$T/full-restart.log"
                fi
                cat "$T/full-restart.log" >>"$T/daemon.log"

                rm -f "$FULL/fill"
                start_daemon --db "$FULL/keys.db"
                expect_eq "space freed: the store is intact" "$(rows)" "$before"
                expect_eq "… disable works again" "$(exit_of ctl_as "$alice" disable "$id2")" 0
                expect_eq "… and the key is refused" "$(pam_result apikey "$alice" "$k2")" PAM_AUTH_ERR
                check "… create works again" test -n "$(create_key "$alice")"
                expect_eq "… the first key still logs in" "$(pam_result apikey "$alice" "$k1")" PAM_SUCCESS
                check "… the audit chain verifies" ctl_as root audit --verify
                expect_eq "… PRAGMA integrity_check" "$(sqlite3 "$FULL/keys.db" 'PRAGMA integrity_check')" ok
                stop_daemon
                umount "$FULL"
        fi
fi

# 3b. Audit records dropped on a full disk are themselves recorded once space
# returns (issue 13 item 4).
if part lost; then
        if [ -z "${APIKEY_MOUNT_NS:-}" ]; then
                ok "skipped: lost records (no private mount namespace: unshare -m failed)"
        else
                soakload=$BUILD/tests/soakload
                mkdir -p "$FULL"
                mount -t tmpfs -o size=4m,mode=0755 apikey-lost "$FULL" || not_ok "cannot mount a tmpfs"
                start_daemon --db "$FULL/keys.db" --rate-limit-burst 0
                lk=$(create_key "$alice")
                printf '%s %s active\n' "$alice" "$lk" >"$T/lost-keys"
                sleep 1.2
                before=$(sqlite3 "$FULL/keys.db" 'SELECT coalesce(max(seq), 0) FROM audit')
                dd if=/dev/zero of="$FULL/fill" bs=4k >/dev/null 2>&1
                # More records than the daemon keeps pending (2048, and 2048 in the failed batch).
                "$soakload" --auth "$AUTH_SOCK" --control "$CTL_SOCK" --keys "$T/lost-keys" --daemon-pid "$DAEMON_PID" \
                        --requests 6000 --workers 2 --control-every 1000000 --sample-ms 5000 --warmup 0 \
                        >"$T/lost.out" 2>&1
                check "disk full under load: records are dropped, and the daemon says so" \
                        grep -q "dropping the oldest pending records" "$T/daemon.log"
                check "... it still serves" ctl_as root status
                rm -f "$FULL/fill"
                sleep 2.5 # the failed batches are retried and written
                json=$(ctl_as root audit --verify --json)
                echo "$json" >"$T/lost-verify.json"
                DIAG_LOGS+=("$T/lost-verify.json")
                lost=$(jq -r '[.breaks[] | select(.kind == "lost")][0].message // empty' <<<"$json")
                check "space again: a record says which records were lost and why ($lost)" \
                        grep -qE "^record [0-9]+ says: records [0-9]+\.\.[0-9]+ were lost: .*\(disk full\)" <<<"$lost"
                read -r a b < <(sed -n 's/.*records \([0-9]*\)\.\.\([0-9]*\) were lost.*/\1 \2/p' <<<"$lost")
                check "... those are after the records written before ($a > $before)" test "${a:-0}" -gt "$before"
                check "... and verify lists exactly that gap, $a..$b" jq -e --argjson a "${a:-0}" --argjson b "${b:-0}" \
                        'any(.breaks[]; .kind == "gap" and .first_seq == $a and .last_seq == $b)' <<<"$json"
                check "... and no other gap" jq -e '[.breaks[] | select(.kind == "gap")] | length == 1' <<<"$json"
                stop_daemon
                umount "$FULL"
        fi
fi

###############################################################################
# 4. kill -9 during changes and logins.
if part kill; then
        iterations=${KILL_ITERATIONS:-$([ -n "$asan" ] && echo 20 || echo 200)}
        budget=${KILL_SECONDS:-90}
        K=$T/kill
        mkdir -p "$K"
        # A fresh store: the database and its audit head (a head left from the
        # parts above would rightly report the new log as cut at its start).
        rm -f "$T/state/keys.db" "$T/state/keys.db-wal" "$T/state/keys.db-shm" "$T/state/audit.head"
        DAEMON_ARGS=(--max-keys-per-user 100000 --rate-limit-burst 0)
        pam_service kill timeout=2 nodelay

        # The model: every key whose creation was acknowledged, and its state:
        # active, disabled, deleted or retired (rotated; grace 0).
        declare -A KEY=() STATE=()
        REVOKED=()
        ctl() { "$T/bin/apikeyctl" --socket "$CTL_SOCK" "$@"; }

        # ctl_worker N ID:STATE...: random changes to its own keys (root's)
        # until $K/stop exists; logs "ack OP ID OUTPUT" or "nak OP ID STATUS".
        ctl_worker() {
                local log=$K/w$1.log e id op rc out ids ops
                local -A st=()
                shift
                for e in "$@"; do
                        id=${e%%:*}
                        st[$id]=${e##*:}
                done
                while [ ! -e "$K/stop" ]; do
                        ids=("${!st[@]}")
                        if [ "${#ids[@]}" -lt 2 ] || [ $((RANDOM % 6)) -eq 0 ]; then
                                op=create id=-
                        else
                                id=${ids[RANDOM % ${#ids[@]}]}
                                if [ "${#ids[@]}" -gt 6 ]; then ops=(delete)
                                elif [ "${st[$id]}" = active ]; then ops=(disable delete rotate)
                                else ops=(enable delete); fi
                                op=${ops[RANDOM % ${#ops[@]}]}
                        fi
                        if [ "$op" = create ]; then
                                out=$(ctl create 2>/dev/null)
                        else
                                out=$(ctl "$op" "$id" 2>/dev/null)
                        fi
                        rc=$?
                        if [ "$rc" -ne 0 ]; then
                                echo "nak $op $id $rc" >>"$log"
                                [ "$id" != - ] && unset "st[$id]" # unknown from now on
                                continue
                        fi
                        echo "ack $op $id $out" >>"$log"
                        case $op in
                                create) st[$(key_id "$out")]=active ;;
                                disable) st[$id]=disabled ;;
                                enable) st[$id]=active ;;
                                delete) unset "st[$id]" ;;
                                rotate) unset "st[$id]"; st[$(key_id "$out")]=active ;;
                        esac
                done
        }

        # auth_worker KEY:WANT...: logs in as root with each key in turn until
        # $K/stop exists; logs "WANT RESULT ID".
        auth_worker() {
                local e
                while [ ! -e "$K/stop" ]; do
                        for e in "$@"; do
                                [ -e "$K/stop" ] && break
                                echo "${e##*:} $(pam_result kill root "${e%:*}") $(key_id "$e")" >>"$K/auth.log"
                        done
                done
        }

        # after STATE OP: the state an applied OP leaves.
        after() {
                case $2 in
                        disable) echo disabled ;;
                        enable) echo active ;;
                        delete) echo deleted ;;
                        rotate) echo retired ;;
                esac
        }

        declare -A MAYBE
        bad=() # descriptions of violations (the first few are printed)
        violation() { bad+=("iteration $it: $*"); }
        acked=0 naked=0 applied=0 strays=0 revocations=0 auth_checks=0 cycles=0

        start_daemon "${DAEMON_ARGS[@]}"
        canary=$(ctl create --name canary)
        canary_wrong=$("$T/bin/keytool" wrong-secret "$canary")
        t_start=$(date +%s)
        for it in $(seq 1 "$iterations"); do
                [ $(($(date +%s) - t_start)) -ge "$budget" ] && break
                rm -f "$K"/*.log "$K/stop"
                # Hand the live keys to two workers; sample some revoked keys for logins.
                w0=() w1=() i=0
                for id in "${!STATE[@]}"; do
                        case ${STATE[$id]} in active | disabled) ;; *) continue ;; esac
                        if [ $((i++ % 2)) -eq 0 ]; then w0+=("$id:${STATE[$id]}"); else w1+=("$id:${STATE[$id]}"); fi
                done
                # (Disabled keys may be enabled again by the workers: only the gone ones.)
                logins=("$canary:ok" "$canary_wrong:no")
                for _ in 1 2 3; do
                        [ "${#REVOKED[@]}" -gt 0 ] || break
                        id=${REVOKED[RANDOM % ${#REVOKED[@]}]}
                        case ${STATE[$id]} in deleted | retired) logins+=("${KEY[$id]}:no") ;; esac
                done
                ctl_worker 0 "${w0[@]}" &
                p0=$!
                ctl_worker 1 "${w1[@]}" &
                p1=$!
                auth_worker "${logins[@]}" &
                pa=$!
                # The workers get going (one change acknowledged, at most 5 s: a
                # loaded machine forks slowly); then 10-60 ms more.
                for _ in $(seq 50); do
                        grep -qs '^ack ' "$K"/w*.log && break
                        sleep 0.1
                done
                sleep "0.0$((10 + RANDOM % 51))"
                kill_daemon
                touch "$K/stop"
                wait "$p0" "$p1" "$pa"
                cycles=$((cycles + 1))

                # What the crash left, as read by the restarted daemon's store.
                start_daemon "${DAEMON_ARGS[@]}"
                check_now=$(date +%s)
                integrity=$(sqlite3 "$T/state/keys.db" 'PRAGMA integrity_check')
                [ "$integrity" = ok ] || violation "integrity_check: $integrity"
                declare -A ACTUAL=()
                while IFS='|' read -r id st rot exp; do
                        if [ -n "$rot" ]; then
                                ACTUAL[$id]=retired
                                [ "$exp" -gt 0 ] && [ "$exp" -le "$check_now" ] ||
                                        violation "$id rotated but expires at $exp"
                        else
                                ACTUAL[$id]=$st
                        fi
                done < <(sqlite3 "$T/state/keys.db" "SELECT id, state, rotated_to, expires_at FROM keys")
                orphans=$(sqlite3 "$T/state/keys.db" "SELECT a.rotated_to FROM keys a WHERE a.rotated_to != '' AND
                        NOT EXISTS (SELECT 1 FROM keys b WHERE b.id = a.rotated_to)")

                # Replay the workers' logs into the model.
                MAYBE=()
                revoked_now=()
                extra=0
                for log in "$K"/w*.log; do
                        [ -e "$log" ] || continue
                        while read -r verdict op id rest; do
                                if [ "$verdict" = nak ]; then
                                        naked=$((naked + 1))
                                        case $op in create | rotate) extra=$((extra + 1)) ;; esac
                                        [ "$id" != - ] && MAYBE[$id]="${STATE[$id]} $(after "${STATE[$id]}" "$op")"
                                        continue
                                fi
                                acked=$((acked + 1))
                                case $op in
                                        create)
                                                KEY[$(key_id "$rest")]=$rest
                                                STATE[$(key_id "$rest")]=active
                                                ;;
                                        rotate)
                                                STATE[$id]=retired
                                                KEY[$(key_id "$rest")]=$rest
                                                STATE[$(key_id "$rest")]=active
                                                revoked_now+=("$id")
                                                ;;
                                        *)
                                                STATE[$id]=$(after "${STATE[$id]}" "$op")
                                                [ "$op" = enable ] || revoked_now+=("$id")
                                                ;;
                                esac
                        done <"$log"
                done
                # Every acknowledged change is there; an unacknowledged one is whole or absent.
                for id in "${!STATE[@]}"; do
                        actual=${ACTUAL[$id]:-deleted}
                        if [ -n "${MAYBE[$id]:-}" ]; then
                                [[ " ${MAYBE[$id]} " == *" $actual "* ]] ||
                                        violation "$id: an unacknowledged change left '$actual'; one of: ${MAYBE[$id]}"
                                [ "$actual" = "${MAYBE[$id]%% *}" ] || applied=$((applied + 1))
                                STATE[$id]=$actual
                        elif [ "$actual" != "${STATE[$id]}" ]; then
                                violation "$id: acknowledged state ${STATE[$id]}, found $actual"
                                STATE[$id]=$actual
                        fi
                done
                # A rotation is whole: the successor of a retired key exists, unless it was deleted since.
                for succ in $orphans; do
                        [ "${STATE[$succ]:-}" = deleted ] || violation "successor $succ of a rotated key is missing"
                done
                # Keys nobody heard of: creations or rotations applied but not acknowledged.
                stray=()
                for id in "${!ACTUAL[@]}"; do
                        [ "$id" = "$(key_id "$canary")" ] && continue
                        [ -n "${STATE[$id]:-}" ] || stray+=("$id")
                done
                [ "${#stray[@]}" -le "$extra" ] ||
                        violation "${#stray[@]} unknown keys after $extra unacknowledged creations/rotations"
                for id in "${stray[@]}"; do
                        ctl delete "$id" >/dev/null || violation "cannot delete stray key $id"
                        STATE[$id]=deleted
                done
                strays=$((strays + ${#stray[@]}))
                unset ACTUAL

                # No revoked key comes back: each one revoked in this cycle, through PAM.
                for id in "${revoked_now[@]}"; do
                        case ${STATE[$id]} in disabled | deleted | retired) ;; *) continue ;; esac # enabled again
                        REVOKED+=("$id")
                        revocations=$((revocations + 1))
                        r=$(pam_result kill root "${KEY[$id]}")
                        [ "$r" = PAM_AUTH_ERR ] || violation "revoked key $id (${STATE[$id]}) after restart: $r"
                done
                # Logins during the cycle: revoked keys never got in, the canary never failed but for the crash.
                if [ -e "$K/auth.log" ]; then
                        while read -r want r id; do
                                auth_checks=$((auth_checks + 1))
                                if [ "$want" = no ] && [ "$r" = PAM_SUCCESS ]; then
                                        violation "key $id (${STATE[$id]:-wrong secret}) got in during the cycle"
                                fi
                                if [ "$want" = ok ] && [ "$r" != PAM_SUCCESS ] && [ "$r" != PAM_AUTHINFO_UNAVAIL ]; then
                                        violation "the untouched key got $r"
                                fi
                        done <"$K/auth.log"
                fi
                r=$(pam_result kill root "$canary")
                [ "$r" = PAM_SUCCESS ] || violation "the untouched key after restart: $r"
                if [ $((it % 25)) -eq 0 ]; then
                        ctl audit --verify >/dev/null 2>&1 ||
                                violation "audit --verify: $(ctl audit --verify 2>&1 | tail -1)"
                fi
        done
        elapsed=$(($(date +%s) - t_start))
        echo "# kill -9: $cycles cycles in ${elapsed} s; $acked changes acknowledged, $naked not (cut short by the" \
                "kill or refused after it): $applied of them applied all the same and $strays keys created or rotated" \
                "without an acknowledgement; $revocations revocations checked through PAM, $auth_checks logins during" \
                "the cycles"
        check "kill -9 cycles run: $cycles (of $iterations, budget ${budget} s)" \
                test "$cycles" -ge $((iterations < 20 ? iterations : 20))
        check "changes were made and acknowledged between the kills ($acked)" test "$acked" -gt "$cycles"
        expect_eq "after each kill -9: integrity ok, acknowledged changes kept, others whole or absent, no revoked key back" \
                "${#bad[@]}" 0
        for v in "${bad[@]:0:10}"; do echo "#   $v"; done
        check "the audit chain verifies after all the kills" ctl audit --verify
        stop_daemon
fi

###############################################################################
# 5. Allocation and I/O failures (LD_PRELOAD tests/faults/failmalloc.c).
if part alloc; then
        if [ -n "$asan" ]; then
                skip "injected allocation failures" "under ASan: an LD_PRELOAD malloc cannot sit beside ASan's"
                exit 0
        fi
        shim=$BUILD/tests/failmalloc.so
        if [ ! -f "$shim" ]; then
                shim=$T/bin/failmalloc.so
                cc -std=gnu11 -O2 -g -D_GNU_SOURCE -fPIC -shared -o "$shim" tests/faults/failmalloc.c -ldl ||
                        { not_ok "cannot build tests/faults/failmalloc.c"; exit 1; }
        fi
        soakload=$BUILD/tests/soakload
        if [ ! -x "$soakload" ]; then
                soakload=$T/bin/soakload
                cc -std=gnu11 -O2 -D_GNU_SOURCE -Icommon -o "$soakload" tests/faults/soakload.c \
                        common/key.c common/wire.c common/proto.c common/transport.c ||
                        { not_ok "cannot build tests/faults/soakload.c"; exit 1; }
        fi

        # 5a. The module, inside the PAM driver: the Nth allocation (or I/O call)
        # fails, for every N of a whole login, with the right key and a wrong one.
        # FAILMALLOC_WARM_NSS: like sshd or sudo, the host has used NSS before
        # pam_apikey runs (glibc 2.36 itself crashes when its first NSS use runs
        # out of memory: nss_database.c:291 and :402).
        start_daemon --rate-limit-burst 0
        good=$(create_key "$alice")
        wrong=$("$T/bin/keytool" wrong-secret "$good")
        fm_pam() { # fm_pam KEY VAR=VALUE...: prints "RC AUTHENTICATE LIVE"
                local key=$1 out rc
                shift
                out=$(env "$@" FAILMALLOC_WARM_NSS=1 FAILMALLOC_REPORT=1 LD_PRELOAD="$shim" APIKEY_TEST_ANSWER="$key" \
                        "$T/bin/pam_driver" --confdir "$T/pam" --service apikey --user "$alice" --acct 2>&1)
                rc=$?
                echo "$rc $(sed -n 's/^authenticate=//p' <<<"$out" | head -1)" \
                        "$(sed -n 's/.*failmalloc: .* live=\([0-9-]*\).*/\1/p' <<<"$out")"
        }
        read -r rc res base_live <<<"$(fm_pam "$good" FAILMALLOC_NTH=0)"
        expect_eq "under the shim, no failure: PAM_SUCCESS" "$res" PAM_SUCCESS
        calls=$(env FAILMALLOC_WARM_NSS=1 FAILMALLOC_REPORT=1 FAILMALLOC_IO=1 LD_PRELOAD="$shim" \
                APIKEY_TEST_ANSWER="$good" "$T/bin/pam_driver" --confdir "$T/pam" --service apikey --user "$alice" \
                --acct 2>&1 | sed -n 's/.*failmalloc: calls=\([0-9]*\).*/\1/p')
        check "a login makes $calls allocation and I/O calls" test "${calls:-0}" -gt 50
        runs=0 crashes=() wrong_ok=() leaks=()
        fm_run() { # fm_run LABEL KEY WANT_BAD VAR=VALUE...
                local label=$1 key=$2 is_wrong=$3 rc res live
                shift 3
                read -r rc res live <<<"$(fm_pam "$key" "$@")"
                runs=$((runs + 1))
                [ "$rc" -ge 128 ] && crashes+=("$label $* (status $rc)")
                [ "$is_wrong" = 1 ] && [ "$res" = PAM_SUCCESS ] && wrong_ok+=("$label $*")
                # PAM_MODULE_UNKNOWN: the failure hit libpam's dlopen() of the
                # module, which never ran; glibc keeps that dlerror() message
                # allocated until the next dl call, which is not ours to free.
                [ "$res" != PAM_MODULE_UNKNOWN ] && [ "${live:-0}" -gt "$base_live" ] &&
                        leaks+=("$label $* (live $live > $base_live)")
                return 0
        }
        for n in $(seq 1 $((calls + 2))); do
                for io in 0 1; do
                        fm_run right "$good" 0 FAILMALLOC_NTH="$n" FAILMALLOC_IO="$io"
                        fm_run wrong "$wrong" 1 FAILMALLOC_NTH="$n" FAILMALLOC_IO="$io"
                done
        done
        for seed in $(seq 1 50); do
                for every in 5 30; do
                        fm_run right "$good" 0 FAILMALLOC_EVERY="$every" FAILMALLOC_SEED="$seed" FAILMALLOC_IO=1
                        fm_run wrong "$wrong" 1 FAILMALLOC_EVERY="$every" FAILMALLOC_SEED="$seed" FAILMALLOC_IO=1
                done
        done
        echo "# module: $runs logins with one failed call at each point, or one in 5/30 at random"
        expect_eq "module: a wrong key is never accepted, whatever fails" "${#wrong_ok[@]}" 0
        for v in "${wrong_ok[@]:0:5}"; do echo "#   $v"; done
        expect_eq "module: never a crash (status >= 128)" "${#crashes[@]}" 0
        for v in "${crashes[@]:0:5}"; do echo "#   $v"; done
        expect_eq "module: nothing more left allocated at exit than without failures ($base_live)" "${#leaks[@]}" 0
        for v in "${leaks[@]:0:5}"; do echo "#   $v"; done
        expect_eq "the daemon is fine after all that" "$(pam_result apikey "$alice" "$good")" PAM_SUCCESS
        bob=$(add_user bob)
        printf '%s %s active\n' "$alice" "$good" "$alice" "$(create_key "$alice")" "$bob" "$(ctl_as "$bob" create)" \
                >"$T/keys"
        stop_daemon

        # 5b. The daemon: after READY (armed by SIGUSR2), one call in K fails while
        # soakload sends good and bad logins, malformed records and changes. No
        # crash, no wrong key accepted, nothing leaked by its own code, and all is
        # well again once the failures stop.
        for round in "1000 1 0" "100 2 0" "25 3 0" "100 4 1" "20 5 1"; do
                read -r every seed io <<<"$round"
                label="1 in $every calls$([ "$io" = 1 ] && echo ', I/O too'), seed $seed"
                FAILMALLOC_ARM=usr2 FAILMALLOC_EVERY=$every FAILMALLOC_SEED=$seed FAILMALLOC_IO=$io \
                        FAILMALLOC_REPORT=1 FAILMALLOC_TRACK=1 LD_PRELOAD=$shim \
                        "$T/bin/apikeyd" --db "$T/state/keys.db" --listen-dir "$T/run" --admin-group "$ADMIN_GROUP" \
                        --rate-limit-burst 0 >"$T/failing.log" 2>&1 &
                DAEMON_PID=$!
                wait_for_socket "$CTL_SOCK"
                kill -USR2 "$DAEMON_PID"
                "$soakload" --auth "$AUTH_SOCK" --control "$CTL_SOCK" --keys "$T/keys" --daemon-pid "$DAEMON_PID" \
                        --requests 3000 --workers 2 --seed "$seed" --control-every 20 --sample-ms 1000 --warmup 0 \
                        >"$T/failing.out" 2>&1
                rc=$?
                kill -USR2 "$DAEMON_PID" 2>/dev/null # failures stop
                res=$(sed -n 's/^result \(requests.*\) seconds.*/\1/p' "$T/failing.out")
                echo "# daemon, $label: ${res:-no result}"
                if kill -0 "$DAEMON_PID" 2>/dev/null; then
                        ok "daemon ($label): alive after 3000 requests"
                else
                        not_ok "daemon ($label): alive after 3000 requests"
                        echo "#   reproduce: FAILMALLOC_ARM=usr2 FAILMALLOC_EVERY=$every FAILMALLOC_SEED=$seed" \
                                "FAILMALLOC_IO=$io LD_PRELOAD=$shim apikeyd ..., then kill -USR2 it; its log ends:"
                        tail -5 "$T/failing.log" | sed 's/^/#   /'
                fi
                expect_eq "… never granted a wrong key, a disabled or deleted one (soakload status $rc)" \
                        "$(sed -n 's/^result .*granted_wrongly=\([0-9]*\).*/\1/p' "$T/failing.out")" 0
                sleep 1.2 # a flush without failures
                expect_eq "… failures over: the right key logs in" "$(pam_result apikey "$alice" "$good")" PAM_SUCCESS
                expect_eq "… a wrong one does not" "$(pam_result apikey "$alice" "$wrong")" PAM_AUTH_ERR
                check "… changes work again" test -n "$(create_key "$alice")"
                stop_daemon
                check "… it exited cleanly and reported its allocations" grep -q "failmalloc: calls=" "$T/failing.log"
                own=$(grep -E "failmalloc: [0-9]+ live from .*\((.*/apikeyd|.*lib(sqlite3|systemd|sodium).*)\)" \
                        "$T/failing.log")
                expect_eq "… no block allocated by apikeyd, SQLite, libsystemd or libsodium is left at exit" "$own" ""
                if grep -qE "Assertion|Aborting|Segmentation" "$T/failing.log"; then
                        not_ok "… no assertion or crash in its log:"
                        grep -E "Assertion|Aborting|Segmentation" "$T/failing.log" | head -5
                fi
                cat "$T/failing.log" >>"$T/daemon.log"
        done
        expect_eq "PRAGMA integrity_check after the failures" \
                "$(sqlite3 "$T/state/keys.db" 'PRAGMA integrity_check')" ok
fi
