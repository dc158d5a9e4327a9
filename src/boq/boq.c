/*
 * boq/boq.c — reading bills of quantities and comparing priced ones
 * (boq.h; docs/boq.md).
 *
 * Reading: the sheet's header row is the first of its first BOQ_HEADER_SCAN
 * rows in which an item-code and a quantity column are recognised (and a
 * unit-price column when a priced BoQ is wanted). A header cell is
 * recognised by keywords, tried in a fixed order so that "unit price" is a
 * price and not a unit and "综合单价" is not taken for "单价"'s cousin
 * "单位". Each kind takes the first column that matches it.
 *
 * Comparing: the tender's codes go into an open-addressing hash table
 * once (struct codes: FNV-1a, linear probing, at most half full), and every
 * bidder line is found with one hash and, nearly always, one strcmp:
 * O(T + sum B). A repeated code in a file is found the same way while
 * reading. Medians and MADs sort at most n prices per line by insertion
 * (n is small; no qsort callback per comparison). The pair test is
 * O(n^2 T) with plain array reads (30 bidders x 20,000 lines: 8.7 million
 * steps).
 *
 * Threads: boq_read_many reads the files of one comparison on a few
 * threads (each file is read by one thread into its own struct boq: no
 * shared state but the counter handing files out). boq_compare runs on
 * BOQ_COMPARE_THREADS threads (struct share): first each looks up half of
 * the bidders (pass 1, writing only its bidders' columns of the index and
 * sums), then, after a join, each fills and judges half of the tender's
 * lines (pass 2, writing only its rows, with its own counters added up at
 * the end). The result does not depend on the split: the per-line work is
 * the same and counts are sums.
 *
 * Numbers: most cells are plain decimals with at most 15 significant
 * digits and a small exponent; those are converted exactly as strtod
 * would (the digits as an integer below 2^53, times or divided by an exact
 * power of ten: one correctly rounded operation, Clinger's fast path), and
 * anything else goes to strtod. The results are bit for bit strtod's.
 *
 * Profile before this design (30 x 20,000, bench/evaluation.c): a quarter
 * of the time in strcmp (sorting codes for the duplicate check, binary
 * search for the line-up) and a fifth in strtod.
 */
#include "boq/boq.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"

#define BOQ_COMPARE_THREADS   2    /* threads of one comparison (the machine has 2 cores) */
#define BOQ_COMPARE_SPLIT_MIN 4096 /* cells (lines x bidders) worth a second thread */

const struct sheet_limits boq_sheet_limits = {
    .max_rows = BOQ_LINES_MAX + BOQ_HEADER_SCAN,
    .max_cols = 64,
    .max_cell = 4096,
    .max_part = (size_t)512 << 20,
    .max_bytes = BOQ_FILE_MAX,
};

const struct boq_config boq_default_config = {
    .z_max = 3.5,
    .rel_min = 0.20,
    .min_bids = 3,
    .arith_abs = 0.01,
    .arith_rel = 1e-6,
    .share_min = 0.30,
    .same_min = 10,
    .qty_rel = 1e-9,
};

void boq_init(struct boq *b)
{
    memset(b, 0, sizeof(*b));
    arena_init(&b->a, 0);
}

void boq_release(struct boq *b)
{
    free(b->lines);
    arena_release(&b->a);
    b->lines = NULL;
    b->n = b->cap = 0;
}

/* ---- reading ---- */

enum col { C_CODE, C_NAME, C_UNIT, C_QTY, C_PRICE, C_TOTAL, C__N };

/* Keywords per kind, in the order kinds are tried (see the file comment). */
static const struct {
    enum col kind;
    const char *words[10];
} keywords[] = {
    {C_CODE,
     {"项目编码", "項目編碼", "清单编码", "清單編碼", "编码", "編碼", "item code", "code", NULL}},
    {C_PRICE, {"综合单价", "綜合單價", "单价", "單價", "unit price", "unit_price", "rate", NULL}},
    {C_TOTAL, {"合价", "合價", "合计", "合計", "金额", "金額", "total", "amount", NULL}},
    {C_QTY, {"工程量", "工程數量", "数量", "數量", "quantity", "qty", NULL}},
    {C_UNIT, {"计量单位", "計量單位", "单位", "單位", "unit", NULL}},
    {C_NAME, {"项目名称", "項目名稱", "名称", "名稱", "item name", "name", NULL}},
};

/* The kind of a header cell, or -1. ASCII is compared case-insensitively. */
static int header_kind(const char *cell)
{
    char low[128];
    size_t n = strlen(cell);
    if (n == 0 || n >= sizeof low)
        return -1;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)((cell[i] >= 'A' && cell[i] <= 'Z') ? cell[i] + 32 : cell[i]);
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        for (int w = 0; keywords[k].words[w] != NULL; w++)
            if (strstr(low, keywords[k].words[w]) != NULL)
                return (int)keywords[k].kind;
    return -1;
}

