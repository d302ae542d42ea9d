/* report.c - the figures as a table on stdout and as JSON, with the ratios
 * and targets of the issue computed from them (reported, never enforced). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"

struct row *report_row(struct report *r, const char *name, const char *label, unsigned long keys)
{
        struct row *row;

        if (r->n_rows == BENCH_MAX_ROWS)
                return NULL;
        row = &r->rows[r->n_rows++];
        *row = (struct row){ .name = name, .label = label, .keys = keys };
        return row;
}

const struct row *report_find(const struct report *r, const char *name)
{
        for (size_t i = 0; i < r->n_rows; i++)
                if (strcmp(r->rows[i].name, name) == 0 && r->rows[i].done)
                        return &r->rows[i];
        return NULL;
}

const struct cell *row_cell(const struct row *row, unsigned clients)
{
        for (size_t i = 0; row && i < row->n_cells; i++)
                if (row->cells[i].clients == clients)
                        return &row->cells[i];
        return NULL;
}

/* a / b of one figure of two rows' cells; NAN when either is missing. */
static double cell_ratio(const struct report *r, const char *a, const char *b, unsigned clients, bool latency)
{
        const struct cell *x = row_cell(report_find(r, a), clients), *y = row_cell(report_find(r, b), clients);

        if (!x || !y)
                return NAN;
        if (latency)
                return y->p50_us > 0 ? x->p50_us / y->p50_us : NAN;
        return y->throughput > 0 ? x->throughput / y->throughput : NAN;
}

struct target {
        const char *name;
        double value;
        const char *op; /* "<=" or ">=" */
        double limit;
};

static bool target_ok(const struct target *t)
{
        if (isnan(t->value))
                return false;
        return strcmp(t->op, "<=") == 0 ? t->value <= t->limit : t->value >= t->limit;
}

static double p99_over_p50(const struct report *r, const char *row, unsigned clients)
{
        const struct cell *c = row_cell(report_find(r, row), clients);

        return c && c->p50_us > 0 ? c->p99_us / c->p50_us : NAN;
}

/* The daemon's CPU per operation over the echo server's, in the same run. */
static double cpu_ratio(const struct report *r, const char *row, unsigned clients)
{
        const struct cell *x = row_cell(report_find(r, row), clients), *y = row_cell(report_find(r, "echo"), clients);

        return x && y && y->server_cpu_us > 0 ? x->server_cpu_us / y->server_cpu_us : NAN;
}

/* The echo server's CPU per exchange on the machine of BENCHMARKS.md's
 * reference run (8.8 us with 1 client, 5.9 us with 8): a ratio to it turns
 * this machine's figures into that machine's microseconds. */
static double echo_reference_us(unsigned clients)
{
        return clients == 1 ? 8.8 : 5.9;
}

static double cpu_scaled(const struct report *r, unsigned clients)
{
        return cpu_ratio(r, "apikey_valid", clients) * echo_reference_us(clients);
}

static double syscalls_per_op(const struct report *r, const char *row, unsigned clients, bool main_thread)
{
        const struct cell *c = row_cell(report_find(r, row), clients);
        double v = !c ? -1 : main_thread ? c->server_syscalls_main : c->server_syscalls_other;

        return v >= 0 ? v : NAN;
}

/* 1k -> 1M keys: from the scaling pair, whose client alternated between
 * the two stores (scenarios.c); from the two rows' 1-client cells, measured
 * minutes apart, only when the pair did not run. */
static double scaling_ratio(const struct report *r)
{
        if (r->x.has_scaling)
                return r->x.scaling_small_p50_us > 0 ? r->x.scaling_large_p50_us / r->x.scaling_small_p50_us : NAN;
        return cell_ratio(r, "apikey_valid", "apikey_valid_small", 1, true);
}

