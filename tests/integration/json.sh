#!/bin/bash
# json.sh - every command's --json: lists are arrays, no value is null
# (never ""), and every field printed is documented in apikeyctl(1).
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
add_group "$ADMIN_GROUP"
start_daemon
pam_service apikey

key=$(ctl_as "$alice" create --name web --service apikey --service sshd --from 10.0.0.0/8 --from 2001:db8::/32)
id=$(key_id "$key")
plain=$(ctl_as "$alice" create)
pid=$(key_id "$plain")
pam_auth apikey "$alice" "$key" >/dev/null
ctl_as root service-id create svc-j >/dev/null
ctl_as root create --service-id svc-j >/dev/null
printf '%s\n' "$plain" >"$T/leak.txt"
chmod 0644 "$T/leak.txt"

show=$(ctl_as "$alice" show "$id" --json)
check "services is an array" jq -e '.services == ["apikey", "sshd"]' <<<"$show"
check "sources is an array" jq -e '.sources == ["10.0.0.0/8", "2001:db8::/32"]' <<<"$show"
plain_json=$(ctl_as "$alice" show "$pid" --json)
check "an unrestricted key has [] for services and sources" jq -e '.services == [] and .sources == []' <<<"$plain_json"
check "a key without name or description has null for them" jq -e '.name == null and .description == null' \
        <<<"$plain_json"
check "a key of a host's own store has null for scope (only fleet keys have one)" jq -e 'has("scope") and .scope == null' \
        <<<"$plain_json"
check "create --json has the arrays too" jq -e '.services == ["sshd"]' \
        <<<"$(ctl_as "$alice" create --service sshd --json)"

# Every command's JSON: no "" anywhere; every field name documented.
outputs=(
        "$show" "$plain_json"
        "$(ctl_as "$alice" list --json)"
        "$(ctl_as root list --all --json)"
        "$(ctl_as "$alice" create --json)"
        "$(ctl_as "$alice" rotate "$pid" --grace 1h --json)"
        "$(ctl_as "$alice" disable "$id" --json)"
        "$(ctl_as root audit --json)"
        "$(ctl_as root audit --verify --json)"
        "$(ctl_as "$alice" status --json)"
        "$(ctl_as root status --json)"
        "$(ctl_as root service-id list --json)"
        "$(ctl_as root service-id show svc-j --json)"
        "$(ctl_as root service-id update svc-j --description "" --json)"
        "$(ctl_as root service-id lock svc-j --json)"
        "$(ctl_as "$alice" scan --json "$T/leak.txt" 2>/dev/null)"
)
man=$(MANWIDTH=200 man -l man/apikeyctl.1 2>/dev/null || cat man/apikeyctl.1)
json_section=$(sed -n '/^\.SH JSON OUTPUT/,/^\.SH ENVIRONMENT/p' man/apikeyctl.1)
empty=0 undocumented=""
for out in "${outputs[@]}"; do
        if ! jq -e . >/dev/null 2>&1 <<<"$out"; then not_ok "not JSON: $out"; continue; fi
        n=$(jq '[.. | strings | select(. == "")] | length' <<<"$out")
        [ "$n" -eq 0 ] || { empty=$((empty + 1)); echo "# has \"\": $out"; }
        for f in $(jq -r '[paths | select(.[0] != "policy") | .[] | strings] | unique | .[]' <<<"$out"); do
                grep -qF -- "$f" <<<"$json_section" || undocumented="$undocumented $f"
        done
done
expect_eq "no command prints \"\" for a value (null instead)" "$empty" 0
expect_eq "every JSON field is documented under JSON OUTPUT in apikeyctl(1)" "${undocumented# }" ""
check "the man page renders" test -n "$man"
check "status --json: the caller of a named uid is its name" jq -e --arg a "$alice" '.caller == $a' \
        <<<"$(ctl_as "$alice" status --json)"
check "status --json: policy is an object of the daemon's options" \
        jq -e '.policy | type == "object" and has("max-lifetime") and has("admin-group")' \
        <<<"$(ctl_as "$alice" status --json)"
check "status --json: blocked is an array" jq -e '.blocked | type == "array"' <<<"$(ctl_as root status --json)"
check "audit --json: a field that does not apply is null" \
        jq -e 'any(.[]; .event == "control" and .rhost == null and .tty == null)' <<<"$(ctl_as root audit --json)"