/* Trims ASCII blanks and the ideographic space (U+3000) at both ends. */
static const char *trim(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++, n--;
    while (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
        s += 3, n -= 3;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    while (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
        n -= 3;
    return arena_strndup(a, s, n);
}

/* Exact powers of ten as doubles (10^22 is the largest exact one). */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The fast path of decimal conversion (see the file comment): t (n bytes)
 * of the form [+-]digits[.digits][(e|E)[+-]digits] with at most 15
 * significant digits and a decimal exponent within +-22 gives true and the
 * value strtod would give; anything else false (the caller asks strtod). */
static bool fast_decimal(const char *t, size_t n, double *v)
{
    size_t i = 0;
    bool neg = false, digits = false;
    uint64_t m = 0;
    int sig = 0, scale = 0;
    if (i < n && (t[i] == '+' || t[i] == '-'))
        neg = t[i++] == '-';
    for (; i < n && t[i] >= '0' && t[i] <= '9'; i++) {
        digits = true;
        if (m == 0 && t[i] == '0')
            continue; /* leading zeros are not significant */
        if (++sig > 15)
            return false;
        m = m * 10 + (uint64_t)(t[i] - '0');
    }
    if (i < n && t[i] == '.') {
        for (i++; i < n && t[i] >= '0' && t[i] <= '9'; i++) {
            digits = true;
            scale--;
            if (m == 0 && t[i] == '0')
                continue;
            if (++sig > 15)
                return false;
            m = m * 10 + (uint64_t)(t[i] - '0');
        }
    }
    if (!digits)
        return false;
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        bool eneg = false;
        int e = 0, ed = 0;
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            eneg = t[i++] == '-';
        for (; i < n && t[i] >= '0' && t[i] <= '9'; i++) {
            if (++ed > 4)
                return false;
            e = e * 10 + (t[i] - '0');
        }
        if (ed == 0)
            return false;
        scale += eneg ? -e : e;
    }
    if (i != n || scale < -22 || scale > 22)
        return false;
    double d = (double)m; /* exact: m < 10^15 < 2^53 */
    d = scale < 0 ? d / pow10_exact[-scale] : d * pow10_exact[scale];
    *v = neg ? -d : d;
    return true;
}

/* Parses a decimal: blanks around, ',' thousands separators, an optional
 * sign, digits with one '.', an optional exponent (XLSX writes some numbers
 * so). 1 and *v, 0 for an empty cell, -1 for anything else. */
static int parse_num(const char *cell, double *v)
{
    char tmp[64];
    size_t n = 0;
    const char *s = sheet_unguard(cell);
    while (*s == ' ' || *s == '\t')
        s++;
    for (; *s != '\0'; s++) {
        if (*s == ',')
            continue;
        if (*s == ' ' || *s == '\t') {
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s != '\0')
                return -1;
            break;
        }
        if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == '-' || *s == '+' || *s == 'e' ||
              *s == 'E'))
            return -1;
        if (n + 1 >= sizeof tmp)
            return -1;
        tmp[n++] = *s;
    }
    if (n == 0)
        return 0;
    tmp[n] = '\0';
    if (!((tmp[0] >= '0' && tmp[0] <= '9') || tmp[0] == '.' || tmp[0] == '-' || tmp[0] == '+'))
        return -1;
    double d;
    if (!fast_decimal(tmp, n, &d)) {
        char *end = NULL;
        d = strtod(tmp, &end);
        if (end != tmp + n)
            return -1;
    }
    if (!isfinite(d) || fabs(d) > 1e15)
        return -1;
    *v = d;
    return 1;
}

