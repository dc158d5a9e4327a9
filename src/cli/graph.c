/*
 * cli/graph.c — `sunbid graph --orgs F --people F [--contacts F] --bids F
 * --out REPORT.json`: the relationship graph of trading parties and what
 * linked firms do in tenders (analytics/relgraph.h, docs/graph.md).
 *
 * Each file is read whole (at most GRAPH_MAX_FILE bytes) and loaded; every
 * file is optional, but one of them must be given. A file that cannot be
 * parsed stops the run with its line and a stable code, e.g.
 * "sunbid: graph: bids.csv line 7: bad_value: price is not a non-negative
 * number". The report goes to --out (default standard output); a summary
 * line goes to stderr.
 *
 * Exit: 0 ok; 3 invalid input (a CSV error); 2 usage; 1 I/O or memory.
 * Takes and ignores --data-dir and --db: it never touches the store.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analytics/relgraph.h"
#include "cli/cli.h"

#define GRAPH_MAX_FILE ((size_t)2 << 30) /* bytes of one input file */
#define GRAPH_MAX_OUT  ((size_t)1 << 32) /* bytes of the JSON report */

static void usage(FILE *f)
{
    fputs("usage: sunbid graph [--orgs orgs.csv] [--people people.csv] [--contacts contacts.csv]\n"
          "                    [--bids bids.csv] [--out REPORT.json] [--max-share N]\n"
          "                    [--match-names] [--min-cobids N] [--min-lots N] [--max-group N]\n"
          "                    [--min-cover-bids N] [--alpha P]\n"
          "\n"
          "Links organisations that share a person (legal representative, shareholder,\n"
          "manager, key staff), a phone, an e-mail, an address or a bank account; finds\n"
          "linked bidders in one lot, frequent co-bidders, bid rotation and cover bidding.\n"
          "\n"
          "  --max-share N       a value shared by more organisations is a hub, not a link (20)\n"
          "  --match-names       link people without an ID number by their name\n"
          "  --min-cobids N      lots together for a frequent co-bidding pair (3)\n"
          "  --min-lots N        group lots for rotation (5)\n"
          "  --max-group N       largest group tried for rotation (8)\n"
          "  --min-cover-bids N  bids for cover bidding (5)\n"
          "  --alpha P           chance of any false rotation or cover flag (0.01)\n"
          "\n"
          "Exit 0 ok, 3 invalid input, 2 usage, 1 I/O. See docs/graph.md.\n",
          f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat st;
    char *d = NULL;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > GRAPH_MAX_FILE) {
        errno = EFBIG;
        goto out;
    }
    d = malloc((size_t)st.st_size + 1);
    if (d == NULL)
        goto out;
    if (fread(d, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(d);
        d = NULL;
        errno = EIO;
        goto out;
    }
    *len = (size_t)st.st_size;
out:
    fclose(f);
    return d;
}

typedef int (*loader)(struct relgraph *, const char *, size_t, struct rg_error *);

static int load(struct relgraph *g, const char *path, loader fn)
{
    if (path == NULL)
        return CLI_OK;
    size_t n = 0;
    char *d = read_all(path, &n);
    if (d == NULL) {
        fprintf(stderr, "sunbid: graph: %s: %s\n", path, strerror(errno));
        return CLI_FAIL;
    }
    struct rg_error err = {0};
    int rc = fn(g, d, n, &err);
    free(d);
    if (rc == RG_OK)
        return CLI_OK;
    if (err.line > 0)
        fprintf(stderr, "sunbid: graph: %s line %zu: %s: %s\n", path, err.line, rg_err_code(rc),
                err.msg);
    else
        fprintf(stderr, "sunbid: graph: %s: %s: %s\n", path, rg_err_code(rc), err.msg);
    return rc == RG_NOMEM ? CLI_FAIL : CLI_INVALID;
}

static bool num(const char *s, double lo, double hi, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno != 0 || !(x >= lo && x <= hi))
        return false;
    *v = x;
    return true;
}