static size_t targets(const struct report *r, struct target *t, size_t max)
{
        size_t n = 0;
        unsigned hi = r->o->clients[r->o->n_clients - 1], mid = r->o->n_clients > 2 ? r->o->clients[1] : hi;

#define ADD(...) do { if (n < max) t[n++] = (struct target){ __VA_ARGS__ }; } while (0)
        ADD("latency_apikey_over_floor", cell_ratio(r, "apikey_valid", "floor", 1, true), "<=", 1.10);
        ADD("throughput_apikey_over_floor_mid", cell_ratio(r, "apikey_valid", "floor", mid, false), ">=", 0.85);
        ADD("throughput_apikey_over_floor_high", cell_ratio(r, "apikey_valid", "floor", hi, false), ">=", 0.85);
        ADD("p99_over_p50_apikey_mid", p99_over_p50(r, "apikey_valid", mid), "<=", 3.0);
        ADD("p99_over_p50_apikey_high", p99_over_p50(r, "apikey_valid", hi), "<=", 3.0);
        /* Flat within 10 % either way, measured side by side. */
        ADD("latency_large_over_small_store", scaling_ratio(r), "<=", 1.10);
        ADD("latency_large_over_small_store_min", scaling_ratio(r), ">=", 0.90);
        /* Daemon CPU per valid login, scaled to the BENCHMARKS.md machine by
         * the echo server's CPU in the same run (cpu_scale). */
        ADD("cpu_srv_apikey_scaled_us_1", cpu_scaled(r, 1), "<=", 25);
        ADD("cpu_srv_apikey_scaled_us_mid", cpu_scaled(r, mid), "<=", 25);
        ADD("syscalls_loop_per_login_1", syscalls_per_op(r, "apikey_valid", 1, true), "<=", 15);
        ADD("syscalls_loop_per_login_mid", syscalls_per_op(r, "apikey_valid", mid, true), "<=", 15);
        if (report_find(r, "pam_unix"))
                ADD("latency_unix_over_apikey", cell_ratio(r, "pam_unix", "apikey_valid", 1, true), ">=", 150);
        if (r->x.has_rss)
                ADD("daemon_rss_mib", (double)r->x.rss_kib / 1024.0, "<=", 32);
        if (r->x.has_cold)
                ADD("cold_start_first_auth_ms", r->x.cold_start_pam == 0 ? r->x.cold_start_ms : NAN, "<=", 50);
        if (r->x.has_revoke)
                ADD("revoked_key_successes_after_disable", (double)r->x.revoke_ok_after, "<=", 0);
        /* The fleet store (--pg), beside SQLite in the same run. */
        if (report_find(r, "pg_valid"))
                ADD("latency_pg_over_sqlite", cell_ratio(r, "pg_valid", "apikey_valid", 1, true), "<=", 1.5);
        if (report_find(r, "pg_valid") && r->o->n_clients > 1)
                ADD("latency_pg_over_sqlite_mid", cell_ratio(r, "pg_valid", "apikey_valid", mid, true), "<=", 1.5);
        if (r->x.has_pg_revoke) {
                ADD("pg_revoked_key_successes_after_disable", (double)r->x.pg_revoke_ok_after, "<=", 0);
                /* Refused on the other host before disable returned. */
                ADD("pg_first_refusal_other_host_ms", r->x.pg_first_refusal_ms, "<=", 0);
        }
#undef ADD
        return n;
}

static void print_cells(const struct row *row)
{
        for (size_t i = 0; i < row->n_cells; i++) {
                const struct cell *c = &row->cells[i];
                char keys[24] = "-";
                char sc_main[16] = "-", sc_other[16] = "-";
                if (row->keys && i == 0)
                        snprintf(keys, sizeof(keys), "%lu", row->keys);
                if (c->server_syscalls_main >= 0 && c->server_cpu_us > 0) {
                        snprintf(sc_main, sizeof(sc_main), "%.1f", c->server_syscalls_main);
                        snprintf(sc_other, sizeof(sc_other), "%.1f", c->server_syscalls_other);
                }
                printf("%-30s %8s %4u %9.0f %9.1f %9.1f %9.1f %7.1f %7.1f %6s %6s %6llu\n", i == 0 ? row->label : "",
                       i == 0 ? keys : "", c->clients, c->throughput, c->p50_us, c->p99_us, c->max_us,
                       c->client_cpu_us, c->server_cpu_us, sc_main, sc_other,
                       (unsigned long long)(c->errors + c->unexpected));
        }
}

