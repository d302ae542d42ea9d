/* main.c - apikeyd: options, set-up, the event loop. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "daemon.h"
#include "duration.h"
#include "log.h"

struct options {
        const char *db;
        const char *listen_dir;
        const char *admin_group;
        uint64_t idle_exit_sec;
        unsigned max_keys_per_user;
        unsigned max_keys_per_sid;
        uint64_t max_lifetime_sec;
        uint64_t purge_after_sec;
        uint64_t audit_retention_sec;
        unsigned rl_burst;
        uint64_t rl_interval_sec;
        unsigned max_connections;
};

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: apikeyd [OPTIONS]\n"
                "Validate API keys for pam_apikey and serve apikeyctl.\n\n"
                "  --db PATH                SQLite store (default %s); the installation\n"
                "                           secret hash.key lives beside it\n"
                "  --listen-dir DIR         bind DIR/auth.sock and DIR/control.sock ourselves\n"
                "                           (default: sockets from systemd, else %s)\n"
                "  --admin-group NAME       group whose members administer keys (default %s)\n"
                "  --idle-exit SECONDS      exit after SECONDS without connections (default: never)\n"
                "  --max-keys-per-user N    keys one account may hold (default %d)\n"
                "  --max-keys-per-service-id N\n"
                "                           keys one service ID may hold (default %d)\n"
                "  --max-lifetime DURATION  longest key lifetime, e.g. 90d; also the default\n"
                "                           expiry (default: none)\n"
                "  --purge-after DURATION   delete expired keys this long after expiry (default 90d)\n"
                "  --audit-retention DURATION\n"
                "                           keep audit records this long (default 90d)\n"
                "  --rate-limit-burst N     failures a remote host, local uid or key ID may have\n"
                "                           before it is blocked (default %d; 0: no limit)\n"
                "  --rate-limit-interval DURATION\n"
                "                           one more failure allowed per DURATION (default %ds)\n"
                "  --max-connections N      client connections served at once (default %d)\n"
                "  -h, --help               show this help\n"
                "  --version                show the version\n\n"
                "Durations: 30s, 15m, 12h, 90d, 2w. Logs go to the journal under systemd, to\n"
                "stderr otherwise. See apikeyd(8).\n",
                DEFAULT_DB_PATH, DEFAULT_RUN_DIR, DEFAULT_ADMIN_GROUP, DEFAULT_MAX_KEYS_PER_USER,
                DEFAULT_MAX_KEYS_PER_SID, RL_DEFAULT_BURST, RL_DEFAULT_INTERVAL_MS / 1000,
                DEFAULT_MAX_CONNECTIONS);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *ret)
{
        char *end;
        unsigned long long v;

        if (!s || !*s || *s == '-')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Returns 0 to run, 1 to exit successfully, -EINVAL on a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
        enum {
                OPT_DB = 256,
                OPT_LISTEN_DIR,
                OPT_ADMIN_GROUP,
                OPT_IDLE_EXIT,
                OPT_MAX_KEYS,
                OPT_MAX_KEYS_SID,
                OPT_MAX_LIFETIME,
                OPT_PURGE_AFTER,
                OPT_AUDIT_RETENTION,
                OPT_RL_BURST,
                OPT_RL_INTERVAL,
                OPT_MAX_CONNECTIONS,
                OPT_VERSION
        };
        static const struct option longopts[] = {
                { "db", required_argument, NULL, OPT_DB },
                { "listen-dir", required_argument, NULL, OPT_LISTEN_DIR },
                { "admin-group", required_argument, NULL, OPT_ADMIN_GROUP },
                { "idle-exit", required_argument, NULL, OPT_IDLE_EXIT },
                { "max-keys-per-user", required_argument, NULL, OPT_MAX_KEYS },
                { "max-keys-per-service-id", required_argument, NULL, OPT_MAX_KEYS_SID },
                { "max-lifetime", required_argument, NULL, OPT_MAX_LIFETIME },
                { "purge-after", required_argument, NULL, OPT_PURGE_AFTER },
                { "audit-retention", required_argument, NULL, OPT_AUDIT_RETENTION },
                { "rate-limit-burst", required_argument, NULL, OPT_RL_BURST },
                { "rate-limit-interval", required_argument, NULL, OPT_RL_INTERVAL },
                { "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, OPT_VERSION },
                {},
        };
        unsigned long long v;
        uint64_t v64;
        int c;

        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                switch (c) {
                case OPT_DB: o->db = optarg; break;
                case OPT_LISTEN_DIR: o->listen_dir = optarg; break;
                case OPT_ADMIN_GROUP: o->admin_group = optarg; break;
                case OPT_IDLE_EXIT:
                        if (parse_uint(optarg, 86400 * 365, &v) < 0) {
                                fprintf(stderr, "apikeyd: --idle-exit takes a number of seconds\n");
                                return -EINVAL;
                        }
                        o->idle_exit_sec = v;
                        break;
                case OPT_MAX_CONNECTIONS:
                        if (parse_uint(optarg, 65536, &v) < 0 || v == 0) {
                                fprintf(stderr, "apikeyd: --max-connections takes a number from 1 to 65536\n");
                                return -EINVAL;
                        }
                        o->max_connections = (unsigned)v;
                        break;
                case OPT_MAX_KEYS:
                case OPT_MAX_KEYS_SID:
                        if (parse_uint(optarg, 100000, &v) < 0 || v == 0) {
                                fprintf(stderr, "apikeyd: %s takes a number from 1 to 100000\n", argv[optind - 1]);
                                return -EINVAL;
                        }
                        *(c == OPT_MAX_KEYS ? &o->max_keys_per_user : &o->max_keys_per_sid) = (unsigned)v;
                        break;
                case OPT_RL_BURST:
                        if (parse_uint(optarg, 100000, &v) < 0) {
                                fprintf(stderr, "apikeyd: --rate-limit-burst takes a number from 0 to 100000\n");
                                return -EINVAL;
                        }
                        o->rl_burst = (unsigned)v;
                        break;
                case OPT_MAX_LIFETIME:
                case OPT_PURGE_AFTER:
                case OPT_AUDIT_RETENTION:
                case OPT_RL_INTERVAL:
                        if (duration_parse(optarg, &v64) < 0 || v64 == 0) {
                                fprintf(stderr, "apikeyd: %s takes a duration such as 90d, 12h, 15m or 30s\n",
                                        argv[optind - 1]);
                                return -EINVAL;
                        }
                        *(c == OPT_MAX_LIFETIME    ? &o->max_lifetime_sec
                          : c == OPT_PURGE_AFTER   ? &o->purge_after_sec
                          : c == OPT_RL_INTERVAL   ? &o->rl_interval_sec
                                                   : &o->audit_retention_sec) = v64;
                        break;
                case 'h': usage(stdout); return 1;
                case OPT_VERSION: printf("apikeyd %s\n", APIKEY_VERSION); return 1;
                default: usage(stderr); return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "apikeyd: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* A store that does not exist yet (or is an empty file) may get a new
 * installation secret; an existing one must come with its own. */
