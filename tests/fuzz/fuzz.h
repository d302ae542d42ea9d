/* fuzz.h - what the libFuzzer harnesses share: copies of the input that let
 * AddressSanitizer see any over-read, an argv built from the input, a check
 * that aborts (libFuzzer then saves the input), and, for the harnesses that
 * run module code, a real PAM handle and a quiet pam_syslog().
 *
 * Every harness is one file tests/fuzz/fuzz_<name>.c with
 * LLVMFuzzerTestOneInput(); tests/fuzz/README.md says how to run them. */
#ifndef APIKEY_FUZZ_H
#define APIKEY_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property of the code under test does not hold: print it and abort(), so
 * libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond)                                                     \
        do {                                                                 \
                if (!(cond))                                                 \
                        fuzz_fail(__FILE__, __LINE__, #cond);                \
        } while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* The input as a C string (malloc'd, NUL appended; it ends at the first NUL
 * inside). Free with free(). */
char *fuzz_cstr(const uint8_t *data, size_t size);
/* The input in a buffer of exactly size bytes, no NUL: reading past it is
 * an ASan report. Never NULL, also for size 0. Free with free(). */
uint8_t *fuzz_exact(const uint8_t *data, size_t size);

/* An argv from the input, split at NUL and at every byte in seps (may be
 * ""). argv[0] is argv0 unless it is NULL; empty words are dropped; a word
 * that is exactly "\xff" becomes a NULL entry when null_words is set. The
 * array ends with NULL. Free with fuzz_argv_free(). */
struct fuzz_argv {
        int argc;
        char **argv;
        char *words; /* the storage argv points into */
};
void fuzz_argv_build(struct fuzz_argv *a, const uint8_t *data, size_t size, const char *argv0, const char *seps,
                     bool null_words);
void fuzz_argv_free(struct fuzz_argv *a);

/* Points stdout and stderr (the FILE objects, not descriptors 1 and 2) at
 * /dev/null, so that the code under test prints nowhere while libFuzzer and
 * the sanitizers, which write to descriptor 2, still report. FUZZ_VERBOSE=1
 * keeps them. */
void fuzz_quiet_stdio(void);

/* pamstub.c: a PAM handle from pam_start_confdir() on a private service
 * (created in a temporary directory, removed at once: libpam reads it in
 * pam_start) whose auth stack is shim_module.c, built beside the harness as
 * fuzz_shim.so. Aborts when libpam refuses. The handle lives until the
 * process exits. */
struct pam_handle;
struct pam_handle *fuzz_pam_handle(const char *user);

/* Runs fn(pamh, arg) inside pam_authenticate() on that handle, as a module
 * runs: libpam then allows pam_set_data() and pam_get_data(). Returns what
 * fn returned. */
typedef int fuzz_module_fn(struct pam_handle *pamh, void *arg);
struct fuzz_module_call {
        fuzz_module_fn *fn;
        void *arg;
        int result;
};
int fuzz_pam_as_module(fuzz_module_fn *fn, void *arg);

#endif
