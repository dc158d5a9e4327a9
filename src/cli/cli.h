/*
 * cli.h — the `sunbid` command line. main.c dispatches to one function per
 * command; each parses its own options (getopt_long) and returns an exit code
 * a script can rely on:
 *
 *   0  success
 *   1  failure at run time (I/O, store, server)
 *   2  usage error (unknown option, missing argument)
 *   3  invalid input (bad USCC, weak password, unknown role ...)
 *   4  conflict (already exists) or not found
 *   5  log damaged (`ledger check` found an altered row), or a certificate
 *      invalid (`verify` found a failed check)
 *
 * Errors go to stderr as "sunbid: <command>: <message>". Every command that
 * touches the store takes --data-dir DIR and --db URL.
 */
#ifndef SUNBID_CLI_H
#define SUNBID_CLI_H

#include "base/errors.h"
#include "store/store.h"

enum {
    CLI_OK = 0,
    CLI_FAIL = 1,
    CLI_USAGE = 2,
    CLI_INVALID = 3,
    CLI_CONFLICT = 4,
    CLI_DAMAGED = 5
};

/* The options every store-touching command shares. */
struct cli_store_opts {
    const char *data_dir; /* --data-dir, default $SUNBID_DATA_DIR or ./var/data */
    const char *db;       /* --db sqlite:PATH | postgres://..., default sqlite in data_dir */
};

/* --data-dir, else $SUNBID_DATA_DIR, else var/data. */
const char *cli_data_dir(const struct cli_store_opts *o);
/* Opens and migrates the store; prints the error and returns NULL on failure. */
struct store *cli_open_store(const char *cmd, const struct cli_store_opts *o);
/* Exit code for a domain error; prints it with the field. */
int cli_report(const char *cmd, enum err e, const char *field);

int cli_serve(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_org(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_ledger(int argc, char **argv);
int cli_witness(int argc, char **argv);
int cli_redflags(int argc, char **argv);
int cli_screens(int argc, char **argv);
int cli_similarity(int argc, char **argv); /* cli/similarity.c */
int cli_graph(int argc, char **argv);      /* cli/graph.c */
/* cli/experts_bias.c */
int cli_experts_bias(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_ca(int argc, char **argv);
int cli_seal(int argc, char **argv);           /* cli/seal.c */
int cli_unseal(int argc, char **argv);         /* cli/seal.c */
int cli_opening(int argc, char **argv);        /* cli/opening.c: sign, decrypt, verify-record */
int cli_escrow(int argc, char **argv);         /* cli/escrow.c: pubkey, share */
int cli_verify_receipt(int argc, char **argv); /* cli/receipt.c */
int cli_draw(int argc, char **argv);           /* cli/draw.c: draw verify */
int cli_evaluation(int argc, char **argv);     /* cli/evaluation.c: evaluation verify */
int cli_boq(int argc, char **argv);            /* cli/boq.c: boq compare */
int cli_calendar(int argc, char **argv);       /* cli/calendar.c: import, due */
/* Seeds the demo expert pool (cli/demo_experts.c); CLI_OK when present. */
int cli_demo_experts(struct store *s);
/* Seeds the demo CA and bidder certificates in data_dir (cli/demo_certs.c). */
int cli_demo_certs(struct store *s, const char *data_dir);
/* Officers' certificates and the demo escrow tender (cli/demo_escrow.c). */
int cli_demo_escrow(struct store *s, const char *data_dir);
/* The demo experts' signing certificates (cli/demo_experts.c). */
int cli_demo_expert_certs(struct store *s, const char *data_dir);
/* The demo's opening-hall tender with three sealed bids (cli/demo_hall.c). */
int cli_demo_hall(struct store *s, const char *data_dir);
struct tender_caller;
/* A caller for the demo user username (a static string), for the seeding
 * steps that run as that user (cli/demo.c). */
int cli_demo_caller(struct store *s, const char *username, struct tender_caller *c);

#endif
