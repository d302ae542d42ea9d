/* scan.h - find API keys in a stream, line by line, for 'apikeyctl scan'. */
#ifndef APIKEYCTL_SCAN_H
#define APIKEYCTL_SCAN_H

#include <stdint.h>

#include "key.h"

#define SCAN_LINE_MAX (1024 * 1024) /* longer lines are skipped with a warning */

struct scan_hit {
        const char *file; /* as named on the command line; "-" for standard input */
        uint64_t line;    /* from 1 */
        uint64_t column;  /* byte offset in the line, from 1 */
        char key[KEY_LEN + 1];
};

/* Called for every key found; hit->key is wiped when it returns. Returns 0
 * to go on, anything else to stop the scan with that value. */
typedef int scan_hit_fn(const struct scan_hit *hit, void *userdata);

/* Reads fd to its end and calls fn for every substring with the key's
 * shape and checksum that no [A-Za-z0-9_] precedes or follows. Returns 0,
 * fn's value when it stopped, or -errno when reading failed. */
int scan_fd(int fd, const char *name, scan_hit_fn *fn, void *userdata);

#endif
