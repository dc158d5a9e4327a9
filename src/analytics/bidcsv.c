/*
 * bidcsv.c — the bid-table reader of bidcsv.h.
 *
 * Two stages. Parsing walks the bytes once, record by record (a small state
 * machine: unquoted field, quoted field, after the closing quote), and keeps
 * one row per bid in flat arrays (tender index, value, bidder index); tender
 * ids, bidders and markets are interned through open-addressing hash tables
 * so a repeated name costs one lookup and no allocation. Grouping then places
 * the rows of each tender next to each other (a counting sort by tender, so
 * rows need not be adjacent in the file) and sorts each tender's bids.
 *
 * Unquoted fields are views into the input; a quoted field is unescaped into
 * one scratch buffer per record (hard maximum BIDCSV_MAX_FIELD per field).
 * Strings the table keeps live in its arena.
 */
#include "analytics/bidcsv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/jsonr.h"

enum col { COL_TENDER, COL_BID, COL_LABEL, COL_MARKET, COL_BIDDER, COL_CEILING, COL_COUNT };

static const char *const col_names[COL_COUNT] = {"tender_id", "bid_value", "label",
                                                 "market",    "bidder",    "ceiling"};

/* One field of the current record: bytes at p (a view of the input or of the
 * scratch buffer, resolved once the record is complete). */
struct field {
    const char *p;
    size_t n;
    size_t scratch_off; /* where a quoted field starts in scratch */
    bool quoted;
};

/* An interning table: name -> dense index, names kept in the arena. */
struct intern {
    uint32_t *slot;     /* cap entries: index + 1, 0 = empty */
    size_t cap;         /* power of two */
    const char **names; /* n names, index order */
    size_t n, names_cap;
};

struct parser {
    const char *data;
    size_t len, pos;
    size_t line;        /* physical line at pos, 1-based */
    struct buf scratch; /* unquoted copies of quoted fields of one record */
    struct field f[BIDCSV_MAX_COLUMNS];
    size_t nf;
    struct bidcsv_error *err;
};

/* Formats the error with a printable copy of up to 40 bytes of what was read. */
__attribute__((format(printf, 3, 4))) static int fail(struct bidcsv_error *err, size_t line,
                                                      const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return BIDCSV_EINPUT;
    err->line = line;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return BIDCSV_EINPUT;
}

/* A printable copy of a field for messages: at most 40 bytes, control and
 * non-ASCII bytes as '?'. */
static const char *show(const struct field *f, char out[48])
{
    size_t n = f->n < 40 ? f->n : 40, j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)f->p[i];
        out[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (f->n > 40) {
        out[j++] = '.';
        out[j++] = '.';
    }
    out[j] = '\0';
    return out;
}

/* Reads one record into p->f. Returns 1 for a record, 0 at the end of input,
 * BIDCSV_EINPUT / BIDCSV_ENOMEM on failure. *rec_line gets its first line.
 * Blank lines are skipped. */
