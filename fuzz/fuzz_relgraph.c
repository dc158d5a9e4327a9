/*
 * fuzz_relgraph.c — libFuzzer target for the relationship graph's CSV
 * loaders (analytics/relgraph_csv.c) and everything after them: links,
 * components, linked bidders, co-bidding, rotation, cover bidding, report.
 *
 * An input is up to four CSV files separated by lines "%%": orgs, people,
 * contacts, bids (missing parts are empty). Each is loaded; a refused file
 * must say why (a known code, a message, a line within the input); after
 * all of them the graph is analysed and the report must be one valid JSON
 * object with the documented top-level keys.
 *
 * Seeds: fuzz/corpus/relgraph/. Run: fuzz/run BUILD_DIR SECONDS relgraph.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/relgraph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_relgraph: %s\n", what);
    abort();
}

typedef int (*loader)(struct relgraph *, const char *, size_t, struct rg_error *);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const loader loaders[4] = {rg_load_orgs, rg_load_people, rg_load_contacts, rg_load_bids};
    struct rg_params p;
    rg_params_init(&p);
    p.min_lots = 2; /* small inputs should reach the rotation and cover code */
    p.min_cover_bids = 1;
    p.min_cobids = 1;
    struct relgraph *g = rg_new(&p);
    if (g == NULL)
        fail("rg_new");
    const char *s = (const char *)data, *end = s + size;
    for (int part = 0; part < 4; part++) {
        const char *sep = NULL;
        for (const char *q = s; q + 3 <= end; q++)
            if (q[0] == '%' && q[1] == '%' && (q + 2 == end || q[2] == '\n') &&
                (q == (const char *)data || q[-1] == '\n')) {
                sep = q;
                break;
            }
        const char *stop = sep != NULL ? sep : end;
        struct rg_error err = {0};
        int rc = loaders[part](g, s, (size_t)(stop - s), &err);
        if (rc != RG_OK) {
            if (rc != err.code || err.msg[0] == '\0' ||
                strcmp(rg_err_code(rc), "unknown_error") == 0)
                fail("a refusal without its code or message");
            if (memchr(err.msg, '\0', sizeof err.msg) == NULL)
                fail("message not terminated");
            if (err.line > (size_t)(stop - s) + 1)
                fail("line past the input");
        }
        if (sep == NULL)
            break;
        s = sep + 3 <= end ? sep + 3 : end;
    }
    if (rg_analyse(g) != RG_OK)
        fail("analyse");
    struct buf out;
    buf_init(&out, (size_t)1 << 30);
    if (rg_write_json(g, &out) != RG_OK)
        fail("write");
    json_error_t e;
    json_t *j = json_loads(out.data, 0, &e);
    if (!json_is_object(j))
        fail("report is not a JSON object");
    static const char *const keys[] = {"params",     "stats",    "components",
                                       "links",      "hubs",     "linked_bidders",
                                       "co_bidding", "rotation", "cover_bidding"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (json_object_get(j, keys[i]) == NULL)
            fail("a key of the report is missing");
    json_decref(j);
    buf_release(&out);
    rg_free(g);
    return 0;
}