static int fail(struct boq_error *err, int rc, size_t row, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(struct boq_error *err, int rc, size_t row, const char *column, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->row = row;
        err->column = column;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* The item codes of one BoQ as an open-addressing hash table: slot[h]
 * holds 1 + the index of a line, 0 for an empty slot; the table is a power
 * of two at least twice the lines, so probes stay short. */
struct codes {
    uint32_t *slot;               /* mask + 1 of them */
    size_t mask;                  /* slots - 1 */
    const struct boq_line *lines; /* borrowed: the BoQ's lines */
};

static uint64_t code_hash(const char *s)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return h ^ (h >> 29);
}

static int codes_init(struct codes *t, const struct boq_line *lines, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    t->slot = calloc(cap, sizeof(*t->slot));
    t->mask = cap - 1;
    t->lines = lines;
    return t->slot != NULL ? 0 : -1;
}

static void codes_release(struct codes *t)
{
    free(t->slot);
    t->slot = NULL;
}

/* The slot of code: the one holding it, or the empty one where it would go. */
static size_t codes_probe(const struct codes *t, const char *code)
{
    size_t h = (size_t)code_hash(code) & t->mask;
    while (t->slot[h] != 0 && strcmp(t->lines[t->slot[h] - 1].code, code) != 0)
        h = (h + 1) & t->mask;
    return h;
}

/* The line with code, or NULL. */
static const struct boq_line *codes_find(const struct codes *t, const char *code)
{
    size_t h = codes_probe(t, code);
    return t->slot[h] != 0 ? &t->lines[t->slot[h] - 1] : NULL;
}

/* Refuses a repeated code. Every line goes into a table in file order; a
 * code already there is a repeat, seen at its second (or later) row. The
 * error names the repeated code that sorts first (strcmp) at the row where
 * it first repeats, whatever the order of the file. */
static int check_dups(const struct boq *b, struct boq_error *err)
{
    struct codes t;
    const struct boq_line *dup = NULL;
    if (b->n < 2)
        return BOQ_OK;
    if (codes_init(&t, b->lines, b->n) != 0)
        return fail(err, BOQ_ENOMEM, 0, NULL, "out of memory");
    for (size_t i = 0; i < b->n; i++) {
        const struct boq_line *l = &b->lines[i];
        size_t h = codes_probe(&t, l->code);
        if (t.slot[h] == 0)
            t.slot[h] = (uint32_t)(i + 1);
        else if (dup == NULL || strcmp(l->code, dup->code) < 0)
            dup = l;
    }
    codes_release(&t);
    if (dup != NULL)
        return fail(err, BOQ_EDUP, dup->row, "code", "the item code %s repeats", dup->code);
    return BOQ_OK;
}

int boq_from_sheet(struct boq *b, const struct sheet *s, bool want_price, struct boq_error *err)
{
    int col[C__N];
    size_t hdr = 0;
    bool found = false;
    for (size_t r = 0; r < s->nrows && r < BOQ_HEADER_SCAN && !found; r++) {
        for (int k = 0; k < C__N; k++)
            col[k] = -1;
        for (size_t c = 0; c < s->rows[r].ncells; c++) {
            int k = header_kind(s->rows[r].cells[c]);
            if (k >= 0 && col[k] < 0)
                col[k] = (int)c;
        }
        if (col[C_CODE] >= 0 && col[C_QTY] >= 0 && (!want_price || col[C_PRICE] >= 0)) {
            found = true;
            hdr = r;
        }
    }
    if (!found)
        return fail(err, BOQ_EHEADER, 0, NULL,
                    "no header row with item code, quantity%s columns in the first %d rows",
                    want_price ? " and unit price" : "", BOQ_HEADER_SCAN);
    b->priced = col[C_PRICE] >= 0;
    for (size_t r = hdr + 1; r < s->nrows; r++) {
        const struct sheet_row *row = &s->rows[r];
        const char *code = trim(&b->a, sheet_unguard(sheet_cell(s, r, (size_t)col[C_CODE])));
        if (code == NULL)
            return fail(err, BOQ_ENOMEM, row->line, NULL, "out of memory");
        if (code[0] == '\0')
            continue; /* a section title or a subtotal */
        if (b->n == BOQ_LINES_MAX)
            return fail(err, BOQ_ETOOBIG, row->line, NULL, "more than %d lines", BOQ_LINES_MAX);
        if (b->n == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 256;
            struct boq_line *nl = realloc(b->lines, cap * sizeof(*nl));
            if (nl == NULL)
                return fail(err, BOQ_ENOMEM, row->line, NULL, "out of memory");
            b->lines = nl;
            b->cap = cap;
        }
        struct boq_line *l = &b->lines[b->n];
        memset(l, 0, sizeof(*l));
        l->code = code;
        l->row = row->line;
        l->name = col[C_NAME] >= 0 ? trim(&b->a, sheet_cell(s, r, (size_t)col[C_NAME])) : "";
        l->unit = col[C_UNIT] >= 0 ? trim(&b->a, sheet_cell(s, r, (size_t)col[C_UNIT])) : "";
        if (l->name == NULL || l->unit == NULL)
            return fail(err, BOQ_ENOMEM, row->line, NULL, "out of memory");
        int q = parse_num(sheet_cell(s, r, (size_t)col[C_QTY]), &l->qty);
        if (q <= 0)
            return fail(err, BOQ_EVALUE, row->line, "quantity",
                        "the quantity of item %s is not a number", code);
        if (l->qty < 0)
            return fail(err, BOQ_EVALUE, row->line, "quantity",
                        "the quantity of item %s is negative", code);
        if (col[C_PRICE] >= 0) {
            int p = parse_num(sheet_cell(s, r, (size_t)col[C_PRICE]), &l->price);
            if (p < 0)
                return fail(err, BOQ_EVALUE, row->line, "unit_price",
                            "the unit price of item %s is not a number", code);
            l->has_price = p == 1;
        }
        if (col[C_TOTAL] >= 0) {
            int t = parse_num(sheet_cell(s, r, (size_t)col[C_TOTAL]), &l->total);
            if (t < 0)
                return fail(err, BOQ_EVALUE, row->line, "total",
                            "the total of item %s is not a number", code);
            l->has_total = t == 1;
        }
        b->n++;
    }
    return check_dups(b, err);
}

int boq_read(struct boq *b, const void *data, size_t len, bool want_price, struct boq_error *err)
{
    struct sheet s;
    struct sheet_error se = {0, ""};
    sheet_init(&s);
    int rc = sheet_read(&s, data, len, &boq_sheet_limits, &se);
    if (rc != SHEET_OK) {
        if (err != NULL) {
            err->row = se.row;
            err->column = NULL;
            snprintf(err->msg, sizeof err->msg, "%s", se.msg);
        }
        rc = rc == SHEET_ETOOBIG ? BOQ_ETOOBIG : rc == SHEET_ENOMEM ? BOQ_ENOMEM : BOQ_EINPUT;
    } else {
        rc = boq_from_sheet(b, &s, want_price, err);
    }
    sheet_release(&s);
    return rc;
}

/* ---- reading several files at once ---- */

/* The files are handed out one at a time from a shared counter, so a slow
 * file (an XLSX among CSVs) does not hold a whole share of them back. */
struct read_job {
    struct boq *b;
    const struct boq_input *in;
    int *rc;
    struct boq_error *err;
    size_t n;
    atomic_size_t next; /* the next file to read */
};

static void *read_worker(void *arg)
{
    struct read_job *j = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n)
            break;
        j->rc[i] = boq_read(&j->b[i], j->in[i].data, j->in[i].len, j->in[i].want_price,
                            j->err != NULL ? &j->err[i] : NULL);
    }
    return NULL;
}

