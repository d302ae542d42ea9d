/* gen_corpus.c - writes the seed corpus of every harness into DIR/<name>/
 * (tests/fuzz/corpus by default): real messages made with the project's own
 * builders, valid keys made with key_format(), typical command lines,
 * durations, times and CIDRs. A few valid inputs each: the fuzzers find the
 * rest. Run it again after a protocol change:
 *     make -f tests/fuzz/fuzz.mk corpus */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl_commands.h"
#include "key.h"
#include "proto.h"
#include "wire.h"

#define ID CTL_FUZZ_ID /* fuzz_reply.c sends this key ID too */
#define NEW_ID "n3wk3y000001"
#define SECRET "0123456789ABCDEFGHIJabcdefghij0123456789wxyz"

static const char *top;

static void put_file(const char *harness, const char *name, const void *data, size_t len)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", top, harness);
        if (mkdir(path, 0755) < 0 && errno != EEXIST) {
                perror(path);
                exit(1);
        }
        snprintf(path, sizeof(path), "%s/%s/%s", top, harness, name);
        f = fopen(path, "wb");
        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
                perror(path);
                exit(1);
        }
}

/* A message for a harness; the builders check it as wire_finish() does. */
static void put_msg(const char *harness, const char *name, struct wire_buf *b)
{
        if (wire_finish(b) < 0) {
                fprintf(stderr, "gen_corpus: %s/%s does not build\n", harness, name);
                exit(1);
        }
        put_file(harness, name, b->data, b->len);
}

/* Text seeds; '\0' inside separates argv words. */
static void put_text(const char *harness, const char *name, const char *s, size_t len)
{
        put_file(harness, name, s, len);
}
#define PUT_TEXT(h, n, lit) put_text(h, n, lit, sizeof(lit) - 1)