static int next_record(struct parser *p, size_t *rec_line)
{
    const char *d = p->data;
    for (;;) { /* skip blank lines */
        if (p->pos < p->len && d[p->pos] == '\n') {
            p->pos++;
            p->line++;
        } else if (p->pos + 1 < p->len && d[p->pos] == '\r' && d[p->pos + 1] == '\n') {
            p->pos += 2;
            p->line++;
        } else
            break;
    }
    if (p->pos >= p->len)
        return 0;
    *rec_line = p->line;
    p->nf = 0;
    buf_reset(&p->scratch);
    for (;;) {
        if (p->nf == BIDCSV_MAX_COLUMNS)
            return fail(p->err, *rec_line, "more than %d fields", BIDCSV_MAX_COLUMNS);
        struct field *f = &p->f[p->nf++];
        memset(f, 0, sizeof(*f));
        if (p->pos < p->len && d[p->pos] == '"') {
            f->quoted = true;
            f->scratch_off = p->scratch.len;
            p->pos++;
            for (;;) {
                if (p->pos >= p->len)
                    return fail(p->err, *rec_line, "quoted field not closed before the end");
                char c = d[p->pos];
                if (c == '"') {
                    if (p->pos + 1 < p->len && d[p->pos + 1] == '"') {
                        p->pos += 2;
                    } else {
                        p->pos++;
                        break;
                    }
                } else {
                    if (c == '\0')
                        return fail(p->err, p->line, "NUL byte in a field");
                    if (c == '\n')
                        p->line++;
                    p->pos++;
                }
                if (p->scratch.len - f->scratch_off >= BIDCSV_MAX_FIELD)
                    return fail(p->err, *rec_line, "field longer than %d bytes", BIDCSV_MAX_FIELD);
                if (buf_putc(&p->scratch, c) != BUF_OK)
                    return BIDCSV_ENOMEM;
            }
            f->n = p->scratch.len - f->scratch_off;
            if (p->pos < p->len && d[p->pos] != ',' && d[p->pos] != '\n' && d[p->pos] != '\r')
                return fail(p->err, p->line, "unexpected character after a closing quote");
        } else {
            size_t start = p->pos;
            while (p->pos < p->len) {
                char c = d[p->pos];
                if (c == ',' || c == '\n' || c == '\r')
                    break;
                if (c == '"')
                    return fail(p->err, p->line, "quote inside an unquoted field");
                if (c == '\0')
                    return fail(p->err, p->line, "NUL byte in a field");
                p->pos++;
            }
            f->p = d + start;
            f->n = p->pos - start;
            if (f->n > BIDCSV_MAX_FIELD)
                return fail(p->err, *rec_line, "field longer than %d bytes", BIDCSV_MAX_FIELD);
        }
        if (p->pos >= p->len)
            break;
        if (d[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (d[p->pos] == '\r') {
            if (p->pos + 1 >= p->len || d[p->pos + 1] != '\n')
                return fail(p->err, p->line, "carriage return not followed by a line feed");
            p->pos++;
        }
        p->pos++; /* the LF */
        p->line++;
        break;
    }
    for (size_t i = 0; i < p->nf; i++) /* the scratch buffer no longer moves */
        if (p->f[i].quoted)
            p->f[i].p = p->scratch.data ? p->scratch.data + p->f[i].scratch_off : "";
    return 1;
}

static void trim(struct field *f)
{
    while (f->n > 0 && (f->p[0] == ' ' || f->p[0] == '\t')) {
        f->p++;
        f->n--;
    }
    while (f->n > 0 && (f->p[f->n - 1] == ' ' || f->p[f->n - 1] == '\t'))
        f->n--;
}

/* Parses a positive decimal number (digits, one '.', an exponent); no hex,
 * no inf/nan, no thousands separators. Returns 0 and sets *v, or -1. */
static int parse_number(const struct field *f, double *v)
{
    char tmp[64];
    if (f->n == 0 || f->n >= sizeof(tmp))
        return -1;
    for (size_t i = 0; i < f->n; i++) {
        char c = f->p[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return -1;
    }
    memcpy(tmp, f->p, f->n);
    tmp[f->n] = '\0';
    char *end = NULL;
    errno = 0;
    double x = strtod(tmp, &end);
    if (end != tmp + f->n || errno == ERANGE || !isfinite(x))
        return -1;
    *v = x;
    return 0;
}

static int intern_grow(struct intern *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    uint32_t *slot = calloc(cap, sizeof(*slot));
    if (slot == NULL)
        return BIDCSV_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        const char *s = t->names[i];
        size_t h = (size_t)hash_fnv1a64(HASH_FNV1A64_SEED, s, strlen(s)) & (cap - 1);
        while (slot[h] != 0)
            h = (h + 1) & (cap - 1);
        slot[h] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
    return BIDCSV_OK;
}

/* Looks the name up, adding it if new. *idx gets its index. */
static int intern_get(struct intern *t, struct arena *a, const char *s, size_t n, uint32_t *idx)
{
    if ((t->n + 1) * 2 > t->cap) {
        int rc = intern_grow(t);
        if (rc != BIDCSV_OK)
            return rc;
    }
    size_t h = (size_t)hash_fnv1a64(HASH_FNV1A64_SEED, s, n) & (t->cap - 1);
    while (t->slot[h] != 0) {
        const char *e = t->names[t->slot[h] - 1];
        if (strncmp(e, s, n) == 0 && e[n] == '\0') {
            *idx = t->slot[h] - 1;
            return BIDCSV_OK;
        }
        h = (h + 1) & (t->cap - 1);
    }
    if (t->n >= UINT32_MAX - 1)
        return BIDCSV_ETOOBIG;
    if (t->n == t->names_cap) {
        size_t nc = t->names_cap ? t->names_cap * 2 : 1024;
        const char **names = realloc(t->names, nc * sizeof(*names));
        if (names == NULL)
            return BIDCSV_ENOMEM;
        t->names = names;
        t->names_cap = nc;
    }
    char *copy = arena_strndup(a, s, n);
    if (copy == NULL)
        return BIDCSV_ENOMEM;
    t->names[t->n] = copy;
    t->slot[h] = (uint32_t)t->n + 1;
    *idx = (uint32_t)t->n++;
    return BIDCSV_OK;
}

static void intern_release(struct intern *t)
{
    free(t->slot);
    free(t->names);
    memset(t, 0, sizeof(*t));
}

/* What we learn about a tender while reading rows. */
struct tinfo {
    size_t line;
    uint32_t n;
    int8_t label;
    int32_t market; /* index into the market table, -1 none */
    double ceiling;
};

/* Per-row arrays, grown together. */
struct rows {
    uint32_t *tender;
    double *value;
    uint32_t *bidder;
    size_t n, cap;
};

static int rows_push(struct rows *r, uint32_t tender, double value, uint32_t bidder)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        uint32_t *t = realloc(r->tender, cap * sizeof(*t));
        if (t == NULL)
            return BIDCSV_ENOMEM;
        r->tender = t;
        double *v = realloc(r->value, cap * sizeof(*v));
        if (v == NULL)
            return BIDCSV_ENOMEM;
        r->value = v;
        uint32_t *b = realloc(r->bidder, cap * sizeof(*b));
        if (b == NULL)
            return BIDCSV_ENOMEM;
        r->bidder = b;
        r->cap = cap;
    }
    r->tender[r->n] = tender;
    r->value[r->n] = value;
    r->bidder[r->n] = bidder;
    r->n++;
    return BIDCSV_OK;
}

/* A bid and its bidder, for sorting one tender. */
struct vb {
    double v;
    uint32_t b;
};

static int vb_cmp(const void *x, const void *y)
{
    const struct vb *a = x, *b = y;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    return (a->b > b->b) - (a->b < b->b);
}

/* Sorts value[0..n) ascending (ties by bidder), carrying bidder along. */
static int sort_tender(double *value, uint32_t *bidder, size_t n)
{
    if (n <= 32) { /* insertion sort: most tenders are small */
        for (size_t i = 1; i < n; i++) {
            double v = value[i];
            uint32_t b = bidder ? bidder[i] : 0;
            size_t j = i;
            while (j > 0 &&
                   (value[j - 1] > v || (value[j - 1] == v && bidder && bidder[j - 1] > b))) {
                value[j] = value[j - 1];
                if (bidder)
                    bidder[j] = bidder[j - 1];
                j--;
            }
            value[j] = v;
            if (bidder)
                bidder[j] = b;
        }
        return BIDCSV_OK;
    }
    struct vb *tmp = malloc(n * sizeof(*tmp));
    if (tmp == NULL)
        return BIDCSV_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        tmp[i].v = value[i];
        tmp[i].b = bidder ? bidder[i] : 0;
    }
    qsort(tmp, n, sizeof(*tmp), vb_cmp);
    for (size_t i = 0; i < n; i++) {
        value[i] = tmp[i].v;
        if (bidder)
            bidder[i] = tmp[i].b;
    }
    free(tmp);
    return BIDCSV_OK;
}

