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

ctl_as "$alice" disable "$id" >/dev/null
expect_eq "a disabled key: 401" "$(status -K "$T/curl-alice")" 401
check "no key appears in nginx's logs" bash -c '! grep -qF -e "$1" -e "$2" "$3"/*.log' _ "$key" "$sidkey" "$N"
