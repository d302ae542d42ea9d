/* text_table.c - an aligned table: a header line, then one line per record, each
 * column as wide as its widest cell, two spaces between columns, the last
 * one not padded. */
#include "print.h"

static void print_row(const char *const *cell, size_t ncol, const size_t *width)
{
        for (size_t c = 0; c < ncol; c++) {
                if (c == ncol - 1) {
                        text_put(stdout, cell[c]);
                        break;
                }
                text_put_padded(stdout, cell[c], width[c]);
                fputs("  ", stdout);
        }
        fputc('\n', stdout);
}

void table_print(const char *const *headers, size_t ncol, const struct rec_list *l, table_fill_fn *fill)
{
        size_t width[TABLE_MAX_COLS];
        struct table_row row;

        for (size_t c = 0; c < ncol; c++)
                width[c] = text_width(headers[c]);
        for (size_t i = 0; i < l->n; i++) {
                fill(rec_at(l, i), &row);
                for (size_t c = 0; c < ncol; c++) {
                        size_t w = text_width(row.cell[c]);
                        if (w > width[c])
                                width[c] = w;
                }
        }
        print_row(headers, ncol, width);
        for (size_t i = 0; i < l->n; i++) {
                fill(rec_at(l, i), &row);
                print_row(row.cell, ncol, width);
        }
}
