/* restrict.h - key restrictions: PAM service lists and source CIDR lists.
 * The CLI validates with these before sending; the daemon validates again
 * and matches. */
#ifndef APIKEY_RESTRICT_H
#define APIKEY_RESTRICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RESTRICT_MAX_ITEMS 16

struct cidr {
        int family; /* AF_INET or AF_INET6 */
        uint8_t addr[16];
        unsigned prefix;
};

/* "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). */
int cidr_parse(const char *s, struct cidr *ret);
/* Whether the textual address ip (PAM_RHOST) lies in c. A host name, an
 * empty or missing rhost never matches. IPv4-mapped IPv6 addresses match
 * IPv4 ranges. */
bool cidr_match(const struct cidr *c, const char *ip);

/* Comma-separated lists, at most RESTRICT_MAX_ITEMS items, no empty item. */
bool cidr_list_valid(const char *list);
bool cidr_list_match(const char *list, const char *ip);
/* PAM service names: [A-Za-z0-9._-], 1..64 characters. */
bool service_name_valid(const char *s, size_t len);
bool service_list_valid(const char *list);
bool service_list_contains(const char *list, const char *service);
/* Service ID names: 1..64 of [a-z0-9._-], starting with a letter or digit. */
bool service_id_name_valid(const char *s);

#endif
