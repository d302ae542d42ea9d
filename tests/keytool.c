/* keytool.c - test helper: derive near-miss keys from a real one and send
 * raw records to the daemon's sockets.
 *   keytool wrong-secret KEY | unknown-id KEY | bad-checksum KEY
 *   keytool raw SOCKET HEX       send HEX as one record, print the reply
 *   keytool oversize SOCKET      send a record larger than WIRE_MAX_MSG
 *   keytool serve SOCKET MODE    an impostor daemon: answers every request with
 *                                MODE (garbage, short, oversize, other-id, ok-bare,
 *                                silent, close) and logs "request" per request
 *   keytool hold SOCKET N        open N connections that send nothing; print
 *                                how many the daemon accepted and after how many
 *                                ms each was closed
 *   keytool flood SOCKET HEX N   send HEX as one record on each of N connections;
 *                                print how the daemon answered (verdict=count)
 *   keytool auth SOCKET USER KEY RHOST N
 *                                N raw authentication requests naming RHOST, as
 *                                any local process can send them; same output
 *   keytool candidates KEY N     N other keys with KEY's ID, secret and a valid
 *                                CRC but the last two secret characters: what
 *                                someone who saw all but those two would try
 *   keytool noread SOCKET N SECONDS audit|verify|list-all|status
 *                                N control requests that never read their reply;
 *                                after SECONDS print how many the daemon dropped
 *   keytool page SOCKET audit|list-all LIMIT [CURSOR]
 *                                one page as apikeyd sends it (LIMIT 0: none
 *                                asked); prints records=N cursor=C
 *   keytool time SOCKET USER N KEY...
 *                                N interleaved authentications with each KEY for
 *                                USER (or for NAME, when written NAME:KEY: user
 *                                names have no ':'); prints each KEY's median
 *                                and p90 in ns */
#include <errno.h>
#include <poll.h>
#include <inttypes.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "key.h"
#include "proto.h"
#include "transport.h"
#include "wire.h"

static char other(char c, const char *alphabet)
{
        return c == alphabet[0] ? alphabet[1] : alphabet[0];
}

static int derive(const char *how, const char *key)
{
        struct key_parts p;
        char out[KEY_LEN + 1];

        if (key_parse(key, &p) < 0) {
                fprintf(stderr, "keytool: not a key\n");
                return 2;
        }
        if (strcmp(how, "wrong-secret") == 0)
                p.secret[0] = other(p.secret[0], KEY_SECRET_ALPHABET);
        else if (strcmp(how, "unknown-id") == 0)
                p.id[0] = other(p.id[0], KEY_ID_ALPHABET);
        else if (strcmp(how, "bad-checksum") != 0)
                return 2;
        if (key_format(p.id, p.secret, out, sizeof(out)) < 0)
                return 1;
        if (strcmp(how, "bad-checksum") == 0)
                out[KEY_LEN - 1] = other(out[KEY_LEN - 1], KEY_SECRET_ALPHABET);
        puts(out);
        return 0;
}

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
        size_t n = 0;

        for (; hex[0] && hex[1] && n < max; hex += 2)
                sscanf(hex, "%2hhx", &out[n++]);
        return n;
}

static int exchange(const char *path, const uint8_t *data, size_t len)
{
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_msg m;
        uint32_t v;
        int fd, r;

        r = transport_connect(path, transport_now_ms() + 5000, &fd);
        if (r < 0) {
                printf("connect=%s\n", strerror(-r));
                return 1;
        }
        if (send(fd, data, len, MSG_NOSIGNAL) < 0)
                printf("send=%s\n", strerror(errno));
        r = transport_recv(fd, buf, sizeof(buf), &m, transport_now_ms() + 7000);
        if (r < 0) {
                printf("reply=%s\n", r == -ECONNRESET ? "closed" : strerror(-r));
                return 1;
        }
        printf("type=%u\n", m.type);
        if (wire_get_u32(&m, TAG_VERDICT, &v) == 0)
                printf("verdict=%s\n", verdict_to_string(v));
        if (wire_get_u32(&m, TAG_STATUS, &v) == 0)
                printf("status=%s\n", status_to_string(v));
        return 0;
}

