/* fleet_keys.c - `apikeyctl --db URI list|show|disable|enable|delete` (and
 * the dispatch of `service-id list|show`, fleet_sids.c): a
 * fleet admin manages the fleet's keys from the admin's own seat, talking to
 * PostgreSQL as the role the URI names. Row-level security decides what that
 * role sees and may change (a member of apikey_admin: every key; a host's
 * role: its scopes' keys; anyone else: nothing). Records are printed by the
 * same printers as the daemon's replies.
 *
 * Each row carries its MAC (apikeyd/rowmac.c), keyed from the fleet's
 * secret for hash_key 'fleet'. Given --key-file (the file `fleet init
 * --key-file` made), a change is sealed exactly as apikeyd seals it; a row
 * whose MAC does not match is never re-sealed (that would launder a forged
 * row). Without the secret a disable still writes the state: the row then
 * fails its MAC on every host and is refused as tampered, which is still
 * revoked (fail closed); an enable needs the secret. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* apikeyd's store.h and apikeyctl's records.h both name a struct
 * audit_record; this file needs neither, so the store's goes by another name
 * here. */
#define audit_record store_audit_record
#include "../apikeyd/rowmac.h"
#include "../apikeyd/store_pg_row.h"
#undef audit_record
#include "fleet.h"
#include "print.h"

/* The keys columns as apikeyd reads them (apikeyd/store_pg_row.h), and
 * whether a service ID key's service ID logs in as root. */
#define COLUMNS                                                                                            \
        PG_KEY_COLUMNS ", (owner_type = 'service' AND EXISTS (SELECT 1 FROM apikey.service_ids s "      \
        "WHERE s.name = owner_name AND s.unix_uid = 0))"

struct fleet_row {
        struct key_record k;
        uint8_t mac[ROWMAC_LEN];
        bool has_mac;
        char hash_key[STORE_SCOPE_MAX + 1];
        bool sid_is_root; /* a service ID key whose service ID logs in as uid 0 */
};

/* As apikeyd's store_pg_keys.c reads a row (the same decoder), so that the
 * MAC covers the same bytes. */
static void row_to_record(const PGresult *res, int i, struct fleet_row *ret)
{
        memset(ret, 0, sizeof(*ret));
        /* A row without a key hash cannot be a key: its MAC fails and it is
         * never sealed (has_mac false), shown as tampered. */
        if (pg_key_row_read(res, i, &ret->k, ret->mac, &ret->has_mac, ret->hash_key) < 0)
                ret->has_mac = false;
        ret->sid_is_root = strcmp(sym_PQgetvalue(res, i, PG_KEY_NCOLUMNS), "t") == 0;
}

/* The fleet's row MAC key from --key-file: the file of `fleet init
 * --key-file` (regular, 32 bytes, ours alone), derived as apikeyd's
 * hashkey_derive does. */
static int load_row_key(const char *path, uint8_t out[ROWMAC_LEN])
{
        uint8_t secret[crypto_generichash_KEYBYTES];
        struct stat st;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        int r = EXIT_OK;

        if (fd < 0 || fstat(fd, &st) < 0) {
                ctl_err("--key-file: cannot open %s: %m", check_shown(path));
                if (fd >= 0)
                        close(fd);
                return EXIT_USAGE;
        }
        if (!S_ISREG(st.st_mode) || (st.st_mode & 0077) || st.st_uid != geteuid() || st.st_size != (off_t)sizeof(secret))
                r = EXIT_USAGE;
        else if (read(fd, secret, sizeof(secret)) != (ssize_t)sizeof(secret))
                r = EXIT_FAILURE_OTHER;
        close(fd);
        if (r != EXIT_OK) {
                ctl_err("--key-file %s is not a fleet key (a regular file of %zu bytes, yours, mode 0600: "
                        "the file 'apikeyctl fleet init --key-file' made)",
                        check_shown(path), sizeof(secret));
                return r;
        }
        crypto_generichash(out, ROWMAC_LEN, (const uint8_t *)ROWMAC_CONTEXT, strlen(ROWMAC_CONTEXT), secret,
                           sizeof(secret));
        sodium_memzero(secret, sizeof(secret));
        return EXIT_OK;
}

