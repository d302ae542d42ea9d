#!/bin/bash
# fuzz_smoke.sh - a short pass of every libFuzzer harness (tests/fuzz/run.sh,
# FUZZ_SMOKE_SECONDS each, 10 by default) and a replay of the saved crash
# reproducers. `make fuzz` runs the same for longer. Skipped without clang
# and libFuzzer (Debian: clang libclang-rt-14-dev), and in the sanitizer pass
# of tests/run: the harnesses carry their own ASan and UBSan.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.." || exit 2

case $BUILD in
*/asan)
        echo "ok - fuzz smoke # SKIP in the sanitizer pass (the harnesses are sanitized already)"
        exit 0
        ;;
esac
CC_FUZZ=${FUZZ_CC:-clang}
probe=$(mktemp -d /tmp/apikey-fuzz-probe.XXXXXX) || exit 2
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' \
        >"$probe/probe.c"
if ! command -v "$CC_FUZZ" >/dev/null 2>&1 ||
        ! "$CC_FUZZ" -fsanitize=fuzzer,address,undefined -o "$probe/probe" "$probe/probe.c" >/dev/null 2>&1; then
        echo "ok - fuzz smoke # SKIP $CC_FUZZ cannot build a libFuzzer target (install clang libclang-rt-14-dev)"
        exit 0
fi
BUILD=$BUILD FUZZ_SECONDS=${FUZZ_SMOKE_SECONDS:-10} FUZZ_CC=$CC_FUZZ tests/fuzz/run.sh
