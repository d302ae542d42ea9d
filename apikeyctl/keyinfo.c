/* keyinfo.c - decode MSG_KEY_INFO and MSG_CTL_REPLY into plain structs, and
 * keep the list of keys a reply brought. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* A string field as a new heap copy: 0 (*ret NULL when absent) or -errno. */
static int get_str_dup(const struct wire_msg *m, uint8_t tag, char **ret)
{
        char buf[WIRE_MAX_MSG + 1];
        int r = wire_get_str(m, tag, buf, sizeof(buf));

        *ret = NULL;
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return -EBADMSG;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static int get_u64(const struct wire_msg *m, uint8_t tag, struct opt_u64 *ret)
{
        int r = wire_get_u64(m, tag, &ret->v);

        ret->set = r == 0;
        return r == 0 || r == -ENOENT ? 0 : -EBADMSG;
}

static int get_u32(const struct wire_msg *m, uint8_t tag, struct opt_u64 *ret)
{
        uint32_t v = 0;
        int r = wire_get_u32(m, tag, &v);

        ret->set = r == 0;
        ret->v = v;
        return r == 0 || r == -ENOENT ? 0 : -EBADMSG;
}

int key_info_decode(const struct wire_msg *m, struct key_info *ret)
{
        struct key_info k = { 0 };
        struct {
                uint8_t tag;
                char **out;
        } strs[] = {
                { TAG_KEY_ID, &k.id },
                { TAG_KIND, &k.kind },
                { TAG_IDENTITY, &k.identity },
                { TAG_OWNER_NAME, &k.owner },
                { TAG_NAME, &k.name },
                { TAG_DESCRIPTION, &k.description },
                { TAG_STATE, &k.state },
                { TAG_CREATED_BY, &k.created_by },
                { TAG_LAST_USED_FROM, &k.last_used_from },
                { TAG_LAST_USED_SERVICE, &k.last_used_service },
        };
        int r = 0;

        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && r == 0; i++)
                r = get_str_dup(m, strs[i].tag, strs[i].out);
        if (r == 0)
                r = get_u32(m, TAG_OWNER_UID, &k.owner_uid);
        if (r == 0)
                r = get_u64(m, TAG_CREATED_AT, &k.created_at);
        if (r == 0)
                r = get_u64(m, TAG_LAST_USED_AT, &k.last_used_at);
        if (r == 0)
                r = get_u64(m, TAG_USE_COUNT, &k.use_count);
        if (r == 0 && (!k.id || !k.identity || !k.state))
                r = -EBADMSG; /* wire_parse requires them; never trust that twice */
        if (r < 0) {
                key_info_free(&k);
                return r;
        }
        *ret = k;
        return 0;
}

void key_info_free(struct key_info *k)
{
        char **strs[] = { &k->id,    &k->kind,       &k->identity,       &k->owner,          &k->name,
                          &k->description, &k->state, &k->created_by, &k->last_used_from, &k->last_used_service };

        for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
                free(*strs[i]);
                *strs[i] = NULL;
        }
}

int key_list_add(struct key_list *l, struct key_info *k)
{
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                struct key_info *items = reallocarray(l->items, cap, sizeof(*items));

                if (!items)
                        return -ENOMEM;
                l->items = items;
                l->cap = cap;
        }
        l->items[l->n++] = *k;
        *k = (struct key_info){ 0 };
        return 0;
}

void key_list_free(struct key_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                key_info_free(&l->items[i]);
        free(l->items);
        *l = (struct key_list){ 0 };
}

static int get_str_opt(const struct wire_msg *m, uint8_t tag, char *out, size_t outsz, bool *ret_has)
{
        int r = wire_get_str(m, tag, out, outsz);

        *ret_has = r == 0;
        return r == 0 || r == -ENOENT ? 0 : -EBADMSG;
}

int reply_decode(const struct wire_msg *m, struct ctl_reply *ret)
{
        struct ctl_reply *r = ret;
        int e;

        *r = (struct ctl_reply){ 0 };
        e = wire_get_u32(m, TAG_STATUS, &r->status);
        if (e == 0)
                e = get_str_opt(m, TAG_MESSAGE, r->message, sizeof(r->message), &r->has_message);
        if (e == 0)
                e = get_str_opt(m, TAG_KEY_ID, r->key_id, sizeof(r->key_id), &r->has_key_id);
        if (e == 0)
                e = get_str_opt(m, TAG_KEY, r->key, sizeof(r->key), &r->has_key);
        if (e == 0)
                e = get_str_opt(m, TAG_VERSION, r->version, sizeof(r->version), &r->has_version);
        if (e == 0)
                e = get_str_opt(m, TAG_CALLER, r->caller, sizeof(r->caller), &r->has_caller);
        if (e == 0)
                e = get_u64(m, TAG_KEY_COUNT, &r->key_count);
        if (e == 0)
                e = get_u64(m, TAG_UPTIME, &r->uptime);
        if (e == 0)
                e = get_u32(m, TAG_IS_ADMIN, &r->is_admin);
        if (e < 0) {
                reply_wipe(r);
                return -EBADMSG;
        }
        return 0;
}

void reply_wipe(struct ctl_reply *r)
{
        explicit_bzero(r, sizeof(*r));
}