static void requests(const char *key)
{
        struct wire_buf b;

        wire_init(&b, MSG_AUTH_REQUEST);
        wire_put_str(&b, TAG_USER, "alice");
        wire_put_str(&b, TAG_SERVICE, "sshd");
        wire_put_str(&b, TAG_RHOST, "192.0.2.7");
        wire_put_str(&b, TAG_TTY, "ssh");
        wire_put_str(&b, TAG_KEY, key);
        put_msg("request", "auth_request", &b);

        wire_init(&b, MSG_AUTH_REQUEST);
        wire_put_str(&b, TAG_USER, "root");
        wire_put_str(&b, TAG_KEY, "not a key");
        put_msg("request", "auth_request_minimal", &b);

        wire_init(&b, MSG_LEAK_REPORT);
        wire_put_str(&b, TAG_KEY, key);
        wire_put_str(&b, TAG_SERVICE, "login");
        wire_put_str(&b, TAG_TTY, "tty1");
        put_msg("request", "leak_report", &b);

        wire_init(&b, MSG_CTL_REQUEST);
        wire_put_u32(&b, TAG_COMMAND, CTL_CREATE);
        wire_put_str(&b, TAG_NAME, "laptop");
        wire_put_str(&b, TAG_DESCRIPTION, "my laptop");
        wire_put_u64(&b, TAG_EXPIRES_AT, UINT64_C(1800000000));
        wire_put_str(&b, TAG_SERVICES, "sshd,sudo");
        wire_put_str(&b, TAG_SOURCES, "192.0.2.0/24,2001:db8::/32");
        wire_put_u64(&b, TAG_MAX_USES, 10);
        wire_put_str(&b, TAG_LEAK_ACTION, "disable");
        wire_put_u32(&b, TAG_FLAGS, CTL_FLAG_CLASSIC | CTL_FLAG_REPLACE);
        put_msg("request", "ctl_create", &b);

        wire_init(&b, MSG_CTL_REQUEST);
        wire_put_u32(&b, TAG_COMMAND, CTL_LIST);
        wire_put_u32(&b, TAG_FLAGS, CTL_FLAG_ALL);
        wire_put_str(&b, TAG_FILTER_USER, "bob");
        wire_put_u64(&b, TAG_INACTIVE, 90 * 86400);
        put_msg("request", "ctl_list", &b);

        wire_init(&b, MSG_CTL_REQUEST);
        wire_put_u32(&b, TAG_COMMAND, CTL_ROTATE);
        wire_put_str(&b, TAG_KEY_ID, ID);
        wire_put_u64(&b, TAG_GRACE, 3600);
        put_msg("request", "ctl_rotate", &b);

        wire_init(&b, MSG_CTL_REQUEST);
        wire_put_u32(&b, TAG_COMMAND, CTL_LEAK);
        wire_put_str(&b, TAG_KEY, key);
        wire_put_u32(&b, TAG_FLAGS, CTL_FLAG_APPLY);
        put_msg("request", "ctl_leak", &b);

        wire_init(&b, MSG_CTL_REQUEST);
        wire_put_u32(&b, TAG_COMMAND, CTL_SID_UPDATE);
        wire_put_str(&b, TAG_SERVICE_ID, "backup");
        wire_put_str(&b, TAG_UNIX_USER, "");
        wire_put_str(&b, TAG_IDENTITY, "service:backup");
        wire_put_u64(&b, TAG_SINCE, 0);
        put_msg("request", "ctl_sid_update", &b);

        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        wire_put_str(&b, TAG_MESSAGE, "created");
        wire_put_str(&b, TAG_KEY_ID, ID);
        wire_put_str(&b, TAG_KEY, key);
        wire_put_str(&b, TAG_VERSION, "0.1.0");
        wire_put_u64(&b, TAG_KEY_COUNT, 3);
        wire_put_u64(&b, TAG_UPTIME, 42);
        wire_put_str(&b, TAG_CALLER, "alice");
        wire_put_u32(&b, TAG_IS_ADMIN, 1);
        wire_put_u32(&b, TAG_RL_BURST, 10);
        wire_put_u64(&b, TAG_RL_INTERVAL, 60);
        put_msg("request", "ctl_reply", &b);

        wire_init(&b, MSG_KEY_INFO);
        wire_put_str(&b, TAG_KEY_ID, ID);
        wire_put_str(&b, TAG_KIND, "user");
        wire_put_str(&b, TAG_IDENTITY, "user:alice");
        wire_put_u32(&b, TAG_OWNER_UID, 1000);
        wire_put_str(&b, TAG_OWNER_NAME, "alice");
        wire_put_str(&b, TAG_STATE, "active");
        wire_put_u64(&b, TAG_CREATED_AT, UINT64_C(1790000000));
        wire_put_str(&b, TAG_LAST_USED_FROM, "2001:db8::1");
        wire_put_u64(&b, TAG_USE_COUNT, 7);
        wire_put_str(&b, TAG_SOURCES, "10.0.0.0/8");
        wire_put_str(&b, TAG_ROTATED_TO, "zzzzzzzzzzzz");
        put_msg("request", "key_info", &b);

        wire_init(&b, MSG_SID_INFO);
        wire_put_str(&b, TAG_SERVICE_ID, "backup");
        wire_put_str(&b, TAG_UNIX_USER, "backup");
        wire_put_u32(&b, TAG_UNIX_UID, 34);
        wire_put_u32(&b, TAG_LOCKED, 0);
        put_msg("request", "sid_info", &b);

        wire_init(&b, MSG_AUDIT_RECORD);
        wire_put_u64(&b, TAG_SEQ, 1);
        wire_put_u64(&b, TAG_TIME, UINT64_C(1790000000));
        wire_put_str(&b, TAG_EVENT, "auth");
        wire_put_str(&b, TAG_RESULT, "ok");
        wire_put_str(&b, TAG_KEY_ID, ID);
        wire_put_u32(&b, TAG_PEER_UID, 0);
        wire_put_str(&b, TAG_PREV_HASH, "00000000000000000000000000000000");
        put_msg("request", "audit_record", &b);

        wire_init(&b, MSG_BLOCKED);
        wire_put_str(&b, TAG_EVENT, "source");
        wire_put_str(&b, TAG_DETAIL, "192.0.2.7");
        wire_put_u64(&b, TAG_USE_COUNT, 11);
        put_msg("request", "blocked", &b);
}

