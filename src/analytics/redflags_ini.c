/*
 * redflags_ini.c — Cardinal's settings file for the red flags (redflags.h,
 * docs/redflags.md "Settings").
 *
 * The file is INI, read the way Cardinal reads it (config-rs over rust-ini,
 * deserialised into its Settings struct with deny_unknown_fields):
 *
 *   ; comment            # comment too (whole lines)
 *   currency = USD       properties before any section are global
 *   [R024]               a section enables the indicator of that name
 *   threshold = 0.05     key = value; both trimmed; "quoted" values unquoted
 *   [R003.procurement_method_details]
 *   Licitación = 10      a dotted section is a table inside [R003]
 *
 * Unknown sections and unknown keys are errors, as in Cardinal; so are values
 * that are not of the key's type (integers for counts and days, decimals for
 * ratios). The sections of Cardinal's `prepare` command ([defaults],
 * [redactions], [corrections], [modifications], [codelists.*]) are checked
 * and ignored, so one settings file serves both tools; [R044] and [R055],
 * Cardinal indicators sunbid does not compute, are accepted and reported.
 * Two leniencies: a comment may follow a value after whitespace
 * ("threshold = 15 ; default"), and a UTF-8 byte order mark is skipped.
 * A later duplicate key replaces the earlier one.
 */
#include "analytics/redflags.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum sec {
    SEC_GLOBAL,
    SEC_EXCLUSIONS,
    SEC_R003,
    SEC_R003_DETAILS,
    SEC_R018,
    SEC_R024,
    SEC_R025,
    SEC_R028,
    SEC_R030,
    SEC_R035,
    SEC_R036,
    SEC_R038,
    SEC_R048,
    SEC_R058,
    SEC_R044,
    SEC_R055,
    SEC_DEFAULTS,
    SEC_REDACTIONS,
    SEC_CORRECTIONS,
    SEC_MODIFICATIONS,
    SEC_CODELIST, /* [codelists.bid_status], [codelists.award_status]: any key */
};

struct section {
    const char *name;
    enum sec sec;
    int indicator;           /* enabled by the section, or -1 */
    const char *const *keys; /* allowed keys, NULL-terminated; NULL: any key */
};

static const char *const k_none[] = {NULL};
static const char *const k_global[] = {"currency", "no_price_comparison_procurement_methods",
                                       "price_comparison_procurement_methods", NULL};
static const char *const k_exclusions[] = {"procurement_method_details", NULL};
static const char *const k_r003[] = {"threshold", "procurement_methods", NULL};
static const char *const k_r018[] = {"procurement_methods", NULL};
static const char *const k_threshold[] = {"threshold", NULL};
static const char *const k_r025[] = {"percentile", "threshold", NULL};
static const char *const k_r038[] = {"threshold", "minimum_submitted_bids",
                                     "minimum_contracting_processes", NULL};
static const char *const k_r048[] = {"digits", "threshold", "minimum_contracting_processes", NULL};
static const char *const k_r055[] = {"threshold", "start_date", "end_date", NULL};
static const char *const k_defaults[] = {
    "currency", "item_classification_scheme", "bid_status", "award_status", "party_roles", NULL};
static const char *const k_redactions[] = {"amount", "organization_id", NULL};
static const char *const k_corrections[] = {"award_status_by_contract_status", NULL};
static const char *const k_modifications[] = {
    "move_auctions", "prefix_buyer_or_procuring_entity_id", "prefix_tenderer_or_supplier_id",
    "split_procurement_method_details", NULL};

