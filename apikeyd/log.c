/* log.c - journal or stderr, chosen once at start-up. */
#include "log.h"

#include <errno.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

static bool to_journal;
static int max_priority = LOG_INFO;
static pid_t log_pid; /* getpid() once: every login logs a line */


void log_setup(void)
{
        /* systemd sets JOURNAL_STREAM when stderr goes to the journal. */
        to_journal = getenv("JOURNAL_STREAM") != NULL;
        log_pid = getpid();
        if (getenv("APIKEYD_DEBUG"))
                max_priority = LOG_DEBUG;
}

static const char *or_dash(const char *s)
{
        return s && *s ? s : "-";
}

/* "2026-12-06T02:10:00.123+0100": the journal stamps its own records; a
 * plain stderr log (containers, development) needs this. */
static void timestamp(char *buf, size_t bufsz)
{
        struct timespec ts;
        struct tm tm;
        char date[24], zone[8];

        if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || !localtime_r(&ts.tv_sec, &tm) ||
            strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 || strftime(zone, sizeof(zone), "%z", &tm) == 0) {
                snprintf(buf, bufsz, "-");
                return;
        }
        snprintf(buf, bufsz, "%s.%03ld%s", date, ts.tv_nsec / 1000000, zone);
}

static void write_all(const char *p, size_t len)
{
        while (len > 0) {
                ssize_t n = write(STDERR_FILENO, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return; /* nowhere to report it */
                p += n;
                len -= (size_t)n;
        }
}

/* One write(2) per line (stderr is unbuffered), before the answer it
 * belongs to is sent: whoever reads the log after a login finds its line. */
static void stderr_line(const char *fmt, va_list ap)
{
        char line[2048 + 96], stamp[48];
        size_t avail, len;
        int head, n;

        if (!log_pid)
                log_pid = getpid();
        timestamp(stamp, sizeof(stamp));
        head = snprintf(line, sizeof(line), "%s apikeyd[%d]: ", stamp, (int)log_pid);
        if (head < 0 || (size_t)head >= sizeof(line) / 2)
                return;
        avail = sizeof(line) - (size_t)head - 1; /* one byte for the newline */
        n = vsnprintf(line + head, avail, fmt, ap);
        if (n < 0)
                return;
        len = (size_t)head + ((size_t)n < avail ? (size_t)n : avail - 1); /* a long line is cut */
        line[len++] = '\n';
        write_all(line, len);
}

void log_msg(int priority, const char *fmt, ...)
{
        va_list ap;

        if (priority > max_priority)
                return;
        va_start(ap, fmt);
        if (to_journal)
                sd_journal_printv(priority, fmt, ap);
        else
                stderr_line(fmt, ap);
        va_end(ap);
}

/* One MESSAGE_ID per kind of audit record, as systemd's catalog entries
 * have: `journalctl MESSAGE_ID=...` finds every record of a kind. Fixed
 * forever (generated with systemd-id128 new); apikeyd(8) lists them. */
static const struct {
        const char *event;
        const char *id;
} message_ids[] = {
        { "auth", "708a742a6d194d5e94e411175c63d0e4" },
        { "control", "bf05b92463024f86b6e8027ba16a400e" },
        { "leak", "5063bdc70f524239a62199ce382aaee5" },
        { "purge", "3b73a1be332346deac47b0c8ea332ef3" },
        { "prune", "eb8679b91d0a488fae3162f984988bae" },
        { "ratelimit", "dff30e578df849c5bd80a0359dee1d35" },
        { "integrity", "7ad9b726b96546b4aabc2d8ec12d326f" },
        { "lost", "5f7df53ad3d14e43a82d4eb2e466384d" },
};
#define MESSAGE_ID_OTHER "f58600de6605408491378aaf9dea6b8e" /* an event added without its own */

static const char *message_id(const char *event)
{
        for (size_t i = 0; i < sizeof(message_ids) / sizeof(message_ids[0]); i++)
                if (strcmp(message_ids[i].event, event) == 0)
                        return message_ids[i].id;
        return MESSAGE_ID_OTHER;
}

void log_audit(const struct audit_record *r)
{
        int priority = strcmp(r->result, "ok") == 0 ? LOG_INFO : LOG_NOTICE;

        if (!to_journal) {
                log_msg(priority, "%s result=%s key=%s identity=%s user=%s service=%s rhost=%s tty=%s action=%s "
                        "caller=%s peer=%u/%u seq=%" PRIu64 "%s%s",
                        r->event, or_dash(r->result), or_dash(r->key_id), or_dash(r->identity), or_dash(r->user),
                        or_dash(r->service), or_dash(r->rhost), or_dash(r->tty), or_dash(r->action),
                        or_dash(r->caller), r->peer_uid, r->peer_pid, r->seq, r->detail[0] ? " detail=" : "",
                        r->detail);
                return;
        }
        sd_journal_send("MESSAGE=%s %s%s%s: %s (key %s, identity %s, service %s, from %s)%s%s", r->event,
                        r->action, r->action[0] ? " by " : "", r->action[0] ? or_dash(r->caller) : "", r->result,
                        or_dash(r->key_id), or_dash(r->identity), or_dash(r->service), or_dash(r->rhost),
                        r->detail[0] ? ": " : "", r->detail, "MESSAGE_ID=%s", message_id(r->event), "PRIORITY=%i",
                        priority, "SYSLOG_IDENTIFIER=apikeyd", "APIKEY_EVENT=%s", r->event,
                        "APIKEY_RESULT=%s", r->result, "APIKEY_ID=%s", or_dash(r->key_id), "APIKEY_IDENTITY=%s",
                        or_dash(r->identity), "PAM_USER=%s", or_dash(r->user), "PAM_SERVICE=%s", or_dash(r->service),
                        "PAM_RHOST=%s", or_dash(r->rhost), "PAM_TTY=%s", or_dash(r->tty), "PEER_UID=%u",
                        r->peer_uid, "PEER_PID=%u", r->peer_pid, "APIKEY_CALLER=%s", or_dash(r->caller),
                        "APIKEY_ACTION=%s", or_dash(r->action), "APIKEY_DETAIL=%s", or_dash(r->detail),
                        "APIKEY_AUDIT_SEQ=%" PRIu64, r->seq, NULL);
}
