/* store_pg_keys.c - the fleet's keys table. Row-level security shows this
 * host only the keys of its scopes; every row carries its MAC (rowmac.h),
 * keyed from the secret its hash_key names, checked with each read and
 * written with each change.
 *
 * A change is a compare-and-swap: read the row, check its MAC, change it,
 * and write it back only if its MAC is still the one read (UPDATE ... WHERE
 * mac = $old). Another host's change in between makes the write miss and
 * the change start again from the new row, so no host ever seals a row it
 * did not read, and a use claimed at a login is exact across hosts: the
 * use count is in the MAC. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rowmac.h"
#include "store_pg.h"

#define CAS_TRIES 64 /* changes by other hosts a change gives way to before it gives up */

/* The row's MAC and whether it matches k's; NULL key: this host cannot
 * check it (another host's imported key). */
static bool mac_ok(const uint8_t *key, const uint8_t stored[ROWMAC_LEN], const struct key_record *k)
{
        uint8_t mac[ROWMAC_LEN];
        bool ok = key && rowmac_key(key, k, mac) == 0 && sodium_memcmp(mac, stored, ROWMAC_LEN) == 0;

        sodium_memzero(mac, sizeof(mac));
        return ok;
}

/* The row as apikeyctl --db reads it too (store_pg_row.c), then checked. */
static int row_to_record(struct pg_store *s, const PGresult *res, int i, struct key_record *k,
                         uint8_t ret_mac[ROWMAC_LEN])
{
        uint8_t mac[ROWMAC_LEN];
        char hash_key[STORE_SCOPE_MAX + 1];
        const uint8_t *key;
        bool has_mac;

        if (pg_key_row_read(res, i, k, mac, &has_mac, hash_key) < 0)
                return -EIO;
        /* "" is the store's own secret (store.h): here the fleet's. */
        snprintf(k->hash_key, sizeof(k->hash_key), "%s", strcmp(hash_key, "fleet") == 0 ? "" : hash_key);
        key = pg_row_key_for(s, hash_key);
        /* Another host's imported key cannot be checked here, nor used
         * (keyview.c refuses its hash_key): not tampered, only foreign. */
        k->tampered = key && (!has_mac || !mac_ok(key, mac, k));
        if (ret_mac)
                memcpy(ret_mac, mac, ROWMAC_LEN);
        sodium_memzero(mac, sizeof(mac));
        return 0;
}

static const uint8_t *row_key_of(struct pg_store *s, const struct key_record *k)
{
        return pg_row_key_for(s, k->hash_key[0] ? k->hash_key : "fleet");
}

int pg_key_insert(struct store *base, const struct key_record *k)
{
        struct pg_store *s = pg_of(base);
        struct key_record sealed = *k;
        struct pg_params p = { 0 };
        uint8_t mac[ROWMAC_LEN];
        int r;

        if (!sealed.leak_action[0]) /* what is stored, so what the MAC covers */
                snprintf(sealed.leak_action, sizeof(sealed.leak_action), "disable");
        if (rowmac_key(s->fleet_row_key, &sealed, mac) < 0)
                return -EINVAL;
        pg_param_text(&p, sealed.id);
        pg_param_bytes(&p, sealed.hash, KEY_HASH_LEN);
        pg_param_text(&p, sealed.kind);
        pg_param_text(&p, sealed.owner_type);
        pg_param_text(&p, sealed.owner_name);
        pg_param_int(&p, sealed.owner_uid);
        pg_param_text(&p, sealed.name);
        pg_param_text(&p, sealed.description);
        pg_param_text(&p, sealed.state);
        pg_param_int(&p, sealed.created_at);
        pg_param_text(&p, sealed.created_by);
        pg_param_int(&p, sealed.last_used_at);
        pg_param_text(&p, sealed.last_used_from);
        pg_param_text(&p, sealed.last_used_service);
        pg_param_int(&p, (int64_t)sealed.use_count);
        pg_param_int(&p, sealed.expires_at);
        pg_param_int(&p, sealed.locked);
        pg_param_text(&p, sealed.services);
        pg_param_text(&p, sealed.sources);
        pg_param_int(&p, (int64_t)sealed.max_uses);
        pg_param_text(&p, sealed.leak_action);
        pg_param_text(&p, sealed.rotated_to);
        pg_param_text(&p, sealed.retires);
        pg_param_text(&p, sealed.disabled_by);
        pg_param_text(&p, sealed.locked_by);
        pg_param_int(&p, sealed.orphaned_at);
        pg_param_bytes(&p, mac, ROWMAC_LEN);
        /* Where it works is the host's to say only by being the host: its
         * default scope, checked again by the INSERT policy. */
        r = pg_command(s,
                       "INSERT INTO apikey.keys (id, hash, kind, owner_type, owner_name, owner_uid, name, "
                       "description, state, created_at, created_by, last_used_at, last_used_from, "
                       "last_used_service, use_count, expires_at, locked, services, sources, max_uses, leak_action, "
                       "rotated_to, retires, disabled_by, locked_by, orphaned_at, mac, scope, hash_key, created_host) "
                       "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,"
                       "$24,$25,$26,$27,apikey.host_default_scope(apikey.current_host()),'fleet',"
                       "apikey.current_host())",
                       &p, NULL);
        sodium_memzero(mac, sizeof(mac));
        return r;
}

