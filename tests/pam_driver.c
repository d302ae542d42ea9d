/* pam_driver.c - drives the real libpam with a private configuration
 * directory, the way login or sshd would, and prints what happened.
 *
 *   pam_driver --confdir DIR --service NAME --user USER
 *              [--rhost HOST] [--tty TTY] [--acct] [--quiet]
 *              [--switch-user USER] [--answer-file FILE]
 *              [--session] [--split] [--syslog-stderr]
 *
 * The answer to every prompt comes from $APIKEY_TEST_ANSWER, so keys stay
 * out of argv (and out of ps); without it, prompts fail with PAM_CONV_ERR.
 * The variable is removed from the environment before any module runs.
 *
 * Output, one line each (none with --quiet):
 *   prompt=TEXT    every PAM_PROMPT_ECHO_OFF / ECHO_ON message
 *   info=TEXT, error=TEXT   every PAM_TEXT_INFO / PAM_ERROR_MSG message
 *   authenticate=CODE, acct=CODE (with --acct), setcred=CODE
 *   env NAME=VALUE  each APIKEY_* variable in the PAM environment
 *   session=CODE, close_session=CODE (with --session: after setcred,
 *                  pam_open_session; the env lines; pam_close_session)
 *   fail_delay=USEC the delay modules asked for after a failure (not slept)
 *
 * --split runs authenticate and account in a child process that hands back
 * only the PAM environment, and setcred and the session in the parent, as
 * sshd does with its privileged monitor (auth-pam.c): module data set during
 * authentication is not there in the session. --syslog-stderr copies what
 * modules log with pam_syslog() to stderr (openlog LOG_PERROR), so tests see
 * it on machines without a syslog daemon.
 * CODE is the PAM name (PAM_AUTH_ERR) or the number for an unnamed code.
 *
 * Exit status: 0 when every step run succeeded, else the PAM code of the
 * first that failed (7 = PAM_AUTH_ERR, 9 = PAM_AUTHINFO_UNAVAIL, ...);
 * 64 for a usage error, 70 when the driver itself failed. */
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syslog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define EXIT_USAGE 64
#define EXIT_SOFTWARE 70
#define ANSWER_ENV "APIKEY_TEST_ANSWER"

struct driver {
        const char *confdir, *service, *user, *rhost, *tty;
        const char *switch_user; /* PAM_USER set between authenticate and account */
        const char *answer_file; /* the answer read from a file (large answers) */
        bool acct, quiet, session, split, syslog_stderr;
        char *answer; /* our copy of $APIKEY_TEST_ANSWER, wiped at exit */
};

#define CODE(c) [c] = #c
static const char *const code_names[] = {
        CODE(PAM_SUCCESS),          CODE(PAM_OPEN_ERR),
        CODE(PAM_SYMBOL_ERR),       CODE(PAM_SERVICE_ERR),
        CODE(PAM_SYSTEM_ERR),       CODE(PAM_BUF_ERR),
        CODE(PAM_PERM_DENIED),      CODE(PAM_AUTH_ERR),
        CODE(PAM_CRED_INSUFFICIENT), CODE(PAM_AUTHINFO_UNAVAIL),
        CODE(PAM_USER_UNKNOWN),     CODE(PAM_MAXTRIES),
        CODE(PAM_NEW_AUTHTOK_REQD), CODE(PAM_ACCT_EXPIRED),
        CODE(PAM_SESSION_ERR),      CODE(PAM_CRED_UNAVAIL),
        CODE(PAM_CRED_EXPIRED),     CODE(PAM_CRED_ERR),
        CODE(PAM_NO_MODULE_DATA),   CODE(PAM_CONV_ERR),
        CODE(PAM_AUTHTOK_ERR),      CODE(PAM_AUTHTOK_RECOVERY_ERR),
        CODE(PAM_AUTHTOK_LOCK_BUSY), CODE(PAM_AUTHTOK_DISABLE_AGING),
        CODE(PAM_TRY_AGAIN),        CODE(PAM_IGNORE),
        CODE(PAM_ABORT),            CODE(PAM_AUTHTOK_EXPIRED),
        CODE(PAM_MODULE_UNKNOWN),   CODE(PAM_BAD_ITEM),
        CODE(PAM_CONV_AGAIN),       CODE(PAM_INCOMPLETE),
};

static void print_code(const struct driver *d, const char *step, int code)
{
        if (d->quiet)
                return;
        if (code >= 0 && (size_t)code < sizeof(code_names) / sizeof(code_names[0]) && code_names[code])
                printf("%s=%s\n", step, code_names[code]);
        else
                printf("%s=%d\n", step, code);
}

static void free_responses(struct pam_response *r, int n)
{
        for (int i = 0; i < n; i++)
                if (r[i].resp) {
                        explicit_bzero(r[i].resp, strlen(r[i].resp));
                        free(r[i].resp);
                }
        free(r);
}

