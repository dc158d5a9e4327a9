/*
 * cli/screens.c — `sunbid screens compute|patterns|train|score|cv`: the
 * bid-rigging screens and classifiers of analytics/ over CSV files
 * (docs/screens.md). Reads files only; never touches the store (--data-dir
 * and --db are accepted, as by every command, and ignored).
 *
 *   compute   the screens, summary screens and patterns of every tender
 *   patterns  the price patterns, within and across tenders
 *   train     trains a model on labelled tenders, writes it as JSON
 *   score     scores tenders with a model: tender_id,score,flag
 *   cv        cross-validates a learner on labelled tenders
 *
 * Tenders are processed in chunks of CHUNK so memory stays proportional to
 * the input, not to the input times the 79 features. Exit codes as cli.h:
 * 2 usage, 3 invalid input (a bad row, with its line; a bad model file),
 * 1 I/O. Single-threaded except for the screens, computed on --threads
 * threads (default: the processors, at most 8); results do not depend on it.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analytics/bidcsv.h"
#include "analytics/model.h"
#include "analytics/pricepat.h"
#include "analytics/screens.h"
#include "base/jsonr.h"
#include "cli/cli.h"

#define CHUNK          8192                /* tenders per batch */
#define MAX_INPUT      ((size_t)16 << 30)  /* bytes of one CSV */
#define MAX_MODEL_FILE ((size_t)256 << 20) /* bytes of one model file */
#define MODEL_DEPTH    8                   /* JSON nesting of a model file */
#define DEFAULT_MODEL  SUNBID_SOURCE_DIR "/data/models/screens-default.json"

struct opts {
    const char *in, *out, *model, *drop;
    unsigned threads, folds;
    bool json;
    struct screens_opts so;
    struct model_params mp;
    struct pricepat_opts po;
};

static void usage(FILE *f)
{
    fputs("usage: sunbid screens compute  --in BIDS.csv --out SCREENS.csv\n"
          "       sunbid screens patterns --in BIDS.csv --out PATTERNS.csv\n"
          "       sunbid screens train    --in CASES.csv --model MODEL.json [--algo A] [--seed N]\n"
          "       sunbid screens score    --in TENDERS.csv [--model MODEL.json] --out SCORES.csv\n"
          "       sunbid screens cv       --in CASES.csv [--folds 5] [--algo A] [--out OOF.csv] "
          "[--json]\n"
          "\n"
          "Bid-rigging screens (CV, SPD, DIFFP, RD, RDNOR, RDALT, KURT, SKEW, KS and their\n"
          "summaries over every subset of 3 and 4 bids) and classifiers over them.\n"
          "Input: CSV, one row per bid, header with tender_id,bid_value and optionally\n"
          "label (1 = collusive), market, bidder, ceiling. --out - writes to stdout.\n"
          "\n"
          "options:\n"
          "  --algo logit|forest|both   learner (default both)\n"
          "  --seed N                   seed of every random choice (default 1)\n"
          "  --trees N --l2 X           forest size (200), logit penalty (1)\n"
          "  --drop F1,F2               leave these features out of training (e.g. nbids)\n"
          "  --threshold X              flag at score >= X (default 0.5)\n"
          "  --folds K                  cross-validation folds (default 5)\n"
          "  --threads N                threads for the screens (default: processors, <= 8)\n"
          "  --no-subsets               compute: skip the subset summaries\n"
          "  --ceiling-pct X            a bid within X (0.01 = 1 %) below the ceiling hugs it\n"
          "  --min-tenders N            patterns across tenders: at least N tenders (3)\n"
          "  --ratio-tol X              patterns: width of a cluster of ratios (0.001)\n"
          "\n"
          "score uses $SUNBID_SCREENS_MODEL, else the shipped default model, without --model.\n"
          "See docs/screens.md.\n",
          f);
}

static int parse_double(const char *s, double *v)
{
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(x))
        return -1;
    *v = x;
    return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
    char *end = NULL;
    errno = 0;
    if (s[0] == '-')
        return -1;
    unsigned long x = strtoul(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0 || x > max)
        return -1;
    *v = x;
    return 0;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 8 ? 8 : (unsigned)n);
}

