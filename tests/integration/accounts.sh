#!/bin/bash
# accounts.sh - a deleted account's keys never come back (issue 9, item 5).
# `userdel NAME; useradd NAME` hands out the same name and uid again; the
# old key must stay dead: the daemon marks the keys of a missing account
# orphaned, for good, when it sees the account missing at a login, at start,
# at its periodic scan, or through userdel's hook (USERDEL_CMD, the installed
# scripts/apikey-userdel.in, run by the real userdel in a private mount
# namespace with its own /etc/login.defs). The new account sees none of the
# old one's keys or audit records; admins purge the dead keys. Logins go
# through the real libpam and pam_apikey.
. "$(dirname "$0")/../lib.sh"

# add_account SHORT: add_user with a uid far above those useradd hands out:
# other tests create accounts meanwhile, and one of them would otherwise get
# the uid this test frees and means to reuse.
add_account() {
        local name="akt$1$SUFFIX" uid
        for _ in 1 2 3 4 5 6 7 8; do
                uid=$((40000 + RANDOM % 19000))
                getent passwd "$uid" >/dev/null || break
        done
        useradd -M -N -s /usr/sbin/nologin -u "$uid" "$name" || { echo "cannot create $name" >&2; exit 1; }
        echo "$name" >>"$T/users"
        echo "$name"
}

admin=$(add_user admin)
add_group "$ADMIN_GROUP"
usermod -a -G "$ADMIN_GROUP" "$admin"
alice=$(add_account alice)
start_daemon --orphan-scan-interval 1s
pam_service apikey timeout=3
login() { pam_result apikey "$1" "$2"; }
state() { ctl_as root show "$1" --json | jq -r .state; }
# recreate NAME UID: a new account with the old one's name and uid.
recreate() { useradd -M -N -s /usr/sbin/nologin -u "$2" "$1"; }

# The periodic scan: the account disappears between two logins.
uid=$(id -u "$alice")
old=$(create_key "$alice" --name old)
oldid=$(key_id "$old")
oldcl=$(create_key "$alice" --classic)
ctl_as "$alice" lock "$oldid" >/dev/null
expect_eq "alice's key works" "$(login "$alice" "$old")" PAM_SUCCESS
userdel "$alice"
sleep 2.5 # two scans at --orphan-scan-interval 1s
recreate "$alice" "$uid"
expect_eq "the new account has the old one's name and uid" "$(id -u "$alice")" "$uid"
expect_eq "scan: the old key does not log the new alice in" "$(login "$alice" "$old")" PAM_AUTH_ERR
expect_eq "… nor the old classic key" "$(login "$alice" "$oldcl")" PAM_AUTH_ERR
expect_eq "the key is orphaned, for good" "$(state "$oldid")" orphaned
check "… audited as an orphan event" jq -e 'any(.[]; .event == "orphan" and .result == "orphaned")' \
        <<<"$(ctl_as root audit --key "$oldid" --json)"
check "the login was refused as orphaned" audit_has "$oldid" orphaned

# The new alice sees and touches none of it.
expect_eq "new alice: list shows no key" "$(ctl_as "$alice" list --json | jq length)" 0
expect_eq "new alice: list --user alice shows none" "$(ctl_as "$alice" list --user "$alice" --json | jq length)" 0
expect_eq "new alice: show the old key is refused (exit 3)" "$(exit_of ctl_as "$alice" show "$oldid")" 3
for cmd in delete disable enable unlock rotate; do
        expect_eq "new alice: $cmd the old key is refused (exit 3)" "$(exit_of ctl_as "$alice" "$cmd" "$oldid")" 3
done
check "new alice: audit shows none of the old account's records" jq -e 'length == 0' \
        <<<"$(ctl_as "$alice" audit --json)"
expect_eq "new alice: audit --key of the old key shows nothing" \
        "$(ctl_as "$alice" audit --key "$oldid" --json | jq length)" 0
new=$(create_key "$alice" --classic)
check "new alice gets a classic key of her own (the old one holds no slot)" test -n "$new"
expect_eq "… and it logs in" "$(login "$alice" "$new")" PAM_SUCCESS
check "new alice's audit shows her own login" jq -e --arg id "$(key_id "$new")" 'any(.[]; .key_id == $id)' \
        <<<"$(ctl_as "$alice" audit --json)"
check "new alice: audit still hides the old account's records" jq -e --arg id "$oldid" 'all(.[]; .key_id != $id)' \
        <<<"$(ctl_as "$alice" audit --json)"
check "admin: list --user alice shows the new account's key only" jq -e --arg id "$(key_id "$new")" \
        'length == 1 and .[0].id == $id' <<<"$(ctl_as "$admin" list --user "$alice" --json)"
check "admin: list --all shows the old key as orphaned" jq -e --arg id "$oldid" \
        'any(.[]; .id == $id and .state == "orphaned")' <<<"$(ctl_as "$admin" list --all --json)"
for cmd in enable disable unlock lock; do
        expect_eq "admin: $cmd an orphaned key is refused (exit 6)" "$(exit_of ctl_as "$admin" "$cmd" "$oldid")" 6
done
expect_eq "root: rotate an orphaned key is refused" "$(exit_of ctl_as root rotate "$oldid")" 3
expect_eq "the old key still fails" "$(login "$alice" "$old")" PAM_AUTH_ERR

