/* main.c - apikeyctl: parse the command line, ask apikeyd, print the answer.
 *
 * stdout goes through a buffer of our own so that the new key, printed by
 * create, can be wiped from memory once it has been written. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

struct status_spec {
        int exit_code;
        const char *fallback; /* when the daemon sent no message */
};

static const struct status_spec status_specs[_STATUS_MAX] = {
        [STATUS_OK] = { EXIT_OK, NULL },
        [STATUS_INVALID] = { EXIT_FAILURE_OTHER,
                             "apikeyd refused the request as invalid (are apikeyctl and apikeyd the same version?)" },
        [STATUS_PERMISSION] = { EXIT_PERMISSION,
                                "permission denied: only the key's owner or an apikeyd admin may do this" },
        [STATUS_NOT_FOUND] = { EXIT_NOT_FOUND, "no such key (see 'apikeyctl list' for your key IDs)" },
        [STATUS_EXISTS] = { EXIT_CONFLICT, "the key already exists" },
        [STATUS_LIMIT] = { EXIT_CONFLICT,
                           "limit reached: delete keys you no longer use ('apikeyctl delete ID') and try again" },
        [STATUS_INTERNAL] = { EXIT_FAILURE_OTHER, "apikeyd failed internally (see: journalctl -u apikeyd)" },
};

/* The daemon's status as an exit code; prints the error, the daemon's own
 * message when it sent one. */
static int check_status(const struct ctl_options *o, const struct ctl_reply *r)
{
        const struct status_spec *s;

        if (r->status >= _STATUS_MAX)
                return ctl_protocol_error("unknown status in reply");
        s = &status_specs[r->status];
        if (s->exit_code == EXIT_OK)
                return EXIT_OK;
        if (r->has_message)
                ctl_err("%s", r->message);
        else if (r->status == STATUS_NOT_FOUND && o->key_id)
                ctl_err("no key with ID %s (see 'apikeyctl list' for your keys)", o->key_id);
        else if (r->status == STATUS_PERMISSION && o->command == CTL_LIST && o->all)
                ctl_err("permission denied: only apikeyd admins may list every key (without --all: your own)");
        else
                ctl_err("%s", s->fallback);
        return s->exit_code;
}

/* What a successful reply must carry for each command. */
static int check_reply(const struct ctl_options *o, const struct key_list *keys, const struct ctl_reply *r)
{
        switch (o->command) {
        case CTL_CREATE:
                if (!r->has_key || !r->has_key_id || !key_looks_valid(r->key, strlen(r->key)) ||
                    !key_id_valid(r->key_id) || strncmp(r->key + KEY_PREFIX_LEN, r->key_id, KEY_ID_LEN) != 0)
                        return ctl_protocol_error("the reply to create holds no valid key");
                if (keys->n > 1 || (keys->n == 1 && strcmp(keys->items[0].id, r->key_id) != 0))
                        return ctl_protocol_error("the reply to create describes another key");
                return EXIT_OK;
        case CTL_SHOW:
                if (keys->n != 1 || strcmp(keys->items[0].id, o->key_id) != 0)
                        return ctl_protocol_error("the reply to show does not describe the key asked for");
                return EXIT_OK;
        default:
                return EXIT_OK;
        }
}

static const char *result_word(enum ctl_command c)
{
        switch (c) {
        case CTL_DISABLE:
                return "disabled";
        case CTL_ENABLE:
                return "enabled";
        case CTL_DELETE:
                return "deleted";
        default:
                return "done";
        }
}

static void print_created(const struct ctl_options *o, const struct key_list *keys, const struct ctl_reply *r)
{
        if (o->json) {
                json_created(r, keys->n ? &keys->items[0] : NULL);
                return;
        }
        output_created(r);
        if (isatty(STDOUT_FILENO) && fflush(stdout) == 0)
                fprintf(stderr, "apikeyctl: created key %s; it is shown only this once: store it now\n",
                        r->key_id);
}

static void print_answer(const struct ctl_options *o, const struct key_list *keys, const struct ctl_reply *r)
{
        switch (o->command) {
        case CTL_CREATE:
                print_created(o, keys, r);
                break;
        case CTL_LIST:
                o->json ? json_list(keys) : output_list(keys);
                break;
        case CTL_SHOW:
                o->json ? json_show(&keys->items[0]) : output_show(&keys->items[0]);
                break;
        case CTL_STATUS:
                o->json ? json_status(r) : output_status(r);
                break;
        default:
                o->json ? json_result(o->key_id, result_word(o->command))
                        : output_result(o->key_id, result_word(o->command));
                break;
        }
}

/* Flushes stdout; a failure after create loses the key, so say which. */
static int finish_output(const struct ctl_options *o, const struct ctl_reply *r, int code)
{
        if (fflush(stdout) == 0 && !ferror(stdout))
                return code;
        if (o && o->command == CTL_CREATE && code == EXIT_OK)
                ctl_err("could not print the new key (%m); key %s was created but is lost: "
                        "delete it with 'apikeyctl delete %s' and create another", r->key_id, r->key_id);
        else
                ctl_err("cannot write output: %m");
        return EXIT_FAILURE_OTHER;
}

static int run(const struct ctl_options *o)
{
        struct key_list keys = { 0 };
        struct ctl_reply reply = { 0 };
        int r;

        r = client_exchange(o, &keys, &reply);
        if (r == EXIT_OK)
                r = check_status(o, &reply);
        if (r == EXIT_OK)
                r = check_reply(o, &keys, &reply);
        if (r == EXIT_OK)
                print_answer(o, &keys, &reply);
        r = finish_output(o, &reply, r);
        key_list_free(&keys);
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
        r = args_parse(argc, argv, &o);
        if (r < 0)
                r = run(&o);
        else
                r = finish_output(NULL, NULL, r);
        explicit_bzero(outbuf, sizeof(outbuf));
        return r;
}
