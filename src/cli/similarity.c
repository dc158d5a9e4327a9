/*
 * cli/similarity.c — `sunbid similarity [--template T]... [--lots DIR]
 * [--out REPORT.json] [BID...]`: bid document similarity over files
 * (analytics/similarity.h, docs/similarity.md).
 *
 * Inputs: the bids named on the command line (one lot, named ""), and with
 * --lots DIR one lot per subdirectory of DIR, named after it, whose regular
 * files are its bids — except files whose names begin with "template",
 * which are that lot's own tender documents and are subtracted from its
 * bids only. --template files (repeatable) are subtracted from every bid.
 * Hidden files (".name") are skipped; names are sorted, so the report does
 * not depend on the directory order.
 *
 * Every file is read once (doctext: TXT, DOCX, PDF by their bytes) and its
 * text kept in memory for the passes; the library itself keeps none. A bid
 * that cannot be read is listed in the report with its error code and the
 * run goes on; a template that cannot be read stops the run, because the
 * result would be wrong without it.
 *
 * Exit: 0 ok; 3 some bid could not be read (the report is still written)
 * or a template could not be read (nothing written); 2 usage; 1 I/O or
 * memory. Takes and ignores --data-dir and --db: it never touches the store.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analytics/doctext.h"
#include "analytics/similarity.h"
#include "cli/cli.h"

#define SIMCLI_MAX_OUT ((size_t)1 << 32) /* bytes of the JSON report */

struct input {
    char *path; /* owned */
    char *id;   /* owned: shown in the report */
    char *lot;  /* owned */
    struct doctext dt;
    int rc;  /* doctext_err */
    int set; /* templates: the template set it went into */
};

struct inputs {
    struct input *v;
    size_t n, cap;
};

static void usage(FILE *f)
{
    fputs("usage: sunbid similarity [--template FILE]... [--lots DIR] [--out REPORT.json]\n"
          "                         [--within-lots] [--exhaustive N] [--min-passage N]\n"
          "                         [--shingle K] [--hashes K] [--bands B] [--segment S]\n"
          "                         [--max-bucket N] [--passages N] [--seed N] [--threads N]\n"
          "                         [BID...]\n"
          "\n"
          "Finds bids that share text other than the tender document's: plain text,\n"
          "DOCX and PDF files. MinHash with LSH over character shingles finds the\n"
          "candidate pairs (all pairs in lots of at most --exhaustive bids, default 30);\n"
          "each is then compared exactly, and the shared passages are the evidence,\n"
          "weighted so that text few bids share counts more. Metadata (author, company,\n"
          "application, times, Word rsids, PDF ids) is compared too.\n"
          "\n"
          "  --template FILE   the tender document (repeatable); its text is ignored\n"
          "  --lots DIR        one lot per subdirectory; files named template* in a lot\n"
          "                    are that lot's own template\n"
          "  --out FILE        the JSON report (default: standard output)\n"
          "  --within-lots     compare bids of the same lot only\n"
          "  --exhaustive N    compare every pair in lots of at most N bids (0: LSH only)\n"
          "  --min-passage N   shortest passage reported, in characters (default 50)\n"
          "  --shingle K --hashes K --bands B --segment S --max-bucket N --seed N\n"
          "                    MinHash/LSH parameters (docs/similarity.md)\n"
          "  --passages N      passages shown per pair (default 20)\n"
          "  --threads N       worker threads (default: one per CPU)\n"
          "\n"
          "Exit 0 ok, 3 a document could not be read, 2 usage, 1 I/O.\n"
          "See docs/similarity.md.\n",
          f);
}

static int add_input(struct inputs *in, const char *path, const char *id, const char *lot)
{
    if (in->n >= SIM_MAX_DOCS)
        return -1;
    if (in->n == in->cap) {
        size_t nc = in->cap ? in->cap * 2 : 16;
        struct input *g = realloc(in->v, nc * sizeof *g);
        if (g == NULL)
            return -1;
        in->v = g;
        in->cap = nc;
    }
    struct input *x = &in->v[in->n];
    memset(x, 0, sizeof *x);
    x->path = strdup(path);
    x->id = strdup(id);
    x->lot = strdup(lot);
    if (x->path == NULL || x->id == NULL || x->lot == NULL) {
        free(x->path);
        free(x->id);
        free(x->lot);
        return -1;
    }
    in->n++;
    return 0;
}

