/* fuzz_ctl_reply.c - what apikeyctl does with whatever the control socket
 * answers: receiving records and the reply (apikeyctl/client.c), decoding
 * them (records.c, reply_decode.c), checking the answer (print_reply.c) and printing it
 * as text or JSON (text_*.c, json_*.c).
 *
 * The input is one byte that picks a command line (ctl_commands.h), then the
 * daemon's messages, each as a big-endian u16 length and that many bytes.
 * The real run() of apikeyctl/main.c (included here, its main() renamed)
 * runs; transport_connect() is replaced (ld --wrap) by a socketpair whose
 * other end already holds the messages and is shut for writing, and the
 * peer check trusts the harness's own uid. stdout and stderr are memory
 * streams for the run.
 *
 * Properties: the exit code is one of the documented ones; everything
 * printed is safe on a terminal (valid UTF-8; no control character but
 * newline; no C1 control, bidirectional control or mark, or line separator); with
 * --json, standard output is nothing or one JSON value. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define main apikeyctl_main
#include "../../apikeyctl/main.c"
#undef main

#include "ctl_commands.h"
#include "fuzz.h"
#include "transport.h"

static struct ctl_options options[_CMD_FUZZ_MAX];
static struct fuzz_argv argvs[_CMD_FUZZ_MAX]; /* the options point into them */
static int pending_fd = -1; /* what the next transport_connect() returns */

int __real_transport_check_peer(int fd, uid_t trusted_uid);
int __wrap_transport_connect(const char *path, int64_t deadline_ms, int *ret_fd);
int __wrap_transport_check_peer(int fd, uid_t trusted_uid);

int __wrap_transport_connect(const char *path, int64_t deadline_ms, int *ret_fd)
{
        (void)path, (void)deadline_ms;
        if (pending_fd < 0)
                return -ECONNREFUSED;
        *ret_fd = pending_fd;
        pending_fd = -1;
        return 0;
}

/* The socketpair's peer is this process: trust its uid, not only apikeyd's. */
int __wrap_transport_check_peer(int fd, uid_t trusted_uid)
{
        (void)trusted_uid;
        return __real_transport_check_peer(fd, geteuid());
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc, (void)argv;
        unsetenv(CTL_SOCKET_ENV);
        setlocale(LC_CTYPE, "C.UTF-8"); /* as main() does, with a UTF-8 locale for wcwidth() */
        for (int i = 0; i < _CMD_FUZZ_MAX; i++) {
                const char *line = ctl_fuzz_commands[i];

                fuzz_argv_build(&argvs[i], (const uint8_t *)line, strlen(line), "apikeyctl", " ", false);
                if (args_parse(argvs[i].argc, argvs[i].argv, &options[i]) != -1) {
                        dprintf(2, "fuzz_ctl_reply: '%s' does not parse\n", line);
                        abort();
                }
        }
        return 0;
}

/* The length of the UTF-8 sequence at s and its code point, or -1. Written
 * here, not taken from text_safe.c: that is what is being checked. */
static int utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
        int n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
              : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : -1;
        static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };

        if (n < 0 || len < (size_t)n)
                return -1;
        *cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
        for (int i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return -1;
                *cp = (*cp << 6) | (s[i] & 0x3f);
        }
        if (*cp < min[n] || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
                return -1;
        return n;
}

static bool terminal_safe(const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;

        while (len > 0) {
                uint32_t cp;
                int n = utf8_next(p, len, &cp);

                if (n < 0)
                        return false;
                if ((cp < 0x20 && cp != '\n') || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
                    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0x200e ||
                    cp == 0x200f || cp == 0x061c)
                        return false;
                p += n;
                len -= (size_t)n;
        }
        return true;
}

/* A JSON recogniser (RFC 8259), enough to say whether the output parses. */
struct json {
        const char *p, *end;
        int depth;
};

static bool json_value(struct json *j);

static void json_ws(struct json *j)
{
        while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
                j->p++;
}

static bool json_lit(struct json *j, const char *lit)
{
        size_t n = strlen(lit);

        if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
                return false;
        j->p += n;
        return true;
}

static bool json_string(struct json *j)
{
        if (j->p >= j->end || *j->p != '"')
                return false;
        for (j->p++; j->p < j->end; j->p++) {
                unsigned char c = (unsigned char)*j->p;

                if (c == '"') {
                        j->p++;
                        return true;
                }
                if (c < 0x20)
                        return false;
                if (c == '\\') {
                        if (++j->p >= j->end)
                                return false;
                        if (*j->p == 'u') {
                                for (int i = 0; i < 4; i++)
                                        if (++j->p >= j->end || !isxdigit((unsigned char)*j->p))
                                                return false;
                        } else if (!strchr("\"\\/bfnrt", *j->p) || !*j->p) {
                                return false;
                        }
                }
        }
        return false;
}

