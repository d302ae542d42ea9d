/* log.c - journal or stderr, chosen once at start-up. */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

static bool to_journal;
static int max_priority = LOG_INFO;

void log_setup(void)
{
        /* systemd sets JOURNAL_STREAM when stderr goes to the journal. */
        to_journal = getenv("JOURNAL_STREAM") != NULL;
        if (getenv("APIKEYD_DEBUG"))
                max_priority = LOG_DEBUG;
}

static const char *or_dash(const char *s)
{
        return s && *s ? s : "-";
}

void log_msg(int priority, const char *fmt, ...)
{
        va_list ap;

        if (priority > max_priority)
                return;
        va_start(ap, fmt);
        if (to_journal)
                sd_journal_printv(priority, fmt, ap);
        else {
                fprintf(stderr, "apikeyd: ");
                vfprintf(stderr, fmt, ap);
                fputc('\n', stderr);
        }
        va_end(ap);
}

void log_auth_event(const struct auth_event *e)
{
        int priority = strcmp(or_dash(e->result), "ok") == 0 ? LOG_INFO : LOG_NOTICE;

        if (!to_journal) {
                log_msg(priority, "auth result=%s key=%s identity=%s user=%s service=%s rhost=%s tty=%s peer=%u/%d",
                        or_dash(e->result), or_dash(e->key_id), or_dash(e->identity), or_dash(e->user),
                        or_dash(e->service), or_dash(e->rhost), or_dash(e->tty), (unsigned)e->peer_uid,
                        (int)e->peer_pid);
                return;
        }
        sd_journal_send("MESSAGE=auth %s for %s via %s (key %s)", or_dash(e->result), or_dash(e->user),
                        or_dash(e->service), or_dash(e->key_id), "PRIORITY=%i", priority, "APIKEY_EVENT=auth",
                        "APIKEY_RESULT=%s", or_dash(e->result), "APIKEY_ID=%s", or_dash(e->key_id),
                        "APIKEY_IDENTITY=%s", or_dash(e->identity), "PAM_USER=%s", or_dash(e->user),
                        "PAM_SERVICE=%s", or_dash(e->service), "PAM_RHOST=%s", or_dash(e->rhost), "PAM_TTY=%s",
                        or_dash(e->tty), "PEER_UID=%u", (unsigned)e->peer_uid, "PEER_PID=%d", (int)e->peer_pid,
                        NULL);
}

void log_control_event(const char *command, const char *key_id, const char *caller, uid_t peer_uid,
                       pid_t peer_pid, const char *result)
{
        if (!to_journal) {
                log_msg(LOG_INFO, "control %s key=%s caller=%s peer=%u/%d result=%s", or_dash(command),
                        or_dash(key_id), or_dash(caller), (unsigned)peer_uid, (int)peer_pid, or_dash(result));
                return;
        }
        sd_journal_send("MESSAGE=control %s of key %s by %s: %s", or_dash(command), or_dash(key_id),
                        or_dash(caller), or_dash(result), "PRIORITY=%i", LOG_INFO, "APIKEY_EVENT=control",
                        "APIKEY_COMMAND=%s", or_dash(command), "APIKEY_ID=%s", or_dash(key_id),
                        "APIKEY_CALLER=%s", or_dash(caller), "APIKEY_RESULT=%s", or_dash(result), "PEER_UID=%u",
                        (unsigned)peer_uid, "PEER_PID=%d", (int)peer_pid, NULL);
}
