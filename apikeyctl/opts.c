/* opts.c - the options of the commands: their names, whether they take a
 * value, and the check that turns a value into a request field, so that a
 * usage error never reaches the daemon. Which command takes which option is
 * in commands.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "duration.h"
#include "restrict.h"

typedef int apply_fn(const char *opt, const char *v, struct ctl_request *r);

struct opt_spec {
        const char *name;
        bool repeat;
        uint32_t flag;   /* an option without value: the request flag it sets */
        apply_fn *apply; /* an option with a value */
};

#define DURATION_HINT "a number and a unit, s, m, h, d or w (30s, 15m, 12h, 90d, 2w)"

static int apply_text(const char *opt, const char *v, size_t max, const char **ret)
{
        *ret = v;
        return check_text(opt, v, max, true);
}

static int apply_name(const char *opt, const char *v, struct ctl_request *r)
{
        return apply_text(opt, v, PROTO_NAME_MAX, &r->name);
}

static int apply_description(const char *opt, const char *v, struct ctl_request *r)
{
        return apply_text(opt, v, PROTO_DESCRIPTION_MAX, &r->description);
}

static int apply_unix_user(const char *opt, const char *v, struct ctl_request *r)
{
        return apply_text(opt, v, PROTO_USER_MAX, &r->unix_user); /* "": remove the mapping */
}

static int apply_user(const char *opt, const char *v, struct ctl_request *r)
{
        r->filter_user = v;
        return check_text(opt, v, PROTO_USER_MAX, false);
}

static int apply_identity(const char *opt, const char *v, struct ctl_request *r)
{
        const char *colon = strchr(v, ':');

        r->identity = v;
        if (check_text(opt, v, PROTO_IDENTITY_MAX, false) >= 0)
                return EXIT_USAGE;
        if (colon && colon != v && colon[1])
                return -1;
        ctl_err("%s %s is not an identity: give KIND:NAME, such as user:alice or service:backup", opt,
                check_shown(v));
        return EXIT_USAGE;
}

static int apply_service_id(const char *opt, const char *v, struct ctl_request *r)
{
        r->service_id = v;
        return check_sid_name(opt, v);
}

static int apply_key(const char *opt, const char *v, struct ctl_request *r)
{
        (void)opt;
        r->key_id = v;
        return check_key_id(v);
}

static int apply_leak_action(const char *opt, const char *v, struct ctl_request *r)
{
        r->leak_action = v;
        if (strcmp(v, "disable") == 0 || strcmp(v, "delete") == 0 || strcmp(v, "none") == 0)
                return -1;
        ctl_err("%s must be disable, delete or none, not %s", opt, check_shown(v));
        return EXIT_USAGE;
}

static int apply_max_uses(const char *opt, const char *v, struct ctl_request *r)
{
        unsigned long long n;
        char *end;

        errno = 0;
        n = strtoull(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || *end || errno || n == 0) {
                ctl_err("%s must be a whole number of at least 1, not %s (leave it out for no limit)", opt,
                        check_shown(v));
                return EXIT_USAGE;
        }
        r->max_uses = (struct opt_u64){ true, n };
        return -1;
}

static int apply_duration(const char *opt, const char *v, struct opt_u64 *ret)
{
        if (duration_parse(v, &ret->v) < 0) {
                ctl_err("%s %s is not a duration: " DURATION_HINT, opt, check_shown(v));
                return EXIT_USAGE;
        }
        ret->set = true;
        return -1;
}

static int apply_grace(const char *opt, const char *v, struct ctl_request *r)
{
        return apply_duration(opt, v, &r->grace);
}

static int apply_inactive(const char *opt, const char *v, struct ctl_request *r)
{
        return apply_duration(opt, v, &r->inactive);
}

static int parse_when(const char *opt, const char *v, int direction, int64_t *ret)
{
        if (when_parse(v, (int64_t)time(NULL), direction, ret) == 0)
                return -1;
        ctl_err("%s %s is neither a duration (30s, 15m, 12h, 90d, 2w) nor an ISO 8601 date or time "
                "(2027-01-31, 2027-01-31T12:00, 2027-01-31T12:00:00Z, 2027-01-31T12:00+02:00)", opt, check_shown(v));
        return EXIT_USAGE;
}