void report_print(const struct report *r)
{
        const struct extras *x = &r->x;
        struct target t[24];
        size_t nt = targets(r, t, 24);

        printf("\n%-30s %8s %4s %9s %9s %9s %9s %7s %7s %6s %6s %6s\n", "row", "keys", "cl", "auth/s", "p50 us",
               "p99 us", "max us", "cpu cl", "cpu srv", "sc srv", "sc thr", "errors");
        for (size_t i = 0; i < r->n_rows; i++)
                if (r->rows[i].done)
                        print_cells(&r->rows[i]);
        printf("\n");
        if (x->has_build)
                printf("store: %lu keys built in %.2f s (%.0f keys/s; minting and hashing %.2f s), %.0f bytes/key\n",
                       x->keys, x->build.seconds, x->build.seconds > 0 ? (double)x->keys / x->build.seconds : 0,
                       x->build.mint_seconds, x->keys ? (double)x->build.db_bytes / (double)x->keys : 0);
        if (x->has_rss)
                printf("daemon: RSS %.1f MiB (peak %.1f MiB) with %lu keys after the load rows\n",
                       (double)x->rss_kib / 1024, (double)x->hwm_kib / 1024, x->keys);
        if (x->has_control)
                printf("apikeyctl create (durable): median %.2f ms, max %.2f ms (%u runs)\n", x->create_ms_p50,
                       x->create_ms_max, x->creates);
        if (x->has_list)
                printf("apikeyctl list --all --json: %lu keys in %.2f s (%llu bytes)\n", x->list_count,
                       x->list_seconds, (unsigned long long)x->list_bytes);
        if (x->has_scaling)
                printf("store size, side by side (one client alternating in %u slices): p50 %.1f us with %lu keys, "
                       "%.1f us with %lu keys, ratio %.3f (means %.1f / %.1f us)\n",
                       x->scaling_slices, x->scaling_large_p50_us, x->keys, x->scaling_small_p50_us, x->small_keys,
                       scaling_ratio(r), x->scaling_large_mean_us, x->scaling_small_mean_us);
        if (x->has_cold)
                printf("cold start (socket activation, daemon not running): first login %.1f ms (store in the page "
                       "cache), %.1f ms (store evicted)\n", x->cold_start_ms, x->cold_start_evicted_ms);
        if (x->has_revoke)
                printf("revocation under load (%u clients): %llu logins accepted after disable returned, %llu in "
                       "flight, %llu refused after; disable took %.2f ms\n", x->revoke_clients,
                       (unsigned long long)x->revoke_ok_after, (unsigned long long)x->revoke_in_flight_ok,
                       (unsigned long long)x->revoke_refused_after, x->revoke_disable_ms);
        if (x->has_pg_build)
                printf("PostgreSQL fleet store: %lu keys inserted as host h1 in %.2f s (%.0f keys/s)\n", x->pg_keys,
                       x->build_pg.seconds, x->build_pg.seconds > 0 ? (double)x->pg_keys / x->build_pg.seconds : 0);
        if (x->has_pg_revoke)
                printf("revocation across fleet hosts (%u clients on h2, disable on h1 took %.2f ms): first refusal "
                       "on h2 %+.2f ms after disable returned, first login begun after it ended %+.2f ms after "
                       "(refused; nan: accepted), %llu accepted after, %llu refused after\n",
                       x->pg_revoke_clients, x->pg_disable_ms, x->pg_first_refusal_ms, x->pg_first_after_ms,
                       (unsigned long long)x->pg_revoke_ok_after, (unsigned long long)x->pg_revoke_refused_after);
        if (report_find(r, "pg_valid"))
                for (size_t i = 0; i < r->o->n_clients; i++)
                        printf("PostgreSQL/SQLite, %3u clients: median %6.3f  throughput %6.3f\n", r->o->clients[i],
                               cell_ratio(r, "pg_valid", "apikey_valid", r->o->clients[i], true),
                               cell_ratio(r, "pg_valid", "apikey_valid", r->o->clients[i], false));
        printf("machine: %ld CPUs, /etc/passwd %u lines, password hash %s\n", sysconf(_SC_NPROCESSORS_ONLN),
               x->passwd_entries, x->pw_hash_scheme[0] ? x->pw_hash_scheme : "?");
        printf("\nratios and targets:\n");
        for (size_t i = 0; i < nt; i++)
                printf("  %-40s %10.3f  %s %-6g %s\n", t[i].name, t[i].value, t[i].op, t[i].limit,
                       target_ok(&t[i]) ? "ok" : "MISSED");
        printf("  for reference (the same figures of the floor and of the module against the echo server):\n");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                unsigned c = r->o->clients[i];
                printf("  %3u clients: throughput apikey/floor %6.3f  module_echo/floor %6.3f  p99/p50 floor %6.2f  "
                       "cpu srv apikey/echo %6.2f  syscalls/login loop %5.1f writer %5.1f\n",
                       c, cell_ratio(r, "apikey_valid", "floor", c, false),
                       cell_ratio(r, "module_echo", "floor", c, false), p99_over_p50(r, "floor", c),
                       cpu_ratio(r, "apikey_valid", c), syscalls_per_op(r, "apikey_valid", c, true),
                       syscalls_per_op(r, "apikey_valid", c, false));
        }
        if (report_find(r, "floor_resident")) {
                printf("  against the floor with pam_permit.so kept loaded, as pam_apikey.so keeps itself: median "
                       "apikey/floor_resident %.3f (1 client)\n", cell_ratio(r, "apikey_valid", "floor_resident", 1, true));
                for (size_t i = 0; i < r->o->n_clients; i++)
                        printf("  %3u clients: throughput apikey/floor_resident %6.3f  module_echo/floor_resident %6.3f\n",
                               r->o->clients[i], cell_ratio(r, "apikey_valid", "floor_resident", r->o->clients[i], false),
                               cell_ratio(r, "module_echo", "floor_resident", r->o->clients[i], false));
        }
        printf("\ntotal %.1f s\n", r->total_seconds);
        fflush(stdout);
}

