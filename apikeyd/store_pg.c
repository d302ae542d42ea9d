/* store_pg.c - the fleet's key store in PostgreSQL (interface in store.h):
 * the connection, its deadlines and reconnection, the schema check,
 * transactions, and the SQLite-only calls, which mean nothing here.
 *
 * The daemon connects as its host's login role; what that role may read
 * and change is decided by PostgreSQL (grants, row-level security: see
 * store_pg_schema.h and SECURITY.md), not by this code. The daemon never
 * changes the schema: `apikeyctl fleet init|migrate` does, and a schema
 * newer than this build knows is refused at open. */
#include "store_pg.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "store_pg_schema.h"

static int exec_once(struct pg_store *s, const char *sql, const struct pg_params *p, PGresult **ret);

static int64_t mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the connection's socket is ready for events or the deadline
 * passes: 1 ready, 0 timed out, -errno. */
static int wait_socket(PGconn *c, short events, int64_t deadline)
{
        struct pollfd pfd = { .fd = sym_PQsocket(c), .events = events };
        int64_t left;
        int n;

        if (pfd.fd < 0)
                return -ENOTCONN;
        do {
                left = deadline - mono_ms();
                if (left <= 0)
                        return 0;
                n = poll(&pfd, 1, (int)left);
        } while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : n;
}

static void drop_connection(struct pg_store *s, const char *why)
{
        if (s->conn) {
                log_error("store: lost the connection to PostgreSQL: %s", why);
                sym_PQfinish(s->conn);
                s->conn = NULL;
        }
        if (s->in_tx)
                s->tx_failed = true;
        if (!s->offline_since)
                s->offline_since = (int64_t)time(NULL);
        s->retry_at_ms = mono_ms() + PG_RETRY_MS;
}

/* Our defaults come before the URI, which overrides any of them (libpq:
 * the last value of a parameter wins). statement_timeout ends a statement
 * on the server a little after our own deadline gave up on it. */
static PGconn *start_connection(const char *uri)
{
        static const char *const keys[] = { "connect_timeout", "application_name", "tcp_user_timeout",
                                            "keepalives_idle", "keepalives_interval", "keepalives_count",
                                            "options", "dbname", NULL };
        static const char *const values[] = { "2", "apikeyd", "2000", "10", "3", "3",
                                              "-c statement_timeout=2000 -c lock_timeout=1000 "
                                              "-c idle_in_transaction_session_timeout=10000 -c bytea_output=hex",
                                              NULL, NULL };
        const char *v[sizeof(values) / sizeof(values[0])];

        memcpy(v, values, sizeof(v));
        v[7] = uri;
        return sym_PQconnectStartParams(keys, v, 1);
}

