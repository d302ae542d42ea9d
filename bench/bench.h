/* bench.h - apikey-bench: what the parts of the benchmark share.
 *
 * The benchmark measures one authentication through the real libpam, the
 * real module and the real daemon on a store of N keys, side by side with
 * its floor (an echo server with the same socket type and message sizes,
 * plus a pam_permit transaction) and with pam_unix checking a password.
 * BENCHMARKS.md explains the rows and how to read them. */
#ifndef APIKEY_BENCH_H
#define APIKEY_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "key.h"

#define BENCH_MAX_CLIENT_LEVELS 8
#define BENCH_MAX_ROWS 16
#define BENCH_USER_PASSWORD "bench-Pa55word-not-secret"
#define BENCH_TTY "ssh"

struct bench_opts {
        const char *build;   /* directory with apikeyd, apikeyctl, pam_apikey.so */
        const char *out;     /* JSON file */
        unsigned long keys;  /* the big store */
        unsigned long small_keys; /* the scaling row */
        unsigned long list_keys;  /* the store `list --all --json` runs on */
        double seconds;      /* per measured cell */
        unsigned clients[BENCH_MAX_CLIENT_LEVELS];
        size_t n_clients;
        unsigned creates;    /* apikeyctl create runs to time */
        const char *only;    /* comma-separated rows and extras to run (NULL: all) */
        const char *skip;    /* ... and to leave out */
        unsigned long pg_keys; /* the PostgreSQL store (0: min(keys, 50000)) */
        const char *pg;      /* --pg: the script that starts the PostgreSQL fleet (NULL: no PG rows) */
        bool keep;           /* keep the work directory */
        bool quiet;
};