static const struct section sections[] = {
    {"exclusions", SEC_EXCLUSIONS, -1, k_exclusions},
    {"R003", SEC_R003, RF_R003, k_r003},
    {"R003.procurement_method_details", SEC_R003_DETAILS, RF_R003, NULL},
    {"R018", SEC_R018, RF_R018, k_r018},
    {"R024", SEC_R024, RF_R024, k_threshold},
    {"R025", SEC_R025, RF_R025, k_r025},
    {"R028", SEC_R028, RF_R028, k_none},
    {"R030", SEC_R030, RF_R030, k_none},
    {"R035", SEC_R035, RF_R035, k_threshold},
    {"R036", SEC_R036, RF_R036, k_none},
    {"R038", SEC_R038, RF_R038, k_r038},
    {"R048", SEC_R048, RF_R048, k_r048},
    {"R058", SEC_R058, RF_R058, k_threshold},
    {"R044", SEC_R044, -1, k_none},
    {"R055", SEC_R055, -1, k_r055},
    {"defaults", SEC_DEFAULTS, -1, k_defaults},
    {"redactions", SEC_REDACTIONS, -1, k_redactions},
    {"corrections", SEC_CORRECTIONS, -1, k_corrections},
    {"modifications", SEC_MODIFICATIONS, -1, k_modifications},
    {"codelists.bid_status", SEC_CODELIST, -1, NULL},
    {"codelists.award_status", SEC_CODELIST, -1, NULL},
};

static const struct section global_section = {"", SEC_GLOBAL, -1, k_global};

static void list_free(struct redflags_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Splits value on '|' like Rust's split_terminator: "a|b|" is [a, b], "" is
 * [], "a||b" is [a, "", b]. Returns -1 on out of memory, -2 past the limit. */
static int list_set(struct redflags_list *l, const char *v, size_t n)
{
    list_free(l);
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '|')
            count++;
    if (n > 0 && v[n - 1] != '|')
        count++;
    if (count > REDFLAGS_LIST_MAX)
        return -2;
    if (count == 0)
        return 0;
    l->items = calloc(count, sizeof(*l->items));
    if (l->items == NULL)
        return -1;
    size_t start = 0;
    for (size_t i = 0; i <= n && l->n < count; i++) {
        if (i == n || v[i] == '|') {
            char *item = malloc(i - start + 1);
            if (item == NULL)
                return -1;
            memcpy(item, v + start, i - start);
            item[i - start] = '\0';
            l->items[l->n++] = item;
            start = i + 1;
        }
    }
    return 0;
}

static int list_set_str(struct redflags_list *l, const char *s)
{
    return list_set(l, s, strlen(s));
}

void redflags_settings_init(struct redflags_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->r003_threshold = 15;
    s->r025_percentile = 75;
    s->r035_threshold = 1;
    s->r038_min_bids = 2;
    s->r038_min_processes = 2;
    s->r048_digits = 2;
    s->r048_min_processes = 20;
    /* R018's default competitive methods; a settings file may replace them.
     * Out of memory here leaves the list empty (every method matches). */
    (void)list_set_str(&s->r018_methods, "open|selective");
}

void redflags_settings_release(struct redflags_settings *s)
{
    free(s->currency);
    list_free(&s->price_cmp);
    list_free(&s->no_price_cmp);
    list_free(&s->exclude_pmd);
    list_free(&s->r003_methods);
    list_free(&s->r018_methods);
    for (size_t i = 0; i < s->r003_ndetails; i++)
        free(s->r003_details[i].details);
    free(s->r003_details);
    memset(s, 0, sizeof(*s));
}

void redflags_settings_enable_all(struct redflags_settings *s)
{
    for (int i = 0; i < RF__COUNT; i++)
        s->enabled[i] = true;
}

