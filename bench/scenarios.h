/* scenarios.h - the benchmark run: its state, the rows and the one-off
 * measurements (control commands, revocation, cold start). */
#ifndef APIKEY_BENCH_SCENARIOS_H
#define APIKEY_BENCH_SCENARIOS_H

#include <limits.h>

#include "bench.h"

#define BENCH_PATH_MAX 256 /* under the work directory, which is short (/tmp/apikey-bench.XXXXXX) */

struct store_dir {
        char state[BENCH_PATH_MAX]; /* keys.db and hash.key */
        struct keyset keys;
};

struct bench {
        const struct bench_opts *o;
        struct report rep;
        char dir[64];                 /* the work directory */
        char pam_dir[BENCH_PATH_MAX]; /* private PAM configuration (pam_start_confdir) */
        char run_dir[BENCH_PATH_MAX]; /* the daemon's sockets, whichever store it serves */
        char run_dir_small[BENCH_PATH_MAX]; /* a second daemon's, on the small store (scaling_pair) */
        char echo_sock[BENCH_PATH_MAX];
        char grant_sock[BENCH_PATH_MAX]; /* the granting echo server (module_echo row) */
        char permit_so[BENCH_PATH_MAX];  /* pam_permit.so's path, for floor_resident ("": not found) */
        char user[32];          /* throwaway account: owns the keys, has a password */
        uid_t uid;
        bool user_made;
        struct store_dir large, small, list;
        struct daemon_proc daemon;
        pid_t echo_pid;
        char *unix_label;
        /* --pg: the private PostgreSQL cluster and two fleet hosts on it. */
        char pg_dir[BENCH_PATH_MAX];
        bool pg_started;
        char pg_uri[2][512];
        char pg_state[2][BENCH_PATH_MAX], pg_run[2][BENCH_PATH_MAX];
        struct keyset pg_keys;
        struct daemon_proc pg_host[2];
        unsigned failures; /* wrong answers, a revoked key accepted, a daemon crash */
};

int bench_write_pam(struct bench *b);
int bench_run(struct bench *b);
/* Stops whatever is still running. */
void bench_teardown(struct bench *b);

/* scenarios.c */
/* dir/name into buf: 0 or -ENAMETOOLONG. */
int path_join(char *buf, size_t bufsz, const char *dir, const char *name);
/* One row: op at each client level (--clients), CPU counted for server. */
int run_row(struct bench *b, const char *name, const char *label, unsigned long keys, op_fn op, void *ctx,
            pid_t server);
/* The same, only at the client levels up to max_clients. */
int run_row_upto(struct bench *b, const char *name, const char *label, unsigned long keys, op_fn op, void *ctx,
                 pid_t server, unsigned max_clients);
int bench_daemon_start(struct bench *b, struct store_dir *s);
void bench_daemon_stop(struct bench *b);
void bench_fail(struct bench *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* extras.c: timed once, not per client level. */
void extras_control(struct bench *b);
void extras_list(struct bench *b);
void extras_revocation(struct bench *b);
void extras_cold_start(struct bench *b);

/* pg.c: the rows against a PostgreSQL fleet store (--pg). */
int pg_rows(struct bench *b);
void pg_teardown(struct bench *b);

#endif
