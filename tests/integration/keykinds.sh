#!/bin/bash
# keykinds.sh - each kind of key and each restriction, through the real
# daemon and the real libpam: user keys, classic keys (one per user, atomic
# replace), service ID keys (mapped and unmapped), service-specific keys,
# source (CIDR) restrictions, usage limits.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
deploy=$(add_user deploy)
add_group "$ADMIN_GROUP"
start_daemon
for s in apikey sshd-test nginx-api; do pam_service "$s" timeout=3; done

# Classic keys: at most one; --replace swaps atomically.
c1=$(create_key "$alice" --classic --name old)
check "a classic key is created" test -n "$c1"
expect_eq "the classic key logs in" "$(pam_result apikey "$alice" "$c1")" PAM_SUCCESS
expect_eq "a second classic key is refused (exit 6)" "$(exit_of create_key "$alice" --classic)" 6
check "… with a message naming the existing key and --replace" \
        grep -q -e "$(key_id "$c1")" -e "replace" <<<"$(create_key "$alice" --classic 2>&1)"
c2=$(create_key "$alice" --classic --replace --name new)
check "--classic --replace gives a new key" test -n "$c2" -a "$c2" != "$c1"
expect_eq "the replaced classic key fails" "$(pam_result apikey "$alice" "$c1")" PAM_AUTH_ERR
expect_eq "the new classic key logs in" "$(pam_result apikey "$alice" "$c2")" PAM_SUCCESS
expect_eq "one classic key remains" "$(ctl_as "$alice" list --json | jq '[.[] | select(.kind == "classic")] | length')" 1
expect_eq "a user key beside the classic one is fine" "$(exit_of create_key "$alice")" 0
expect_eq "--replace without --classic is a usage error" "$(exit_of create_key "$alice" --replace)" 2

# Service-specific keys: only through the named PAM services.
svc=$(create_key "$alice" --service nginx-api --service sshd-test)
expect_eq "service key through nginx-api: PAM_SUCCESS" "$(pam_result nginx-api "$alice" "$svc")" PAM_SUCCESS
expect_eq "service key through sshd-test: PAM_SUCCESS" "$(pam_result sshd-test "$alice" "$svc")" PAM_SUCCESS
expect_eq "service key through another service: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$svc")" PAM_AUTH_ERR
check "the refusal is audited as wrong_service, naming the service tried" jq -e \
        'any(.[]; .result == "wrong_service" and .service == "apikey")' \
        <<<"$(ctl_as root audit --key "$(key_id "$svc")" --json)"
check "the daemon log names the service tried" grep -q 'result=wrong_service.*service=apikey' "$T/daemon.log"

# Source restrictions, IPv4 and IPv6.
src=$(create_key "$alice" --from 192.0.2.0/24 --from 2001:db8::/32)
expect_eq "from 192.0.2.7: PAM_SUCCESS" "$(pam_result apikey "$alice" "$src" --rhost 192.0.2.7)" PAM_SUCCESS
expect_eq "from 2001:db8::5: PAM_SUCCESS" "$(pam_result apikey "$alice" "$src" --rhost 2001:db8::5)" PAM_SUCCESS
expect_eq "from ::ffff:192.0.2.9 (mapped): PAM_SUCCESS" "$(pam_result apikey "$alice" "$src" --rhost ::ffff:192.0.2.9)" PAM_SUCCESS
expect_eq "from 198.51.100.1: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$src" --rhost 198.51.100.1)" PAM_AUTH_ERR
expect_eq "from 2001:db9::1: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$src" --rhost 2001:db9::1)" PAM_AUTH_ERR
expect_eq "with no rhost: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$src")" PAM_AUTH_ERR
expect_eq "from a host name: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$src" --rhost example.org)" PAM_AUTH_ERR
check "wrong_source is audited" audit_has "$(key_id "$src")" wrong_source
expect_eq "an invalid CIDR is a usage error" "$(exit_of create_key "$alice" --from 10.0.0.0/33)" 2

