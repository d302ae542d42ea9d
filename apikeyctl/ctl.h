/* ctl.h - types shared by the parts of apikeyctl: the parsed command line,
 * the request it becomes, the reply the daemon sent, and the exit codes.
 * records.h has the records (keys, service IDs, audit records), print.h the
 * printers. */
#ifndef APIKEYCTL_CTL_H
#define APIKEYCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "key.h"
#include "proto.h"
#include "wire.h"

#define CTL_DEFAULT_SOCKET "/run/apikeyd/control.sock"
#define CTL_SOCKET_ENV "APIKEY_CONTROL_SOCKET"
#define CTL_DAEMON_USER "apikeyd"
#define CTL_TIMEOUT_MS 10000
#define CTL_MAX_RECORDS 100000 /* KEY_INFO, SID_INFO or AUDIT_RECORD messages accepted per reply */

/* Exit codes, documented in `apikeyctl --help`. */
enum ctl_exit {
        EXIT_OK = 0,
        EXIT_FAILURE_OTHER = 1, /* daemon internal error, protocol error */
        EXIT_USAGE = 2,
        EXIT_PERMISSION = 3,
        EXIT_NOT_FOUND = 4,
        EXIT_UNREACHABLE = 5,
        EXIT_CONFLICT = 6,
};

struct opt_u64 {
        bool set;
        uint64_t v;
};

/* The fields of the MSG_CTL_REQUEST, checked; strings point into argv (key
 * into the scanner's buffer). NULL, unset or "": left out. */
struct ctl_request {
        uint32_t flags;
        const char *key_id;     /* the ID argument; audit --key */
        const char *service_id; /* service-id NAME; create/list --service-id */
        const char *key;        /* scan: the key found */
        const char *name, *description, *leak_action, *unix_user, *filter_user, *identity;
        char services[PROTO_SERVICES_MAX + 1]; /* --service values joined by ',' */
        char sources[PROTO_SOURCES_MAX + 1];   /* --from values joined by ',' */
        struct opt_u64 expires_at, max_uses, grace, since, inactive, limit;
        const char *after; /* list, audit: the page's cursor (a key ID, an audit seq) */
};

/* What the command line asked for. */
struct ctl_options {
        const char *socket;
        const char *db;       /* --db URI: the fleet database, not the daemon (fleet_keys.c) */
        const char *key_file; /* --key-file: with --db, the fleet's secret (seals rows) */
        bool json;
        enum ctl_command command;
        struct ctl_request req;
        const char **files; /* scan: the FILE arguments (heap array into argv) */
        size_t nfiles;
};

/* The MSG_CTL_REPLY. key holds the new key after create and rotate: wipe
 * with reply_wipe(). */
struct ctl_reply {
        uint32_t status;
        bool has_message, has_key_id, has_key, has_version, has_caller, has_state, has_result, has_rotated_to, has_policy;
        bool has_cursor;
        char cursor[PROTO_CURSOR_MAX + 1]; /* list, audit: where the next page starts, when there is one */
        char message[PROTO_MESSAGE_MAX + 1];
        char key_id[KEY_ID_LEN + 1];
        char key[KEY_MAX_INPUT + 1];
        char version[64];
        char caller[PROTO_USER_MAX + 1];
        char state[33];
        char result[33];
        char rotated_to[KEY_ID_LEN + 1];
        char policy[PROTO_POLICY_MAX + 1]; /* "name=value name=value ..." */
        struct opt_u64 key_count, uptime, is_admin, seq, max_lifetime, rl_burst, rl_interval;
};

/* errors.c */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_err_text(const char *daemon_text); /* made safe for the terminal */
/* Reports a reply apikeyctl cannot use; returns EXIT_FAILURE_OTHER. */
int ctl_protocol_error(const char *what);
/* help.c */
void usage_print_global(FILE *f);
void usage_print(FILE *f, enum ctl_command command); /* 0: the global help */
void usage_print_sid(FILE *f);                       /* apikeyctl service-id --help */

/* commands.c: what each command takes and receives. */
enum arg_kind { ARG_NONE, ARG_KEY_ID, ARG_SID, ARG_FILES, ARG_ACCOUNT /* NAME, unless --orphaned */ };
#define CMD_SID_PREFIX "service-id "
const char *cmd_name(enum ctl_command c);           /* "create", "service-id list", "scan" */
enum ctl_command cmd_lookup(const char *word, bool in_sid_group); /* 0: none */
enum arg_kind cmd_arg(enum ctl_command c);
bool cmd_is_sid(enum ctl_command c);                 /* a service-id subcommand */
uint32_t cmd_options(enum ctl_command c);            /* mask of 1 << enum opt_id */
uint8_t cmd_record_type(enum ctl_command c);         /* MSG_KEY_INFO...; 0: none */