/* Finds the known columns in the header record. */
static int read_header(struct parser *p, size_t line, int col[COL_COUNT], size_t *ncols)
{
    for (int c = 0; c < COL_COUNT; c++)
        col[c] = -1;
    for (size_t i = 0; i < p->nf; i++) {
        struct field f = p->f[i];
        trim(&f);
        for (int c = 0; c < COL_COUNT; c++) {
            if (strlen(col_names[c]) != f.n || strncasecmp(col_names[c], f.p, f.n) != 0)
                continue;
            if (col[c] >= 0)
                return fail(p->err, line, "column %s appears twice in the header", col_names[c]);
            col[c] = (int)i;
        }
    }
    if (col[COL_TENDER] < 0 || col[COL_BID] < 0)
        return fail(p->err, line,
                    "the header must name the columns tender_id and bid_value (found %s%s)",
                    col[COL_TENDER] < 0 ? "no tender_id" : "tender_id",
                    col[COL_BID] < 0 ? ", no bid_value" : ", bid_value");
    *ncols = p->nf;
    return BIDCSV_OK;
}

/* Checks a name field (tender_id, market, bidder): length and UTF-8. */
static int check_name(struct parser *p, size_t line, const char *what, const struct field *f)
{
    if (f->n > BIDCSV_MAX_ID)
        return fail(p->err, line, "%s longer than %d bytes", what, BIDCSV_MAX_ID);
    if (!jsonr_utf8_valid(f->p, f->n))
        return fail(p->err, line, "%s is not valid UTF-8", what);
    return BIDCSV_OK;
}

