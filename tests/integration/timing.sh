#!/bin/bash
# timing.sh - an unknown key ID, a wrong secret and the right key for the
# wrong user take indistinguishable time at the daemon: the lookup is by the
# public ID, the compare is constant-time, and every failing path pays for
# the same hash and the same account lookup. Measured interleaved, medians
# compared; the tolerance is wide because the machine is shared.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
bob=$(add_user bob)
start_daemon --rate-limit-burst 0
key=$(create_key "$alice")
unknown=$("$T/bin/keytool" unknown-id "$key")
wrong=$("$T/bin/keytool" wrong-secret "$key")
n=1500
case $BUILD in
*asan*)
        # ASan's instrumentation costs more on the path that copies a row than
        # on the one that finds none: timing says nothing about the shipped build.
        skip "timing" "under ASan: timing is a property of the uninstrumented daemon"
        exit 0
        ;;
esac
out=$("$T/bin/keytool" time "$AUTH_SOCK" "$bob" "$n" "$unknown" "$wrong" "$key")
echo "# $(tr '\n' ' ' <<<"$out")"
med() { sed -n "s/^key$1 median=\([0-9]*\).*/\1/p" <<<"$out"; }
u=$(med 1) w=$(med 2) k=$(med 3)
check "timings measured (unknown $u ns, wrong secret $w ns, wrong user $k ns)" test -n "$u" -a -n "$w" -a -n "$k"
ratio() { echo $(( ($1 > $2 ? $1 * 100 / $2 : $2 * 100 / $1) )); }
for pair in "unknown-ID/wrong-secret $u $w" "unknown-ID/wrong-user $u $k" "wrong-secret/wrong-user $w $k"; do
        set -- $pair
        r=$(ratio "$2" "$3")
        check "median $1 within 25% ($r%)" test "$r" -le 125
done
check "all three were refused (audit)" jq -e '[.[] | select(.service == "timing") | .result] | unique == ["bad_secret", "not_found", "wrong_user"]' \
        <<<"$(ctl_as root audit --json)"