static void replies(void)
{
        static const struct {
                const char *name;
                uint32_t verdict;
                const char *key_id, *identity;
        } r[] = {
                { "ok", VERDICT_OK, ID, "user:alice" },
                { "ok_service", VERDICT_OK, ID, "service:backup" },
                { "ok_bare", VERDICT_OK, NULL, NULL },
                { "ok_other_id", VERDICT_OK, "aaaaaaaaaaaa", "user:alice" },
                { "bad_secret", VERDICT_BAD_SECRET, ID, NULL },
                { "rate_limited", VERDICT_RATE_LIMITED, NULL, NULL },
                { "internal", VERDICT_INTERNAL, NULL, NULL },
                { "unknown_verdict", 99, ID, "user:alice" },
        };
        struct wire_buf b;

        for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
                wire_init(&b, MSG_AUTH_REPLY);
                wire_put_u32(&b, TAG_VERDICT, r[i].verdict);
                wire_put_str(&b, TAG_KEY_ID, r[i].key_id);
                wire_put_str(&b, TAG_IDENTITY, r[i].identity);
                put_msg("reply", r[i].name, &b);
        }
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_OK);
        put_msg("reply", "wrong_type", &b);
        wire_init(&b, MSG_AUTH_REPLY);
        wire_put_u32(&b, TAG_VERDICT, VERDICT_OK);
        b.data[0] = WIRE_VERSION + 1;
        put_file("reply", "other_version", b.data, b.len);
}

static void keys(const char *key)
{
        char typo[KEY_LEN + 1];

        put_file("key", "valid", key, strlen(key));
        memcpy(typo, key, sizeof(typo));
        typo[20] = typo[20] == 'A' ? 'B' : 'A';
        put_file("key", "typo", typo, strlen(typo));
        put_file("key", "id", ID, strlen(ID));
        put_file("key", "id_secret", ID "_" SECRET, strlen(ID "_" SECRET));
        PUT_TEXT("key", "password", "correct horse battery staple");
}

static void module_args(void)
{
        PUT_TEXT("module_args", "defaults", "socket=/run/apikeyd/auth.sock timeout=5");
        PUT_TEXT("module_args", "debug", "debug use_first_pass nodelay");
        PUT_TEXT("module_args", "try_first_pass", "try_first_pass timeout=60 socket=/tmp/ak/run/auth.sock");
        PUT_TEXT("module_args", "relative_socket", "socket=run/auth.sock");
        PUT_TEXT("module_args", "bad_timeout", "timeout=0");
        PUT_TEXT("module_args", "both_passes", "use_first_pass try_first_pass");
        PUT_TEXT("module_args", "unknown", "debug bogus=1");
}

static void cli_args(void)
{
        PUT_TEXT("cli_args", "create", "create\0--name\0laptop\0--description\0my laptop\0--expires\090d\0"
                                       "--service\0sshd\0--service=sudo\0--from\000192.0.2.0/24\0--max-uses\0005\0"
                                       "--leak-action\0disable");
        PUT_TEXT("cli_args", "create_classic", "--json\0create\0--classic\0--replace");
        PUT_TEXT("cli_args", "create_sid", "create\0--service-id\0backup\0--expires=2027-01-31T12:00:00Z");
        PUT_TEXT("cli_args", "list", "list\0--all\0--json\0--inactive\0002w\0--user\0bob");
        PUT_TEXT("cli_args", "show", "--socket\0/tmp/ak/control.sock\0show\0" ID);
        PUT_TEXT("cli_args", "rotate", "rotate\0" ID "\0--grace\0001h");
        PUT_TEXT("cli_args", "rotate_first_use", "rotate\0--until-first-use\0--\0" ID);
        PUT_TEXT("cli_args", "sid_create", "service-id\0create\0backup\0--unix-user\0backup\0--description\0nightly");
        PUT_TEXT("cli_args", "sid_update", "service-id\0update\0backup\0--unix-user=");
        PUT_TEXT("cli_args", "sid_delete", "service-id\0delete\0backup\0--force");
        PUT_TEXT("cli_args", "audit", "audit\0--since\0002027-01-31 12:00\0--identity\0user:alice\0--key\0" ID);
        PUT_TEXT("cli_args", "audit_verify", "audit\0--verify");
        PUT_TEXT("cli_args", "scan", "scan\0--disable\0notes.txt\0-");
        PUT_TEXT("cli_args", "help", "help\0service-id\0list");
        PUT_TEXT("cli_args", "version", "--version");
        PUT_TEXT("cli_args", "status", "status\0--help");
        PUT_TEXT("cli_args", "fleet_add_host", "fleet\0--db\0postgresql:///fleet?host=/run/postgresql\0add-host\0"
                                               "web1\0--group\0prod\0--group=web\0--role\0apikeyd_web1");
        PUT_TEXT("cli_args", "fleet_import", "--json\0fleet\0import\0--from\0/var/lib/apikeyd/keys.db\0--host\0web1\0"
                                             "--db=postgres://db/fleet");
        PUT_TEXT("cli_args", "fleet_init", "fleet\0--db\0postgresql://db/fleet\0init\0--key-file\0fleet.key");
}

