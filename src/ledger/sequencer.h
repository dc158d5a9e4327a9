/*
 * sequencer.h — the witness log's sequencer thread for `sunbid serve`.
 *
 * Start it after the cluster (store/cluster.h); it opens (or creates) the
 * log, declares interest in the "ledger.sequencer" lease, and every tick
 * runs ledger_sequencer_run_once() while this node holds the lease. Stop it
 * before the cluster and the store.
 *
 *     struct ledger_sequencer *seq = ledger_sequencer_start(store, cluster, data_dir, NULL);
 *     ...
 *     ledger_sequencer_stop(seq);      (NULL is a no-op)
 */
#ifndef SUNBID_LEDGER_SEQUENCER_H
#define SUNBID_LEDGER_SEQUENCER_H

#include "ledger/ledger.h"
#include "store/cluster.h"

struct ledger_sequencer;

/* data_dir NULL: $SUNBID_DATA_DIR or var/data, as the CLI. opt NULL: the
 * defaults (a log created now is SHA-256 with origin sunbid.local/ledger);
 * `sunbid serve` fills opt from --ledger-hash / --ledger-origin or their
 * environment fallbacks. Returns NULL (and logs why) when the log cannot be
 * opened; the server runs on without a sequencer then. */
struct ledger_sequencer *ledger_sequencer_start(struct store *s, struct cluster *c,
                                                const char *data_dir,
                                                const struct ledger_options *opt);
void ledger_sequencer_stop(struct ledger_sequencer *q);

#endif