int boq_read_many(struct boq *b, const struct boq_input *in, size_t n, int threads, int *rc,
                  struct boq_error *err)
{
    struct read_job j = {b, in, rc, err, n, 0};
    pthread_t tid[BOQ_THREADS_MAX];
    int started = 0;
    if (threads > BOQ_THREADS_MAX)
        threads = BOQ_THREADS_MAX;
    if ((size_t)threads > n)
        threads = (int)n;
    /* threads - 1 helpers; a helper that cannot start leaves its share to
     * the others (the calling thread always works) */
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, read_worker, &j) == 0)
            started++;
    read_worker(&j);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    for (size_t i = 0; i < n; i++)
        if (rc[i] != BOQ_OK)
            return rc[i];
    return BOQ_OK;
}

/* ---- comparing ---- */

int boq_config_check(const struct boq_config *cfg)
{
    if (!(cfg->z_max > 0 && cfg->z_max <= 1000) || !(cfg->rel_min >= 0 && cfg->rel_min <= 100) ||
        cfg->min_bids < 2 || cfg->min_bids > BOQ_BIDDERS_MAX ||
        !(cfg->arith_abs >= 0 && cfg->arith_abs <= 1e6) ||
        !(cfg->arith_rel >= 0 && cfg->arith_rel <= 1) ||
        !(cfg->share_min > 0 && cfg->share_min <= 1) || cfg->same_min < 1 ||
        !(cfg->qty_rel >= 0 && cfg->qty_rel <= 1))
        return -1;
    return 0;
}

/* Sorts v (no NAN) by insertion: n is the bidders of one line, and the
 * prices of a line mostly arrive nearly sorted once their deviations are
 * taken. */