int cli_graph(int argc, char **argv)
{
    static const struct option longopts[] = {{"orgs", required_argument, NULL, 'o'},
                                             {"people", required_argument, NULL, 'p'},
                                             {"contacts", required_argument, NULL, 'c'},
                                             {"bids", required_argument, NULL, 'b'},
                                             {"out", required_argument, NULL, 'O'},
                                             {"max-share", required_argument, NULL, 'S'},
                                             {"match-names", no_argument, NULL, 'n'},
                                             {"min-cobids", required_argument, NULL, 'C'},
                                             {"min-lots", required_argument, NULL, 'L'},
                                             {"max-group", required_argument, NULL, 'G'},
                                             {"min-cover-bids", required_argument, NULL, 'V'},
                                             {"alpha", required_argument, NULL, 'a'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'B'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct rg_params p;
    rg_params_init(&p);
    const char *orgs = NULL, *people = NULL, *contacts = NULL, *bids = NULL, *out = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        double v = 0;
        bool ok = true;
        switch (opt) {
        case 'o':
            orgs = optarg;
            break;
        case 'p':
            people = optarg;
            break;
        case 'c':
            contacts = optarg;
            break;
        case 'b':
            bids = optarg;
            break;
        case 'O':
            out = optarg;
            break;
        case 'n':
            p.match_names = true;
            break;
        case 'S':
            ok = num(optarg, 2, 1e6, &v);
            p.max_share = (unsigned)v;
            break;
        case 'C':
            ok = num(optarg, 1, 1e6, &v);
            p.min_cobids = (unsigned)v;
            break;
        case 'L':
            ok = num(optarg, 2, 1e6, &v);
            p.min_lots = (unsigned)v;
            break;
        case 'G':
            ok = num(optarg, 2, 64, &v);
            p.max_group = (unsigned)v;
            break;
        case 'V':
            ok = num(optarg, 1, 1e6, &v);
            p.min_cover_bids = (unsigned)v;
            break;
        case 'a':
            ok = num(optarg, 1e-12, 1, &v);
            p.alpha = v;
            break;
        case 'd':
        case 'B':
            break; /* the store is not used */
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
        if (!ok) {
            fprintf(stderr, "sunbid: graph: bad value: %s\n", optarg);
            return CLI_USAGE;
        }
    }
    if (optind < argc || (orgs == NULL && people == NULL && contacts == NULL && bids == NULL)) {
        fprintf(stderr, "sunbid: graph: %s\n",
                optind < argc ? "unexpected argument" : "give at least one input file");
        usage(stderr);
        return CLI_USAGE;
    }
    struct relgraph *g = rg_new(&p);
    if (g == NULL) {
        fprintf(stderr, "sunbid: graph: bad_parameters\n");
        return CLI_USAGE;
    }
    struct buf json;
    buf_init(&json, GRAPH_MAX_OUT);
    int rc = load(g, orgs, rg_load_orgs);
    if (rc == CLI_OK)
        rc = load(g, people, rg_load_people);
    if (rc == CLI_OK)
        rc = load(g, contacts, rg_load_contacts);
    if (rc == CLI_OK)
        rc = load(g, bids, rg_load_bids);
    if (rc == CLI_OK) {
        int e = rg_analyse(g);
        if (e == RG_OK)
            e = rg_write_json(g, &json);
        if (e != RG_OK) {
            fprintf(stderr, "sunbid: graph: %s\n", rg_err_code(e));
            rc = CLI_FAIL;
        }
    }
    if (rc == CLI_OK) {
        FILE *f = out != NULL && strcmp(out, "-") != 0 ? fopen(out, "wb") : stdout;
        if (f == NULL) {
            fprintf(stderr, "sunbid: graph: %s: %s\n", out, strerror(errno));
            rc = CLI_FAIL;
        } else {
            bool ok = fwrite(json.data, 1, json.len, f) == json.len && fputc('\n', f) != EOF;
            ok = (f != stdout ? fclose(f) == 0 : fflush(f) == 0) && ok;
            if (!ok) {
                fprintf(stderr, "sunbid: graph: cannot write the report\n");
                rc = CLI_FAIL;
            }
        }
    }
    if (rc == CLI_OK) {
        struct rg_stats st;
        rg_stats(g, &st);
        fprintf(stderr,
                "sunbid: graph: %zu organisations, %zu links, %zu components, %zu lots with "
                "linked bidders, %zu frequent pairs, %zu rotation groups, %zu cover bidders\n",
                st.orgs, st.links, st.components, st.linked_lots, st.cobid_pairs, st.rotations,
                st.covers);
    }
    buf_release(&json);
    rg_free(g);
    return rc;
}