struct state {
    struct intern tenders, bidders, markets;
    struct tinfo *ti;
    size_t ti_cap;
    struct rows rows;
};

/* Handles one data record. */
static int read_row(struct parser *p, struct state *st, struct bid_table *out, size_t line,
                    const int col[COL_COUNT], size_t ncols)
{
    char shown[48];
    int rc;
    if (p->nf != ncols)
        return fail(p->err, line, "%zu field%s, the header has %zu", p->nf, p->nf == 1 ? "" : "s",
                    ncols);
    struct field tid = p->f[col[COL_TENDER]];
    if (tid.n == 0)
        return fail(p->err, line, "empty tender_id");
    rc = check_name(p, line, "tender_id", &tid);
    if (rc != BIDCSV_OK)
        return rc;
    struct field bf = p->f[col[COL_BID]];
    trim(&bf);
    double v = 0;
    if (parse_number(&bf, &v) != 0 || !(v > 0))
        return fail(p->err, line, "bid_value '%s' is not a positive number", show(&bf, shown));
    int8_t label = -1;
    if (col[COL_LABEL] >= 0) {
        struct field lf = p->f[col[COL_LABEL]];
        trim(&lf);
        double lv = 0;
        if (lf.n > 0) {
            if (parse_number(&lf, &lv) != 0 || (lv != 0 && lv != 1))
                return fail(p->err, line, "label '%s' is not 0 or 1", show(&lf, shown));
            label = (int8_t)lv;
        }
    }
    int32_t market = -1;
    if (col[COL_MARKET] >= 0) {
        struct field mf = p->f[col[COL_MARKET]];
        trim(&mf);
        if (mf.n > 0) {
            uint32_t mi;
            rc = check_name(p, line, "market", &mf);
            if (rc == BIDCSV_OK)
                rc = intern_get(&st->markets, &out->strings, mf.p, mf.n, &mi);
            if (rc != BIDCSV_OK)
                return rc;
            market = (int32_t)mi;
        }
    }
    double ceiling = NAN;
    if (col[COL_CEILING] >= 0) {
        struct field cf = p->f[col[COL_CEILING]];
        trim(&cf);
        if (cf.n > 0 && (parse_number(&cf, &ceiling) != 0 || !(ceiling > 0)))
            return fail(p->err, line, "ceiling '%s' is not a positive number", show(&cf, shown));
    }
    uint32_t bidder = BIDCSV_NO_BIDDER;
    if (col[COL_BIDDER] >= 0) {
        struct field bd = p->f[col[COL_BIDDER]];
        trim(&bd);
        if (bd.n > 0) {
            rc = check_name(p, line, "bidder", &bd);
            if (rc == BIDCSV_OK)
                rc = intern_get(&st->bidders, &out->strings, bd.p, bd.n, &bidder);
            if (rc != BIDCSV_OK)
                return rc;
        }
    }
    uint32_t t;
    size_t before = st->tenders.n;
    rc = intern_get(&st->tenders, &out->strings, tid.p, tid.n, &t);
    if (rc != BIDCSV_OK)
        return rc;
    if (st->tenders.n > before) { /* a new tender */
        if (t >= st->ti_cap) {
            size_t cap = st->ti_cap ? st->ti_cap * 2 : 1024;
            struct tinfo *ti = realloc(st->ti, cap * sizeof(*ti));
            if (ti == NULL)
                return BIDCSV_ENOMEM;
            st->ti = ti;
            st->ti_cap = cap;
        }
        st->ti[t] = (struct tinfo){line, 0, -1, -1, NAN};
    }
    struct tinfo *ti = &st->ti[t];
    if (ti->n >= BIDCSV_MAX_TENDER_BIDS)
        return fail(p->err, line, "tender has more than %d bids", BIDCSV_MAX_TENDER_BIDS);
    if (label >= 0) {
        if (ti->label >= 0 && ti->label != label)
            return fail(p->err, line, "label %d differs from label %d given on line %zu", label,
                        ti->label, ti->line);
        ti->label = label;
    }
    if (market >= 0) {
        if (ti->market >= 0 && ti->market != market)
            return fail(p->err, line, "market differs from the one given on line %zu", ti->line);
        ti->market = market;
    }
    if (!isnan(ceiling)) {
        if (!isnan(ti->ceiling) && ti->ceiling != ceiling)
            return fail(p->err, line, "ceiling differs from the one given on line %zu", ti->line);
        ti->ceiling = ceiling;
    }
    ti->n++;
    return rows_push(&st->rows, t, v, bidder);
}

