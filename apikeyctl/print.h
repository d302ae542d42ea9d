/* print.h - printing a successful reply. print_reply.c checks the reply
 * and picks the printer: text_*.c for people (aligned tables with local
 * times, "Field: value" lines, one line for the rest; missing values as "-")
 * or json_*.c for scripts (absent values null), one file per subject: keys,
 * service IDs, the audit log, status. Strings from the daemon go through
 * text_put() (text_safe.c) or json_str() (json_values.c). */
#ifndef APIKEYCTL_PRINT_H
#define APIKEYCTL_PRINT_H

#include "records.h"

/* print_reply.c: what a successful reply must hold, and printing it. Return
 * exit codes. */
int print_reply_check(const struct ctl_options *o, const struct rec_list *records, const struct ctl_reply *r);
int print_reply(const struct ctl_options *o, const struct rec_list *records, const struct ctl_reply *r);

/* text_values.c: values as table cells and field values. */
const char *or_dash(const char *s);
void fmt_time(const struct opt_u64 *t, char *buf, size_t sz);          /* local date or "-" */
void fmt_time_or(const struct opt_u64 *t, const char *zero, char *buf, size_t sz); /* 0: zero */
void fmt_count(const struct opt_u64 *n, char *buf, size_t sz);
const char *fmt_yes_no(const struct opt_u64 *b);                         /* "yes", "no", "-" */
void text_field(const char *label, const char *value);                   /* "Label: value\n" */

/* text_table.c: an aligned table; fill is called twice per record. */
#define TABLE_MAX_COLS 10
#define TABLE_CELL_MAX 72
struct table_row {
        const char *cell[TABLE_MAX_COLS];
        char buf[TABLE_MAX_COLS][TABLE_CELL_MAX];
};
typedef void table_fill_fn(const void *rec, struct table_row *row);
void table_print(const char *const *headers, size_t ncol, const struct rec_list *l, table_fill_fn *fill);

/* json_values.c: JSON values on stdout. */
void json_str(const char *s);       /* NULL or "": null */
void json_csv_array(const char *s); /* "a,b" as ["a", "b"]; "": []; NULL: null */
void json_u64(const struct opt_u64 *n);
void json_time(const struct opt_u64 *t, bool zero_is_null);
void json_bool(const struct opt_u64 *b);
void json_member(const char *name); /* ", \"name\": " */
void json_array(const struct rec_list *l, void (*object)(const void *rec));
void json_page_begin(void);
void json_page_end(const char *next); /* NULL: the last page */

/* text_keys.c and json_keys.c: keys, new keys, and the result of a change. */
void text_key_list(const struct rec_list *l);
void text_key_show(const struct key_info *k);
void text_created(const struct ctl_reply *r);
void text_result(const char *what, const char *id, const char *result); /* "disabled ID" */
void json_key_list(const struct rec_list *l);
void json_key_show(const struct key_info *k);
void json_created(const struct ctl_reply *r, const struct key_info *k, const char *replaces);
void json_result(const char *member, const char *id, const char *result);

/* text_status.c and json_status.c: the daemon's status and policy. */
void text_status(const struct ctl_reply *r, const struct rec_list *blocked);
void json_status(const struct ctl_reply *r, const struct rec_list *blocked);

/* text_sids.c and json_sids.c: service IDs. */
void text_sid_list(const struct rec_list *l);
void text_sid_show(const struct sid_info *s);
void json_sid_list(const struct rec_list *l);
void json_sid_show(const struct sid_info *s);

/* text_audit.c and json_audit.c: the audit log. */
void text_audit_list(const struct rec_list *l);
void text_audit_verify(const struct ctl_reply *r, const struct rec_list *breaks);
void json_audit_list(const struct rec_list *l);
void json_audit_verify(const struct ctl_reply *r, const struct rec_list *breaks);

#endif