/* Whether the row or extra called name runs (--only, --skip). */
bool bench_wants(const struct bench_opts *o, const char *name);
/* Monotonic time. */
uint64_t bench_now_ns(void);
void bench_log(const struct bench_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* keys.c: minting in bulk and building a store through store.h. */
struct keyset {
        size_t n;
        char (*keys)[KEY_LEN + 1]; /* full key strings, in store order */
};
struct build_result {
        double seconds;       /* mint + hash + insert + commit, the whole bulk path */
        double mint_seconds;  /* of which minting and hashing */
        uint64_t db_bytes;    /* database file plus WAL after close */
};
/* Creates dir/hash.key and dir/keys.db holding n user keys of owner/uid and
 * returns every key string. 0 or -errno. */
int keys_build_store(const char *dir, size_t n, const char *owner, uid_t uid, struct keyset *ret,
                     struct build_result *res);
/* The same into a fleet store (a libpq URI, as a host: the rows take its
 * default scope), hashed and MACed with the fleet's secret in fleet_key. */
int keys_build_fleet(const char *uri, const char *fleet_key, size_t n, const char *owner, uid_t uid,
                     struct keyset *ret, struct build_result *res);
void keyset_free(struct keyset *ks);
/* A well-formed key that is not valid: an unknown ID, or a known ID with a
 * wrong secret (alternately, by r). out holds KEY_LEN + 1. */
void keys_invalid_variant(const char *key, uint64_t r, char *out);

/* load.c: N client processes, each looping over op for a fixed time. */
enum outcome { OUT_EXPECTED = 0, OUT_UNEXPECTED = 1, OUT_ERROR = 2 };
struct sample {
        uint64_t start_ns; /* relative to the start of the cell */
        uint64_t lat_ns; /* 64 bits: pam_unix with 64 clients takes longer than 4.3 s */
        uint8_t outcome;
};
/* One operation in a client process; returns an outcome. rng is the
 * client's own state. */
typedef enum outcome (*op_fn)(void *ctx, uint64_t *rng);
struct cell {
        unsigned clients;
        uint64_t ops, unexpected, errors;
        double seconds, throughput;
        double p50_us, p99_us, max_us, mean_us;
        double client_cpu_us, server_cpu_us; /* CPU time per operation */
        /* System calls of the server per operation (syscalls.c): its main
         * thread (the daemon's event loop) and its other threads (the
         * writer); -1 when not counted. */
        double server_syscalls_main, server_syscalls_other;
};
struct samples {
        struct sample *s;
        size_t n, cap;
};
/* The parent's part while the clients run (start_ns: when they start, on
 * bench_now_ns()'s clock). */
typedef void (*during_fn)(void *arg, uint64_t start_ns);
struct load_spec {
        op_fn op;
        void *ctx;
        unsigned clients;
        double seconds;
        pid_t server;       /* whose CPU time to count per operation (0: none) */
        struct samples *keep; /* every sample, when not NULL */
        during_fn during;   /* optional */
        void *during_arg;
};
/* Runs op in spec->clients processes for spec->seconds after one warm-up op
 * each and fills *ret. */
int load_run(const struct load_spec *spec, struct cell *ret);
void samples_free(struct samples *s);
/* Latencies in ns: sorted in place; the q-quantile of sorted ones in us. */
void latencies_sort(uint64_t *lat, size_t n);
double latency_rank_us(const uint64_t *sorted, size_t n, double q);
uint64_t rng_next(uint64_t *state);

/* syscalls.c: counting a server's system calls by thread. */
#define SYSCOUNT_THREADS_MAX 16
struct syscount {
        int main_fd;
        int other_fd[SYSCOUNT_THREADS_MAX];
        size_t n_other;
};
void syscount_start(struct syscount *sc, pid_t pid);
void syscount_stop(struct syscount *sc, double *ret_main, double *ret_other);

/* pam_work.c: one PAM transaction per op, with its own handle. */
struct pam_work {
        const char *confdir;
        const char *service;
        const char *user;
        const struct keyset *keys; /* answers: a random key (NULL: password) */
        bool invalid;              /* answer a near miss of a random key */
        const char *fixed_answer;  /* answer this every time instead */
        int expect;                /* PAM code that counts as expected */
        /* The floor: also one echo exchange per op. */
        const char *echo_socket;
        /* A module the client process keeps loaded (dlopen RTLD_NODELETE at
         * its first op), as pam_apikey.so keeps itself (-z nodelete): the
         * floor of a process that runs many transactions. */
        const char *pin_module;
};
enum outcome pam_work_op(void *ctx, uint64_t *rng);
/* PAM_RHOST of one request: a random address of 198.18.0.0/15 (RFC 2544,
 * for benchmarks), so that refused keys spread over many sources as a
 * guessing attack's would, and no source reaches the daemon's rate limit. */
void bench_rhost(uint64_t *rng, char *buf, size_t bufsz);
/* Writes confdir/name with lines (a PAM service file). */
int pam_write_service(const char *confdir, const char *name, const char *lines);

/* echo.c: the floor's trivial server and client. With grant, the server
 * answers ok for the key ID in the request (so the real module accepts it)
 * instead of one fixed reply of the same size. */
int echo_start(const char *socket_path, const char *reply_identity, bool grant, pid_t *ret_pid);
/* One connect/send/receive/close with an AUTH_REQUEST-sized message. */
int echo_exchange(const char *socket_path, const char *user, const char *rhost, const char *key);
#define BENCH_SERVICE "apikey" /* the PAM service name of the pam_apikey rows */
#define BENCH_SERVICE_ECHO "apikey-echo" /* pam_apikey against the granting echo server */
#define BENCH_SERVICE_SMALL "apikey-small" /* pam_apikey against the small store's second daemon */
struct echo_work {
        const char *socket_path;
        const char *user;
        const struct keyset *keys;
};
enum outcome echo_op(void *ctx, uint64_t *rng); /* ctx: struct echo_work */

/* procs.c: the daemon, apikeyctl and the throwaway account. */
struct daemon_proc {
        pid_t pid;
        char db[512];
        char run_dir[512];
        char auth_sock[600];
        char ctl_sock[600];
        char log[512];
};
int daemon_start(const struct bench_opts *o, const char *state_dir, const char *run_dir, struct daemon_proc *ret);
/* The same on the store db (a libpq URI: a fleet host whose fleet.key is in
 * state_dir; NULL: state_dir/keys.db). */
int daemon_start_db(const struct bench_opts *o, const char *db, const char *state_dir, const char *run_dir,
                    struct daemon_proc *ret);
/* SIGTERM and wait: the daemon's exit status (0 = clean). */
int daemon_stop(struct daemon_proc *d);
/* Under systemd-socket-activate: holds the sockets, starts apikeyd on the
 * first connection. */
int daemon_start_activated(const struct bench_opts *o, const char *state_dir, const char *run_dir,
                           struct daemon_proc *ret);
/* VmRSS and VmHWM of pid, in KiB. */
int proc_rss_kib(pid_t pid, uint64_t *ret_rss, uint64_t *ret_hwm);
/* What one apikeyctl run printed and how long it took. */
struct ctl_output {
        char *out;          /* in: where the first outsz - 1 bytes go (NULL: nowhere) */
        size_t outsz;
        const char *marker; /* in: count its occurrences (NULL: none) */
        double seconds;     /* out: wall time from fork to exit */
        uint64_t bytes, count;
};
/* Runs apikeyctl --socket ctl_sock ARGS (NULL-terminated) as root. Returns
 * its exit status or -errno. ret may be NULL. */
int ctl_run(const struct bench_opts *o, const char *ctl_sock, const char *const *args, struct ctl_output *ret);
int user_create(const char *name, const char *password, uid_t *ret_uid);
void user_delete(const char *name);
/* Waits until a control request is answered (the daemon is serving). */
int wait_for_daemon(const struct bench_opts *o, const char *ctl_sock, double timeout_s);

/* report.c: the table and the JSON. */
struct row {
        const char *name;  /* stable, for jq: echo, pam_permit, floor, apikey_valid, ... */
        const char *label; /* for the table */
        unsigned long keys;
        struct cell cells[BENCH_MAX_CLIENT_LEVELS];
        size_t n_cells;
        bool done;
};
struct extras {
        /* Which of these were measured (--only, --skip, or a failure). */
        bool has_build, has_rss, has_control, has_list, has_cold, has_revoke;
        struct build_result build, build_small, build_list;
        unsigned long keys, small_keys, list_keys;
        uint64_t rss_kib, hwm_kib;
        double create_ms_p50, create_ms_max;
        unsigned creates;
        double list_seconds;
        uint64_t list_bytes;
        unsigned long list_count;
        double cold_start_ms, cold_start_evicted_ms;
        int cold_start_pam, cold_start_evicted_pam;
        /* Revocation under load. */
        unsigned revoke_clients;
        uint64_t revoke_ok_before, revoke_in_flight_ok, revoke_ok_after, revoke_refused_after, revoke_errors;
        double revoke_disable_ms;
        /* The PostgreSQL fleet store (--pg): build, and revocation across
         * hosts (disable on h1 while clients log in through h2). */
        bool has_pg_build, has_pg_revoke;
        struct build_result build_pg;
        unsigned long pg_keys;
        unsigned pg_revoke_clients;
        uint64_t pg_revoke_ok_after, pg_revoke_refused_after, pg_revoke_errors;
        double pg_disable_ms;
        /* From disable returning on h1 to the end of the first refused login
         * on h2 (negative: refused before disable returned), and to the end
         * of the first login begun after it returned, which was refused. */
        double pg_first_refusal_ms, pg_first_after_ms;
        /* The scaling ratio measured side by side (scenarios.c, scaling_pair):
         * medians of one client alternating between the two stores. */
        bool has_scaling;
        unsigned scaling_slices;
        uint64_t scaling_ops_large, scaling_ops_small;
        double scaling_large_p50_us, scaling_small_p50_us, scaling_large_mean_us, scaling_small_mean_us;
        int daemon_exit_status;
        uint64_t db_bytes_after_run;
        char pw_hash_scheme[16];
        unsigned passwd_entries; /* lines of /etc/passwd: NSS "files" reads them per lookup */
};
struct report {
        const struct bench_opts *o;
        struct row rows[BENCH_MAX_ROWS];
        size_t n_rows;
        struct extras x;
        double total_seconds;
};
struct row *report_row(struct report *r, const char *name, const char *label, unsigned long keys);
const struct row *report_find(const struct report *r, const char *name);
const struct cell *row_cell(const struct row *row, unsigned clients);
void report_print(const struct report *r);
int report_write_json(const struct report *r, const char *path);

#endif
