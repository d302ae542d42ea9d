/* args.c - module arguments. A bad argument (unknown option, out-of-range
 * number, relative path) is logged at LOG_ERR and makes the module fail
 * closed with PAM_SYSTEM_ERR: a typo in a PAM file must never silently
 * weaken policy (STYLE.md "Strict options"). */
#include "pam_apikey.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Returns the value when arg is "name=value", else NULL. */
static const char *arg_value(const char *arg, const char *name)
{
        size_t n = strlen(name);

        if (strncmp(arg, name, n) != 0 || arg[n] != '=')
                return NULL;
        return arg + n + 1;
}

/* Whole decimal seconds in range; strtol alone would accept " +5" or "5s". */
static bool parse_timeout(const char *s, int *ret)
{
        char *end;
        long v;

        if (!isdigit((unsigned char)s[0]))
                return false;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || *end != '\0' || v < APIKEY_TIMEOUT_MIN || v > APIKEY_TIMEOUT_MAX)
                return false;
        *ret = (int)v;
        return true;
}

static int set_socket(pam_handle_t *pamh, const char *path, struct apikey_opts *o)
{
        /* A relative path would depend on the host's working directory. */
        if (path[0] != '/') {
                pam_syslog(pamh, LOG_ERR, "socket=%s is not an absolute path", path);
                return PAM_SYSTEM_ERR;
        }
        o->socket_path = path;
        return PAM_SUCCESS;
}

static int set_timeout(pam_handle_t *pamh, const char *value, struct apikey_opts *o)
{
        if (parse_timeout(value, &o->timeout_s))
                return PAM_SUCCESS;
        pam_syslog(pamh, LOG_ERR, "timeout=%s is not a whole number of seconds in %d..%d", value,
                   APIKEY_TIMEOUT_MIN, APIKEY_TIMEOUT_MAX);
        return PAM_SYSTEM_ERR;
}

static int parse_one(pam_handle_t *pamh, const char *arg, struct apikey_opts *o)
{
        const char *v;

        if (strcmp(arg, "debug") == 0)
                o->debug = true;
        else if (strcmp(arg, "use_first_pass") == 0)
                o->use_first_pass = true;
        else if (strcmp(arg, "try_first_pass") == 0)
                o->try_first_pass = true;
        else if (strcmp(arg, "nodelay") == 0)
                o->nodelay = true;
        else if (strcmp(arg, "log_success") == 0)
                o->log_success = true;
        else if ((v = arg_value(arg, "socket")))
                return set_socket(pamh, v, o);
        else if ((v = arg_value(arg, "timeout")))
                return set_timeout(pamh, v, o);
        else {
                pam_syslog(pamh, LOG_ERR, "unknown option: %.64s", arg);
                return PAM_SYSTEM_ERR;
        }
        return PAM_SUCCESS;
}

int apikey_parse_args(pam_handle_t *pamh, int argc, const char **argv, struct apikey_opts *o)
{
        int r = PAM_SUCCESS;

        *o = (struct apikey_opts){
                .socket_path = APIKEY_DEFAULT_SOCKET,
                .timeout_s = APIKEY_DEFAULT_TIMEOUT,
        };
        for (int i = 0; i < argc && r == PAM_SUCCESS; i++)
                r = argv[i] ? parse_one(pamh, argv[i], o) : PAM_SYSTEM_ERR;
        if (r == PAM_SUCCESS && o->use_first_pass && o->try_first_pass) {
                pam_syslog(pamh, LOG_ERR, "use_first_pass and try_first_pass exclude each other");
                r = PAM_SYSTEM_ERR;
        }
        if (r == PAM_SUCCESS && o->debug)
                pam_syslog(pamh, LOG_DEBUG, "socket=%s timeout=%d%s%s%s%s", o->socket_path, o->timeout_s,
                           o->use_first_pass ? " use_first_pass" : "",
                           o->try_first_pass ? " try_first_pass" : "", o->nodelay ? " nodelay" : "",
                           o->log_success ? " log_success" : "");
        return r;
}
