/* check.h - a minimal TAP-like harness: every check prints "ok - NAME" or
 * "not ok - NAME"; tests/run counts them and prints "N passed, N failed". */
#ifndef APIKEY_CHECK_H
#define APIKEY_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                        \
        do {                                                                    \
                if (cond) {                                                     \
                        check_passed++;                                         \
                        printf("ok - ");                                        \
                } else {                                                        \
                        check_failed++;                                         \
                        printf("not ok - %s:%d (%s): ", __FILE__, __LINE__, #cond); \
                }                                                               \
                printf(__VA_ARGS__);                                            \
                printf("\n");                                                   \
        } while (0)

static inline int check_done(void)
{
        printf("# %d passed, %d failed\n", check_passed, check_failed);
        fflush(stdout);
        return check_failed ? 1 : 0;
}

#endif