static bool mac_matches(const struct fleet_row *row, const uint8_t row_key[ROWMAC_LEN])
{
        uint8_t mac[ROWMAC_LEN];
        bool ok = row->has_mac && rowmac_key(row_key, &row->k, mac) == 0 &&
                  sodium_memcmp(mac, row->mac, ROWMAC_LEN) == 0;

        sodium_memzero(mac, sizeof(mac));
        return ok;
}

/* The state the daemon would show (apikeyd/keyview.c's key_state). A row's
 * MAC is checked only when the fleet's secret was given. */
static const char *shown_state(const struct fleet_row *row, const uint8_t *row_key)
{
        const struct key_record *k = &row->k;

        if (row_key && strcmp(row->hash_key, "fleet") == 0 && !mac_matches(row, row_key))
                return "tampered";
        if (k->orphaned_at)
                return "orphaned";
        if (strcmp(k->state, "active") != 0)
                return "disabled";
        return k->expires_at > 0 && (int64_t)time(NULL) >= k->expires_at ? "expired" : "active";
}

static char *dup_or_null(const char *s, bool *oom)
{
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *oom = true;
        return d;
}

#define U(x) ((struct opt_u64){ true, (uint64_t)(x) })

/* The record the daemon would send (apikeyd/control.c's ctl_send_key_info). */
static int add_info(struct rec_list *l, const struct fleet_row *row, const uint8_t *row_key)
{
        const struct key_record *k = &row->k;
        char identity[PROTO_IDENTITY_MAX + 1];
        struct key_info info = { 0 };
        bool oom = false;

        snprintf(identity, sizeof(identity), "%s%s:%s", k->orphaned_at ? "orphaned-" : "", k->owner_type,
                 k->owner_name);
        info.id = dup_or_null(k->id, &oom);
        info.kind = dup_or_null(k->kind, &oom);
        info.identity = dup_or_null(identity, &oom);
        info.owner = dup_or_null(k->owner_name, &oom);
        info.name = dup_or_null(k->name, &oom);
        info.description = dup_or_null(k->description, &oom);
        info.state = dup_or_null(shown_state(row, row_key), &oom);
        info.created_by = dup_or_null(k->created_by, &oom);
        info.last_used_from = dup_or_null(k->last_used_from[0] ? k->last_used_from : NULL, &oom);
        info.last_used_service = dup_or_null(k->last_used_service[0] ? k->last_used_service : NULL, &oom);
        info.services = dup_or_null(k->services, &oom);
        info.sources = dup_or_null(k->sources, &oom);
        info.leak_action = dup_or_null(k->leak_action, &oom);
        info.rotated_to = dup_or_null(k->rotated_to[0] ? k->rotated_to : NULL, &oom);
        info.scope = dup_or_null(k->scope[0] ? k->scope : NULL, &oom);
        info.owner_uid = U(k->owner_uid);
        info.created_at = U(k->created_at);
        info.last_used_at = U(k->last_used_at);
        info.use_count = U(k->use_count);
        info.expires_at = U(k->expires_at);
        info.locked = U(k->locked);
        info.max_uses = U(k->max_uses);
        if (oom || rec_list_add(l, &info) < 0) {
                rec_free(&rec_key_info, &info);
                ctl_err("out of memory");
                return EXIT_FAILURE_OTHER;
        }
        return EXIT_OK;
}

static int no_such_key(const char *id)
{
        ctl_err("no key %s in the fleet that this database role may see (check the ID with "
                "'apikeyctl --db URI list')", id);
        return EXIT_NOT_FOUND;
}

