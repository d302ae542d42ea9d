/* fuzz_reply.c - what the PAM module does with whatever comes back from the
 * auth socket: the input is the daemon's record.
 *
 * The module's own code runs, not a copy: this file includes
 * pam_apikey/client.c and pam_apikey/pam_apikey.c, so their static functions
 * are callable. For each input, as in pam_sm_authenticate() after the
 * connect:
 *   talk()          checks the peer (SO_PEERCRED), sends the AUTH_REQUEST
 *                   built by build_request(), receives one record
 *                   (transport_recv: oversized records, wire_parse) and
 *                   decodes it (decode_reply);
 *   apply_verdict() maps the verdict (verdict.c) and, for "ok", grant()
 *                   checks the key ID and identity and sets APIKEY_ID,
 *                   APIKEY_IDENTITY and the pam data on a real PAM handle.
 * Both run inside a real pam_authenticate() (pamstub.c, shim_module.c), so
 * libpam treats them as module code. The connection is a socketpair whose
 * other end already holds the input as one SOCK_SEQPACKET record and is shut
 * for writing, so nothing waits.
 *
 * Properties (abort when one fails): the result is success only for verdict
 * "ok" naming the key that was sent and an identity, and then the PAM
 * environment holds exactly those; any other reply leaves no trace of a
 * success; the module returns only the codes its table and the fail-closed
 * paths allow. */
#include "../../pam_apikey/client.c"
#include "../../pam_apikey/pam_apikey.c"

#include <stdlib.h>
#include <sys/socket.h>

#include "fuzz.h"

#define FUZZ_USER "alice"
#define FUZZ_KEY_ID "k3y1d0000042"
#define FUZZ_SECRET "0123456789ABCDEFGHIJabcdefghij0123456789wxyz"

static char fuzz_key[KEY_LEN + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc, (void)argv;
        fuzz_quiet_stdio();
        (void)fuzz_pam_handle(FUZZ_USER);
        if (key_format(FUZZ_KEY_ID, FUZZ_SECRET, fuzz_key, sizeof(fuzz_key)) < 0)
                abort();
        return 0;
}

static bool pam_code_known(int r)
{
        return r == PAM_SUCCESS || r == PAM_AUTH_ERR || r == PAM_MAXTRIES || r == PAM_AUTHINFO_UNAVAIL ||
               r == PAM_BUF_ERR;
}

static void check_verdict_table(uint32_t v)
{
        int pam = verdict_to_pam(v);

        FUZZ_CHECK((pam == PAM_SUCCESS) == (v == VERDICT_OK)); /* unknown verdicts fail closed */
        FUZZ_CHECK(pam_code_known(pam) && pam != PAM_BUF_ERR);
        FUZZ_CHECK(verdict_name(v) != NULL);
        FUZZ_CHECK((verdict_to_string(v) != NULL) == (strcmp(verdict_name(v), "unknown") != 0));
}

/* After apply_verdict(): a success and its traces, or none of them. */
static void check_outcome(const struct apikey_ctx *c, const struct apikey_reply *reply, int r)
{
        const char *id = pam_getenv(c->pamh, "APIKEY_ID"), *identity = pam_getenv(c->pamh, "APIKEY_IDENTITY");
        const void *data = NULL;
        bool marked = pam_get_data(c->pamh, APIKEY_DATA_AUTHENTICATED, &data) == PAM_SUCCESS && data;
        const struct apikey_login *login = data;

        FUZZ_CHECK(pam_code_known(r));
        if (r != PAM_SUCCESS) {
                FUZZ_CHECK(!id && !identity && !marked);
                if (reply->verdict != VERDICT_OK)
                        FUZZ_CHECK(r == verdict_to_pam(reply->verdict));
                return;
        }
        FUZZ_CHECK(reply->verdict == VERDICT_OK);
        FUZZ_CHECK(strcmp(reply->key_id, c->key_id) == 0 && reply->identity[0] != '\0');
        FUZZ_CHECK(id && strcmp(id, c->key_id) == 0);
        FUZZ_CHECK(identity && strcmp(identity, reply->identity) == 0);
        FUZZ_CHECK(marked && login->with_key && strcmp(login->user, c->user) == 0);
        FUZZ_CHECK(strcmp(login->key_id, c->key_id) == 0 && strcmp(login->identity, reply->identity) == 0);
}

/* A connection whose peer has sent the input and nothing else. */
static int connect_to_input(const uint8_t *data, size_t size, int *ret_fd, int *ret_peer)
{
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        if (send(sv[1], data, size, MSG_NOSIGNAL) != (ssize_t)size || shutdown(sv[1], SHUT_WR) < 0) {
                close(sv[0]);
                close(sv[1]);
                return -1; /* larger than a socket buffer: no daemon can send it either */
        }
        *ret_fd = sv[0];
        *ret_peer = sv[1];
        return 0;
}

struct exchange {
        int fd;
};

/* Runs inside pam_authenticate(), as pam_sm_authenticate() does. */
static int module_side(pam_handle_t *h, void *arg)
{
        const struct exchange *x = arg;
        struct apikey_ctx c = {
                .pamh = h,
                .opts = { .socket_path = APIKEY_DEFAULT_SOCKET, .timeout_s = APIKEY_DEFAULT_TIMEOUT },
                .user = FUZZ_USER,
                .service = "fuzz",
                .rhost = "192.0.2.7",
                .tty = NULL,
                .key_id = FUZZ_KEY_ID,
        };
        struct apikey_reply reply = { 0 };
        struct wire_buf req;
        int r;

        forget_success(h); /* as pam_sm_authenticate() starts */
        FUZZ_CHECK(build_request(&c, fuzz_key, &req) == 0);
        r = talk(&c, x->fd, &req, transport_now_ms() + 1000, &reply);
        wire_wipe(&req);
        FUZZ_CHECK(r == PAM_SUCCESS || r == PAM_AUTHINFO_UNAVAIL); /* garbage: unavailable, never success */
        if (r != PAM_SUCCESS)
                return r;
        FUZZ_CHECK(strlen(reply.key_id) <= KEY_ID_LEN && strlen(reply.identity) <= PROTO_IDENTITY_MAX);
        check_verdict_table(reply.verdict);
        r = apply_verdict(&c, &reply);
        check_outcome(&c, &reply, r);
        forget_success(h);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct exchange x;
        int peer;

        if (connect_to_input(data, size, &x.fd, &peer) < 0)
                return 0;
        (void)fuzz_pam_as_module(module_side, &x);
        close(x.fd);
        close(peer);
        return 0;
}