static void durations_cidrs(void)
{
        static const char *const seeds[][2] = {
                { "seconds", "30s" },
                { "weeks", "2w" },
                { "date", "2027-01-31" },
                { "datetime", "2027-01-31T12:00" },
                { "datetime_z", "2027-01-31 12:00:00Z" },
                { "datetime_offset", "2027-01-31T12:00:00+02:00" },
                { "datetime_offset_short", "2027-01-31T12:00-0530" },
                { "cidr4", "192.0.2.0/24\n192.0.2.7" },
                { "cidr6", "2001:db8::/32\n2001:db8::1" },
                { "cidr_list", "10.0.0.0/8,192.0.2.0/24,2001:db8::/32\n::ffff:10.1.2.3" },
                { "host", "0.0.0.0/0\nhost.example" },
                { "services", "sshd,sudo,login\nsudo" },
                { "service_id", "backup.svc-1" },
        };

        for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
                put_text("duration_cidr", seeds[i][0], seeds[i][1], strlen(seeds[i][1]));
}

/* fuzz_ctl_reply: a command (ctl_commands.h), then the daemon's messages,
 * each framed as a big-endian u16 length and the bytes. */
struct answer {
        uint8_t data[8 * WIRE_MAX_MSG];
        size_t len;
};

static void answer_start(struct answer *a, unsigned command)
{
        a->data[0] = (uint8_t)command;
        a->len = 1;
}

static void answer_add(struct answer *a, struct wire_buf *b)
{
        if (wire_finish(b) < 0 || a->len + 2 + b->len > sizeof(a->data)) {
                fprintf(stderr, "gen_corpus: a ctl_reply message does not build\n");
                exit(1);
        }
        a->data[a->len++] = (uint8_t)(b->len >> 8);
        a->data[a->len++] = (uint8_t)b->len;
        memcpy(a->data + a->len, b->data, b->len);
        a->len += b->len;
}

static void key_info(struct wire_buf *b, const char *id, const char *name)
{
        wire_init(b, MSG_KEY_INFO);
        wire_put_str(b, TAG_KEY_ID, id);
        wire_put_str(b, TAG_KIND, "user");
        wire_put_str(b, TAG_IDENTITY, "user:alice");
        wire_put_u32(b, TAG_OWNER_UID, 1000);
        wire_put_str(b, TAG_OWNER_NAME, "alice");
        wire_put_str(b, TAG_NAME, name);
        wire_put_str(b, TAG_DESCRIPTION, "Zo\xc3\xab\xe2\x80\x99s \xe6\x97\xa5\xe6\x9c\xac laptop");
        wire_put_str(b, TAG_STATE, "active");
        wire_put_u64(b, TAG_CREATED_AT, UINT64_C(1790000000));
        wire_put_str(b, TAG_CREATED_BY, "alice");
        wire_put_u64(b, TAG_LAST_USED_AT, UINT64_C(1790003600));
        wire_put_str(b, TAG_LAST_USED_FROM, "2001:db8::1");
        wire_put_str(b, TAG_LAST_USED_SERVICE, "sshd");
        wire_put_u64(b, TAG_USE_COUNT, 7);
        wire_put_u64(b, TAG_EXPIRES_AT, UINT64_C(1800000000));
        wire_put_u32(b, TAG_LOCKED, 1);
        wire_put_str(b, TAG_SERVICES, "sshd,sudo");
        wire_put_str(b, TAG_SOURCES, "");
        wire_put_u64(b, TAG_MAX_USES, 0);
        wire_put_str(b, TAG_LEAK_ACTION, "disable");
}

