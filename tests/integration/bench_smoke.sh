#!/bin/bash
# bench_smoke.sh - the benchmark runs end to end at tiny sizes (a few seconds)
# and writes the JSON it promises, so it does not rot. No timing is judged
# here: machines differ, and `make bench` is where the figures are read.
# Correctness is: every login got the answer it should, and a disabled key
# was never accepted after `apikeyctl disable` returned.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2
[ "$(id -u)" -eq 0 ] || { echo "not ok - the benchmark smoke test must run as root"; exit 1; }

BENCH=$BUILD/bench/apikey-bench
if [ ! -x "$BENCH" ]; then
        case $BUILD in
        *asan) echo "ok - benchmark smoke # SKIP under ASan ($BENCH is not built there)"; exit 0 ;;
        esac
        echo "not ok - $BENCH is not built (make tests)"
        exit 1
fi

OUT=$(mktemp -d /tmp/apikey-bench-smoke.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
JSON=$OUT/bench.json

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
# jcheck DESCRIPTION JQ-FILTER: passes when the filter is true of the JSON.
jcheck() {
        if jq -e "$2" "$JSON" >/dev/null 2>&1; then ok "$1"; else not_ok "$1 ($2)"; fi
}

ROWS="echo pam_permit floor module_echo apikey_valid apikey_invalid apikey_valid_small pam_unix"
SKIP=
case $BUILD in
*asan)
        # ASan resolves its crypt_r() interceptor at start-up, before libpam
        # loads pam_unix.so and libcrypt: pam_unix then calls a null pointer.
        SKIP=pam_unix
        ROWS=${ROWS% pam_unix}
        echo "ok - pam_unix row # SKIP under ASan"
        ;;
esac

# The PostgreSQL fleet store's rows too, tiny (200 keys), where a server is
# installed (CI installs one): a private cluster, stopped at exit.
PG=
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        PG="--pg=bench/pg-fleet.sh"
        ROWS="$ROWS pg_valid"
else
        echo "ok - PostgreSQL rows # SKIP no PostgreSQL"
fi

"$BENCH" --build "$BUILD" --out "$JSON" --keys 1000 --small-keys 100 --list-keys 200 --seconds 0.3 \
        --clients 1,4 --creates 2 ${SKIP:+--skip "$SKIP"} $PG --pg-keys 200 --quiet \
        >"$OUT/table.txt" 2>"$OUT/stderr.txt"
rc=$?
if [ "$rc" -eq 0 ]; then
        ok "apikey-bench exits 0"
else
        not_ok "apikey-bench exited with $rc; its stderr:"
        grep -v " apikeyd\[[0-9]*\]: " "$OUT/stderr.txt" | tail -20
fi
if grep -q "^row " "$OUT/table.txt" && grep -q "ratios and targets" "$OUT/table.txt"; then
        ok "it prints the table and the targets"
else
        not_ok "no table on stdout"
fi
if jq empty "$JSON" 2>/dev/null; then ok "$JSON is valid JSON"; else not_ok "no valid JSON written"; exit 1; fi

for row in $ROWS; do
        jcheck "row $row: cells for 1 and 4 clients, each with operations" \
                "[.rows[] | select(.name == \"$row\") | .cells[] | select(.ops > 0) | .clients] == [1, 4]"
        jcheck "row $row: no wrong answer (a valid key refused, an invalid one accepted)" \
                "[.rows[] | select(.name == \"$row\") | .cells[] | .unexpected] == [0, 0]"
        jcheck "row $row: every login answered" \
                "all(.rows[] | select(.name == \"$row\") | .cells[]; .errors == 0)"
        jcheck "row $row: latency and throughput figures" \
                "[.rows[] | select(.name == \"$row\") | .cells[] | .p50_us > 0 and .p99_us >= .p50_us and .throughput > 0] == [true, true]"
done
jcheck "the large store: 1000 keys, its build time and size" \
        '.store.large.keys == 1000 and .store.large.seconds > 0 and .store.large.bytes_per_key > 0'
jcheck "the scaling row's store: 100 keys" '.store.small.keys == 100'
jcheck "the scaling pair: one client alternated between both stores, each login answered" \
        '.scaling.measured and .scaling.slices == 8 and .scaling.large_logins > 0 and .scaling.small_logins > 0
         and .scaling.large_p50_us > 0 and .scaling.small_p50_us > 0
         and .ratios.latency_large_over_small_store == .scaling.ratio'
jcheck "daemon memory measured" '.daemon.measured and .daemon.rss_kib > 0 and .daemon.exit_status == 0'
jcheck "apikeyctl create timed twice" '.control.measured and .control.creates == 2 and .control.create_ms_p50 > 0'
jcheck "apikeyctl list --all --json listed all 200 keys" '.control.list_measured and .control.list_keys == 200'
jcheck "cold start: the first login through socket activation succeeded" \
        '.cold_start.measured and .cold_start.pam_result == 0 and .cold_start.first_auth_ms > 0'
jcheck "revocation: no login with the key succeeded after disable returned" \
        '.revocation.measured and .revocation.successes_after_disable == 0 and .revocation.errors == 0'
jcheck "revocation: the key was refused after disable" '.revocation.refused_after > 0'
if [ -n "$PG" ]; then
        jcheck "PostgreSQL: 200 keys inserted as a fleet host" '.pg.build_measured and .pg.keys == 200'
        jcheck "PostgreSQL: no login through h2 succeeded after disable returned on h1" \
                '.pg.revocation_measured and .pg.successes_after_disable == 0 and .pg.errors == 0'
        jcheck "PostgreSQL: the key was refused on h2 after disable on h1" '.pg.refused_after > 0'
        jcheck "PostgreSQL: its median over SQLite's reported" '.pg.latency_pg_over_sqlite > 0'
fi
jcheck "ratios reported" '.ratios | has("latency_apikey_over_floor") and has("throughput_apikey_over_floor")'
jcheck "targets reported with a value and a verdict" \
        '(.targets | length) >= 8 and all(.targets[]; has("value") and (.ok | type) == "boolean")'
exit 0
