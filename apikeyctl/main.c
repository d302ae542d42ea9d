/* main.c - apikeyctl: parse the command line, ask apikeyd, print the answer.
 *
 * stdout goes through a buffer of our own so that the new key, printed by
 * create and rotate, can be wiped from memory once it has been written. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "fleet.h"
#include "print.h"

/* Flushes stdout; a failure after create or rotate loses the key, so say
 * which. */
static int finish_output(const struct ctl_options *o, const struct ctl_reply *r, int code)
{
        if (fflush(stdout) == 0 && !ferror(stdout))
                return code;
        if (o && o->command == CTL_CREATE && code == EXIT_OK)
                ctl_err("could not print the new key (%m); key %s was created but is lost: "
                        "delete it with 'apikeyctl delete %s' and create another", r->key_id, r->key_id);
        else if (o && o->command == CTL_ROTATE && code == EXIT_OK)
                ctl_err("could not print the new key (%m); key %s was created but is lost: "
                        "rotate it with 'apikeyctl rotate %s' to get another", r->key_id, r->key_id);
        else
                ctl_err("cannot write output: %m");
        return EXIT_FAILURE_OTHER;
}

/* list and audit without --limit: every page, one exchange each. */
static bool follows_pages(const struct ctl_options *o)
{
        return (o->command == CTL_LIST || (o->command == CTL_AUDIT && !(o->req.flags & CTL_FLAG_VERIFY))) &&
               !o->req.limit.set;
}

static int exchange_all(const struct ctl_options *o, struct rec_list *records, struct ctl_reply *reply)
{
        char cursor[PROTO_CURSOR_MAX + 1];
        struct ctl_options next = *o;
        int r = client_exchange(o, records, reply);

        while (r == EXIT_OK && follows_pages(o) && reply->status == STATUS_OK && reply->has_cursor &&
               print_reply_check(o, records, reply) == EXIT_OK) {
                memcpy(cursor, reply->cursor, sizeof(cursor));
                next.req.after = cursor;
                reply_wipe(reply);
                r = client_exchange(&next, records, reply);
        }
        return r;
}

static int run(const struct ctl_options *o)
{
        struct rec_list records = { 0 };
        struct ctl_reply reply = { 0 };
        int r;

        if (o->command == CTL_LEAK)
                return finish_output(o, &reply, scan_run(o));
        if (o->db) /* the fleet database, as the role the URI names */
                return finish_output(o, &reply, fleet_keys_run(o));
        r = exchange_all(o, &records, &reply);
        if (r == EXIT_OK)
                r = reply_check_status(o, &reply);
        if (r == EXIT_OK)
                r = print_reply_check(o, &records, &reply);
        if (r == EXIT_OK)
                r = print_reply(o, &records, &reply);
        r = finish_output(o, &reply, r);
        rec_list_free(&records);
        reply_wipe(&reply);
        return r;
}

int main(int argc, char **argv)
{
        static char outbuf[1 << 16];
        struct ctl_options o;
        int r;

        setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
        setlocale(LC_CTYPE, "");
        /* fleet talks to PostgreSQL, not to apikeyd: its own parser. */
        if (fleet_is_command(argc, argv))
                return finish_output(NULL, NULL, fleet_main(argc, argv));
        r = args_parse(argc, argv, &o);
        if (r < 0)
                r = run(&o);
        else
                r = finish_output(NULL, NULL, r);
        args_free(&o);
        explicit_bzero(outbuf, sizeof(outbuf));
        return r;
}