static void json_num(FILE *f, const char *name, double v, bool comma)
{
        if (isnan(v) || isinf(v))
                fprintf(f, "\"%s\": null%s", name, comma ? ", " : "");
        else
                fprintf(f, "\"%s\": %.3f%s", name, v, comma ? ", " : "");
}

static void json_cell(FILE *f, const struct cell *c, bool last)
{
        fprintf(f, "        {\"clients\": %u, \"ops\": %llu, \"unexpected\": %llu, \"errors\": %llu, ", c->clients,
                (unsigned long long)c->ops, (unsigned long long)c->unexpected, (unsigned long long)c->errors);
        json_num(f, "seconds", c->seconds, true);
        json_num(f, "throughput", c->throughput, true);
        json_num(f, "p50_us", c->p50_us, true);
        json_num(f, "p99_us", c->p99_us, true);
        json_num(f, "max_us", c->max_us, true);
        json_num(f, "mean_us", c->mean_us, true);
        json_num(f, "client_cpu_us", c->client_cpu_us, true);
        json_num(f, "server_cpu_us", c->server_cpu_us, true);
        json_num(f, "server_syscalls_main", c->server_syscalls_main >= 0 ? c->server_syscalls_main : NAN, true);
        json_num(f, "server_syscalls_other", c->server_syscalls_other >= 0 ? c->server_syscalls_other : NAN, false);
        fprintf(f, "}%s\n", last ? "" : ",");
}