/* Counting sort of the rows by tender, then a sort within each tender. */
static int group(struct state *st, struct bid_table *out)
{
    size_t nt = st->tenders.n, nr = st->rows.n;
    out->tenders = calloc(nt ? nt : 1, sizeof(*out->tenders));
    out->value = malloc((nr ? nr : 1) * sizeof(*out->value));
    if (out->tenders == NULL || out->value == NULL)
        return BIDCSV_ENOMEM;
    if (out->has_bidder) {
        out->bidder = malloc((nr ? nr : 1) * sizeof(*out->bidder));
        if (out->bidder == NULL)
            return BIDCSV_ENOMEM;
    }
    size_t off = 0;
    for (size_t t = 0; t < nt; t++) {
        struct bid_tender *bt = &out->tenders[t];
        bt->id = st->tenders.names[t];
        bt->off = off;
        bt->n = 0; /* counts up while placing */
        bt->label = st->ti[t].label;
        bt->market = st->ti[t].market >= 0 ? st->markets.names[st->ti[t].market] : NULL;
        bt->market_ix = st->ti[t].market;
        bt->ceiling = st->ti[t].ceiling;
        bt->line = st->ti[t].line;
        off += st->ti[t].n;
    }
    for (size_t r = 0; r < nr; r++) {
        struct bid_tender *bt = &out->tenders[st->rows.tender[r]];
        size_t at = bt->off + bt->n++;
        out->value[at] = st->rows.value[r];
        if (out->bidder)
            out->bidder[at] = st->rows.bidder[r];
    }
    for (size_t t = 0; t < nt; t++) {
        struct bid_tender *bt = &out->tenders[t];
        int rc =
            sort_tender(out->value + bt->off, out->bidder ? out->bidder + bt->off : NULL, bt->n);
        if (rc != BIDCSV_OK)
            return rc;
    }
    out->ntenders = nt;
    out->nbids = nr;
    return BIDCSV_OK;
}

