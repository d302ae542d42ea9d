/* shim_module.c - a PAM module whose pam_sm_authenticate() calls back into
 * the harness that started the stack (pamstub.c, fuzz_pam_as_module()).
 *
 * libpam lets only modules use pam_set_data() and pam_get_data(): module
 * code called straight from a program gets PAM_SYSTEM_ERR. Called through
 * this shim, the module code under test runs where it runs in sshd: inside
 * pam_authenticate(). The callback travels in the conversation's appdata. */
#include <security/pam_modules.h>

#include "fuzz.h"

__attribute__((visibility("default"))) int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
                                                               const char **argv)
{
        const void *item = NULL;
        struct fuzz_module_call *call;

        (void)flags, (void)argc, (void)argv;
        if (pam_get_item(pamh, PAM_CONV, &item) != PAM_SUCCESS || !item)
                return PAM_SYSTEM_ERR;
        call = ((const struct pam_conv *)item)->appdata_ptr;
        if (!call || !call->fn)
                return PAM_SYSTEM_ERR;
        call->result = call->fn(pamh, call->arg);
        return call->result;
}

__attribute__((visibility("default"))) int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
                                                          const char **argv)
{
        (void)pamh, (void)flags, (void)argc, (void)argv;
        return PAM_SUCCESS;
}
