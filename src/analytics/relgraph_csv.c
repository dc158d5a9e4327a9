/*
 * relgraph_csv.c — reading the relationship graph's CSV files (docs/
 * graph.md, "Formats") and normalising the keys (docs/graph.md, "Keys").
 *
 * CSV per RFC 4180: fields separated by commas, records by LF or CRLF,
 * double quotes around a field that holds commas, quotes ("" inside) or
 * line breaks; a UTF-8 BOM at the start is skipped; blank lines are skipped;
 * unquoted fields are trimmed of spaces and tabs. The first record is the
 * header: columns are found by name (case-insensitive), so their order is
 * free and unknown columns are ignored. Limits: RG_MAX_FIELD bytes per
 * field, RG_MAX_FIELDS fields, RG_MAX_ROWS records; past them, and on a
 * quote that never closes, loading stops with the line number.
 *
 * A row is refused (bad_value, with its line) when an id it needs is empty,
 * a price is not a non-negative decimal number, a winner is not a boolean,
 * or a contact's kind is unknown: imports are meant to be fixed, not
 * guessed at.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analytics/relgraph_internal.h"
#include "analytics/similarity.h"
#include "base/buf.h"

/* ---- CSV ---------------------------------------------------------------- */

struct csv {
    const char *p, *end;
    size_t line;      /* line where the current record starts */
    size_t next_line; /* line of the next byte */
    size_t rows;
    struct buf rec;              /* the record's fields, NUL-separated */
    size_t start[RG_MAX_FIELDS]; /* offsets of fields in rec */
    size_t nf;
};

static void csv_init(struct csv *c, const char *data, size_t n)
{
    memset(c, 0, sizeof *c);
    c->p = data;
    c->end = data + n;
    if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
    c->next_line = 1;
    buf_init(&c->rec, (size_t)RG_MAX_FIELDS * (RG_MAX_FIELD + 1));
}

static const char *csv_field(const struct csv *c, size_t i)
{
    return i < c->nf ? c->rec.data + c->start[i] : "";
}

