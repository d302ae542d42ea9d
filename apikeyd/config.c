/* config.c - the configuration files: /etc/apikeyd/apikeyd.conf, then the
 * drop-ins /etc/apikeyd/apikeyd.conf.d/ *.conf in lexical order, each line
 * "name = value" with the name of a long option. libinih parses; we read the
 * lines for it (to count them and refuse overlong ones) and check every
 * value with the option table. The first error stops everything: the
 * caller exits and nothing of the files is used. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"

#define DROPINS_MAX 256

struct config_file {
        const char *path;
        FILE *f;
        struct options *o;
        unsigned line;      /* the line inih is parsing */
        unsigned err_line;  /* of our first error; 0: none */
        char err[OPTION_ERROR_MAX];
};

static void file_error(struct config_file *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void file_error(struct config_file *c, const char *fmt, ...)
{
        va_list ap;

        if (c->err_line)
                return;
        c->err_line = c->line;
        va_start(ap, fmt);
        vsnprintf(c->err, sizeof(c->err), fmt, ap);
        va_end(ap);
}

/* inih's line reader: one line per call, counted; an overlong one is an
 * error (inih would take its tail for a line of its own). */
static char *read_line(char *str, int num, void *stream)
{
        struct config_file *c = stream;
        size_t len;
        int ch;

        if (!fgets(str, num, c->f))
                return NULL;
        c->line++;
        len = strlen(str);
        if (len > 0 && str[len - 1] != '\n' && !feof(c->f)) {
                file_error(c, "the line is longer than %d characters", num - 2);
                while ((ch = fgetc(c->f)) != EOF && ch != '\n')
                        ;
        }
        return str;
}

static int on_value(void *userdata, const char *section, const char *name, const char *value)
{
        struct config_file *c = userdata;
        const struct option_spec *s;
        char err[OPTION_ERROR_MAX];

        if (section[0]) {
                file_error(c, "'%s' is in a section [%s]: apikeyd.conf has no sections", name, section);
                return 0;
        }
        s = option_find(name);
        if (!s) {
                file_error(c, "unknown option '%s' (apikeyd --help lists them)", name);
                return 0;
        }
        if (option_set(c->o, s, value, err, sizeof(err)) < 0) {
                file_error(c, "%s", err);
                return 0;
        }
        return 1;
}

/* Opens a file that only root (or we) can change: a regular file, not a
 * symbolic link, not writable by group or others. */
static int open_safely(const char *path, FILE **ret)
{
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
            (st.st_mode & (S_IWGRP | S_IWOTH))) {
                close(fd);
                return -EPERM;
        }
        *ret = fdopen(fd, "r");
        if (!*ret) {
                close(fd);
                return -ENOMEM;
        }
        return 0;
}

static int read_file(const char *path, bool must_exist, struct options *o)
{
        struct config_file c = { .path = path, .o = o };
        int r = open_safely(path, &c.f);

        if (r == -ENOENT && !must_exist)
                return 0;
        if (r == -EPERM) {
                fprintf(stderr, "%s: refusing it: it must be a regular file (not a symbolic link) owned by root "
                        "and not writable by group or others\n", path);
                return -EINVAL;
        }
        if (r < 0) {
                fprintf(stderr, "%s: cannot read it: %s\n", path, strerror(-r));
                return -EINVAL;
        }
        r = ini_parse_stream(read_line, &c, on_value, &c);
        if (r == 0 && ferror(c.f)) {
                fprintf(stderr, "%s: cannot read it: %m\n", path);
                r = -1;
        }
        fclose(c.f);
        if (c.err_line && (r == 0 || (unsigned)r >= c.err_line)) {
                fprintf(stderr, "%s:%u: %s\n", path, c.err_line, c.err);
                r = -1;
        } else if (r > 0)
                fprintf(stderr, "%s:%d: syntax error: expected 'name = value', '# comment' or an empty line\n",
                        path, r);
        return r == 0 ? 0 : -EINVAL;
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin(const char *name)
{
        size_t len = strlen(name);

        return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".conf") == 0;
}

static void free_names(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* The names of dir's *.conf files, sorted: their count or -errno. */
static int list_dropins(const char *dir, char ***ret)
{
        DIR *d = opendir(dir);
        char **names = NULL;
        struct dirent *e;
        size_t n = 0;
        int r = 0;

        *ret = NULL;
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while (r == 0 && (e = readdir(d))) {
                char **more;

                if (!is_dropin(e->d_name))
                        continue;
                if (n == DROPINS_MAX) {
                        r = -E2BIG;
                        break;
                }
                more = reallocarray(names, n + 1, sizeof(*names));
                if (!more) {
                        r = -ENOMEM;
                        break;
                }
                names = more;
                names[n] = strdup(e->d_name);
                if (!names[n])
                        r = -ENOMEM;
                else
                        n++;
        }
        closedir(d);
        if (r < 0) {
                free_names(names, n);
                return r;
        }
        if (n > 0)
                qsort(names, n, sizeof(*names), by_name);
        *ret = names;
        return (int)n;
}

int config_read(const char *path, bool must_exist, struct options *o)
{
        char dir[PATH_MAX], file[PATH_MAX];
        char **names;
        int n, r;

        r = read_file(path, must_exist, o);
        if (r < 0)
                return r;
        if ((size_t)snprintf(dir, sizeof(dir), "%s.d", path) >= sizeof(dir)) {
                fprintf(stderr, "%s: the path is too long\n", path);
                return -EINVAL;
        }
        n = list_dropins(dir, &names);
        if (n < 0) {
                fprintf(stderr, "%s: cannot read the directory: %s\n", dir, strerror(-n));
                return -EINVAL;
        }
        for (int i = 0; i < n; i++) {
                if (r == 0 && (size_t)snprintf(file, sizeof(file), "%s/%s", dir, names[i]) >= sizeof(file)) {
                        fprintf(stderr, "%s/%s: the path is too long\n", dir, names[i]);
                        r = -EINVAL;
                }
                if (r == 0)
                        r = read_file(file, true, o);
                free(names[i]);
        }
        free(names);
        return r;
}
