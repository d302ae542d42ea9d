# pg_lib.sh - a private PostgreSQL cluster for a test, sourced after
# tests/lib.sh (or alone). The cluster listens only on a Unix socket in its
# own temporary directory (no TCP), runs as the postgres user (initdb refuses
# root) and is stopped, and its directory removed, when the test exits.
#
#   pg_require DESCRIPTION   no PostgreSQL here: "ok - DESCRIPTION # SKIP", exit 0
#   pg_start                 initdb (once) and start; trust auth on the socket only
#   pg_stop                  pg_ctl stop -m immediate (the data stays for pg_start)
#   pg_uri ROLE [DB]         a libpq URI for ROLE on the socket (DB: $PG_DB)
#   pg_sql ROLE SQL [DB]     runs SQL as ROLE with psql, ON_ERROR_STOP; prints rows unaligned
#                            ($PG_BIN/psql: Debian's /usr/bin/psql is a Perl wrapper, slower)
#   pg_createdb DB OWNER     a LOGIN CREATEROLE role OWNER and a database DB it owns
#
# PG_DIR is the cluster's directory, PG_SOCK its socket directory, PG_LOG
# its server log (added to DIAG_LOGS when lib.sh is in use).
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PG_DIR=
PG_SOCK=
PG_LOG=
PG_PORT=${PG_PORT:-5432}
PG_DB=${PG_DB:-fleet}
PG_STARTED=

pg_require() {
        if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/psql" ]; then
                echo "ok - $1 # SKIP no PostgreSQL"
                exit 0
        fi
}

# pg_as CMD...: runs a PostgreSQL binary as the postgres user, from a
# directory it can read, bounded in time.
pg_as() {
        (cd "$PG_DIR" && timeout 60 runuser -u postgres -- "$@")
}

pg_start() {
        if [ -z "$PG_DIR" ]; then
                PG_DIR=$(mktemp -d /tmp/apikey-pg.XXXXXX) || return 1
                PG_SOCK=$PG_DIR/sock
                PG_LOG=$PG_DIR/server.log
                mkdir -p "$PG_SOCK"
                chown postgres: "$PG_DIR" "$PG_SOCK"
                chmod 0755 "$PG_DIR" "$PG_SOCK"
                declare -p DIAG_LOGS >/dev/null 2>&1 && DIAG_LOGS+=("$PG_LOG")
                pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
                        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
        fi
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_LOG" -w -t 30 start \
                -o "-k $PG_SOCK -p $PG_PORT -c listen_addresses='' -c fsync=off" >/dev/null || {
                tail -n 20 "$PG_LOG" >&2
                return 1
        }
        PG_STARTED=1
}

pg_stop() {
        [ -n "$PG_STARTED" ] || return 0
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1
        PG_STARTED=
}

pg_uri() {
        printf 'postgresql:///%s?host=%s&port=%s&user=%s\n' "${2:-$PG_DB}" "$PG_SOCK" "$PG_PORT" "$1"
}

pg_sql() {
        timeout 30 "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$(pg_uri "$1" "${3:-$PG_DB}")" -c "$2"
}

pg_createdb() {
        pg_sql postgres "CREATE ROLE \"$2\" LOGIN CREATEROLE" postgres &&
                pg_sql postgres "CREATE DATABASE \"$1\" OWNER \"$2\"" postgres
}

pg_cleanup() {
        pg_stop
        [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
        PG_DIR=
}

# Stop the cluster before lib.sh's cleanup (or alone).
if declare -F cleanup >/dev/null; then
        trap 'pg_cleanup; cleanup' EXIT
else
        trap pg_cleanup EXIT
fi
