/* options.c - the table of the daemon's options and what every option
 * shares: checking a value, writing it back, --help. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "duration.h"

#define FIELD(f) offsetof(struct options, f)
#define YEAR (UINT64_C(366) * 86400)

const struct option_spec option_table[] = {
        { "db", OPTION_PATH, FIELD(db), 0, 0, 0, "PATH|URI",
          "SQLite store (a file; hash.key lives beside it), or\nthe fleet's PostgreSQL store (a libpq URI:\n"
          "postgresql://..., postgres://...)" },
        { "state-dir", OPTION_PATH, FIELD(state_dir), 0, 0, OPTION_NO_DEFAULT, "DIR",
          "where hash.key, fleet.key and audit.head live\n(default: the SQLite file's directory, else\n"
          DEFAULT_STATE_DIR ")" },
        { "listen-dir", OPTION_PATH, FIELD(listen_dir), 0, 0, OPTION_NO_DEFAULT, "DIR",
          "bind DIR/auth.sock and DIR/control.sock ourselves\n(default: sockets from systemd, else " DEFAULT_RUN_DIR ")" },
        { "admin-group", OPTION_NAME, FIELD(admin_group), 0, 0, OPTION_POLICY, "NAME",
          "group whose members administer keys" },
        { "idle-exit", OPTION_SECONDS, FIELD(idle_exit_sec), 0, YEAR, OPTION_POLICY | OPTION_ZERO_NONE, "DURATION",
          "exit after DURATION without connections (a bare\nnumber counts seconds; none: never)" },
        { "max-keys-per-user", OPTION_NUMBER, FIELD(max_keys_per_user), 1, 100000, OPTION_POLICY, "N",
          "keys one account may hold" },
        { "max-keys-per-service-id", OPTION_NUMBER, FIELD(max_keys_per_sid), 1, 100000, OPTION_POLICY, "N",
          "keys one service ID may hold" },
        { "max-lifetime", OPTION_DURATION, FIELD(max_lifetime_sec), 1, DURATION_MAX_SECONDS,
          OPTION_POLICY | OPTION_ZERO_NONE, "DURATION", "longest key lifetime, also the default expiry\n(none: keys may live forever)" },
        { "purge-after", OPTION_DURATION, FIELD(purge_after_sec), 1, DURATION_MAX_SECONDS, OPTION_POLICY,
          "DURATION", "delete expired keys this long after expiry" },
        { "audit-retention", OPTION_DURATION, FIELD(audit_retention_sec), 1, DURATION_MAX_SECONDS, OPTION_POLICY,
          "DURATION", "keep audit records this long" },
        { "audit-max-records", OPTION_NUMBER, FIELD(audit_max_records), 100, UINT64_C(1000000000000),
          OPTION_POLICY | OPTION_ZERO_NONE, "N", "keep at most N audit records, pruning the oldest\n(none: no bound)" },
        { "rate-limit-burst", OPTION_NUMBER, FIELD(rl_burst), 0, 100000, OPTION_POLICY, "N",
          "failures a source (remote host, or local uid with\nthe host it names) or key ID may have before it is\nblocked (0: no limit)" },
        { "rate-limit-interval", OPTION_DURATION, FIELD(rl_interval_sec), 1, 86400, OPTION_POLICY, "DURATION",
          "one more failure allowed per DURATION" },
        { "max-connections", OPTION_NUMBER, FIELD(max_connections), 1, 65536, OPTION_POLICY, "N",
          "client connections served at once; the last eighth\nis kept for root" },
        { "max-connections-per-uid", OPTION_NUMBER, FIELD(max_connections_per_uid), 1, 65536, OPTION_POLICY, "N",
          "connections one non-root uid may hold at once" },
        { "orphan-scan-interval", OPTION_DURATION, FIELD(orphan_scan_sec), 1, 86400, OPTION_POLICY, "DURATION",
          "look for keys of deleted accounts this often (and at\nstart); they die for good" },
};

const size_t option_count = sizeof(option_table) / sizeof(option_table[0]);

static char **str_field(struct options *o, const struct option_spec *s)
{
        return (char **)((unsigned char *)o + s->offset);
}

static uint64_t *num_field(struct options *o, const struct option_spec *s)
{
        return (uint64_t *)((unsigned char *)o + s->offset);
}

static bool is_string(const struct option_spec *s)
{
        return s->kind == OPTION_PATH || s->kind == OPTION_NAME;
}

int options_init(struct options *o)
{
        *o = (struct options){
                .max_keys_per_user = DEFAULT_MAX_KEYS_PER_USER, .max_keys_per_sid = DEFAULT_MAX_KEYS_PER_SID,
                .max_lifetime_sec = DEFAULT_MAX_LIFETIME_SEC,
                .purge_after_sec = DEFAULT_PURGE_AFTER_SEC, .audit_retention_sec = DEFAULT_AUDIT_RETENTION_SEC,
                .audit_max_records = DEFAULT_AUDIT_MAX_RECORDS,
                .rl_burst = RL_DEFAULT_BURST, .rl_interval_sec = RL_DEFAULT_INTERVAL_MS / 1000,
                .max_connections = DEFAULT_MAX_CONNECTIONS, .orphan_scan_sec = DEFAULT_ORPHAN_SCAN_SEC,
                .max_connections_per_uid = DEFAULT_MAX_CONNECTIONS_PER_UID,
        };
        o->db = strdup(DEFAULT_DB_PATH);
        o->admin_group = strdup(DEFAULT_ADMIN_GROUP);
        return o->db && o->admin_group ? 0 : -ENOMEM;
}

void options_free(struct options *o)
{
        for (size_t i = 0; i < option_count; i++)
                if (is_string(&option_table[i])) {
                        char **p = str_field(o, &option_table[i]);
                        free(*p);
                        *p = NULL;
                }
}

const struct option_spec *option_find(const char *name)
{
        for (size_t i = 0; i < option_count; i++)
                if (strcmp(option_table[i].name, name) == 0)
                        return &option_table[i];
        return NULL;
}

/* The value for a message: quoted, cut short when long. */
static const char *shown(const char *v, char *buf, size_t bufsz)
{
        snprintf(buf, bufsz, "'%.40s%s'", v, strlen(v) > 40 ? "..." : "");
        return buf;
}

