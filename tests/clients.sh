# clients.sh - set-up for the tests that log in through real programs from
# Debian's archive (sshd, sudo, su, nginx) with the built module and the real
# daemon. Source it instead of lib.sh:  . "$(dirname "$0")/../clients.sh"
#
# Each such test re-executes itself in a private mount namespace
# (unshare --mount). There /etc/pam.d is a copy of the host's with the test's
# services added or changed, and /etc/sudoers may be replaced, by bind mounts
# that vanish with the namespace: no file of the host's is modified, and a
# killed test leaves no PAM service behind. The stacks and config lines come
# from README.md's snippets (scripts/snippet), so the docs are what is tested.
BUILD=${BUILD:-build}
# sshd, sudo, su and nginx are not built with ASan; an ASan-built module
# cannot be loaded into them (the runtime must come first; setuid sudo and su
# ignore LD_PRELOAD).
if readelf -d "$BUILD/pam_apikey.so" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
        echo "ok - $(basename "$0") # SKIP under ASan: it loads the module into programs not built with ASan"
        exit 0
fi
if [ -z "${APIKEY_TEST_NAMESPACE:-}" ]; then
        [ "$(id -u)" -eq 0 ] || { echo "not ok - integration tests must run as root"; exit 1; }
        APIKEY_TEST_NAMESPACE=1 exec unshare --mount --propagation private -- "$BASH" "$0" "$@"
fi
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# require PATH...: the programs a test runs; missing ones fail it, with the fix.
require() {
        local p missing=
        for p in "$@"; do [ -e "$p" ] || missing="$missing $p"; done
        [ -z "$missing" ] && return 0
        not_ok "missing:$missing (scripts/install-deps installs the packages)"
        exit 1
}

SERVER_PIDS=()
MOUNTS=()

client_cleanup() {
        local pid m
        for pid in "${SERVER_PIDS[@]}"; do stop_server "$pid"; done
        for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
}
trap 'client_cleanup; cleanup' EXIT

# bind FILE-OR-DIR TARGET: bind-mounts over TARGET in this namespace only.
bind() {
        mount --bind "$1" "$2" || { not_ok "cannot bind-mount $1 over $2"; exit 1; }
        MOUNTS+=("$2")
}

# The private /etc/pam.d: a copy of the host's, so its includes still work.
mkdir -p "$T/pam.d"
cp -a /etc/pam.d/. "$T/pam.d/"
bind "$T/pam.d" /etc/pam.d

# snippet NAME: README.md's block NAME.
snippet() { scripts/snippet "$1"; }

# pam_snippet NAME: README.md's PAM block NAME with the built module by
# absolute path, talking to the test daemon.
pam_snippet() {
        snippet "$1" | sed "/^[[:space:]]*#/!s|pam_apikey\.so|$T/bin/pam_apikey.so socket=$AUTH_SOCK|"
}

# pam_file SERVICE SNIPPET: /etc/pam.d/SERVICE (the private one) is the snippet.
pam_file() {
        pam_snippet "$2" >"/etc/pam.d/$1" || { not_ok "README.md has no snippet $2"; exit 1; }
}

# pam_replace_common_auth SERVICE SNIPPET: the host's stack for SERVICE with
# its "@include common-auth" line replaced by the snippet, as the README says.
pam_replace_common_auth() {
        local service=$1 lines
        lines=$(pam_snippet "$2") || { not_ok "README.md has no snippet $2"; exit 1; }
        grep -qx '@include common-auth' "/etc/pam.d/$service" ||
                { not_ok "/etc/pam.d/$service has no '@include common-auth' line to replace"; exit 1; }
        awk -v lines="$lines" '$0 == "@include common-auth" { print lines; next } { print }' \
                "/etc/pam.d/$service" >"$T/pam.d/$service.new"
        mv "$T/pam.d/$service.new" "/etc/pam.d/$service"
}

# as_user USER CMD...: CMD as USER with USER's groups (not a login).
as_user() {
        local user=$1; shift
        setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "$@"
}

# free_port: a loopback TCP port nothing listens on.
free_port() {
        local port
        for _ in $(seq 1 50); do
                port=$((20000 + RANDOM % 40000))
                if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                        echo "$port"
                        return 0
                fi
        done
        not_ok "no free loopback port found"
        exit 1
}

# wait_for_pidfile FILE PID LOG: until the server PID has written its pid
# file FILE (sshd and nginx do once they listen), at most 5 s; else the test
# fails, showing LOG.
wait_for_pidfile() {
        for _ in $(seq 1 100); do
                [ -s "$1" ] && return 0
                kill -0 "$2" 2>/dev/null || break
                sleep 0.05
        done
        not_ok "the server did not start; log:"
        tail -20 "$3"
        exit 1
}

# start_server LOG CMD...: CMD in the background (in the foreground mode of
# the server), stopped by the trap; sets SERVER_PID.
start_server() {
        local log=$1; shift
        "$@" >>"$log" 2>&1 &
        SERVER_PID=$!
        SERVER_PIDS+=("$SERVER_PID")
}

# stop_server PID: SIGTERM, a bounded wait, then SIGKILL.
stop_server() {
        kill "$1" 2>/dev/null || return 0
        for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        return 0
}

# last_service ID: the PAM service of the key's last successful login.
last_service() { ctl_as root --json show "$1" | jq -r .last_used_service; }
