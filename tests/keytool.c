/* keytool.c - test helper: derive near-miss keys from a real one and send
 * raw records to the daemon's sockets.
 *   keytool wrong-secret KEY | unknown-id KEY | bad-checksum KEY
 *   keytool raw SOCKET HEX       send HEX as one record, print the reply
 *   keytool oversize SOCKET      send a record larger than WIRE_MAX_MSG */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

int main(int argc, char **argv)
{
        static uint8_t data[WIRE_MAX_MSG * 2];

        if (argc == 3 && strcmp(argv[1], "oversize") == 0) {
                memset(data, 'A', sizeof(data));
                data[0] = WIRE_VERSION;
                data[1] = MSG_AUTH_REQUEST;
                return exchange(argv[2], data, WIRE_MAX_MSG + 100);
        }
        if (argc == 4 && strcmp(argv[1], "raw") == 0)
                return exchange(argv[2], data, unhex(argv[3], data, sizeof(data)));
        if (argc == 3)
                return derive(argv[1], argv[2]);
        fprintf(stderr, "usage: keytool wrong-secret|unknown-id|bad-checksum KEY | raw SOCKET HEX | oversize SOCKET\n");
        return 2;
}
