/* disturb.h - load beside a measured row (disturb.c). */
#ifndef APIKEY_BENCH_DISTURB_H
#define APIKEY_BENCH_DISTURB_H

#include "bench.h"

#define DISTURB_READERS_MAX 64

struct disturb {
        const struct bench_opts *o;
        const char *ctl_sock;
        double seconds;
        unsigned n;             /* slow readers at once */
        unsigned long rounds;   /* requests made (readers opened, verify runs answered) */
        unsigned long dropped;  /* readers the daemon dropped */
        unsigned long errors;   /* verify runs that got no answer */
        int last_status;        /* apikeyctl's exit status of the last of those */
};

/* during_fn for load_spec. */
void disturb_slow_readers(void *arg, uint64_t start_ns);
void disturb_verify(void *arg, uint64_t start_ns);

#endif
