/*
 * cli/serve_bids.c — `sunbid serve --bid-max-mb N --ca-dir DIR` and the
 * opening of the sealed-bid service (serve_bids.h), with a loud warning
 * when the data directory is a demo's (<data>/demo-keys holds private
 * keys: such an install is not sealed against its operator). Main thread,
 * at start.
 */
#include "cli/serve_bids.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/log.h"
#include "domain/trust.h"

int serve_bids_opt(int opt, const char *arg, uint64_t *bid_max, const char **ca_dir)
{
    if (opt == 'A') {
        *ca_dir = arg;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long long mb = strtoll(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || mb < 1 || (uint64_t)mb > (BID_HARD_MAX >> 20)) {
        fprintf(stderr, "sunbid: serve: --bid-max-mb wants 1..%llu\n",
                (unsigned long long)(BID_HARD_MAX >> 20));
        return -1;
    }
    *bid_max = (uint64_t)mb << 20;
    return 0;
}

int serve_bids_open(struct app *app, const char *data_dir, const char *node, uint64_t bid_max,
                    const char *ca_dir)
{
    char err[512], keys[4096], ca[4096];
    struct stat st, cst;
    /* a demo install keeps bidders', officers' and the demo CA's private
     * keys beside the data: whoever runs it can open any bid at any time */
    snprintf(keys, sizeof(keys), "%s/demo-keys", data_dir);
    snprintf(ca, sizeof(ca), "%s/demo-ca", data_dir);
    if ((stat(keys, &st) == 0 && S_ISDIR(st.st_mode)) ||
        (stat(ca, &cst) == 0 && S_ISDIR(cst.st_mode)))
        log_warn("serve: DEMO INSTALL, NOT SEALED: %s holds bidders' and officers' private keys "
                 "(and %s/demo-ca the demo CA's): whoever can read the data directory can open "
                 "every sealed bid and rebuild every escrow key before the deadline. Never take "
                 "real bids on a demo data directory.",
                 keys, data_dir);
    if (ca_dir != NULL && trust_import_dir(app->store, ca_dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "sunbid: serve: --ca-dir: %s\n", err);
        return -1;
    }
    if (bid_service_open(&app->bids, app->store, data_dir, bid_max, node, err, sizeof(err)) != 0) {
        fprintf(stderr, "sunbid: serve: sealed bids: %s\n", err);
        return -1;
    }
    return 0;
}
