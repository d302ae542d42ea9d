/* usage.c - help texts and the one way apikeyctl reports an error. */
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
        "Commands:\n"
        "  create [--name NAME] [--description TEXT]\n"
        "                  create a key for yourself and print it (shown only once)\n"
        "  list [--all]    list your keys; --all lists every key (admins only)\n"
        "  show ID         show the details of one key\n"
        "  disable ID      stop accepting a key (it is kept and can be enabled again)\n"
        "  enable ID       accept a disabled key again\n"
        "  delete ID       delete a key for good\n"
        "  status          show the daemon's version, uptime and number of keys\n"
        "  help [COMMAND]  show this help, or the help of COMMAND\n"
        "\n"
        "ID is the 12-character key ID that 'apikeyctl list' shows: the part of\n"
        "the key between \"apk_\" and the next \"_\". Never pass the whole key.\n"
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
        "  1  other failure (daemon internal error, protocol error)\n"
        "  2  usage error (unknown command or option, missing, extra or invalid argument)\n"
        "  3  permission denied\n"
        "  4  key not found\n"
        "  5  apikeyd unreachable (cannot connect, timed out, connection closed)\n"
        "  6  conflict (the key already exists, or a limit was reached)\n";

static const char *const command_help[_CTL_MAX] = {
        [CTL_CREATE] =
                "Usage: apikeyctl create [--name NAME] [--description TEXT] [--json]\n"
                "\n"
                "Creates an API key for you and prints it alone on one line. The key is\n"
                "shown this once only and cannot be recovered: store it now.\n"
                "With --json, prints an object with \"id\", \"key\" and the key's details.\n"
                "\n"
                "  --name NAME           a short label (at most 64 bytes)\n"
                "  --description TEXT    what the key is for (at most 256 bytes)\n",
        [CTL_LIST] =
                "Usage: apikeyctl list [--all] [--json]\n"
                "\n"
                "Lists your keys: ID, identity, name, state, creation, last use, uses.\n"
                "\n"
                "  --all     list every user's keys (admins only)\n",
        [CTL_SHOW] =
                "Usage: apikeyctl show ID [--json]\n"
                "\n"
                "Shows every detail of the key ID (never the key itself).\n",
        [CTL_DISABLE] =
                "Usage: apikeyctl disable ID [--json]\n"
                "\n"
                "Stops accepting the key ID at login. The key is kept; enable it again\n"
                "with 'apikeyctl enable ID'.\n",
        [CTL_ENABLE] =
                "Usage: apikeyctl enable ID [--json]\n"
                "\n"
                "Accepts the disabled key ID at login again.\n",
        [CTL_DELETE] =
                "Usage: apikeyctl delete ID [--json]\n"
                "\n"
                "Deletes the key ID for good: it can never log in again.\n",
        [CTL_STATUS] =
                "Usage: apikeyctl status [--json]\n"
                "\n"
                "Shows apikeyd's version and uptime, how many keys you can see, and\n"
                "whether you are an apikeyd admin.\n",
};

void usage_print(FILE *f, enum ctl_command command)
{
        if (command > 0 && command < _CTL_MAX && command_help[command])
                fputs(command_help[command], f);
        else
                fputs(global_help, f);
}