int bidcsv_parse(const char *data, size_t len, size_t max_rows, struct bid_table *out,
                 struct bidcsv_error *err)
{
    struct parser p = {0};
    struct state st = {0};
    int col[COL_COUNT];
    size_t ncols = 0, line = 0;
    int rc;
    memset(out, 0, sizeof(*out));
    if (err) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    arena_init(&out->strings, len * 8 + ((size_t)16 << 20)); /* >= 16 bytes a name */
    p.data = data;
    p.len = len;
    p.line = 1;
    p.err = err;
    buf_init(&p.scratch, (size_t)BIDCSV_MAX_COLUMNS * (BIDCSV_MAX_FIELD + 1));
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        p.pos = 3;
    rc = next_record(&p, &line);
    if (rc == 0) {
        rc = fail(err, 1, "empty input: a header row is required");
        goto out;
    }
    if (rc < 0)
        goto out;
    rc = read_header(&p, line, col, &ncols);
    if (rc != BIDCSV_OK)
        goto out;
    out->has_label = col[COL_LABEL] >= 0;
    out->has_market = col[COL_MARKET] >= 0;
    out->has_bidder = col[COL_BIDDER] >= 0;
    out->has_ceiling = col[COL_CEILING] >= 0;
    for (;;) {
        rc = next_record(&p, &line);
        if (rc == 0)
            break;
        if (rc < 0)
            goto out;
        if (max_rows && st.rows.n >= max_rows) {
            rc = BIDCSV_ETOOBIG;
            fail(err, line, "more than %zu rows", max_rows);
            goto out;
        }
        rc = read_row(&p, &st, out, line, col, ncols);
        if (rc != BIDCSV_OK)
            goto out;
    }
    rc = group(&st, out);
    if (rc != BIDCSV_OK)
        goto out;
    out->bidders = st.bidders.names;
    out->nbidders = st.bidders.n;
    st.bidders.names = NULL;
    out->markets = st.markets.names;
    out->nmarkets = st.markets.n;
    st.markets.names = NULL;
out:
    if (rc == BIDCSV_ENOMEM && err && err->msg[0] == '\0')
        snprintf(err->msg, sizeof(err->msg), "out of memory");
    if (rc == BIDCSV_ETOOBIG && err && err->msg[0] == '\0')
        snprintf(err->msg, sizeof(err->msg), "too many distinct names");
    buf_release(&p.scratch);
    intern_release(&st.tenders);
    intern_release(&st.bidders);
    intern_release(&st.markets);
    free(st.ti);
    free(st.rows.tender);
    free(st.rows.value);
    free(st.rows.bidder);
    if (rc != BIDCSV_OK)
        bid_table_release(out);
    return rc;
}

int bidcsv_read_file(const char *path, size_t max_bytes, size_t max_rows, struct bid_table *out,
                     struct bidcsv_error *err)
{
    bool std_in = strcmp(path, "-") == 0;
    FILE *f = std_in ? stdin : fopen(path, "rb");
    char *data = NULL;
    size_t len = 0, cap = 0;
    int rc = BIDCSV_OK;
    memset(out, 0, sizeof(*out));
    if (err) {
        err->line = 0;
        err->msg[0] = '\0';
    }
    if (f == NULL) {
        if (err)
            snprintf(err->msg, sizeof(err->msg), "cannot open %s: %s", path, strerror(errno));
        return BIDCSV_EIO;
    }
    for (;;) {
        if (cap - len < 65536) {
            size_t nc = cap ? cap * 2 : ((size_t)1 << 20);
            if (nc > max_bytes + 65536)
                nc = max_bytes + 65536;
            if (nc <= cap) {
                rc = BIDCSV_ETOOBIG;
                if (err)
                    snprintf(err->msg, sizeof(err->msg), "%s is larger than %zu bytes", path,
                             max_bytes);
                goto out;
            }
            char *d = realloc(data, nc);
            if (d == NULL) {
                rc = BIDCSV_ENOMEM;
                if (err)
                    snprintf(err->msg, sizeof(err->msg), "out of memory reading %s", path);
                goto out;
            }
            data = d;
            cap = nc;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (len > max_bytes) {
            rc = BIDCSV_ETOOBIG;
            if (err)
                snprintf(err->msg, sizeof(err->msg), "%s is larger than %zu bytes", path,
                         max_bytes);
            goto out;
        }
        if (got == 0) {
            if (ferror(f)) {
                rc = BIDCSV_EIO;
                if (err)
                    snprintf(err->msg, sizeof(err->msg), "cannot read %s: %s", path,
                             strerror(errno));
                goto out;
            }
            break;
        }
    }
    rc = bidcsv_parse(data ? data : "", len, max_rows, out, err);
out:
    free(data);
    if (!std_in)
        fclose(f);
    return rc;
}

void bid_table_release(struct bid_table *t)
{
    if (t == NULL)
        return;
    free(t->tenders);
    free(t->value);
    free(t->bidder);
    free((void *)t->bidders);
    free((void *)t->markets);
    arena_release(&t->strings);
    memset(t, 0, sizeof(*t));
}
