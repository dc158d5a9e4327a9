/*
 * sheet/xlsx.c — the first worksheet of an XLSX workbook into a sheet, and
 * a one-worksheet workbook out of rows (sheet.h).
 *
 * Reading follows the package the way ECMA-376 part 2 (OPC) lays it out:
 *
 *   _rels/.rels                       -> the officeDocument part (xl/workbook.xml)
 *   xl/workbook.xml  <sheets><sheet r:id=...>   the first sheet's relationship id
 *   xl/_rels/workbook.xml.rels        -> that id's target (worksheets/sheet1.xml)
 *                                        and the sharedStrings part, if any
 *   xl/sharedStrings.xml  <si> = <t> | <r><t/></r>...  (skipping <rPh>)
 *   xl/worksheets/sheet1.xml  <sheetData><row r=N><c r="B3" t=T><v>|<is><t>
 *
 * Part names are matched case-insensitively (OPC says they are), targets
 * are resolved against the source part's folder ("../" and "/" handled).
 * Elements are matched by local name, so both the transitional and the
 * strict namespaces and any prefix work. Cell types: s (shared string
 * index), inlineStr, str (a formula's string), b (TRUE/FALSE), e (the
 * error text), n or none and d (the value's text as written).
 *
 * Bounds: an XML part larger than lim->max_part (by its stored size, and
 * again by what inflating yields) is refused before it is parsed; cells,
 * columns and rows by the other limits; the shared strings table by the
 * part's size. libxml2's xmlTextReader parses, with XML_PARSE_NONET and
 * without entity substitution or DTD loading; a DOCTYPE is refused (OOXML
 * never has one, so no entity is ever defined). The reader's nodes are fed
 * to small start/end/text handlers, one set per part.
 *
 * Writing uses libxlsxwriter, which writes a file by name: a mkstemp file
 * in $TMPDIR (or /tmp) that is read back and removed.
 *
 * Threads: any; libxml2 is initialised once (pthread_once), nothing else is
 * shared.
 */
#include "sheet/sheet_internal.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#define PART_NAME_MAX 512
#define NS_SEP        '|' /* element and attribute names reach the handlers as "URI|local" */
#define ATTS_MAX      64  /* attributes of one element */
#define ATTS_BYTES    16384
#define XML_OPTIONS   (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

/* ---- the package ---- */

struct pkg {
    zip_t *z;
    const struct sheet_limits *lim;
    struct sheet_error *err;
};

/* Reads part `name` into a new heap buffer (NUL-terminated). A missing part
 * is SHEET_EINPUT unless optional (then *out = NULL, SHEET_OK). */