/* Fills one response; returns PAM_SUCCESS or PAM_CONV_ERR. */
static int answer_one(const struct driver *d, const struct pam_message *m, struct pam_response *r)
{
        const char *text = m->msg ? m->msg : "";

        switch (m->msg_style) {
        case PAM_PROMPT_ECHO_OFF:
        case PAM_PROMPT_ECHO_ON:
                if (!d->quiet)
                        printf("prompt=%s\n", text);
                if (!d->answer)
                        return PAM_CONV_ERR;
                r->resp = strdup(d->answer);
                return r->resp ? PAM_SUCCESS : PAM_CONV_ERR;
        case PAM_ERROR_MSG:
        case PAM_TEXT_INFO:
                if (!d->quiet)
                        printf("%s=%s\n", m->msg_style == PAM_ERROR_MSG ? "error" : "info", text);
                return PAM_SUCCESS;
        default:
                return PAM_CONV_ERR;
        }
}

/* Linux-PAM passes msg as an array of pointers (msg[i]). */
static int conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata)
{
        const struct driver *d = appdata;
        struct pam_response *r;

        if (n <= 0 || n > PAM_MAX_NUM_MSG)
                return PAM_CONV_ERR;
        r = calloc((size_t)n, sizeof(*r));
        if (!r)
                return PAM_BUF_ERR;
        for (int i = 0; i < n; i++)
                if (answer_one(d, msg[i], &r[i]) != PAM_SUCCESS) {
                        free_responses(r, n);
                        return PAM_CONV_ERR;
                }
        *resp = r;
        return PAM_SUCCESS;
}

static void print_env(const struct driver *d, pam_handle_t *pamh)
{
        char **env = pam_getenvlist(pamh);

        if (!env)
                return;
        for (char **e = env; *e; e++) {
                if (!d->quiet && strncmp(*e, "APIKEY_", 7) == 0)
                        printf("env %s\n", *e);
                free(*e);
        }
        free(env);
}

static int set_items(pam_handle_t *pamh, const struct driver *d)
{
        int r = PAM_SUCCESS;

        if (d->rhost)
                r = pam_set_item(pamh, PAM_RHOST, d->rhost);
        if (r == PAM_SUCCESS && d->tty)
                r = pam_set_item(pamh, PAM_TTY, d->tty);
        return r;
}

/* authenticate, then account (if asked). */
static int auth_steps(const struct driver *d, pam_handle_t *pamh)
{
        int r = pam_authenticate(pamh, 0);

        print_code(d, "authenticate", r);
        if (r == PAM_SUCCESS && d->switch_user)
                r = pam_set_item(pamh, PAM_USER, d->switch_user);
        if (r == PAM_SUCCESS && d->acct) {
                r = pam_acct_mgmt(pamh, 0);
                print_code(d, "acct", r);
        }
        return r;
}

#define SPLIT_MAX (64 * 1024)

/* The child's half of --split: its result, then each PAM variable, each
 * NUL-terminated, on fd; then it exits without pam_end(), as sshd's does. */
static void split_child(const struct driver *d, pam_handle_t *pamh, int fd)
{
        int r = auth_steps(d, pamh);
        char **env = pam_getenvlist(pamh);
        char head[16];
        int n = snprintf(head, sizeof(head), "%d", r);

        fflush(stdout);
        if (write(fd, head, (size_t)n + 1) != n + 1)
                _exit(EXIT_SOFTWARE);
        for (char **e = env; e && *e; e++)
                if (write(fd, *e, strlen(*e) + 1) != (ssize_t)strlen(*e) + 1)
                        _exit(EXIT_SOFTWARE);
        _exit(0);
}

/* The parent's half: imports the environment with pam_putenv(). */
static int auth_split(const struct driver *d, pam_handle_t *pamh)
{
        static char buf[SPLIT_MAX + 1];
        size_t len = 0;
        ssize_t n;
        int fds[2], status, r;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return PAM_SYSTEM_ERR;
        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return PAM_SYSTEM_ERR;
        if (pid == 0) {
                close(fds[0]);
                split_child(d, pamh, fds[1]);
        }
        close(fds[1]);
        while (len < SPLIT_MAX && (n = read(fds[0], buf + len, SPLIT_MAX - len)) > 0)
                len += (size_t)n;
        close(fds[0]);
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || len == 0 ||
            buf[len - 1] != '\0')
                return PAM_SYSTEM_ERR;
        r = atoi(buf);
        for (size_t i = strlen(buf) + 1; r == PAM_SUCCESS && i < len; i += strlen(buf + i) + 1)
                if (pam_putenv(pamh, buf + i) != PAM_SUCCESS)
                        return PAM_SYSTEM_ERR;
        return r;
}

/* authenticate and account, then setcred, then (if asked) the session:
 * the order of login. */
