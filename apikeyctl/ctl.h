/* ctl.h - types shared by the parts of apikeyctl: the parsed command line,
 * the keys and the reply the daemon sent, and the exit codes. */
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
#define CTL_MAX_KEYS 100000 /* KEY_INFO records accepted per reply */

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

/* What the command line asked for; strings point into argv. */
struct ctl_options {
        const char *socket;
        bool json;
        enum ctl_command command;
        const char *key_id;      /* show, disable, enable, delete */
        const char *name;        /* create, NULL when not given */
        const char *description; /* create, NULL when not given */
        bool all;                /* list */
};

struct opt_u64 {
        bool set;
        uint64_t v;
};

/* One MSG_KEY_INFO. Strings are NULL when the daemon left the field out. */
struct key_info {
        char *id, *kind, *identity, *owner, *name, *description, *state;
        char *created_by, *last_used_from, *last_used_service;
        struct opt_u64 owner_uid, created_at, last_used_at, use_count;
};

struct key_list {
        struct key_info *items;
        size_t n, cap;
};

/* The MSG_CTL_REPLY. key holds the new key after create: wipe with
 * reply_wipe(). */
struct ctl_reply {
        uint32_t status;
        bool has_message, has_key_id, has_key, has_version, has_caller;
        char message[PROTO_MESSAGE_MAX + 1];
        char key_id[KEY_ID_LEN + 1];
        char key[KEY_MAX_INPUT + 1];
        char version[64];
        char caller[PROTO_USER_MAX + 1];
        struct opt_u64 key_count, uptime, is_admin;
};

/* usage.c */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void usage_print(FILE *f, enum ctl_command command); /* 0: the global help */
/* Reports a reply apikeyctl cannot use; returns EXIT_FAILURE_OTHER. */
int ctl_protocol_error(const char *what);

/* args.c: returns -1 to go on, or the exit code (help, version, usage error). */
int args_parse(int argc, char **argv, struct ctl_options *ret);

/* client.c: the exchange with apikeyd. Returns an exit code; on EXIT_OK keys
 * and reply hold what the daemon sent. Prints its own errors. */
int client_exchange(const struct ctl_options *o, struct key_list *keys, struct ctl_reply *reply);

/* keyinfo.c */
int key_info_decode(const struct wire_msg *m, struct key_info *ret);
void key_info_free(struct key_info *k);
int key_list_add(struct key_list *l, struct key_info *k); /* takes k's strings */
void key_list_free(struct key_list *l);
int reply_decode(const struct wire_msg *m, struct ctl_reply *ret);
void reply_wipe(struct ctl_reply *r);

/* text.c: daemon strings made safe for a terminal. */
size_t text_width(const char *s);
void text_put(FILE *f, const char *s);
void text_put_padded(FILE *f, const char *s, size_t width);
/* One UTF-8 sequence at s (len > 0): its length, or -1 for an invalid byte. */
int text_utf8_next(const unsigned char *s, size_t len, uint32_t *ret_cp);
/* False for controls (C0, DEL, C1) and bidirectional overrides. */
bool text_printable(uint32_t cp);

/* timefmt.c */
void timefmt_local(uint64_t t, char *buf, size_t sz);  /* "YYYY-MM-DD HH:MM" or "-" */
bool timefmt_utc_iso(uint64_t t, char *buf, size_t sz); /* "2026-11-27T07:19:15Z" */
void timefmt_duration(uint64_t secs, char *buf, size_t sz);

/* output.c: text for humans */
void output_list(const struct key_list *l);
void output_show(const struct key_info *k);
void output_created(const struct ctl_reply *r);
void output_result(const char *id, const char *result);
void output_status(const struct ctl_reply *r);

/* json.c */
void json_list(const struct key_list *l);
void json_show(const struct key_info *k);
void json_created(const struct ctl_reply *r, const struct key_info *k);
void json_result(const char *id, const char *result);
void json_status(const struct ctl_reply *r);

#endif