static int part_read(struct pkg *p, const char *name, bool optional, char **out, size_t *len)
{
    zip_stat_t st;
    zip_int64_t idx = zip_name_locate(p->z, name, ZIP_FL_NOCASE);
    *out = NULL;
    *len = 0;
    if (idx < 0) {
        if (optional)
            return SHEET_OK;
        return sheet_fail(p->err, 0, SHEET_EINPUT, "the workbook has no part %s", name);
    }
    zip_stat_init(&st);
    if (zip_stat_index(p->z, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return sheet_fail(p->err, 0, SHEET_EINPUT, "part %s cannot be read", name);
    if (st.size > p->lim->max_part)
        return sheet_fail(p->err, 0, SHEET_ETOOBIG, "part %s is larger than %zu bytes", name,
                          p->lim->max_part);
    zip_file_t *f = zip_fopen_index(p->z, (zip_uint64_t)idx, 0);
    if (f == NULL)
        return sheet_fail(p->err, 0, SHEET_EINPUT, "part %s cannot be opened (%s)", name,
                          zip_strerror(p->z));
    size_t want = (size_t)st.size;
    char *buf = malloc(want + 1);
    if (buf == NULL) {
        zip_fclose(f);
        return sheet_fail(p->err, 0, SHEET_ENOMEM, "out of memory");
    }
    size_t got = 0;
    while (got < want) {
        zip_int64_t n = zip_fread(f, buf + got, want - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    /* a stored size that lies is caught here: one more byte must not exist */
    char extra;
    zip_int64_t more = got == want ? zip_fread(f, &extra, 1) : -1;
    int closed = zip_fclose(f); /* checks the CRC */
    if (got != want || more != 0 || closed != 0) {
        free(buf);
        return sheet_fail(p->err, 0, SHEET_EINPUT, "part %s is damaged", name);
    }
    buf[want] = '\0';
    *out = buf;
    *len = want;
    return SHEET_OK;
}

/* The local name of a name "namespace|local" (or "local"). */
static const char *local_name(const char *name)
{
    const char *bar = strrchr(name, NS_SEP);
    return bar ? bar + 1 : name;
}

/* The value of attribute `local` (any namespace; with ns_part != NULL only
 * in a namespace containing that text). */
static const char *attr(const char **atts, const char *local, const char *ns_part)
{
    for (int i = 0; atts[i] != NULL; i += 2) {
        const char *bar = strrchr(atts[i], NS_SEP);
        const char *ln = bar ? bar + 1 : atts[i];
        if (strcmp(ln, local) != 0)
            continue;
        if (ns_part != NULL && (bar == NULL || memmem(atts[i], (size_t)(bar - atts[i]), ns_part,
                                                      strlen(ns_part)) == NULL))
            continue;
        if (ns_part == NULL && bar != NULL)
            continue; /* unqualified attributes only */
        return atts[i + 1];
    }
    return NULL;
}

/* One part's parse: the handlers, their state, the error. */
struct xp;
typedef void (*xp_start_fn)(void *ud, const char *name, const char **atts);
typedef void (*xp_end_fn)(void *ud, const char *name);
typedef void (*xp_text_fn)(void *ud, const char *t, int len);

struct xp {
    bool stop; /* a handler stopped the parse */
    int rc;    /* SHEET_OK until a handler fails */
    struct sheet_error *err;
    const char *part; /* for messages */
};

static void xp_stop(struct xp *x)
{
    x->stop = true;
}

/* "URI|local" (or "local") of the reader's current node into out. */
static int node_name(xmlTextReaderPtr r, struct buf *out)
{
    const xmlChar *uri = xmlTextReaderConstNamespaceUri(r);
    const xmlChar *ln = xmlTextReaderConstLocalName(r);
    if (ln == NULL)
        return -1;
    if (uri != NULL && buf_printf(out, "%s%c", (const char *)uri, NS_SEP) != BUF_OK)
        return -1;
    return buf_append(out, ln, strlen((const char *)ln) + 1) == BUF_OK ? 0 : -1;
}

/* Runs the reader over one part, calling start (with its attributes, as
 * name/value pairs, NULL-terminated), end (also right after an empty element)
 * and text for every node, until the end or a handler stops it. ud's first
 * member is its struct xp. */
static int xml_run(struct xp *x, const char *data, size_t len, void *ud, xp_start_fn start,
                   xp_end_fn end, xp_text_fn text)
{
    struct buf names;
    const char *atts[2 * ATTS_MAX + 1];
    size_t offs[2 * ATTS_MAX];
    int rc = SHEET_OK, st;
    if (len > (size_t)INT32_MAX)
        return sheet_fail(x->err, 0, SHEET_ETOOBIG, "part %s is too large", x->part);
    pthread_once(&xml_once, xml_init);
    xmlTextReaderPtr r = xmlReaderForMemory(data, (int)len, NULL, NULL, XML_OPTIONS);
    if (r == NULL)
        return sheet_fail(x->err, 0, SHEET_ENOMEM, "out of memory");
    buf_init(&names, ATTS_BYTES);
    while (!x->stop && (st = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        buf_reset(&names);
        if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
            rc = sheet_fail(x->err, 0, SHEET_EINPUT, "part %s has a DOCTYPE", x->part);
            break;
        }
        if (type == XML_READER_TYPE_ELEMENT) {
            bool empty = xmlTextReaderIsEmptyElement(r) == 1;
            int n = 0;
            if (node_name(r, &names) != 0) {
                rc = sheet_fail(x->err, 0, SHEET_ETOOBIG, "part %s: a name is too long", x->part);
                break;
            }
            while (xmlTextReaderMoveToNextAttribute(r) == 1) {
                const xmlChar *v = xmlTextReaderConstValue(r);
                const xmlChar *uri = xmlTextReaderConstNamespaceUri(r);
                /* namespace declarations are not attributes here */
                if (uri != NULL && strcmp((const char *)uri, "http://www.w3.org/2000/xmlns/") == 0)
                    continue;
                if (n == ATTS_MAX) {
                    rc = sheet_fail(x->err, 0, SHEET_ETOOBIG, "part %s: too many attributes",
                                    x->part);
                    break;
                }
                offs[2 * n] = names.len;
                if (node_name(r, &names) != 0) {
                    rc = sheet_fail(x->err, 0, SHEET_ETOOBIG, "part %s: attributes too long",
                                    x->part);
                    break;
                }
                offs[2 * n + 1] = names.len;
                const char *vs = v ? (const char *)v : "";
                if (buf_append(&names, vs, strlen(vs) + 1) != BUF_OK) {
                    rc = sheet_fail(x->err, 0, SHEET_ETOOBIG, "part %s: attributes too long",
                                    x->part);
                    break;
                }
                n++;
            }
            if (rc != SHEET_OK)
                break;
            xmlTextReaderMoveToElement(r);
            for (int i = 0; i < 2 * n; i++)
                atts[i] = names.data + offs[i];
            atts[2 * n] = NULL;
            if (start != NULL)
                start(ud, names.data, atts);
            if (empty && end != NULL && !x->stop)
                end(ud, names.data);
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (node_name(r, &names) != 0) {
                rc = sheet_fail(x->err, 0, SHEET_ETOOBIG, "part %s: a name is too long", x->part);
                break;
            }
            if (end != NULL)
                end(ud, names.data);
        } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                   type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
                   type == XML_READER_TYPE_WHITESPACE) {
            const xmlChar *v = xmlTextReaderConstValue(r);
            size_t n = v ? strlen((const char *)v) : 0;
            if (text != NULL && n > 0) {
                if (n > (size_t)INT32_MAX) {
                    rc = sheet_fail(x->err, 0, SHEET_ETOOBIG, "part %s: text too long", x->part);
                    break;
                }
                text(ud, (const char *)v, (int)n);
            }
        }
    }
    if (rc == SHEET_OK && x->rc != SHEET_OK)
        rc = x->rc;
    else if (rc == SHEET_OK && !x->stop && st != 0)
        rc = sheet_fail(x->err, 0, SHEET_EINPUT, "part %s is not well-formed XML (line %d)",
                        x->part, xmlTextReaderGetParserLineNumber(r));
    xmlFreeTextReader(r);
    buf_release(&names);
    return rc;
}

/* ---- relationships ---- */

struct rels {
    struct xp x;
    const char *want_id;            /* the Id looked for, or NULL */
    char by_id[PART_NAME_MAX];      /* its Target */
    char office_doc[PART_NAME_MAX]; /* Target of the officeDocument relationship */
    char shared[PART_NAME_MAX];     /* Target of the sharedStrings relationship */
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void copy_name(char *dst, const char *src)
{
    snprintf(dst, PART_NAME_MAX, "%s", src);
}

static void rels_start(void *ud, const char *name, const char **atts)
{
    struct rels *r = ud;
    if (strcmp(local_name(name), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id", NULL);
    const char *type = attr(atts, "Type", NULL);
    const char *target = attr(atts, "Target", NULL);
    const char *mode = attr(atts, "TargetMode", NULL);
    if (target == NULL || (mode != NULL && strcmp(mode, "External") == 0))
        return;
    if (type != NULL && ends_with(type, "/officeDocument") && r->office_doc[0] == '\0')
        copy_name(r->office_doc, target);
    if (type != NULL && ends_with(type, "/sharedStrings") && r->shared[0] == '\0')
        copy_name(r->shared, target);
    if (r->want_id != NULL && id != NULL && strcmp(id, r->want_id) == 0)
        copy_name(r->by_id, target);
}

static int rels_read(struct pkg *p, const char *name, struct rels *r)
{
    char *data = NULL;
    size_t len = 0;
    int rc = part_read(p, name, true, &data, &len);
    if (rc != SHEET_OK || data == NULL)
        return rc;
    r->x.rc = SHEET_OK;
    r->x.err = p->err;
    r->x.part = name;
    rc = xml_run(&r->x, data, len, r, rels_start, NULL, NULL);
    free(data);
    return rc;
}

/* Resolves target against the folder of part `source` into out. */
static int resolve(const char *source, const char *target, char out[PART_NAME_MAX])
{
    char tmp[2 * PART_NAME_MAX];
    if (target[0] == '/') {
        snprintf(tmp, sizeof tmp, "%s", target + 1);
    } else {
        const char *slash = strrchr(source, '/');
        int dir = slash ? (int)(slash - source + 1) : 0;
        snprintf(tmp, sizeof tmp, "%.*s%s", dir, source, target);
    }
    /* normalise "./" and "../" segments */
    char *seg[64];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(tmp, "/", &save); t != NULL; t = strtok_r(NULL, "/", &save)) {
        if (strcmp(t, ".") == 0)
            continue;
        if (strcmp(t, "..") == 0) {
            if (n == 0)
                return -1;
            n--;
            continue;
        }
        if (n == 64)
            return -1;
        seg[n++] = t;
    }
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        int w = snprintf(out + o, PART_NAME_MAX - o, "%s%s", i ? "/" : "", seg[i]);
        if (w < 0 || (size_t)w >= PART_NAME_MAX - o)
            return -1;
        o += (size_t)w;
    }
    return n > 0 ? 0 : -1;
}

/* ---- the workbook: the first sheet's relationship id ---- */

struct wb {
    struct xp x;
    char first_id[128];
    bool found;
};

static void wb_start(void *ud, const char *name, const char **atts)
{
    struct wb *w = ud;
    if (w->found || strcmp(local_name(name), "sheet") != 0)
        return;
    const char *id = attr(atts, "id", "relationships");
    if (id != NULL) {
        snprintf(w->first_id, sizeof w->first_id, "%s", id);
        w->found = true;
    }
}

/* ---- shared strings ---- */

struct sst {
    struct xp x;
    const struct sheet_limits *lim;
    struct buf text; /* every string, each followed by NUL */
    size_t *off;     /* start of string i in text */
    size_t n, cap;
    int depth_rph; /* inside <rPh> (phonetic run): skipped */
    bool in_si, in_t;
    size_t si_start; /* text.len at <si> */
};

static void sst_fail(struct sst *s, int rc, const char *msg)
{
    if (s->x.rc == SHEET_OK)
        s->x.rc = sheet_fail(s->x.err, 0, rc, "shared strings: %s", msg);
    xp_stop(&s->x);
}

static void sst_start(void *ud, const char *name, const char **atts)
{
    struct sst *s = ud;
    const char *ln = local_name(name);
    (void)atts;
    if (strcmp(ln, "si") == 0) {
        s->in_si = true;
        s->si_start = s->text.len;
    } else if (strcmp(ln, "rPh") == 0) {
        s->depth_rph++;
    } else if (strcmp(ln, "t") == 0 && s->in_si && s->depth_rph == 0) {
        s->in_t = true;
    }
}

static void sst_end(void *ud, const char *name)
{
    struct sst *s = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "t") == 0) {
        s->in_t = false;
    } else if (strcmp(ln, "rPh") == 0) {
        if (s->depth_rph > 0)
            s->depth_rph--;
    } else if (strcmp(ln, "si") == 0 && s->in_si) {
        s->in_si = false;
        if (s->text.len - s->si_start > s->lim->max_cell) {
            sst_fail(s, SHEET_ETOOBIG, "a string is longer than the cell limit");
            return;
        }
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            size_t *o = realloc(s->off, cap * sizeof(size_t));
            if (o == NULL) {
                sst_fail(s, SHEET_ENOMEM, "out of memory");
                return;
            }
            s->off = o;
            s->cap = cap;
        }
        s->off[s->n++] = s->si_start;
        if (buf_putc(&s->text, '\0') != BUF_OK)
            sst_fail(s, SHEET_ETOOBIG, "too much text");
    }
}

static void sst_text(void *ud, const char *t, int len)
{
    struct sst *s = ud;
    if (!s->in_t || len <= 0)
        return;
    if (buf_append(&s->text, t, (size_t)len) != BUF_OK)
        sst_fail(s, SHEET_ETOOBIG, "too much text");
}

static const char *sst_get(const struct sst *s, size_t i)
{
    return i < s->n ? s->text.data + s->off[i] : NULL;
}

/* ---- the worksheet ---- */

struct ws {
    struct xp x;
    struct sheet *sheet;
    const struct sheet_limits *lim;
    const struct sst *sst;
    /* the row being read */
    bool in_row;
    size_t row_no;      /* its number */
    size_t last_row;    /* the previous row's number */
    struct buf rowtext; /* its cells' text, each followed by NUL */
    size_t *cell_off;   /* max_cols offsets into rowtext; SIZE_MAX: empty */
    size_t ncells;      /* cells so far (highest column + 1) */
    /* the cell being read */
    bool in_c, in_v, in_is_t;
    int depth_is;   /* inside <is> */
    int depth_rph;  /* inside <rPh> */
    size_t col;     /* its column, 0-based */
    char type[16];  /* its t attribute */
    struct buf val; /* its <v> or inline text */
};

static void ws_fail(struct ws *w, size_t row, int rc, const char *msg)
{
    if (w->x.rc == SHEET_OK)
        w->x.rc = sheet_fail(w->x.err, row, rc, "%s", msg);
    xp_stop(&w->x);
}

/* "BC12" -> column 54 (0-based) and row 12; -1 when malformed. */
static int cell_ref(const char *r, size_t *col, size_t *row)
{
    size_t c = 0, n = 0;
    int letters = 0;
    while (*r >= 'A' && *r <= 'Z') {
        c = c * 26 + (size_t)(*r - 'A' + 1);
        if (++letters > 3)
            return -1;
        r++;
    }
    if (letters == 0)
        return -1;
    while (*r >= '0' && *r <= '9') {
        n = n * 10 + (size_t)(*r - '0');
        if (n > 1048576)
            return -1;
        r++;
    }
    if (*r != '\0')
        return -1;
    *col = c - 1;
    *row = n;
    return 0;
}

static bool parse_size(const char *s, size_t max, size_t *out)
{
    size_t v = 0;
    if (s == NULL || *s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (size_t)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static void ws_start(void *ud, const char *name, const char **atts)
{
    struct ws *w = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "row") == 0) {
        size_t r;
        const char *ra = attr(atts, "r", NULL);
        if (ra != NULL) {
            if (!parse_size(ra, 1048576, &r) || r <= w->last_row || r == 0) {
                ws_fail(w, w->last_row + 1, SHEET_EINPUT, "a row number is out of order");
                return;
            }
        } else {
            r = w->last_row + 1;
        }
        w->in_row = true;
        w->row_no = r;
        w->ncells = 0;
        buf_reset(&w->rowtext);
    } else if (strcmp(ln, "c") == 0 && w->in_row) {
        const char *ra = attr(atts, "r", NULL);
        const char *t = attr(atts, "t", NULL);
        size_t col = w->ncells, row = w->row_no;
        if (ra != NULL && (cell_ref(ra, &col, &row) != 0 || row != w->row_no || col < w->ncells)) {
            ws_fail(w, w->row_no, SHEET_EINPUT, "a cell reference is malformed or out of order");
            return;
        }
        if (col >= w->lim->max_cols) {
            ws_fail(w, w->row_no, SHEET_ETOOBIG, "too many columns");
            return;
        }
        w->in_c = true;
        w->col = col;
        snprintf(w->type, sizeof w->type, "%s", t ? t : "n");
        buf_reset(&w->val);
    } else if (w->in_c && strcmp(ln, "v") == 0) {
        w->in_v = true;
    } else if (w->in_c && strcmp(ln, "is") == 0) {
        w->depth_is++;
    } else if (w->in_c && strcmp(ln, "rPh") == 0) {
        w->depth_rph++;
    } else if (w->in_c && w->depth_is > 0 && w->depth_rph == 0 && strcmp(ln, "t") == 0) {
        w->in_is_t = true;
    }
}

/* The text of the finished cell, by its type. */
static const char *cell_text(struct ws *w)
{
    const char *v = w->val.data ? w->val.data : "";
    if (strcmp(w->type, "s") == 0) {
        size_t i;
        const char *s = parse_size(v, SIZE_MAX / 2, &i) ? sst_get(w->sst, i) : NULL;
        if (s == NULL)
            ws_fail(w, w->row_no, SHEET_EINPUT, "a shared string index is out of range");
        return s;
    }
    if (strcmp(w->type, "b") == 0)
        return strcmp(v, "1") == 0 ? "TRUE" : "FALSE";
    return v; /* n, d, e, str, inlineStr */
}

static void ws_end(void *ud, const char *name)
{
    struct ws *w = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "v") == 0) {
        w->in_v = false;
    } else if (strcmp(ln, "t") == 0) {
        w->in_is_t = false;
    } else if (strcmp(ln, "is") == 0) {
        if (w->depth_is > 0)
            w->depth_is--;
    } else if (strcmp(ln, "rPh") == 0) {
        if (w->depth_rph > 0)
            w->depth_rph--;
    } else if (strcmp(ln, "c") == 0 && w->in_c) {
        w->in_c = false;
        const char *s = cell_text(w);
        if (s == NULL)
            return;
        size_t n = strlen(s);
        if (n > w->lim->max_cell) {
            ws_fail(w, w->row_no, SHEET_ETOOBIG, "a cell is longer than the limit");
            return;
        }
        for (size_t k = w->ncells; k < w->col; k++)
            w->cell_off[k] = SIZE_MAX;
        w->cell_off[w->col] = w->rowtext.len;
        if (buf_append(&w->rowtext, s, n + 1) != BUF_OK) {
            ws_fail(w, w->row_no, SHEET_ETOOBIG, "a row holds too much text");
            return;
        }
        w->ncells = w->col + 1;
    } else if (strcmp(ln, "row") == 0 && w->in_row) {
        w->in_row = false;
        w->last_row = w->row_no;
        char **cv = malloc((w->ncells ? w->ncells : 1) * sizeof(char *));
        size_t *lv = malloc((w->ncells ? w->ncells : 1) * sizeof(size_t));
        if (cv == NULL || lv == NULL) {
            free(cv);
            free(lv);
            ws_fail(w, w->row_no, SHEET_ENOMEM, "out of memory");
            return;
        }
        for (size_t k = 0; k < w->ncells; k++) {
            if (w->cell_off[k] == SIZE_MAX) {
                cv[k] = (char *)(uintptr_t) "";
                lv[k] = 0;
            } else {
                cv[k] = w->rowtext.data + w->cell_off[k];
                lv[k] = strlen(cv[k]);
            }
        }
        int rc = sheet_add_row(w->sheet, w->lim, w->row_no, cv, lv, w->ncells, w->x.err);
        free(cv);
        free(lv);
        if (rc != SHEET_OK) {
            w->x.rc = rc;
            xp_stop(&w->x);
        }
    }
}

