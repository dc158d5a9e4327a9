/*
 * cli/serve_bids.h — what `sunbid serve` does for sealed bids: its two
 * options and opening the bid service (domain/bids.h) into the app.
 */
#ifndef SUNBID_CLI_SERVE_BIDS_H
#define SUNBID_CLI_SERVE_BIDS_H

#include <stdint.h>

#include "api/api.h"
#include "domain/bids.h"

/* --bid-max-mb N ('B') and --ca-dir DIR ('A'). 0, or -1 after a message. */
int serve_bids_opt(int opt, const char *arg, uint64_t *bid_max, const char **ca_dir);
/* Imports ca_dir (if any) into the trusted CAs and opens app->bids. 0, or
 * -1 after a message on stderr. */
int serve_bids_open(struct app *app, const char *data_dir, const char *node, uint64_t bid_max,
                    const char *ca_dir);

#endif