/* Parses the options of every subcommand; returns CLI_OK or an exit code. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {{"in", required_argument, NULL, 'i'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"model", required_argument, NULL, 'm'},
                                             {"algo", required_argument, NULL, 'a'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"trees", required_argument, NULL, 'T'},
                                             {"l2", required_argument, NULL, 'L'},
                                             {"drop", required_argument, NULL, 'D'},
                                             {"threshold", required_argument, NULL, 'H'},
                                             {"folds", required_argument, NULL, 'k'},
                                             {"threads", required_argument, NULL, 'j'},
                                             {"no-subsets", no_argument, NULL, 'n'},
                                             {"ceiling-pct", required_argument, NULL, 'c'},
                                             {"min-tenders", required_argument, NULL, 'M'},
                                             {"ratio-tol", required_argument, NULL, 'R'},
                                             {"json", no_argument, NULL, 'J'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'b'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int opt;
    unsigned long u;
    double x;
    memset(o, 0, sizeof(*o));
    screens_opts_default(&o->so);
    model_params_default(&o->mp);
    pricepat_opts_default(&o->po);
    o->threads = default_threads();
    o->folds = 5;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'i':
            o->in = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'm':
            o->model = optarg;
            break;
        case 'a':
            if (model_algo_parse(optarg, &o->mp.algo) != 0) {
                fprintf(stderr, "sunbid: screens: --algo must be logit, forest or both\n");
                return CLI_USAGE;
            }
            break;
        case 's':
            if (parse_uint(optarg, UINT32_MAX, &u) != 0)
                goto bad;
            o->mp.seed = o->so.seed = u;
            break;
        case 'T':
            if (parse_uint(optarg, MODEL_MAX_TREES, &u) != 0 || u == 0)
                goto bad;
            o->mp.trees = (unsigned)u;
            break;
        case 'L':
            if (parse_double(optarg, &x) != 0 || x < 0)
                goto bad;
            o->mp.l2 = x;
            break;
        case 'D':
            o->drop = optarg;
            break;
        case 'H':
            if (parse_double(optarg, &x) != 0 || !(x > 0 && x < 1))
                goto bad;
            o->mp.threshold = x;
            break;
        case 'k':
            if (parse_uint(optarg, 100, &u) != 0 || u < 2)
                goto bad;
            o->folds = (unsigned)u;
            break;
        case 'j':
            if (parse_uint(optarg, 64, &u) != 0 || u == 0)
                goto bad;
            o->threads = (unsigned)u;
            break;
        case 'n':
            o->so.subsets = false;
            break;
        case 'c':
            if (parse_double(optarg, &x) != 0 || !(x >= 0 && x < 1))
                goto bad;
            o->so.ceiling_pct = x;
            break;
        case 'M':
            if (parse_uint(optarg, 1000000, &u) != 0 || u < 2)
                goto bad;
            o->po.min_tenders = (unsigned)u;
            break;
        case 'R':
            if (parse_double(optarg, &x) != 0 || !(x >= 0 && x < 1))
                goto bad;
            o->po.ratio_tol = o->po.discount_tol = x;
            break;
        case 'J':
            o->json = true;
            break;
        case 'd':
        case 'b':
            break; /* no store here */
        case 'h':
            usage(stdout);
            return -1;
        default:
            fprintf(stderr, "sunbid: screens: unknown option or missing argument: %s\n",
                    argv[optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sunbid: screens: unexpected argument '%s'\n", argv[optind]);
        return CLI_USAGE;
    }
    return CLI_OK;
bad:
    fprintf(stderr, "sunbid: screens: bad value '%s' for %s\n", optarg, argv[optind - 1]);
    return CLI_USAGE;
}

/* Reads the bid table; prints the error and returns an exit code on failure. */
static int read_table(const char *cmd, const char *path, struct bid_table *t)
{
    struct bidcsv_error err;
    int rc = bidcsv_read_file(path, MAX_INPUT, 0, t, &err);
    if (rc == BIDCSV_OK)
        return CLI_OK;
    if (err.line)
        fprintf(stderr, "sunbid: screens %s: %s:%zu: %s\n", cmd, path, err.line, err.msg);
    else
        fprintf(stderr, "sunbid: screens %s: %s: %s\n", cmd, path, err.msg);
    return rc == BIDCSV_EIO || rc == BIDCSV_ENOMEM ? CLI_FAIL : CLI_INVALID;
}