static void sort_doubles(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static double median_of(double *v, size_t n)
{
    sort_doubles(v, n);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool arith_wrong(const struct boq_line *l, const struct boq_config *cfg)
{
    if (!l->has_price || !l->has_total)
        return false;
    double d = fabs(l->qty * l->price - l->total);
    double tol = fmax(cfg->arith_abs, cfg->arith_rel * fabs(l->total));
    return d > tol + 1e-9;
}

static bool qty_changed(const struct boq_line *t, const struct boq_line *b,
                        const struct boq_config *cfg)
{
    double scale = fmax(fabs(t->qty), fabs(b->qty));
    if (fabs(t->qty - b->qty) > cfg->qty_rel * scale)
        return true;
    return t->unit[0] != '\0' && b->unit[0] != '\0' && strcmp(t->unit, b->unit) != 0;
}

void boq_comparison_release(struct boq_comparison *c)
{
    free(c->at);
    free(c->mark);
    free(c->price);
    free(c->median);
    free(c->mad);
    free(c->sum);
    free(c->extra);
    free(c->extra_bidder);
    free(c->pairs);
    memset(c, 0, sizeof(*c));
}

/* Counts of one pair while the lines are walked. */
struct pair_count {
    size_t same, both, all_same, all_both, nonzero_same;
};

/* One thread's share of a comparison (see boq_compare): first the bidders
 * [b0, b1) are looked up (pass 1), then, once every bidder is, the tender
 * lines [i0, i1) are filled in and judged (pass 2). Everything a share
 * counts goes into its own counters, added up afterwards, so the shares
 * write no common memory but their own rows and bidders. */
struct share {
    struct boq_comparison *c;
    const struct codes *idx;
    uint32_t *inv;                 /* [b * T + i]: 1 + bidder b's line for tender line i; 0 none */
    int b0, b1;                    /* pass 1: its bidders */
    size_t i0, i1;                 /* pass 2: its tender lines */
    const struct boq_line **extra; /* pass 1: its extra lines, in bidder order */
    int *extra_bidder;
    size_t nextra, ecap;
    size_t *changed, *unpriced, *unbalanced; /* pass 2: [b] */
    struct pair_count *pc;                   /* pass 2: [pair] */
    double *v, *d;                           /* pass 2: scratch, n each */
    int rc;
};

/* Pass 1 for bidders [b0, b1), in file order: totals, arithmetic, the
 * extra lines, and where each line goes (inv). */
static void lineup_bidders(struct share *p)
{
    struct boq_comparison *c = p->c;
    size_t T = c->tender->n;
    for (int b = p->b0; b < p->b1; b++) {
        const struct boq *bid = c->bids[b];
        struct boq_bidder_sum *s = &c->sum[b];
        uint32_t *col = p->inv + (size_t)b * T;
        s->lines = bid->n;
        for (size_t j = 0; j < bid->n; j++) {
            const struct boq_line *l = &bid->lines[j];
            s->total += l->has_total ? l->total : (l->has_price ? l->qty * l->price : 0);
            s->arith += arith_wrong(l, &c->cfg);
            const struct boq_line *t = codes_find(p->idx, l->code);
            if (t == NULL) {
                if (p->nextra == p->ecap) {
                    size_t nc = p->ecap ? p->ecap * 2 : 64;
                    const struct boq_line **ne = realloc(p->extra, nc * sizeof(*ne));
                    int *nb = realloc(p->extra_bidder, nc * sizeof(*nb));
                    if (ne != NULL)
                        p->extra = ne;
                    if (nb != NULL)
                        p->extra_bidder = nb;
                    if (ne == NULL || nb == NULL) {
                        p->rc = BOQ_ENOMEM;
                        return;
                    }
                    p->ecap = nc;
                }
                p->extra[p->nextra] = l;
                p->extra_bidder[p->nextra++] = b;
                s->extra++;
                continue;
            }
            size_t i = (size_t)(t - c->tender->lines);
            if (col[i] != 0)
                continue; /* a repeated code (boq_read refuses them) */
            col[i] = (uint32_t)(j + 1);
            s->matched++;
        }
        s->missing = T - s->matched;
    }
}

/* Lines of the tender handled together when the line-up is written into
 * the line-major matrices: a block's rows (at, price, mark: about 500
 * bytes a line with 30 bidders) stay in the cache while each bidder's
 * column of the block is filled from its bidder-major index. */
#define LINEUP_BLOCK 128

/* Pass 2 for lines [i0, i1): the matrices and the line marks, in blocks. */
static void fill_lines(struct share *p)
{
    struct boq_comparison *c = p->c;
    size_t T = c->tender->n;
    int n = c->n;
    for (size_t i0 = p->i0; i0 < p->i1; i0 += LINEUP_BLOCK) {
        size_t i1 = i0 + LINEUP_BLOCK < p->i1 ? i0 + LINEUP_BLOCK : p->i1;
        for (int b = 0; b < n; b++) {
            const struct boq *bid = c->bids[b];
            const uint32_t *col = p->inv + (size_t)b * T;
            for (size_t i = i0; i < i1; i++) {
                size_t at = i * (size_t)n + (size_t)b;
                if (col[i] == 0) {
                    c->at[at] = NULL;
                    c->price[at] = NAN;
                    c->mark[at] = BOQ_M_MISSING;
                    continue;
                }
                const struct boq_line *l = &bid->lines[col[i] - 1];
                uint8_t m = 0;
                c->at[at] = l;
                c->price[at] = l->has_price ? l->price : NAN;
                if (qty_changed(&c->tender->lines[i], l, &c->cfg)) {
                    m |= BOQ_M_CHANGED;
                    p->changed[b]++;
                }
                if (!l->has_price) {
                    m |= BOQ_M_UNPRICED;
                    p->unpriced[b]++;
                }
                if (arith_wrong(l, &c->cfg))
                    m |= BOQ_M_ARITH;
                c->mark[at] = m;
            }
        }
    }
}

/* Pass 2, line by line over [i0, i1): medians, MADs, unbalanced marks. */
static void judge_lines(struct share *p)
{
    struct boq_comparison *c = p->c;
    int n = c->n;
    double *v = p->v, *d = p->d;
    for (size_t i = p->i0; i < p->i1; i++) {
        const double *row = c->price + i * (size_t)n;
        size_t k = 0;
        for (int b = 0; b < n; b++)
            if (!isnan(row[b]))
                v[k++] = row[b];
        c->median[i] = c->mad[i] = NAN;
        if (k < (size_t)c->cfg.min_bids)
            continue;
        double med = median_of(v, k);
        for (size_t j = 0; j < k; j++)
            d[j] = fabs(v[j] - med);
        double mad = median_of(d, k);
        c->median[i] = med;
        c->mad[i] = mad;
        for (int b = 0; b < n; b++) {
            if (isnan(row[b]))
                continue;
            double gap = row[b] - med;
            double rel = med != 0 ? fabs(gap) / fabs(med) : (gap != 0 ? INFINITY : 0);
            bool far = mad > 0 ? fabs(0.6745 * gap / mad) > c->cfg.z_max : gap != 0;
            if (far && rel > c->cfg.rel_min) {
                c->mark[i * (size_t)n + (size_t)b] |= gap > 0 ? BOQ_M_HIGH : BOQ_M_LOW;
                p->unbalanced[b]++;
            }
        }
    }
}

/* Pass 2, identical unit-price columns over [i0, i1). The lines of the
 * price matrix (a line's n prices side by side, NAN for none) are walked
 * once with every pair counted: the line's row stays in the cache, where
 * following each line pointer per pair would miss it (435 pairs x 20,000
 * lines). */
static void count_pairs(struct share *p)
{
    size_t n = (size_t)p->c->n;
    for (size_t i = p->i0; i < p->i1; i++) {
        const double *row = p->c->price + i * n;
        /* informative: not one price every priced bidder shares (with three
         * or more of them: with two, sharing is what is being asked) */
        double first = NAN;
        bool differ = false;
        int priced = 0;
        for (size_t b = 0; b < n; b++) {
            if (isnan(row[b]))
                continue;
            priced++;
            if (isnan(first))
                first = row[b];
            else if (row[b] != first)
                differ = true;
        }
        bool info = differ || priced < 3;
        struct pair_count *q = p->pc;
        for (size_t a = 0; a < n; a++) {
            double pa = row[a];
            if (isnan(pa)) {
                q += n - a - 1;
                continue;
            }
            for (size_t b = a + 1; b < n; b++, q++) {
                double pb = row[b];
                if (isnan(pb))
                    continue;
                bool eq = pa == pb;
                q->all_both++;
                q->all_same += eq;
                q->nonzero_same += eq && pa != 0;
                if (info && pa != 0) {
                    q->both++;
                    q->same += eq;
                }
            }
        }
    }
}

static void *pass1_worker(void *arg)
{
    lineup_bidders(arg);
    return NULL;
}

static void *pass2_worker(void *arg)
{
    struct share *p = arg;
    fill_lines(p);
    judge_lines(p);
    count_pairs(p);
    return NULL;
}

/* Runs fn on shares[1..nshares) in helper threads and on shares[0] here;
 * a helper that cannot start runs here too. */
static void run_shares(struct share *sh, int nshares, void *(*fn)(void *))
{
    pthread_t tid[BOQ_COMPARE_THREADS];
    bool started[BOQ_COMPARE_THREADS] = {false};
    for (int t = 1; t < nshares; t++)
        started[t] = pthread_create(&tid[t], NULL, fn, &sh[t]) == 0;
    fn(&sh[0]);
    for (int t = 1; t < nshares; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            fn(&sh[t]);
    }
}

/* The flagged pairs from the counts. */
static int select_pairs(struct boq_comparison *c, const struct pair_count *pc)
{
    size_t n = (size_t)c->n, cap = 0;
    const struct pair_count *q = pc;
    for (size_t a = 0; a < n; a++) {
        for (size_t b = a + 1; b < n; b++, q++) {
            struct boq_pair p = {(int)a, (int)b, q->same, q->both, q->all_same, q->all_both, false};
            p.whole_column = p.all_same == p.all_both && q->nonzero_same >= 2;
            bool share = p.both > 0 && p.same >= (size_t)c->cfg.same_min &&
                         (double)p.same >= c->cfg.share_min * (double)p.both;
            if (!p.whole_column && !share)
                continue;
            if (c->npairs == cap) {
                size_t nc = cap ? cap * 2 : 16;
                struct boq_pair *nps = realloc(c->pairs, nc * sizeof(*nps));
                if (nps == NULL)
                    return BOQ_ENOMEM;
                c->pairs = nps;
                cap = nc;
            }
            c->pairs[c->npairs++] = p;
        }
    }
    return BOQ_OK;
}

int boq_compare(struct boq_comparison *c, const struct boq *tender, const struct boq *const *bids,
                int n, const struct boq_config *cfg)
{
    struct codes idx = {NULL, 0, NULL};
    struct share sh[BOQ_COMPARE_THREADS];
    uint32_t *inv = NULL;
    size_t T = tender->n, np = 0;
    int rc = BOQ_ENOMEM, ns = 1;
    memset(c, 0, sizeof(*c));
    memset(sh, 0, sizeof(sh));
    if (n < 0 || n > BOQ_BIDDERS_MAX)
        return BOQ_ETOOBIG;
    c->tender = tender;
    c->bids = bids;
    c->n = n;
    c->cfg = cfg != NULL ? *cfg : boq_default_config;
    np = (size_t)n * (size_t)(n > 0 ? n - 1 : 0) / 2;
    /* a second thread only where there is enough to share */
    if ((size_t)n * T >= BOQ_COMPARE_SPLIT_MIN)
        ns = BOQ_COMPARE_THREADS;
    size_t cells = (T > 0 ? T : 1) * (size_t)(n > 0 ? n : 1), nn = (size_t)(n > 0 ? n : 1);
    c->at = malloc(cells * sizeof(*c->at));
    c->mark = malloc(cells);
    c->price = malloc(cells * sizeof(double));
    c->median = calloc(T > 0 ? T : 1, sizeof(double));
    c->mad = calloc(T > 0 ? T : 1, sizeof(double));
    c->sum = calloc(nn, sizeof(*c->sum));
    inv = calloc(cells, sizeof(*inv));
    if (!c->at || !c->mark || !c->price || !c->median || !c->mad || !c->sum || !inv ||
        codes_init(&idx, tender->lines, T) != 0)
        goto out;
    for (int t = 0; t < ns; t++) {
        struct share *p = &sh[t];
        p->c = c;
        p->idx = &idx;
        p->inv = inv;
        p->b0 = (int)((size_t)n * (size_t)t / (size_t)ns);
        p->b1 = (int)((size_t)n * (size_t)(t + 1) / (size_t)ns);
        p->i0 = T * (size_t)t / (size_t)ns;
        p->i1 = T * (size_t)(t + 1) / (size_t)ns;
        p->changed = calloc(nn, sizeof(size_t));
        p->unpriced = calloc(nn, sizeof(size_t));
        p->unbalanced = calloc(nn, sizeof(size_t));
        p->pc = calloc(np > 0 ? np : 1, sizeof(*p->pc));
        p->v = malloc(nn * sizeof(double));
        p->d = malloc(nn * sizeof(double));
        if (!p->changed || !p->unpriced || !p->unbalanced || !p->pc || !p->v || !p->d)
            goto out;
    }
    for (size_t i = 0; i < T; i++) {
        size_t h = codes_probe(&idx, tender->lines[i].code);
        if (idx.slot[h] == 0) /* a repeat (boq_read refuses them): the first counts */
            idx.slot[h] = (uint32_t)(i + 1);
    }
    run_shares(sh, ns, pass1_worker);
    for (int t = 0; t < ns; t++) { /* the extra lines in bidder order */
        const struct share *p = &sh[t];
        if (p->rc != BOQ_OK)
            goto out;
        if (p->nextra == 0)
            continue;
        const struct boq_line **ne = realloc(c->extra, (c->nextra + p->nextra) * sizeof(*ne));
        int *nb = realloc(c->extra_bidder, (c->nextra + p->nextra) * sizeof(*nb));
        if (ne != NULL)
            c->extra = ne;
        if (nb != NULL)
            c->extra_bidder = nb;
        if (ne == NULL || nb == NULL)
            goto out;
        memcpy(c->extra + c->nextra, p->extra, p->nextra * sizeof(*ne));
        memcpy(c->extra_bidder + c->nextra, p->extra_bidder, p->nextra * sizeof(*nb));
        c->nextra += p->nextra;
    }
    run_shares(sh, ns, pass2_worker);
    for (int t = 0; t < ns; t++) {
        for (int b = 0; b < n; b++) {
            c->sum[b].changed += sh[t].changed[b];
            c->sum[b].unpriced += sh[t].unpriced[b];
            c->sum[b].unbalanced += sh[t].unbalanced[b];
        }
        for (size_t k = 0; t > 0 && k < np; k++) {
            sh[0].pc[k].same += sh[t].pc[k].same;
            sh[0].pc[k].both += sh[t].pc[k].both;
            sh[0].pc[k].all_same += sh[t].pc[k].all_same;
            sh[0].pc[k].all_both += sh[t].pc[k].all_both;
            sh[0].pc[k].nonzero_same += sh[t].pc[k].nonzero_same;
        }
    }
    rc = select_pairs(c, sh[0].pc);
out:
    for (int t = 0; t < BOQ_COMPARE_THREADS; t++) {
        free(sh[t].extra);
        free(sh[t].extra_bidder);
        free(sh[t].changed);
        free(sh[t].unpriced);
        free(sh[t].unbalanced);
        free(sh[t].pc);
        free(sh[t].v);
        free(sh[t].d);
    }
    codes_release(&idx);
    free(inv);
    if (rc != BOQ_OK)
        boq_comparison_release(c);
    return rc;
}

/* ---- writing ---- */

static const char *const mark_names[] = {"missing", "changed", "unpriced", "high", "low", "arith"};

void boq_mark_text(unsigned m, char *out, size_t n)
{
    size_t at = 0;
    if (n == 0)
        return;
    out[0] = '\0';
    for (int i = 0; i < 6; i++) {
        if (!(m & (1u << i)))
            continue;
        int w = snprintf(out + at, n - at, "%s%s", at ? "+" : "", mark_names[i]);
        if (w < 0 || (size_t)w >= n - at)
            break;
        at += (size_t)w;
    }
}

/* A number as JSON or sheet text: up to 15 significant digits, no
 * exponent for ordinary amounts; NAN as "" (the caller writes null). */
static void num_text(double v, char *out, size_t n)
{
    if (!isfinite(v)) {
        out[0] = '\0';
        return;
    }
    if (fabs(v) < 1e15 && fabs(v) >= 1e-4) {
        snprintf(out, n, "%.6f", v);
        size_t l = strlen(out);
        while (l > 0 && out[l - 1] == '0')
            out[--l] = '\0';
        if (l > 0 && out[l - 1] == '.')
            out[--l] = '\0';
    } else {
        snprintf(out, n, "%.15g", v);
    }
    if (strcmp(out, "-0") == 0)
        snprintf(out, n, "0");
}

static void jnum(struct jsonw *w, const char *key, double v)
{
    char t[64];
    if (key != NULL)
        jsonw_key(w, key);
    num_text(v, t, sizeof t);
    if (t[0] == '\0')
        jsonw_null(w);
    else
        jsonw_raw(w, t, strlen(t));
}

static const char *bidder_name(const char *const *names, int b, char *tmp, size_t n)
{
    if (names != NULL && names[b] != NULL)
        return names[b];
    snprintf(tmp, n, "%d", b + 1);
    return tmp;
}

static bool line_flagged(const struct boq_comparison *c, size_t i)
{
    for (int b = 0; b < c->n; b++)
        if (c->mark[i * (size_t)c->n + (size_t)b] != 0)
            return true;
    return false;
}

int boq_comparison_json(const struct boq_comparison *c, const char *const *names, size_t max_lines,
                        struct buf *out)
{
    struct jsonw w;
    char tmp[32], mt[64];
    size_t T = c->tender->n, flagged = 0, listed = 0;
    for (size_t i = 0; i < T; i++)
        flagged += line_flagged(c, i);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "config");
    jsonw_obj_begin(&w);
    jnum(&w, "z_max", c->cfg.z_max);
    jnum(&w, "rel_min", c->cfg.rel_min);
    jsonw_kint(&w, "min_bids", c->cfg.min_bids);
    jnum(&w, "arith_abs", c->cfg.arith_abs);
    jnum(&w, "arith_rel", c->cfg.arith_rel);
    jnum(&w, "share_min", c->cfg.share_min);
    jsonw_kint(&w, "same_min", c->cfg.same_min);
    jsonw_obj_end(&w);
    jsonw_key(&w, "bidders");
    jsonw_arr_begin(&w);
    for (int b = 0; b < c->n; b++) {
        const struct boq_bidder_sum *s = &c->sum[b];
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "name", bidder_name(names, b, tmp, sizeof tmp));
        jsonw_kint(&w, "lines", (int64_t)s->lines);
        jsonw_kint(&w, "matched", (int64_t)s->matched);
        jsonw_kint(&w, "missing", (int64_t)s->missing);
        jsonw_kint(&w, "extra", (int64_t)s->extra);
        jsonw_kint(&w, "changed", (int64_t)s->changed);
        jsonw_kint(&w, "unpriced", (int64_t)s->unpriced);
        jsonw_kint(&w, "unbalanced", (int64_t)s->unbalanced);
        jsonw_kint(&w, "arith", (int64_t)s->arith);
        jnum(&w, "total", s->total);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kint(&w, "lines_total", (int64_t)T);
    jsonw_kint(&w, "lines_flagged", (int64_t)flagged);
    jsonw_key(&w, "lines");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < T && listed < (max_lines > 0 ? max_lines : flagged); i++) {
        bool fl = line_flagged(c, i);
        if (!fl && max_lines == 0)
            continue;
        const struct boq_line *t = &c->tender->lines[i];
        listed++;
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "code", t->code);
        jsonw_kstr(&w, "name", t->name);
        jsonw_kstr(&w, "unit", t->unit);
        jnum(&w, "qty", t->qty);
        jnum(&w, "median", c->median[i]);
        jnum(&w, "mad", c->mad[i]);
        jsonw_key(&w, "prices");
        jsonw_arr_begin(&w);
        for (int b = 0; b < c->n; b++)
            jnum(&w, NULL, c->price[i * (size_t)c->n + (size_t)b]); /* NAN: null */
        jsonw_arr_end(&w);
        jsonw_key(&w, "marks");
        jsonw_arr_begin(&w);
        for (int b = 0; b < c->n; b++) {
            boq_mark_text(c->mark[i * (size_t)c->n + (size_t)b], mt, sizeof mt);
            jsonw_str(&w, mt);
        }
        jsonw_arr_end(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kbool(&w, "lines_truncated", listed < (max_lines > 0 ? T : flagged));
    jsonw_key(&w, "extra");
    jsonw_arr_begin(&w);
    for (size_t e = 0; e < c->nextra && e < 1000; e++) {
        const struct boq_line *l = c->extra[e];
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "bidder", c->extra_bidder[e]);
        jsonw_kstr(&w, "code", l->code);
        jsonw_kstr(&w, "name", l->name);
        jsonw_kstr(&w, "unit", l->unit);
        jnum(&w, "qty", l->qty);
        jnum(&w, "price", l->has_price ? l->price : NAN);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "pairs");
    jsonw_arr_begin(&w);
    for (size_t p = 0; p < c->npairs; p++) {
        const struct boq_pair *q = &c->pairs[p];
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "a", q->a);
        jsonw_kint(&w, "b", q->b);
        jsonw_kint(&w, "same", (int64_t)q->same);
        jsonw_kint(&w, "both", (int64_t)q->both);
        jnum(&w, "share", q->both ? (double)q->same / (double)q->both : 0);
        jsonw_kbool(&w, "whole_column", q->whole_column);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    return jsonw_finish(&w) == 0 ? 0 : -1;
}