/* One record on a fresh connection; the reply's verdict, or -1. */
static int send_one(const char *path, const uint8_t *data, size_t len)
{
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_msg m;
        uint32_t v;
        int fd, r;

        if (transport_connect(path, transport_now_ms() + 5000, &fd) < 0)
                return -1;
        r = send(fd, data, len, MSG_NOSIGNAL) < 0 ? -1 : 0;
        if (r == 0 && (transport_recv(fd, buf, sizeof(buf), &m, transport_now_ms() + 5000) < 0 ||
                       wire_get_u32(&m, TAG_VERDICT, &v) < 0 || v >= _VERDICT_MAX))
                r = -1;
        close(fd);
        return r < 0 ? -1 : (int)v;
}

static int flood(const char *path, const uint8_t *data, size_t len, long n)
{
        long counts[_VERDICT_MAX + 1] = { 0 };

        for (long i = 0; i < n; i++) {
                int v = send_one(path, data, len);
                counts[v < 0 ? _VERDICT_MAX : v]++;
        }
        for (int v = 0; v < _VERDICT_MAX; v++)
                if (counts[v])
                        printf("%s=%ld\n", verdict_to_string((uint32_t)v), counts[v]);
        printf("no_reply=%ld\n", counts[_VERDICT_MAX]);
        return 0;
}

static int auth_flood(const char *path, const char *user, const char *key, const char *rhost, long n)
{
        struct wire_buf b;

        wire_init(&b, MSG_AUTH_REQUEST);
        wire_put_str(&b, TAG_USER, user);
        wire_put_str(&b, TAG_SERVICE, "keytool");
        wire_put_str(&b, TAG_KEY, key);
        if (rhost[0])
                wire_put_str(&b, TAG_RHOST, rhost);
        if (wire_finish(&b) < 0)
                return 2;
        return flood(path, b.data, b.len, n);
}

static int candidates(const char *key, long n)
{
        struct key_parts p;
        char out[KEY_LEN + 1];
        const char *a = KEY_SECRET_ALPHABET;
        size_t alen = strlen(a);

        if (key_parse(key, &p) < 0) {
                fprintf(stderr, "keytool: not a key\n");
                return 2;
        }
        for (size_t i = 0; i < alen * alen && n > 0; i++) {
                p.secret[KEY_SECRET_LEN - 2] = a[i / alen];
                p.secret[KEY_SECRET_LEN - 1] = a[i % alen];
                if (key_format(p.id, p.secret, out, sizeof(out)) < 0)
                        return 1;
                if (strcmp(out, key) == 0)
                        continue;
                puts(out);
                n--;
        }
        return 0;
}

/* The reply an impostor gives. Returns its length. */
static size_t impostor_reply(const char *mode, uint8_t *out, size_t outsz)
{
        struct wire_buf b;

        if (strcmp(mode, "garbage") == 0)
                return (size_t)snprintf((char *)out, outsz, "HTTP/1.0 200 OK\r\n\r\n");
        if (strcmp(mode, "short") == 0)
                return (out[0] = WIRE_VERSION, 1);
        if (strcmp(mode, "oversize") == 0) {
                memset(out, 0, WIRE_MAX_MSG + 100);
                out[0] = WIRE_VERSION, out[1] = MSG_AUTH_REPLY;
                return WIRE_MAX_MSG + 100;
        }
        wire_init(&b, MSG_AUTH_REPLY);
        wire_put_u32(&b, TAG_VERDICT, VERDICT_OK);
        if (strcmp(mode, "other-id") == 0) { /* ok, for some other key */
                wire_put_str(&b, TAG_KEY_ID, "zzzzzzzzzzzz");
                wire_put_str(&b, TAG_IDENTITY, "user:root");
        }
        memcpy(out, b.data, b.len);
        return b.len;
}

static int serve(const char *path, const char *mode)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        static uint8_t buf[WIRE_MAX_MSG * 2], reply[WIRE_MAX_MSG * 2];
        int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        unlink(path);
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
            listen(lfd, 16) < 0)
                return perror("keytool serve"), 1;
        setvbuf(stdout, NULL, _IONBF, 0);
        for (;;) {
                int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0)
                        continue;
                if (recv(fd, buf, sizeof(buf), 0) > 0)
                        printf("request\n");
                if (strcmp(mode, "silent") == 0)
                        sleep(30);
                else if (strcmp(mode, "close") != 0)
                        (void)send(fd, reply, impostor_reply(mode, reply, sizeof(reply)), MSG_NOSIGNAL);
                close(fd);
        }
}

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One authentication round trip, as the module makes it; its time in ns. */
static int64_t time_one(const char *path, const char *user, const char *key)
{
        uint8_t buf[WIRE_MAX_MSG];
        struct wire_buf b;
        struct wire_msg m;
        int64_t start = now_ns();
        int fd;

        wire_init(&b, MSG_AUTH_REQUEST);
        wire_put_str(&b, TAG_USER, user);
        wire_put_str(&b, TAG_SERVICE, "timing");
        wire_put_str(&b, TAG_KEY, key);
        if (transport_connect(path, transport_now_ms() + 5000, &fd) < 0)
                return -1;
        if (transport_send(fd, &b, transport_now_ms() + 5000) < 0 ||
            transport_recv(fd, buf, sizeof(buf), &m, transport_now_ms() + 5000) < 0) {
                close(fd);
                return -1;
        }
        close(fd);
        return now_ns() - start;
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return (x > y) - (x < y);
}

