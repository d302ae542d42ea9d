/* errors.c - the one way apikeyctl reports an error. */
#include <stdarg.h>
#include <stdio.h>

#include "ctl.h"

void ctl_err(const char *fmt, ...)
{
        va_list ap;

        fflush(stdout);
        fputs("apikeyctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void ctl_err_text(const char *daemon_text)
{
        fflush(stdout);
        fputs("apikeyctl: ", stderr);
        text_put(stderr, daemon_text);
        fputc('\n', stderr);
}

int ctl_protocol_error(const char *what)
{
        ctl_err("protocol error: %s (are apikeyctl and apikeyd the same version?)", what);
        return EXIT_FAILURE_OTHER;
}
