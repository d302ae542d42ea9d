/* scan_cmd.c - 'apikeyctl scan': find keys in files, ask apikeyd about each
 * (one CTL_LEAK request per key, each on its own connection), and report
 * them by ID, never the key. Text lines are printed as keys are found; JSON
 * is printed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "print.h"
#include "scan.h"

struct finding {
        const char *file;
        uint64_t line, column;
        char id[KEY_ID_LEN + 1];
        char state[33], action[33];
        bool has_action;
};

struct scan_ctx {
        const struct ctl_options *o;
        struct finding *items; /* kept for JSON only */
        size_t n, cap;
        size_t found, disabled, deleted, already; /* keys found; what --disable did to them */
};

static void print_finding(const struct ctl_options *o, const struct finding *f)
{
        text_put(stdout, f->file);
        printf(":%" PRIu64 ":%" PRIu64 ": key %s state ", f->line, f->column, f->id);
        text_put(stdout, f->state);
        if ((o->req.flags & CTL_FLAG_APPLY) && f->has_action) {
                fputs(", ", stdout);
                text_put(stdout, f->action);
        }
        fputc('\n', stdout);
        fflush(stdout);
}

static void json_finding(const struct finding *f)
{
        fputs("  {\"file\": ", stdout);
        json_str(f->file);
        printf(", \"line\": %" PRIu64 ", \"column\": %" PRIu64 ", \"id\": ", f->line, f->column);
        json_str(f->id);
        json_member("state");
        json_str(f->state);
        json_member("action");
        json_str(f->has_action ? f->action : NULL);
        fputc('}', stdout);
}

static void json_findings(const struct scan_ctx *c)
{
        fputs(c->n ? "[\n" : "[]\n", stdout);
        for (size_t i = 0; i < c->n; i++) {
                json_finding(&c->items[i]);
                fputs(i + 1 < c->n ? ",\n" : "\n]\n", stdout);
        }
}

static int keep(struct scan_ctx *c, const struct finding *f)
{
        if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 16;
                struct finding *items = reallocarray(c->items, cap, sizeof(*items));

                if (!items) {
                        ctl_err("out of memory");
                        return EXIT_FAILURE_OTHER;
                }
                c->items = items;
                c->cap = cap;
        }
        c->items[c->n++] = *f;
        return EXIT_OK;
}

/* The daemon's answer about hit, as a finding. */
static int finding_from(const struct scan_hit *hit, const struct ctl_reply *r, struct finding *f)
{
        *f = (struct finding){ .file = hit->file, .line = hit->line, .column = hit->column };
        memcpy(f->id, hit->key + KEY_PREFIX_LEN, KEY_ID_LEN);
        if (!r->has_state || (r->has_key_id && strcmp(r->key_id, f->id) != 0))
                return ctl_protocol_error("the reply to a leak report holds no state for the key");
        snprintf(f->state, sizeof(f->state), "%s", r->state);
        snprintf(f->action, sizeof(f->action), "%s", r->result);
        f->has_action = r->has_result;
        return EXIT_OK;
}

static int ask_daemon(const struct scan_hit *hit, void *userdata)
{
        struct scan_ctx *c = userdata;
        struct ctl_options q = *c->o;
        struct ctl_reply reply = { 0 };
        struct finding f;
        int r;

        q.req.key = hit->key;
        r = client_exchange(&q, NULL, &reply);
        if (r == EXIT_OK)
                r = reply_check_status(&q, &reply);
        if (r == EXIT_OK)
                r = finding_from(hit, &reply, &f);
        reply_wipe(&reply);
        if (r != EXIT_OK)
                return r;
        c->found++;
        if (f.has_action && strcmp(f.action, "disabled") == 0)
                c->disabled++;
        else if (f.has_action && strcmp(f.action, "deleted") == 0)
                c->deleted++;
        else if (f.has_action && strcmp(f.action, "already_disabled") == 0)
                c->already++;
        if (c->o->json)
                return keep(c, &f);
        print_finding(c->o, &f);
        return EXIT_OK;
}

/* One file: -1 to go on (*unreadable set when it could not be read), or
 * the exit code the scan stops with. */
static int scan_file(struct scan_ctx *c, const char *file, bool *unreadable)
{
        bool is_stdin = strcmp(file, "-") == 0;
        int fd = is_stdin ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int r;

        if (fd < 0) {
                ctl_err("cannot read %s: %m", file);
                *unreadable = true;
                return -1;
        }
        r = scan_fd(fd, file, ask_daemon, c);
        if (!is_stdin)
                close(fd);
        if (r < 0) {
                ctl_err("cannot read %s: %s", file, strerror(-r));
                *unreadable = true;
        }
        return r <= 0 ? -1 : r;
}

static int scan_all(struct scan_ctx *c, bool *unreadable)
{
        static const char *const stdin_only[] = { "-" };
        const char *const *files = c->o->nfiles ? c->o->files : stdin_only;
        size_t n = c->o->nfiles ? c->o->nfiles : 1;
        int r = -1;

        for (size_t i = 0; i < n && r < 0; i++)
                r = scan_file(c, files[i], unreadable);
        return r;
}

static const char *plural(size_t n)
{
        return n == 1 ? "" : "s";
}

/* On stderr: "2 keys found", and with --disable what was done to them:
 * "2 keys found: 1 disabled, 0 deleted, 1 already disabled". */
static void print_summary(const struct scan_ctx *c)
{
        fprintf(stderr, "%zu key%s found", c->found, plural(c->found));
        if (c->o->req.flags & CTL_FLAG_APPLY)
                fprintf(stderr, ": %zu disabled, %zu deleted, %zu already disabled", c->disabled, c->deleted,
                        c->already);
        fputc('\n', stderr);
}

int scan_run(const struct ctl_options *o)
{
        struct scan_ctx c = { .o = o };
        bool unreadable = false;
        int r = scan_all(&c, &unreadable);

        if (r < 0 && o->json)
                json_findings(&c);
        if (r < 0)
                print_summary(&c);
        free(c.items);
        if (r >= 0)
                return r;
        return unreadable ? EXIT_FAILURE_OTHER : EXIT_OK;
}
