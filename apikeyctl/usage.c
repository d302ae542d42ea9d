/* usage.c - the one way apikeyctl reports an error, and the global help.
 * Each command's help is in help.c. */
#include <stdarg.h>
#include <stdio.h>

#include "ctl.h"

void ctl_err(const char *fmt, ...)
{
        va_list ap;

        fflush(stdout);
        fputs("apikeyctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void ctl_err_text(const char *daemon_text)
{
        fflush(stdout);
        fputs("apikeyctl: ", stderr);
        text_put(stderr, daemon_text);
        fputc('\n', stderr);
}

int ctl_protocol_error(const char *what)
{
        ctl_err("protocol error: %s (are apikeyctl and apikeyd the same version?)", what);
        return EXIT_FAILURE_OTHER;
}

static const char global_help[] =
        "Usage: apikeyctl [--socket PATH] [--json] COMMAND [ARGS]\n"
        "\n"
        "Manage the API keys that log you in to this machine (kept by apikeyd).\n"
        "\n"
        "Keys:\n"
        "  create [--name NAME] [--description TEXT] [--expires WHEN] [--service S]...\n"
        "         [--from CIDR]... [--max-uses N] [--leak-action disable|delete|none]\n"
        "         [--classic [--replace]] [--service-id NAME]\n"
        "                  create a key and print it (shown only once)\n"
        "  list [--all] [--user USER] [--service-id NAME] [--inactive DURATION]\n"
        "                  list your keys; --all: every key (admins only)\n"
        "  show ID         show the details of one key\n"
        "  disable ID      stop accepting a key (it is kept and can be enabled again)\n"
        "  enable ID       accept a disabled key again\n"
        "  lock ID         protect a key from being disabled, deleted or rotated\n"
        "  unlock ID       remove that protection\n"
        "  delete ID       delete a key for good\n"
        "  rotate ID [--grace DURATION | --until-first-use]\n"
        "                  replace a key with a new one and print the new key\n"
        "  scan [--disable] [FILE...]\n"
        "                  find keys in files (or standard input) and report them\n"
        "\n"
        "Accounts (admins):\n"
        "  purge-user NAME | --orphaned\n"
        "                  remove the keys of a deleted account, or of every one\n"
        "\n"
        "Service IDs (admins):\n"
        "  service-id create|list|show|update|delete|lock|unlock [NAME] [OPTIONS]\n"
        "                  manage service IDs, the identities of services' keys\n"
        "\n"
        "Daemon:\n"
        "  audit [--key ID] [--identity KIND:NAME] [--since WHEN] [--verify]\n"
        "                  show the audit log, or verify its hash chain\n"
        "  status          show the daemon's version, uptime and number of keys\n"
        "  help [COMMAND]  show this help, or the help of COMMAND\n"
        "\n"
        "ID is the 12-character key ID that 'apikeyctl list' shows: the part of\n"
        "the key between \"apk_\" and the next \"_\". Never pass the whole key.\n"
        "DURATION is a number and a unit: 30s, 15m, 12h, 90d, 2w. WHEN is a\n"
        "DURATION (from now) or an ISO 8601 date or time: 2027-01-31,\n"
        "2027-01-31T12:00 (local), 2027-01-31T12:00:00Z, 2027-01-31T12:00+02:00.\n"
        "\n"
        "Options:\n"
        "  --socket PATH   apikeyd's control socket (default: $" CTL_SOCKET_ENV ",\n"
        "                  else " CTL_DEFAULT_SOCKET ")\n"
        "  --json          print JSON instead of text\n"
        "  -h, --help      show this help; after COMMAND, that command's help\n"
        "  --version       print the version\n"
        "--json, --socket and --help are also accepted after COMMAND.\n"
        "\n"
        "Exit status:\n"
        "  0  success\n"
        "  1  other failure (daemon internal error, protocol error, unreadable file,\n"
        "     broken audit chain)\n"
        "  2  usage error (unknown command or option, missing, extra or invalid argument)\n"
        "  3  permission denied\n"
        "  4  key or service ID not found\n"
        "  5  apikeyd unreachable (cannot connect, timed out, connection closed)\n"
        "  6  conflict (it already exists, it is locked, it still has keys, or a limit\n"
        "     was reached)\n";

void usage_print_global(FILE *f)
{
        fputs(global_help, f);
}
