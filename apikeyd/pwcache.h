/* pwcache.h - an exact cache of the account database's "files" source for
 * the daemon's owner checks (a getpwnam_r per login read and parsed all of
 * /etc/passwd: ~13 % of the daemon's CPU, issue 14).
 *
 * It answers only what getpwnam_r would answer from /etc/passwd itself:
 *  - nsswitch.conf has exactly one "passwd:" line, and its first source is
 *    `files` with no [action] after it, so glibc returns the files answer
 *    whenever files has the name (the default SUCCESS=return) and never
 *    asks the sources after it;
 *  - the name is in /etc/passwd (a miss is never served: the sources after
 *    files, e.g. systemd, may know it);
 *  - every line of /etc/passwd is one this parser and glibc's read alike
 *    (empty, a comment, or seven fields with decimal uid and gid, no
 *    leading blank, no "+"/"-" compat entry), else nothing is served;
 *  - both files have the inode, size, mtime and ctime they had when it was
 *    loaded: one stat(2) of each per lookup. Never a timed cache.
 * Anything else, and any error: "cannot say", and the caller asks NSS. */
#ifndef APIKEYD_PWCACHE_H
#define APIKEYD_PWCACHE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

struct pwcache_entry {
        char *name;
        uid_t uid;
        size_t line; /* first match wins, as in the file */
};

struct pwcache_file {
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime, ctime;
        bool valid;
};

struct pwcache {
        const char *passwd_path, *nsswitch_path;
        struct pwcache_file passwd, nsswitch;
        bool nsswitch_ok;     /* the nsswitch.conf read lets files answers stand */
        bool passwd_ok;       /* every line of the passwd read was parsed alike */
        bool usable;          /* both: the cache may serve */
        struct pwcache_entry *entries; /* sorted by name, then line */
        size_t n;
        char *names;          /* the names, one allocation */
};

#define PWCACHE_INIT(pw, ns) { .passwd_path = (pw), .nsswitch_path = (ns) }

/* 1 and *ret_uid: name is in the files source and that is what NSS
 * answers; 0: cannot say (ask getpwnam_r). */
int pwcache_lookup(struct pwcache *c, const char *name, uid_t *ret_uid);
void pwcache_free(struct pwcache *c);

/* Whether the nsswitch.conf text lets a files hit stand for NSS's answer
 * (exposed for the unit tests). */
bool pwcache_nsswitch_files_first(const char *text, size_t len);

#endif
