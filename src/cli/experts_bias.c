/*
 * cli/experts_bias.c — `sunbid experts-bias --in SCORES.csv [--out REPORT.json]`:
 * experts who favour the same firm beyond their peers across tenders, by a
 * permutation test (analytics/expertperm.h, docs/supervision.md).
 *
 * The input has one row per score: tender_id,expert_id,firm_id,score. The
 * report (JSON) goes to --out (default standard output); a summary line
 * goes to stderr. A file that cannot be read stops the run with its line and
 * a stable code, e.g. "sunbid: experts-bias: s.csv line 7: bad_value: score
 * is not a finite decimal number: abc".
 *
 * Exit: 0 ok; 3 invalid input; 2 usage; 1 I/O or memory. Takes and ignores
 * --data-dir and --db: it never touches the store.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analytics/expertperm.h"
#include "cli/cli.h"

#define EB_MAX_FILE ((size_t)1 << 30) /* bytes of the input */
#define EB_MAX_OUT  ((size_t)1 << 30) /* bytes of the report */

static void usage(FILE *f)
{
    fputs("usage: sunbid experts-bias --in SCORES.csv [--out REPORT.json] [--min-tenders N]\n"
          "                           [--permutations B] [--alpha P] [--min-effect D]\n"
          "                           [--seed N] [--show N]\n"
          "\n"
          "Finds experts who score one firm above the rest of the panel, more than they\n"
          "do the other firms of the same tenders, across tenders: a permutation test of\n"
          "the firm labels within each tender, Bonferroni over the pairs tested.\n"
          "SCORES.csv has the columns tender_id,expert_id,firm_id,score.\n"
          "\n"
          "  --min-tenders N    shared tenders for an expert-firm pair to be tested (3)\n"
          "  --permutations B   permutations per pair (0: enough for the threshold, the default)\n"
          "  --alpha P          chance of any false flag in the run (0.05)\n"
          "  --min-effect D     mean deviation in score points needed for a flag (0)\n"
          "  --seed N           the permutations' seed (1)\n"
          "  --show N           unflagged pairs listed, most significant first (50)\n"
          "\n"
          "Exit 0 ok, 3 invalid input, 2 usage, 1 I/O. See docs/supervision.md.\n",
          f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct stat st;
    char *d = NULL;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > EB_MAX_FILE) {
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

int cli_experts_bias(int argc, char **argv)
{
    static const struct option longopts[] = {{"in", required_argument, NULL, 'i'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"min-tenders", required_argument, NULL, 'T'},
                                             {"permutations", required_argument, NULL, 'P'},
                                             {"alpha", required_argument, NULL, 'a'},
                                             {"min-effect", required_argument, NULL, 'e'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"show", required_argument, NULL, 'S'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'B'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct ep_params p;
    ep_params_init(&p);
    const char *in = NULL, *outp = NULL;
    struct expertperm *x = NULL;
    struct buf rep;
    char *data = NULL;
    int rc = CLI_OK, opt;
    buf_init(&rep, EB_MAX_OUT);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        double v = 0;
        bool ok = true;
        switch (opt) {
        case 'i':
            in = optarg;
            break;
        case 'o':
            outp = optarg;
            break;
        case 'T':
            ok = num(optarg, 1, 1e6, &v);
            p.min_tenders = (unsigned)v;
            break;
        case 'P':
            ok = num(optarg, 0, 1e8, &v);
            p.perms = (unsigned)v;
            break;
        case 'a':
            ok = num(optarg, 1e-12, 0.999999, &v);
            p.alpha = v;
            break;
        case 'e':
            ok = num(optarg, -1e9, 1e9, &v);
            p.min_effect = v;
            break;
        case 's':
            ok = num(optarg, 0, 9007199254740992.0, &v);
            p.seed = (uint64_t)v;
            break;
        case 'S':
            ok = num(optarg, 0, 1e6, &v);
            p.max_pairs = (unsigned)v;
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
            fprintf(stderr, "sunbid: experts-bias: bad value: %s\n", optarg);
            return CLI_USAGE;
        }
    }
    if (optind < argc || in == NULL) {
        fprintf(stderr, "sunbid: experts-bias: %s\n",
                in == NULL ? "--in SCORES.csv is required" : "unexpected argument");
        usage(stderr);
        return CLI_USAGE;
    }
    size_t n = 0;
    data = read_all(in, &n);
    if (data == NULL) {
        fprintf(stderr, "sunbid: experts-bias: %s: %s\n", in, strerror(errno));
        rc = CLI_FAIL;
        goto out;
    }
    x = ep_new(&p);
    if (x == NULL) {
        fprintf(stderr, "sunbid: experts-bias: bad parameters or out of memory\n");
        rc = CLI_USAGE;
        goto out;
    }
    struct ep_error err = {0};
    int erc = ep_load_csv(x, data, n, &err);
    if (erc == EP_OK)
        erc = ep_analyse(x, &err);
    if (erc != EP_OK) {
        if (err.line > 0)
            fprintf(stderr, "sunbid: experts-bias: %s line %zu: %s: %s\n", in, err.line,
                    ep_err_code(erc), err.msg);
        else
            fprintf(stderr, "sunbid: experts-bias: %s: %s: %s\n", in, ep_err_code(erc), err.msg);
        rc = erc == EP_NOMEM ? CLI_FAIL : CLI_INVALID;
        goto out;
    }
    if (ep_write_json(x, &rep) != 0 || buf_putc(&rep, '\n') != BUF_OK) {
        fprintf(stderr, "sunbid: experts-bias: the report is too large\n");
        rc = CLI_FAIL;
        goto out;
    }
    FILE *f = outp ? fopen(outp, "wb") : stdout;
    if (f == NULL || fwrite(rep.data, 1, rep.len, f) != rep.len ||
        (outp ? fclose(f) : fflush(f)) != 0) {
        fprintf(stderr, "sunbid: experts-bias: %s: %s\n", outp ? outp : "stdout", strerror(errno));
        rc = CLI_FAIL;
        goto out;
    }
    struct ep_stats st;
    ep_stats(x, &st);
    fprintf(stderr,
            "sunbid: experts-bias: %zu scores, %zu tenders, %zu experts, %zu firms; %zu pairs "
            "tested, %zu flagged (p <= %.3g, %u permutations)%s\n",
            st.rows, st.tenders, st.experts, st.firms, st.pairs_tested, st.flags, st.threshold,
            st.perms, st.perms_too_few ? "; too few permutations for this many pairs" : "");
out:
    ep_free(x);
    free(data);
    buf_release(&rep);
    return rc;
}