static bool store_is_new(const char *db)
{
        struct stat st;

        return lstat(db, &st) < 0 ? errno == ENOENT : (S_ISREG(st.st_mode) && st.st_size == 0);
}

/* The installation secret lives beside the database. */
static int hashkey_path(const char *db, char *buf, size_t bufsz)
{
        const char *slash = strrchr(db, '/');
        int n = slash ? snprintf(buf, bufsz, "%.*s/hash.key", (int)(slash - db), db)
                      : snprintf(buf, bufsz, "hash.key");

        return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

static int open_state(struct daemon *d, const struct options *o)
{
        char path[PATH_MAX];
        int r;

        if (sodium_init() < 0) {
                log_error("libsodium failed to initialise");
                return -EIO;
        }
        r = hashkey_path(o->db, path, sizeof(path));
        if (r == 0)
                r = hashkey_load(path, store_is_new(o->db), &d->hashkey);
        if (r == 0)
                r = store_open(o->db, &d->store);
        if (r == 0)
                r = audit_chain_open(d);
        /* One account lookup before serving: glibc loads its NSS
         * configuration on the first lookup, and that path does not survive
         * running out of memory; later lookups fail cleanly. */
        if (r == 0)
                (void)account_uid("root", &(uid_t){ 0 });
        /* Checkpoints run on the writer's thread, never on this one. */
        if (r == 0)
                r = store_manual_checkpoints(d->store);
        if (r == 0)
                r = writer_start(d);
        return r;
}

static int open_sockets(struct daemon *d, const struct options *o)
{
        int r = o->listen_dir ? 0 : listen_from_systemd(d);

        if (r == 0)
                r = listen_in_dir(d, o->listen_dir ? o->listen_dir : DEFAULT_RUN_DIR);
        if (r < 0)
                log_error("no sockets to serve: %s", strerror(-r));
        return r;
}

static int run(const struct options *o)
{
        struct daemon d = {
                .admin_group = o->admin_group, .max_keys_per_user = o->max_keys_per_user,
                .max_keys_per_sid = o->max_keys_per_sid, .max_lifetime_sec = o->max_lifetime_sec,
                .max_connections = o->max_connections,
                .purge_after_sec = o->purge_after_sec, .audit_retention_sec = o->audit_retention_sec,
                .idle_exit_sec = o->idle_exit_sec, .started_at = (int64_t)time(NULL),
                .usage = calloc(PENDING_MAX, sizeof(struct usage_entry)),
                .audit = calloc(PENDING_MAX, sizeof(struct audit_record)),
        };
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = d.usage && d.audit ? rl_init(&d.rl, o->rl_burst, o->rl_interval_sec * 1000) : -ENOMEM;
        if (r >= 0)
                r = sd_event_default(&d.event);
        if (r >= 0)
                r = open_state(&d, o);
        if (r >= 0)
                r = open_sockets(&d, o);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = server_setup_idle(&d);
        if (r >= 0)
                r = server_setup_timers(&d);
        if (r >= 0) {
                sd_notify(0, "READY=1\nSTATUS=Serving API key authentication");
                log_info("apikeyd %s ready (store %s, admin group %s)", APIKEY_VERSION, o->db, o->admin_group);
                r = sd_event_loop(d.event);
                sd_notify(0, "STOPPING=1");
        }
        if (r < 0)
                log_error("apikeyd: %s", strerror(-r));
        if (d.store && daemon_flush(&d) < 0)
                log_error("could not write the last %zu audit records at exit", d.n_audit);
        writer_stop(&d);
        d.flush_timer = sd_event_source_unref(d.flush_timer);
        d.maintenance_timer = sd_event_source_unref(d.maintenance_timer);
        d.idle_timer = sd_event_source_unref(d.idle_timer);
        d.event = sd_event_unref(d.event); /* closes the sockets it owns */
        store_close(d.store);
        free(d.usage);
        free(d.audit);
        rl_free(&d.rl);
        hashkey_wipe(&d.hashkey);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
        struct options o = {
                .db = DEFAULT_DB_PATH, .admin_group = DEFAULT_ADMIN_GROUP,
                .max_keys_per_user = DEFAULT_MAX_KEYS_PER_USER, .max_keys_per_sid = DEFAULT_MAX_KEYS_PER_SID,
                .purge_after_sec = DEFAULT_PURGE_AFTER_SEC, .audit_retention_sec = DEFAULT_AUDIT_RETENTION_SEC,
                .rl_burst = RL_DEFAULT_BURST, .rl_interval_sec = RL_DEFAULT_INTERVAL_MS / 1000,
                .max_connections = DEFAULT_MAX_CONNECTIONS,
        };
        int r;

        log_setup();
        r = parse_options(argc, argv, &o);
        if (r != 0)
                return r > 0 ? EXIT_SUCCESS : 2;
        return run(&o);
}