# Purging: only admins; a live account's keys only root.
expect_eq "a user may not purge (exit 3)" "$(exit_of ctl_as "$alice" purge-user --orphaned)" 3
expect_eq "an admin may not purge a live account's keys (exit 3)" "$(exit_of ctl_as "$admin" purge-user "$alice")" 3
expect_eq "… which still work" "$(login "$alice" "$new")" PAM_SUCCESS
out=$(ctl_as "$admin" purge-user --orphaned --json)
expect_eq "admin: purge-user --orphaned removes the old account's two keys (the locked one too)" \
        "$(jq .removed <<<"$out")" 2
expect_eq "… the old key is gone" "$(exit_of ctl_as root show "$oldid")" 4
expect_eq "… the new account's key stays" "$(login "$alice" "$new")" PAM_SUCCESS

# A login sees the account missing, and that persists: the daemon no
# longer scans (1 day), the name and uid come back, the key stays dead.
stop_daemon
start_daemon --orphan-scan-interval 1d
bob=$(add_account bob)
buid=$(id -u "$bob")
bkey=$(create_key "$bob")
userdel "$bob"
expect_eq "login after userdel: refused" "$(login "$bob" "$bkey")" PAM_AUTH_ERR
recreate "$bob" "$buid"
expect_eq "login: the key stays dead for the new bob" "$(login "$bob" "$bkey")" PAM_AUTH_ERR
expect_eq "… it is orphaned" "$(state "$(key_id "$bkey")")" orphaned

# The daemon's cache of /etc/passwd (apikeyd/pwcache.h) sees each change at
# the very next login, also right after a login that read the account.
frank=$(add_account frank)
fkey=$(create_key "$frank")
expect_eq "frank's key works" "$(login "$frank" "$fkey")" PAM_SUCCESS
for _ in 1 2 3 4 5 6 7 8; do
        nuid=$((40000 + RANDOM % 19000))
        getent passwd "$nuid" >/dev/null || break
done
usermod -u "$nuid" "$frank"
expect_eq "usermod -u right after a login: the next login is refused" "$(login "$frank" "$fkey")" PAM_AUTH_ERR
expect_eq "… the key is orphaned" "$(state "$(key_id "$fkey")")" orphaned
gina=$(add_account gina)
gkey=$(create_key "$gina")
expect_eq "gina's key works" "$(login "$gina" "$gkey")" PAM_SUCCESS
userdel "$gina"
expect_eq "userdel right after a login: the next login is refused" "$(login "$gina" "$gkey")" PAM_AUTH_ERR
hal=$(add_account hal)
hkey=$(create_key "$hal")
expect_eq "a key of an account added since the last login works at once" "$(login "$hal" "$hkey")" PAM_SUCCESS

# At start: the account went while the daemon was down.
carol=$(add_account carol)
cuid=$(id -u "$carol")
ckey=$(create_key "$carol")
stop_daemon
userdel "$carol"
start_daemon --orphan-scan-interval 1d
recreate "$carol" "$cuid"
expect_eq "start: the key of an account deleted while the daemon was down stays dead" \
        "$(login "$carol" "$ckey")" PAM_AUTH_ERR
expect_eq "… it is orphaned" "$(state "$(key_id "$ckey")")" orphaned
expect_eq "admin: purge-user of a live account (carol again) is refused" \
        "$(exit_of ctl_as "$admin" purge-user "$carol")" 3

# purge-user NAME for an account that is gone.
erin=$(add_account erin)
ekey=$(create_key "$erin")
userdel "$erin"
check "admin: purge-user NAME of a deleted account" grep -qx "removed 1 key of $erin" \
        <<<"$(ctl_as "$admin" purge-user "$erin")"
expect_eq "… the key is gone" "$(exit_of ctl_as root show "$(key_id "$ekey")")" 4

# userdel's hook: USERDEL_CMD in a private /etc/login.defs; the account
# comes back at once, before any scan or login could see it missing.
sed -e "s|@SBINDIR@|$T/bin|g" -e "s|@BINDIR@|$T/bin|g" scripts/apikey-userdel.in >"$T/bin/apikey-userdel"
chmod 0755 "$T/bin/apikey-userdel"
{ grep -v '^USERDEL_CMD' /etc/login.defs; echo "USERDEL_CMD $T/bin/apikey-userdel"; } >"$T/login.defs"
dave=$(add_account dave)
duid=$(id -u "$dave")
dkey=$(create_key "$dave")
ctl_as "$dave" lock "$(key_id "$dkey")" >/dev/null
expect_eq "dave's key works" "$(login "$dave" "$dkey")" PAM_SUCCESS
APIKEY_CONTROL_SOCKET=$CTL_SOCK unshare --mount sh -c \
        'mount --bind "$1" /etc/login.defs && userdel "$2"' _ "$T/login.defs" "$dave" >"$T/userdel.log" 2>&1
expect_eq "userdel with the hook succeeds" "$?" 0
recreate "$dave" "$duid"
expect_eq "hook: the new dave (same name and uid, at once) is not let in by the old key" \
        "$(login "$dave" "$dkey")" PAM_AUTH_ERR
expect_eq "… the key, locked as it was, is deleted" "$(exit_of ctl_as root show "$(key_id "$dkey")")" 4
check "… and the removal is audited" jq -e 'any(.[]; .action == "purge-user" and (.detail | test("removed 1")))' \
        <<<"$(ctl_as root audit --json)"
expect_eq "new dave: audit shows nothing of the old dave" "$(ctl_as "$dave" audit --json | jq length)" 0