# Usage limits.
lim=$(create_key "$alice" --max-uses 2)
expect_eq "use 1 of 2" "$(pam_result apikey "$alice" "$lim")" PAM_SUCCESS
expect_eq "use 2 of 2" "$(pam_result apikey "$alice" "$lim")" PAM_SUCCESS
expect_eq "use 3 of 2: PAM_AUTH_ERR" "$(pam_result apikey "$alice" "$lim")" PAM_AUTH_ERR
check "usage_exceeded is audited" audit_has "$(key_id "$lim")" usage_exceeded
expect_eq "use_count is 2" "$(ctl_as "$alice" show "$(key_id "$lim")" --json | jq .use_count)" 2

# The limit holds while the daemon hands batches of uses to its writer
# thread (every 256 audit records and every second): 4 loops of 100 logins
# with a key allowed 300.
lim=$(create_key "$alice" --max-uses 300)
loops=()
for w in 1 2 3 4; do
        (for i in $(seq 100); do pam_result apikey "$alice" "$lim"; done >"$T/limit.$w") &
        loops+=($!)
done
wait "${loops[@]}" # not the daemon
expect_eq "--max-uses 300 under 400 logins in 4 parallel loops: 300 granted" \
        "$(cat "$T"/limit.* | grep -c '^PAM_SUCCESS$')" 300
expect_eq "… and the other 100 refused" "$(cat "$T"/limit.* | grep -vc '^PAM_SUCCESS$')" 100
expect_eq "… use_count is 300" "$(ctl_as "$alice" show "$(key_id "$lim")" --json | jq .use_count)" 300

# Service IDs: mapped to a local account, or by their own name.
ctl_as root service-id create deployer --unix-user "$deploy" --description "deploys" >/dev/null
ctl_as root service-id create "sid$SUFFIX" >/dev/null
mapped=$(ctl_as root create --service-id deployer)
unmapped=$(ctl_as root create --service-id "sid$SUFFIX")
out=$(pam_auth apikey "$deploy" "$mapped")
expect_eq "a service ID key logs in as the mapped account" "$(sed -n 's/^authenticate=//p' <<<"$out")" PAM_SUCCESS
check "… with APIKEY_IDENTITY=service:deployer" grep -qx "env APIKEY_IDENTITY=service:deployer" <<<"$out"
expect_eq "… but not as another account" "$(pam_result apikey "$alice" "$mapped")" PAM_AUTH_ERR
expect_eq "… nor as the service ID's own name" "$(pam_result apikey deployer "$mapped")" PAM_AUTH_ERR
expect_eq "an unmapped service ID key logs in as its name" "$(pam_result apikey "sid$SUFFIX" "$unmapped")" PAM_SUCCESS
expect_eq "… and not as a local account" "$(pam_result apikey "$alice" "$unmapped")" PAM_AUTH_ERR
ctl_as root service-id update deployer --unix-user "" >/dev/null
expect_eq "after the mapping is removed, the key logs in only as deployer" \
        "$(pam_result apikey deployer "$mapped")" PAM_SUCCESS
ctl_as root service-id update deployer --unix-user "$deploy" >/dev/null
userdel "$deploy"
expect_eq "the mapped account deleted: the key fails (orphaned)" "$(pam_result apikey "$deploy" "$mapped")" PAM_AUTH_ERR
check "orphaned is audited" audit_has "$(key_id "$mapped")" orphaned
check "service-id list shows both" bash -c \
        '[ "$(jq length <<<"$1")" -ge 2 ]' _ "$(ctl_as root service-id list --json)"
expect_eq "deleting a service ID with keys is refused (exit 6)" "$(exit_of ctl_as root service-id delete deployer)" 6
ctl_as root service-id lock deployer >/dev/null
expect_eq "a locked service ID cannot be deleted, even with --force (exit 6)" \
        "$(exit_of ctl_as root service-id delete deployer --force)" 6
ctl_as root service-id unlock deployer >/dev/null
expect_eq "--force deletes it with its keys" "$(exit_of ctl_as root service-id delete deployer --force)" 0
expect_eq "its key is gone" "$(exit_of ctl_as root show "$(key_id "$mapped")")" 4

# Per-owner limits.
stop_daemon
start_daemon --max-keys-per-service-id 2
ctl_as root create --service-id "sid$SUFFIX" >/dev/null
expect_eq "the service ID's key limit (2) holds (exit 6)" "$(exit_of ctl_as root create --service-id "sid$SUFFIX")" 6