static int apply_expires(const char *opt, const char *v, struct ctl_request *r)
{
        int64_t t;

        if (parse_when(opt, v, +1, &t) >= 0)
                return EXIT_USAGE;
        if (t <= (int64_t)time(NULL)) {
                ctl_err("%s %s is not in the future", opt, check_shown(v));
                return EXIT_USAGE;
        }
        r->expires_at = (struct opt_u64){ true, (uint64_t)t };
        return -1;
}

static int apply_since(const char *opt, const char *v, struct ctl_request *r)
{
        int64_t t;

        if (parse_when(opt, v, -1, &t) >= 0)
                return EXIT_USAGE;
        r->since = (struct opt_u64){ true, t < 0 ? 0 : (uint64_t)t }; /* before 1970: everything */
        return -1;
}

static int apply_limit(const char *opt, const char *v, struct ctl_request *r)
{
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(v, &end, 10);
        if (!*v || *v == '-' || *end || errno || n == 0 || n > PROTO_PAGE_MAX) {
                ctl_err("%s takes a number of records from 1 to %d (more come in further pages: --after)", opt,
                        PROTO_PAGE_MAX);
                return EXIT_USAGE;
        }
        r->limit = (struct opt_u64){ true, n };
        return -1;
}

/* Checked against the command in opts_check: a key ID (list) or an audit
 * sequence number. */
static int apply_after(const char *opt, const char *v, struct ctl_request *r)
{
        r->after = v;
        return check_text(opt, v, PROTO_CURSOR_MAX, false);
}

/* Appends v to the comma-separated list buf; checks v and the total. */
static int append_list(const char *opt, const char *v, char *buf, size_t sz, bool (*valid)(const char *),
                       const char *what)
{
        size_t len = strlen(buf);

        if (!valid(v)) {
                ctl_err("%s %s is not %s", opt, check_shown(v), what);
                return EXIT_USAGE;
        }
        if (len + (len > 0) + strlen(v) >= sz) {
                ctl_err("%s: the values are too long together (at most %zu bytes)", opt, sz - 1);
                return EXIT_USAGE;
        }
        if (len > 0)
                buf[len++] = ',';
        strcpy(buf + len, v);
        if (!valid(buf)) {
                ctl_err("%s: at most %d values are allowed", opt, RESTRICT_MAX_ITEMS);
                return EXIT_USAGE;
        }
        return -1;
}

static int apply_service(const char *opt, const char *v, struct ctl_request *r)
{
        return append_list(opt, v, r->services, sizeof(r->services), service_list_valid,
                           "a PAM service name (letters, digits, '.', '_' and '-', at most 64)");
}

static int apply_from(const char *opt, const char *v, struct ctl_request *r)
{
        return append_list(opt, v, r->sources, sizeof(r->sources), cidr_list_valid,
                           "an address or CIDR range (192.0.2.0/24, 2001:db8::/32, 192.0.2.7)");
}

static const struct opt_spec opt_specs[_OPT_MAX] = {
        [OPT_NAME] = { "--name", false, 0, apply_name },
        [OPT_DESCRIPTION] = { "--description", false, 0, apply_description },
        [OPT_EXPIRES] = { "--expires", false, 0, apply_expires },
        [OPT_SERVICE] = { "--service", true, 0, apply_service },
        [OPT_FROM] = { "--from", true, 0, apply_from },
        [OPT_MAX_USES] = { "--max-uses", false, 0, apply_max_uses },
        [OPT_LEAK_ACTION] = { "--leak-action", false, 0, apply_leak_action },
        [OPT_CLASSIC] = { "--classic", false, CTL_FLAG_CLASSIC, NULL },
        [OPT_REPLACE] = { "--replace", false, CTL_FLAG_REPLACE, NULL },
        [OPT_SERVICE_ID] = { "--service-id", false, 0, apply_service_id },
        [OPT_ALL] = { "--all", false, CTL_FLAG_ALL, NULL },
        [OPT_USER] = { "--user", false, 0, apply_user },
        [OPT_INACTIVE] = { "--inactive", false, 0, apply_inactive },
        [OPT_GRACE] = { "--grace", false, 0, apply_grace },
        [OPT_UNTIL_FIRST_USE] = { "--until-first-use", false, CTL_FLAG_UNTIL_FIRST_USE, NULL },
        [OPT_UNIX_USER] = { "--unix-user", false, 0, apply_unix_user },
        [OPT_FORCE] = { "--force", false, CTL_FLAG_FORCE, NULL },
        [OPT_KEY] = { "--key", false, 0, apply_key },
        [OPT_IDENTITY] = { "--identity", false, 0, apply_identity },
        [OPT_SINCE] = { "--since", false, 0, apply_since },
        [OPT_VERIFY] = { "--verify", false, CTL_FLAG_VERIFY, NULL },
        [OPT_DISABLE] = { "--disable", false, CTL_FLAG_APPLY, NULL },
        [OPT_ORPHANED] = { "--orphaned", false, CTL_FLAG_ORPHANED, NULL },
        [OPT_LIMIT] = { "--limit", false, 0, apply_limit },
        [OPT_AFTER] = { "--after", false, 0, apply_after },
};

