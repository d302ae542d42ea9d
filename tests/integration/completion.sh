#!/bin/bash
# completion.sh - bash completion for apikeyctl (completion/apikeyctl),
# driven the way bash drives it: source the file, set COMP_WORDS and
# COMP_CWORD, call the function, read COMPREPLY. Key IDs and service ID
# names come from the real daemon, as the caller sees them.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
add_group "$ADMIN_GROUP"
start_daemon
install -m 0644 completion/apikeyctl "$T/bin/completion"
ka=$(key_id "$(ctl_as "$alice" create --name a1)")
kb=$(key_id "$(ctl_as "$alice" create --name a2)")
kbob=$(key_id "$(ctl_as "$bob" create)")
ctl_as root service-id create svc-one >/dev/null
ctl_as root service-id create svc-two >/dev/null

# complete AS WORD...: the completions (sorted, one per line) of the command
# line WORD... with the cursor on the last word, as user AS ("" is an empty
# last word).
complete_as() {
        local as=$1; shift
        local script='
                source "$1"; shift
                COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                _apikeyctl apikeyctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf "%s\n" "${COMPREPLY[@]}" | sort'
        if [ "$as" = root ]; then
                APIKEY_CONTROL_SOCKET=$CTL_SOCK bash -c "$script" _ "$T/bin/completion" "$T/bin/apikeyctl" "$@"
        else
                setpriv --reuid="$as" --regid="$(id -g "$as")" --init-groups -- env APIKEY_CONTROL_SOCKET="$CTL_SOCK" \
                        bash -c "$script" _ "$T/bin/completion" "$T/bin/apikeyctl" "$@"
        fi
}
lines() { printf '%s\n' "$@" | sort; }

cmds=$(complete_as root "")
for c in create list show disable enable delete lock unlock rotate scan service-id audit status help; do
        check "the commands include $c" grep -qx "$c" <<<"$cmds"
done
expect_eq "a command's prefix completes to it" "$(complete_as root cr)" create
expect_eq "service-id's commands" "$(complete_as root service-id "")" \
        "$(lines create delete list lock show unlock update)"
expect_eq "help completes commands" "$(complete_as root help ro)" rotate

opts=$(complete_as root create --)
for o in --name --description --expires --service --from --max-uses --leak-action --classic --replace \
        --service-id --json --socket --help; do
        check "create's options include $o" grep -qx -- "$o" <<<"$opts"
done
check "create's options do not include list's --all" bash -c '! grep -qx -- --all <<<"$1"' _ "$opts"
expect_eq "rotate's options" "$(complete_as root rotate x --g)" "--grace"
expect_eq "service-id delete's options" "$(complete_as root service-id delete svc-one --f)" "--force"
# Every option of every command's help is offered after that command.
missing=""
for c in create list show disable enable delete lock unlock rotate scan audit status; do
        offered=$(complete_as root "$c" --)
        for o in $("$T/bin/apikeyctl" help "$c" | grep -oE '(\[|\| |^  )--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+'); do
                grep -qx -- "$o" <<<"$offered" || missing="$missing $c$o"
        done
done
expect_eq "every option of every command's help is offered" "$missing" ""

expect_eq "--leak-action values" "$(complete_as root create --leak-action "")" "$(lines delete disable none)"
expect_eq "--leak-action d" "$(complete_as root create --leak-action d)" "$(lines delete disable)"
expect_eq "--leak-action=n (bash splits at =)" "$(complete_as root create --leak-action = n)" none
expect_eq "an option's value is not taken for the command" "$(complete_as root --socket "$CTL_SOCK" st)" status

expect_eq "show: the caller's key IDs" "$(complete_as "$alice" show "")" "$(lines "$ka" "$kb")"
check "... never another user's" bash -c '! grep -qx "$1" <<<"$2"' _ "$kbob" "$(complete_as "$alice" show "")"
expect_eq "disable: an ID's prefix" "$(complete_as "$alice" disable "${ka:0:5}")" "$ka"
expect_eq "audit --key: the caller's key IDs" "$(complete_as "$alice" audit --key "")" "$(lines "$ka" "$kb")"
expect_eq "bob sees his own key ID" "$(complete_as "$bob" rotate "")" "$kbob"
expect_eq "--socket given on the line is used" \
        "$(setpriv --reuid="$bob" --regid="$(id -g "$bob")" --init-groups -- bash -c '
                source "$1"; COMP_WORDS=("$2" --socket "$3" show ""); COMP_CWORD=4
                _apikeyctl; printf "%s\n" "${COMPREPLY[@]}"' _ "$T/bin/completion" "$T/bin/apikeyctl" "$CTL_SOCK")" \
        "$kbob"
expect_eq "show takes one ID: nothing after it" "$(complete_as "$alice" show "$ka" "")" ""

expect_eq "service-id show: the names (admin)" "$(complete_as root service-id show "")" "$(lines svc-one svc-two)"
expect_eq "create --service-id: the names" "$(complete_as root create --service-id svc-t)" svc-two
expect_eq "a user who may not list service IDs gets none" "$(complete_as "$alice" service-id show "")" ""
check "--user completes account names" grep -qx "$alice" <<<"$(complete_as root list --user akt)"
check "--identity completes user:NAME" grep -qx "user:$alice" <<<"$(complete_as root audit --identity user:akt)"
check "--identity completes service:NAME" grep -qx "service:svc-one" <<<"$(complete_as root audit --identity service:)"
touch "$T/scanme.log"
check "scan completes file names" grep -qx "$T/scanme.log" <<<"$(complete_as root scan "$T/scanm")"
expect_eq "without a daemon, no IDs (and no error)" \
        "$(APIKEY_CONTROL_SOCKET=$T/none bash -c 'source "$1"; COMP_WORDS=("$2" show ""); COMP_CWORD=2; _apikeyctl 2>&1; echo "${COMPREPLY[*]}"' _ "$T/bin/completion" "$T/bin/apikeyctl")" ""
# A fleet admin's seat: --db and --key-file before the key commands.
check "the first options include --db and --key-file" bash -c 'grep -qx -- --db <<<"$1" && grep -qx -- --key-file <<<"$1"' \
        _ "$(complete_as root --)"
check "list's options include --db" grep -qx -- --db <<<"$(complete_as root list --)"
check "create's do not (it runs on a host)" bash -c '! grep -qx -- --db <<<"$1"' _ "$(complete_as root create --)"
expect_eq "--db offers the URI scheme" "$(complete_as root --db "")" "postgresql://"
touch "$T/fleet.key"
expect_eq "--key-file completes file names" "$(complete_as root --key-file "$T/fleet.k")" "$T/fleet.key"
expect_eq "--db's value is not taken for the command" \
        "$(complete_as root --db postgresql://x --key-file "$T/fleet.key" di)" disable
expect_eq "an unreachable --db gives no key IDs (and no error)" \
        "$(complete_as root --db "postgresql:///none?host=$T&connect_timeout=2" show "")" ""
check "bash-completion loads it by the command's name" bash -c 'source "$1" && complete -p apikeyctl | grep -q _apikeyctl' _ completion/apikeyctl
