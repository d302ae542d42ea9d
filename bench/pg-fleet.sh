#!/bin/bash
# pg-fleet.sh - the PostgreSQL fleet store of apikey-bench --pg: a private
# cluster (as tests/pg_lib.sh starts one: initdb as the postgres user in
# DIR, listening only on a Unix socket in DIR/sock, fsync off), the fleet
# schema (apikeyctl fleet init --key-file DIR/fleet.key) and two hosts, h1
# and h2, in the group "all".
#
#   pg-fleet.sh start DIR BUILD   prints one line per host: NAME URI
#   pg-fleet.sh stop DIR          pg_ctl stop -m immediate (DIR stays)
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_PORT=5432
cmd=${1:?usage: pg-fleet.sh start DIR BUILD | stop DIR}
dir=${2:?usage: pg-fleet.sh start DIR BUILD | stop DIR}

pg_as() {
        (cd "$dir" && timeout 120 runuser -u postgres -- "$@")
}

uri() { # ROLE
        printf 'postgresql:///fleet?host=%s/sock&port=%s&user=%s\n' "$dir" "$PG_PORT" "$1"
}

case $cmd in
start)
        build=${3:?usage: pg-fleet.sh start DIR BUILD}
        if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
                echo "pg-fleet.sh: no PostgreSQL server (apt-get install postgresql)" >&2
                exit 1
        fi
        mkdir -p "$dir/sock"
        chown postgres: "$dir" "$dir/sock"
        chmod 0755 "$dir" "$dir/sock"
        pg_as "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
                >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
        pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
                -o "-k $dir/sock -p $PG_PORT -c listen_addresses='' -c fsync=off" >/dev/null ||
                { tail -n 20 "$dir/server.log" >&2; exit 1; }
        psql=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$(uri postgres | sed 's|/fleet?|/postgres?|')")
        timeout 30 "${psql[@]}" -c 'CREATE ROLE fleetowner LOGIN CREATEROLE' >/dev/null
        timeout 30 "${psql[@]}" -c 'CREATE DATABASE fleet OWNER fleetowner' >/dev/null
        timeout 60 "$build/apikeyctl" fleet --db "$(uri fleetowner)" init --key-file "$dir/fleet.key" >/dev/null
        for h in h1 h2; do
                timeout 60 "$build/apikeyctl" fleet --db "$(uri fleetowner)" add-host "$h" --group all >/dev/null
                echo "$h $(uri "apikeyd_$h")"
        done
        ;;
stop)
        [ -d "$dir/data" ] || exit 0
        pg_as "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
        ;;
*)
        echo "usage: pg-fleet.sh start DIR BUILD | stop DIR" >&2
        exit 2
        ;;
esac
