/*
 * cli/boq.c — `sunbid boq compare`: the bill-of-quantities comparison of
 * boq/boq.h offline, over files (docs/boq.md). Reads files only; never
 * touches the store.
 *
 *   sunbid boq compare --tender TENDER.xlsx [--json | --out CMP.xlsx]
 *                      [--z-max X] [--rel-min X] [--min-bids N]
 *                      [--share-min X] [--same-min N] BIDDER.csv...
 *
 * Without --json or --out it prints a summary per bidder and the flagged
 * lines and pairs. A bidder is named by its file's base name. Exit codes
 * as cli.h: 2 usage, 3 a file that is not a readable BoQ (with its row and
 * column), 1 I/O. Flags found are not an error: exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boq/boq.h"
#include "cli/cli.h"

static void usage(FILE *f)
{
    fputs("usage: sunbid boq compare --tender TENDER.csv|xlsx [--json | --out CMP.xlsx]\n"
          "         [--z-max 3.5] [--rel-min 0.2] [--min-bids 3] [--share-min 0.3]\n"
          "         [--same-min 10] BIDDER.csv|xlsx...\n"
          "\n"
          "Lines the bidders' priced bills of quantities up against the tender's (by\n"
          "item code) and flags missing, extra and changed lines, unbalanced unit\n"
          "prices (robust median/MAD per line), identical unit-price columns between\n"
          "bidders and arithmetic errors (docs/boq.md).\n",
          f);
}

/* Reads a whole file (at most BOQ_FILE_MAX bytes) into out. 0 or -1. */
static int slurp(const char *path, struct buf *out)
{
    FILE *f = fopen(path, "rb");
    char tmp[65536];
    size_t n;
    int rc = 0;
    if (f == NULL) {
        fprintf(stderr, "sunbid: boq: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (buf_append(out, tmp, n) != 0) {
            fprintf(stderr, "sunbid: boq: %s: larger than %u bytes\n", path, BOQ_FILE_MAX);
            rc = -1;
            break;
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "sunbid: boq: %s: read error\n", path);
        rc = -1;
    }
    fclose(f);
    return rc;
}

/* Reads one BoQ file; prints the refusal. A CLI_* code. */
static int load(const char *path, bool priced, struct boq *b)
{
    struct buf data;
    struct boq_error err = {0, NULL, ""};
    buf_init(&data, BOQ_FILE_MAX);
    int rc = slurp(path, &data);
    if (rc != 0) {
        buf_release(&data);
        return CLI_FAIL;
    }
    rc = boq_read(b, data.data, data.len, priced, &err);
    buf_release(&data);
    if (rc == BOQ_OK)
        return CLI_OK;
    if (err.row > 0)
        fprintf(stderr, "sunbid: boq: %s: row %zu%s%s: %s\n", path, err.row,
                err.column ? ", column " : "", err.column ? err.column : "", err.msg);
    else
        fprintf(stderr, "sunbid: boq: %s: %s\n", path, err.msg);
    return rc == BOQ_ENOMEM ? CLI_FAIL : CLI_INVALID;
}

