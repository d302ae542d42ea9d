#!/bin/bash
# tests/fuzz/run.sh - builds the libFuzzer harnesses (tests/fuzz/fuzz.mk) and
# runs each for FUZZ_SECONDS on a temporary copy of its seed corpus
# (tests/fuzz/corpus/NAME; the committed corpus never grows by itself), after
# replaying every saved reproducer in tests/fuzz/crashes/ against its
# harness. A crash, leak, timeout or out-of-memory is copied to
# tests/fuzz/crashes/NAME-HASH and fails the run.
#
#   BUILD=build          harnesses go to $BUILD/fuzz/
#   FUZZ_SECONDS=60      per harness (0: build, replay, run the seeds once)
#   FUZZ_JOBS=N          harnesses run at once (default: the number of CPUs)
#   FUZZ_ONLY="key reply"  only these harnesses
#   FUZZ_CC=clang
#
# Prints one "ok - ..." or "not ok - ..." line per harness and per
# reproducer (tests/run counts them); exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
FUZZ_CC=${FUZZ_CC:-clang}
OUT=$BUILD/fuzz
FUZZ_DIR=tests/fuzz
failed=0

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failed=1; }

case $FUZZ_SECONDS in '' | *[!0-9]*) echo "not ok - FUZZ_SECONDS must be a whole number, not '$FUZZ_SECONDS'"; exit 2 ;; esac

T=$(mktemp -d /tmp/apikey-fuzz.XXXXXX) || exit 2
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# Biggest input per harness: past WIRE_MAX_MSG for the codec, a few times a
# key or a command line for the rest.
max_len() {
        case $1 in
        request | reply) echo 8192 ;;
        ctl_reply) echo 16384 ;;
        key) echo 256 ;;
        *) echo 4096 ;;
        esac
}

# Not the variables of a calling make (make fuzz SANITIZE=1 V=1): fuzz.mk has its own flags.
unset MAKEFLAGS MFLAGS MAKELEVEL
if ! out=$(make --no-print-directory -s -f $FUZZ_DIR/fuzz.mk -j"$FUZZ_JOBS" BUILD="$BUILD" FUZZ_CC="$FUZZ_CC" 2>&1); then
        printf '%s\n' "$out" | tail -40
        not_ok "fuzz: building the harnesses with $FUZZ_CC failed"
        exit 1
fi
all=$(make --no-print-directory -s -f $FUZZ_DIR/fuzz.mk list)
harnesses=${FUZZ_ONLY:-$all}

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# summary LOG: what a failure says, without libFuzzer's own frames.
summary() {
        grep -E 'property does not hold|ERROR: |runtime error|SUMMARY: |^    #[0-9]+ .* in [^ ]+ /' "$1" |
                grep -v -E 'fuzzer::|in (main|__libc[a-z_]*|_start) ' | head -20
}

# signature LOG: one line naming the failure, to tell a known bug from a new
# one: the failed property, else a sanitizer's summary with a source
# location, else the first frame in the project's code.
signature() {
        local sig
        sig=$(grep -m1 'property does not hold' "$1")
        [ -n "$sig" ] || sig=$(grep -m1 -E '^SUMMARY: .*\.c:[0-9]+' "$1")
        [ -n "$sig" ] || sig=$(grep -E '^    #[0-9]+ .* in [^ ]+ /' "$1" | grep -v -E 'fuzzer::|__sanitizer|in fuzz_fail ' |
                head -1 | sed 's/^ *#[0-9]* 0x[0-9a-f]* //')
        printf '%s\n' "$sig"
}

# Saved reproducers first: each must now run clean.
for f in "$FUZZ_DIR"/crashes/*; do
        [ -f "$f" ] || continue
        name=$(basename "$f")
        [ "$name" = README.md ] && continue
        name=${name%%-*}
        if [ ! -x "$OUT/fuzz_$name" ]; then
                not_ok "fuzz regression $f: no harness fuzz_$name"
        elif "$OUT/fuzz_$name" -runs=1 -rss_limit_mb=1024 -timeout=10 "$f" >"$T/replay.log" 2>&1; then
                ok "fuzz regression $f"
        else
                summary "$T/replay.log"
                sig=$(signature "$T/replay.log")
                [ -n "$sig" ] && printf '%s\t%s\n' "$sig" "$f" >>"$T/known-$name"
                not_ok "fuzz regression $f: fuzz_$name still fails on it"
        fi
done

# fuzz_one NAME: one harness; its log in $T/NAME.log, its result line in $T/NAME.result.
fuzz_one() {
        local name=$1 work=$T/$1 rc runs secs limit sig known
        mkdir -p "$work/corpus" "$work/artifacts"
        [ -d "$FUZZ_DIR/corpus/$name" ] && cp "$FUZZ_DIR/corpus/$name"/* "$work/corpus/" 2>/dev/null
        # FUZZ_SECONDS=0: only the seeds, once (libFuzzer's 0 would mean no limit).
        if [ "$FUZZ_SECONDS" -eq 0 ]; then limit=-runs=0; else limit=-max_total_time=$FUZZ_SECONDS; fi
        "$OUT/fuzz_$name" "$work/corpus" "$limit" -timeout=10 -rss_limit_mb=1024 \
                -max_len="$(max_len "$name")" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
                >"$T/$name.log" 2>&1
        rc=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$name.log" | tail -1)
        [ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$T/$name.log" | tail -1)
        secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$T/$name.log" | tail -1)
        if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$work/artifacts")" ]; then
                echo "ok - fuzz $name: ${runs:-?} runs in ${secs:-$FUZZ_SECONDS} s, no crash" >"$T/$name.result"
                return
        fi
        {
                summary "$T/$name.log"
                grep -q . <(summary "$T/$name.log") || tail -30 "$T/$name.log"
                sig=$(signature "$T/$name.log")
                known=$([ -n "$sig" ] && [ -f "$T/known-$name" ] && grep -F -m1 "$sig" "$T/known-$name" | cut -f2)
                [ -n "$known" ] && echo "# the same failure as $known: not saved again"
                for a in "$work/artifacts"/*; do
                        [ -f "$a" ] && [ -z "$known" ] || continue
                        dest=$FUZZ_DIR/crashes/$name-$(sha1sum "$a" | cut -c1-16)
                        mkdir -p "$FUZZ_DIR/crashes"
                        cp "$a" "$dest"
                        echo "# reproducer ($(basename "$a" | cut -d- -f1)) saved as $dest;" \
                                "replay with: $OUT/fuzz_$name $dest"
                done
                echo "not ok - fuzz $name: exit status $rc after ${runs:-?} runs (log above)"
        } >"$T/$name.result"
}

running=0
for name in $harnesses; do
        if [ ! -x "$OUT/fuzz_$name" ]; then
                not_ok "fuzz $name: no such harness (have: $all)"
                continue
        fi
        fuzz_one "$name" &
        running=$((running + 1))
        if [ "$running" -ge "$FUZZ_JOBS" ]; then
                wait -n
                running=$((running - 1))
        fi
done
wait

for name in $harnesses; do
        [ -f "$T/$name.result" ] || continue
        cat "$T/$name.result"
        grep -q '^not ok ' "$T/$name.result" && failed=1
done
exit "$failed"
