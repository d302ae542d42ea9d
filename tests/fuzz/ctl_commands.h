/* ctl_commands.h - the apikeyctl command lines fuzz_ctl_reply.c answers: the
 * first byte of its input picks one (modulo the count). gen_corpus.c writes
 * seeds by these indexes. The key ID and the service ID are the ones the
 * seed replies describe. */
#ifndef APIKEY_FUZZ_CTL_COMMANDS_H
#define APIKEY_FUZZ_CTL_COMMANDS_H

#define CTL_FUZZ_ID "k3y1d0000042"
#define CTL_FUZZ_SID "backup"

enum {
        CMD_LIST, CMD_LIST_JSON, CMD_SHOW, CMD_SHOW_JSON, CMD_CREATE, CMD_CREATE_JSON, CMD_ROTATE,
        CMD_ROTATE_JSON, CMD_DISABLE, CMD_DELETE_JSON, CMD_STATUS, CMD_STATUS_JSON, CMD_AUDIT, CMD_AUDIT_JSON,
        CMD_VERIFY, CMD_VERIFY_JSON, CMD_SID_LIST, CMD_SID_LIST_JSON, CMD_SID_SHOW, CMD_SID_SHOW_JSON,
        CMD_SID_CREATE, CMD_SID_UPDATE_JSON, CMD_SID_DELETE, _CMD_FUZZ_MAX
};

static const char *const ctl_fuzz_commands[_CMD_FUZZ_MAX] = {
        [CMD_LIST] = "list --all",
        [CMD_LIST_JSON] = "list --json",
        [CMD_SHOW] = "show " CTL_FUZZ_ID,
        [CMD_SHOW_JSON] = "show --json " CTL_FUZZ_ID,
        [CMD_CREATE] = "create --name laptop",
        [CMD_CREATE_JSON] = "create --json",
        [CMD_ROTATE] = "rotate " CTL_FUZZ_ID,
        [CMD_ROTATE_JSON] = "rotate --json " CTL_FUZZ_ID,
        [CMD_DISABLE] = "disable " CTL_FUZZ_ID,
        [CMD_DELETE_JSON] = "delete --json " CTL_FUZZ_ID,
        [CMD_STATUS] = "status",
        [CMD_STATUS_JSON] = "status --json",
        [CMD_AUDIT] = "audit",
        [CMD_AUDIT_JSON] = "audit --json",
        [CMD_VERIFY] = "audit --verify",
        [CMD_VERIFY_JSON] = "audit --verify --json",
        [CMD_SID_LIST] = "service-id list",
        [CMD_SID_LIST_JSON] = "service-id list --json",
        [CMD_SID_SHOW] = "service-id show " CTL_FUZZ_SID,
        [CMD_SID_SHOW_JSON] = "service-id show --json " CTL_FUZZ_SID,
        [CMD_SID_CREATE] = "service-id create " CTL_FUZZ_SID,
        [CMD_SID_UPDATE_JSON] = "service-id update --json " CTL_FUZZ_SID " --description nightly",
        [CMD_SID_DELETE] = "service-id delete " CTL_FUZZ_SID,
};

#endif