static void sid_info(struct wire_buf *b, const char *name)
{
        wire_init(b, MSG_SID_INFO);
        wire_put_str(b, TAG_SERVICE_ID, name);
        wire_put_str(b, TAG_DESCRIPTION, "nightly backup");
        wire_put_str(b, TAG_UNIX_USER, "backup");
        wire_put_u32(b, TAG_UNIX_UID, 34);
        wire_put_u32(b, TAG_LOCKED, 0);
        wire_put_u64(b, TAG_CREATED_AT, UINT64_C(1790000000));
        wire_put_str(b, TAG_CREATED_BY, "root");
        wire_put_u64(b, TAG_KEY_COUNT, 2);
}

static void audit_record(struct wire_buf *b, uint64_t seq, const char *result)
{
        wire_init(b, MSG_AUDIT_RECORD);
        wire_put_u64(b, TAG_SEQ, seq);
        wire_put_u64(b, TAG_TIME, UINT64_C(1790000000) + seq);
        wire_put_str(b, TAG_EVENT, "auth");
        wire_put_str(b, TAG_RESULT, result);
        wire_put_str(b, TAG_KEY_ID, ID);
        wire_put_str(b, TAG_IDENTITY, "user:alice");
        wire_put_str(b, TAG_USER, "alice");
        wire_put_str(b, TAG_SERVICE, "sshd");
        wire_put_str(b, TAG_RHOST, "192.0.2.7");
        wire_put_str(b, TAG_TTY, "ssh");
        wire_put_u32(b, TAG_PEER_UID, 0);
        wire_put_u32(b, TAG_PEER_PID, 4242);
        wire_put_str(b, TAG_CALLER, "root");
        wire_put_str(b, TAG_ACTION, "create");
        wire_put_str(b, TAG_DETAIL, "\xe2\x80\xae" "evil");
}

static void reply_ok(struct wire_buf *b)
{
        wire_init(b, MSG_CTL_REPLY);
        wire_put_u32(b, TAG_STATUS, STATUS_OK);
}

static void reply_key(struct wire_buf *b, const char *id)
{
        char key[KEY_LEN + 1];

        if (key_format(id, SECRET, key, sizeof(key)) < 0)
                exit(1);
        reply_ok(b);
        wire_put_str(b, TAG_KEY_ID, id);
        wire_put_str(b, TAG_KEY, key);
}