static void ws_text(void *ud, const char *t, int len)
{
    struct ws *w = ud;
    if (len <= 0 || !(w->in_v || w->in_is_t))
        return;
    if (w->val.len + (size_t)len > w->lim->max_cell + 64 ||
        buf_append(&w->val, t, (size_t)len) != BUF_OK)
        ws_fail(w, w->row_no, SHEET_ETOOBIG, "a cell is longer than the limit");
}

/* ---- reading, the whole way ---- */

int sheet_read_xlsx(struct sheet *s, const void *data, size_t len, const struct sheet_limits *lim,
                    struct sheet_error *err)
{
    struct pkg p = {0};
    struct rels root = {0}, wbrels = {0};
    struct wb wb = {0};
    struct sst sst = {0};
    struct ws ws = {0};
    char wb_name[PART_NAME_MAX] = "xl/workbook.xml", rels_name[PART_NAME_MAX];
    char sheet_name[PART_NAME_MAX], sst_name[PART_NAME_MAX];
    char *xml = NULL;
    size_t xlen = 0;
    zip_error_t zerr;
    int rc;

    if (err != NULL)
        memset(err, 0, sizeof(*err));
    if (lim == NULL)
        lim = &sheet_default_limits;
    p.lim = lim;
    p.err = err;
    buf_init(&sst.text, lim->max_part);
    size_t row_max = lim->max_cell * (lim->max_cols + 1) + 1024;
    buf_init(&ws.rowtext, row_max < ((size_t)64 << 20) ? row_max : ((size_t)64 << 20));
    buf_init(&ws.val, lim->max_cell + 128);
    zip_error_init(&zerr);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &zerr);
    if (src == NULL) {
        rc = sheet_fail(err, 0, SHEET_ENOMEM, "out of memory");
        goto out;
    }
    p.z = zip_open_from_source(src, ZIP_RDONLY, &zerr);
    if (p.z == NULL) {
        zip_source_free(src);
        rc = sheet_fail(err, 0, SHEET_EINPUT, "not an XLSX file: %s", zip_error_strerror(&zerr));
        goto out;
    }

    /* the package relationships name the workbook */
    rc = rels_read(&p, "_rels/.rels", &root);
    if (rc != SHEET_OK)
        goto out;
    if (root.office_doc[0] != '\0' && resolve("", root.office_doc, wb_name) != 0) {
        rc = sheet_fail(err, 0, SHEET_EINPUT, "the workbook's part name is malformed");
        goto out;
    }
    /* the workbook names its first sheet by relationship id */
    rc = part_read(&p, wb_name, false, &xml, &xlen);
    if (rc != SHEET_OK)
        goto out;
    wb.x.err = err;
    wb.x.part = wb_name;
    rc = xml_run(&wb.x, xml, xlen, &wb, wb_start, NULL, NULL);
    free(xml);
    xml = NULL;
    if (rc != SHEET_OK)
        goto out;
    if (!wb.found) {
        rc = sheet_fail(err, 0, SHEET_EINPUT, "the workbook has no worksheet");
        goto out;
    }
    {
        const char *slash = strrchr(wb_name, '/');
        int dir = slash ? (int)(slash - wb_name + 1) : 0;
        int w = snprintf(rels_name, sizeof rels_name, "%.*s_rels/%.200s.rels", dir, wb_name,
                         slash ? slash + 1 : wb_name);
        if (w < 0 || (size_t)w >= sizeof rels_name) {
            rc = sheet_fail(err, 0, SHEET_EINPUT, "the workbook's part name is too long");
            goto out;
        }
    }
    wbrels.want_id = wb.first_id;
    rc = rels_read(&p, rels_name, &wbrels);
    if (rc != SHEET_OK)
        goto out;
    if (wbrels.by_id[0] == '\0' || resolve(wb_name, wbrels.by_id, sheet_name) != 0) {
        rc = sheet_fail(err, 0, SHEET_EINPUT, "the first worksheet cannot be found");
        goto out;
    }
    /* shared strings, when there are any */
    if (wbrels.shared[0] != '\0') {
        if (resolve(wb_name, wbrels.shared, sst_name) != 0) {
            rc = sheet_fail(err, 0, SHEET_EINPUT, "the shared strings part name is malformed");
            goto out;
        }
        rc = part_read(&p, sst_name, true, &xml, &xlen);
        if (rc != SHEET_OK)
            goto out;
        if (xml != NULL) {
            sst.x.err = err;
            sst.x.part = sst_name;
            sst.lim = lim;
            rc = xml_run(&sst.x, xml, xlen, &sst, sst_start, sst_end, sst_text);
            free(xml);
            xml = NULL;
            if (rc != SHEET_OK)
                goto out;
        }
    }
    /* the worksheet */
    rc = part_read(&p, sheet_name, false, &xml, &xlen);
    if (rc != SHEET_OK)
        goto out;
    ws.cell_off = calloc(lim->max_cols ? lim->max_cols : 1, sizeof(size_t));
    ws.x.err = err;
    ws.x.part = sheet_name;
    ws.sheet = s;
    ws.lim = lim;
    ws.sst = &sst;
    if (ws.cell_off == NULL) {
        rc = sheet_fail(err, 0, SHEET_ENOMEM, "out of memory");
        goto out;
    }
    rc = xml_run(&ws.x, xml, xlen, &ws, ws_start, ws_end, ws_text);