static int list_or_show(PGconn *c, const struct ctl_options *o, const uint8_t *row_key)
{
        const struct ctl_request *q = &o->req;
        const char *params[3] = { NULL, NULL, NULL };
        struct rec_list records = { .type = &rec_key_info };
        struct ctl_reply reply = { 0 };
        PGresult *res = NULL;
        int r, n = 0;

        if (o->command == CTL_SHOW) {
                params[0] = q->key_id;
                n = 1;
        } else {
                params[0] = q->filter_user ? "user" : q->service_id ? "service" : NULL;
                params[1] = q->filter_user ? q->filter_user : q->service_id;
                params[2] = q->after;
                n = 3;
        }
        r = fleet_query(c,
                        o->command == CTL_SHOW
                                ? "SELECT " COLUMNS " FROM apikey.keys WHERE id = $1"
                                : "SELECT " COLUMNS " FROM apikey.keys WHERE ($1::text IS NULL OR "
                                  "(owner_type = $1 AND owner_name = $2)) AND ($3::text IS NULL OR id > $3) "
                                  "ORDER BY id",
                        n, params, &res);
        if (r != EXIT_OK)
                return r;
        if (o->command == CTL_SHOW && sym_PQntuples(res) == 0) {
                sym_PQclear(res);
                return no_such_key(q->key_id);
        }
        for (int i = 0; i < sym_PQntuples(res) && r == EXIT_OK; i++) {
                struct fleet_row row;

                if (q->limit.set && (uint64_t)i == q->limit.v) { /* a page, and where the next one starts */
                        reply.has_cursor = true;
                        snprintf(reply.cursor, sizeof(reply.cursor), "%s", ((const struct key_info *)rec_at(
                                                                                    &records, records.n - 1))->id);
                        break;
                }
                row_to_record(res, i, &row);
                r = add_info(&records, &row, row_key);
                sodium_memzero(&row, sizeof(row));
        }
        sym_PQclear(res);
        if (r == EXIT_OK)
                r = print_reply(o, &records, &reply);
        rec_list_free(&records);
        return r;
}

/* Reads the row FOR UPDATE inside the caller's transaction: 1 found. */
static int lock_row(PGconn *c, const char *id, struct fleet_row *ret, int *code)
{
        const char *params[1] = { id };
        PGresult *res = NULL;

        *code = fleet_query(c, "SELECT " COLUMNS " FROM apikey.keys WHERE id = $1 FOR UPDATE", 1, params, &res);
        if (*code != EXIT_OK)
                return 0;
        if (sym_PQntuples(res) != 1) {
                sym_PQclear(res);
                *code = no_such_key(id);
                return 0;
        }
        row_to_record(res, 0, ret);
        sym_PQclear(res);
        return 1;
}

/* enable: what the daemon would refuse an admin, and what needs the secret. */
static int refuse_enable(const struct fleet_row *row, const uint8_t *row_key)
{
        const struct key_record *k = &row->k;

        if (strcmp(row->hash_key, "fleet") != 0) {
                ctl_err("key %s was imported from %s and its row is sealed with that host's secret: "
                        "enable it on that host ('apikeyctl enable %s' there)", k->id, row->hash_key, k->id);
                return EXIT_USAGE;
        }
        if (!row_key) {
                ctl_err("enable needs the fleet's secret to seal the row: give --key-file PATH (the file "
                        "'apikeyctl fleet init --key-file' made); without it the key would stay refused as tampered");
                return EXIT_USAGE;
        }
        if (!mac_matches(row, row_key)) {
                ctl_err("key %s does not match its MAC (tampered, or sealed with another secret): it is not "
                        "re-sealed; check --key-file, or delete the key and make a new one", k->id);
                return EXIT_PERMISSION;
        }
        if (k->locked) {
                ctl_err("key %s is locked: unlock it on a host first ('apikeyctl unlock %s')", k->id, k->id);
                return EXIT_CONFLICT;
        }
        if (strcmp(k->state, "active") != 0 &&
            ((strcmp(k->owner_type, "user") == 0 && k->owner_uid == 0) || row->sid_is_root)) {
                ctl_err("the key logs in as root (uid 0): only root may enable it, on a host");
                return EXIT_PERMISSION;
        }
        return EXIT_OK;
}

/* The new state, sealed when the fleet's secret is known and the row was
 * genuine; otherwise written without a new MAC (disable only). */
