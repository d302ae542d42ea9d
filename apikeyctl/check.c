/* check.c - checks of arguments and option values, each with the message
 * that tells the user what is wrong. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "restrict.h"

/* The user's argument, quoted, for an error message; not shown when it may
 * be a key or could mess up the terminal. */
const char *check_shown(const char *arg)
{
        static char buf[48];
        size_t len = strlen(arg);
        bool safe = len <= 40 && !strstr(arg, KEY_PREFIX);

        for (size_t i = 0; i < len && safe; i++)
                safe = (unsigned char)arg[i] >= 0x20 && (unsigned char)arg[i] < 0x7f;
        if (!safe)
                return "(not shown: it may hold a key)";
        snprintf(buf, sizeof(buf), "'%s'", arg);
        return buf;
}

int check_key_id(const char *id)
{
        struct key_parts parts;

        if (key_id_valid(id))
                return -1;
        if (key_parse(id, &parts) == 0) {
                explicit_bzero(parts.secret, sizeof(parts.secret));
                ctl_err("that is a whole API key, not a key ID: pass only its ID, %s "
                        "(and keep keys off command lines: they end up in shell history)", parts.id);
                return EXIT_USAGE;
        }
        ctl_err("%s is not a key ID: an ID is %d characters of a-z and 0-9, as 'apikeyctl list' shows",
                check_shown(id), KEY_ID_LEN);
        return EXIT_USAGE;
}

/* [a-z0-9][a-z0-9._-]{0,63} */
int check_sid_name(const char *what, const char *name)
{
        if (service_id_name_valid(name))
                return -1;
        ctl_err("%s%s%s is not a service ID name: 1 to %d characters of a-z, 0-9, '.', '_' and '-', "
                "starting with a letter or digit", what ? what : "", what ? " " : "", check_shown(name),
                PROTO_SID_NAME_MAX);
        return EXIT_USAGE;
}

int check_text(const char *what, const char *s, size_t max, bool may_be_empty)
{
        size_t len = strlen(s);

        if (len == 0 && !may_be_empty) {
                ctl_err("%s must not be empty", what);
                return EXIT_USAGE;
        }
        if (len > max) {
                ctl_err("%s is too long: %zu bytes, at most %zu are allowed", what, len, max);
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
                        ctl_err("%s must not contain control characters (newline, tab, escape...)", what);
                        return EXIT_USAGE;
                }
        return -1;
}