/* Connects within PG_CONNECT_MS, never blocking longer on one step. */
static int connect_now(struct pg_store *s)
{
        int64_t deadline = mono_ms() + PG_CONNECT_MS;
        PostgresPollingStatusType st = PGRES_POLLING_WRITING;
        PGconn *c = start_connection(s->uri);

        if (!c)
                return -ENOMEM;
        while (sym_PQstatus(c) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
                int w = wait_socket(c, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
                if (w <= 0) {
                        st = PGRES_POLLING_FAILED;
                        break;
                }
                st = sym_PQconnectPoll(c);
        }
        if (st != PGRES_POLLING_OK || sym_PQstatus(c) != CONNECTION_OK) {
                /* PQerrorMessage names hosts and users, never a password. */
                if (!s->offline_since)
                        log_error("store: cannot connect to PostgreSQL: %s",
                                  sym_PQstatus(c) == CONNECTION_BAD ? sym_PQerrorMessage(c) : "timed out");
                sym_PQfinish(c);
                if (!s->offline_since)
                        s->offline_since = (int64_t)time(NULL);
                s->retry_at_ms = mono_ms() + PG_RETRY_MS;
                return -ENOTCONN;
        }
        if (sym_PQsetnonblocking(c, 1) < 0) {
                sym_PQfinish(c);
                return -EIO;
        }
        s->conn = c;
        return 0;
}

/* Who we are and what schema the database has: checked at each (re)connect,
 * since the fleet may have been migrated, or the role removed, meanwhile. */
static int check_session(struct pg_store *s)
{
        PGresult *res;
        int version, r;

        /* Once, never repeated: this runs inside a (re)connection. */
        r = exec_once(s, "SELECT (SELECT max(version) FROM apikey.meta), apikey.current_host()", NULL, &res);
        if (r == -EPERM || r == -EIO) {
                log_error("store: the database has no fleet schema this role may read; run 'apikeyctl fleet --db "
                          "URI init' as its owner and 'fleet add-host' for this host");
                return -EPROTO;
        }
        if (r < 0)
                return r;
        version = sym_PQgetisnull(res, 0, 0) ? 0 : (int)pg_get_int(res, 0, 0);
        if (version > STORE_PG_SCHEMA_VERSION) {
                log_error("store: the fleet schema is version %d, newer than this apikeyd knows (%d); refusing it: "
                          "upgrade apikeyd on this host",
                          version, STORE_PG_SCHEMA_VERSION);
                r = -EPROTONOSUPPORT;
        } else if (version < 1) {
                log_error("store: the fleet database has no schema yet: run 'apikeyctl fleet --db URI init'");
                r = -EPROTO;
        } else if (sym_PQgetisnull(res, 0, 1)) {
                log_error("store: PostgreSQL role %s is no fleet host: run 'apikeyctl fleet add-host' for it",
                          sym_PQuser(s->conn));
                r = -EACCES;
        } else {
                pg_get_text(res, 0, 1, s->host, sizeof(s->host));
                snprintf(s->host_hash_key, sizeof(s->host_hash_key), "host:%s", s->host);
                s->opened_version = version;
        }
        sym_PQclear(res);
        return r;
}

static int ensure_connected(struct pg_store *s)
{
        int r;

        if (s->conn && sym_PQstatus(s->conn) == CONNECTION_OK)
                return 0;
        if (s->conn)
                drop_connection(s, sym_PQerrorMessage(s->conn));
        if (s->in_tx)
                return -ENOTCONN; /* the transaction died with its connection */
        if (mono_ms() < s->retry_at_ms)
                return -ENOTCONN;
        r = connect_now(s);
        if (r == 0 && (r = check_session(s)) < 0) {
                sym_PQfinish(s->conn);
                s->conn = NULL;
                s->retry_at_ms = mono_ms() + PG_RETRY_MS;
                return r == -ENOTCONN ? r : -ENOTCONN;
        }
        if (r == 0 && s->offline_since) {
                log_info("store: connected to PostgreSQL again as host %s", s->host);
                s->offline_since = 0;
        }
        return r;
}

void pg_param_text(struct pg_params *p, const char *v)
{
        if (p->n == PG_PARAMS_MAX) {
                p->overflow = true;
                return;
        }
        p->values[p->n] = v;
        p->lengths[p->n] = 0;
        p->formats[p->n] = 0;
        p->n++;
}

void pg_param_int(struct pg_params *p, int64_t v)
{
        if (p->n == PG_PARAMS_MAX) {
                p->overflow = true;
                return;
        }
        snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", (long long)v);
        pg_param_text(p, p->num[p->n]);
}

void pg_param_bytes(struct pg_params *p, const uint8_t *v, size_t len)
{
        if (p->n == PG_PARAMS_MAX) {
                p->overflow = true;
                return;
        }
        p->values[p->n] = (const char *)v;
        p->lengths[p->n] = (int)len;
        p->formats[p->n] = 1;
        p->n++;
}

void pg_sql_add(struct pg_sql *q, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (q->overflow)
                return;
        va_start(ap, fmt);
        n = vsnprintf(q->buf + q->len, q->size - q->len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= q->size - q->len)
                q->overflow = true;
        else
                q->len += (size_t)n;
}

/* SQLSTATE to errno; the connection's loss is the caller's. */
static int error_of(const PGresult *res)
{
        const char *state = sym_PQresultErrorField(res, PG_DIAG_SQLSTATE);

        if (!state)
                return -EIO;
        if (strcmp(state, "23505") == 0)
                return -EEXIST; /* unique_violation */
        if (strcmp(state, "42501") == 0 || strcmp(state, "28000") == 0)
                return -EPERM; /* insufficient_privilege, a policy's WITH CHECK */
        if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 || strcmp(state, "25006") == 0)
                return -ENOTCONN; /* connection, shutdown, read-only (a standby): find the primary */
        if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
                return -ETIMEDOUT; /* statement or lock timeout */
        return -EIO;
}