int boq_comparison_xlsx(const struct boq_comparison *c, const char *const *names, struct buf *out)
{
    size_t ncol = 5 + 2 * (size_t)c->n, row = 0;
    const char **cells = calloc(ncol, sizeof(*cells));
    char(*txt)[64] = calloc(ncol, sizeof(*txt));
    struct sheet_xlsx *x = sheet_xlsx_new("清单对比");
    struct arena a;
    int rc = SHEET_ENOMEM;
    arena_init(&a, 0);
    if (cells == NULL || txt == NULL || x == NULL)
        goto out;
    const char *head[] = {"项目编码", "项目名称", "计量单位", "工程量", "单价中位数"};
    for (size_t k = 0; k < 5; k++)
        cells[k] = head[k];
    for (int b = 0; b < c->n; b++) {
        char tmp[32];
        const char *nm = bidder_name(names, b, tmp, sizeof tmp);
        cells[5 + 2 * b] = arena_printf(&a, "%s 单价", nm);
        cells[6 + 2 * b] = arena_printf(&a, "%s 标记", nm);
    }
    if (sheet_xlsx_row(x, row++, cells, ncol) != 0)
        goto out;
    for (size_t i = 0; i < c->tender->n; i++) {
        const struct boq_line *t = &c->tender->lines[i];
        memset(cells, 0, ncol * sizeof(*cells));
        cells[0] = t->code;
        cells[1] = t->name;
        cells[2] = t->unit;
        num_text(t->qty, txt[3], sizeof txt[3]);
        cells[3] = txt[3];
        num_text(c->median[i], txt[4], sizeof txt[4]);
        cells[4] = txt[4];
        for (int b = 0; b < c->n; b++) {
            num_text(c->price[i * (size_t)c->n + (size_t)b], txt[5 + 2 * b], 64);
            cells[5 + 2 * b] = txt[5 + 2 * b];
            boq_mark_text(c->mark[i * (size_t)c->n + (size_t)b], txt[6 + 2 * b], 64);
            cells[6 + 2 * b] = txt[6 + 2 * b];
        }
        if (sheet_xlsx_row(x, row++, cells, ncol) != 0)
            goto out;
    }
    row++;
    for (size_t e = 0; e < c->nextra; e++) {
        const struct boq_line *l = c->extra[e];
        char tmp[32];
        const char *r[] = {"多余项", bidder_name(names, c->extra_bidder[e], tmp, sizeof tmp),
                           l->code, l->name, l->unit};
        if (sheet_xlsx_row(x, row++, r, 5) != 0)
            goto out;
    }
    row++;
    for (size_t p = 0; p < c->npairs; p++) {
        const struct boq_pair *q = &c->pairs[p];
        char ta[32], tb[32], same[32], both[32];
        snprintf(same, sizeof same, "%zu", q->same);
        snprintf(both, sizeof both, "%zu", q->both);
        const char *r[] = {q->whole_column ? "单价列完全相同" : "单价大量相同",
                           bidder_name(names, q->a, ta, sizeof ta),
                           bidder_name(names, q->b, tb, sizeof tb), same, both};
        if (sheet_xlsx_row(x, row++, r, 5) != 0)
            goto out;
    }
    rc = sheet_xlsx_finish(x, out);
    x = NULL;
out:
    sheet_xlsx_free(x);
    arena_release(&a);
    free(cells);
    free(txt);
    return rc;
}