#define TIME_KEYS_MAX 16

static int timing(const char *path, const char *user, int n, int nkeys, char **keys)
{
        int64_t *t = calloc((size_t)n * (size_t)nkeys, sizeof(*t));

        if (!t || n <= 0)
                return 2;
        char names[TIME_KEYS_MAX][PROTO_USER_MAX + 1];
        const char *key[TIME_KEYS_MAX];

        if (nkeys > TIME_KEYS_MAX)
                return free(t), 2;
        for (int k = 0; k < nkeys; k++) {
                const char *colon = strchr(keys[k], ':');
                size_t len = colon ? (size_t)(colon - keys[k]) : 0;

                if (len > PROTO_USER_MAX)
                        return free(t), 2;
                snprintf(names[k], sizeof(names[k]), "%.*s", (int)len, keys[k]);
                if (!colon)
                        snprintf(names[k], sizeof(names[k]), "%s", user);
                key[k] = colon ? colon + 1 : keys[k];
        }
        for (int i = 0; i < n; i++)
                for (int k = 0; k < nkeys; k++)
                        if ((t[(size_t)k * (size_t)n + (size_t)i] = time_one(path, names[k], key[k])) < 0)
                                return free(t), 1;
        for (int k = 0; k < nkeys; k++) {
                int64_t *row = t + (size_t)k * (size_t)n;
                qsort(row, (size_t)n, sizeof(*row), cmp_i64);
                printf("key%d median=%" PRId64 " p90=%" PRId64 "\n", k + 1, row[n / 2], row[n * 9 / 10]);
        }
        free(t);
        return 0;
}

/* Slow or silent clients: each connection sends nothing. A connection the
 * daemon closed within a second was refused; later, it was held and cut off
 * at the deadline. */
static int hold(const char *path, int n)
{
        struct pollfd *p = calloc((size_t)n, sizeof(*p));
        int64_t start = transport_now_ms(), last = 0;
        int open_n = 0, left = 0;

        if (!p)
                return 2;
        for (int i = 0; i < n; i++) {
                p[i].events = POLLIN;
                if (transport_connect(path, transport_now_ms() + 2000, &p[i].fd) < 0)
                        p[i].fd = -1;
                left += p[i].fd >= 0;
        }
        while (left > 0 && transport_now_ms() - start < 20000 && poll(p, (nfds_t)n, 1000) >= 0)
                for (int i = 0; i < n; i++) {
                        if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        last = transport_now_ms() - start;
                        open_n += last >= 1000;
                        close(p[i].fd);
                        p[i].fd = -1;
                        left--;
                }
        printf("held=%d closed_after_ms=%" PRId64 "\n", open_n, last);
        free(p);
        return 0;
}

/* Clients that ask for a long answer and never read it (issue 13.1). A
 * connection the daemon closed shows POLLHUP. */
static int noread(const char *path, int n, int seconds, const char *what)
{
        struct pollfd *p = calloc((size_t)n, sizeof(*p));
        int sent = 0, dropped = 0;
        struct wire_buf b;

        if (!p)
                return 2;
        wire_init(&b, MSG_CTL_REQUEST);
        wire_put_u32(&b, TAG_COMMAND, strcmp(what, "status") == 0 ? CTL_STATUS
                                      : strcmp(what, "audit") == 0 || strcmp(what, "verify") == 0 ? CTL_AUDIT
                                                                                                  : CTL_LIST);
        wire_put_u32(&b, TAG_FLAGS, strcmp(what, "list-all") == 0 ? CTL_FLAG_ALL
                                    : strcmp(what, "verify") == 0 ? CTL_FLAG_VERIFY
                                                                  : 0);
        if (wire_finish(&b) < 0)
                return 2;
        for (int i = 0; i < n; i++) {
                p[i].events = POLLRDHUP;
                if (transport_connect(path, transport_now_ms() + 2000, &p[i].fd) < 0)
                        p[i].fd = -1;
                else if (send(p[i].fd, b.data, b.len, MSG_NOSIGNAL) == (ssize_t)b.len)
                        sent++;
        }
        printf("sent=%d\n", sent);
        fflush(stdout);
        sleep((unsigned)seconds);
        for (int i = 0; i < n; i++)
                if (p[i].fd >= 0 && poll(&p[i], 1, 0) > 0 && (p[i].revents & (POLLHUP | POLLRDHUP | POLLERR)))
                        dropped++;
        printf("dropped=%d\n", dropped);
        for (int i = 0; i < n; i++)
                if (p[i].fd >= 0)
                        close(p[i].fd);
        free(p);
        return 0;
}