out:
    free(xml);
    free(ws.cell_off);
    free(sst.off);
    buf_release(&sst.text);
    buf_release(&ws.rowtext);
    buf_release(&ws.val);
    if (p.z != NULL)
        zip_discard(p.z);
    if (rc != SHEET_OK)
        sheet_release(s);
    return rc;
}

/* ---- writing ---- */

struct sheet_xlsx {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    char path[512]; /* the temporary file */
};

struct sheet_xlsx *sheet_xlsx_new(const char *name)
{
    struct sheet_xlsx *x = calloc(1, sizeof(*x));
    const char *tmp = getenv("TMPDIR");
    if (x == NULL)
        return NULL;
    snprintf(x->path, sizeof x->path, "%s/sunbid-xlsx-XXXXXX",
             tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    int fd = mkstemp(x->path);
    if (fd < 0) {
        free(x);
        return NULL;
    }
    close(fd);
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL, .use_zip64 = 0};
    x->wb = workbook_new_opt(x->path, &opt);
    if (x->wb != NULL)
        x->ws = workbook_add_worksheet(x->wb, name);
    if (x->wb == NULL || x->ws == NULL) {
        sheet_xlsx_free(x);
        return NULL;
    }
    return x;
}

int sheet_xlsx_row(struct sheet_xlsx *x, size_t row, const char *const *cells, size_t n)
{
    if (row > 1048575 || n > 16384)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (cells[i] == NULL || cells[i][0] == '\0')
            continue;
        if (worksheet_write_string(x->ws, (lxw_row_t)row, (lxw_col_t)i, cells[i], NULL) !=
            LXW_NO_ERROR)
            return -1;
    }
    return 0;
}

void sheet_xlsx_free(struct sheet_xlsx *x)
{
    if (x == NULL)
        return;
    if (x->wb != NULL)
        workbook_close(x->wb); /* frees it; the file is removed below */
    unlink(x->path);
    free(x);
}

int sheet_xlsx_finish(struct sheet_xlsx *x, struct buf *out)
{
    int rc = SHEET_OK;
    lxw_error e = workbook_close(x->wb);
    x->wb = NULL;
    FILE *f = e == LXW_NO_ERROR ? fopen(x->path, "rb") : NULL;
    if (f == NULL) {
        rc = SHEET_EIO;
    } else {
        char chunk[16384];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            if (buf_append(out, chunk, n) != BUF_OK) {
                rc = SHEET_ETOOBIG;
                break;
            }
        if (ferror(f))
            rc = SHEET_EIO;
        fclose(f);
    }
    sheet_xlsx_free(x);
    return rc;
}
