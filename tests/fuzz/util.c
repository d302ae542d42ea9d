/* util.c - the helpers every harness links (fuzz.h). */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *file, int line, const char *what)
{
        /* Descriptor 2, not the stderr FILE: fuzz_quiet_stdio() may have
         * pointed that at /dev/null. */
        dprintf(2, "%s:%d: property does not hold: %s\n", file, line, what);
        abort();
}

static void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);

        if (!p)
                abort();
        return p;
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
        char *s = xmalloc(size + 1);

        if (size)
                memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

uint8_t *fuzz_exact(const uint8_t *data, size_t size)
{
        /* malloc(0) may return NULL or a unique pointer; ASan flags any read
         * of either size-0 block, so asking for 0 bytes keeps it exact. */
        uint8_t *p = malloc(size);

        if (!p && !(p = malloc(1)))
                abort();
        if (size)
                memcpy(p, data, size);
        return p;
}

static bool is_sep(uint8_t c, const char *seps)
{
        return c == '\0' || strchr(seps, c); /* strchr also finds the terminator: c == 0 first */
}

void fuzz_argv_build(struct fuzz_argv *a, const uint8_t *data, size_t size, const char *argv0, const char *seps,
                     bool null_words)
{
        size_t max_words = size / 2 + 2; /* words are separated: at most half the bytes, rounded up */
        size_t n = 0;

        a->words = xmalloc(size + 1);
        a->argv = xmalloc((max_words + 1) * sizeof(*a->argv));
        if (!seps)
                seps = "";
        if (argv0)
                a->argv[n++] = (char *)argv0;
        for (size_t i = 0; i < size;) {
                size_t start, len;

                while (i < size && is_sep(data[i], seps))
                        i++;
                if (i >= size)
                        break;
                start = i;
                while (i < size && !is_sep(data[i], seps))
                        i++;
                len = i - start;
                memcpy(a->words + start, data + start, len);
                a->words[start + len] = '\0';
                if (null_words && len == 1 && data[start] == 0xff)
                        a->argv[n++] = NULL;
                else
                        a->argv[n++] = a->words + start;
        }
        a->argv[n] = NULL;
        a->argc = (int)n;
}

void fuzz_argv_free(struct fuzz_argv *a)
{
        free(a->argv);
        free(a->words);
        *a = (struct fuzz_argv){ 0 };
}

void fuzz_quiet_stdio(void)
{
        const char *v = getenv("FUZZ_VERBOSE");
        FILE *null;

        if (v && strcmp(v, "1") == 0)
                return;
        null = fopen("/dev/null", "w");
        if (!null)
                abort();
        stdout = null;
        stderr = null;
}
