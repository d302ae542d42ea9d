/* journal_sink.c - stands in for journald in tests/integration/journal.sh:
 * binds the datagram socket PATH (in a private mount namespace it is
 * /run/systemd/journal/socket, where sd_journal_send() writes) and prints
 * each record it receives on stdout, its fields one per line, followed by an
 * empty line, until SECONDS pass or it is sent SIGTERM.
 *
 *   journal_sink PATH SECONDS
 *
 * Records in journald's native protocol: "FIELD=value\n", or for a value
 * holding a newline "FIELD\n" + 64-bit little-endian length + value + "\n";
 * such values are printed with their newlines as "\n". */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
        (void)sig;
        stop = 1;
}

static void print_value(const char *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                fputs(p[i] == '\n' ? "\\n" : (char[]){ p[i], 0 }, stdout);
}

/* Prints one native-protocol record; returns -1 when malformed. */
static int print_record(const char *p, size_t n)
{
        while (n > 0) {
                const char *nl = memchr(p, '\n', n), *eq;
                size_t len;

                if (!nl)
                        return -1;
                eq = memchr(p, '=', (size_t)(nl - p));
                if (eq) {
                        fwrite(p, 1, (size_t)(eq - p + 1), stdout);
                        print_value(eq + 1, (size_t)(nl - eq - 1));
                        fputc('\n', stdout);
                        n -= (size_t)(nl - p + 1);
                        p = nl + 1;
                        continue;
                }
                /* FIELD\n <u64 le length> value \n */
                uint64_t vlen = 0;
                len = (size_t)(nl - p);
                if (n < len + 1 + 8)
                        return -1;
                for (int i = 7; i >= 0; i--)
                        vlen = (vlen << 8) | (unsigned char)nl[1 + i];
                if (vlen > n - len - 1 - 8 - 1)
                        return -1;
                fwrite(p, 1, len, stdout);
                fputc('=', stdout);
                print_value(nl + 1 + 8, (size_t)vlen);
                fputc('\n', stdout);
                n -= len + 1 + 8 + (size_t)vlen + 1;
                p = nl + 1 + 8 + vlen + 1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        static char buf[1 << 20];
        time_t end;
        int fd;

        if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: journal_sink PATH SECONDS\n");
                return 2;
        }
        end = time(NULL) + atoi(argv[2]);
        signal(SIGTERM, on_term);
        strcpy(sa.sun_path, argv[1]);
        unlink(argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                perror("journal_sink");
                return 1;
        }
        while (!stop && time(NULL) < end) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (poll(&p, 1, 100) <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf), 0);
                if (n <= 0)
                        continue;
                if (print_record(buf, (size_t)n) < 0)
                        printf("MALFORMED\n");
                printf("\n");
                fflush(stdout);
        }
        close(fd);
        return 0;
}