struct parser {
    struct redflags_settings *s;
    const struct section *sec;
    int line;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (p->err != NULL && p->errlen > 0)
        snprintf(p->err, p->errlen, "line %d: %s", p->line, msg);
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

/* Copies n bytes into a NUL-terminated heap string; NULL on out of memory. */
static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int parse_i64(struct parser *p, const char *key, const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (v[0] == '\0' || is_space(v[0]) || *end != '\0' || errno != 0)
        return fail(p, "%s must be an integer, not '%s'", key, v);
    *out = (int64_t)x;
    return 0;
}

static int parse_size(struct parser *p, const char *key, const char *v, size_t *out)
{
    int64_t x = 0;
    if (parse_i64(p, key, v, &x) != 0)
        return -1;
    if (x < 0)
        return fail(p, "%s must be a natural number, not '%s'", key, v);
    *out = (size_t)x;
    return 0;
}

static int parse_f64(struct parser *p, const char *key, const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (v[0] == '\0' || is_space(v[0]) || *end != '\0' || errno == ERANGE || !isfinite(x))
        return fail(p, "%s must be a decimal number, not '%s'", key, v);
    *out = x;
    return 0;
}

static int set_list(struct parser *p, struct redflags_list *l, const char *key, const char *v)
{
    int rc = list_set_str(l, v);
    if (rc == -2)
        return fail(p, "%s lists more than %d entries", key, REDFLAGS_LIST_MAX);
    if (rc != 0)
        return fail(p, "out of memory");
    return 0;
}

static int set_details(struct parser *p, const char *key, const char *v)
{
    struct redflags_settings *s = p->s;
    int64_t days = 0;
    char what[300];
    snprintf(what, sizeof(what), "[R003.procurement_method_details] '%s'", key);
    if (parse_i64(p, what, v, &days) != 0)
        return -1;
    for (size_t i = 0; i < s->r003_ndetails; i++)
        if (strcmp(s->r003_details[i].details, key) == 0) {
            s->r003_details[i].days = days;
            return 0;
        }
    if (s->r003_ndetails >= REDFLAGS_LIST_MAX)
        return fail(p, "more than %d procurement method details", REDFLAGS_LIST_MAX);
    struct redflags_days *nd =
        realloc(s->r003_details, (s->r003_ndetails + 1) * sizeof(*s->r003_details));
    if (nd == NULL)
        return fail(p, "out of memory");
    s->r003_details = nd;
    char *name = dupn(key, strlen(key));
    if (name == NULL)
        return fail(p, "out of memory");
    nd[s->r003_ndetails].details = name;
    nd[s->r003_ndetails].days = days;
    s->r003_ndetails++;
    return 0;
}

/* Applies `key = v` in the current section; the key is known to be allowed. */
static int apply(struct parser *p, const char *key, const char *v)
{
    struct redflags_settings *s = p->s;
    switch (p->sec->sec) {
    case SEC_GLOBAL:
        if (strcmp(key, "currency") == 0) {
            char *c = dupn(v, strlen(v));
            if (c == NULL)
                return fail(p, "out of memory");
            free(s->currency);
            s->currency = c;
            return 0;
        }
        if (strcmp(key, "price_comparison_procurement_methods") == 0) {
            s->has_price_cmp = true;
            return set_list(p, &s->price_cmp, key, v);
        }
        return set_list(p, &s->no_price_cmp, key, v);
    case SEC_EXCLUSIONS:
        return set_list(p, &s->exclude_pmd, key, v);
    case SEC_R003:
        if (strcmp(key, "threshold") == 0)
            return parse_i64(p, key, v, &s->r003_threshold);
        return set_list(p, &s->r003_methods, key, v);
    case SEC_R003_DETAILS:
        return set_details(p, key, v);
    case SEC_R018:
        return set_list(p, &s->r018_methods, key, v);
    case SEC_R024:
        s->has_r024_threshold = true;
        return parse_f64(p, key, v, &s->r024_threshold);
    case SEC_R025:
        if (strcmp(key, "percentile") == 0)
            return parse_size(p, key, v, &s->r025_percentile);
        s->has_r025_threshold = true;
        return parse_f64(p, key, v, &s->r025_threshold);
    case SEC_R035:
        if (parse_size(p, key, v, &s->r035_threshold) != 0)
            return -1;
        if (s->r035_threshold < 1) /* Cardinal: max(threshold, 1) */
            s->r035_threshold = 1;
        return 0;
    case SEC_R038:
        if (strcmp(key, "minimum_submitted_bids") == 0)
            return parse_size(p, key, v, &s->r038_min_bids);
        if (strcmp(key, "minimum_contracting_processes") == 0)
            return parse_size(p, key, v, &s->r038_min_processes);
        s->has_r038_threshold = true;
        return parse_f64(p, key, v, &s->r038_threshold);
    case SEC_R048:
        if (strcmp(key, "digits") == 0)
            return parse_size(p, key, v, &s->r048_digits);
        if (strcmp(key, "minimum_contracting_processes") == 0)
            return parse_size(p, key, v, &s->r048_min_processes);
        s->has_r048_threshold = true;
        return parse_size(p, key, v, &s->r048_threshold);
    case SEC_R058:
        s->has_r058_threshold = true;
        return parse_f64(p, key, v, &s->r058_threshold);
    default:
        return 0; /* checked, not used by the red flags */
    }
}

static int section_line(struct parser *p, const char *l, size_t n)
{
    const char *close = memchr(l, ']', n);
    if (close == NULL)
        return fail(p, "a section header needs a closing ']'");
    const char *rest = close + 1;
    size_t rn = n - (size_t)(rest - l);
    trim(&rest, &rn);
    if (rn > 0 && rest[0] != ';' && rest[0] != '#')
        return fail(p, "text after the section header");
    const char *name = l + 1;
    size_t nn = (size_t)(close - name);
    trim(&name, &nn);
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        if (strlen(sections[i].name) == nn && memcmp(sections[i].name, name, nn) == 0) {
            p->sec = &sections[i];
            if (sections[i].indicator >= 0)
                p->s->enabled[sections[i].indicator] = true;
            if (sections[i].sec == SEC_R044)
                p->s->ignored_r044 = true;
            if (sections[i].sec == SEC_R055)
                p->s->ignored_r055 = true;
            return 0;
        }
    }
    return fail(p, "unknown section [%.*s]", (int)(nn > 64 ? 64 : nn), name);
}

