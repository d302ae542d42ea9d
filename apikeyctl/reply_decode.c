/* reply_decode.c - the MSG_CTL_REPLY: decode it into fixed buffers (it may carry a
 * new key, so nothing goes to the heap) and turn its status into an exit
 * code and a message. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ctl.h"

#define REPLY_STR(tag, buf, has) { tag, offsetof(struct ctl_reply, buf), \
        sizeof(((struct ctl_reply *)0)->buf), offsetof(struct ctl_reply, has) }

static const struct {
        uint8_t tag;
        size_t offset, size, has_offset;
} reply_strs[] = {
        REPLY_STR(TAG_MESSAGE, message, has_message),
        REPLY_STR(TAG_KEY_ID, key_id, has_key_id),
        REPLY_STR(TAG_KEY, key, has_key),
        REPLY_STR(TAG_VERSION, version, has_version),
        REPLY_STR(TAG_CALLER, caller, has_caller),
        REPLY_STR(TAG_STATE, state, has_state),
        REPLY_STR(TAG_RESULT, result, has_result),
        REPLY_STR(TAG_ROTATED_TO, rotated_to, has_rotated_to),
        REPLY_STR(TAG_POLICY, policy, has_policy),
        REPLY_STR(TAG_CURSOR, cursor, has_cursor),
};

static const struct {
        uint8_t tag;
        bool is_u32;
        size_t offset;
} reply_nums[] = {
        { TAG_KEY_COUNT, false, offsetof(struct ctl_reply, key_count) },
        { TAG_UPTIME, false, offsetof(struct ctl_reply, uptime) },
        { TAG_IS_ADMIN, true, offsetof(struct ctl_reply, is_admin) },
        { TAG_SEQ, false, offsetof(struct ctl_reply, seq) },
        { TAG_MAX_LIFETIME, false, offsetof(struct ctl_reply, max_lifetime) },
        { TAG_RL_BURST, true, offsetof(struct ctl_reply, rl_burst) },
        { TAG_RL_INTERVAL, false, offsetof(struct ctl_reply, rl_interval) },
};

static int get_num(const struct wire_msg *m, uint8_t tag, bool is_u32, struct opt_u64 *ret)
{
        uint32_t v32 = 0;
        int r = is_u32 ? wire_get_u32(m, tag, &v32) : wire_get_u64(m, tag, &ret->v);

        if (is_u32)
                ret->v = v32;
        ret->set = r == 0;
        return r == 0 || r == -ENOENT ? 0 : -EBADMSG;
}

int reply_decode(const struct wire_msg *m, struct ctl_reply *ret)
{
        unsigned char *base = (unsigned char *)ret;
        int e;

        *ret = (struct ctl_reply){ 0 };
        e = wire_get_u32(m, TAG_STATUS, &ret->status);
        for (size_t i = 0; i < sizeof(reply_strs) / sizeof(reply_strs[0]) && e == 0; i++) {
                e = wire_get_str(m, reply_strs[i].tag, (char *)base + reply_strs[i].offset, reply_strs[i].size);
                *(bool *)(base + reply_strs[i].has_offset) = e == 0;
                if (e == -ENOENT)
                        e = 0;
        }
        for (size_t i = 0; i < sizeof(reply_nums) / sizeof(reply_nums[0]) && e == 0; i++)
                e = get_num(m, reply_nums[i].tag, reply_nums[i].is_u32,
                            (struct opt_u64 *)(base + reply_nums[i].offset));
        if (e < 0) {
                reply_wipe(ret);
                return -EBADMSG;
        }
        return 0;
}

void reply_wipe(struct ctl_reply *r)
{
        explicit_bzero(r, sizeof(*r));
}

struct status_spec {
        int exit_code;
        const char *fallback; /* when the daemon sent no message */
};