static void json_rows(FILE *f, const struct report *r)
{
        size_t done = 0, seen = 0;

        for (size_t i = 0; i < r->n_rows; i++)
                done += r->rows[i].done;
        fprintf(f, "  \"rows\": [\n");
        for (size_t i = 0; i < r->n_rows; i++) {
                const struct row *row = &r->rows[i];
                if (!row->done)
                        continue;
                fprintf(f, "    {\"name\": \"%s\", \"label\": \"%s\", \"keys\": %lu, \"cells\": [\n", row->name,
                        row->label, row->keys);
                for (size_t j = 0; j < row->n_cells; j++)
                        json_cell(f, &row->cells[j], j + 1 == row->n_cells);
                fprintf(f, "    ]}%s\n", ++seen == done ? "" : ",");
        }
        fprintf(f, "  ],\n");
}

static void json_ratios(FILE *f, const struct report *r)
{
        struct target t[24];
        size_t nt = targets(r, t, 24);

        fprintf(f, "  \"ratios\": {");
        json_num(f, "latency_apikey_over_floor", cell_ratio(r, "apikey_valid", "floor", 1, true), true);
        json_num(f, "latency_invalid_over_floor", cell_ratio(r, "apikey_invalid", "floor", 1, true), true);
        json_num(f, "latency_unix_over_apikey", cell_ratio(r, "pam_unix", "apikey_valid", 1, true), true);
        json_num(f, "latency_large_over_small_store", scaling_ratio(r), true);
        json_num(f, "latency_large_over_small_store_rows", cell_ratio(r, "apikey_valid", "apikey_valid_small", 1, true),
                 true);
        json_num(f, "latency_module_echo_over_floor", cell_ratio(r, "module_echo", "floor", 1, true), true);
        json_num(f, "latency_apikey_over_floor_resident", cell_ratio(r, "apikey_valid", "floor_resident", 1, true),
                 true);
        fprintf(f, "\"p99_over_p50_floor\": {");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                char name[16];
                snprintf(name, sizeof(name), "%u", r->o->clients[i]);
                json_num(f, name, p99_over_p50(r, "floor", r->o->clients[i]), i + 1 < r->o->n_clients);
        }
        fprintf(f, "}, \"p99_over_p50_apikey\": {");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                char name[16];
                snprintf(name, sizeof(name), "%u", r->o->clients[i]);
                json_num(f, name, p99_over_p50(r, "apikey_valid", r->o->clients[i]), i + 1 < r->o->n_clients);
        }
        fprintf(f, "}, ");
        fprintf(f, "\"throughput_apikey_over_floor\": {");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                char name[16];
                snprintf(name, sizeof(name), "%u", r->o->clients[i]);
                json_num(f, name, cell_ratio(r, "apikey_valid", "floor", r->o->clients[i], false),
                         i + 1 < r->o->n_clients);
        }
        fprintf(f, "}, \"throughput_apikey_over_floor_resident\": {");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                char name[16];
                snprintf(name, sizeof(name), "%u", r->o->clients[i]);
                json_num(f, name, cell_ratio(r, "apikey_valid", "floor_resident", r->o->clients[i], false),
                         i + 1 < r->o->n_clients);
        }
        fprintf(f, "}, \"cpu_srv_apikey_over_echo\": {");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                char name[16];
                snprintf(name, sizeof(name), "%u", r->o->clients[i]);
                json_num(f, name, cpu_ratio(r, "apikey_valid", r->o->clients[i]), i + 1 < r->o->n_clients);
        }
        fprintf(f, "}, \"syscalls_loop_per_login\": {");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                char name[16];
                snprintf(name, sizeof(name), "%u", r->o->clients[i]);
                json_num(f, name, syscalls_per_op(r, "apikey_valid", r->o->clients[i], true),
                         i + 1 < r->o->n_clients);
        }
        fprintf(f, "}, \"syscalls_writer_per_login\": {");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                char name[16];
                snprintf(name, sizeof(name), "%u", r->o->clients[i]);
                json_num(f, name, syscalls_per_op(r, "apikey_valid", r->o->clients[i], false),
                         i + 1 < r->o->n_clients);
        }
        fprintf(f, "}, \"throughput_apikey_over_unix\": {");
        for (size_t i = 0; i < r->o->n_clients; i++) {
                char name[16];
                snprintf(name, sizeof(name), "%u", r->o->clients[i]);
                json_num(f, name, cell_ratio(r, "apikey_valid", "pam_unix", r->o->clients[i], false),
                         i + 1 < r->o->n_clients);
        }
        fprintf(f, "}},\n  \"targets\": [\n");
        for (size_t i = 0; i < nt; i++) {
                fprintf(f, "    {\"name\": \"%s\", ", t[i].name);
                json_num(f, "value", t[i].value, true);
                fprintf(f, "\"op\": \"%s\", \"limit\": %g, \"ok\": %s}%s\n", t[i].op, t[i].limit,
                        target_ok(&t[i]) ? "true" : "false", i + 1 < nt ? "," : "");
        }
        fprintf(f, "  ],\n");
}