static int run_steps(const struct driver *d, pam_handle_t *pamh)
{
        bool opened = false;
        int r = d->split ? auth_split(d, pamh) : auth_steps(d, pamh);

        if (r == PAM_SUCCESS) {
                r = pam_setcred(pamh, PAM_ESTABLISH_CRED);
                print_code(d, "setcred", r);
        }
        if (r == PAM_SUCCESS && d->session) {
                r = pam_open_session(pamh, 0);
                print_code(d, "session", r);
                opened = r == PAM_SUCCESS;
        }
        print_env(d, pamh);
        if (opened) {
                r = pam_close_session(pamh, 0);
                print_code(d, "close_session", r);
        }
        return r;
}

/* Instead of sleeping after a failure, report the delay modules asked for
 * ("fail_delay=USEC"): tests stay fast and can check it was requested. */
static void record_delay(int retval, unsigned usec, void *appdata)
{
        const struct driver *d = appdata;

        if (retval != PAM_SUCCESS && usec > 0 && !d->quiet)
                printf("fail_delay=%u\n", usec);
}

static int run(const struct driver *d)
{
        struct pam_conv conv = { conversation, (void *)d };
        void (*delay_fn)(int, unsigned, void *) = record_delay;
        pam_handle_t *pamh = NULL;
        int r = pam_start_confdir(d->service, d->user, &conv, d->confdir, &pamh);

        if (r != PAM_SUCCESS) {
                print_code(d, "start", r);
                return r;
        }
        r = pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)delay_fn);
        if (r == PAM_SUCCESS)
                r = set_items(pamh, d);
        if (r != PAM_SUCCESS)
                print_code(d, "set_item", r);
        else
                r = run_steps(d, pamh);
        pam_end(pamh, r);
        return r;
}

static int usage(void)
{
        fprintf(stderr, "usage: pam_driver --confdir DIR --service NAME --user USER "
                        "[--rhost HOST] [--tty TTY] [--acct] [--quiet] [--session] [--split] [--syslog-stderr]\n"
                        "prompts are answered with $" ANSWER_ENV "\n");
        return EXIT_USAGE;
}

static int parse_args(int argc, char **argv, struct driver *d)
{
        static const struct option opts[] = {
                { "confdir", required_argument, NULL, 'c' }, { "service", required_argument, NULL, 's' },
                { "user", required_argument, NULL, 'u' },    { "rhost", required_argument, NULL, 'r' },
                { "tty", required_argument, NULL, 't' },     { "acct", no_argument, NULL, 'a' },
                { "quiet", no_argument, NULL, 'q' },         { "switch-user", required_argument, NULL, 'w' },
                { "answer-file", required_argument, NULL, 'f' }, { "session", no_argument, NULL, 'S' },
                { "split", no_argument, NULL, 'P' },         { "syslog-stderr", no_argument, NULL, 'L' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'c': d->confdir = optarg; break;
                case 's': d->service = optarg; break;
                case 'u': d->user = optarg; break;
                case 'r': d->rhost = optarg; break;
                case 't': d->tty = optarg; break;
                case 'a': d->acct = true; break;
                case 'q': d->quiet = true; break;
                case 'w': d->switch_user = optarg; break;
                case 'f': d->answer_file = optarg; break;
                case 'S': d->session = true; break;
                case 'P': d->split = true; break;
                case 'L': d->syslog_stderr = true; break;
                default: return -1;
                }
        }
        return optind == argc && d->confdir && d->service && d->user ? 0 : -1;
}

/* Keeps the only copy of the answer in our memory, so neither modules
 * (pam_exec, pam_env) nor their children inherit it. */
static int read_answer_file(struct driver *d)
{
        FILE *f = fopen(d->answer_file, "re");
        size_t cap = 4 << 20, n;

        d->answer = f ? calloc(1, cap + 1) : NULL;
        if (!d->answer) {
                if (f)
                        fclose(f);
                return -1;
        }
        n = fread(d->answer, 1, cap, f);
        d->answer[n] = '\0';
        fclose(f);
        return 0;
}

static int take_answer(struct driver *d)
{
        const char *v = getenv(ANSWER_ENV);

        if (d->answer_file)
                return read_answer_file(d);
        if (!v)
                return 0;
        d->answer = strdup(v);
        if (!d->answer || unsetenv(ANSWER_ENV) < 0)
                return -1;
        return 0;
}

static void drop_answer(struct driver *d)
{
        if (!d->answer)
                return;
        explicit_bzero(d->answer, strlen(d->answer));
        free(d->answer);
        d->answer = NULL;
}

int main(int argc, char **argv)
{
        struct driver d = { 0 };
        int r;

        if (parse_args(argc, argv, &d) < 0)
                return usage();
        if (take_answer(&d) < 0) {
                fprintf(stderr, "pam_driver: cannot copy $%s\n", ANSWER_ENV);
                drop_answer(&d);
                return EXIT_SOFTWARE;
        }
        if (d.syslog_stderr)
                openlog("pam_driver", LOG_PERROR, LOG_AUTHPRIV);
        r = run(&d);
        drop_answer(&d);
        fflush(stdout);
        return r;
}