static int property_line(struct parser *p, const char *l, size_t n)
{
    const char *eq = memchr(l, '=', n);
    if (eq == NULL)
        return fail(p, "expected 'key = value'");
    const char *k = l;
    size_t kn = (size_t)(eq - l);
    trim(&k, &kn);
    const char *v = eq + 1;
    size_t vn = n - (size_t)(v - l);
    trim(&v, &vn);
    if (kn == 0)
        return fail(p, "a property needs a key");
    if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
        v++;
        vn -= 2;
    } else {
        /* An inline comment: ';' or '#' after whitespace. */
        for (size_t i = 1; i < vn; i++)
            if ((v[i] == ';' || v[i] == '#') && is_space(v[i - 1])) {
                vn = i;
                trim(&v, &vn);
                break;
            }
    }
    char key[256];
    if (kn >= sizeof(key))
        return fail(p, "key too long");
    memcpy(key, k, kn);
    key[kn] = '\0';
    if (memchr(key, '\0', kn) != NULL || memchr(v, '\0', vn) != NULL)
        return fail(p, "NUL byte in a property");
    if (p->sec->keys != NULL) {
        bool known = false;
        for (const char *const *a = p->sec->keys; *a != NULL; a++)
            if (strcmp(*a, key) == 0)
                known = true;
        if (!known) {
            if (p->sec->sec == SEC_GLOBAL)
                return fail(p, "unknown key '%s'", key);
            return fail(p, "unknown key '%s' in [%s]", key, p->sec->name);
        }
    }
    char *value = dupn(v, vn);
    if (value == NULL)
        return fail(p, "out of memory");
    int rc = apply(p, key, value);
    free(value);
    return rc;
}

int redflags_settings_parse(struct redflags_settings *s, const char *text, size_t len, char *err,
                            size_t errlen)
{
    struct parser p = {.s = s, .sec = &global_section, .line = 0, .err = err, .errlen = errlen};
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (len > REDFLAGS_SETTINGS_MAX)
        return fail(&p, "the settings file is larger than %zu bytes", REDFLAGS_SETTINGS_MAX);
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
    }
    size_t pos = 0;
    while (pos < len) {
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - l) : len - pos;
        pos += n + (nl ? 1 : 0);
        p.line++;
        trim(&l, &n);
        if (n == 0 || l[0] == ';' || l[0] == '#')
            continue;
        int rc = l[0] == '[' ? section_line(&p, l, n) : property_line(&p, l, n);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int redflags_settings_load(struct redflags_settings *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *text = malloc(REDFLAGS_SETTINGS_MAX + 1);
    if (text == NULL) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t n = fread(text, 1, REDFLAGS_SETTINGS_MAX + 1, f);
    int rc;
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        rc = -1;
    } else if (n > REDFLAGS_SETTINGS_MAX) {
        snprintf(err, errlen, "%s: larger than %zu bytes", path, REDFLAGS_SETTINGS_MAX);
        rc = -1;
    } else {
        char perr[300];
        rc = redflags_settings_parse(s, text, n, perr, sizeof(perr));
        if (rc != 0)
            snprintf(err, errlen, "%s: %s", path, perr);
    }
    free(text);
    fclose(f);
    return rc;
}