static void json_build(FILE *f, const char *name, const struct build_result *b, unsigned long keys, bool comma)
{
        fprintf(f, "\"%s\": {\"keys\": %lu, ", name, keys);
        json_num(f, "seconds", b->seconds, true);
        json_num(f, "mint_seconds", b->mint_seconds, true);
        json_num(f, "keys_per_second", b->seconds > 0 ? (double)keys / b->seconds : NAN, true);
        fprintf(f, "\"db_bytes\": %llu, ", (unsigned long long)b->db_bytes);
        json_num(f, "bytes_per_key", keys ? (double)b->db_bytes / (double)keys : NAN, false);
        fprintf(f, "}%s", comma ? ", " : "");
}

static void json_extras(FILE *f, const struct report *r)
{
        const struct extras *x = &r->x;

        fprintf(f, "  \"store\": {");
        json_build(f, "large", &x->build, x->keys, true);
        json_build(f, "small", &x->build_small, x->small_keys, true);
        json_build(f, "list", &x->build_list, x->list_keys, true);
        fprintf(f, "\"db_bytes_after_run\": %llu},\n", (unsigned long long)x->db_bytes_after_run);
        fprintf(f, "  \"daemon\": {\"measured\": %s, \"keys\": %lu, \"rss_kib\": %llu, \"hwm_kib\": %llu, "
                   "\"exit_status\": %d},\n",
                x->has_rss ? "true" : "false", x->keys, (unsigned long long)x->rss_kib,
                (unsigned long long)x->hwm_kib, x->daemon_exit_status);
        fprintf(f, "  \"control\": {\"measured\": %s, \"creates\": %u, ", x->has_control ? "true" : "false",
                x->creates);
        json_num(f, "create_ms_p50", x->create_ms_p50, true);
        json_num(f, "create_ms_max", x->create_ms_max, true);
        fprintf(f, "\"list_measured\": %s, \"list_keys\": %lu, \"list_bytes\": %llu, ", x->has_list ? "true" : "false",
                x->list_count, (unsigned long long)x->list_bytes);
        json_num(f, "list_all_json_seconds", x->list_seconds, false);
        fprintf(f, "},\n  \"scaling\": {\"measured\": %s, \"slices\": %u, \"large_keys\": %lu, \"small_keys\": %lu, "
                   "\"large_logins\": %llu, \"small_logins\": %llu, ",
                x->has_scaling ? "true" : "false", x->scaling_slices, x->keys, x->small_keys,
                (unsigned long long)x->scaling_ops_large, (unsigned long long)x->scaling_ops_small);
        json_num(f, "large_p50_us", x->scaling_large_p50_us, true);
        json_num(f, "small_p50_us", x->scaling_small_p50_us, true);
        json_num(f, "large_mean_us", x->scaling_large_mean_us, true);
        json_num(f, "small_mean_us", x->scaling_small_mean_us, true);
        json_num(f, "ratio", x->has_scaling ? scaling_ratio(r) : NAN, false);
        fprintf(f, "},\n  \"cold_start\": {\"measured\": %s, \"pam_result\": %d, \"pam_result_evicted\": %d, ",
                x->has_cold ? "true" : "false", x->cold_start_pam, x->cold_start_evicted_pam);
        json_num(f, "first_auth_ms", x->cold_start_ms, true);
        json_num(f, "first_auth_evicted_ms", x->cold_start_evicted_ms, false);
        fprintf(f, "},\n  \"revocation\": {\"measured\": %s, \"clients\": %u, \"successes_before\": %llu, "
                   "\"in_flight_successes\": %llu, \"successes_after_disable\": %llu, \"refused_after\": %llu, "
                   "\"errors\": %llu, ",
                x->has_revoke ? "true" : "false", x->revoke_clients, (unsigned long long)x->revoke_ok_before,
                (unsigned long long)x->revoke_in_flight_ok, (unsigned long long)x->revoke_ok_after,
                (unsigned long long)x->revoke_refused_after, (unsigned long long)x->revoke_errors);
        json_num(f, "disable_ms", x->revoke_disable_ms, false);
        fprintf(f, "},\n  \"pg\": {\"build_measured\": %s, ", x->has_pg_build ? "true" : "false");
        fprintf(f, "\"keys\": %lu, ", x->pg_keys);
        json_num(f, "build_seconds", x->build_pg.seconds, true);
        fprintf(f, "\"revocation_measured\": %s, \"clients\": %u, \"successes_after_disable\": %llu, "
                   "\"refused_after\": %llu, \"errors\": %llu, ",
                x->has_pg_revoke ? "true" : "false", x->pg_revoke_clients, (unsigned long long)x->pg_revoke_ok_after,
                (unsigned long long)x->pg_revoke_refused_after, (unsigned long long)x->pg_revoke_errors);
        json_num(f, "disable_ms", x->pg_disable_ms, true);
        json_num(f, "first_refusal_other_host_ms", x->pg_first_refusal_ms, true);
        json_num(f, "first_login_after_disable_ms", x->pg_first_after_ms, true);
        json_num(f, "latency_pg_over_sqlite", cell_ratio(r, "pg_valid", "apikey_valid", 1, true), false);
        fprintf(f, "},\n");
}

