/* pwcache.c - the exact cache of /etc/passwd for owner checks (pwcache.h
 * says when it may answer and why that is what getpwnam_r would say). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pwcache.h"

#define PWCACHE_FILE_MAX (64u << 20) /* a larger file is not cached */

static void file_note(struct pwcache_file *f, const struct stat *st)
{
        *f = (struct pwcache_file){ .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
                                    .mtime = st->st_mtim, .ctime = st->st_ctim, .valid = true };
}

static bool file_same(const struct pwcache_file *f, const struct stat *st)
{
        return f->valid && f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size &&
               f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec &&
               f->ctime.tv_sec == st->st_ctim.tv_sec && f->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* The whole file, NUL-terminated, and its identity; NULL when it cannot be
 * read, is not a regular file, is too large, or changed while read. */
static char *read_file(const char *path, struct stat *ret_st, size_t *ret_len)
{
        struct stat a, b;
        char *buf = NULL;
        size_t len = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return NULL;
        if (fstat(fd, &a) < 0 || !S_ISREG(a.st_mode) || a.st_size < 0 || (uint64_t)a.st_size > PWCACHE_FILE_MAX)
                goto fail;
        buf = malloc((size_t)a.st_size + 1);
        if (!buf)
                goto fail;
        while (len < (size_t)a.st_size) {
                ssize_t n = read(fd, buf + len, (size_t)a.st_size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        goto fail;
                len += (size_t)n;
        }
        /* Changed while we read it: nothing is cached from a torn read. */
        if (fstat(fd, &b) < 0 || a.st_ino != b.st_ino || a.st_size != b.st_size ||
            a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec ||
            a.st_ctim.tv_sec != b.st_ctim.tv_sec || a.st_ctim.tv_nsec != b.st_ctim.tv_nsec)
                goto fail;
        close(fd);
        buf[len] = '\0';
        *ret_st = a;
        *ret_len = len;
        return buf;
fail:
        free(buf);
        close(fd);
        return NULL;
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

/* One line of nsswitch.conf: "passwd:" followed by sources. Sets *ret_ok
 * to whether the first source is "files" with no [action] after it. */
static bool passwd_line(const char *p, const char *end, bool *ret_ok)
{
        static const char key[] = "passwd";
        const char *w;

        while (p < end && is_blank(*p))
                p++;
        if ((size_t)(end - p) < sizeof(key) - 1 || memcmp(p, key, sizeof(key) - 1) != 0)
                return false;
        p += sizeof(key) - 1;
        while (p < end && is_blank(*p))
                p++;
        if (p == end || *p != ':')
                return false;
        p++;
        while (p < end && is_blank(*p))
                p++;
        w = p;
        while (p < end && !is_blank(*p) && *p != '#')
                p++;
        *ret_ok = p - w == 5 && memcmp(w, "files", 5) == 0;
        while (p < end && is_blank(*p))
                p++;
        if (p < end && *p == '[')
                *ret_ok = false; /* an action changes what a files answer means */
        return true;
}

bool pwcache_nsswitch_files_first(const char *text, size_t len)
{
        const char *p = text, *end = text + len;
        unsigned lines = 0;
        bool ok = false;

        if (memchr(text, '\0', len))
                return false;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *e = nl ? nl : end;
                bool this_ok;
                if (passwd_line(p, e, &this_ok)) {
                        lines++;
                        ok = this_ok;
                }
                p = nl ? nl + 1 : end;
        }
        return lines == 1 && ok;
}

static bool parse_uid(const char *s, const char *end, uid_t *ret)
{
        uint64_t v = 0;

        if (s == end || end - s > 10)
                return false;
        for (; s < end; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                v = v * 10 + (uint64_t)(*s - '0');
        }
        if (v >= UINT32_MAX) /* (uid_t)-1 is no account */
                return false;
        *ret = (uid_t)v;
        return true;
}

/* One /etc/passwd line as glibc's files source reads it: false when this
 * parser and glibc's might disagree about it. *ret_name_len is 0 for a
 * line that holds no entry (empty or a comment). */
static bool passwd_entry(const char *p, const char *end, size_t *ret_name_len, uid_t *ret_uid)
{
        const char *colon[6];
        unsigned n = 0;

        *ret_name_len = 0;
        if (p == end || *p == '#')
                return true;
        if (isspace((unsigned char)*p) || *p == '+' || *p == '-' || *p == ':')
                return false;
        for (const char *q = p; q < end; q++) {
                if (*q == ':') {
                        if (n == 6)
                                return false;
                        colon[n++] = q;
                } else if (*q == '\r' || *q == '\0')
                        return false;
        }
        uid_t gid;
        if (n != 6 || !parse_uid(colon[1] + 1, colon[2], ret_uid) || !parse_uid(colon[2] + 1, colon[3], &gid))
                return false;
        *ret_name_len = (size_t)(colon[0] - p);
        return true;
}

static int cmp_entry(const void *a, const void *b)
{
        const struct pwcache_entry *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        return c ? c : (x->line < y->line ? -1 : x->line > y->line);
}

static void drop_entries(struct pwcache *c)
{
        free(c->entries);
        free(c->names);
        c->entries = NULL;
        c->names = NULL;
        c->n = 0;
}

/* Parses the text into c's table: false when some line is not one both
 * parsers read alike (then nothing is served from this file). */
static bool load_passwd(struct pwcache *c, const char *text, size_t len)
{
        size_t lines = 1, n = 0, line = 0;
        char *names;
        struct pwcache_entry *e;

        for (size_t i = 0; i < len; i++)
                lines += text[i] == '\n';
        e = calloc(lines, sizeof(*e));
        names = malloc(len + 1);
        if (!e || !names) {
                free(e);
                free(names);
                return false;
        }
        c->entries = e, c->names = names;
        for (const char *p = text, *end = text + len; p < end; line++) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                size_t nlen;
                uid_t uid;
                if (!passwd_entry(p, le, &nlen, &uid)) {
                        drop_entries(c);
                        return false;
                }
                if (nlen) {
                        memcpy(names, p, nlen);
                        names[nlen] = '\0';
                        e[n++] = (struct pwcache_entry){ .name = names, .uid = uid, .line = line };
                        names += nlen + 1;
                }
                p = nl ? nl + 1 : end;
        }
        qsort(e, n, sizeof(*e), cmp_entry);
        c->n = n;
        return true;
}

/* The version of the file at path c has, reloading it when stat(2) says it
 * changed: false when it cannot be read (then nothing is served). */
static bool file_current(const char *path, struct pwcache_file *f, char **ret_text, size_t *ret_len)
{
        struct stat st;

        *ret_text = NULL;
        if (stat(path, &st) < 0) {
                f->valid = false;
                return false;
        }
        if (file_same(f, &st))
                return true;
        f->valid = false;
        *ret_text = read_file(path, &st, ret_len);
        if (!*ret_text)
                return false;
        file_note(f, &st); /* what was read, which may be newer than the stat above */
        return true;
}

/* Brings c up to date with both files: c->usable says whether it may serve. */
static void refresh(struct pwcache *c)
{
        char *text;
        size_t len;

        if (!file_current(c->nsswitch_path, &c->nsswitch, &text, &len)) {
                c->usable = false;
                return;
        }
        if (text) {
                c->nsswitch_ok = pwcache_nsswitch_files_first(text, len);
                free(text);
        }
        if (!file_current(c->passwd_path, &c->passwd, &text, &len)) {
                c->usable = false;
                drop_entries(c);
                return;
        }
        if (text) {
                drop_entries(c);
                c->passwd_ok = !memchr(text, '\0', len) && load_passwd(c, text, len);
                free(text);
        }
        c->usable = c->nsswitch_ok && c->passwd_ok;
}

int pwcache_lookup(struct pwcache *c, const char *name, uid_t *ret_uid)
{
        size_t lo = 0, hi;

        refresh(c);
        /* glibc's files source never matches a compat ("+"/"-") name. */
        if (!c->usable || !name || !*name || name[0] == '+' || name[0] == '-')
                return 0;
        hi = c->n;
        while (lo < hi) { /* the first entry not below name */
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(c->entries[mid].name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == c->n || strcmp(c->entries[lo].name, name) != 0)
                return 0; /* a miss: the sources after files may know it */
        *ret_uid = c->entries[lo].uid;
        return 1;
}

void pwcache_free(struct pwcache *c)
{
        drop_entries(c);
        c->usable = false;
        c->nsswitch.valid = c->passwd.valid = false;
}