static int check_text(const struct option_spec *s, const char *v, char *err, size_t errsz)
{
        size_t len = strlen(v), max = s->kind == OPTION_NAME ? 64 : OPTION_VALUE_MAX;

        if (len == 0 || len > max) {
                snprintf(err, errsz, "%s takes %s of 1 to %zu characters", s->name,
                         s->kind == OPTION_NAME ? "a name" : "a path", max);
                return -EINVAL;
        }
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)v[i];
                if (c < 0x20 || c == 0x7f || (s->kind == OPTION_NAME && isspace(c))) {
                        snprintf(err, errsz, "%s must not contain %s", s->name,
                                 s->kind == OPTION_NAME ? "spaces or control characters" : "control characters");
                        return -EINVAL;
                }
        }
        return 0;
}

static int parse_number(const char *v, uint64_t *ret)
{
        unsigned long long n;
        char *end;

        if (!isdigit((unsigned char)v[0]))
                return -EINVAL;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = n;
        return 0;
}

static int parse_value(const struct option_spec *s, const char *v, uint64_t *ret)
{
        switch (s->kind) {
        case OPTION_NUMBER:
                return parse_number(v, ret);
        case OPTION_SECONDS:
                if (parse_number(v, ret) == 0)
                        return 0;
                /* fall through */
        default:
                return duration_parse(v, ret);
        }
}

static void describe_range(const struct option_spec *s, char *buf, size_t bufsz)
{
        char lo[32], hi[32];
        struct options tmp = { 0 };

        *num_field(&tmp, s) = s->min;
        option_format(&tmp, s, lo, sizeof(lo));
        *num_field(&tmp, s) = s->max;
        option_format(&tmp, s, hi, sizeof(hi));
        if (s->kind == OPTION_NUMBER)
                snprintf(buf, bufsz, "a whole number from %s to %s", lo, hi);
        else
                snprintf(buf, bufsz, "a duration such as 90d, 12h, 15m or 30s%s%s, at most %s",
                         s->kind == OPTION_SECONDS ? " (or a number of seconds)" : "",
                         (s->flags & OPTION_ZERO_NONE) ? " or none" : "", hi);
}