/* opts.c: each command option, checked as it is parsed. */
enum opt_id {
        OPT_NAME, OPT_DESCRIPTION, OPT_EXPIRES, OPT_SERVICE, OPT_FROM, OPT_MAX_USES, OPT_LEAK_ACTION,
        OPT_CLASSIC, OPT_REPLACE, OPT_SERVICE_ID, OPT_ALL, OPT_USER, OPT_INACTIVE, OPT_GRACE,
        OPT_UNTIL_FIRST_USE, OPT_UNIX_USER, OPT_FORCE, OPT_KEY, OPT_IDENTITY, OPT_SINCE, OPT_VERIFY,
        OPT_DISABLE, OPT_ORPHANED, OPT_LIMIT, OPT_AFTER, _OPT_MAX
};
#define OPT(x) (UINT32_C(1) << OPT_##x)
/* The option whose name is arg or the part of arg before '=': -1 if none. */
int opts_find(const char *arg, uint32_t allowed, const char **ret_value, bool *ret_has_value);
bool opts_takes_value(enum opt_id id);
bool opts_repeatable(enum opt_id id);
const char *opts_name(enum opt_id id);
/* Checks value and stores it in r; -1 or EXIT_USAGE. */
int opts_apply(enum opt_id id, const char *value, struct ctl_request *r);
/* Checks the combination of options; -1 or EXIT_USAGE. */
int opts_check(const struct ctl_options *o, uint32_t given);

/* check.c: arguments and values. Each returns -1 when fine, else prints the
 * error and returns EXIT_USAGE. */
const char *check_shown(const char *arg); /* arg quoted for a message, unless it may be a key */
int check_key_id(const char *id);
int check_sid_name(const char *what, const char *name);
int check_text(const char *what, const char *s, size_t max, bool may_be_empty);

/* args.c: returns -1 to go on, or the exit code (help, version, usage error). */
int args_parse(int argc, char **argv, struct ctl_options *ret);
void args_free(struct ctl_options *o);

/* request.c */
int request_build(const struct ctl_options *o, struct wire_buf *b);

struct rec_list;
/* client.c: the exchange with apikeyd. Returns an exit code; on EXIT_OK
 * records (of cmd_record_type(), may be NULL when none) and reply hold what
 * the daemon sent. Prints its own errors. */
int client_exchange(const struct ctl_options *o, struct rec_list *records, struct ctl_reply *reply);

/* reply_decode.c: the reply, its status as an exit code and a message,
 * and the daemon's policy "name=value name=value" item by item (false at
 * the end). */
struct policy_item {
        char name[64];
        char value[PROTO_POLICY_MAX + 1];
};
bool policy_next(const char **p, struct policy_item *ret);
int reply_decode(const struct wire_msg *m, struct ctl_reply *ret);
void reply_wipe(struct ctl_reply *r);
/* The daemon's status as an exit code; prints the error. */
int reply_check_status(const struct ctl_options *o, const struct ctl_reply *r);

/* scan.c and scan_cmd.c */
int scan_run(const struct ctl_options *o);

/* text_safe.c: daemon strings made safe for a terminal. */
size_t text_width(const char *s);
void text_put(FILE *f, const char *s);
void text_put_padded(FILE *f, const char *s, size_t width);
/* One UTF-8 sequence at s (len > 0): its length, or -1 for an invalid byte. */
int text_utf8_next(const unsigned char *s, size_t len, uint32_t *ret_cp);
/* False for controls (C0, DEL, C1) and bidirectional overrides. */
bool text_printable(uint32_t cp);

/* timefmt.c */
void timefmt_local(uint64_t t, char *buf, size_t sz);         /* "YYYY-MM-DD HH:MM" or "-" */
void timefmt_local_seconds(uint64_t t, char *buf, size_t sz); /* "YYYY-MM-DD HH:MM:SS" or "-" */
bool timefmt_utc_iso(uint64_t t, char *buf, size_t sz);        /* "2026-11-27T07:19:15Z" */
void timefmt_duration(uint64_t secs, char *buf, size_t sz);   /* "1d 2h 3m" */
void timefmt_span(uint64_t secs, char *buf, size_t sz);       /* "90d", "12h", "90s" */

#endif
