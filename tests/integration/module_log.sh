#!/bin/bash
# module_log.sh - what pam_apikey logs through pam_syslog: by default no line
# for a successful key login (the daemon's audit record has it; the line
# cost a tenth of a login, issue 14), a line with log_success or debug;
# failures always. Never the key. The driver copies syslog lines to stderr
# (--syslog-stderr: openlog LOG_PERROR), so no syslog daemon is needed.
. "$(dirname "$0")/../lib.sh"

alice=$(add_user alice)
start_daemon
key=$(create_key "$alice")
id=$(key_id "$key")
wrong=$("$T/bin/keytool" wrong-secret "$key")
pam_service quiet nodelay
pam_service loud nodelay log_success
pam_service dbg nodelay debug

# log_of SERVICE ANSWER: what the module logged for one login.
log_of() {
        pam_auth "$1" "$alice" "$2" --acct --syslog-stderr 2>&1 >/dev/null | grep 'pam_apikey'
}

out=$(log_of quiet "$key")
check "default: a key login logs no success line" bash -c '! grep -q "authenticated with key" <<<"$1"' _ "$out"
expect_eq "default: nothing at all for a success" "$out" ""
out=$(log_of quiet "$wrong")
check "default: a failure is logged with the key ID" grep -q "key $id refused: bad_secret" <<<"$out"
out=$(log_of loud "$key")
check "log_success: the success is logged with user, key ID and identity" \
        grep -q "user $alice authenticated with key $id (identity user:$alice)" <<<"$out"
out=$(log_of loud "$wrong")
check "log_success: failures still logged" grep -q "key $id refused: bad_secret" <<<"$out"
out=$(log_of dbg "$key")
check "debug: the success is logged" grep -q "user $alice authenticated with key $id" <<<"$out"
check "debug: the options are logged, log_success among them" grep -q "socket=.*nodelay" <<<"$out"
pam_service typo nodelay log_sucess
out=$(pam_auth typo "$alice" "$key" --syslog-stderr 2>&1)
check "a misspelt log_success fails closed" grep -qx 'authenticate=PAM_SYSTEM_ERR' <<<"$out"
check "and says which option" grep -q 'unknown option: log_sucess' <<<"$out"
all=$(for s in quiet loud dbg; do log_of "$s" "$key"; log_of "$s" "$wrong"; done)
check "no key or secret in any line" bash -c '! grep -qF -e "$1" -e "$2" <<<"$3"' _ "$key" "$wrong" "$all"