static void inputs_release(struct inputs *in)
{
    for (size_t i = 0; i < in->n; i++) {
        free(in->v[i].path);
        free(in->v[i].id);
        free(in->v[i].lot);
        doctext_release(&in->v[i].dt);
    }
    free(in->v);
    memset(in, 0, sizeof *in);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir that are not hidden and are directories (want_dir)
 * or regular files. Returns a NULL-terminated array, or NULL. */
static char **list_dir(const char *dir, bool want_dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path ||
            stat(path, &st) != 0)
            continue;
        if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
            continue;
        if (n + 1 >= cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **g = realloc(names, nc * sizeof *g);
            if (g == NULL) {
                ok = false;
                break;
            }
            names = g;
            cap = nc;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            ok = false;
        else
            n++;
    }
    closedir(d);
    if (!ok) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return NULL;
    }
    if (names == NULL) {
        names = calloc(1, sizeof *names);
        if (names == NULL)
            return NULL;
    }
    qsort(names, n, sizeof *names, cmp_name);
    names[n] = NULL;
    *count = n;
    return names;
}

static void free_names(char **names)
{
    if (names == NULL)
        return;
    for (char **p = names; *p != NULL; p++)
        free(*p);
    free(names);
}

/* One lot per subdirectory of dir: bids into `in`, template* files into
 * `tmpl` (with the lot's name). */
static int scan_lots(const char *dir, struct inputs *in, struct inputs *tmpl)
{
    size_t nl;
    char **lots = list_dir(dir, true, &nl);
    if (lots == NULL) {
        fprintf(stderr, "sunbid: similarity: %s: %s\n", dir, strerror(errno ? errno : ENOMEM));
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    for (size_t i = 0; i < nl && rc == CLI_OK; i++) {
        char ldir[4096];
        snprintf(ldir, sizeof ldir, "%s/%s", dir, lots[i]);
        size_t nf;
        char **files = list_dir(ldir, false, &nf);
        if (files == NULL) {
            fprintf(stderr, "sunbid: similarity: %s: cannot list\n", ldir);
            rc = CLI_FAIL;
            break;
        }
        for (size_t j = 0; j < nf && rc == CLI_OK; j++) {
            char path[4096], id[4096];
            if (snprintf(path, sizeof path, "%s/%s", ldir, files[j]) >= (int)sizeof path)
                continue;
            snprintf(id, sizeof id, "%s/%s", lots[i], files[j]);
            bool is_t = strncmp(files[j], "template", 8) == 0;
            if (add_input(is_t ? tmpl : in, path, id, lots[i]) != 0)
                rc = CLI_FAIL;
        }
        free_names(files);
    }
    free_names(lots);
    return rc;
}

static int load_text(void *ud, size_t i, const char **text, size_t *len)
{
    const struct inputs *in = ud;
    if (i >= in->n || in->v[i].rc != DOCTEXT_OK)
        return -1;
    *text = in->v[i].dt.text;
    *len = in->v[i].dt.len;
    return 0;
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
    char *end;
    errno = 0;
    if (s[0] == '-' || s[0] == '\0')
        return false;
    unsigned long long x = strtoull(s, &end, 0);
    if (*end != '\0' || errno != 0 || x > max)
        return false;
    *v = x;
    return true;
}

static int write_out(const char *path, const struct buf *b)
{
    FILE *f = path != NULL && strcmp(path, "-") != 0 ? fopen(path, "wb") : stdout;
    if (f == NULL) {
        fprintf(stderr, "sunbid: similarity: %s: %s\n", path, strerror(errno));
        return CLI_FAIL;
    }
    bool ok = fwrite(b->data, 1, b->len, f) == b->len && fputc('\n', f) != EOF;
    if (f != stdout)
        ok = fclose(f) == 0 && ok;
    else
        ok = fflush(f) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "sunbid: similarity: cannot write the report\n");
        return CLI_FAIL;
    }
    return CLI_OK;
}