/* Reads every result of the statement within the deadline; the last
 * non-NULL one is the statement's. */
static int await_result(struct pg_store *s, int64_t deadline, PGresult **ret)
{
        PGresult *last = NULL, *res;
        int f;

        while ((f = sym_PQflush(s->conn)) == 1)
                if (wait_socket(s->conn, POLLIN | POLLOUT, deadline) <= 0 || sym_PQconsumeInput(s->conn) == 0)
                        return -ETIMEDOUT;
        if (f < 0)
                return -ENOTCONN;
        for (;;) {
                while (sym_PQisBusy(s->conn)) {
                        if (wait_socket(s->conn, POLLIN, deadline) <= 0 || sym_PQconsumeInput(s->conn) == 0) {
                                sym_PQclear(last);
                                return -ETIMEDOUT;
                        }
                }
                res = sym_PQgetResult(s->conn);
                if (!res)
                        break;
                sym_PQclear(last);
                last = res;
        }
        if (!last)
                return -ENOTCONN;
        *ret = last;
        return 0;
}

/* A connection idle while the server restarted or failed over is found
 * dead only by the next statement. When that one changes nothing (a read,
 * or the BEGIN of a transaction) it is run again at once on a new
 * connection, so that the first login after the database came back does
 * not fail; a change might have been applied before the connection went,
 * and is not repeated behind the caller's back. */
static bool safe_to_repeat(const struct pg_store *s, const char *sql)
{
        return !s->in_tx && (strncmp(sql, "SELECT", 6) == 0 || strcmp(sql, "BEGIN") == 0);
}

int pg_exec(struct pg_store *s, const char *sql, const struct pg_params *p, PGresult **ret)
{
        bool had_connection = s->conn != NULL;
        int64_t started = mono_ms();
        int r;

        if (!sql) {
                log_error("store: a statement longer than its buffer; not sent");
                return -E2BIG;
        }
        r = exec_once(s, sql, p, ret);

        /* Not after a deadline passed: the login has no time left. */
        if (r == -ENOTCONN && had_connection && safe_to_repeat(s, sql) && mono_ms() - started < 100) {
                s->retry_at_ms = 0;
                r = exec_once(s, sql, p, ret);
        }
        return r;
}

