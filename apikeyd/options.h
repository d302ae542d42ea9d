/* options.h - the daemon's options: one table (options.c) gives each its
 * name, kind, limits and help, and serves the command line, the
 * configuration files (config.c), --help and `apikeyctl status` alike. A new
 * option is one field in struct options and one row in the table. */
#ifndef APIKEYD_OPTIONS_H
#define APIKEYD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DEFAULT_CONFIG_PATH "/etc/apikeyd/apikeyd.conf"
#define OPTION_ERROR_MAX 512
#define OPTION_VALUE_MAX 256 /* longest value accepted (and shown) */

struct options {
        char *db;
        char *state_dir;  /* NULL: beside an SQLite db, else DEFAULT_STATE_DIR */
        char *listen_dir; /* NULL: sockets from systemd, else DEFAULT_RUN_DIR */
        char *admin_group;
        uint64_t idle_exit_sec; /* 0: never */
        uint64_t max_keys_per_user;
        uint64_t max_keys_per_sid;
        uint64_t max_lifetime_sec; /* 0: none */
        uint64_t purge_after_sec;
        uint64_t audit_retention_sec;
        uint64_t audit_max_records; /* 0: no bound */
        uint64_t rl_burst; /* 0: no limit */
        uint64_t rl_interval_sec;
        uint64_t max_connections;
        uint64_t orphan_scan_sec; /* how often to look for keys of deleted accounts */
        uint64_t max_connections_per_uid; /* root is not counted */
};

enum option_kind {
        OPTION_PATH,     /* any non-empty text without control characters */
        OPTION_NAME,     /* non-empty, no whitespace or control characters (an account or group name) */
        OPTION_NUMBER,   /* a whole number from min to max */
        OPTION_DURATION, /* 30s, 15m, 12h, 90d, 2w, from min to max seconds */
        OPTION_SECONDS,  /* a duration, or a bare number of seconds (older command lines) */
};

#define OPTION_POLICY 0x1u    /* shown by `apikeyctl status` */
#define OPTION_ZERO_NONE 0x2u /* 0 is written "none" and "none" is accepted for it */
#define OPTION_NO_DEFAULT 0x4u /* --help tells the default in its text */

struct option_spec {
        const char *name; /* the long option and the configuration key */
        enum option_kind kind;
        size_t offset; /* of the field in struct options: char * or uint64_t */
        uint64_t min, max;
        unsigned flags;
        const char *arg;  /* in --help: PATH, N, DURATION */
        const char *help; /* may hold '\n' for more lines */
};

extern const struct option_spec option_table[];
extern const size_t option_count;

/* The built-in defaults. */
int options_init(struct options *o);
void options_free(struct options *o);
const struct option_spec *option_find(const char *name);
/* Checks value and stores it: 0, -ENOMEM, or -EINVAL with a message that
 * names the option in err. */
int option_set(struct options *o, const struct option_spec *s, const char *value, char *err, size_t errsz);
/* The value as it would be written in the configuration file. */
void option_format(const struct options *o, const struct option_spec *s, char *buf, size_t bufsz);
/* "name=value name=value ...": the policy options, for status. */
int options_policy_string(const struct options *o, char *buf, size_t bufsz);
void options_usage(FILE *f, const struct options *defaults);

/* config.c: reads path, then path.d/ *.conf in lexical order, into o. A
 * missing file is an error only when must_exist. Returns 0, or -EINVAL
 * after printing "FILE:LINE: what is wrong" on stderr. */
int config_read(const char *path, bool must_exist, struct options *o);

#endif