static bool num_arg(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void print_summary(const struct boq_comparison *c, const char *const *names)
{
    char mt[64];
    printf("tender lines: %zu, bidders: %d\n", c->tender->n, c->n);
    for (int b = 0; b < c->n; b++) {
        const struct boq_bidder_sum *s = &c->sum[b];
        printf("%s: lines %zu, missing %zu, extra %zu, changed %zu, unpriced %zu, "
               "unbalanced %zu, arithmetic %zu, total %.2f\n",
               names[b], s->lines, s->missing, s->extra, s->changed, s->unpriced, s->unbalanced,
               s->arith, s->total);
    }
    for (size_t i = 0; i < c->tender->n; i++) {
        for (int b = 0; b < c->n; b++) {
            unsigned m = c->mark[i * (size_t)c->n + (size_t)b];
            const struct boq_line *l = c->at[i * (size_t)c->n + (size_t)b];
            if (m == 0 || m == BOQ_M_MISSING)
                continue;
            boq_mark_text(m, mt, sizeof mt);
            printf("line %s %s: %s", c->tender->lines[i].code, names[b], mt);
            if (l != NULL && l->has_price)
                printf(" (price %.4g, median %.4g)", l->price, c->median[i]);
            printf("\n");
        }
    }
    for (size_t e = 0; e < c->nextra; e++)
        printf("extra %s %s\n", c->extra[e]->code, names[c->extra_bidder[e]]);
    for (size_t p = 0; p < c->npairs; p++) {
        const struct boq_pair *q = &c->pairs[p];
        printf("identical %s %s: %zu of %zu lines%s\n", names[q->a], names[q->b], q->same, q->both,
               q->whole_column ? " (whole column)" : "");
    }
}

static int compare(int argc, char **argv)
{
    static const struct option longopts[] = {{"tender", required_argument, NULL, 't'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"z-max", required_argument, NULL, 'z'},
                                             {"rel-min", required_argument, NULL, 'r'},
                                             {"min-bids", required_argument, NULL, 'm'},
                                             {"share-min", required_argument, NULL, 's'},
                                             {"same-min", required_argument, NULL, 'n'},
                                             {"data-dir", required_argument, NULL, 'D'},
                                             {"db", required_argument, NULL, 'B'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tender = NULL, *out = NULL;
    bool json = false;
    struct boq_config cfg = boq_default_config;
    double v;
    int ch, rc = CLI_OK;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 't':
            tender = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'o':
            out = optarg;
            break;
        case 'z':
        case 'r':
        case 's':
            if (!num_arg(optarg, 0, 1000, &v)) {
                fprintf(stderr, "sunbid: boq: bad number %s\n", optarg);
                return CLI_USAGE;
            }
            if (ch == 'z')
                cfg.z_max = v;
            else if (ch == 'r')
                cfg.rel_min = v;
            else
                cfg.share_min = v;
            break;
        case 'm':
        case 'n':
            if (!num_arg(optarg, 1, BOQ_BIDDERS_MAX, &v) || v != floor(v)) {
                fprintf(stderr, "sunbid: boq: bad count %s\n", optarg);
                return CLI_USAGE;
            }
            if (ch == 'm')
                cfg.min_bids = (int)v;
            else
                cfg.same_min = (int)v;
            break;
        case 'D':
        case 'B':
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            usage(stderr);
            return CLI_USAGE;
        }
    }
    int n = argc - optind;
    if (tender == NULL || n < 1 || n > BOQ_BIDDERS_MAX || (json && out != NULL)) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (boq_config_check(&cfg) != 0) {
        fprintf(stderr, "sunbid: boq: a threshold is out of range (docs/boq.md)\n");
        return CLI_USAGE;
    }
    struct boq t;
    struct boq *bids = calloc((size_t)n, sizeof(*bids));
    const struct boq **ptr = calloc((size_t)n, sizeof(*ptr));
    const char **names = calloc((size_t)n, sizeof(*names));
    struct boq_comparison c;
    struct buf o;
    bool have_c = false;
    boq_init(&t);
    buf_init(&o, (size_t)1 << 30);
    if (bids == NULL || ptr == NULL || names == NULL) {
        rc = CLI_FAIL;
        goto done;
    }
    for (int b = 0; b < n; b++)
        boq_init(&bids[b]);
    rc = load(tender, false, &t);
    for (int b = 0; b < n && rc == CLI_OK; b++) {
        rc = load(argv[optind + b], true, &bids[b]);
        ptr[b] = &bids[b];
        names[b] = base_name(argv[optind + b]);
    }
    if (rc != CLI_OK)
        goto done;
    if (boq_compare(&c, &t, ptr, n, &cfg) != BOQ_OK) {
        fprintf(stderr, "sunbid: boq: out of memory\n");
        rc = CLI_FAIL;
        goto done;
    }
    have_c = true;
    if (json) {
        if (boq_comparison_json(&c, names, t.n, &o) != 0 || buf_putc(&o, '\n') != 0) {
            rc = CLI_FAIL;
            goto done;
        }
        if (fwrite(o.data, 1, o.len, stdout) != o.len)
            rc = CLI_FAIL;
    } else if (out != NULL) {
        if (boq_comparison_xlsx(&c, names, &o) != SHEET_OK) {
            fprintf(stderr, "sunbid: boq: could not write the workbook\n");
            rc = CLI_FAIL;
            goto done;
        }
        FILE *f = fopen(out, "wb");
        if (f == NULL || fwrite(o.data, 1, o.len, f) != o.len) {
            fprintf(stderr, "sunbid: boq: %s: %s\n", out, strerror(errno));
            rc = CLI_FAIL;
        }
        if (f != NULL && fclose(f) != 0)
            rc = CLI_FAIL;
    } else {
        print_summary(&c, names);
    }
done:
    if (have_c)
        boq_comparison_release(&c);
    boq_release(&t);
    for (int b = 0; bids != NULL && b < n; b++)
        boq_release(&bids[b]);
    free(bids);
    free(ptr);
    free(names);
    buf_release(&o);
    return rc;
}

int cli_boq(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "compare") == 0)
        return compare(argc - 1, argv + 1);
    fprintf(stderr, "sunbid: boq: unknown subcommand %s\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
