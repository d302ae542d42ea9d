/* pamstub.c - libpam for the harnesses that run module code: a real handle,
 * and pam_syslog()/pam_vsyslog() replaced by versions that format the
 * message (so a bad format argument is still an ASan report) and drop it.
 *
 * Why replace them: the real ones send every message to syslog, which under
 * journald is thousands of lines a second for as long as the fuzzer runs.
 * A definition in the executable takes precedence over libpam's for every
 * call the module code makes. */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>

void pam_vsyslog(const pam_handle_t *pamh, int priority, const char *fmt, va_list args)
{
        static char line[1024];
        const char *v = getenv("FUZZ_VERBOSE");

        (void)pamh;
        vsnprintf(line, sizeof(line), fmt, args);
        if (v && strcmp(v, "1") == 0)
                dprintf(2, "pam_syslog(%d): %s\n", priority, line);
}

void pam_syslog(const pam_handle_t *pamh, int priority, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        pam_vsyslog(pamh, priority, fmt, ap);
        va_end(ap);
}

static struct fuzz_module_call module_call;
static pam_handle_t *handle;

static int no_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        (void)n, (void)msg, (void)resp, (void)data;
        return PAM_CONV_ERR; /* nothing the harnesses run may prompt */
}

/* fuzz_shim.so, beside the running harness. */
static void shim_path(char *buf, size_t sz)
{
        ssize_t n = readlink("/proc/self/exe", buf, sz - 1);
        char *slash;

        if (n <= 0)
                abort();
        buf[n] = '\0';
        slash = strrchr(buf, '/');
        if (!slash || (size_t)(slash - buf) + sizeof("/fuzz_shim.so") > sz)
                abort();
        strcpy(slash, "/fuzz_shim.so");
        if (access(buf, R_OK) < 0) {
                dprintf(2, "%s is missing: build with tests/fuzz/fuzz.mk\n", buf);
                abort();
        }
}

pam_handle_t *fuzz_pam_handle(const char *user)
{
        static const struct pam_conv conv = { no_conversation, &module_call };
        char dir[] = "/tmp/apikey-fuzz-pam.XXXXXX", path[sizeof(dir) + 16], shim[4096];
        FILE *f;
        int r;

        if (handle)
                return handle;
        shim_path(shim, sizeof(shim));
        if (!mkdtemp(dir))
                abort();
        snprintf(path, sizeof(path), "%s/fuzz", dir);
        f = fopen(path, "w");
        if (!f || fprintf(f, "auth required %s\n", shim) < 0 || fclose(f) != 0)
                abort();
        r = pam_start_confdir("fuzz", user, &conv, dir, &handle);
        unlink(path);
        rmdir(dir);
        if (r != PAM_SUCCESS || !handle) {
                dprintf(2, "pam_start_confdir: %d\n", r);
                abort();
        }
        return handle;
}

int fuzz_pam_as_module(fuzz_module_fn *fn, void *arg)
{
        if (!handle)
                abort();
        module_call = (struct fuzz_module_call){ .fn = fn, .arg = arg, .result = -1 };
        (void)pam_authenticate(handle, PAM_SILENT);
        if (module_call.result < 0) {
                dprintf(2, "pam_authenticate did not reach fuzz_shim.so\n");
                abort();
        }
        module_call.fn = NULL;
        return module_call.result;
}