static void json_config(FILE *f, const struct report *r)
{
        struct utsname u;

        if (uname(&u) < 0)
                memset(&u, 0, sizeof(u));
        fprintf(f, "  \"machine\": {\"cpus\": %ld, \"kernel\": \"%s\", \"sqlite\": \"%s\", "
                   "\"password_hash\": \"%s\", \"passwd_entries\": %u},\n",
                sysconf(_SC_NPROCESSORS_ONLN), u.release, sqlite3_libversion(), r->x.pw_hash_scheme,
                r->x.passwd_entries);
        fprintf(f, "  \"config\": {\"keys\": %lu, \"small_keys\": %lu, \"list_keys\": %lu, ", r->o->keys,
                r->o->small_keys, r->o->list_keys);
        json_num(f, "seconds_per_cell", r->o->seconds, true);
        fprintf(f, "\"clients\": [");
        for (size_t i = 0; i < r->o->n_clients; i++)
                fprintf(f, "%u%s", r->o->clients[i], i + 1 < r->o->n_clients ? ", " : "");
        fprintf(f, "]},\n");
}

int report_write_json(const struct report *r, const char *path)
{
        FILE *f = fopen(path, "we");
        int ret;

        if (!f)
                return -errno;
        fprintf(f, "{\n");
        json_config(f, r);
        json_rows(f, r);
        json_ratios(f, r);
        json_extras(f, r);
        fprintf(f, "  ");
        json_num(f, "total_seconds", r->total_seconds, false);
        fprintf(f, "\n}\n");
        ret = ferror(f) ? -EIO : 0;
        if (fclose(f) != 0 && ret == 0)
                ret = -errno;
        return ret;
}
