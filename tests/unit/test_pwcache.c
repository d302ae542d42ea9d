/* test_pwcache.c - the cache of /etc/passwd answers only what getpwnam_r's
 * files source would, and only while both files are unchanged: every
 * rewrite (userdel, useradd, usermod: a new inode by rename; an edit in
 * place: size or times) is seen at the next lookup, and anything it cannot
 * read exactly as glibc does makes it step aside. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../apikeyd/pwcache.h"
#include "check.h"

static char dir[] = "/tmp/test_pwcache.XXXXXX";
static char passwd[64], nsswitch[64];

/* Writes path through a temporary file and rename(2), as useradd does. */
static void put(const char *path, const char *text)
{
        char tmp[80];
        FILE *f;

        snprintf(tmp, sizeof(tmp), "%s.new", path);
        f = fopen(tmp, "w");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
                perror(tmp);
                exit(2);
        }
}

/* Rewrites path in place with text of the same length (a new mtime and
 * ctime only; same inode and size). */
static void put_in_place(const char *path, const char *text)
{
        FILE *f = fopen(path, "r+");

        if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
                perror(path);
                exit(2);
        }
}

static int look(struct pwcache *c, const char *name, uid_t *uid)
{
        *uid = (uid_t)-2;
        return pwcache_lookup(c, name, uid);
}

static const char base[] = "root:x:0:0:root:/root:/bin/bash\n"
                           "# a comment\n"
                           "\n"
                           "alice:x:1001:100::/home/alice:/bin/sh\n"
                           "bob:x:1002:100:Bob,,,:/home/bob:/usr/sbin/nologin\n"
                           "alice:x:2001:100::/home/alice2:/bin/sh\n";

static void test_nsswitch_rule(void)
{
#define NS(t) pwcache_nsswitch_files_first(t, strlen(t))
        CHECK(NS("passwd: files\n"), "passwd: files");
        CHECK(NS("passwd:         files systemd\ngroup: files\n"), "files first, then systemd (Debian's default)");
        CHECK(NS("# x\npasswd:files\n"), "no blank after the colon");
        CHECK(!NS("passwd: systemd files\n"), "files not first");
        CHECK(!NS("passwd: files [NOTFOUND=return] systemd\n"), "an action after files");
        CHECK(!NS("passwd: files [SUCCESS=continue] ldap\n"), "SUCCESS=continue after files");
        CHECK(!NS("passwd: compat\n"), "compat is not files");
        CHECK(!NS("passwd: filesx\n"), "a source named like files");
        CHECK(!NS("group: files\n"), "no passwd line");
        CHECK(!NS("passwd: files\npasswd: files\n"), "two passwd lines");
        CHECK(!NS("passwd: sss files\n"), "sss first");
        CHECK(!NS("passwd:\n"), "no source");
        CHECK(NS("passwd: files # comment\n"), "a comment after files");
#undef NS
}

static void test_lookups(void)
{
        struct pwcache c = PWCACHE_INIT(passwd, nsswitch);
        uid_t uid;

        put(nsswitch, "passwd: files systemd\n");
        put(passwd, base);
        CHECK(look(&c, "root", &uid) == 1 && uid == 0, "root found, uid 0");
        CHECK(look(&c, "bob", &uid) == 1 && uid == 1002, "bob found");
        CHECK(look(&c, "alice", &uid) == 1 && uid == 1001, "a name twice: the first line wins, as in glibc");
        CHECK(look(&c, "carol", &uid) == 0, "a miss is never served (the next source may know it)");
        CHECK(look(&c, "+bob", &uid) == 0 && look(&c, "-bob", &uid) == 0, "compat names are not served");
        CHECK(look(&c, "", &uid) == 0, "the empty name is not served");

        /* userdel: the file is replaced without bob. */
        put(passwd, "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:100::/home/alice:/bin/sh\n");
        CHECK(look(&c, "bob", &uid) == 0, "userdel is seen at the next lookup");
        /* useradd: carol appears. */
        put(passwd, "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:100::/home/alice:/bin/sh\n"
                    "carol:x:1003:100::/home/carol:/bin/sh\n");
        CHECK(look(&c, "carol", &uid) == 1 && uid == 1003, "useradd is seen at the next lookup");
        /* usermod -u: same length, new uid. */
        put(passwd, "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:100::/home/alice:/bin/sh\n"
                    "carol:x:1009:100::/home/carol:/bin/sh\n");
        CHECK(look(&c, "carol", &uid) == 1 && uid == 1009, "usermod -u is seen at the next lookup");
        /* An edit in place of the same size: inode and size stay, the times change. */
        usleep(10000);
        put_in_place(passwd, "root:x:0:0:root:/root:/bin/bash\nalice:x:1001:100::/home/alice:/bin/sh\n"
                             "carol:x:1008:100::/home/carol:/bin/sh\n");
        CHECK(look(&c, "carol", &uid) == 1 && uid == 1008, "an edit in place is seen at the next lookup");

        /* nsswitch.conf changes: another source first. */
        put(nsswitch, "passwd: ldap files\n");
        CHECK(look(&c, "root", &uid) == 0, "another source first: nothing is served");
        put(nsswitch, "passwd: files\n");
        CHECK(look(&c, "root", &uid) == 1 && uid == 0, "files first again: served again");

        /* Lines glibc might read otherwise: the whole file is not served. */
        put(passwd, "root:x:0:0:root:/root:/bin/bash\n+nisuser::::::\n");
        CHECK(look(&c, "root", &uid) == 0, "a compat entry: nothing served");
        put(passwd, "root:x:0:0:root:/root:/bin/bash\n  bob:x:1002:100::/:/bin/sh\n");
        CHECK(look(&c, "root", &uid) == 0, "a line with a leading blank: nothing served");
        put(passwd, "root:x:0:0:root:/root:/bin/bash\nbob:x:10a2:100::/:/bin/sh\n");
        CHECK(look(&c, "root", &uid) == 0, "a uid that is not a number: nothing served");
        put(passwd, "root:x:0:0:root:/root:/bin/bash\nbob:x:1002:100:/:/bin/sh\n");
        CHECK(look(&c, "root", &uid) == 0, "six fields: nothing served");
        put(passwd, "root:x:0:0:root:/root:/bin/bash\nbob:x:4294967295:100::/:/bin/sh\n");
        CHECK(look(&c, "root", &uid) == 0, "uid -1: nothing served");
        put(passwd, "root:x:0:0:root:/root:/bin/bash\nbob:x:1002:100::/:/bin/sh");
        CHECK(look(&c, "bob", &uid) == 1 && uid == 1002, "no newline at the end: the last line counts");

        /* A file that goes away. */
        unlink(passwd);
        CHECK(look(&c, "bob", &uid) == 0, "no passwd file: nothing served");
        put(passwd, base);
        CHECK(look(&c, "bob", &uid) == 1 && uid == 1002, "back again");
        unlink(nsswitch);
        CHECK(look(&c, "bob", &uid) == 0, "no nsswitch.conf: nothing served");
        pwcache_free(&c);
}

int main(void)
{
        if (!mkdtemp(dir))
                return 2;
        snprintf(passwd, sizeof(passwd), "%s/passwd", dir);
        snprintf(nsswitch, sizeof(nsswitch), "%s/nsswitch.conf", dir);
        test_nsswitch_rule();
        test_lookups();
        unlink(passwd);
        unlink(nsswitch);
        rmdir(dir);
        return check_done();
}
