/* verdict.c - the daemon answers with its own verdicts; this is the one place
 * that turns them into PAM codes. Stacks such as
 * "[success=1 authinfo_unavail=ignore default=bad]" depend on the exact codes. */
#include "pam_apikey.h"

/* A list searched by verdict rather than an array indexed by it: a verdict
 * added to proto.h but not here must fall through to PAM_AUTH_ERR, never to
 * a zero-initialised PAM_SUCCESS. */
static const struct {
        enum verdict verdict;
        int pam;
} verdict_table[] = {
        { VERDICT_OK, PAM_SUCCESS },
        { VERDICT_MALFORMED, PAM_AUTH_ERR },
        { VERDICT_NOT_FOUND, PAM_AUTH_ERR },
        { VERDICT_BAD_SECRET, PAM_AUTH_ERR },
        { VERDICT_DISABLED, PAM_AUTH_ERR },
        { VERDICT_EXPIRED, PAM_AUTH_ERR },
        { VERDICT_WRONG_USER, PAM_AUTH_ERR },
        { VERDICT_WRONG_SERVICE, PAM_AUTH_ERR },
        { VERDICT_WRONG_SOURCE, PAM_AUTH_ERR },
        { VERDICT_USAGE_EXCEEDED, PAM_AUTH_ERR },
        { VERDICT_LEAKED, PAM_AUTH_ERR },
        { VERDICT_ORPHANED, PAM_AUTH_ERR },
        { VERDICT_NAME_IS_ACCOUNT, PAM_AUTH_ERR },
        { VERDICT_TAMPERED, PAM_AUTH_ERR }, /* the row was changed outside apikeyd: never a login */
        { VERDICT_WRONG_HOST, PAM_AUTH_ERR }, /* a fleet key not meant for this host */
        { VERDICT_RATE_LIMITED, PAM_MAXTRIES },
        { VERDICT_INTERNAL, PAM_AUTHINFO_UNAVAIL }, /* the daemon could not decide */
};

int verdict_to_pam(uint32_t verdict)
{
        for (size_t i = 0; i < sizeof(verdict_table) / sizeof(verdict_table[0]); i++)
                if ((uint32_t)verdict_table[i].verdict == verdict)
                        return verdict_table[i].pam;
        return PAM_AUTH_ERR; /* a verdict from a newer daemon: fail closed */
}

const char *verdict_name(uint32_t verdict)
{
        const char *name = verdict_to_string(verdict);

        return name ? name : "unknown";
}