/* One raw page: how many records the daemon sends for a request, whatever
 * apikeyctl would accept. */
static int page(const char *path, const char *what, uint32_t limit, const char *cursor)
{
        uint8_t buf[WIRE_MAX_MSG];
        char next[PROTO_CURSOR_MAX + 1] = "-";
        struct wire_buf b;
        struct wire_msg m;
        uint32_t status = 0;
        long records = 0;
        int fd, r;

        wire_init(&b, MSG_CTL_REQUEST);
        wire_put_u32(&b, TAG_COMMAND, strcmp(what, "audit") == 0 ? CTL_AUDIT : CTL_LIST);
        wire_put_u32(&b, TAG_FLAGS, strcmp(what, "list-all") == 0 ? CTL_FLAG_ALL : 0);
        if (limit)
                wire_put_u32(&b, TAG_LIMIT, limit);
        if (cursor)
                wire_put_str(&b, TAG_CURSOR, cursor);
        if (wire_finish(&b) < 0 || transport_connect(path, transport_now_ms() + 5000, &fd) < 0)
                return 2;
        r = transport_send(fd, &b, transport_now_ms() + 5000);
        while (r == 0 && (r = transport_recv(fd, buf, sizeof(buf), &m, transport_now_ms() + 10000)) == 0 &&
               m.type != MSG_CTL_REPLY)
                records++;
        close(fd);
        if (r < 0) {
                printf("error=%s records=%ld\n", strerror(-r), records);
                return 1;
        }
        (void)wire_get_u32(&m, TAG_STATUS, &status);
        (void)wire_get_str(&m, TAG_CURSOR, next, sizeof(next));
        printf("status=%s records=%ld cursor=%s\n", status_to_string(status), records, next);
        return 0;
}

int main(int argc, char **argv)
{
        static uint8_t data[WIRE_MAX_MSG * 2];

        if (argc == 3 && strcmp(argv[1], "oversize") == 0) {
                memset(data, 'A', sizeof(data));
                data[0] = WIRE_VERSION;
                data[1] = MSG_AUTH_REQUEST;
                return exchange(argv[2], data, WIRE_MAX_MSG + 100);
        }
        if ((argc == 5 || argc == 6) && strcmp(argv[1], "page") == 0)
                return page(argv[2], argv[3], (uint32_t)strtoul(argv[4], NULL, 10), argc == 6 ? argv[5] : NULL);
        if (argc == 6 && strcmp(argv[1], "noread") == 0)
                return noread(argv[2], atoi(argv[3]), atoi(argv[4]), argv[5]);
        if (argc == 4 && strcmp(argv[1], "hold") == 0)
                return hold(argv[2], atoi(argv[3]));
        if (argc >= 6 && strcmp(argv[1], "time") == 0)
                return timing(argv[2], argv[3], atoi(argv[4]), argc - 5, argv + 5);
        if (argc == 4 && strcmp(argv[1], "serve") == 0)
                return serve(argv[2], argv[3]);
        if (argc == 4 && strcmp(argv[1], "raw") == 0)
                return exchange(argv[2], data, unhex(argv[3], data, sizeof(data)));
        if (argc == 5 && strcmp(argv[1], "flood") == 0)
                return flood(argv[2], data, unhex(argv[3], data, sizeof(data)), atol(argv[4]));
        if (argc == 7 && strcmp(argv[1], "auth") == 0)
                return auth_flood(argv[2], argv[3], argv[4], argv[5], atol(argv[6]));
        if (argc == 4 && strcmp(argv[1], "candidates") == 0)
                return candidates(argv[2], atol(argv[3]));
        if (argc == 3)
                return derive(argv[1], argv[2]);
        fprintf(stderr, "usage: keytool wrong-secret|unknown-id|bad-checksum KEY | raw SOCKET HEX | oversize SOCKET\n");
        return 2;
}
