#!/bin/bash
# text_filter.sh - what users choose (key names, descriptions) cannot
# reorder or disguise an admin's terminal: apikeyctl prints bidirectional
# controls — overrides, embeddings, isolates and the marks U+200E (LRM),
# U+200F (RLM) and U+061C (ALM), which flip the neutral characters next to
# them — and line separators as "?" in text and as \uXXXX in JSON.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon

# name -> code point, UTF-8 bytes
declare -A bytes=(
        [200e]=$'\u200e' [200f]=$'\u200f' [061c]=$'\u061c' [202e]=$'\u202e' [2067]=$'\u2067' [2028]=$'\u2028'
)
export LC_ALL=C.UTF-8
for cp in "${!bytes[@]}"; do
        name="a${bytes[$cp]}b"
        json=$(ctl_as "$alice" create --json --name "$name")
        id=$(jq -r .id <<<"$json")
        [ -n "$id" ] && [ "$id" != null ] || { not_ok "U+$cp: create --name failed: $json"; continue; }
        text=$(ctl_as "$alice" show "$id")
        check "U+$cp: show prints it as '?' (a?b)" grep -qx 'Name: *a?b' <<<"$text"
        check "U+$cp: show prints no U+$cp" bash -c '! grep -qF -- "$1" <<<"$2"' _ "${bytes[$cp]}" "$text"
        list=$(ctl_as "$alice" list)
        check "U+$cp: list prints no U+$cp" bash -c '! grep -qF -- "$1" <<<"$2"' _ "${bytes[$cp]}" "$list"
        raw=$(ctl_as "$alice" show --json "$id")
        check "U+$cp: --json escapes it as \\u$cp" grep -qF "\"a\\u${cp}b\"" <<<"$raw"
        expect_eq "U+$cp: --json still decodes to the name" "$(jq -r .name <<<"$raw")" "$name"
        ctl_as "$alice" delete "$id" >/dev/null
done

# Characters that only look unusual still pass: a name is not mangled.
json=$(ctl_as "$alice" create --json --name "Zürich-ключ-東京")
id=$(jq -r .id <<<"$json")
check "other UTF-8 passes unchanged" grep -q 'Name: *Zürich-ключ-東京$' <<<"$(ctl_as "$alice" show "$id")"
