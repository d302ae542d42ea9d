/* json.c - what apikeyctl --json prints. Absent fields are null; timestamps
 * are ISO-8601 UTC strings (last_used_at 0, "never", is null); numbers are
 * numbers. Strings escape '"', '\\', controls (C0, DEL, C1) and bidi
 * overrides as \uXXXX; other valid UTF-8 passes through and an invalid byte
 * becomes U+FFFD, so the output is always JSON and safe on a terminal. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static void json_str(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t len;

        if (!s) {
                fputs("null", stdout);
                return;
        }
        len = strlen(s);
        fputc('"', stdout);
        while (len > 0) {
                uint32_t cp;
                int n = text_utf8_next(p, len, &cp);

                if (n < 0) {
                        fputs("\\ufffd", stdout);
                        n = 1;
                } else if (*p == '"' || *p == '\\') {
                        fputc('\\', stdout);
                        fputc(*p, stdout);
                } else if (!text_printable(cp)) {
                        printf("\\u%04x", (unsigned)cp); /* all below U+FFFF */
                } else {
                        fwrite(p, 1, (size_t)n, stdout);
                }
                p += n;
                len -= (size_t)n;
        }
        fputc('"', stdout);
}

static void json_u64(const struct opt_u64 *n)
{
        if (n->set)
                printf("%" PRIu64, n->v);
        else
                fputs("null", stdout);
}

static void json_time(const struct opt_u64 *t, bool zero_is_null)
{
        char buf[32];

        if (t->set && !(zero_is_null && t->v == 0) && timefmt_utc_iso(t->v, buf, sizeof(buf)))
                json_str(buf);
        else
                fputs("null", stdout);
}

static void member(const char *name)
{
        printf(", \"%s\": ", name);
}

/* {"id": ..., ["key": ...,] "kind": ... } */
static void key_object(const struct key_info *k, const char *key)
{
        fputs("{\"id\": ", stdout);
        json_str(k->id);
        if (key) {
                member("key");
                json_str(key);
        }
        member("kind");
        json_str(k->kind);
        member("identity");
        json_str(k->identity);
        member("owner_uid");
        json_u64(&k->owner_uid);
        member("owner");
        json_str(k->owner);
        member("name");
        json_str(k->name);
        member("description");
        json_str(k->description);
        member("state");
        json_str(k->state);
        member("created_at");
        json_time(&k->created_at, false);
        member("created_by");
        json_str(k->created_by);
        member("last_used_at");
        json_time(&k->last_used_at, true);
        member("last_used_from");
        json_str(k->last_used_from);
        member("last_used_service");
        json_str(k->last_used_service);
        member("use_count");
        json_u64(&k->use_count);
        fputc('}', stdout);
}

void json_list(const struct key_list *l)
{
        if (l->n == 0) {
                fputs("[]\n", stdout);
                return;
        }
        fputs("[\n", stdout);
        for (size_t i = 0; i < l->n; i++) {
                fputs("  ", stdout);
                key_object(&l->items[i], NULL);
                fputs(i + 1 < l->n ? ",\n" : "\n", stdout);
        }
        fputs("]\n", stdout);
}

void json_show(const struct key_info *k)
{
        key_object(k, NULL);
        fputc('\n', stdout);
}

void json_created(const struct ctl_reply *r, const struct key_info *k)
{
        struct key_info only_id = { .id = (char *)r->key_id };

        key_object(k ? k : &only_id, r->key);
        fputc('\n', stdout);
}

void json_result(const char *id, const char *result)
{
        fputs("{\"id\": ", stdout);
        json_str(id);
        fputs(", \"result\": ", stdout);
        json_str(result);
        fputs("}\n", stdout);
}

void json_status(const struct ctl_reply *r)
{
        fputs("{\"version\": ", stdout);
        json_str(r->has_version ? r->version : NULL);
        member("uptime");
        json_u64(&r->uptime);
        member("keys");
        json_u64(&r->key_count);
        member("caller");
        json_str(r->has_caller ? r->caller : NULL);
        member("admin");
        fputs(!r->is_admin.set ? "null" : r->is_admin.v ? "true" : "false", stdout);
        fputs("}\n", stdout);
}