int cli_similarity(int argc, char **argv)
{
    static const struct option longopts[] = {{"template", required_argument, NULL, 't'},
                                             {"lots", required_argument, NULL, 'l'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"within-lots", no_argument, NULL, 'w'},
                                             {"exhaustive", required_argument, NULL, 'x'},
                                             {"min-passage", required_argument, NULL, 'm'},
                                             {"shingle", required_argument, NULL, 'k'},
                                             {"hashes", required_argument, NULL, 'K'},
                                             {"bands", required_argument, NULL, 'B'},
                                             {"segment", required_argument, NULL, 'S'},
                                             {"max-bucket", required_argument, NULL, 'M'},
                                             {"passages", required_argument, NULL, 'p'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"threads", required_argument, NULL, 'T'},
                                             {"data-dir", required_argument, NULL, 'd'},
                                             {"db", required_argument, NULL, 'b'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct sim_params p;
    sim_params_init(&p);
    struct inputs bids = {0}, tmpl = {0};
    const char *lots_dir = NULL, *out_path = NULL;
    struct sim *s = NULL;
    struct sim_doc *docs = NULL;
    struct sim_result res = {0};
    struct buf json;
    buf_init(&json, SIMCLI_MAX_OUT);
    int rc = CLI_OK, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        unsigned long long v = 0;
        bool bad = false;
        switch (opt) {
        case 't':
            if (add_input(&tmpl, optarg, optarg, "") != 0)
                rc = CLI_FAIL;
            break;
        case 'l':
            lots_dir = optarg;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'w':
            p.within_lots = true;
            break;
        case 'x':
            bad = !parse_uint(optarg, 1000000, &v);
            p.exhaustive_lot = (unsigned)v;
            break;
        case 'm':
            bad = !parse_uint(optarg, 1000000, &v);
            p.min_passage = (unsigned)v;
            break;
        case 'k':
            bad = !parse_uint(optarg, 64, &v);
            p.shingle = (unsigned)v;
            break;
        case 'K':
            bad = !parse_uint(optarg, 1024, &v);
            p.hashes = (unsigned)v;
            break;
        case 'B':
            bad = !parse_uint(optarg, 1024, &v);
            p.bands = (unsigned)v;
            break;
        case 'S':
            bad = !parse_uint(optarg, 1u << 20, &v);
            p.segment = (unsigned)v;
            break;
        case 'M':
            bad = !parse_uint(optarg, 1000000, &v);
            p.max_bucket = (unsigned)v;
            break;
        case 'p':
            bad = !parse_uint(optarg, 100000, &v);
            p.max_shown = (unsigned)v;
            break;
        case 's':
            bad = !parse_uint(optarg, UINT64_MAX, &v);
            p.seed = v;
            break;
        case 'T':
            bad = !parse_uint(optarg, 64, &v);
            p.threads = (int)v;
            break;
        case 'd':
        case 'b':
            break; /* the store is not used */
        case 'h':
            usage(stdout);
            rc = CLI_OK;
            goto done;
        default:
            usage(stderr);
            rc = CLI_USAGE;
            goto done;
        }
        if (bad) {
            fprintf(stderr, "sunbid: similarity: bad number: %s\n", optarg);
            rc = CLI_USAGE;
            goto done;
        }
        if (rc != CLI_OK)
            goto done;
    }
    for (int i = optind; i < argc && rc == CLI_OK; i++)
        if (add_input(&bids, argv[i], argv[i], "") != 0)
            rc = CLI_FAIL;
    if (rc == CLI_OK && lots_dir != NULL)
        rc = scan_lots(lots_dir, &bids, &tmpl);
    if (rc != CLI_OK)
        goto done;
    if (bids.n == 0) {
        fprintf(stderr, "sunbid: similarity: no bids: name files or give --lots DIR\n");
        usage(stderr);
        rc = CLI_USAGE;
        goto done;
    }
    s = sim_new(&p);
    if (s == NULL) {
        fprintf(stderr, "sunbid: similarity: bad_parameters: hashes must be a power of two "
                        "16..1024 divisible by bands, 3 <= shingle <= 64, segment >= 64, "
                        "min-passage >= shingle, max-bucket >= 2\n");
        rc = CLI_USAGE;
        goto done;
    }

    /* Templates: global ones into set 0, a lot's into a set of its own. */
    int *lot_set = calloc(bids.n, sizeof *lot_set);
    if (lot_set == NULL) {
        rc = CLI_FAIL;
        goto done;
    }
    for (size_t i = 0; i < bids.n; i++)
        lot_set[i] = -1;
    for (size_t i = 0; i < tmpl.n && rc == CLI_OK; i++) {
        struct input *t = &tmpl.v[i];
        t->rc = doctext_read_file(t->path, &t->dt);
        if (t->rc != DOCTEXT_OK) {
            fprintf(stderr, "sunbid: similarity: template %s: %s: %s\n", t->path,
                    doctext_err_code(t->rc), t->dt.detail);
            rc = t->rc == DOCTEXT_NOMEM ? CLI_FAIL : CLI_INVALID;
            break;
        }
        int set = 0;
        if (t->lot[0] != '\0') {
            /* One set per lot: reuse the set of an earlier template of it. */
            set = -1;
            for (size_t j = 0; j < i; j++)
                if (strcmp(tmpl.v[j].lot, t->lot) == 0)
                    set = tmpl.v[j].set;
            if (set < 0 && sim_template_new(s, &set) != SIM_OK) {
                rc = CLI_FAIL;
                break;
            }
        }
        t->set = set;
        if (sim_template_add(s, set, t->dt.text, t->dt.len) != SIM_OK) {
            fprintf(stderr, "sunbid: similarity: template %s is too large\n", t->path);
            rc = CLI_INVALID;
            break;
        }
        for (size_t j = 0; j < bids.n; j++)
            if (set > 0 && strcmp(bids.v[j].lot, t->lot) == 0)
                lot_set[j] = set;
    }
    if (rc != CLI_OK) {
        free(lot_set);
        goto done;
    }

    docs = calloc(bids.n, sizeof *docs);
    if (docs == NULL) {
        free(lot_set);
        rc = CLI_FAIL;
        goto done;
    }
    size_t failed = 0;
    for (size_t i = 0; i < bids.n; i++) {
        struct input *b = &bids.v[i];
        b->rc = doctext_read_file(b->path, &b->dt);
        docs[i].id = b->id;
        docs[i].lot = b->lot;
        docs[i].template_set = lot_set[i];
        if (b->rc != DOCTEXT_OK) {
            fprintf(stderr, "sunbid: similarity: %s: %s: %s\n", b->path, doctext_err_code(b->rc),
                    b->dt.detail);
            if (b->rc == DOCTEXT_NOMEM) {
                free(lot_set);
                rc = CLI_FAIL;
                goto done;
            }
            docs[i].error = doctext_err_code(b->rc);
            docs[i].error_detail = b->dt.detail;
            failed++;
            continue;
        }
        docs[i].format = doctext_format_name(b->dt.format);
        docs[i].meta = &b->dt.meta;
    }
    free(lot_set);

    struct sim_source src = {load_text, NULL, &bids};
    int e = sim_run(s, docs, bids.n, &src, &res);
    if (e == SIM_OK)
        e = sim_write_json(s, docs, &res, &json);
    if (e != SIM_OK) {
        fprintf(stderr, "sunbid: similarity: %s\n", sim_err_code(e));
        rc = e == SIM_TOO_MANY_PAIRS || e == SIM_EVIDENCE_TOO_LARGE ? CLI_INVALID : CLI_FAIL;
        goto done;
    }
    rc = write_out(out_path, &json);
    if (rc == CLI_OK) {
        fprintf(stderr,
                "sunbid: similarity: %zu documents (%zu unreadable), %llu candidate pairs, "
                "%zu pairs share passages\n",
                bids.n, failed, (unsigned long long)res.verified, res.npairs);
        if (failed > 0)
            rc = CLI_INVALID;
    }
done:
    sim_result_release(&res);
    sim_free(s);
    free(docs);
    inputs_release(&bids);
    inputs_release(&tmpl);
    buf_release(&json);
    return rc;
}