static FILE *open_out(const char *cmd, const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "sunbid: screens %s: cannot write %s: %s\n", cmd, path, strerror(errno));
    else
        setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static int close_out(const char *cmd, const char *path, FILE *f)
{
    int bad = ferror(f) != 0;
    if (f == stdout)
        bad |= fflush(f) != 0;
    else
        bad |= fclose(f) != 0;
    if (bad) {
        fprintf(stderr, "sunbid: screens %s: writing %s failed\n", cmd, path);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* A CSV field, quoted when it needs to be (RFC 4180). */
static void put_field(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    putc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', f);
        putc(*s, f);
    }
    putc('"', f);
}

static void put_num(FILE *f, double v)
{
    putc(',', f);
    if (!isnan(v))
        fprintf(f, "%.10g", v);
}

/* ---- compute ---- */

static int cmd_compute(const struct opts *o)
{
    struct bid_table t;
    struct screens *sc = NULL;
    int rc;
    if (o->in == NULL || o->out == NULL) {
        fprintf(stderr, "sunbid: screens compute: --in and --out are required\n");
        return CLI_USAGE;
    }
    rc = read_table("compute", o->in, &t);
    if (rc != CLI_OK)
        return rc;
    FILE *f = open_out("compute", o->out);
    sc = malloc(CHUNK * sizeof(*sc));
    if (f == NULL || sc == NULL) {
        rc = CLI_FAIL;
        goto out;
    }
    fputs("tender_id", f);
    for (size_t i = 0; i + 1 < SCREENS_NFEATURES; i++)
        fprintf(f, ",%s", screens_feature_name(i));
    fputs(",subsets3,subsets4,sampled,identical,arith_run,arith_gap,near_ceiling,win_discount\n",
          f);
    for (size_t from = 0; from < t.ntenders; from += CHUNK) {
        size_t to = from + CHUNK < t.ntenders ? from + CHUNK : t.ntenders;
        double feat[SCREENS_NFEATURES];
        if (screens_batch(&t, from, to, &o->so, o->threads, sc, NULL) != 0) {
            fprintf(stderr, "sunbid: screens compute: out of memory or threads\n");
            rc = CLI_FAIL;
            goto out;
        }
        for (size_t i = from; i < to; i++) {
            const struct screens *s = &sc[i - from];
            put_field(f, t.tenders[i].id);
            fprintf(f, ",%u", s->n);
            screens_features(s, feat);
            for (size_t k = 1; k + 1 < SCREENS_NFEATURES; k++)
                put_num(f, feat[k]);
            fprintf(f, ",%u,%u,%d,%u,%u", s->nsub3, s->nsub4, s->sampled ? 1 : 0, s->identical,
                    s->arith_run);
            put_num(f, s->arith_gap);
            fprintf(f, ",%u", s->near_ceiling);
            put_num(f, s->win_discount);
            putc('\n', f);
        }
    }
    rc = CLI_OK;
out:
    if (f != NULL && close_out("compute", o->out, f) != CLI_OK && rc == CLI_OK)
        rc = CLI_FAIL;
    free(sc);
    bid_table_release(&t);
    return rc;
}

/* ---- patterns ---- */

static void put_hit(FILE *f, const struct bid_table *t, const struct pricepat_hit *h)
{
    fputs(pricepat_name(h->kind), f);
    putc(',', f);
    if (h->tender != SIZE_MAX)
        put_field(f, t->tenders[h->tender].id);
    putc(',', f);
    if (h->a != BIDCSV_NO_BIDDER)
        put_field(f, t->bidders[h->a]);
    putc(',', f);
    if (h->b != BIDCSV_NO_BIDDER)
        put_field(f, t->bidders[h->b]);
    fprintf(f, ",%u,%u", h->tenders, h->count);
    put_num(f, h->value);
    putc('\n', f);
}

static int cmd_patterns(const struct opts *o)
{
    struct bid_table t;
    struct screens *sc = NULL;
    struct pricepat_hit *across = NULL, local[3];
    size_t nacross = 0;
    struct screens_opts so = o->so;
    int rc;
    if (o->in == NULL || o->out == NULL) {
        fprintf(stderr, "sunbid: screens patterns: --in and --out are required\n");
        return CLI_USAGE;
    }
    rc = read_table("patterns", o->in, &t);
    if (rc != CLI_OK)
        return rc;
    so.subsets = false; /* the patterns need none of the subset summaries */
    FILE *f = open_out("patterns", o->out);
    sc = malloc(CHUNK * sizeof(*sc));
    if (f == NULL || sc == NULL) {
        rc = CLI_FAIL;
        goto out;
    }
    fputs("pattern,tender_id,bidder,bidder2,tenders,count,value\n", f);
    for (size_t from = 0; from < t.ntenders; from += CHUNK) {
        size_t to = from + CHUNK < t.ntenders ? from + CHUNK : t.ntenders;
        if (screens_batch(&t, from, to, &so, o->threads, sc, NULL) != 0) {
            rc = CLI_FAIL;
            goto out;
        }
        for (size_t i = from; i < to; i++) {
            size_t k = pricepat_tender(&sc[i - from], t.value + t.tenders[i].off, i, local);
            for (size_t h = 0; h < k; h++)
                put_hit(f, &t, &local[h]);
        }
    }
    rc = pricepat_across(&t, &o->po, &across, &nacross);
    if (rc != PRICEPAT_OK) {
        fprintf(stderr, "sunbid: screens patterns: %s\n",
                rc == PRICEPAT_ETOOBIG ? "too many bidder pairs (see --help)" : "out of memory");
        rc = CLI_FAIL;
        goto out;
    }
    for (size_t h = 0; h < nacross; h++)
        put_hit(f, &t, &across[h]);
    if (!t.has_bidder)
        fprintf(stderr, "sunbid: screens patterns: no bidder column: "
                        "patterns across tenders skipped\n");
    rc = CLI_OK;
out:
    if (f != NULL && close_out("patterns", o->out, f) != CLI_OK && rc == CLI_OK)
        rc = CLI_FAIL;
    free(across);
    free(sc);
    bid_table_release(&t);
    return rc;
}

/* ---- training data ---- */

/* The features a model is trained on: every screens feature not in drop. */
struct featsel {
    size_t p;
    size_t idx[SCREENS_NFEATURES];
    const char *name[SCREENS_NFEATURES];
};

static int select_features(const char *drop, struct featsel *fs)
{
    fs->p = 0;
    for (size_t i = 0; i < SCREENS_NFEATURES; i++) {
        const char *nm = screens_feature_name(i);
        bool dropped = false;
        for (const char *d = drop; d && *d;) {
            const char *e = strchr(d, ',');
            size_t n = e ? (size_t)(e - d) : strlen(d);
            if (n == strlen(nm) && strncmp(d, nm, n) == 0)
                dropped = true;
            d = e ? e + 1 : d + n;
        }
        if (!dropped) {
            fs->idx[fs->p] = i;
            fs->name[fs->p] = nm;
            fs->p++;
        }
    }
    for (const char *d = drop; d && *d;) { /* every dropped name must exist */
        const char *e = strchr(d, ',');
        size_t n = e ? (size_t)(e - d) : strlen(d);
        bool known = false;
        for (size_t i = 0; i < SCREENS_NFEATURES; i++)
            if (n == strlen(screens_feature_name(i)) && strncmp(d, screens_feature_name(i), n) == 0)
                known = true;
        if (!known) {
            fprintf(stderr, "sunbid: screens: --drop: unknown feature '%.*s'\n", (int)n, d);
            return CLI_USAGE;
        }
        d = e ? e + 1 : d + n;
    }
    if (fs->p == 0) {
        fprintf(stderr, "sunbid: screens: --drop leaves no feature\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}

struct cases {
    struct bid_table t;
    struct featsel fs;
    double *x;
    int8_t *y;
    int32_t *market;
    struct model_data d;
};

static void cases_release(struct cases *c)
{
    free(c->x);
    free(c->y);
    free(c->market);
    bid_table_release(&c->t);
}

/* Reads labelled tenders and computes their features. */
static int read_cases(const char *cmd, const struct opts *o, struct cases *c)
{
    double *feat = NULL;
    int rc;
    memset(c, 0, sizeof(*c));
    rc = select_features(o->drop, &c->fs);
    if (rc != CLI_OK)
        return rc;
    rc = read_table(cmd, o->in, &c->t);
    if (rc != CLI_OK)
        return rc;
    struct bid_table *t = &c->t;
    if (!t->has_label) {
        fprintf(stderr, "sunbid: screens %s: %s:1: a label column is required\n", cmd, o->in);
        return CLI_INVALID;
    }
    for (size_t i = 0; i < t->ntenders; i++)
        if (t->tenders[i].label < 0) {
            fprintf(stderr, "sunbid: screens %s: %s:%zu: tender without a label\n", cmd, o->in,
                    t->tenders[i].line);
            return CLI_INVALID;
        }
    size_t n = t->ntenders, p = c->fs.p;
    c->x = malloc((n ? n : 1) * p * sizeof(double));
    c->y = malloc(n ? n : 1);
    c->market = malloc((n ? n : 1) * sizeof(int32_t));
    feat = malloc(CHUNK * SCREENS_NFEATURES * sizeof(double));
    if (!c->x || !c->y || !c->market || !feat) {
        free(feat);
        fprintf(stderr, "sunbid: screens %s: out of memory\n", cmd);
        return CLI_FAIL;
    }
    for (size_t from = 0; from < n; from += CHUNK) {
        size_t to = from + CHUNK < n ? from + CHUNK : n;
        if (screens_batch(t, from, to, &o->so, o->threads, NULL, feat) != 0) {
            free(feat);
            fprintf(stderr, "sunbid: screens %s: out of memory or threads\n", cmd);
            return CLI_FAIL;
        }
        for (size_t i = from; i < to; i++)
            for (size_t j = 0; j < p; j++)
                c->x[i * p + j] = feat[(i - from) * SCREENS_NFEATURES + c->fs.idx[j]];
    }
    free(feat);
    for (size_t i = 0; i < n; i++) {
        c->y[i] = t->tenders[i].label;
        c->market[i] = t->tenders[i].market_ix;
    }
    c->d.n = n;
    c->d.p = p;
    c->d.x = c->x;
    c->d.y = c->y;
    c->d.market = t->has_market ? c->market : NULL;
    c->d.market_names = t->markets;
    c->d.nmarkets = t->nmarkets;
    c->d.feature_names = c->fs.name;
    return CLI_OK;
}

static int model_error(const char *cmd, int rc, const struct cases *c)
{
    if (rc == MODEL_ENOMEM) {
        fprintf(stderr, "sunbid: screens %s: out of memory\n", cmd);
        return CLI_FAIL;
    }
    size_t pos = 0;
    for (size_t i = 0; i < c->d.n; i++)
        pos += (size_t)c->y[i];
    fprintf(stderr,
            "sunbid: screens %s: cannot train on %zu tenders (%zu collusive): both classes "
            "are needed, at least --folds of each for cv\n",
            cmd, c->d.n, pos);
    return CLI_INVALID;
}

/* ---- train ---- */

static int cmd_train(const struct opts *o)
{
    struct cases c;
    struct model *m = NULL;
    json_t *j = NULL;
    int rc;
    if (o->in == NULL || o->model == NULL) {
        fprintf(stderr, "sunbid: screens train: --in and --model are required\n");
        return CLI_USAGE;
    }
    rc = read_cases("train", o, &c);
    if (rc != CLI_OK)
        goto out;
    int mr = model_train(&o->mp, &c.d, &m);
    if (mr != MODEL_OK) {
        rc = model_error("train", mr, &c);
        goto out;
    }
    j = model_to_json(m);
    if (j == NULL || json_dump_file(j, o->model, JSON_COMPACT | JSON_REAL_PRECISION(17)) != 0) {
        fprintf(stderr, "sunbid: screens train: cannot write %s\n", o->model);
        rc = CLI_FAIL;
        goto out;
    }
    printf("trained %s on %zu tenders (%zu collusive), %zu features, %zu market calibration%s; "
           "model in %s\n",
           model_algo_name(m->algo), m->train_rows, m->train_pos, m->p, m->nmarkets,
           m->nmarkets == 1 ? "" : "s", o->model);
    rc = CLI_OK;
out:
    json_decref(j);
    model_free(m);
    cases_release(&c);
    return rc;
}

/* ---- cv ---- */

static int cmd_cv(const struct opts *o)
{
    struct cases c;
    struct model_cv_result r;
    double *oof = NULL;
    int rc;
    if (o->in == NULL) {
        fprintf(stderr, "sunbid: screens cv: --in is required\n");
        return CLI_USAGE;
    }
    rc = read_cases("cv", o, &c);
    if (rc != CLI_OK)
        goto out;
    oof = malloc((c.d.n ? c.d.n : 1) * sizeof(double));
    if (oof == NULL) {
        rc = CLI_FAIL;
        goto out;
    }
    int mr = model_cv(&o->mp, &c.d, o->folds, &r, oof);
    if (mr != MODEL_OK) {
        rc = model_error("cv", mr, &c);
        goto out;
    }
    if (o->out) { /* the out-of-fold scores */
        FILE *f = open_out("cv", o->out);
        if (f == NULL) {
            rc = CLI_FAIL;
            goto out;
        }
        fputs("tender_id,score,flag,label\n", f);
        for (size_t i = 0; i < c.d.n; i++) {
            put_field(f, c.t.tenders[i].id);
            fprintf(f, ",%.6f,%d,%d\n", oof[i], oof[i] >= o->mp.threshold ? 1 : 0, c.y[i]);
        }
        if (close_out("cv", o->out, f) != CLI_OK) {
            rc = CLI_FAIL;
            goto out;
        }
    }
    if (o->json) {
        printf("{\"algo\":\"%s\",\"folds\":%u,\"seed\":%llu,\"tenders\":%zu,\"collusive\":%zu,"
               "\"features\":%zu,\"accuracy\":%.6f,\"precision\":%.6f,\"recall\":%.6f,"
               "\"auc\":%.6f,\"fold_accuracy_mean\":%.6f,\"fold_accuracy_sd\":%.6f,"
               "\"majority\":%.6f,\"tp\":%zu,\"fp\":%zu,\"tn\":%zu,\"fn\":%zu}\n",
               model_algo_name(o->mp.algo), r.folds, (unsigned long long)o->mp.seed, r.n, r.pos,
               c.d.p, r.accuracy, isnan(r.precision) ? 0.0 : r.precision, r.recall,
               isnan(r.auc) ? 0.0 : r.auc, r.fold_acc_mean, r.fold_acc_sd, r.majority, r.tp, r.fp,
               r.tn, r.fn);
    } else {
        printf("algo       %s, %u folds, seed %llu\n", model_algo_name(o->mp.algo), r.folds,
               (unsigned long long)o->mp.seed);
        printf("tenders    %zu (%zu collusive), %zu features\n", r.n, r.pos, c.d.p);
        printf("accuracy   %.4f  (per fold %.4f +- %.4f; majority class %.4f)\n", r.accuracy,
               r.fold_acc_mean, r.fold_acc_sd, r.majority);
        printf("precision  %.4f\n", r.precision);
        printf("recall     %.4f\n", r.recall);
        printf("auc        %.4f\n", r.auc);
        printf("confusion  tp %zu  fp %zu  tn %zu  fn %zu\n", r.tp, r.fp, r.tn, r.fn);
    }
    rc = CLI_OK;
out:
    free(oof);
    cases_release(&c);
    return rc;
}

/* ---- score ---- */

static int load_model(const char *path, struct model **m)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL, err[256];
    size_t len = 0, cap = 0;
    int rc = CLI_FAIL;
    if (f == NULL) {
        fprintf(stderr, "sunbid: screens score: cannot open model %s: %s\n", path, strerror(errno));
        return CLI_FAIL;
    }
    for (;;) { /* read it all, up to MAX_MODEL_FILE + 1 bytes */
        if (len == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            if (nc > MAX_MODEL_FILE + 1)
                nc = MAX_MODEL_FILE + 1;
            if (nc == cap)
                break;
            char *d = realloc(data, nc);
            if (d == NULL) {
                fprintf(stderr, "sunbid: screens score: out of memory\n");
                goto out;
            }
            data = d;
            cap = nc;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "sunbid: screens score: cannot read model %s\n", path);
        goto out;
    }
    enum err e = ERR_OK;
    const char *msg = NULL;
    json_t *j = jsonr_parse(data ? data : "", len, MAX_MODEL_FILE, MODEL_DEPTH, &e, &msg);
    if (j == NULL) {
        fprintf(stderr, "sunbid: screens score: model %s is not valid JSON: %s\n", path,
                msg ? msg : err_code(e));
        rc = CLI_INVALID;
        goto out;
    }
    int mr = model_from_json(j, m, err, sizeof(err));
    json_decref(j);
    if (mr != MODEL_OK) {
        fprintf(stderr, "sunbid: screens score: model %s: %s\n", path, err);
        rc = mr == MODEL_ENOMEM ? CLI_FAIL : CLI_INVALID;
        goto out;
    }
    rc = CLI_OK;
out:
    free(data);
    fclose(f);
    return rc;
}

static int cmd_score(const struct opts *o)
{
    struct bid_table t;
    struct model *m = NULL;
    double *feat = NULL, *row = NULL;
    size_t map[MODEL_MAX_FEATURES];
    FILE *f = NULL;
    int rc;
    const char *mpath = o->model;
    if (mpath == NULL)
        mpath = getenv("SUNBID_SCREENS_MODEL");
    if (mpath == NULL)
        mpath = DEFAULT_MODEL;
    if (o->in == NULL || o->out == NULL) {
        fprintf(stderr, "sunbid: screens score: --in and --out are required\n");
        return CLI_USAGE;
    }
    rc = load_model(mpath, &m);
    if (rc != CLI_OK)
        return rc;
    for (size_t j = 0; j < m->p; j++) { /* the model's features, by name */
        size_t i = 0;
        while (i < SCREENS_NFEATURES && strcmp(screens_feature_name(i), m->features[j]) != 0)
            i++;
        if (i == SCREENS_NFEATURES) {
            fprintf(stderr, "sunbid: screens score: model %s uses feature '%s', unknown here\n",
                    mpath, m->features[j]);
            model_free(m);
            return CLI_INVALID;
        }
        map[j] = i;
    }
    rc = read_table("score", o->in, &t);
    if (rc != CLI_OK) {
        model_free(m);
        return rc;
    }
    f = open_out("score", o->out);
    feat = malloc(CHUNK * SCREENS_NFEATURES * sizeof(double));
    row = malloc(m->p * sizeof(double));
    if (f == NULL || feat == NULL || row == NULL) {
        rc = CLI_FAIL;
        goto out;
    }
    fputs("tender_id,score,flag\n", f);
    for (size_t from = 0; from < t.ntenders; from += CHUNK) {
        size_t to = from + CHUNK < t.ntenders ? from + CHUNK : t.ntenders;
        if (screens_batch(&t, from, to, &o->so, o->threads, NULL, feat) != 0) {
            rc = CLI_FAIL;
            goto out;
        }
        for (size_t i = from; i < to; i++) {
            for (size_t j = 0; j < m->p; j++)
                row[j] = feat[(i - from) * SCREENS_NFEATURES + map[j]];
            double s = model_score(m, row, t.tenders[i].market);
            put_field(f, t.tenders[i].id);
            fprintf(f, ",%.6f,%d\n", s, s >= m->threshold ? 1 : 0);
        }
    }
    rc = CLI_OK;
out:
    if (f != NULL && close_out("score", o->out, f) != CLI_OK && rc == CLI_OK)
        rc = CLI_FAIL;
    free(feat);
    free(row);
    model_free(m);
    bid_table_release(&t);
    return rc;
}

int cli_screens(int argc, char **argv)
{
    struct opts o;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    const char *sub = argv[1];
    int rc = parse_opts(argc - 1, argv + 1, &o);
    if (rc < 0)
        return CLI_OK; /* --help */
    if (rc != CLI_OK)
        return rc;
    if (strcmp(sub, "compute") == 0)
        return cmd_compute(&o);
    if (strcmp(sub, "patterns") == 0)
        return cmd_patterns(&o);
    if (strcmp(sub, "train") == 0)
        return cmd_train(&o);
    if (strcmp(sub, "score") == 0)
        return cmd_score(&o);
    if (strcmp(sub, "cv") == 0)
        return cmd_cv(&o);
    fprintf(stderr, "sunbid: screens: unknown subcommand '%s'\n", sub);
    usage(stderr);
    return CLI_USAGE;
}