static int get_with_mac(struct pg_store *s, const char *id, struct key_record *ret, uint8_t ret_mac[ROWMAC_LEN])
{
        struct pg_params p = { 0 };
        PGresult *res;
        int r;

        pg_param_text(&p, id);
        r = pg_exec(s, "SELECT " PG_KEY_COLUMNS " FROM apikey.keys WHERE id = $1", &p, &res);
        if (r < 0)
                return r;
        r = sym_PQntuples(res) == 1 ? row_to_record(s, res, 0, ret, ret_mac) : -ENOENT;
        sym_PQclear(res);
        return r;
}

int pg_key_get(struct store *base, const char *id, struct key_record *ret)
{
        return get_with_mac(pg_of(base), id, ret, NULL);
}

/* Writes what a host may change of k (the columns it is granted), with
 * k's MAC, if the row still has old_mac: 1 written, 0 changed meanwhile. */
static int write_if_unchanged(struct pg_store *s, const struct key_record *k, const uint8_t old_mac[ROWMAC_LEN])
{
        struct pg_params p = { 0 };
        uint8_t mac[ROWMAC_LEN];
        uint64_t n = 0;
        int r;

        if (rowmac_key(row_key_of(s, k), k, mac) < 0)
                return -EINVAL;
        pg_param_text(&p, k->id);
        pg_param_bytes(&p, old_mac, ROWMAC_LEN);
        pg_param_text(&p, k->name);
        pg_param_text(&p, k->description);
        pg_param_text(&p, k->state);
        pg_param_int(&p, k->last_used_at);
        pg_param_text(&p, k->last_used_from);
        pg_param_text(&p, k->last_used_service);
        pg_param_int(&p, (int64_t)k->use_count);
        pg_param_int(&p, k->expires_at);
        pg_param_int(&p, k->locked);
        pg_param_text(&p, k->services);
        pg_param_text(&p, k->sources);
        pg_param_int(&p, (int64_t)k->max_uses);
        pg_param_text(&p, k->leak_action);
        pg_param_text(&p, k->rotated_to);
        pg_param_text(&p, k->retires);
        pg_param_text(&p, k->disabled_by);
        pg_param_text(&p, k->locked_by);
        pg_param_int(&p, k->orphaned_at);
        pg_param_bytes(&p, mac, ROWMAC_LEN);
        r = pg_command(s,
                       "UPDATE apikey.keys SET name = $3, description = $4, state = $5, "
                       "last_used_at = GREATEST(last_used_at, $6), last_used_from = $7, last_used_service = $8, "
                       "use_count = $9, expires_at = $10, locked = $11, services = $12, sources = $13, "
                       "max_uses = $14, leak_action = $15, rotated_to = $16, retires = $17, disabled_by = $18, "
                       "locked_by = $19, orphaned_at = $20, mac = $21 WHERE id = $1 AND mac = $2",
                       &p, &n);
        sodium_memzero(mac, sizeof(mac));
        return r < 0 ? r : n == 1;
}

/* Reads row id, refuses it if it fails its MAC (-EBADMSG: a change must not
 * seal what someone else wrote) or this host cannot check it (-EPERM),
 * lets change() edit it (a negative return ends it) and writes it back,
 * again from the start when another host changed the row meanwhile. */
