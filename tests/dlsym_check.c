/* dlsym_check.c - the module exports the PAM entry points and nothing else:
 * an internal symbol visible to the host (sshd, sudo) could clash with one
 * of the host's own or be interposed.
 *
 *   dlsym_check build/pam_apikey.so */
#include <dlfcn.h>
#include <stddef.h>

#include "unit/check.h"

static const char *const exported[] = {
        "pam_sm_authenticate",
        "pam_sm_setcred",
        "pam_sm_acct_mgmt",
        "pam_sm_open_session",
        "pam_sm_close_session",
};

/* From common/ (linked into the module) and from the module itself. */
static const char *const internal[] = {
        "key_parse",      "key_crc32",         "key_looks_valid",  "key_format",
        "wire_parse",     "wire_init",         "wire_put_str",     "wire_wipe",
        "transport_connect", "transport_send", "transport_recv",   "proto_tag_kind",
        "verdict_to_string", "verdict_to_pam", "verdict_name",     "apikey_parse_args",
        "apikey_ask_daemon", "apikey_env_assert",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(int argc, char **argv)
{
        void *h;

        if (argc != 2) {
                printf("usage: dlsym_check MODULE.so\n");
                return 2;
        }
        h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        CHECK(h != NULL, "dlopen %s: %s", argv[1], h ? "ok" : dlerror());
        if (!h)
                return check_done();
        for (size_t i = 0; i < N(exported); i++)
                CHECK(dlsym(h, exported[i]) != NULL, "%s is exported", exported[i]);
        for (size_t i = 0; i < N(internal); i++)
                CHECK(dlsym(h, internal[i]) == NULL, "%s is hidden", internal[i]);
        dlclose(h);
        /* Linked with -z nodelete: a process that runs many PAM transactions
         * (nginx auth_pam, a web app) maps and relocates it once, not once
         * per login (BENCHMARKS.md, issue 14). */
        h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
        CHECK(h != NULL, "the module stays loaded after dlclose (-z nodelete)");
        if (h)
                dlclose(h);
        return check_done();
}
