/* commands.c - what each command is called on the command line, the
 * argument and options it takes and the records the daemon answers with. */
#include <string.h>

#include "ctl.h"

struct cmd_spec {
        const char *name;
        enum arg_kind arg;
        uint32_t options;
        uint8_t records; /* message type of the records before the reply */
};

#define CREATE_OPTS                                                                                            \
        (OPT(NAME) | OPT(DESCRIPTION) | OPT(EXPIRES) | OPT(SERVICE) | OPT(FROM) | OPT(MAX_USES) |              \
         OPT(LEAK_ACTION) | OPT(CLASSIC) | OPT(REPLACE) | OPT(SERVICE_ID))

static const struct cmd_spec cmd_specs[_CTL_MAX] = {
        [CTL_CREATE] = { "create", ARG_NONE, CREATE_OPTS, MSG_KEY_INFO },
        [CTL_LIST] = { "list", ARG_NONE, OPT(ALL) | OPT(USER) | OPT(SERVICE_ID) | OPT(INACTIVE) | OPT(LIMIT) | OPT(AFTER),
                        MSG_KEY_INFO },
        [CTL_SHOW] = { "show", ARG_KEY_ID, 0, MSG_KEY_INFO },
        [CTL_DISABLE] = { "disable", ARG_KEY_ID, 0, 0 },
        [CTL_ENABLE] = { "enable", ARG_KEY_ID, 0, 0 },
        [CTL_DELETE] = { "delete", ARG_KEY_ID, 0, 0 },
        [CTL_STATUS] = { "status", ARG_NONE, 0, MSG_BLOCKED },
        [CTL_LOCK] = { "lock", ARG_KEY_ID, 0, 0 },
        [CTL_UNLOCK] = { "unlock", ARG_KEY_ID, 0, 0 },
        [CTL_ROTATE] = { "rotate", ARG_KEY_ID, OPT(GRACE) | OPT(UNTIL_FIRST_USE), MSG_KEY_INFO },
        [CTL_SID_CREATE] = { CMD_SID_PREFIX "create", ARG_SID, OPT(UNIX_USER) | OPT(DESCRIPTION), MSG_SID_INFO },
        [CTL_SID_LIST] = { CMD_SID_PREFIX "list", ARG_NONE, 0, MSG_SID_INFO },
        [CTL_SID_SHOW] = { CMD_SID_PREFIX "show", ARG_SID, 0, MSG_SID_INFO },
        [CTL_SID_UPDATE] = { CMD_SID_PREFIX "update", ARG_SID, OPT(UNIX_USER) | OPT(DESCRIPTION), MSG_SID_INFO },
        [CTL_SID_DELETE] = { CMD_SID_PREFIX "delete", ARG_SID, OPT(FORCE), 0 },
        [CTL_SID_LOCK] = { CMD_SID_PREFIX "lock", ARG_SID, 0, 0 },
        [CTL_SID_UNLOCK] = { CMD_SID_PREFIX "unlock", ARG_SID, 0, 0 },
        [CTL_AUDIT] = { "audit", ARG_NONE, OPT(KEY) | OPT(IDENTITY) | OPT(SINCE) | OPT(VERIFY) | OPT(LIMIT) |
                                               OPT(AFTER), MSG_AUDIT_RECORD },
        [CTL_LEAK] = { "scan", ARG_FILES, OPT(DISABLE), 0 },
        [CTL_PURGE_USER] = { "purge-user", ARG_ACCOUNT, OPT(ORPHANED), 0 },
};

static const struct cmd_spec *spec(enum ctl_command c)
{
        return c > 0 && c < _CTL_MAX && cmd_specs[c].name ? &cmd_specs[c] : NULL;
}

const char *cmd_name(enum ctl_command c)
{
        return spec(c) ? spec(c)->name : NULL;
}

bool cmd_is_sid(enum ctl_command c)
{
        return spec(c) && strncmp(spec(c)->name, CMD_SID_PREFIX, strlen(CMD_SID_PREFIX)) == 0;
}

enum ctl_command cmd_lookup(const char *word, bool in_sid_group)
{
        size_t plen = strlen(CMD_SID_PREFIX);

        for (unsigned c = 1; c < _CTL_MAX; c++) {
                const char *name = cmd_name(c);

                if (!name || cmd_is_sid(c) != in_sid_group)
                        continue;
                if (strcmp(in_sid_group ? name + plen : name, word) == 0)
                        return (enum ctl_command)c;
        }
        return 0;
}

enum arg_kind cmd_arg(enum ctl_command c)
{
        return spec(c) ? spec(c)->arg : ARG_NONE;
}

uint32_t cmd_options(enum ctl_command c)
{
        return spec(c) ? spec(c)->options : 0;
}

uint8_t cmd_record_type(enum ctl_command c)
{
        return spec(c) ? spec(c)->records : 0;
}