static int key_rewrite(struct pg_store *s, const char *id, int (*change)(struct key_record *k, const void *ctx),
                       const void *ctx)
{
        struct key_record k;
        uint8_t old[ROWMAC_LEN];
        int r = 0;

        for (int i = 0; i < CAS_TRIES; i++) {
                r = get_with_mac(s, id, &k, old);
                if (r == 0 && k.tampered) {
                        log_error("store: key %s was changed outside apikeyd (its MAC does not match); not changing it",
                                  id);
                        r = -EBADMSG;
                } else if (r == 0 && !row_key_of(s, &k)) {
                        log_error("store: key %s was imported from host %s; only that host can change it", id,
                                  k.hash_key + 5);
                        r = -EPERM;
                }
                if (r == 0)
                        r = change(&k, ctx);
                if (r == 0)
                        r = write_if_unchanged(s, &k, old);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        log_error("store: key %s kept changing under us; giving up", id);
        return -EAGAIN;
}

static int change_mutable(struct key_record *k, const void *ctx)
{
        store_key_copy_mutable(k, ctx);
        return 0;
}

int pg_key_update(struct store *base, const struct key_record *k)
{
        return key_rewrite(pg_of(base), k->id, change_mutable, k);
}

struct state_change {
        const char *state, *by;
};

static int change_state(struct key_record *k, const void *ctx)
{
        const struct state_change *c = ctx;

        snprintf(k->state, sizeof(k->state), "%s", c->state);
        snprintf(k->disabled_by, sizeof(k->disabled_by), "%s", c->by ? c->by : "");
        return 0;
}

int pg_key_set_state(struct store *base, const char *id, const char *state, const char *by)
{
        const struct state_change c = { state, by };

        return key_rewrite(pg_of(base), id, change_state, &c);
}

int pg_key_delete(struct store *base, const char *id)
{
        struct pg_params p = { 0 };
        uint64_t n = 0;
        int r;

        pg_param_text(&p, id);
        r = pg_command(pg_of(base), "DELETE FROM apikey.keys WHERE id = $1", &p, &n);
        return r < 0 ? r : (n == 1 ? 0 : -ENOENT);
}

struct uses {
        uint64_t n;
        int64_t when;
        const char *rhost, *service;
        bool limited; /* a claim: refused when no use is left */
};

static int change_uses(struct key_record *k, const void *ctx)
{
        const struct uses *u = ctx;

        if (u->limited && k->max_uses && k->use_count >= k->max_uses)
                return -EDQUOT;
        k->use_count = k->use_count > (uint64_t)INT64_MAX - u->n ? (uint64_t)INT64_MAX : k->use_count + u->n;
        if (u->when > k->last_used_at)
                k->last_used_at = u->when;
        snprintf(k->last_used_from, sizeof(k->last_used_from), "%s", u->rhost ? u->rhost : "");
        snprintf(k->last_used_service, sizeof(k->last_used_service), "%s", u->service ? u->service : "");
        return 0;
}

int pg_key_add_uses(struct store *base, const char *id, int64_t row_hint, uint64_t n, int64_t when,
                    const char *rhost, const char *service)
{
        const struct uses u = { n, when, rhost, service, false };

        (void)row_hint; /* keys are found by ID: there is no rowid */
        return key_rewrite(pg_of(base), id, change_uses, &u);
}

/* A batch's uses, USES_PER_STATEMENT keys at a time: one SELECT of their
 * rows, and one UPDATE that writes each row, with its new MAC, only where
 * its MAC is still the one read: the compare-and-swap of key_rewrite, for
 * all of them in one statement. One key at a time was two statements (and
 * their round trips, parses and plans) per key used. A key the UPDATE
 * missed (changed by another host meanwhile), could not find, or must not
 * seal goes the one-at-a-time way, which retries, logs and skips as
 * store_key_add_uses_batch says. 16 keys of 7 parameters fit
 * PG_PARAMS_MAX. */
#define USES_PER_STATEMENT 16
#define USE_PARAMS 7
_Static_assert(USES_PER_STATEMENT * USE_PARAMS <= PG_PARAMS_MAX, "a statement's keys must fit in pg_params");

struct use_row {
        struct key_record k;
        uint8_t old_mac[ROWMAC_LEN], mac[ROWMAC_LEN];
        bool ready;   /* read, checked, changed, sealed: for the UPDATE */
        bool written; /* the UPDATE wrote it */
};

/* Reads the rows of u[0..n-1] into rows[]; a row read is ready once it is
 * changed and sealed. Returns 0 or an error of the statement. */
static int read_batch(struct pg_store *s, const struct store_uses *u, size_t n, struct use_row *rows)
{
        char sql[sizeof("SELECT " PG_KEY_COLUMNS " FROM apikey.keys WHERE id IN ()") + USES_PER_STATEMENT * 5];
        struct pg_sql q = PG_SQL_IN(sql);
        struct pg_params p = { 0 };
        PGresult *res;
        int r;

        pg_sql_add(&q, "SELECT " PG_KEY_COLUMNS " FROM apikey.keys WHERE id IN (");
        for (size_t i = 0; i < n; i++) {
                pg_param_text(&p, u[i].id);
                pg_sql_add(&q, "%s$%d", i ? "," : "", p.n);
        }
        pg_sql_add(&q, ")");
        r = pg_exec(s, pg_sql_text(&q), &p, &res);
        if (r < 0)
                return r;
        for (int t = 0; t < sym_PQntuples(res); t++) {
                struct key_record k;
                uint8_t old[ROWMAC_LEN];
                size_t i = 0;

                if (row_to_record(s, res, t, &k, old) < 0)
                        continue; /* left to the one-at-a-time way, which says why */
                while (i < n && strcmp(u[i].id, k.id) != 0)
                        i++;
                if (i == n || rows[i].ready || k.tampered || !row_key_of(s, &k))
                        continue;
                const struct uses change = { u[i].n, u[i].when, u[i].rhost, u[i].service, false };
                if (change_uses(&k, &change) < 0 || rowmac_key(row_key_of(s, &k), &k, rows[i].mac) < 0)
                        continue;
                rows[i].k = k;
                memcpy(rows[i].old_mac, old, ROWMAC_LEN);
                rows[i].ready = true;
                sodium_memzero(old, sizeof(old));
        }
        sym_PQclear(res);
        return 0;
}

/* Writes the ready rows whose MAC is still the one read; marks them. */
static int write_batch(struct pg_store *s, struct use_row *rows, size_t n)
{
        char sql[1024 + USES_PER_STATEMENT * 160];
        struct pg_sql q = PG_SQL_IN(sql);
        struct pg_params p = { 0 };
        size_t ready = 0;
        PGresult *res;
        int r;

        pg_sql_add(&q, "UPDATE apikey.keys AS k SET last_used_at = GREATEST(k.last_used_at, v.last_used_at), "
                       "last_used_from = v.last_used_from, last_used_service = v.last_used_service, "
                       "use_count = v.use_count, mac = v.mac FROM (VALUES ");
        for (size_t i = 0; i < n; i++) {
                const struct key_record *k = &rows[i].k;
                int b = p.n;

                if (!rows[i].ready)
                        continue;
                pg_sql_add(&q, "%s($%d::text,$%d::bytea,$%d::bigint,$%d::text,$%d::text,$%d::bigint,$%d::bytea)",
                           ready ? "," : "", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7);
                pg_param_text(&p, k->id);
                pg_param_bytes(&p, rows[i].old_mac, ROWMAC_LEN);
                pg_param_int(&p, k->last_used_at);
                pg_param_text(&p, k->last_used_from);
                pg_param_text(&p, k->last_used_service);
                pg_param_int(&p, (int64_t)k->use_count);
                pg_param_bytes(&p, rows[i].mac, ROWMAC_LEN);
                ready++;
        }
        if (ready == 0)
                return 0;
        pg_sql_add(&q, ") AS v (id, old_mac, last_used_at, last_used_from, last_used_service, use_count, mac) "
                       "WHERE k.id = v.id AND k.mac = v.old_mac RETURNING k.id");
        r = pg_exec(s, pg_sql_text(&q), &p, &res);
        if (r < 0)
                return r;
        for (int t = 0; t < sym_PQntuples(res); t++) {
                char id[KEY_ID_LEN + 1];

                pg_get_text(res, t, 0, id, sizeof(id));
                for (size_t i = 0; i < n; i++)
                        if (rows[i].ready && strcmp(rows[i].k.id, id) == 0)
                                rows[i].written = true;
        }
        sym_PQclear(res);
        return 0;
}

int pg_key_add_uses_batch(struct store *base, const struct store_uses *u, size_t n)
{
        struct pg_store *s = pg_of(base);
        struct use_row *rows = calloc(USES_PER_STATEMENT, sizeof(*rows));
        int r = rows ? 0 : -ENOMEM;

        for (size_t done = 0; r == 0 && done < n;) {
                size_t m = n - done < USES_PER_STATEMENT ? n - done : USES_PER_STATEMENT;

                memset(rows, 0, USES_PER_STATEMENT * sizeof(*rows));
                r = read_batch(s, u + done, m, rows);
                if (r == 0)
                        r = write_batch(s, rows, m);
                for (size_t i = 0; r == 0 && i < m; i++)
                        if (!rows[i].written)
                                r = store_key_add_uses_each(base, &u[done + i], 1);
                done += m;
        }
        if (rows)
                sodium_memzero(rows, USES_PER_STATEMENT * sizeof(*rows));
        free(rows);
        return r;
}

/* The row's use_count is what every host sees; the compare-and-swap makes
 * two hosts claiming the last use at once write it once, and the loser
 * reads the new count and finds none left. */
int pg_key_claim_use(struct store *base, const char *id, int64_t when, const char *rhost, const char *service)
{
        const struct uses u = { 1, when, rhost, service, true };

        return key_rewrite(pg_of(base), id, change_uses, &u);
}

static int change_orphaned(struct key_record *k, const void *ctx)
{
        if (k->orphaned_at)
                return -ENOENT; /* already, for good */
        k->orphaned_at = *(const int64_t *)ctx;
        return 0;
}

int pg_key_set_orphaned(struct store *base, const char *id, int64_t when)
{
        int64_t at = when > 0 ? when : 1;

        return key_rewrite(pg_of(base), id, change_orphaned, &at);
}

int pg_key_elsewhere(struct store *base, const char *id, const uint8_t hash[KEY_HASH_LEN], bool *ret)
{
        struct pg_params p = { 0 };
        PGresult *res;
        int r;

        pg_param_text(&p, id);
        pg_param_bytes(&p, hash, KEY_HASH_LEN);
        r = pg_exec(pg_of(base), "SELECT apikey.key_out_of_scope($1, $2)", &p, &res);
        if (r < 0)
                return r;
        *ret = sym_PQntuples(res) == 1 && strcmp(sym_PQgetvalue(res, 0, 0), "t") == 0;
        sym_PQclear(res);
        return 0;
}

/* The WHERE clause of a filter with only the conditions it sets (so that
 * an index serves it), and their parameters, numbered as they come. */
static void filter_sql(const struct key_filter *f, struct pg_params *p, char *buf, size_t bufsz)
{
        size_t used = 0;

#define COND(fmt, ...)                                                                                         \
        do {                                                                                                   \
                if (used < bufsz)                                                                              \
                        used += (size_t)snprintf(buf + used, bufsz - used, "%s" fmt,                           \
                                                 used ? " AND " : " WHERE ", __VA_ARGS__);                     \
        } while (0)
        buf[0] = '\0';
        if (f->owner_type) {
                pg_param_text(p, f->owner_type);
                COND("owner_type = $%d", p->n);
        }
        if (f->owner_name) {
                pg_param_text(p, f->owner_name);
                COND("owner_name = $%d", p->n);
        }
        if (f->owner_uid >= 0) {
                pg_param_int(p, f->owner_uid);
                COND("owner_uid = $%d", p->n);
        }
        if (f->kind) {
                pg_param_text(p, f->kind);
                COND("kind = $%d", p->n);
        }
        if (f->unused_since) {
                pg_param_int(p, f->unused_since);
                COND("GREATEST(last_used_at, created_at) < $%d", p->n);
        }
        if (f->expired_before) {
                pg_param_int(p, f->expired_before);
                COND("expires_at > 0 AND expires_at < $%d", p->n);
        }
        if (f->live_at) {
                pg_param_int(p, f->live_at);
                COND("(expires_at = 0 OR expires_at > $%d)", p->n);
        }
        if (f->orphaned == ORPHANED_EXCLUDE)
                COND("%s", "orphaned_at = 0");
        else if (f->orphaned == ORPHANED_ONLY)
                COND("%s", "orphaned_at <> 0");
        if (f->after_id) {
                pg_param_int(p, f->after_created_at);
                pg_param_text(p, f->after_id);
                COND("(created_at, id) > ($%d, $%d)", p->n - 1, p->n);
        }
#undef COND
}

static const struct key_filter filter_any = KEY_FILTER_ANY;

int pg_key_list(struct store *base, const struct key_filter *f, store_key_cb cb, void *userdata)
{
        struct pg_store *s = pg_of(base);
        struct pg_params p = { 0 };
        char where[512], sql[1024];
        struct key_record k;
        PGresult *res;
        int r;

        f = f ? f : &filter_any;
        filter_sql(f, &p, where, sizeof(where));
        if (f->limit)
                snprintf(sql, sizeof(sql), "SELECT " PG_KEY_COLUMNS " FROM apikey.keys%s ORDER BY created_at, id LIMIT %u",
                         where, f->limit);
        else
                snprintf(sql, sizeof(sql), "SELECT " PG_KEY_COLUMNS " FROM apikey.keys%s ORDER BY created_at, id", where);
        r = pg_exec(s, sql, &p, &res);
        if (r < 0)
                return r;
        for (int i = 0; r >= 0 && i < sym_PQntuples(res); i++) {
                r = row_to_record(s, res, i, &k, NULL);
                if (r == 0)
                        r = cb(&k, userdata);
        }
        sym_PQclear(res);
        return r < 0 ? r : 0;
}

int pg_key_count(struct store *base, const struct key_filter *f, uint64_t *ret)
{
        struct pg_params p = { 0 };
        char where[512], sql[768];
        PGresult *res;
        int r;

        f = f ? f : &filter_any;
        filter_sql(f, &p, where, sizeof(where));
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM apikey.keys%s", where);
        r = pg_exec(pg_of(base), sql, &p, &res);
        if (r < 0)
                return r;
        *ret = (uint64_t)pg_get_int(res, 0, 0);
        sym_PQclear(res);
        return 0;
}

int pg_key_owners(struct store *base, store_owner_cb cb, void *userdata)
{
        char name[PROTO_USER_MAX + 1];
        PGresult *res = NULL;
        /* Skips from one account to the next through keys_live_owners (a
         * loose index scan: one LIMIT 1 search per account), as
         * sqlite_key_owners() does. SELECT DISTINCT read every index entry:
         * on a host with a million live keys, at start and every few minutes
         * on the login thread. A SELECT around it: pg_exec() runs a read
         * again on a new connection after a failover (safe_to_repeat). */
        int r = pg_exec(pg_of(base),
                        "SELECT name, uid FROM (WITH RECURSIVE owners (name, uid) AS ("
                        " (SELECT owner_name, owner_uid FROM apikey.keys"
                        "  WHERE owner_type = 'user' AND orphaned_at = 0"
                        "  ORDER BY owner_name, owner_uid LIMIT 1)"
                        " UNION ALL"
                        " SELECT n.owner_name, n.owner_uid FROM owners o CROSS JOIN LATERAL"
                        " (SELECT owner_name, owner_uid FROM apikey.keys"
                        "  WHERE owner_type = 'user' AND orphaned_at = 0"
                        "  AND (owner_name, owner_uid) > (o.name, o.uid)"
                        "  ORDER BY owner_name, owner_uid LIMIT 1) n)"
                        " SELECT name, uid FROM owners) AS o ORDER BY name, uid",
                        NULL, &res);

        for (int i = 0; r == 0 && i < sym_PQntuples(res); i++) {
                if (strlen(sym_PQgetvalue(res, i, 0)) >= sizeof(name)) {
                        log_error("store: an owner name longer than %zu bytes", sizeof(name) - 1);
                        r = -EIO;
                        break;
                }
                pg_get_text(res, i, 0, name, sizeof(name));
                r = cb(name, (uint32_t)pg_get_int(res, i, 1), userdata);
        }
        sym_PQclear(res);
        return r < 0 ? r : 0;
}
