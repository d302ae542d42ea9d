/* scan.c - find API keys in a stream: read it in chunks into one buffer of
 * SCAN_LINE_MAX + 1 bytes, look at each complete line, and skip a line that
 * does not fit. Any bytes are fine (binary files too). The buffer is wiped
 * before it is freed: it held whatever keys the stream had. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "scan.h"

#define SCAN_BUF (SCAN_LINE_MAX + 1)

struct scanner {
        int fd;
        const char *name;
        scan_hit_fn *fn;
        void *userdata;
        unsigned char *buf;
        size_t len;    /* bytes in buf: the start of the current line */
        uint64_t line; /* number of the line at buf[0] */
        bool skipping; /* the current line is too long */
};

static bool word_byte(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool key_at(const unsigned char *p, size_t len, size_t at)
{
        return at + KEY_LEN <= len && (at == 0 || !word_byte(p[at - 1])) &&
               (at + KEY_LEN == len || !word_byte(p[at + KEY_LEN])) &&
               key_looks_valid((const char *)p + at, KEY_LEN);
}

static int report(const struct scanner *s, const unsigned char *key, size_t at)
{
        struct scan_hit hit = { .file = s->name, .line = s->line, .column = at + 1 };
        int r;

        memcpy(hit.key, key, KEY_LEN);
        hit.key[KEY_LEN] = '\0';
        r = s->fn(&hit, s->userdata);
        explicit_bzero(hit.key, sizeof(hit.key));
        return r;
}

static int scan_line(const struct scanner *s, const unsigned char *p, size_t len)
{
        size_t i = 0;

        while (i + KEY_LEN <= len) {
                const unsigned char *hit = memmem(p + i, len - i, KEY_PREFIX, KEY_PREFIX_LEN);
                size_t at;
                int r;

                if (!hit)
                        break;
                at = (size_t)(hit - p);
                i = at + 1;
                if (!key_at(p, len, at))
                        continue;
                r = report(s, hit, at);
                if (r != 0)
                        return r;
                i = at + KEY_LEN;
        }
        return 0;
}

/* Scans the complete lines in buf and keeps the incomplete one. */
static int scan_lines(struct scanner *s)
{
        size_t start = 0;
        unsigned char *nl;
        int r = 0;

        while (r == 0 && (nl = memchr(s->buf + start, '\n', s->len - start))) {
                size_t end = (size_t)(nl - s->buf);

                if (!s->skipping)
                        r = scan_line(s, s->buf + start, end - start);
                s->skipping = false;
                s->line++;
                start = end + 1;
        }
        memmove(s->buf, s->buf + start, s->len - start);
        s->len -= start;
        if (s->len == SCAN_BUF) {
                if (!s->skipping)
                        ctl_err("%s:%llu: line longer than 1 MiB: skipped", s->name, (unsigned long long)s->line);
                s->skipping = true;
                s->len = 0;
        }
        return r;
}

static int scan_loop(struct scanner *s)
{
        for (;;) {
                ssize_t n = read(s->fd, s->buf + s->len, SCAN_BUF - s->len);
                int r;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return s->len > 0 && !s->skipping ? scan_line(s, s->buf, s->len) : 0;
                s->len += (size_t)n;
                r = scan_lines(s);
                if (r != 0)
                        return r;
        }
}

int scan_fd(int fd, const char *name, scan_hit_fn *fn, void *userdata)
{
        struct scanner s = { .fd = fd, .name = name, .fn = fn, .userdata = userdata, .line = 1 };
        int r;

        s.buf = malloc(SCAN_BUF);
        if (!s.buf)
                return -ENOMEM;
        r = scan_loop(&s);
        explicit_bzero(s.buf, SCAN_BUF);
        free(s.buf);
        return r;
}