int option_set(struct options *o, const struct option_spec *s, const char *value, char *err, size_t errsz)
{
        char range[160], buf[64];
        uint64_t v;

        if (is_string(s)) {
                char *copy;

                if (check_text(s, value, err, errsz) < 0)
                        return -EINVAL;
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
                free(*str_field(o, s));
                *str_field(o, s) = copy;
                return 0;
        }
        if ((s->flags & OPTION_ZERO_NONE) && strcmp(value, "none") == 0) {
                *num_field(o, s) = 0;
                return 0;
        }
        if (parse_value(s, value, &v) == 0 && v >= s->min && v <= s->max) {
                *num_field(o, s) = v;
                return 0;
        }
        describe_range(s, range, sizeof(range));
        snprintf(err, errsz, "%s takes %s, not %s", s->name, range, shown(value, buf, sizeof(buf)));
        return -EINVAL;
}

/* The largest unit that divides secs: 90d, 12h, 15m, 30s. */
static void format_duration(uint64_t secs, char *buf, size_t bufsz)
{
        static const struct {
                uint64_t seconds;
                char unit;
        } units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' } };

        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (secs > 0 && secs % units[i].seconds == 0) {
                        snprintf(buf, bufsz, "%" PRIu64 "%c", secs / units[i].seconds, units[i].unit);
                        return;
                }
        snprintf(buf, bufsz, "%" PRIu64 "s", secs);
}

void option_format(const struct options *o, const struct option_spec *s, char *buf, size_t bufsz)
{
        uint64_t v;

        if (is_string(s)) {
                const char *str = *str_field((struct options *)o, s);
                if (str && s->offset == FIELD(db))
                        store_db_redact(str, buf, bufsz); /* a URI's password is no one's to see */
                else
                        snprintf(buf, bufsz, "%s", str ? str : ""); /* not set */
                return;
        }
        v = *num_field((struct options *)o, s);
        if (v == 0 && (s->flags & OPTION_ZERO_NONE))
                snprintf(buf, bufsz, "none");
        else if (s->kind == OPTION_NUMBER)
                snprintf(buf, bufsz, "%" PRIu64, v);
        else
                format_duration(v, buf, bufsz);
}

int options_policy_string(const struct options *o, char *buf, size_t bufsz)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < option_count; i++) {
                char value[OPTION_VALUE_MAX + 1];
                int n;

                if (!(option_table[i].flags & OPTION_POLICY))
                        continue;
                option_format(o, &option_table[i], value, sizeof(value));
                n = snprintf(buf + len, bufsz - len, "%s%s=%s", len ? " " : "", option_table[i].name, value);
                if (n < 0 || (size_t)n >= bufsz - len)
                        return -ENOBUFS;
                len += (size_t)n;
        }
        return 0;
}

void options_usage(FILE *f, const struct options *defaults)
{
        fputs("Usage: apikeyd [OPTIONS]\n"
              "Validate API keys for pam_apikey and serve apikeyctl.\n\n"
              "  --config PATH            read options from PATH and PATH.d/*.conf (default\n"
              "                           " DEFAULT_CONFIG_PATH "; a missing default is fine)\n"
              "  --no-config              read no configuration file\n"
              "  --check-config           check the configuration and the command line, print\n"
              "                           the options in effect and exit\n",
              f);
        for (size_t i = 0; i < option_count; i++) {
                const struct option_spec *s = &option_table[i];
                char head[64], def[OPTION_VALUE_MAX + 1];
                const char *line = s->help;

                snprintf(head, sizeof(head), "--%s %s", s->name, s->arg);
                if (strlen(head) > 23)
                        fprintf(f, "  %s\n%27s", head, "");
                else
                        fprintf(f, "  %-25s", head);
                for (const char *nl; (nl = strchr(line, '\n')); line = nl + 1)
                        fprintf(f, "%.*s\n%27s", (int)(nl - line), line, "");
                option_format(defaults, s, def, sizeof(def));
                if (s->flags & OPTION_NO_DEFAULT)
                        fprintf(f, "%s\n", line);
                else
                        fprintf(f, "%s (default %s)\n", line, def);
        }
        fputs("  -h, --help               show this help\n"
              "  --version                show the version\n\n"
              "Every option below --check-config can be set in the configuration file by\n"
              "its name (max-lifetime = 90d); the command line overrides the file.\n"
              "Durations: 30s, 15m, 12h, 90d, 2w. Logs go to the journal under systemd, to\n"
              "stderr otherwise. See apikeyd(8).\n",
              f);
}