int opts_find(const char *arg, uint32_t allowed, const char **ret_value, bool *ret_has_value)
{
        for (int i = 0; i < _OPT_MAX; i++) {
                size_t n = strlen(opt_specs[i].name);

                if (!(allowed & (UINT32_C(1) << i)) || strncmp(arg, opt_specs[i].name, n) != 0)
                        continue;
                if (arg[n] != '\0' && arg[n] != '=')
                        continue;
                *ret_has_value = arg[n] == '=';
                *ret_value = arg[n] == '=' ? arg + n + 1 : NULL;
                return i;
        }
        return -1;
}

bool opts_takes_value(enum opt_id id)
{
        return opt_specs[id].apply != NULL;
}

bool opts_repeatable(enum opt_id id)
{
        return opt_specs[id].repeat;
}

const char *opts_name(enum opt_id id)
{
        return opt_specs[id].name;
}

int opts_apply(enum opt_id id, const char *value, struct ctl_request *r)
{
        if (!opt_specs[id].apply) {
                r->flags |= opt_specs[id].flag;
                return -1;
        }
        return opt_specs[id].apply(opt_specs[id].name, value, r);
}

static int conflict(const char *a, const char *b)
{
        ctl_err("%s cannot be used with %s", a, b);
        return EXIT_USAGE;
}

int opts_check(const struct ctl_options *o, uint32_t given)
{
        if ((given & OPT(REPLACE)) && !(given & OPT(CLASSIC))) {
                ctl_err("--replace only goes with --classic (it replaces your classic key)");
                return EXIT_USAGE;
        }
        if ((given & OPT(CLASSIC)) && (given & OPT(SERVICE_ID)))
                return conflict("--classic", "--service-id (a classic key is a user's own)");
        if ((given & OPT(GRACE)) && (given & OPT(UNTIL_FIRST_USE)))
                return conflict("--grace", "--until-first-use");
        if ((given & OPT(VERIFY)) && (given & (OPT(KEY) | OPT(IDENTITY) | OPT(SINCE))))
                return conflict("--verify", "--key, --identity or --since (it checks the whole log)");
        if ((given & OPT(VERIFY)) && (given & (OPT(LIMIT) | OPT(AFTER))))
                return conflict("--verify", "--limit or --after (it checks the whole log)");
        if ((given & OPT(AFTER)) && o->command == CTL_LIST && check_key_id(o->req.after) >= 0)
                return EXIT_USAGE;
        if ((given & OPT(AFTER)) && o->command == CTL_AUDIT &&
            (strspn(o->req.after, "0123456789") != strlen(o->req.after) || strlen(o->req.after) > 19)) {
                ctl_err("--after takes the sequence number of an audit record (the last one you have)");
                return EXIT_USAGE;
        }
        if (o->command == CTL_SID_UPDATE && !(given & (OPT(UNIX_USER) | OPT(DESCRIPTION)))) {
                ctl_err("nothing to update: give --unix-user or --description (see 'apikeyctl service-id update --help')");
                return EXIT_USAGE;
        }
        return -1;
}
