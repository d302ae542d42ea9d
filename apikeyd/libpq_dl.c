/* libpq_dl.c - libpq, loaded only when a fleet store is used (libpq_dl.h). */
#include "libpq_dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#define LIBPQ_SONAME "libpq.so.5"

#define LIBPQ_DEFINE(f) __typeof__(f) *sym_##f;
LIBPQ_FUNCTIONS(LIBPQ_DEFINE)
#undef LIBPQ_DEFINE

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int result = -ENOENT;
static char why[512];

static void load(void)
{
        /* Never unloaded: its functions are called until the process ends. */
        void *h = dlopen(LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        const char *e;

        if (!h) {
                e = dlerror();
                snprintf(why, sizeof(why), "the fleet store needs libpq (%s; install it: apt install libpq5): %s",
                         LIBPQ_SONAME, e ? e : "not found");
                return;
        }
#define LIBPQ_RESOLVE(f)                                                                                      \
        if (!(sym_##f = (__typeof__(f) *)dlsym(h, #f))) {                                                     \
                snprintf(why, sizeof(why), "%s has no %s: a libpq of PostgreSQL 14 or later is needed",        \
                         LIBPQ_SONAME, #f);                                                                   \
                return;                                                                                       \
        }
        LIBPQ_FUNCTIONS(LIBPQ_RESOLVE)
#undef LIBPQ_RESOLVE
        result = 0;
}

int libpq_load(void)
{
        if (pthread_once(&once, load) != 0)
                return -ENOENT;
        return result;
}

const char *libpq_error(void)
{
        return why[0] ? why : "libpq is loaded";
}