static bool json_number(struct json *j)
{
        const char *start = j->p;

        if (j->p < j->end && *j->p == '-')
                j->p++;
        if (j->p < j->end && *j->p == '0')
                j->p++;
        else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
                while (j->p < j->end && isdigit((unsigned char)*j->p))
                        j->p++;
        else
                return false;
        if (j->p < j->end && *j->p == '.') {
                if (++j->p >= j->end || !isdigit((unsigned char)*j->p))
                        return false;
                while (j->p < j->end && isdigit((unsigned char)*j->p))
                        j->p++;
        }
        if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
                if (++j->p < j->end && (*j->p == '+' || *j->p == '-'))
                        j->p++;
                if (j->p >= j->end || !isdigit((unsigned char)*j->p))
                        return false;
                while (j->p < j->end && isdigit((unsigned char)*j->p))
                        j->p++;
        }
        return j->p > start;
}

static bool json_container(struct json *j, char open, char close)
{
        bool object = open == '{';

        if (++j->depth > 64)
                return false;
        j->p++;
        json_ws(j);
        if (j->p < j->end && *j->p == close) {
                j->p++;
                j->depth--;
                return true;
        }
        for (;;) {
                json_ws(j);
                if (object) {
                        if (!json_string(j))
                                return false;
                        json_ws(j);
                        if (j->p >= j->end || *j->p++ != ':')
                                return false;
                }
                if (!json_value(j))
                        return false;
                json_ws(j);
                if (j->p >= j->end)
                        return false;
                if (*j->p == close) {
                        j->p++;
                        j->depth--;
                        return true;
                }
                if (*j->p++ != ',')
                        return false;
        }
}

static bool json_value(struct json *j)
{
        json_ws(j);
        if (j->p >= j->end)
                return false;
        switch (*j->p) {
        case '{':
                return json_container(j, '{', '}');
        case '[':
                return json_container(j, '[', ']');
        case '"':
                return json_string(j);
        case 't':
                return json_lit(j, "true");
        case 'f':
                return json_lit(j, "false");
        case 'n':
                return json_lit(j, "null");
        default:
                return json_number(j);
        }
}

static bool json_document(const char *s, size_t len)
{
        struct json j = { s, s + len, 0 };

        if (!json_value(&j))
                return false;
        json_ws(&j);
        return j.p == j.end;
}

/* A connection whose peer has sent the framed messages in data. */
static int queue_messages(const uint8_t *data, size_t size, int *ret_peer)
{
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        while (size > 0) {
                size_t len = size >= 2 ? (size_t)data[0] << 8 | data[1] : size;
                const uint8_t *msg = size >= 2 ? data + 2 : data;
                size_t avail = size >= 2 ? size - 2 : size;

                if (len > avail)
                        len = avail; /* the last message: whatever is left */
                if (send(sv[1], msg, len, MSG_NOSIGNAL) != (ssize_t)len)
                        break; /* the socket buffer is full: the rest is never sent */
                size = avail - len;
                data = msg + len;
        }
        shutdown(sv[1], SHUT_WR);
        *ret_peer = sv[1];
        return sv[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct ctl_options *o;
        FILE *saved_out = stdout, *saved_err = stderr;
        char *out = NULL, *err = NULL;
        size_t outlen = 0, errlen = 0;
        int peer, r;

        if (size < 1)
                return 0;
        o = &options[data[0] % _CMD_FUZZ_MAX];
        pending_fd = queue_messages(data + 1, size - 1, &peer);
        stdout = open_memstream(&out, &outlen);
        stderr = open_memstream(&err, &errlen);
        if (!stdout || !stderr)
                abort();
        r = run(o);
        fclose(stdout);
        fclose(stderr);
        stdout = saved_out;
        stderr = saved_err;
        if (pending_fd >= 0)
                close(pending_fd);
        pending_fd = -1;
        close(peer);

        if (getenv("FUZZ_VERBOSE") && strcmp(getenv("FUZZ_VERBOSE"), "1") == 0)
                dprintf(2, "apikeyctl %s: exit %d\n--- stdout\n%.*s--- stderr\n%.*s---\n",
                        ctl_fuzz_commands[data[0] % _CMD_FUZZ_MAX], r, (int)outlen, out, (int)errlen, err);
        FUZZ_CHECK(r >= EXIT_OK && r <= EXIT_CONFLICT);
        FUZZ_CHECK(terminal_safe(out, outlen));
        FUZZ_CHECK(terminal_safe(err, errlen));
        if (o->json && outlen > 0)
                FUZZ_CHECK(json_document(out, outlen));
        free(out);
        free(err);
        return 0;
}
