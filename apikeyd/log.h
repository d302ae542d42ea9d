/* log.h - the daemon's one logging family: to the journal (structured) under
 * systemd, plain lines to stderr otherwise. Never pass a key to these. */
#ifndef APIKEYD_LOG_H
#define APIKEYD_LOG_H

#include <stdint.h>
#include <sys/types.h>

#include "store.h"

void log_setup(void);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(3, __VA_ARGS__)
#define log_warning(...) log_msg(4, __VA_ARGS__)
#define log_notice(...) log_msg(5, __VA_ARGS__)
#define log_info(...) log_msg(6, __VA_ARGS__)
#define log_debug(...) log_msg(7, __VA_ARGS__)

/* One audit record, as structured journal fields (APIKEY_EVENT,
 * APIKEY_RESULT, APIKEY_ID, APIKEY_IDENTITY, PAM_USER, PAM_SERVICE,
 * PAM_RHOST, PAM_TTY, PEER_UID, PEER_PID, APIKEY_CALLER, APIKEY_ACTION,
 * APIKEY_AUDIT_SEQ) or one line on stderr. */
void log_audit(const struct audit_record *r);

#endif