static void ctl_replies(void)
{
        static const struct {
                const char *name;
                unsigned command;
        } lists[] = { { "list", CMD_LIST }, { "list_json", CMD_LIST_JSON } },
          shows[] = { { "show", CMD_SHOW }, { "show_json", CMD_SHOW_JSON } },
          creates[] = { { "create", CMD_CREATE }, { "create_json", CMD_CREATE_JSON } },
          rotates[] = { { "rotate", CMD_ROTATE }, { "rotate_json", CMD_ROTATE_JSON } },
          audits[] = { { "audit", CMD_AUDIT }, { "audit_json", CMD_AUDIT_JSON } },
          sids[] = { { "sid_list", CMD_SID_LIST }, { "sid_list_json", CMD_SID_LIST_JSON },
                     { "sid_show", CMD_SID_SHOW }, { "sid_show_json", CMD_SID_SHOW_JSON },
                     { "sid_create", CMD_SID_CREATE }, { "sid_update_json", CMD_SID_UPDATE_JSON } };
        static struct answer a;
        struct wire_buf b;

        for (size_t i = 0; i < 2; i++) {
                answer_start(&a, lists[i].command);
                key_info(&b, ID, "laptop");
                answer_add(&a, &b);
                key_info(&b, "zzzzzzzzzzzz", "a name that is rather long for the table column");
                answer_add(&a, &b);
                reply_ok(&b);
                answer_add(&a, &b);
                put_file("ctl_reply", lists[i].name, a.data, a.len);

                answer_start(&a, shows[i].command);
                key_info(&b, ID, "laptop");
                answer_add(&a, &b);
                reply_ok(&b);
                answer_add(&a, &b);
                put_file("ctl_reply", shows[i].name, a.data, a.len);

                answer_start(&a, creates[i].command);
                key_info(&b, ID, "laptop");
                answer_add(&a, &b);
                reply_key(&b, ID);
                answer_add(&a, &b);
                put_file("ctl_reply", creates[i].name, a.data, a.len);

                answer_start(&a, rotates[i].command);
                key_info(&b, NEW_ID, "laptop");
                answer_add(&a, &b);
                reply_key(&b, NEW_ID);
                answer_add(&a, &b);
                put_file("ctl_reply", rotates[i].name, a.data, a.len);

                answer_start(&a, audits[i].command);
                audit_record(&b, 1, "ok");
                answer_add(&a, &b);
                audit_record(&b, 2, "bad_secret");
                answer_add(&a, &b);
                reply_ok(&b);
                answer_add(&a, &b);
                put_file("ctl_reply", audits[i].name, a.data, a.len);
        }
        for (size_t i = 0; i < sizeof(sids) / sizeof(sids[0]); i++) {
                answer_start(&a, sids[i].command);
                sid_info(&b, CTL_FUZZ_SID);
                answer_add(&a, &b);
                reply_ok(&b);
                answer_add(&a, &b);
                put_file("ctl_reply", sids[i].name, a.data, a.len);
        }

        answer_start(&a, CMD_STATUS_JSON);
        wire_init(&b, MSG_BLOCKED);
        wire_put_str(&b, TAG_EVENT, "source");
        wire_put_str(&b, TAG_DETAIL, "192.0.2.7");
        wire_put_u64(&b, TAG_TIME, UINT64_C(1790000000));
        wire_put_u64(&b, TAG_USE_COUNT, 11);
        answer_add(&a, &b);
        reply_ok(&b);
        wire_put_str(&b, TAG_VERSION, "0.1.0");
        wire_put_u64(&b, TAG_KEY_COUNT, 3);
        wire_put_u64(&b, TAG_UPTIME, 90061);
        wire_put_str(&b, TAG_CALLER, "root");
        wire_put_u32(&b, TAG_IS_ADMIN, 1);
        wire_put_u64(&b, TAG_MAX_LIFETIME, 90 * 86400);
        wire_put_u32(&b, TAG_RL_BURST, 10);
        wire_put_u64(&b, TAG_RL_INTERVAL, 60);
        answer_add(&a, &b);
        put_file("ctl_reply", "status_json", a.data, a.len);
        a.data[0] = CMD_STATUS;
        put_file("ctl_reply", "status", a.data, a.len);

        answer_start(&a, CMD_VERIFY);
        reply_ok(&b);
        wire_put_str(&b, TAG_RESULT, "broken");
        wire_put_u64(&b, TAG_SEQ, 5);
        wire_put_str(&b, TAG_MESSAGE, "record 5 was changed");
        answer_add(&a, &b);
        put_file("ctl_reply", "verify_broken", a.data, a.len);
        answer_start(&a, CMD_VERIFY_JSON);
        reply_ok(&b);
        wire_put_str(&b, TAG_RESULT, "ok");
        wire_put_u64(&b, TAG_SEQ, 42);
        answer_add(&a, &b);
        put_file("ctl_reply", "verify_json", a.data, a.len);

        answer_start(&a, CMD_DISABLE);
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_PERMISSION);
        wire_put_str(&b, TAG_MESSAGE, "not your key \xc2\x9b" "[31m");
        answer_add(&a, &b);
        put_file("ctl_reply", "disable_denied", a.data, a.len);
        answer_start(&a, CMD_DELETE_JSON);
        reply_ok(&b);
        answer_add(&a, &b);
        put_file("ctl_reply", "delete_json", a.data, a.len);
        answer_start(&a, CMD_SID_DELETE);
        wire_init(&b, MSG_CTL_REPLY);
        wire_put_u32(&b, TAG_STATUS, STATUS_EXISTS);
        wire_put_str(&b, TAG_MESSAGE, "backup still has keys");
        answer_add(&a, &b);
        put_file("ctl_reply", "sid_delete_conflict", a.data, a.len);
}

int main(int argc, char **argv)
{
        char key[KEY_LEN + 1];

        top = argc > 1 ? argv[1] : "tests/fuzz/corpus";
        if (mkdir(top, 0755) < 0 && errno != EEXIST) {
                perror(top);
                return 1;
        }
        if (key_format(ID, SECRET, key, sizeof(key)) < 0)
                return 1;
        requests(key);
        replies();
        keys(key);
        module_args();
        cli_args();
        durations_cidrs();
        ctl_replies();
        return 0;
}
