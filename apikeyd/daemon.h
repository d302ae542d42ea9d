/* daemon.h - the daemon's state and the pieces that share it. */
#ifndef APIKEYD_DAEMON_H
#define APIKEYD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "hashkey.h"
#include "store.h"
#include "wire.h"

#define DEFAULT_DB_PATH "/var/lib/apikeyd/keys.db"
#define DEFAULT_RUN_DIR "/run/apikeyd"
#define DEFAULT_ADMIN_GROUP "apikey-admin"
#define DEFAULT_MAX_KEYS_PER_USER 20
#define CONN_TIMEOUT_MS 5000 /* a client that sends nothing is dropped */

struct daemon {
        sd_event *event;
        struct store *store;
        struct hashkey hashkey;
        const char *admin_group;
        unsigned max_keys_per_user;
        uint64_t idle_exit_sec; /* 0: never */
        sd_event_source *idle_timer;
        unsigned connections;
        int64_t started_at; /* CLOCK_REALTIME seconds */
};

/* The caller on one connection, from the kernel (SO_PEERCRED), never from
 * anything the client sends. */
struct peer {
        int fd;
        uid_t uid;
        gid_t gid;
        pid_t pid;
        int64_t deadline_ms;
};

int peer_from_fd(int fd, struct peer *ret);
/* Root, or a member of the admin group by the peer's kernel group list. */
bool peer_is_admin(const struct peer *p, const char *admin_group);
/* The account name of the peer's uid: 0 or -ENOENT. */
int peer_name(const struct peer *p, char *buf, size_t bufsz);
/* Finishes and sends one reply message on the peer's connection. */
int peer_send(const struct peer *p, struct wire_buf *b);

void auth_handle(struct daemon *d, const struct peer *p, const struct wire_msg *req);
void control_handle(struct daemon *d, const struct peer *p, const struct wire_msg *req);
/* Answers a request that could not be parsed, with the listener's reply type. */
void auth_reject(const struct peer *p);
void control_reject(const struct peer *p, const char *why);

enum listener_kind { LISTENER_AUTH, LISTENER_CONTROL };
int server_add_listener(struct daemon *d, int fd, enum listener_kind kind);
int server_setup_idle(struct daemon *d);

/* Listening sockets: from systemd by name, or bound in dir. Returns the
 * number added or -errno. */
int listen_from_systemd(struct daemon *d);
int listen_in_dir(struct daemon *d, const char *dir);

/* Whether the account name/uid pair still exists as stored. */
bool account_matches(const char *name, uint32_t uid);

#endif