static int exec_once(struct pg_store *s, const char *sql, const struct pg_params *p, PGresult **ret)
{
        int64_t deadline;
        PGresult *res = NULL;
        int r = ensure_connected(s);

        if (r < 0)
                return r;
        if (p && p->overflow) {
                log_error("store: a statement with more than %d parameters; not sent", PG_PARAMS_MAX);
                return -EINVAL;
        }
        deadline = mono_ms() + PG_STATEMENT_MS;
        if (!sym_PQsendQueryParams(s->conn, sql, p ? p->n : 0, NULL, p ? p->values : NULL, p ? p->lengths : NULL,
                               p ? p->formats : NULL, 0)) {
                drop_connection(s, sym_PQerrorMessage(s->conn));
                return -ENOTCONN;
        }
        r = await_result(s, deadline, &res);
        if (r < 0) {
                /* Timed out or lost: a connection with a statement still
                 * running is no use to the next one. */
                drop_connection(s, r == -ETIMEDOUT ? "no answer within the deadline" : sym_PQerrorMessage(s->conn));
                return -ENOTCONN;
        }
        if (sym_PQresultStatus(res) == PGRES_TUPLES_OK || sym_PQresultStatus(res) == PGRES_COMMAND_OK) {
                *ret = res;
                return 0;
        }
        r = error_of(res);
        /* The primary message only: a DETAIL may quote a whole row. */
        if (r != -EEXIST)
                log_error("store: %s", sym_PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                                               ? sym_PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                                               : "statement failed");
        sym_PQclear(res);
        if (r == -ENOTCONN || sym_PQstatus(s->conn) != CONNECTION_OK)
                drop_connection(s, "the server ended the session");
        return r;
}

int pg_command(struct pg_store *s, const char *sql, const struct pg_params *p, uint64_t *ret_changed)
{
        PGresult *res;
        int r = pg_exec(s, sql, p, &res);

        if (r < 0)
                return r;
        if (ret_changed)
                *ret_changed = strtoull(sym_PQcmdTuples(res), NULL, 10);
        sym_PQclear(res);
        return 0;
}

const uint8_t *pg_row_key_for(const struct pg_store *s, const char *hash_key)
{
        if (strcmp(hash_key, "fleet") == 0)
                return s->fleet_row_key;
        if (s->has_host_row_key && strcmp(hash_key, s->host_hash_key) == 0)
                return s->host_row_key;
        return NULL;
}

static int pg_open_as(const char *uri, const uint8_t row_key[STORE_ROW_KEY_LEN], struct pg_store **ret)
{
        struct pg_store *s;
        int r = libpq_load();

        if (r < 0) {
                log_error("store: %s", libpq_error());
                return r;
        }
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->base.ops = &store_pg_ops;
        s->uri = strdup(uri);
        if (!s->uri) {
                free(s);
                return -ENOMEM;
        }
        memcpy(s->fleet_row_key, row_key, STORE_ROW_KEY_LEN);
        r = connect_now(s);
        if (r == 0)
                r = check_session(s);
        if (r < 0) {
                store_close(&s->base);
                return r == -ENOTCONN ? -EHOSTUNREACH : r;
        }
        *ret = s;
        return 0;
}

int pg_open(const char *uri, const uint8_t row_key[STORE_ROW_KEY_LEN], struct store **ret)
{
        struct pg_store *s;
        int r = pg_open_as(uri, row_key, &s);

        if (r == 0) {
                log_info("store: PostgreSQL fleet schema %d, acting as host %s", s->opened_version, s->host);
                *ret = &s->base;
        }
        return r;
}

static int pg_open_another(struct store *base, struct store **ret)
{
        struct pg_store *s = pg_of(base), *t;
        int r = pg_open_as(s->uri, s->fleet_row_key, &t);

        if (r < 0)
                return r;
        memcpy(t->host_row_key, s->host_row_key, STORE_ROW_KEY_LEN);
        t->has_host_row_key = s->has_host_row_key;
        *ret = &t->base;
        return 0;
}

static int pg_opened_version(const struct store *base)
{
        return pg_of(base)->opened_version;
}

static void pg_close(struct store *base)
{
        struct pg_store *s = pg_of(base);

        if (s->conn)
                sym_PQfinish(s->conn);
        if (s->uri)
                sodium_memzero(s->uri, strlen(s->uri)); /* it may hold a password */
        free(s->uri);
        sodium_memzero(s->fleet_row_key, sizeof(s->fleet_row_key));
        sodium_memzero(s->host_row_key, sizeof(s->host_row_key));
        free(s);
}

static const char *pg_host(const struct store *base)
{
        return pg_of(base)->host;
}

