/*
 * cli/main.c — `sunbid COMMAND [OPTIONS]`: dispatch to the commands of cli.h.
 */
#include <openssl/opensslv.h>
#include <jansson.h>
#include <sqlite3.h>
#include <uv.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
    fputs("usage: sunbid COMMAND [OPTIONS]\n"
          "\n"
          "sunbid — open public-resource trading platform\n"
          "\n"
          "commands:\n"
          "  serve     run the HTTP server\n"
          "  migrate   apply pending schema migrations\n"
          "  user      add | passwd | list users\n"
          "  org       add | list organisations\n"
          "  demo      seed demo organisations, users and tenders\n"
          "  ledger    check: recompute the witness log, report altered rows\n"
          "  witness   witness a log: check consistency, cosign; keygen\n"
          "  verify    check a witness certificate offline\n"
          "  ca        a local test CA; check an X.509 certificate\n"
          "  seal      seal bid files into a signed envelope (offline)\n"
          "  unseal    verify / decrypt an envelope; --inspect shows its header\n"
          "  verify-receipt  check a bid receipt against the platform's key\n"
          "  escrow    a tender's escrow key: pubkey; an officer's share\n"
          "  opening   the opening hall from the CLI: decrypt | sign | verify-record\n"
          "  draw      verify an expert draw from its published record\n"
          "  evaluation  verify a signed evaluation report offline (--lot N)\n"
          "  calendar  the working-day calendar: import a year | due (a deadline)\n"
          "  screens   bid-rigging price screens: compute | train | score | cv\n"
          "  redflags  OCDS red flags (Cardinal's indicators) over JSONL releases\n"
          "  similarity  bid document similarity over a directory of bids\n"
          "  graph     relationships between bidding organisations\n"
          "  experts-bias  experts who favour a firm: a permutation test\n"
          "  boq       compare priced bills of quantities (offline)\n"
          "  version   print the version and library versions\n"
          "\n"
          "Every command takes --help. Commands that use the store take\n"
          "--data-dir DIR and --db URL (sqlite:PATH or postgres://...).\n",
          f);
}

static int version(void)
{
    printf("sunbid %s (sqlite %s, %s, libuv %s, jansson %s)\n", SUNBID_VERSION,
           sqlite3_libversion(), OPENSSL_VERSION_TEXT, uv_version_string(), JANSSON_VERSION);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0)
        return version();
    if (strcmp(cmd, "serve") == 0)
        return cli_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "migrate") == 0)
        return cli_migrate(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0)
        return cli_user(argc - 1, argv + 1);
    if (strcmp(cmd, "org") == 0)
        return cli_org(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0)
        return cli_demo(argc - 1, argv + 1);
    if (strcmp(cmd, "ledger") == 0)
        return cli_ledger(argc - 1, argv + 1);
    if (strcmp(cmd, "witness") == 0)
        return cli_witness(argc - 1, argv + 1);
    if (strcmp(cmd, "redflags") == 0)
        return cli_redflags(argc - 1, argv + 1);
    if (strcmp(cmd, "screens") == 0)
        return cli_screens(argc - 1, argv + 1);
    if (strcmp(cmd, "similarity") == 0)
        return cli_similarity(argc - 1, argv + 1);
    if (strcmp(cmd, "graph") == 0)
        return cli_graph(argc - 1, argv + 1);
    if (strcmp(cmd, "experts-bias") == 0)
        return cli_experts_bias(argc - 1, argv + 1);
    if (strcmp(cmd, "verify") == 0)
        return cli_verify(argc - 1, argv + 1);
    if (strcmp(cmd, "ca") == 0)
        return cli_ca(argc - 1, argv + 1);
    if (strcmp(cmd, "seal") == 0)
        return cli_seal(argc - 1, argv + 1);
    if (strcmp(cmd, "unseal") == 0)
        return cli_unseal(argc - 1, argv + 1);
    if (strcmp(cmd, "opening") == 0)
        return cli_opening(argc - 1, argv + 1);
    if (strcmp(cmd, "escrow") == 0)
        return cli_escrow(argc - 1, argv + 1);
    if (strcmp(cmd, "verify-receipt") == 0)
        return cli_verify_receipt(argc - 1, argv + 1);
    if (strcmp(cmd, "draw") == 0)
        return cli_draw(argc - 1, argv + 1);
    if (strcmp(cmd, "evaluation") == 0)
        return cli_evaluation(argc - 1, argv + 1);
    if (strcmp(cmd, "boq") == 0)
        return cli_boq(argc - 1, argv + 1);
    if (strcmp(cmd, "calendar") == 0)
        return cli_calendar(argc - 1, argv + 1);
    fprintf(stderr, "sunbid: unknown command '%s'\n", cmd);
    usage(stderr);
    return CLI_USAGE;
}
