/* pam_work.c - one PAM transaction as an application makes it:
 * pam_start_confdir -> pam_authenticate -> pam_end, a fresh handle each
 * time, the secret given through the conversation function.
 *
 * Like sshd, the application installs its own PAM_FAIL_DELAY function, so a
 * refused key costs its work and not the 2 s delay a module asks libpam for. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "bench.h"

static void free_responses(struct pam_response *r, int n)
{
        for (int i = 0; i < n; i++)
                if (r[i].resp) {
                        explicit_bzero(r[i].resp, strlen(r[i].resp));
                        free(r[i].resp);
                }
        free(r);
}

static int conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
        const char *answer = appdata;
        struct pam_response *r;

        if (n <= 0 || n > PAM_MAX_NUM_MSG)
                return PAM_CONV_ERR;
        r = calloc((size_t)n, sizeof(*r));
        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++) {
                int style = msg[i]->msg_style;
                if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
                        continue; /* info and error texts need no answer */
                r[i].resp = strdup(answer);
                if (!r[i].resp) {
                        free_responses(r, n);
                        return PAM_BUF_ERR;
                }
        }
        *resp = r;
        return PAM_SUCCESS;
}

static void no_fail_delay(int retval, unsigned usec_delay, void *appdata)
{
        (void)retval, (void)usec_delay, (void)appdata;
}

static int transaction(const struct pam_work *w, const char *answer, const char *rhost)
{
        struct pam_conv conv = { conversation, (void *)answer };
        pam_handle_t *pamh = NULL;
        int r = pam_start_confdir(w->service, w->user, &conv, w->confdir, &pamh);

        if (r != PAM_SUCCESS)
                return r;
        r = pam_set_item(pamh, PAM_RHOST, rhost);
        if (r == PAM_SUCCESS)
                r = pam_set_item(pamh, PAM_TTY, BENCH_TTY);
        if (r == PAM_SUCCESS)
                r = pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)no_fail_delay);
        if (r == PAM_SUCCESS)
                r = pam_authenticate(pamh, 0);
        pam_end(pamh, r);
        return r;
}

/* The first wrong answer a client process gets, on stderr: it says why a
 * cell counted errors. */
static void report_once(const char *what, const char *why)
{
        static bool reported;

        if (reported)
                return;
        reported = true;
        fprintf(stderr, "apikey-bench: client %d: %s: %s\n", (int)getpid(), what, why);
}

/* Failures that are answers (the key or password was refused), as opposed
 * to the stack or the daemon not working. */
static bool is_refusal(int r)
{
        return r == PAM_AUTH_ERR || r == PAM_MAXTRIES || r == PAM_PERM_DENIED || r == PAM_USER_UNKNOWN ||
               r == PAM_CRED_INSUFFICIENT;
}

void bench_rhost(uint64_t *rng, char *buf, size_t bufsz)
{
        uint64_t x = rng_next(rng);

        snprintf(buf, bufsz, "198.%u.%u.%u", 18 + (unsigned)(x & 1), (unsigned)((x >> 8) & 0xff),
                 (unsigned)((x >> 16) & 0xff));
}

/* Once per client process (each is forked for its cell): libpam's own
 * dlopen of the module then finds it loaded, and its dlclose keeps it. */
static bool pin_once(const char *path)
{
        static bool pinned;

        if (!pinned && dlopen(path, RTLD_NOW | RTLD_NODELETE) == NULL) {
                report_once(path, dlerror());
                return false;
        }
        pinned = true;
        return true;
}

enum outcome pam_work_op(void *ctx, uint64_t *rng)
{
        const struct pam_work *w = ctx;
        char answer[KEY_LEN + 1], rhost[32];
        const char *key = NULL;
        int r;

        if (w->pin_module && !pin_once(w->pin_module))
                return OUT_ERROR;
        if (w->fixed_answer)
                snprintf(answer, sizeof(answer), "%s", w->fixed_answer);
        else if (w->keys && w->keys->n) {
                uint64_t x = rng_next(rng);
                key = w->keys->keys[x % w->keys->n];
                if (w->invalid)
                        keys_invalid_variant(key, x >> 32, answer);
                else
                        snprintf(answer, sizeof(answer), "%s", key);
        } else
                snprintf(answer, sizeof(answer), "%s", BENCH_USER_PASSWORD);
        bench_rhost(rng, rhost, sizeof(rhost));
        r = transaction(w, answer, rhost);
        if (r == w->expect && w->echo_socket) {
                int e = echo_exchange(w->echo_socket, w->user, rhost, key ? key : answer);
                if (e < 0) {
                        report_once("echo exchange", strerror(-e));
                        r = PAM_SYSTEM_ERR;
                }
        }
        explicit_bzero(answer, sizeof(answer));
        if (r == w->expect || (w->invalid && is_refusal(r)))
                return OUT_EXPECTED; /* a near miss may also meet the daemon's rate limit on its key ID */
        if ((r != PAM_SYSTEM_ERR || !w->echo_socket) && !(w->fixed_answer && is_refusal(r)))
                report_once(w->service, pam_strerror(NULL, r)); /* a revoked key's refusals are expected */
        return r == PAM_SUCCESS || is_refusal(r) ? OUT_UNEXPECTED : OUT_ERROR;
}

int pam_write_service(const char *confdir, const char *name, const char *lines)
{
        char path[1024];
        FILE *f;
        int r;

        snprintf(path, sizeof(path), "%s/%s", confdir, name);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(lines, f);
        r = ferror(f) ? -EIO : 0;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        return r;
}
