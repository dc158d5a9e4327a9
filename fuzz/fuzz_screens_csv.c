/*
 * fuzz_screens_csv.c — libFuzzer target for the bid-table reader
 * (analytics/bidcsv.h) and what runs on its output: the screens of every
 * tender and the price patterns across tenders.
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks what the
 * reader promises:
 *   - a failure leaves an empty table and an error message (with a line
 *     number within the input's lines, or 0);
 *   - a success gives tenders whose bid ranges tile the bid array, bids
 *     positive, finite and ascending within a tender, labels in {-1, 0, 1},
 *     market indices that name the tender's market, NUL-free UTF-8 ids;
 * and what the screens promise on any valid table: CV, SPD, DIFFP >= 0, KS in
 * [0, 1] (or NaN), subset counts as documented.
 *
 * Seeds: fuzz/corpus/screens_csv/. Run: fuzz/run BUILD_DIR SECONDS
 * screens_csv, or replay the corpus through fuzz/replay.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/bidcsv.h"
#include "analytics/pricepat.h"
#include "analytics/screens.h"
#include "base/jsonr.h"

#define SCREEN_MAX_N 40 /* larger tenders are checked without subsets (speed) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, size_t size)
{
    fprintf(stderr, "fuzz_screens_csv: %s (input of %zu bytes)\n", what, size);
    abort();
}

static int ok_range(double v, double lo, double hi)
{
    return isnan(v) || (v >= lo && v <= hi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bid_table t;
    struct bidcsv_error e;
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    int rc = bidcsv_parse((const char *)data, size, 100000, &t, &e);
    if (rc != BIDCSV_OK) {
        if (t.ntenders != 0 || t.tenders != NULL || t.value != NULL)
            fail("failure left a table behind", size);
        if (e.msg[0] == '\0' || e.line > lines)
            fail("failure without a message or with a line past the input", size);
        return 0;
    }
    size_t off = 0;
    for (size_t i = 0; i < t.ntenders; i++) {
        const struct bid_tender *bt = &t.tenders[i];
        if (bt->off != off || bt->n == 0)
            fail("tender ranges do not tile the bids", size);
        if (!jsonr_utf8_valid(bt->id, strlen(bt->id)) || bt->id[0] == '\0')
            fail("bad tender id", size);
        if (bt->label < -1 || bt->label > 1)
            fail("bad label", size);
        if ((bt->market == NULL) != (bt->market_ix < 0) ||
            (bt->market && t.markets[bt->market_ix] != bt->market))
            fail("market index and name disagree", size);
        for (uint32_t k = 0; k < bt->n; k++) {
            double v = t.value[bt->off + k];
            if (!(v > 0) || !isfinite(v) || (k > 0 && v < t.value[bt->off + k - 1]))
                fail("bids not positive, finite and ascending", size);
        }
        off += bt->n;
    }
    if (off != t.nbids)
        fail("bid count mismatch", size);

    struct screens_opts o;
    struct screens_ws ws;
    struct screens s;
    struct pricepat_hit h[3];
    screens_opts_default(&o);
    if (screens_ws_init(&ws, &o) != 0)
        abort();
    for (size_t i = 0; i < t.ntenders; i++) {
        const struct bid_tender *bt = &t.tenders[i];
        ws.o.subsets = bt->n <= SCREEN_MAX_N;
        screens_compute(&ws, t.value + bt->off, bt->n, bt->ceiling, &s);
        if (!ok_range(s.full[SCREEN_CV], 0, INFINITY) ||
            !ok_range(s.full[SCREEN_SPD], 0, INFINITY) ||
            !ok_range(s.full[SCREEN_DIFFP], 0, INFINITY) || !ok_range(s.full[SCREEN_KS], 0, 1))
            fail("a screen out of its range", size);
        if (ws.o.subsets && bt->n >= 3 && bt->n <= SCREENS_SUBSET_MAX_N &&
            s.nsub3 != bt->n * (bt->n - 1) * (bt->n - 2) / 6)
            fail("wrong number of 3-subsets", size);
        if (s.identical > s.n || pricepat_tender(&s, t.value + bt->off, i, h) > 3)
            fail("pattern counts out of range", size);
    }
    screens_ws_release(&ws);

    struct pricepat_opts po;
    struct pricepat_hit *hits = NULL;
    size_t nhits = 0;
    pricepat_opts_default(&po);
    po.max_pairs = 100000;
    rc = pricepat_across(&t, &po, &hits, &nhits);
    if (rc == PRICEPAT_OK)
        for (size_t i = 0; i < nhits; i++)
            if (hits[i].a >= t.nbidders || hits[i].count > hits[i].tenders)
                fail("bad pattern hit", size);
    free(hits);
    bid_table_release(&t);
    return 0;
}