static int write_state(PGconn *c, struct fleet_row *row, const uint8_t *row_key, bool disable)
{
        struct key_record *k = &row->k;
        bool seal = row_key && strcmp(row->hash_key, "fleet") == 0 && mac_matches(row, row_key);
        char hex[2 * ROWMAC_LEN + 3] = "\\x";
        const char *params[4];
        uint8_t mac[ROWMAC_LEN];
        PGresult *res = NULL;
        int r;

        if (disable) {
                snprintf(k->state, sizeof(k->state), "disabled");
                snprintf(k->disabled_by, sizeof(k->disabled_by), "admin");
        } else {
                snprintf(k->state, sizeof(k->state), "active");
                k->disabled_by[0] = '\0';
        }
        if (seal && rowmac_key(row_key, k, mac) < 0)
                seal = false;
        if (seal)
                sodium_bin2hex(hex + 2, sizeof(hex) - 2, mac, ROWMAC_LEN);
        params[0] = k->id;
        params[1] = k->state;
        params[2] = k->disabled_by;
        params[3] = seal ? hex : NULL;
        r = fleet_query(c,
                        "UPDATE apikey.keys SET state = $2, disabled_by = $3, mac = COALESCE($4::bytea, mac) "
                        "WHERE id = $1",
                        4, params, &res);
        sodium_memzero(mac, sizeof(mac));
        if (r != EXIT_OK)
                return r;
        if (strcmp(sym_PQcmdTuples(res), "1") != 0) { /* RLS: visible, but not this role's to change */
                sym_PQclear(res);
                ctl_err("key %s is not this database role's to change", k->id);
                return EXIT_PERMISSION;
        }
        sym_PQclear(res);
        if (disable && !seal) {
                fflush(stdout);
                fprintf(stderr, "apikeyctl: warning: key %s is disabled, but its row is not sealed (%s): every host "
                                "now refuses it as tampered, which still revokes it; to seal it, disable it again "
                                "with --key-file\n",
                        k->id,
                        strcmp(row->hash_key, "fleet") != 0 ? "it is sealed with the secret of the host it came from"
                        : !row_key                          ? "no --key-file given"
                                                            : "its row did not match its MAC before");
        }
        return EXIT_OK;
}

static int change(PGconn *c, const struct ctl_options *o, const uint8_t *row_key)
{
        struct fleet_row row;
        struct ctl_reply reply = { 0 };
        struct rec_list none = { .type = &rec_key_info };
        int r = fleet_begin(c);

        if (r != EXIT_OK)
                return r;
        if (o->command == CTL_DELETE) {
                const char *params[1] = { o->req.key_id };
                PGresult *res = NULL;

                r = fleet_query(c, "DELETE FROM apikey.keys WHERE id = $1", 1, params, &res);
                if (r == EXIT_OK) {
                        if (strcmp(sym_PQcmdTuples(res), "1") != 0)
                                r = no_such_key(o->req.key_id);
                        sym_PQclear(res);
                }
        } else if (lock_row(c, o->req.key_id, &row, &r)) {
                if (o->command == CTL_ENABLE)
                        r = refuse_enable(&row, row_key);
                if (r == EXIT_OK)
                        r = write_state(c, &row, row_key, o->command == CTL_DISABLE);
                sodium_memzero(&row, sizeof(row));
        }
        r = fleet_end(c, r);
        if (r == EXIT_OK)
                r = print_reply(o, &none, &reply);
        return r;
}

bool fleet_keys_command(enum ctl_command command)
{
        return command == CTL_LIST || command == CTL_SHOW || command == CTL_DISABLE || command == CTL_ENABLE ||
               command == CTL_DELETE || command == CTL_SID_LIST || command == CTL_SID_SHOW;
}

int fleet_keys_run(const struct ctl_options *o)
{
        uint8_t row_key[ROWMAC_LEN];
        PGconn *c = NULL;
        int r;

        if (sodium_init() < 0) {
                ctl_err("libsodium failed to initialise");
                return EXIT_FAILURE_OTHER;
        }
        if (o->key_file && (r = load_row_key(o->key_file, row_key)) != EXIT_OK)
                return r;
        r = fleet_connect(o->db, &c);
        if (r == EXIT_OK) {
                const uint8_t *key = o->key_file ? row_key : NULL;

                if (o->command == CTL_SID_LIST || o->command == CTL_SID_SHOW)
                        r = fleet_sids_run(c, o);
                else if (o->command == CTL_LIST || o->command == CTL_SHOW)
                        r = list_or_show(c, o, key);
                else
                        r = change(c, o, key);
                sym_PQfinish(c);
        }
        sodium_memzero(row_key, sizeof(row_key));
        return r;
}
