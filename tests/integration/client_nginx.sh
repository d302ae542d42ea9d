#!/bin/bash
# client_nginx.sh - nginx with libnginx-mod-http-auth-pam on a loopback port:
# README.md's PAM service (key only) and location block, curl with HTTP Basic
# auth. PAM runs in nginx's worker process, as www-data.
. "$(dirname "$0")/../clients.sh"
require /usr/sbin/nginx /usr/lib/nginx/modules/ngx_http_auth_pam_module.so /usr/bin/curl

alice=$(add_user alice)
bob=$(add_user bob)
deploy=$(add_user deploy)
start_daemon

service=nginx-apikey
pam_file "$service" nginx-pam

N=$T/nginx
mkdir -p "$N/html/api" "$N/tmp"
chmod -R a+rX "$N"
echo "the protected resource" >"$N/html/api/index.html"
port=$(free_port)
cat >"$N/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_http_auth_pam_module.so;
user www-data;
worker_processes 1;
daemon off;
pid $N/nginx.pid;
error_log $N/error.log info;
events { worker_connections 64; }
http {
    access_log $N/access.log;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $N/html;
        add_header X-Remote-User \$remote_user always;
$(snippet nginx-location | sed 's/^/        /')
    }
}
EOF
check "nginx accepts the README's location block (nginx -t)" nginx -q -t -e "$N/error.log" -p "$N" -c "$N/nginx.conf"
start_server "$N/nginx.out" nginx -e "$N/error.log" -p "$N" -c "$N/nginx.conf"
wait_for_pidfile "$N/nginx.pid" "$SERVER_PID" "$N/error.log"
url=http://127.0.0.1:$port/api/

# status [CURL ARGS...]: the HTTP status of GET $url.
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$@" "$url"; }

key=$(ctl_as "$alice" create --service "$service" --name nginx)
id=$(key_id "$key")
(umask 077; printf 'user = "%s:%s"\n' "$alice" "$key" >"$T/curl-alice") # keeps the key off curl's command line
expect_eq "alice's $service key: 200" "$(status -K "$T/curl-alice")" 200
expect_eq "… with the page" "$(curl -s --max-time 20 -K "$T/curl-alice" "$url")" "the protected resource"
expect_eq "… as \$remote_user alice" \
        "$(curl -s -o /dev/null -D - --max-time 20 -K "$T/curl-alice" "$url" | tr -d '\r' | sed -n 's/^X-Remote-User: //p')" \
        "$alice"
expect_eq "the daemon saw PAM service $service" "$(last_service "$id")" "$service"
check "the worker that ran PAM is not root" test "$(ps -o user= --ppid "$SERVER_PID" | sort -u)" = www-data

expect_eq "no credentials: 401" "$(status)" 401
check "… with a Basic challenge" bash -c 'curl -s -o /dev/null -D - --max-time 20 "$1" | grep -qi "^WWW-Authenticate: Basic"' _ "$url"
expect_eq "a wrong key: 401" "$(status -u "$alice:$("$T/bin/keytool" wrong-secret "$key")")" 401
expect_eq "a password-like string: 401" "$(status -u "$alice:hunter2")" 401
other=$(ctl_as "$alice" create --service sshd-apikey)
expect_eq "alice's key restricted to another service: 401" "$(status -u "$alice:$other")" 401
check "… audited as wrong_service, naming $service" jq -e --arg s "$service" \
        'any(.[]; .result == "wrong_service" and .service == $s)' <<<"$(ctl_as root audit --key "$(key_id "$other")" --json)"
expect_eq "alice's key with user name bob: 401" "$(status -u "$bob:$key")" 401

# A key-only API: a service ID without a Unix account logs in under its own
# name; one mapped to an account logs in as that account.
ctl_as root service-id create "ci$SUFFIX" >/dev/null
sidkey=$(ctl_as root create --service-id "ci$SUFFIX" --service "$service")
expect_eq "an unmapped service ID's key, user = its name: 200" "$(status -u "ci$SUFFIX:$sidkey")" 200
expect_eq "… as \$remote_user ci$SUFFIX" \
        "$(curl -s -o /dev/null -D - --max-time 20 -u "ci$SUFFIX:$sidkey" "$url" | tr -d '\r' | sed -n 's/^X-Remote-User: //p')" \
        "ci$SUFFIX"
expect_eq "… under another user name: 401" "$(status -u "$alice:$sidkey")" 401
ctl_as root service-id create "dep$SUFFIX" --unix-user "$deploy" >/dev/null
depkey=$(ctl_as root create --service-id "dep$SUFFIX" --service "$service")
expect_eq "a mapped service ID's key, user = the account: 200" "$(status -u "$deploy:$depkey")" 200
expect_eq "… under the service ID's name: 401" "$(status -u "dep$SUFFIX:$depkey")" 401

# Remote lockout (SECURITY.md): nginx runs PAM as www-data and passes the
# client's address as PAM_RHOST; failures are charged to (www-data, address),
# so 10 addresses sending 10 fake keys each lock out those addresses only. All
# of 127/8 is loopback: curl --interface picks the client address.
fake=$("$T/bin/keytool" unknown-id "$key")
from() { local n=$1; shift; status --interface "127.0.0.$n" "$@"; }
for n in $(seq 2 11); do for i in $(seq 1 10); do from "$n" -u "$alice:$fake" >/dev/null; done; done
www=$(id -u www-data)
expect_eq "the last address that failed 10 times is refused, even with alice's key: 401" \
        "$(from 11 -K "$T/curl-alice")" 401
check "… audited as rate_limited for that address, from www-data's uid" jq -e --argjson u "$www" \
        'any(.[]; .result == "rate_limited" and .rhost == "127.0.0.11" and .peer_uid == $u)' \
        <<<"$(ctl_as root audit --json)"
check "… blocked as (www-data, address)" jq -e --arg s "$www/127.0.0.11" \
        'any(.blocked[]; .kind == "uid/rhost" and .source == $s)' <<<"$(ctl_as root status --json)"
check "the daemon saw each client's address as PAM_RHOST from www-data: 10 lockouts, one per address" \
        jq -e --argjson u "$www" \
        '[.[] | select(.event == "ratelimit" and .result == "blocked" and .peer_uid == $u) | .rhost] | unique | length == 10' \
        <<<"$(ctl_as root audit --json)"
expect_eq "after 100 fake keys from 10 addresses, alice's key from a fresh address: 200" \
        "$(from 12 -K "$T/curl-alice")" 200
expect_eq "… and from 127.0.0.1: 200" "$(status -K "$T/curl-alice")" 200
# A local user naming an address in raw requests blocks nobody else for it.
setpriv --reuid="$bob" --regid="$(id -g "$bob")" --clear-groups -- \
        "$T/bin/keytool" auth "$AUTH_SOCK" "$alice" "$fake" 127.0.0.13 15 >"$T/bob-raw.out"
check "bob's 15 raw requests naming 127.0.0.13 are rate limited for bob" grep -q '^rate_limited=' "$T/bob-raw.out"
expect_eq "… and alice's key through nginx from 127.0.0.13: 200" "$(from 13 -K "$T/curl-alice")" 200

ctl_as "$alice" disable "$id" >/dev/null
expect_eq "a disabled key: 401" "$(status -K "$T/curl-alice")" 401
check "no key appears in nginx's logs" bash -c '! grep -qF -e "$1" -e "$2" "$3"/*.log' _ "$key" "$sidkey" "$N"
