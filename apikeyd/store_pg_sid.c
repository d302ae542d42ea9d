/* store_pg_sid.c - the fleet's service_ids table: scoped like keys (a
 * service ID made through a host works in that host's default scope), each
 * row with its MAC (rowmac.h), changed by compare-and-swap as keys are
 * (store_pg_keys.c). A row imported from this host's SQLite store carries
 * the MAC of this host's own secret; both are accepted. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "log.h"
#include "rowmac.h"
#include "store_pg.h"

#define SID_COLUMNS "name, description, unix_user, unix_uid, locked, created_at, created_by, mac"
#define CAS_TRIES 64

/* The row key that sealed r's MAC (the fleet's, or this host's own), or
 * NULL when neither does: tampered. */
static const uint8_t *sealed_by(const struct pg_store *s, const struct sid_record *r, const uint8_t stored[ROWMAC_LEN])
{
        uint8_t mac[ROWMAC_LEN];
        const uint8_t *key = NULL;

        if (rowmac_sid(s->fleet_row_key, r, mac) == 0 && sodium_memcmp(mac, stored, ROWMAC_LEN) == 0)
                key = s->fleet_row_key;
        else if (s->has_host_row_key && rowmac_sid(s->host_row_key, r, mac) == 0 &&
                 sodium_memcmp(mac, stored, ROWMAC_LEN) == 0)
                key = s->host_row_key;
        sodium_memzero(mac, sizeof(mac));
        return key;
}

static void row_to_sid(const struct pg_store *s, const PGresult *res, int i, struct sid_record *r,
                       uint8_t ret_mac[ROWMAC_LEN])
{
        uint8_t mac[ROWMAC_LEN] = { 0 };

        memset(r, 0, sizeof(*r));
        pg_get_text(res, i, 0, r->name, sizeof(r->name));
        pg_get_text(res, i, 1, r->description, sizeof(r->description));
        pg_get_text(res, i, 2, r->unix_user, sizeof(r->unix_user));
        r->unix_uid = pg_get_int(res, i, 3);
        r->locked = pg_get_int(res, i, 4) != 0;
        r->created_at = pg_get_int(res, i, 5);
        pg_get_text(res, i, 6, r->created_by, sizeof(r->created_by));
        (void)pg_get_bytes(res, i, 7, mac, ROWMAC_LEN);
        r->tampered = !sealed_by(s, r, mac);
        if (ret_mac)
                memcpy(ret_mac, mac, ROWMAC_LEN);
}

int pg_sid_insert(struct store *base, const struct sid_record *r)
{
        struct pg_store *s = pg_of(base);
        struct pg_params p = { 0 };
        uint8_t mac[ROWMAC_LEN];
        int e;

        if (rowmac_sid(s->fleet_row_key, r, mac) < 0)
                return -EINVAL;
        pg_param_text(&p, r->name);
        pg_param_text(&p, r->description);
        pg_param_text(&p, r->unix_user);
        pg_param_int(&p, r->unix_uid);
        pg_param_int(&p, r->locked);
        pg_param_int(&p, r->created_at);
        pg_param_text(&p, r->created_by);
        pg_param_bytes(&p, mac, ROWMAC_LEN);
        e = pg_command(s,
                       "INSERT INTO apikey.service_ids (" SID_COLUMNS ", scope, created_host) VALUES ($1,$2,$3,$4,$5,"
                       "$6,$7,$8,apikey.host_default_scope(apikey.current_host()),apikey.current_host())",
                       &p, NULL);
        sodium_memzero(mac, sizeof(mac));
        return e;
}

static int get_with_mac(struct pg_store *s, const char *name, struct sid_record *ret, uint8_t ret_mac[ROWMAC_LEN])
{
        struct pg_params p = { 0 };
        PGresult *res;
        int r;

        pg_param_text(&p, name);
        r = pg_exec(s, "SELECT " SID_COLUMNS " FROM apikey.service_ids WHERE name = $1", &p, &res);
        if (r < 0)
                return r;
        if (sym_PQntuples(res) == 1)
                row_to_sid(s, res, 0, ret, ret_mac);
        else
                r = -ENOENT;
        sym_PQclear(res);
        return r;
}

int pg_sid_get(struct store *base, const char *name, struct sid_record *ret)
{
        return get_with_mac(pg_of(base), name, ret, NULL);
}

int pg_sid_update(struct store *base, const struct sid_record *n)
{
        struct pg_store *s = pg_of(base);
        struct sid_record cur;
        uint8_t old[ROWMAC_LEN], mac[ROWMAC_LEN];
        int e = 0;

        for (int i = 0; i < CAS_TRIES; i++) {
                struct pg_params p = { 0 };
                const uint8_t *key;
                uint64_t changed = 0;

                e = get_with_mac(s, n->name, &cur, old);
                if (e < 0)
                        return e;
                key = sealed_by(s, &cur, old);
                if (!key) {
                        log_error("store: service ID %s was changed outside apikeyd (its MAC does not match); "
                                  "not changing it",
                                  n->name);
                        return -EBADMSG;
                }
                memcpy(cur.description, n->description, sizeof(cur.description));
                memcpy(cur.unix_user, n->unix_user, sizeof(cur.unix_user));
                cur.unix_uid = n->unix_uid;
                cur.locked = n->locked;
                if (rowmac_sid(key, &cur, mac) < 0)
                        return -EINVAL;
                pg_param_text(&p, cur.name);
                pg_param_bytes(&p, old, ROWMAC_LEN);
                pg_param_text(&p, cur.description);
                pg_param_text(&p, cur.unix_user);
                pg_param_int(&p, cur.unix_uid);
                pg_param_int(&p, cur.locked);
                pg_param_bytes(&p, mac, ROWMAC_LEN);
                e = pg_command(s,
                               "UPDATE apikey.service_ids SET description = $3, unix_user = $4, unix_uid = $5, "
                               "locked = $6, mac = $7 WHERE name = $1 AND mac = $2",
                               &p, &changed);
                sodium_memzero(mac, sizeof(mac));
                if (e < 0 || changed == 1)
                        return e;
        }
        return -EAGAIN;
}

int pg_sid_delete(struct store *base, const char *name)
{
        struct pg_params p = { 0 };
        uint64_t n = 0;
        int r;

        pg_param_text(&p, name);
        r = pg_command(pg_of(base), "DELETE FROM apikey.service_ids WHERE name = $1", &p, &n);
        return r < 0 ? r : (n == 1 ? 0 : -ENOENT);
}

int pg_sid_list(struct store *base, store_sid_cb cb, void *userdata)
{
        struct pg_store *s = pg_of(base);
        struct sid_record rec;
        PGresult *res = NULL;
        int r = pg_exec(s, "SELECT " SID_COLUMNS " FROM apikey.service_ids ORDER BY name", NULL, &res);

        for (int i = 0; r >= 0 && i < sym_PQntuples(res); i++) {
                row_to_sid(s, res, i, &rec, NULL);
                r = cb(&rec, userdata);
        }
        sym_PQclear(res);
        return r < 0 ? r : 0;
}
