/* restrict.c - parse and match service and source restrictions. */
#include "restrict.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"
#include "proto.h"

#define CIDR_TEXT_MAX 64

int cidr_parse(const char *s, struct cidr *ret)
{
        char buf[CIDR_TEXT_MAX];
        char *slash, *end;
        unsigned long prefix;
        struct cidr c = { 0 };

        if (!s || strlen(s) >= sizeof(buf))
                return -EINVAL;
        strcpy(buf, s);
        slash = strchr(buf, '/');
        if (slash)
                *slash = '\0';
        if (inet_pton(AF_INET, buf, c.addr) == 1)
                c.family = AF_INET, c.prefix = 32;
        else if (inet_pton(AF_INET6, buf, c.addr) == 1)
                c.family = AF_INET6, c.prefix = 128;
        else
                return -EINVAL;
        if (slash) {
                if (slash[1] < '0' || slash[1] > '9')
                        return -EINVAL;
                errno = 0;
                prefix = strtoul(slash + 1, &end, 10);
                if (errno || *end || prefix > c.prefix)
                        return -EINVAL;
                c.prefix = (unsigned)prefix;
        }
        *ret = c;
        return 0;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
        unsigned bytes = bits / 8, rest = bits % 8;

        if (memcmp(a, b, bytes) != 0)
                return false;
        if (rest == 0)
                return true;
        return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool cidr_match(const struct cidr *c, const char *ip)
{
        static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        uint8_t addr[16];

        if (!c || !ip || !*ip)
                return false;
        if (inet_pton(AF_INET, ip, addr) == 1)
                return c->family == AF_INET && prefix_equal(addr, c->addr, c->prefix);
        if (inet_pton(AF_INET6, ip, addr) != 1)
                return false; /* a host name: never trusted for a source restriction */
        if (c->family == AF_INET6)
                return prefix_equal(addr, c->addr, c->prefix);
        return memcmp(addr, v4mapped, sizeof(v4mapped)) == 0 && prefix_equal(addr + 12, c->addr, c->prefix);
}

/* Calls fn for each comma-separated item (copied, NUL-terminated); stops at
 * the first false. False for an empty item or too many items. */
static bool each_item(const char *list, bool (*fn)(const char *item, void *ud), void *ud)
{
        char item[CIDR_TEXT_MAX + PROTO_SERVICE_NAME_MAX];
        unsigned n = 0;

        if (!list || !*list)
                return false;
        for (const char *p = list;; p++) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);

                if (len == 0 || len >= sizeof(item) || ++n > RESTRICT_MAX_ITEMS)
                        return false;
                memcpy(item, p, len);
                item[len] = '\0';
                if (!fn(item, ud))
                        return false;
                if (!comma)
                        return true;
                p = comma;
        }
}

static bool item_is_cidr(const char *item, void *ud)
{
        struct cidr c;

        (void)ud;
        return cidr_parse(item, &c) == 0;
}

bool cidr_list_valid(const char *list)
{
        return each_item(list, item_is_cidr, NULL);
}

static bool item_misses_ip(const char *item, void *ud)
{
        struct cidr c;

        return cidr_parse(item, &c) < 0 || !cidr_match(&c, ud);
}

bool cidr_list_match(const char *list, const char *ip)
{
        /* each_item runs to the end (true) only when no item matched. */
        return cidr_list_valid(list) && !each_item(list, item_misses_ip, (void *)ip);
}

bool service_name_valid(const char *s, size_t len)
{
        if (len == 0 || len > PROTO_SERVICE_NAME_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-'))
                        return false;
        }
        return true;
}

static bool item_is_service(const char *item, void *ud)
{
        (void)ud;
        return service_name_valid(item, strlen(item));
}

bool service_list_valid(const char *list)
{
        return each_item(list, item_is_service, NULL);
}

static bool item_differs(const char *item, void *ud)
{
        return strcmp(item, ud) != 0;
}

bool service_list_contains(const char *list, const char *service)
{
        return service && service_list_valid(list) && !each_item(list, item_differs, (void *)service);
}

bool service_id_name_valid(const char *s)
{
        size_t len = s ? strlen(s) : 0;

        if (len == 0 || len > PROTO_SID_NAME_MAX || !strchr(KEY_ID_ALPHABET, s[0]))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!strchr(KEY_ID_ALPHABET "._-", s[i]))
                        return false;
        return true;
}
