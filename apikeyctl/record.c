/* record.c - decode a record by its field table, and keep a list of them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "records.h"

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

static int get_num(const struct wire_msg *m, const struct rec_field *f, struct opt_u64 *ret)
{
        uint32_t v32 = 0;
        int r;

        if (f->kind == REC_U32) {
                r = wire_get_u32(m, f->tag, &v32);
                ret->v = v32;
        } else {
                r = wire_get_u64(m, f->tag, &ret->v);
        }
        ret->set = r == 0;
        return r == 0 || r == -ENOENT ? 0 : -EBADMSG;
}

static int get_field(const struct wire_msg *m, const struct rec_field *f, unsigned char *rec)
{
        void *p = rec + f->offset;
        int r;

        if (f->kind == REC_STR) {
                r = get_str_dup(m, f->tag, p);
                if (r == 0 && f->required && !*(char **)p)
                        r = -EBADMSG;
        } else {
                r = get_num(m, f, p);
                if (r == 0 && f->required && !((struct opt_u64 *)p)->set)
                        r = -EBADMSG;
        }
        return r;
}

int rec_decode(const struct rec_type *t, const struct wire_msg *m, void *ret)
{
        int r = 0;

        memset(ret, 0, t->size);
        if (m->type != t->msg_type)
                return -EBADMSG;
        for (size_t i = 0; i < t->nfields && r == 0; i++)
                r = get_field(m, &t->fields[i], ret);
        if (r < 0)
                rec_free(t, ret);
        return r;
}

void rec_free(const struct rec_type *t, void *rec)
{
        for (size_t i = 0; i < t->nfields; i++)
                if (t->fields[i].kind == REC_STR) {
                        char **s = (char **)((unsigned char *)rec + t->fields[i].offset);
                        free(*s);
                        *s = NULL;
                }
}

int rec_list_add(struct rec_list *l, void *rec)
{
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                unsigned char *items = reallocarray(l->items, cap, l->type->size);

                if (!items)
                        return -ENOMEM;
                l->items = items;
                l->cap = cap;
        }
        memcpy(l->items + l->n++ * l->type->size, rec, l->type->size);
        memset(rec, 0, l->type->size);
        return 0;
}

void rec_list_free(struct rec_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                rec_free(l->type, l->items + i * l->type->size);
        free(l->items);
        l->items = NULL;
        l->n = l->cap = 0;
}
