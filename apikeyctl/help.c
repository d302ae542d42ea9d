/* help.c - the general help ('apikeyctl --help') and each command's
 * ('apikeyctl COMMAND --help', 'apikeyctl help COMMAND'). */
#include <stdio.h>

#include "ctl.h"

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
        "Fleet store (PostgreSQL; fleet admins, see 'apikeyctl fleet --help'):\n"
        "  fleet --db URI COMMAND\n"
        "                  manage the fleet database, its hosts and groups: init,\n"
        "                  migrate, add-host, remove-host, set-groups, hosts, groups,\n"
        "                  import\n"
        "  --db URI [--key-file PATH] list|show|disable|enable|delete [ARGS]\n"
        "                  the fleet's keys from your seat, as the database role of\n"
        "                  URI (no daemon); --key-file: the fleet's secret, which\n"
        "                  disable and enable need to seal the row (enable: must)\n"
        "  --db URI service-id list|show [NAME]\n"
        "                  the fleet's service IDs, the same way (read only)\n"
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
        "  --db URI        the fleet database instead of apikeyd (key commands above)\n"
        "  --key-file PATH with --db: the fleet's secret (fleet init --key-file)\n"
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

#define WHEN_HELP                                                                                              \
        "WHEN is a duration (30s, 15m, 12h, 90d, 2w) or an ISO 8601 date or time:\n"                         \
        "2027-01-31 and 2027-01-31T12:00 are local time; 2027-01-31T12:00:00Z and\n"                          \
        "2027-01-31T12:00+02:00 say their zone.\n"

static const char sid_help[] =
        "Usage: apikeyctl service-id COMMAND [NAME] [OPTIONS] [--json]\n"
        "\n"
        "A service ID is an identity for a service rather than a person. Its\n"
        "keys (identity service:NAME) log in as the local account given with\n"
        "--unix-user or, without one, as the user name NAME. Only apikeyd admins\n"
        "manage service IDs and create their keys, with\n"
        "'apikeyctl create --service-id NAME'.\n"
        "\n"
        "Commands:\n"
        "  create NAME [--unix-user USER] [--description TEXT]\n"
        "  list\n"
        "  show NAME\n"
        "  update NAME [--unix-user USER] [--description TEXT]\n"
        "  delete NAME [--force]\n"
        "  lock NAME\n"
        "  unlock NAME\n"
        "\n"
        "NAME is 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a\n"
        "letter or digit. 'apikeyctl service-id COMMAND --help' tells more.\n";

