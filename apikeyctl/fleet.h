/* fleet.h - `apikeyctl fleet`: the fleet store's admin tool. Unlike every
 * other command it does not ask apikeyd: it talks to PostgreSQL with libpq,
 * as the role the URI names (the database's owner for init and migrate, a
 * fleet admin for the rest).
 *
 *   fleet_args.c     the command line and the help
 *   fleet_main.c     connect, run the command, exit code
 *   fleet_db.c       libpq: connection, queries, errors as exit codes
 *   fleet_migrate.c  init, migrate
 *   fleet_key.c      init --key-file: the fleet's secret
 *   fleet_hosts.c    add-host, remove-host
 *   fleet_list.c     hosts, groups
 *   fleet_import.c   import a host's SQLite store
 *   fleet_keys.c     --db URI list|show|disable|enable|delete: keys from the admin's seat */
#ifndef APIKEYCTL_FLEET_H
#define APIKEYCTL_FLEET_H

#include "../apikeyd/libpq_dl.h" /* libpq-fe.h, and libpq loaded only when used */
#include <stdbool.h>
#include <stddef.h>

#include "ctl.h"

#define FLEET_GROUPS_MAX 32
#define FLEET_NAME_MAX 63
/* A host's role when add-host is given no --role. */
#define FLEET_ROLE_PREFIX "apikeyd_"

enum fleet_command {
        FLEET_NONE,
        FLEET_INIT,
        FLEET_MIGRATE,
        FLEET_ADD_HOST,
        FLEET_REMOVE_HOST,
        FLEET_SET_GROUPS,
        FLEET_HOSTS,
        FLEET_GROUPS,
        FLEET_IMPORT,
};

struct fleet_options {
        enum fleet_command command;
        const char *db;   /* --db URI */
        bool json;        /* --json */
        const char *name; /* add-host, remove-host, set-groups: NAME */
        const char *role; /* add-host --role */
        const char *groups[FLEET_GROUPS_MAX];
        size_t ngroups;
        const char *from; /* import --from */
        const char *host; /* import --host */
        const char *key_file; /* init --key-file */
};

/* Whether argv (after the global options) names the fleet command. */
bool fleet_is_command(int argc, char **argv);
/* Runs `apikeyctl [--json] fleet ...`; returns the exit code. */
int fleet_main(int argc, char **argv);

/* fleet_args.c: -1 to go on, or an exit code (help printed, usage error). */
int fleet_args_parse(int argc, char **argv, struct fleet_options *o);
bool fleet_name_ok(const char *s);

/* fleet_db.c. Each returns an exit code and has reported the error. */
int fleet_connect(const char *uri, PGconn **ret);
int fleet_exec(PGconn *c, const char *sql);
/* Text parameters (NULL: SQL NULL); *ret is a PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK result to PQclear. */
int fleet_query(PGconn *c, const char *sql, int n, const char *const *params, PGresult **ret);
/* The same when the result is not needed. */
int fleet_command(PGconn *c, const char *sql, int n, const char *const *params);
/* The exit code of a failed result or connection, after reporting it. */
int fleet_report(PGconn *c, const PGresult *res, const char *doing);
/* BEGIN; SET LOCAL lock_timeout. */
int fleet_begin(PGconn *c);
void fleet_rollback(PGconn *c);
/* COMMIT when r is EXIT_OK, else (or when COMMIT fails) ROLLBACK; the exit code. */
int fleet_end(PGconn *c, int r);
/* A text array literal of checked names ({"a","b"}). */
void fleet_array_literal(const char *const *names, size_t n, char *buf, size_t sz);

/* Creates the fleet key at path, or checks the one there; an exit code. */
int fleet_key_file(const char *path, bool *ret_created);

/* The commands. */
int fleet_migrate(PGconn *c, const struct fleet_options *o);
int fleet_add_host(PGconn *c, const struct fleet_options *o);
int fleet_remove_host(PGconn *c, const struct fleet_options *o);
int fleet_set_groups(PGconn *c, const struct fleet_options *o);
int fleet_hosts(PGconn *c, const struct fleet_options *o);
int fleet_groups(PGconn *c, const struct fleet_options *o);
int fleet_import(PGconn *c, const struct fleet_options *o);

/* fleet_keys.c: the control commands that run against the fleet database
 * with --db; run returns the exit code. */
bool fleet_keys_command(enum ctl_command command);
int fleet_keys_run(const struct ctl_options *o);
/* fleet_sids.c: service-id list and show, on c; the exit code. */
int fleet_sids_run(PGconn *c, const struct ctl_options *o);

#endif