static void pg_set_host_row_key(struct store *base, const uint8_t key[STORE_ROW_KEY_LEN])
{
        struct pg_store *s = pg_of(base);

        memcpy(s->host_row_key, key, STORE_ROW_KEY_LEN);
        s->has_host_row_key = true;
}

static int64_t pg_offline_since(const struct store *base)
{
        return pg_of(base)->offline_since;
}

static int pg_begin(struct store *base)
{
        struct pg_store *s = pg_of(base);
        int r = pg_command(s, "BEGIN", NULL, NULL);

        s->in_tx = r == 0;
        s->tx_failed = false;
        return r;
}

static int pg_commit(struct store *base)
{
        struct pg_store *s = pg_of(base);
        int r = s->tx_failed ? -ENOTCONN : pg_command(s, "COMMIT", NULL, NULL);

        s->in_tx = s->tx_failed = false;
        return r;
}

static void pg_rollback(struct store *base)
{
        struct pg_store *s = pg_of(base);

        if (s->in_tx && !s->tx_failed && s->conn)
                (void)pg_command(s, "ROLLBACK", NULL, NULL);
        s->in_tx = s->tx_failed = false;
}

/* Durability is the server's (synchronous_commit, replication): every
 * commit the daemon sees has been made durable as the cluster is set up. */
static int pg_set_durable(struct store *base, bool durable)
{
        (void)base, (void)durable;
        return 0;
}

/* SQLite's busy timeout is a wait for another process's file lock; rows
 * locked by another host wait at most lock_timeout (set per connection in
 * start_connection), and every statement PG_STATEMENT_MS. */
static void pg_set_busy_timeout(struct store *base, int ms)
{
        (void)base, (void)ms;
}

/* There is no WAL of ours to checkpoint: the server checkpoints its own. */
static int pg_manual_checkpoints(struct store *base)
{
        (void)base;
        return 0;
}

static int pg_wal_pages(const struct store *base)
{
        (void)base;
        return 0;
}

static int pg_checkpoint(struct store *base)
{
        (void)base;
        return 0;
}

const struct store_ops store_pg_ops = {
        .name = "postgresql",
        .open_another = pg_open_another,
        .opened_version = pg_opened_version,
        .close = pg_close,
        .host = pg_host,
        .set_host_row_key = pg_set_host_row_key,
        .offline_since = pg_offline_since,
        .begin = pg_begin,
        .commit = pg_commit,
        .rollback = pg_rollback,
        .set_durable = pg_set_durable,
        .set_busy_timeout = pg_set_busy_timeout,
        .manual_checkpoints = pg_manual_checkpoints,
        .wal_pages = pg_wal_pages,
        .checkpoint = pg_checkpoint,
        .key_insert = pg_key_insert,
        .key_get = pg_key_get,
        .key_update = pg_key_update,
        .key_list = pg_key_list,
        .key_count = pg_key_count,
        .key_set_state = pg_key_set_state,
        .key_delete = pg_key_delete,
        .key_set_orphaned = pg_key_set_orphaned,
        .key_owners = pg_key_owners,
        .key_add_uses = pg_key_add_uses,
        .key_add_uses_batch = pg_key_add_uses_batch,
        .key_claim_use = pg_key_claim_use,
        .key_elsewhere = pg_key_elsewhere,
        .sid_insert = pg_sid_insert,
        .sid_get = pg_sid_get,
        .sid_update = pg_sid_update,
        .sid_delete = pg_sid_delete,
        .sid_list = pg_sid_list,
        .audit_append = pg_audit_append,
        .audit_last = pg_audit_last,
        .audit_hash_at = pg_audit_hash_at,
        .audit_first = pg_audit_first,
        .audit_list = pg_audit_list,
        .audit_last_event = pg_audit_last_event,
        .audit_prune = pg_audit_prune,
        .audit_prune_seq = pg_audit_prune_seq,
        .audit_hosts = pg_audit_hosts,
};
