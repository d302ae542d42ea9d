/* fleet_sids.c - `apikeyctl --db URI service-id list|show`: a fleet admin
 * reads the fleet's service IDs from the admin's own seat, as the role the
 * URI names. Row-level security decides what that role sees (an admin:
 * every service ID; a host's role: those of its scopes), and the key count
 * is of the keys it sees. Printed by the daemon's reply printers, the record
 * being the one apikeyd's control_sid.c sends. Changing a service ID still
 * goes through a host's daemon: it checks the Unix account on that host. */
#include <string.h>

/* As in fleet_keys.c: store.h's struct audit_record is not records.h's. */
#define audit_record store_audit_record
#include "../apikeyd/store_pg_row.h"
#undef audit_record
#include "fleet.h"
#include "print.h"

#define U(x) ((struct opt_u64){ true, (uint64_t)(x) })

static char *text_at(const PGresult *res, int i, int col, bool *oom)
{
        char *s = strdup(sym_PQgetvalue(res, i, col));

        if (!s)
                *oom = true;
        return s;
}

static int add_info(struct rec_list *l, const PGresult *res, int i)
{
        struct sid_info info = { 0 };
        bool oom = false;

        info.name = text_at(res, i, 0, &oom);
        info.description = text_at(res, i, 1, &oom);
        info.unix_user = text_at(res, i, 2, &oom);
        /* -1: no Unix account, which the daemon leaves out too. */
        if (pg_get_int(res, i, 3) >= 0)
                info.unix_uid = U(pg_get_int(res, i, 3));
        info.locked = U(pg_get_int(res, i, 4));
        info.created_at = U(pg_get_int(res, i, 5));
        info.created_by = text_at(res, i, 6, &oom);
        info.key_count = U(pg_get_int(res, i, 7));
        if (oom || rec_list_add(l, &info) < 0) {
                rec_free(&rec_sid_info, &info);
                ctl_err("out of memory");
                return EXIT_FAILURE_OTHER;
        }
        return EXIT_OK;
}

int fleet_sids_run(PGconn *c, const struct ctl_options *o)
{
        const char *params[1] = { o->command == CTL_SID_SHOW ? o->req.service_id : NULL };
        struct rec_list records = { .type = &rec_sid_info };
        struct ctl_reply reply = { 0 };
        PGresult *res = NULL;
        int r = fleet_query(c,
                            "SELECT s.name, s.description, s.unix_user, s.unix_uid, s.locked, s.created_at,"
                            " s.created_by, (SELECT count(*) FROM apikey.keys k"
                            "  WHERE k.owner_type = 'service' AND k.owner_name = s.name)"
                            " FROM apikey.service_ids s WHERE $1::text IS NULL OR s.name = $1 ORDER BY s.name",
                            1, params, &res);

        if (r != EXIT_OK)
                return r;
        if (o->command == CTL_SID_SHOW && sym_PQntuples(res) == 0) {
                sym_PQclear(res);
                ctl_err("no service ID %s in the fleet that this database role may see (check the name with "
                        "'apikeyctl --db URI service-id list')",
                        check_shown(o->req.service_id));
                return EXIT_NOT_FOUND;
        }
        for (int i = 0; i < sym_PQntuples(res) && r == EXIT_OK; i++)
                r = add_info(&records, res, i);
        sym_PQclear(res);
        if (r == EXIT_OK)
                r = print_reply(o, &records, &reply);
        rec_list_free(&records);
        return r;
}