static const struct status_spec status_specs[_STATUS_MAX] = {
        [STATUS_OK] = { EXIT_OK, NULL },
        [STATUS_INVALID] = { EXIT_FAILURE_OTHER,
                             "apikeyd refused the request as invalid (are apikeyctl and apikeyd the same version?)" },
        [STATUS_PERMISSION] = { EXIT_PERMISSION,
                                "permission denied: only the key's owner or an apikeyd admin may do this" },
        [STATUS_NOT_FOUND] = { EXIT_NOT_FOUND, "no such key (see 'apikeyctl list' for your key IDs)" },
        [STATUS_EXISTS] = { EXIT_CONFLICT, "the key already exists" },
        [STATUS_LIMIT] = { EXIT_CONFLICT,
                           "limit reached: delete keys you no longer use ('apikeyctl delete ID') and try again" },
        [STATUS_INTERNAL] = { EXIT_FAILURE_OTHER, "apikeyd failed internally (see: journalctl -u apikeyd)" },
        [STATUS_LOCKED] = { EXIT_CONFLICT, "it is locked: unlock it first" },
        [STATUS_ORPHANED] = { EXIT_CONFLICT, "the key's account was deleted: the key is dead for good "
                                             "(an admin removes it with 'apikeyctl purge-user')" },
};

/* A message that names what the request was about, when there is one. */
static bool specific_error(const struct ctl_options *o, uint32_t status)
{
        const struct ctl_request *q = &o->req;
        bool sid_cmd = cmd_arg(o->command) == ARG_SID;

        if (status == STATUS_NOT_FOUND && sid_cmd)
                ctl_err("no service ID named %s (see 'apikeyctl service-id list')", q->service_id);
        else if (status == STATUS_NOT_FOUND && q->key_id)
                ctl_err("no key with ID %s (see 'apikeyctl list' for your keys)", q->key_id);
        else if (status == STATUS_NOT_FOUND && q->service_id)
                ctl_err("no service ID named %s (see 'apikeyctl service-id list')", q->service_id);
        else if (status == STATUS_EXISTS && o->command == CTL_SID_CREATE)
                ctl_err("a service ID named %s already exists", q->service_id);
        else if (status == STATUS_EXISTS && (q->flags & CTL_FLAG_CLASSIC))
                ctl_err("you already have a classic key: add --replace to replace it");
        else if (status == STATUS_PERMISSION && o->command == CTL_LIST && (q->flags & CTL_FLAG_ALL))
                ctl_err("permission denied: only apikeyd admins may list every key (without --all: your own)");
        else if (status == STATUS_LOCKED && q->key_id)
                ctl_err("key %s is locked: unlock it first ('apikeyctl unlock %s')", q->key_id, q->key_id);
        else if (status == STATUS_LOCKED && q->service_id)
                ctl_err("service ID %s is locked: unlock it first ('apikeyctl service-id unlock %s')",
                        q->service_id, q->service_id);
        else if (status == STATUS_PERMISSION && cmd_is_sid(o->command))
                ctl_err("permission denied: only apikeyd admins may manage service IDs");
        else
                return false;
        return true;
}

int reply_check_status(const struct ctl_options *o, const struct ctl_reply *r)
{
        const struct status_spec *s;

        if (r->status >= _STATUS_MAX || (r->status != STATUS_OK && !status_specs[r->status].fallback))
                return ctl_protocol_error("unknown status in reply");
        s = &status_specs[r->status];
        if (s->exit_code == EXIT_OK)
                return EXIT_OK;
        if (r->has_message)
                ctl_err_text(r->message);
        else if (!specific_error(o, r->status))
                ctl_err("%s", s->fallback);
        return s->exit_code;
}

bool policy_next(const char **p, struct policy_item *ret)
{
        const char *s = *p + strspn(*p, " "), *end = s + strcspn(s, " "), *eq = memchr(s, '=', (size_t)(end - s));

        if (s == end)
                return false;
        *p = end;
        if (!eq || eq == s || (size_t)(eq - s) >= sizeof(ret->name)) {
                snprintf(ret->name, sizeof(ret->name), "?");
                snprintf(ret->value, sizeof(ret->value), "%.*s", (int)(end - s), s);
                return true;
        }
        snprintf(ret->name, sizeof(ret->name), "%.*s", (int)(eq - s), s);
        snprintf(ret->value, sizeof(ret->value), "%.*s", (int)(end - eq - 1), eq + 1);
        return true;
}
