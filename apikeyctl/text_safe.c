/* text_safe.c - print the daemon's strings on a terminal safely.
 *
 * Names and descriptions are chosen by users, and an admin's `list --all`
 * shows everyone's. The wire already refuses C0 controls; here valid UTF-8
 * passes, and invalid bytes, C1 controls (U+0080..U+009F: some terminals take
 * U+009B as CSI), bidirectional controls (overrides, embeddings and isolates
 * reorder the rest of the line; the marks U+200E, U+200F and U+061C flip
 * neutral characters next to them) and line separators become '?'. */
#include <string.h>
#include <wchar.h>

#include "ctl.h"

int text_utf8_next(const unsigned char *s, size_t len, uint32_t *ret_cp)
{
        uint32_t cp, min;
        int n;

        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        }
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f, min = 0x80;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f, min = 0x800;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07, min = 0x10000;
        else
                return -1;
        if (len < (size_t)n)
                return -1;
        for (int i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return -1;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return -1;
        *ret_cp = cp;
        return n;
}

bool text_printable(uint32_t cp)
{
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
                return false;
        if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029)
                return false;
        if (cp == 0x200e || cp == 0x200f || cp == 0x061c) /* LRM, RLM, ALM */
                return false;
        return true;
}

/* Walks s; calls put for every safe sequence (or "?"); returns the width. */
static size_t walk(const char *s, FILE *f)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t len = strlen(s), width = 0;

        while (len > 0) {
                uint32_t cp = 0;
                int n = text_utf8_next(p, len, &cp);
                bool ok = n > 0 && text_printable(cp);
                int w = ok ? wcwidth((wchar_t)cp) : 1;

                if (n < 0)
                        n = 1;
                if (!ok || w < 0)
                        w = 1; /* a locale without UTF-8 does not know it: guess one column */
                if (f) {
                        if (ok)
                                fwrite(p, 1, (size_t)n, f);
                        else
                                fputc('?', f);
                }
                width += (size_t)w;
                p += n;
                len -= (size_t)n;
        }
        return width;
}

size_t text_width(const char *s)
{
        return walk(s, NULL);
}

void text_put(FILE *f, const char *s)
{
        walk(s, f);
}

void text_put_padded(FILE *f, const char *s, size_t width)
{
        for (size_t w = walk(s, f); w < width; w++)
                fputc(' ', f);
}
