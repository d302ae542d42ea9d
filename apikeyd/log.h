/* log.h - the daemon's one logging family: to the journal (structured) under
 * systemd, plain lines to stderr otherwise. Never pass a key to these. */
#ifndef APIKEYD_LOG_H
#define APIKEYD_LOG_H

#include <stdint.h>
#include <sys/types.h>

void log_setup(void);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(3, __VA_ARGS__)
#define log_warning(...) log_msg(4, __VA_ARGS__)
#define log_notice(...) log_msg(5, __VA_ARGS__)
#define log_info(...) log_msg(6, __VA_ARGS__)
#define log_debug(...) log_msg(7, __VA_ARGS__)

/* One authentication attempt, as structured fields (APIKEY_ID,
 * APIKEY_IDENTITY, APIKEY_RESULT, PAM_USER, PAM_SERVICE, PAM_RHOST, PAM_TTY,
 * PEER_UID, PEER_PID). Any string may be NULL. */
struct auth_event {
        const char *key_id;
        const char *identity;
        const char *result;
        const char *user;
        const char *service;
        const char *rhost;
        const char *tty;
        uid_t peer_uid;
        pid_t peer_pid;
};
void log_auth_event(const struct auth_event *e);

/* One control change (create, delete, disable, enable). */
void log_control_event(const char *command, const char *key_id, const char *caller, uid_t peer_uid,
                       pid_t peer_pid, const char *result);

#endif
