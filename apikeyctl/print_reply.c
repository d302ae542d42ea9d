/* print_reply.c - a successful reply: check that it holds what the command needs,
 * then print it as text or JSON. */
#include <string.h>
#include <unistd.h>

#include "print.h"

/* create and rotate: the new key, and at most one record, describing it. */
static int check_new_key(const struct rec_list *l, const struct ctl_reply *r, const char *old_id)
{
        const struct key_info *k = l->n ? rec_at(l, 0) : NULL;

        if (!r->has_key || !r->has_key_id || !key_looks_valid(r->key, strlen(r->key)) ||
            !key_id_valid(r->key_id) || strncmp(r->key + KEY_PREFIX_LEN, r->key_id, KEY_ID_LEN) != 0)
                return ctl_protocol_error("the reply holds no valid new key");
        if (old_id && strcmp(old_id, r->key_id) == 0)
                return ctl_protocol_error("the reply to rotate gives the old key's ID");
        if (l->n > 1 || (k && strcmp(k->id, r->key_id) != 0))
                return ctl_protocol_error("the reply describes another key than the new one");
        return EXIT_OK;
}

/* At most (or, with exactly, exactly) one record, about name. */
static int check_one(const struct rec_list *l, const char *name, bool exactly)
{
        const char *got;

        if (l->n > 1 || (exactly && l->n == 0))
                return ctl_protocol_error("the reply does not describe the one thing asked for");
        if (l->n == 0)
                return EXIT_OK;
        got = l->type == &rec_key_info ? ((const struct key_info *)rec_at(l, 0))->id
                                       : ((const struct sid_info *)rec_at(l, 0))->name;
        return strcmp(got, name) == 0 ? EXIT_OK : ctl_protocol_error("the reply describes another one than asked");
}

/* A page's cursor: the last record's key ID or audit seq, as the daemon says. */
static int check_cursor(const struct ctl_options *o, const struct ctl_reply *r)
{
        if (!r->has_cursor)
                return EXIT_OK;
        if (o->command == CTL_LIST ? key_id_valid(r->cursor)
                                   : (r->cursor[0] && strspn(r->cursor, "0123456789") == strlen(r->cursor)))
                return EXIT_OK;
        return ctl_protocol_error("the reply's cursor for the next page is malformed");
}

static int check_verify(const struct ctl_reply *r)
{
        if (r->has_result && strcmp(r->result, "ok") == 0)
                return EXIT_OK;
        if (r->has_result && strcmp(r->result, "broken") == 0 && r->seq.set)
                return EXIT_OK;
        return ctl_protocol_error("the reply to audit --verify holds no verdict");
}

int print_reply_check(const struct ctl_options *o, const struct rec_list *l, const struct ctl_reply *r)
{
        switch (o->command) {
        case CTL_CREATE:
                return check_new_key(l, r, NULL);
        case CTL_ROTATE:
                return check_new_key(l, r, o->req.key_id);
        case CTL_SHOW:
                return check_one(l, o->req.key_id, true);
        case CTL_SID_SHOW:
                return check_one(l, o->req.service_id, true);
        case CTL_SID_CREATE:
        case CTL_SID_UPDATE:
                return check_one(l, o->req.service_id, false);
        case CTL_LIST:
                return check_cursor(o, r);
        case CTL_AUDIT:
                return (o->req.flags & CTL_FLAG_VERIFY) ? check_verify(r) : check_cursor(o, r);
        default:
                return EXIT_OK;
        }
}

static const char *result_word(enum ctl_command c)
{
        static const char *const words[_CTL_MAX] = {
                [CTL_DISABLE] = "disabled",      [CTL_ENABLE] = "enabled",       [CTL_DELETE] = "deleted",
                [CTL_LOCK] = "locked",           [CTL_UNLOCK] = "unlocked",      [CTL_SID_CREATE] = "created",
                [CTL_SID_UPDATE] = "updated",    [CTL_SID_DELETE] = "deleted",   [CTL_SID_LOCK] = "locked",
                [CTL_SID_UNLOCK] = "unlocked",
        };

        return c > 0 && c < _CTL_MAX && words[c] ? words[c] : "done";
}

