/* peer.c - who is on the other end of a connection, from the kernel. */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon.h"
#include "log.h"
#include "pwcache.h"
#include "transport.h"

#define NSS_BUF_MAX (1 << 20)

int peer_from_fd(int fd, struct peer *ret)
{
        struct ucred cred;
        int r = transport_peer_cred(fd, &cred);

        if (r < 0)
                return r;
        *ret = (struct peer){
                .fd = fd, .uid = cred.uid, .gid = cred.gid, .pid = cred.pid,
        };
        return 0;
}

/* Runs an NSS *_r lookup with a buffer that grows on ERANGE. The lookup
 * returns 0 (found), a positive errno, or -ENOENT (no such entry). */
typedef int (*nss_lookup_fn)(void *ctx, char *buf, size_t size);

static int nss_with_buffer(nss_lookup_fn lookup, void *ctx)
{
        for (size_t size = 4096;; size *= 2) {
                char *buf = malloc(size);
                int r;

                if (!buf)
                        return -ENOMEM;
                r = lookup(ctx, buf, size);
                free(buf);
                if (r == ERANGE && size < NSS_BUF_MAX)
                        continue;
                return r > 0 ? -r : r;
        }
}

struct group_query {
        const char *name;
        gid_t gid;
};

static int group_lookup(void *ctx, char *buf, size_t size)
{
        struct group_query *q = ctx;
        struct group gr, *res = NULL;
        int r = getgrnam_r(q->name, &gr, buf, size, &res);

        if (r != 0)
                return r;
        if (!res)
                return -ENOENT;
        q->gid = res->gr_gid;
        return 0;
}

static int admin_gid(const char *group, gid_t *ret)
{
        struct group_query q = { .name = group };
        int r = nss_with_buffer(group_lookup, &q);

        if (r == 0)
                *ret = q.gid;
        return r;
}

/* SO_PEERGROUPS: the supplementary groups the peer had when it connected. */
static bool peer_in_group(const struct peer *p, gid_t gid)
{
        gid_t groups[1024];
        socklen_t len = sizeof(groups);

        if (p->gid == gid)
                return true;
        if (getsockopt(p->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
                log_warning("SO_PEERGROUPS failed for pid %d: %m; not treating it as admin", (int)p->pid);
                return false;
        }
        for (size_t i = 0; i < len / sizeof(gid_t); i++)
                if (groups[i] == gid)
                        return true;
        return false;
}

bool peer_is_admin(const struct peer *p, const char *admin_group)
{
        gid_t gid;

        if (p->uid == 0)
                return true;
        if (!admin_group || !*admin_group || admin_gid(admin_group, &gid) < 0)
                return false;
        return peer_in_group(p, gid);
}

/* getpwnam_r or, without a name, getpwuid_r. */
struct account_query {
        const char *name;
        uid_t uid;
        char *ret_name; /* optional */
        size_t namesz;
        uid_t ret_uid;
};

static int account_lookup(void *ctx, char *buf, size_t size)
{
        struct account_query *q = ctx;
        struct passwd pw, *res = NULL;
        int r = q->name ? getpwnam_r(q->name, &pw, buf, size, &res) : getpwuid_r(q->uid, &pw, buf, size, &res);

        if (r != 0)
                return r;
        if (!res)
                return -ENOENT;
        if (q->ret_name && strlen(res->pw_name) >= q->namesz)
                return ENAMETOOLONG;
        if (q->ret_name)
                strcpy(q->ret_name, res->pw_name);
        q->ret_uid = res->pw_uid;
        return 0;
}

int peer_name(const struct peer *p, char *buf, size_t bufsz)
{
        struct account_query q = { .uid = p->uid, .ret_name = buf, .namesz = bufsz };

        return nss_with_buffer(account_lookup, &q);
}

/* The accounts of /etc/passwd, served only while NSS would answer the
 * same (pwcache.h): the owner check of every login without reading and
 * parsing the file each time. */
static struct pwcache accounts = PWCACHE_INIT("/etc/passwd", "/etc/nsswitch.conf");
static pthread_mutex_t accounts_lock = PTHREAD_MUTEX_INITIALIZER;

/* getpwnam_r's answer for name: from the cache when it may say, else NSS. */
static int account_by_name(const char *name, uid_t *ret_uid)
{
        struct account_query q = { .name = name };
        int r;

        pthread_mutex_lock(&accounts_lock);
        r = pwcache_lookup(&accounts, name, ret_uid);
        pthread_mutex_unlock(&accounts_lock);
        if (r == 1)
                return 0;
        r = nss_with_buffer(account_lookup, &q);
        if (r == 0)
                *ret_uid = q.ret_uid;
        return r;
}

void account_cache_free(void)
{
        pthread_mutex_lock(&accounts_lock);
        pwcache_free(&accounts);
        pthread_mutex_unlock(&accounts_lock);
}

int account_matches(const char *name, uint32_t uid)
{
        struct account_query q = { 0 };
        int r = account_by_name(name, &q.ret_uid);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r; /* NSS failed: we cannot tell, which is not "gone" */
        return q.ret_uid == (uid_t)uid;
}

int peer_send(const struct peer *p, struct wire_buf *b)
{
        int r = wire_finish(b);

        if (r < 0) {
                log_error("refusing to send an invalid reply: %s", strerror(-r));
                return r;
        }
        return conn_queue(p->conn, b->data, b->len);
}

int peer_produce(const struct peer *p, produce_fn step, void *state, void (*free_state)(void *))
{
        return conn_produce(p->conn, step, state, free_state);
}

void peer_renew_life(const struct peer *p)
{
        conn_renew_life(p->conn);
}

int account_uid(const char *name, uid_t *ret)
{
        return account_by_name(name, ret);
}
