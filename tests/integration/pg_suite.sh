#!/bin/bash
# pg_suite.sh - key-model and hardening tests that make sense for a shared
# store, run again against the fleet's PostgreSQL store (issue 11): the same
# scripts, with APIKEY_TEST_DB=pg (tests/lib.sh), each on a fresh fleet
# database in a private cluster. Their ok / not ok lines pass through, so
# tests/run counts them; a script that dies without a verdict is a failure.
# Scripts that read or change keys.db themselves (integrity, migration,
# storage_faults, ...) are SQLite-only and are not listed.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/pg_lib.sh"
pg_require "the key-model tests against PostgreSQL"

# The default keeps CI short; PG_SUITE="auth permissions control keykinds
# lifecycle" runs every script that passes against PostgreSQL.
SCRIPTS=${PG_SUITE:-"keykinds permissions"}
failed=0
for s in $SCRIPTS; do
        out=$(APIKEY_TEST_DB=pg timeout 600 bash "$ROOT/tests/integration/$s.sh" 2>&1)
        rc=$?
        sed -n "s/^\(not ok\|ok\) - /\1 - [pg $s] /p" <<<"$out"
        if [ "$rc" -ne 0 ] && ! grep -q "^not ok" <<<"$out"; then
                echo "not ok - [pg $s] exited with status $rc:"
                tail -n 20 <<<"$out" | sed 's/^/#   /'
                failed=1
        fi
        grep -q "^not ok" <<<"$out" && failed=1
done
exit "$failed"
