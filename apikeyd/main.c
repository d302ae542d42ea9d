/* main.c - apikeyd: options, set-up, the event loop. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "daemon.h"
#include "duration.h"
#include "log.h"
#include "options.h"
#include "rowmac.h"

/* Where the configuration comes from: the command line names it. */
struct config_choice {
        const char *path;
        bool explicit; /* --config: the file must exist */
        bool none;     /* --no-config */
        bool check;    /* --check-config: print the result and exit */
};

enum { OPT_HELP = 'h', OPT_VERSION = 256, OPT_CONFIG, OPT_NO_CONFIG, OPT_CHECK_CONFIG, OPT_TABLE };

static struct option *long_options(void)
{
        static const struct option fixed[] = {
                { "help", no_argument, NULL, OPT_HELP },
                { "version", no_argument, NULL, OPT_VERSION },
                { "config", required_argument, NULL, OPT_CONFIG },
                { "no-config", no_argument, NULL, OPT_NO_CONFIG },
                { "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
        };
        size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
        struct option *l = calloc(nfixed + option_count + 1, sizeof(*l));

        if (!l)
                return NULL;
        memcpy(l, fixed, sizeof(fixed));
        for (size_t i = 0; i < option_count; i++)
                l[nfixed + i] = (struct option){ option_table[i].name, required_argument, NULL, OPT_TABLE + (int)i };
        return l;
}

/* The command line: table options into cli (last one wins), checked at once
 * so that a usage error names its option. Returns 0 to go on, 1 to exit
 * successfully, -EINVAL on a usage error. */
static int parse_command_line(int argc, char **argv, const char **cli, struct config_choice *cfg)
{
        struct option *longopts = long_options();
        struct options scratch;
        char err[OPTION_ERROR_MAX];
        int c, r = 0;

        if (!longopts || options_init(&scratch) < 0) {
                free(longopts);
                fprintf(stderr, "apikeyd: out of memory\n");
                return -ENOMEM;
        }
        while (r == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                if (c >= OPT_TABLE && (size_t)(c - OPT_TABLE) < option_count) {
                        const struct option_spec *s = &option_table[c - OPT_TABLE];
                        if (option_set(&scratch, s, optarg, err, sizeof(err)) < 0) {
                                fprintf(stderr, "apikeyd: --%s\n", err);
                                r = -EINVAL;
                        }
                        cli[c - OPT_TABLE] = optarg;
                        continue;
                }
                switch (c) {
                case OPT_CONFIG: cfg->path = optarg; cfg->explicit = true; break;
                case OPT_NO_CONFIG: cfg->none = true; break;
                case OPT_CHECK_CONFIG: cfg->check = true; break;
                case OPT_HELP: options_usage(stdout, &scratch); r = 1; break;
                case OPT_VERSION: printf("apikeyd %s\n", APIKEY_VERSION); r = 1; break;
                default: fprintf(stderr, "apikeyd: see 'apikeyd --help' for the options\n"); r = -EINVAL; break;
                }
        }
        if (r == 0 && optind < argc) {
                fprintf(stderr, "apikeyd: unexpected argument '%s'\n", argv[optind]);
                r = -EINVAL;
        }
        if (r == 0 && cfg->none && cfg->explicit) {
                fprintf(stderr, "apikeyd: give --config or --no-config, not both\n");
                r = -EINVAL;
        }
        options_free(&scratch);
        free(longopts);
        return r;
}

/* --check-config: the options in effect, as a configuration file. */
static void print_options(const struct options *o)
{
        char value[OPTION_VALUE_MAX + 1];

        for (size_t i = 0; i < option_count; i++) {
                option_format(o, &option_table[i], value, sizeof(value));
                if (value[0])
                        printf("%s = %s\n", option_table[i].name, value);
                else
                        printf("#%s =\n", option_table[i].name); /* not set */
        }
}

/* Defaults, then the configuration files, then the command line. Nothing
 * runs unless all of it is valid. Returns 0 to run, 1 to exit successfully,
 * or -errno. */
static int load_options(int argc, char **argv, struct options *o)
{
        struct config_choice cfg = { .path = DEFAULT_CONFIG_PATH };
        const char **cli = calloc(option_count, sizeof(*cli));
        char err[OPTION_ERROR_MAX];
        int r;

        if (!cli)
                return -ENOMEM;
        r = parse_command_line(argc, argv, cli, &cfg);
        if (r == 0 && !cfg.none)
                r = config_read(cfg.path, cfg.explicit, o);
        for (size_t i = 0; i < option_count && r == 0; i++)
                if (cli[i])
                        r = option_set(o, &option_table[i], cli[i], err, sizeof(err));
        free(cli);
        if (r == 0 && cfg.check) {
                print_options(o);
                r = 1;
        }
        return r;
}

/* A store that does not exist yet (or is an empty file) may get a new
 * installation secret; an existing one must come with its own. A fleet
 * host's own secret keys only its audit chain and the keys imported from
 * its SQLite store: a host new to the fleet makes one. */
static bool store_is_new(const char *db)
{
        struct stat st;

        if (store_db_is_fleet(db))
                return true;
        return lstat(db, &st) < 0 ? errno == ENOENT : (S_ISREG(st.st_mode) && st.st_size == 0);
}

/* The installation secret and the audit head live in the state directory:
 * --state-dir, else the SQLite file's directory, else (a fleet store)
 * DEFAULT_STATE_DIR. */
static int state_path(const struct options *o, const char *name, char *buf, size_t bufsz)
{
        const char *db = o->db, *slash = strrchr(db, '/');
        int n;

        if (o->state_dir || store_db_is_fleet(db))
                n = snprintf(buf, bufsz, "%s/%s", o->state_dir ? o->state_dir : DEFAULT_STATE_DIR, name);
        else
                n = slash ? snprintf(buf, bufsz, "%.*s/%s", (int)(slash - db), db, name)
                          : snprintf(buf, bufsz, "%s", name);
        return n < 0 || (size_t)n >= bufsz ? -ENAMETOOLONG : 0;
}

/* A fleet store's keys are hashed (and their rows MACed) with the fleet's
 * secret, the same fleet.key on every host, made by `apikeyctl fleet init
 * --key-file` and copied by the admin: never made here, or this host's
 * keys would work nowhere else. */
static int open_fleet_key(struct daemon *d, const struct options *o)
{
        char path[PATH_MAX];
        uint8_t host_row_key[STORE_ROW_KEY_LEN];
        int r = state_path(o, "fleet.key", path, sizeof(path));

        if (r == 0 && (r = hashkey_load(path, false, &d->fleetkey)) == -ENOENT)
                log_error("%s is missing: copy the fleet's key there (made by 'apikeyctl fleet --db URI init "
                          "--key-file PATH'; mode 0600, owned by the daemon's user)",
                          path);
        if (r < 0)
                return r;
        d->has_fleetkey = true;
        hashkey_derive(&d->fleetkey, ROWMAC_CONTEXT, d->row_key);
        r = store_open(o->db, d->row_key, &d->store);
        if (r == 0) {
                hashkey_derive(&d->hashkey, ROWMAC_CONTEXT, host_row_key);
                store_set_host_row_key(d->store, host_row_key);
                sodium_memzero(host_row_key, sizeof(host_row_key));
        }
        return r;
}

static int open_state(struct daemon *d, const struct options *o)
{
        char path[PATH_MAX];
        int r;

        if (sodium_init() < 0) {
                log_error("libsodium failed to initialise");
                return -EIO;
        }
        r = state_path(o, "hash.key", path, sizeof(path));
        if (r == 0)
                r = safedir_check_parent(path);
        if (r == 0)
                r = state_path(o, "audit.head", d->head_path, sizeof(d->head_path));
        if (r == 0 && (r = hashkey_load(path, store_is_new(o->db), &d->hashkey)) == -ENOENT)
                log_error("%s is missing but the store already exists; restore it from backup "
                          "(without it no stored key can be verified)",
                          path);
        if (r == 0 && store_db_is_fleet(o->db))
                r = open_fleet_key(d, o);
        else if (r == 0) {
                hashkey_derive(&d->hashkey, ROWMAC_CONTEXT, d->row_key);
                r = store_open(o->db, d->row_key, &d->store);
        }
        if (r == 0)
                /* Stores from before the row MACs had no head file. */
                r = audit_chain_open(d, store_opened_version(d->store) >= STORE_SCHEMA_ROW_MACS ||
                                                store_db_is_fleet(o->db));
        /* One account lookup before serving: glibc loads its NSS
         * configuration on the first lookup, and that path does not survive
         * running out of memory; later lookups fail cleanly. */
        if (r == 0)
                (void)account_uid("root", &(uid_t){ 0 });
        /* Checkpoints run on the writer's thread, never on this one. */
        if (r == 0)
                r = store_manual_checkpoints(d->store);
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
                .admin_group = o->admin_group, .max_keys_per_user = (unsigned)o->max_keys_per_user,
                .max_keys_per_sid = (unsigned)o->max_keys_per_sid, .max_lifetime_sec = o->max_lifetime_sec,
                .max_connections = (unsigned)o->max_connections, .options = o,
                .max_connections_per_uid = (unsigned)o->max_connections_per_uid,
                .purge_after_sec = o->purge_after_sec, .audit_retention_sec = o->audit_retention_sec,
                .audit_max_records = o->audit_max_records,
                .idle_exit_sec = o->idle_exit_sec, .started_at = (int64_t)time(NULL),
                .orphan_scan_sec = o->orphan_scan_sec,
                .usage = calloc(PENDING_MAX, sizeof(struct usage_entry)),
                .audit = calloc(PENDING_MAX, sizeof(struct audit_record)),
        };
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = d.usage && d.audit ? rl_init(&d.rl, (unsigned)o->rl_burst, o->rl_interval_sec * 1000) : -ENOMEM;
        /* A loop of our own, not sd_event_default(): the default loop asks
         * the kernel for the thread's id (gettid) on every iteration to
         * check it runs where it was made, one system call per login. */
        if (r >= 0)
                r = sd_event_new(&d.event);
        if (r >= 0)
                r = open_state(&d, o);
        if (r >= 0)
                r = open_sockets(&d, o);
        /* After the sockets: binding them changes the process's umask. */
        if (r >= 0)
                r = writer_start(&d);
        /* Before the first request: keys whose account went while the
         * daemon was not running die now (orphan.c). */
        if (r >= 0)
                (void)orphan_scan(&d);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(d.event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = server_setup_idle(&d);
        if (r >= 0)
                r = server_setup_timers(&d);
        if (r >= 0)
                r = tally_start(&d);
        if (r >= 0) {
                sd_notify(0, "READY=1\nSTATUS=Serving API key authentication");
                char db[OPTION_VALUE_MAX + 1];
                store_db_redact(o->db, db, sizeof(db));
                log_info("apikeyd %s ready (store %s%s%s, admin group %s)", APIKEY_VERSION, db,
                         store_host(d.store)[0] ? ", fleet host " : "", store_host(d.store), o->admin_group);
                r = sd_event_loop(d.event);
                sd_notify(0, "STOPPING=1");
        }
        if (r < 0)
                log_error("exiting: %s", strerror(-r));
        if (d.store)
                tally_stop(&d); /* the counts of the last interval go into the log */
        if (d.store && daemon_flush(&d) < 0)
                log_error("could not write the last %zu audit records at exit", d.n_audit);
        writer_stop(&d);
        d.flush_timer = sd_event_source_unref(d.flush_timer);
        d.maintenance_timer = sd_event_source_unref(d.maintenance_timer);
        d.orphan_timer = sd_event_source_unref(d.orphan_timer);
        d.idle_timer = sd_event_source_unref(d.idle_timer);
        d.accept_timer = sd_event_source_unref(d.accept_timer);
        d.conn_timer = sd_event_source_unref(d.conn_timer);
        account_cache_free();
        d.event = sd_event_unref(d.event); /* closes the sockets it owns */
        store_close(d.store);
        free(d.usage);
        free(d.audit);
        free(d.uid_counts);
        rl_free(&d.rl);
        hashkey_wipe(&d.hashkey);
        hashkey_wipe(&d.fleetkey);
        sodium_memzero(d.row_key, sizeof(d.row_key));
        sodium_memzero(d.chain_key, sizeof(d.chain_key));
        sodium_memzero(d.head_key, sizeof(d.head_key));
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
        struct options o;
        int r;

        log_setup();
        /* No core dump, no ptrace by the same uid, no /proc/PID/mem: the
         * process holds the installation secret. */
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
                log_error("cannot make the process non-dumpable: %m");
                return EXIT_FAILURE;
        }
        r = options_init(&o);
        if (r == 0)
                r = load_options(argc, argv, &o);
        if (r == 0)
                r = run(&o);
        else
                r = r > 0 ? EXIT_SUCCESS : 2;
        options_free(&o);
        return r;
}