static void print_new_key(const struct ctl_options *o, const struct rec_list *l, const struct ctl_reply *r)
{
        const char *replaces = o->command == CTL_ROTATE ? o->req.key_id : NULL;

        if (o->json) {
                json_created(r, l->n ? rec_at(l, 0) : NULL, replaces);
                return;
        }
        text_created(r);
        if (!isatty(STDOUT_FILENO) || fflush(stdout) != 0)
                return;
        if (replaces)
                fprintf(stderr, "apikeyctl: key %s replaces %s; it is shown only this once: store it now\n",
                        r->key_id, replaces);
        else
                fprintf(stderr, "apikeyctl: created key %s; it is shown only this once: store it now\n",
                        r->key_id);
}

/* service-id create, update, show: the record, or the name alone. */
static void print_sid(const struct ctl_options *o, const struct rec_list *l)
{
        struct sid_info only_name = { .name = (char *)o->req.service_id };
        const struct sid_info *s = l->n ? rec_at(l, 0) : &only_name;

        if (o->json)
                json_sid_show(s);
        else if (o->command == CTL_SID_SHOW)
                text_sid_show(s);
        else
                text_result("service ID ", o->req.service_id, result_word(o->command));
}

/* list and audit: everything (apikeyctl followed the pages), or with
 * --limit one page and where the next one starts. */
static void print_records(const struct ctl_options *o, const struct rec_list *l, const struct ctl_reply *r,
                          void (*text)(const struct rec_list *), void (*json)(const struct rec_list *))
{
        const char *next = r->has_cursor ? r->cursor : NULL;

        if (!o->req.limit.set) {
                o->json ? json(l) : text(l);
                return;
        }
        if (o->json) {
                json_page_begin();
                json(l);
                json_page_end(next);
                return;
        }
        text(l);
        if (next && fflush(stdout) == 0)
                fprintf(stderr, "apikeyctl: more records follow; for the next page repeat the command with "
                                "--after %s\n", next);
}

static int print_audit(const struct ctl_options *o, const struct rec_list *l, const struct ctl_reply *r)
{
        if (!(o->req.flags & CTL_FLAG_VERIFY)) {
                print_records(o, l, r, text_audit_list, json_audit_list);
                return EXIT_OK;
        }
        o->json ? json_audit_verify(r, l) : text_audit_verify(r, l);
        return strcmp(r->result, "ok") == 0 ? EXIT_OK : EXIT_FAILURE_OTHER;
}

static void print_result(const struct ctl_options *o)
{
        bool sid = cmd_is_sid(o->command);
        const char *id = sid ? o->req.service_id : o->req.key_id;

        if (o->json)
                json_result(sid ? "name" : "id", id, result_word(o->command));
        else
                text_result(sid ? "service ID " : "", id, result_word(o->command));
}

/* purge-user: how many keys went. */
static void print_purged(const struct ctl_options *o, const struct ctl_reply *r)
{
        const char *who = o->req.filter_user;
        unsigned long long n = r->key_count.set ? (unsigned long long)r->key_count.v : 0;

        if (o->json) {
                fputs("{\"user\": ", stdout);
                who ? json_str(who) : (void)fputs("null", stdout);
                printf(", \"removed\": %llu}\n", n);
                return;
        }
        printf("removed %llu key%s of ", n, n == 1 ? "" : "s");
        if (who)
                text_put(stdout, who);
        else
                fputs("deleted accounts", stdout);
        putchar('\n');
}

int print_reply(const struct ctl_options *o, const struct rec_list *l, const struct ctl_reply *r)
{
        switch (o->command) {
        case CTL_CREATE:
        case CTL_ROTATE:
                print_new_key(o, l, r);
                break;
        case CTL_LIST:
                print_records(o, l, r, text_key_list, json_key_list);
                break;
        case CTL_SHOW:
                o->json ? json_key_show(rec_at(l, 0)) : text_key_show(rec_at(l, 0));
                break;
        case CTL_STATUS:
                o->json ? json_status(r, l) : text_status(r, l);
                break;
        case CTL_SID_LIST:
                o->json ? json_sid_list(l) : text_sid_list(l);
                break;
        case CTL_SID_CREATE:
        case CTL_SID_UPDATE:
        case CTL_SID_SHOW:
                print_sid(o, l);
                break;
        case CTL_AUDIT:
                return print_audit(o, l, r);
        case CTL_PURGE_USER:
                print_purged(o, r);
                break;
        default:
                print_result(o);
                break;
        }
        return EXIT_OK;
}