static const char *const command_help[_CTL_MAX] = {
        [CTL_CREATE] =
                "Usage: apikeyctl create [--name NAME] [--description TEXT] [--expires WHEN]\n"
                "                        [--service SERVICE]... [--from CIDR]... [--max-uses N]\n"
                "                        [--leak-action disable|delete|none]\n"
                "                        [--classic [--replace]] [--service-id NAME] [--json]\n"
                "\n"
                "Creates an API key and prints it alone on one line. The key is shown\n"
                "this once only and cannot be recovered: store it now.\n"
                "With --json, prints an object with \"id\", \"key\" and the key's details.\n"
                "\n"
                "  --name NAME           a short label (at most 64 bytes)\n"
                "  --description TEXT    what the key is for (at most 256 bytes)\n"
                "  --expires WHEN        the key stops working then (must be in the future)\n"
                "  --service SERVICE     accept the key only for this PAM service (sshd,\n"
                "                        sudo...); repeat for more, at most 16\n"
                "  --from CIDR           accept the key only from this address or range\n"
                "                        (192.0.2.0/24, 2001:db8::/32); repeat, at most 16\n"
                "  --max-uses N          accept the key for N logins at most\n"
                "  --leak-action ACTION  what 'apikeyctl scan --disable' and a key typed as\n"
                "                        a user name do to the key: disable, delete or none\n"
                "  --classic             a classic key: you can have only one\n"
                "  --replace             with --classic: replace your classic key at once\n"
                "  --service-id NAME     a key of the service ID NAME (admins only)\n"
                "\n" WHEN_HELP,
        [CTL_LIST] =
                "Usage: apikeyctl list [--all] [--user USER] [--service-id NAME]\n"
                "                      [--inactive DURATION] [--limit N] [--after ID] [--json]\n"
                "\n"
                "Lists your keys, oldest first: ID, identity, kind, name, state (\",locked\" added when\n"
                "locked), expiry, last use and uses.\n"
                "\n"
                "  --all                 list every key (admins only)\n"
                "  --user USER           only the keys of USER (yours, or admins)\n"
                "  --service-id NAME     only the keys of the service ID NAME\n"
                "  --inactive DURATION   only keys not used for DURATION (30s, 15m, 12h,\n"
                "                        90d, 2w), counted from their creation if never used\n"
                "  --limit N             one page of at most N keys (1-10000); when more\n"
                "                        exist, says how to get the next (with --json:\n"
                "                        {\"records\": [...], \"next\": ID or null})\n"
                "  --after ID            the keys after the key ID (where a page ended)\n",
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
                "Deletes the key ID for good: it can never log in again. A successor from\n"
                "rotate --until-first-use that was never used takes the keys it was to\n"
                "replace with it (rotate it instead to replace it and keep the old key).\n",
        [CTL_LOCK] =
                "Usage: apikeyctl lock ID [--json]\n"
                "\n"
                "Locks the key ID: it keeps working, but it cannot be disabled, deleted\n"
                "or rotated until it is unlocked. Guards a key that must not go away.\n",
        [CTL_UNLOCK] =
                "Usage: apikeyctl unlock ID [--json]\n"
                "\n"
                "Unlocks the key ID, so that it can be changed and deleted again.\n",
        [CTL_ROTATE] =
                "Usage: apikeyctl rotate ID [--grace DURATION | --until-first-use] [--json]\n"
                "\n"
                "Creates a new key with the same identity, name and restrictions as the\n"
                "key ID and prints it alone on one line (shown this once only). The old\n"
                "key stops working at once, unless:\n"
                "\n"
                "  --grace DURATION      it keeps working for DURATION (30s, 15m, 12h, 90d, 2w)\n"
                "  --until-first-use     it keeps working until the new key is first used\n"
                "\n"
                "Either way at most 90 days (or apikeyd's --max-lifetime if shorter). A key\n"
                "rotated with --until-first-use ends with its successor: when the successor is\n"
                "deleted unused, or when the successor is rotated, the old key ends with it.\n"
                "\n"
                "With --json, prints the new key's object with \"replaces\": the old ID.\n",
        [CTL_SID_CREATE] =
                "Usage: apikeyctl service-id create NAME [--unix-user USER] [--description TEXT] [--json]\n"
                "\n"
                "Creates the service ID NAME (admins only).\n"
                "\n"
                "  --unix-user USER      its keys log in as the local account USER\n"
                "  --description TEXT    what it is for (at most 256 bytes)\n",
        [CTL_SID_LIST] =
                "Usage: apikeyctl service-id list [--json]\n"
                "\n"
                "Lists the service IDs: name, Unix user, locked, number of keys, creation,\n"
                "description.\n",
        [CTL_SID_SHOW] =
                "Usage: apikeyctl service-id show NAME [--json]\n"
                "\n"
                "Shows every detail of the service ID NAME.\n",
        [CTL_SID_UPDATE] =
                "Usage: apikeyctl service-id update NAME [--unix-user USER] [--description TEXT] [--json]\n"
                "\n"
                "Changes what is given, nothing else. --unix-user \"\" removes the mapping\n"
                "to a local account; --description \"\" removes the description.\n",
        [CTL_SID_DELETE] =
                "Usage: apikeyctl service-id delete NAME [--force] [--json]\n"
                "\n"
                "Deletes the service ID NAME. A service ID that still has keys is kept\n"
                "unless --force is given, which deletes its keys too.\n",
        [CTL_SID_LOCK] =
                "Usage: apikeyctl service-id lock NAME [--json]\n"
                "\n"
                "Locks the service ID NAME: it cannot be deleted, even with --force,\n"
                "until it is unlocked.\n",
        [CTL_SID_UNLOCK] =
                "Usage: apikeyctl service-id unlock NAME [--json]\n"
                "\n"
                "Unlocks the service ID NAME.\n",
        [CTL_AUDIT] =
                "Usage: apikeyctl audit [--key ID] [--identity KIND:NAME] [--since WHEN]\n"
                "                       [--limit N] [--after SEQ] [--verify] [--json]\n"
                "\n"
                "Shows the audit log: logins and control commands, oldest first.\n"
                "\n"
                "  --key ID              only the records about the key ID\n"
                "  --identity KIND:NAME  only those about user:NAME or service:NAME\n"
                "  --since WHEN          only those since WHEN (a duration counts back)\n"
                "  --limit N             one page of at most N records (1-10000); when more\n"
                "                        exist, says how to get the next (with --json:\n"
                "                        {\"records\": [...], \"next\": SEQ or null})\n"
                "  --after SEQ           the records after the one numbered SEQ\n"
                "  --verify              check the log's hash chain instead: prints\n"
                "                        \"audit chain ok: N records\" or \"audit chain\n"
                "                        broken at record N: REASON\" (exit status 1)\n"
                "\n" WHEN_HELP,
        [CTL_PURGE_USER] =
                "Usage: apikeyctl purge-user NAME | --orphaned [--json]\n"
                "\n"
                "Removes the keys of an account that no longer exists (admins). A key\n"
                "whose account apikeyd has seen missing is orphaned: dead for good, also\n"
                "if an account of the same name and uid is made again; this deletes it.\n"
                "\n"
                "  NAME         the keys of the deleted account NAME; for an account that\n"
                "               still exists only root may (userdel's hook, apikey-userdel)\n"
                "  --orphaned   look for deleted accounts now, then remove every orphaned key\n"
                "\n"
                "Locked keys are removed too. Prints \"removed N keys of NAME\".\n",
        [CTL_LEAK] =
                "Usage: apikeyctl scan [--disable] [FILE...] [--json]\n"
                "\n"
                "Finds API keys in the FILEs (standard input when none, or for \"-\") and\n"
                "asks apikeyd about each: one line per key found,\n"
                "\n"
                "  FILE:LINE:COLUMN: key ID state STATE[, ACTION]\n"
                "\n"
                "never the key itself. STATE is active, disabled, expired, deleted or\n"
                "unknown (not a real key). A summary goes to standard error.\n"
                "\n"
                "  --disable   apply each key's leak action (disable, delete or none),\n"
                "              whoever owns the key: you hold it; ACTION says what was done\n"
                "\n"
                "A string that is no real key counts as a failed login against your rate\n"
                "limit and is audited; past the limit the scan stops with an error.\n"
                "Lines longer than 1 MiB are skipped with a warning. Exit status 0 when\n"
                "every file was read, whether keys were found or not; 1 when a file could\n"
                "not be read.\n",
        [CTL_STATUS] =
                "Usage: apikeyctl status [--json]\n"
                "\n"
                "Shows apikeyd's version and uptime, how many keys you can see, whether\n"
                "you are an apikeyd admin and the longest lifetime a key may have.\n",
};

void usage_print(FILE *f, enum ctl_command command)
{
        if (command > 0 && command < _CTL_MAX && command_help[command])
                fputs(command_help[command], f);
        else
                usage_print_global(f);
}

void usage_print_sid(FILE *f)
{
        fputs(sid_help, f);
}