static int fail(struct rg_error *err, int code, size_t line, const char *msg)
{
    if (err != NULL) {
        err->code = code;
        err->line = line;
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    return code;
}

/* Reads the next record: 1 got one, 0 end of input, or -code. */
static int csv_next(struct csv *c, struct rg_error *err)
{
    for (;;) {
        buf_reset(&c->rec);
        c->nf = 0;
        c->line = c->next_line;
        if (c->p >= c->end)
            return 0;
        if (*c->p == '\n' || (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')) {
            c->p += *c->p == '\r' ? 2 : 1; /* a blank line */
            c->next_line++;
            continue;
        }
        break;
    }
    if (++c->rows > RG_MAX_ROWS)
        return -fail(err, RG_TOO_MANY_ROWS, c->line, "too many rows");
    for (;;) {
        if (c->nf >= RG_MAX_FIELDS)
            return -fail(err, RG_CSV_TOO_LONG, c->line, "too many fields");
        c->start[c->nf++] = c->rec.len;
        size_t flen = 0;
        bool quoted = false;
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
            c->p++;
        if (c->p < c->end && *c->p == '"') {
            quoted = true;
            c->p++;
            for (;;) {
                if (c->p >= c->end)
                    return -fail(err, RG_CSV_QUOTE, c->line, "a quoted field does not end");
                char ch = *c->p++;
                if (ch == '"') {
                    if (c->p < c->end && *c->p == '"') {
                        c->p++;
                    } else {
                        break;
                    }
                }
                if (ch == '\n')
                    c->next_line++;
                if (++flen > RG_MAX_FIELD || buf_putc(&c->rec, ch) != BUF_OK)
                    return -fail(err, RG_CSV_TOO_LONG, c->line, "a field is too long");
            }
        }
        /* Unquoted text (or stray text after a closing quote, kept). */
        while (c->p < c->end && *c->p != ',' && *c->p != '\n' &&
               !(*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')) {
            if (++flen > RG_MAX_FIELD || buf_putc(&c->rec, *c->p) != BUF_OK)
                return -fail(err, RG_CSV_TOO_LONG, c->line, "a field is too long");
            c->p++;
        }
        if (!quoted) {
            while (c->rec.len > c->start[c->nf - 1] &&
                   (c->rec.data[c->rec.len - 1] == ' ' || c->rec.data[c->rec.len - 1] == '\t' ||
                    c->rec.data[c->rec.len - 1] == '\r'))
                c->rec.len--;
        }
        if (buf_putc(&c->rec, '\0') != BUF_OK)
            return -fail(err, RG_CSV_TOO_LONG, c->line, "the record is too long");
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end) {
            c->p += *c->p == '\r' ? 2 : 1;
            c->next_line++;
        }
        return 1;
    }
}

static void csv_release(struct csv *c)
{
    buf_release(&c->rec);
}

/* Column index of the first of the names (case-insensitive), or -1. */
static int column(const struct csv *c, const char *const *names)
{
    for (const char *const *n = names; *n != NULL; n++)
        for (size_t i = 0; i < c->nf; i++)
            if (strcasecmp(csv_field(c, i), *n) == 0)
                return (int)i;
    return -1;
}

/* ---- keys --------------------------------------------------------------- */

static size_t put_utf8(char *out, size_t cap, size_t k, uint32_t c)
{
    char tmp[4];
    size_t n;
    if (c < 0x80) {
        tmp[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        tmp[0] = (char)(0xC0 | (c >> 6));
        tmp[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        tmp[0] = (char)(0xE0 | (c >> 12));
        tmp[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (c >> 18));
        tmp[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    if (k + n + 1 > cap)
        return SIZE_MAX;
    memcpy(out + k, tmp, n);
    return k + n;
}

static size_t digits_only(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    for (; *s; s++)
        if (*s >= '0' && *s <= '9' && k + 1 < cap)
            out[k++] = *s;
    out[k] = '\0';
    return k;
}

size_t rg_norm_phone(const char *s, char *out, size_t cap)
{
    if (cap < 2)
        return 0;
    size_t k = digits_only(s, out, cap);
    size_t drop = 0;
    if (k > 11 && strncmp(out, "0086", 4) == 0)
        drop = 4;
    else if (k >= 12 && strncmp(out, "86", 2) == 0)
        drop = 2;
    if (drop) {
        memmove(out, out + drop, k - drop + 1);
        k -= drop;
        /* +86 591 8765 4321 is 0591-87654321 at home: a landline (not a
         * 1xx mobile) gets its trunk prefix back. */
        if (out[0] != '1' && out[0] != '0' && k + 2 < cap) {
            memmove(out + 1, out, k + 1);
            out[0] = '0';
            k++;
        }
    }
    if (k < 7 || k > 20) {
        out[0] = '\0';
        return 0;
    }
    return k;
}

size_t rg_norm_account(const char *s, char *out, size_t cap)
{
    if (cap < 2)
        return 0;
    size_t k = digits_only(s, out, cap);
    if (k < 8) {
        out[0] = '\0';
        return 0;
    }
    return k;
}

size_t rg_norm_email(const char *s, char *out, size_t cap)
{
    size_t k = 0, at = 0, nat = 0;
    if (cap < 2)
        return 0;
    for (; *s && k + 1 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
            continue;
        if (ch == '@') {
            at = k;
            nat++;
        }
        out[k++] = (char)tolower(ch);
    }
    out[k] = '\0';
    if (nat != 1 || at == 0 || at + 1 >= k) {
        out[0] = '\0';
        return 0;
    }
    return k;
}

size_t rg_norm_person_id(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    if (cap < 2)
        return 0;
    for (; *s && k + 1 < cap; s++)
        if (isalnum((unsigned char)*s))
            out[k++] = (char)toupper((unsigned char)*s);
    out[k] = '\0';
    if (k < 6) {
        out[0] = '\0';
        return 0;
    }
    return k;
}

static bool is_punct(uint32_t c)
{
    return (c < 0x80 && ispunct((int)c)) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0x2010 && c <= 0x2027) || c == 0xB7 || (c >= 0xFE30 && c <= 0xFE4F);
}

/* Code points as the similarity analysis folds them (full width to half,
 * spaces dropped, Latin lower case), punctuation dropped when asked. */
static size_t fold_text(const char *s, char *out, size_t cap, bool drop_punct, size_t min_cp)
{
    size_t len = strlen(s);
    if (cap < 2)
        return 0;
    uint32_t *cp = malloc((len + 1) * sizeof *cp);
    if (cp == NULL) {
        out[0] = '\0';
        return 0;
    }
    size_t n = sim_normalize(s, len, cp, NULL, len), k = 0, kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (drop_punct && is_punct(cp[i]))
            continue;
        size_t nk = put_utf8(out, cap, k, cp[i]);
        if (nk == SIZE_MAX)
            break;
        k = nk;
        kept++;
    }
    free(cp);
    out[k] = '\0';
    if (kept < min_cp) {
        out[0] = '\0';
        return 0;
    }
    return k;
}

size_t rg_norm_address(const char *s, char *out, size_t cap)
{
    return fold_text(s, out, cap, true, 4);
}

size_t rg_norm_name(const char *s, char *out, size_t cap)
{
    return fold_text(s, out, cap, false, 1);
}

/* ---- loaders ------------------------------------------------------------ */

static int add_contact(struct relgraph *g, uint32_t org, enum rg_kind kind, const char *value)
{
    char key[RG_MAX_FIELD + 8];
    size_t n;
    switch (kind) {
    case RK_PHONE:
        n = rg_norm_phone(value, key, sizeof key);
        break;
    case RK_EMAIL:
        n = rg_norm_email(value, key, sizeof key);
        break;
    case RK_ADDRESS:
        n = rg_norm_address(value, key, sizeof key);
        break;
    case RK_ACCOUNT:
        n = rg_norm_account(value, key, sizeof key);
        break;
    default:
        return RG_OK;
    }
    if (n == 0)
        return RG_OK; /* too short to mean anything: not a key */
    return rg_add_member(g, org, kind, key, n, 0, NULL);
}

/* A person: by ID number, or by name when match_names and there is none. */
static int add_person(struct relgraph *g, uint32_t org, const char *id, const char *name,
                      uint8_t roles)
{
    char key[RG_MAX_FIELD + 8];
    size_t n = rg_norm_person_id(id, key + 2, sizeof key - 2);
    if (n > 0) {
        memcpy(key, "i:", 2);
    } else if (g->p.match_names) {
        n = rg_norm_name(name, key + 2, sizeof key - 2);
        if (n == 0)
            return RG_OK;
        memcpy(key, "n:", 2);
    } else {
        return RG_OK;
    }
    return rg_add_member(g, org, RK_PERSON, key, n + 2, roles, name[0] ? name : NULL);
}

static uint8_t parse_role(const char *r)
{
    static const struct {
        const char *name;
        uint8_t role;
    } roles[] = {{"legal_rep", ROLE_LEGAL_REP},
                 {"legal_representative", ROLE_LEGAL_REP},
                 {"法定代表人", ROLE_LEGAL_REP},
                 {"法人", ROLE_LEGAL_REP},
                 {"shareholder", ROLE_SHAREHOLDER},
                 {"股东", ROLE_SHAREHOLDER},
                 {"出资人", ROLE_SHAREHOLDER},
                 {"manager", ROLE_MANAGER},
                 {"director", ROLE_MANAGER},
                 {"supervisor", ROLE_MANAGER},
                 {"executive", ROLE_MANAGER},
                 {"董事", ROLE_MANAGER},
                 {"监事", ROLE_MANAGER},
                 {"经理", ROLE_MANAGER},
                 {"总经理", ROLE_MANAGER},
                 {"高管", ROLE_MANAGER},
                 {"key_staff", ROLE_KEY_STAFF},
                 {"project_manager", ROLE_KEY_STAFF},
                 {"technical_lead", ROLE_KEY_STAFF},
                 {"项目经理", ROLE_KEY_STAFF},
                 {"项目负责人", ROLE_KEY_STAFF},
                 {"技术负责人", ROLE_KEY_STAFF},
                 {"建造师", ROLE_KEY_STAFF}};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
        if (strcasecmp(r, roles[i].name) == 0)
            return roles[i].role;
    return ROLE_OTHER;
}

static int kind_of(const char *k, enum rg_kind *kind)
{
    static const struct {
        const char *name;
        enum rg_kind kind;
    } kinds[] = {{"phone", RK_PHONE},     {"tel", RK_PHONE},        {"mobile", RK_PHONE},
                 {"fax", RK_PHONE},       {"电话", RK_PHONE},       {"手机", RK_PHONE},
                 {"email", RK_EMAIL},     {"e-mail", RK_EMAIL},     {"邮箱", RK_EMAIL},
                 {"address", RK_ADDRESS}, {"地址", RK_ADDRESS},     {"bank_account", RK_ACCOUNT},
                 {"account", RK_ACCOUNT}, {"银行账号", RK_ACCOUNT}, {"账号", RK_ACCOUNT}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcasecmp(k, kinds[i].name) == 0) {
            *kind = kinds[i].kind;
            return 0;
        }
    }
    return -1;
}

/* Opens the CSV and reads its header; returns 1 with a header, 0 for an
 * empty file, or -code. */
static int open_csv(struct csv *c, const char *data, size_t n, struct rg_error *err)
{
    csv_init(c, data, n);
    return csv_next(c, err);
}

static int need(const struct csv *c, const char *const *names, int *col, struct rg_error *err)
{
    *col = column(c, names);
    if (*col < 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "the header has no column %s", names[0]);
        return fail(err, RG_MISSING_COLUMN, 1, msg);
    }
    return RG_OK;
}

static const char *const C_ORG[] = {"org_id",       "org",    "organisation",
                                    "organization", "bidder", NULL};
static const char *const C_NAME[] = {"name", NULL};
static const char *const C_LEGAL[] = {"legal_rep", "legal_representative", NULL};
static const char *const C_LEGAL_ID[] = {"legal_rep_id", NULL};
static const char *const C_PHONE[] = {"phone", "tel", NULL};
static const char *const C_EMAIL[] = {"email", "e-mail", NULL};
static const char *const C_ADDRESS[] = {"address", NULL};
static const char *const C_ACCOUNT[] = {"bank_account", "account", NULL};
static const char *const C_PERSON[] = {"person_id", "id_number", NULL};
static const char *const C_ROLE[] = {"role", NULL};
static const char *const C_KIND[] = {"kind", "type", NULL};
static const char *const C_VALUE[] = {"value", NULL};
static const char *const C_TENDER[] = {"tender_id", "tender", NULL};
static const char *const C_LOT[] = {"lot", "lot_id", NULL};
static const char *const C_PRICE[] = {"price", "bid_value", "amount", NULL};
static const char *const C_WINNER[] = {"winner", "won", NULL};
static const char *const C_DATE[] = {"date", NULL};

static int row_org(struct relgraph *g, const struct csv *c, int col, const char *name,
                   uint32_t *org, struct rg_error *err)
{
    const char *id = csv_field(c, (size_t)col);
    if (id[0] == '\0')
        return fail(err, RG_BAD_VALUE, c->line, "empty organisation id");
    *org = rg_org(g, id, name);
    return *org == RG_NONE ? fail(err, RG_NOMEM, c->line, "out of memory") : RG_OK;
}

int rg_load_orgs(struct relgraph *g, const char *data, size_t n, struct rg_error *err)
{
    if (g->analysed)
        return fail(err, RG_BAD_PARAMS, 0, "the graph is analysed already");
    struct csv c;
    int r = open_csv(&c, data, n, err), rc = RG_OK;
    int co, cn, cl, cli, cp, ce, ca, cb;
    if (r <= 0) {
        csv_release(&c);
        return -r;
    }
    rc = need(&c, C_ORG, &co, err);
    cn = column(&c, C_NAME);
    cl = column(&c, C_LEGAL);
    cli = column(&c, C_LEGAL_ID);
    cp = column(&c, C_PHONE);
    ce = column(&c, C_EMAIL);
    ca = column(&c, C_ADDRESS);
    cb = column(&c, C_ACCOUNT);
    while (rc == RG_OK && (r = csv_next(&c, err)) == 1) {
        uint32_t org;
        rc = row_org(g, &c, co, cn >= 0 ? csv_field(&c, (size_t)cn) : NULL, &org, err);
        if (rc == RG_OK && cp >= 0)
            rc = add_contact(g, org, RK_PHONE, csv_field(&c, (size_t)cp));
        if (rc == RG_OK && ce >= 0)
            rc = add_contact(g, org, RK_EMAIL, csv_field(&c, (size_t)ce));
        if (rc == RG_OK && ca >= 0)
            rc = add_contact(g, org, RK_ADDRESS, csv_field(&c, (size_t)ca));
        if (rc == RG_OK && cb >= 0)
            rc = add_contact(g, org, RK_ACCOUNT, csv_field(&c, (size_t)cb));
        if (rc == RG_OK && (cl >= 0 || cli >= 0))
            rc = add_person(g, org, cli >= 0 ? csv_field(&c, (size_t)cli) : "",
                            cl >= 0 ? csv_field(&c, (size_t)cl) : "", ROLE_LEGAL_REP);
        if (rc == RG_NOMEM)
            fail(err, RG_NOMEM, c.line, "out of memory");
    }
    if (rc == RG_OK && r < 0)
        rc = -r;
    csv_release(&c);
    return rc;
}

int rg_load_people(struct relgraph *g, const char *data, size_t n, struct rg_error *err)
{
    if (g->analysed)
        return fail(err, RG_BAD_PARAMS, 0, "the graph is analysed already");
    struct csv c;
    int r = open_csv(&c, data, n, err), rc = RG_OK;
    int co, ci, cn, cr;
    if (r <= 0) {
        csv_release(&c);
        return -r;
    }
    rc = need(&c, C_ORG, &co, err);
    ci = column(&c, C_PERSON);
    cn = column(&c, C_NAME);
    cr = column(&c, C_ROLE);
    if (rc == RG_OK && ci < 0 && cn < 0)
        rc = fail(err, RG_MISSING_COLUMN, 1, "the header has neither person_id nor name");
    while (rc == RG_OK && (r = csv_next(&c, err)) == 1) {
        uint32_t org;
        const char *id = ci >= 0 ? csv_field(&c, (size_t)ci) : "";
        const char *name = cn >= 0 ? csv_field(&c, (size_t)cn) : "";
        if (id[0] == '\0' && name[0] == '\0') {
            rc = fail(err, RG_BAD_VALUE, c.line, "a person needs a person_id or a name");
            break;
        }
        rc = row_org(g, &c, co, NULL, &org, err);
        if (rc == RG_OK)
            rc = add_person(g, org, id, name, parse_role(cr >= 0 ? csv_field(&c, (size_t)cr) : ""));
        if (rc == RG_NOMEM)
            fail(err, RG_NOMEM, c.line, "out of memory");
        g->people_rows++;
    }
    if (rc == RG_OK && r < 0)
        rc = -r;
    csv_release(&c);
    return rc;
}

int rg_load_contacts(struct relgraph *g, const char *data, size_t n, struct rg_error *err)
{
    if (g->analysed)
        return fail(err, RG_BAD_PARAMS, 0, "the graph is analysed already");
    struct csv c;
    int r = open_csv(&c, data, n, err), rc = RG_OK;
    int co, ck, cv;
    if (r <= 0) {
        csv_release(&c);
        return -r;
    }
    rc = need(&c, C_ORG, &co, err);
    if (rc == RG_OK)
        rc = need(&c, C_KIND, &ck, err);
    if (rc == RG_OK)
        rc = need(&c, C_VALUE, &cv, err);
    while (rc == RG_OK && (r = csv_next(&c, err)) == 1) {
        uint32_t org;
        enum rg_kind kind;
        if (kind_of(csv_field(&c, (size_t)ck), &kind) != 0) {
            rc = fail(err, RG_BAD_VALUE, c.line,
                      "kind must be phone, email, address or bank_account");
            break;
        }
        rc = row_org(g, &c, co, NULL, &org, err);
        if (rc == RG_OK)
            rc = add_contact(g, org, kind, csv_field(&c, (size_t)cv));
        if (rc == RG_NOMEM)
            fail(err, RG_NOMEM, c.line, "out of memory");
        g->contact_rows++;
    }
    if (rc == RG_OK && r < 0)
        rc = -r;
    csv_release(&c);
    return rc;
}

static int parse_price(const char *s, double *v)
{
    if (s[0] == '\0') {
        *v = NAN;
        return 0;
    }
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*end != '\0' || errno != 0 || !isfinite(x) || x < 0 || isspace((unsigned char)s[0]))
        return -1;
    *v = x;
    return 0;
}

static int parse_winner(const char *s, int8_t *w)
{
    static const char *const yes[] = {"1", "true", "yes", "y", "是", "中标"};
    static const char *const no[] = {"0", "false", "no", "n", "否", ""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (strcasecmp(s, yes[i]) == 0) {
            *w = 1;
            return 0;
        }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (strcasecmp(s, no[i]) == 0) {
            *w = 0;
            return 0;
        }
    return -1;
}

int rg_load_bids(struct relgraph *g, const char *data, size_t n, struct rg_error *err)
{
    if (g->analysed)
        return fail(err, RG_BAD_PARAMS, 0, "the graph is analysed already");
    struct csv c;
    int r = open_csv(&c, data, n, err), rc = RG_OK;
    int ct, cl, co, cp, cw, cd;
    if (r <= 0) {
        csv_release(&c);
        return -r;
    }
    rc = need(&c, C_TENDER, &ct, err);
    if (rc == RG_OK)
        rc = need(&c, C_LOT, &cl, err);
    if (rc == RG_OK)
        rc = need(&c, C_ORG, &co, err);
    cp = column(&c, C_PRICE);
    cw = column(&c, C_WINNER);
    cd = column(&c, C_DATE);
    if (cp >= 0)
        g->have_prices = true;
    if (cw >= 0)
        g->have_winners = true;
    while (rc == RG_OK && (r = csv_next(&c, err)) == 1) {
        const char *tender = csv_field(&c, (size_t)ct), *lot = csv_field(&c, (size_t)cl);
        if (tender[0] == '\0') {
            rc = fail(err, RG_BAD_VALUE, c.line, "empty tender_id");
            break;
        }
        struct rg_bid b = {.price = NAN, .winner = -1};
        if (cp >= 0 && parse_price(csv_field(&c, (size_t)cp), &b.price) != 0) {
            rc = fail(err, RG_BAD_VALUE, c.line, "price is not a non-negative number");
            break;
        }
        if (cw >= 0 && parse_winner(csv_field(&c, (size_t)cw), &b.winner) != 0) {
            rc = fail(err, RG_BAD_VALUE, c.line, "winner must be 1/0, true/false or yes/no");
            break;
        }
        rc = row_org(g, &c, co, NULL, &b.org, err);
        if (rc != RG_OK)
            break;
        size_t tl = strlen(tender), ll = strlen(lot);
        char key[2 * RG_MAX_FIELD + 2];
        memcpy(key, tender, tl);
        key[tl] = '\x1f';
        memcpy(key + tl + 1, lot, ll);
        size_t before = g->lots.n;
        b.lot = rg_intern(&g->lots, key, tl + 1 + ll);
        if (b.lot == RG_NONE) {
            rc = fail(err, RG_NOMEM, c.line, "out of memory");
            break;
        }
        if (g->lots.n > before) {
            if (g->lots.n > g->datecap) {
                size_t nc = g->datecap ? g->datecap * 2 : 1024;
                char **d = realloc(g->lotdate, nc * sizeof *d);
                if (d == NULL) {
                    rc = fail(err, RG_NOMEM, c.line, "out of memory");
                    break;
                }
                memset(d + g->datecap, 0, (nc - g->datecap) * sizeof *d);
                g->lotdate = d;
                g->datecap = nc;
            }
        }
        if (cd >= 0 && g->lotdate[b.lot] == NULL && csv_field(&c, (size_t)cd)[0] != '\0') {
            g->lotdate[b.lot] = strdup(csv_field(&c, (size_t)cd));
            if (g->lotdate[b.lot] == NULL) {
                rc = fail(err, RG_NOMEM, c.line, "out of memory");
                break;
            }
        }
        if (g->nbids == g->bidcap) {
            size_t nc = g->bidcap ? g->bidcap * 2 : 1024;
            struct rg_bid *nb = realloc(g->bids, nc * sizeof *nb);
            if (nb == NULL) {
                rc = fail(err, RG_NOMEM, c.line, "out of memory");
                break;
            }
            g->bids = nb;
            g->bidcap = nc;
        }
        b.row = (uint32_t)g->nbids;
        g->bids[g->nbids++] = b;
    }
    if (rc == RG_OK && r < 0)
        rc = -r;
    csv_release(&c);
    return rc;
}
