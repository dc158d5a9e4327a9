/*
 * domain/tender_rules.c — the tender state machine, the statutory rules, the
 * timed transitions and the unified transaction code (tender_rules.h).
 *
 * Everything here is a constant table or a pure function of its arguments:
 * no clock, no store, no allocation. The tables are the single place where
 * the law's numbers live; docs/tenders.md lists the same rows with their
 * sources, and tests/unit/test_tender_rules.c checks each at its boundary.
 * Any thread.
 */
#include "domain/tender_rules.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/roles.h"
#include "base/utf8.h"

#define S(x) (1u << (x))

/* Where the process may be: the states before the opening, where bidders
 * still act and objections to the documents pause it. */
#define PRE_OPENING (S(TS_PUBLISHED) | S(TS_BIDDING))

/*   name  roles  from  to  while_paused  owner */
const struct tender_action_def tender_action_defs[TA__COUNT] = {
    [TA_EDIT] = {"edit", ROLE_AGENT, S(TS_DRAFT), -1, false, true},
    [TA_UPLOAD] = {"upload", ROLE_AGENT, S(TS_DRAFT) | PRE_OPENING, -1, true, true},
    [TA_PUBLISH] = {"publish", ROLE_AGENT, S(TS_DRAFT), TS_PUBLISHED, false, true},
    [TA_RELEASE] = {"release", 0, S(TS_DRAFT), TS_PUBLISHED, false, false},
    [TA_OPEN_BIDDING] = {"bidding", 0, S(TS_PUBLISHED), TS_BIDDING, false, false},
    [TA_CLOSE_BIDDING] = {"opening", 0, S(TS_BIDDING), TS_OPENING, false, false},
    [TA_REGISTER] = {"register", ROLE_BIDDER, PRE_OPENING, -1, false, false},
    [TA_DOWNLOAD] = {"download", ROLE_BIDDER, S(TS_BIDDING), -1, true, false},
    [TA_ASK] = {"ask", ROLE_BIDDER, PRE_OPENING, -1, false, false},
    [TA_CLARIFY] = {"clarify", ROLE_AGENT, PRE_OPENING, -1, true, true},
    [TA_OBJECT] = {"object", ROLE_BIDDER, PRE_OPENING, -1, true, false},
    [TA_ANSWER] = {"answer", ROLE_AGENT, PRE_OPENING, -1, true, true},
    [TA_CANCEL] = {"cancel", ROLE_AGENT,
                   S(TS_DRAFT) | PRE_OPENING | S(TS_OPENING) | S(TS_EVALUATION) | S(TS_PUBLICITY),
                   TS_CANCELLED, true, true},
    [TA_END_OPENING] = {"end_opening", ROLE_AGENT, S(TS_OPENING), TS_EVALUATION, false, true},
    [TA_FAIL] = {"fail", ROLE_AGENT, S(TS_OPENING) | S(TS_EVALUATION) | S(TS_PUBLICITY), TS_FAILED,
                 true, true},
    [TA_REPORT] = {"report", ROLE_AGENT, S(TS_EVALUATION), TS_PUBLICITY, false, true},
    [TA_AWARD] = {"award", ROLE_AGENT, S(TS_PUBLICITY), TS_AWARDED, false, true},
    [TA_CONTRACT] = {"contract", ROLE_AGENT, S(TS_AWARDED), TS_CONTRACTED, false, true},
    [TA_ARCHIVE] = {"archive", ROLE_AGENT, S(TS_CONTRACTED), TS_ARCHIVED, false, true},
    [TA_ANNUL_AWARD] = {"annul_award", ROLE_SUPERVISOR, S(TS_AWARDED), TS_PUBLICITY, false, false},
    [TA_REEVALUATE] = {"reevaluate", ROLE_SUPERVISOR, S(TS_PUBLICITY) | S(TS_AWARDED),
                       TS_EVALUATION, false, false},
    [TA_FAIL_LOT] = {"fail_lot", ROLE_AGENT, S(TS_EVALUATION) | S(TS_PUBLICITY) | S(TS_AWARDED), -1,
                     true, true},
};

enum err tender_action_check(enum tender_action action, enum tender_state state, bool paused)
{
    if ((int)action < 0 || action >= TA__COUNT || (int)state < 0 || state >= TS__COUNT)
        return ERR_WRONG_STATE;
    const struct tender_action_def *d = &tender_action_defs[action];
    if (!(d->from & S(state)))
        return ERR_WRONG_STATE;
    if (paused && !d->while_paused)
        return ERR_TENDER_PAUSED;
    return ERR_OK;
}

static const char *const state_names[TS__COUNT] = {
    "draft",   "published",  "bidding",  "opening", "evaluation", "publicity",
    "awarded", "contracted", "archived", "failed",  "cancelled"};

static const char *const category_names[TC__COUNT] = {
    "works", "goods", "services", "land", "mining", "assets", "emission", "rural", "forest"};

/* The two letters of each category in the unified transaction code. */
static const char *const category_letters[TC__COUNT] = {"GC", "HW", "FW", "TD", "KY",
                                                        "CQ", "PW", "NC", "LQ"};

static const char *const procedure_names[TP__COUNT] = {"open", "invited", "negotiation", "inquiry",
                                                       "single_source"};

static int lookup(const char *const *names, int n, const char *s)
{
    if (s == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

const char *tender_state_name(enum tender_state s)
{
    return (int)s >= 0 && s < TS__COUNT ? state_names[s] : "?";
}

const char *tender_category_name(enum tender_category c)
{
    return (int)c >= 0 && c < TC__COUNT ? category_names[c] : "?";
}

const char *tender_procedure_name(enum tender_procedure p)
{
    return (int)p >= 0 && p < TP__COUNT ? procedure_names[p] : "?";
}

int tender_state_parse(const char *s)
{
    return lookup(state_names, TS__COUNT, s);
}

int tender_category_parse(const char *s)
{
    return lookup(category_names, TC__COUNT, s);
}

int tender_procedure_parse(const char *s)
{
    return lookup(procedure_names, TP__COUNT, s);
}

bool tender_bond_form_ok(const char *s)
{
    static const char *const forms[] = {"none", "cash", "guarantee", "e_guarantee", "insurance"};
    return lookup(forms, (int)(sizeof forms / sizeof forms[0]), s) >= 0;
}

bool tender_eval_method_ok(const char *s)
{
    static const char *const methods[] = {"comprehensive", "lowest_evaluated", "lowest_price",
                                          "highest_price"};
    return lookup(methods, (int)(sizeof methods / sizeof methods[0]), s) >= 0;
}

/* ---- rules ---- */

/* Per procedure: open, invited, negotiation, inquiry, single_source. */
const struct tender_rule_def tender_rule_defs[TR__COUNT] = {
    [TR_MIN_BID_DAYS] = {"min_bid_days",
                         "days",
                         {20, 20, 3, 3, 5},
                         TRD_AT_LEAST,
                         365,
                         ERR_RULE_DEADLINE_TOO_SOON,
                         "招标投标法 art. 24; 政府采购非招标采购方式管理办法 arts. 29, 45; "
                         "政府采购法实施条例 art. 38"},
    [TR_MIN_DOC_DAYS] = {"min_doc_days",
                         "days",
                         {5, 5, 3, 3, 5},
                         TRD_AT_LEAST,
                         365,
                         ERR_RULE_DOC_PERIOD_TOO_SHORT,
                         "招标投标法实施条例 art. 16"},
    [TR_CLARIFY_DAYS] = {"clarify_days",
                         "days",
                         {15, 15, 3, 3, 3},
                         TRD_AT_LEAST,
                         365,
                         ERR_OK, /* never refuses: it moves the deadline */
                         "招标投标法 art. 23; 招标投标法实施条例 art. 21"},
    [TR_OBJECTION_DAYS] = {"objection_days",
                           "days",
                           {10, 10, 3, 3, 3},
                           TRD_FREE,
                           365,
                           ERR_RULE_OBJECTION_TOO_LATE,
                           "招标投标法实施条例 art. 22"},
    [TR_ANSWER_DAYS] = {"answer_days",
                        "days",
                        {3, 3, 7, 7, 7},
                        TRD_AT_MOST,
                        365,
                        ERR_OK,
                        "招标投标法实施条例 art. 22; 政府采购法 art. 53"},
    [TR_PAUSE_EXTENDS] = {"pause_extends",
                          "bool",
                          {1, 1, 1, 1, 1},
                          TRD_FREE,
                          1,
                          ERR_OK,
                          "招标投标法实施条例 art. 22 (activity paused until answered)"},
    [TR_MIN_BIDS] =
        {"min_bids",
         "count",
         {3, 3, 3, 3, 1},
         TRD_AT_LEAST,
         100,
         ERR_RULE_MIN_BIDS_TOO_LOW,
         "招标投标法 art. 28; 招标投标法实施条例 art. 44; 政府采购非招标采购方式管理办法 "
         "art. 27"},
    [TR_BOND_MAX_BP] = {"bond_max_bp",
                        "bp",
                        {200, 200, 200, 200, 200},
                        TRD_AT_MOST,
                        10000,
                        ERR_RULE_BOND_TOO_HIGH,
                        "招标投标法实施条例 art. 26; 政府采购法实施条例 art. 33"},
};

void tender_rules_defaults(enum tender_procedure p, struct tender_rules *out)
{
    if ((int)p < 0 || p >= TP__COUNT)
        p = TP_OPEN;
    out->procedure = p;
    for (int i = 0; i < TR__COUNT; i++)
        out->v[i] = tender_rule_defs[i].defaults[p];
}

int tender_rule_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < TR__COUNT; i++)
        if (strcmp(tender_rule_defs[i].name, name) == 0)
            return i;
    return -1;
}

enum err tender_rule_override_check(enum tender_procedure p, enum tender_rule r, int64_t value)
{
    if ((int)p < 0 || p >= TP__COUNT || (int)r < 0 || r >= TR__COUNT)
        return ERR_INVALID_FIELD;
    const struct tender_rule_def *d = &tender_rule_defs[r];
    if (value < 0 || value > d->max)
        return ERR_INVALID_FIELD;
    if (d->dir == TRD_AT_LEAST && value < d->defaults[p])
        return ERR_RULE_BELOW_STATUTORY;
    if (d->dir == TRD_AT_MOST && value > d->defaults[p])
        return ERR_RULE_BELOW_STATUTORY;
    return ERR_OK;
}

static enum err refuse(struct tender_refusal *why, enum err e, const char *rule, const char *field,
                       int64_t limit)
{
    if (why != NULL) {
        why->rule = rule;
        why->field = field;
        why->limit = limit;
    }
    return e;
}

static int64_t days(const struct tender_rules *r, enum tender_rule which)
{
    return r->v[which] * TENDER_DAY_MS;
}

enum err tender_rules_check_dates(const struct tender_rules *r, const struct tender_dates *d,
                                  int64_t publish_ms, struct tender_refusal *why)
{
    static const char *const names[] = {"publish_at", "doc_start", "doc_end", "clarify_deadline",
                                        "bid_deadline"};
    const int64_t v[] = {d->publish_at, d->doc_start, d->doc_end, d->clarify_deadline,
                         d->bid_deadline};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i] <= 0)
            return refuse(why, ERR_MISSING_FIELD, NULL, names[i], 0);
    if (d->doc_start < d->publish_at)
        return refuse(why, ERR_RULE_DATES_ORDER, "dates_order", "doc_start", d->publish_at);
    if (d->doc_end <= d->doc_start)
        return refuse(why, ERR_RULE_DATES_ORDER, "dates_order", "doc_end", d->doc_start + 1);
    if (d->bid_deadline < d->doc_end)
        return refuse(why, ERR_RULE_DATES_ORDER, "dates_order", "bid_deadline", d->doc_end);
    if (d->clarify_deadline < d->publish_at)
        return refuse(why, ERR_RULE_DATES_ORDER, "dates_order", "clarify_deadline", d->publish_at);
    if (d->clarify_deadline > d->bid_deadline)
        return refuse(why, ERR_RULE_DATES_ORDER, "dates_order", "clarify_deadline",
                      d->bid_deadline);
    /* the documents are issued from doc_start, or from publication if that is later */
    int64_t issued = d->doc_start > publish_ms ? d->doc_start : publish_ms;
    if (d->doc_end - issued < days(r, TR_MIN_DOC_DAYS))
        return refuse(why, ERR_RULE_DOC_PERIOD_TOO_SHORT, tender_rule_defs[TR_MIN_DOC_DAYS].name,
                      "doc_end", issued + days(r, TR_MIN_DOC_DAYS));
    if (d->bid_deadline - issued < days(r, TR_MIN_BID_DAYS))
        return refuse(why, ERR_RULE_DEADLINE_TOO_SOON, tender_rule_defs[TR_MIN_BID_DAYS].name,
                      "bid_deadline", issued + days(r, TR_MIN_BID_DAYS));
    return refuse(why, ERR_OK, NULL, NULL, 0);
}

enum err tender_rules_check_bond(const struct tender_rules *r, int64_t ceiling_fen,
                                 int64_t bond_fen, const char *field, struct tender_refusal *why)
{
    if (ceiling_fen <= 0 || bond_fen <= 0)
        return refuse(why, ERR_OK, NULL, NULL, 0);
    /* bond / ceiling <= bp / 10000, without overflow: ceilings are below
     * 2^63 / 10^4 fen (about 9.2e14 yuan), checked by the caller's range */
    int64_t max = ceiling_fen / 10000 * r->v[TR_BOND_MAX_BP] +
                  ceiling_fen % 10000 * r->v[TR_BOND_MAX_BP] / 10000;
    if (bond_fen > max)
        return refuse(why, ERR_RULE_BOND_TOO_HIGH, tender_rule_defs[TR_BOND_MAX_BP].name, field,
                      max);
    return refuse(why, ERR_OK, NULL, NULL, 0);
}

enum err tender_rules_check_min_bids(const struct tender_rules *r, int64_t min_bids,
                                     struct tender_refusal *why)
{
    if (min_bids < r->v[TR_MIN_BIDS])
        return refuse(why, ERR_RULE_MIN_BIDS_TOO_LOW, tender_rule_defs[TR_MIN_BIDS].name,
                      "min_bids", r->v[TR_MIN_BIDS]);
    return refuse(why, ERR_OK, NULL, NULL, 0);
}

int64_t tender_rules_clarify_deadline(const struct tender_rules *r, int64_t bid_deadline,
                                      int64_t now)
{
    int64_t earliest = now + days(r, TR_CLARIFY_DAYS);
    return bid_deadline < earliest ? earliest : bid_deadline;
}

enum err tender_rules_check_objection(const struct tender_rules *r, int64_t bid_deadline,
                                      int64_t now, struct tender_refusal *why)
{
    int64_t last = bid_deadline - days(r, TR_OBJECTION_DAYS);
    if (now > last)
        return refuse(why, ERR_RULE_OBJECTION_TOO_LATE, tender_rule_defs[TR_OBJECTION_DAYS].name,
                      NULL, last);
    return refuse(why, ERR_OK, NULL, NULL, 0);
}

int64_t tender_rules_answer_due(const struct tender_rules *r, int64_t raised_ms)
{
    return raised_ms + days(r, TR_ANSWER_DAYS);
}

enum err tender_rules_check_question(const struct tender_dates *d, int64_t now,
                                     struct tender_refusal *why)
{
    if (now > d->clarify_deadline)
        return refuse(why, ERR_RULE_QUESTIONS_CLOSED, "clarify_deadline", NULL,
                      d->clarify_deadline);
    return refuse(why, ERR_OK, NULL, NULL, 0);
}

enum err tender_rules_check_registration(const struct tender_dates *d, int64_t now,
                                         struct tender_refusal *why)
{
    if (now > d->doc_end)
        return refuse(why, ERR_RULE_REGISTRATION_CLOSED, "doc_end", NULL, d->doc_end);
    return refuse(why, ERR_OK, NULL, NULL, 0);
}

int64_t tender_rules_resume(const struct tender_rules *r, struct tender_dates *d,
                            int64_t paused_since, int64_t now)
{
    int64_t shift = now - paused_since;
    if (r->v[TR_PAUSE_EXTENDS] == 0 || shift <= 0)
        return 0;
    int64_t *dates[] = {&d->doc_start, &d->doc_end, &d->clarify_deadline, &d->bid_deadline};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
        if (*dates[i] > paused_since)
            *dates[i] += shift;
    return shift;
}

int64_t tender_rules_next_due(enum tender_state s, bool scheduled, bool paused,
                              const struct tender_dates *d, enum tender_action *action)
{
    if (paused)
        return 0;
    if (s == TS_DRAFT && scheduled && d->publish_at > 0) {
        *action = TA_RELEASE;
        return d->publish_at;
    }
    if (s == TS_PUBLISHED && d->doc_start > 0) {
        *action = TA_OPEN_BIDDING;
        return d->doc_start;
    }
    if (s == TS_BIDDING && d->bid_deadline > 0) {
        *action = TA_CLOSE_BIDDING;
        return d->bid_deadline;
    }
    return 0;
}

/* ---- the unified transaction code ---- */

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool tender_region_ok(const char *s)
{
    return s != NULL && strlen(s) == 6 && digits(s, 6) && strcmp(s, "000000") != 0;
}

int tender_code_format(char out[TENDER_CODE_MAX], const char *region, enum tender_category c,
                       int year, int64_t seq)
{
    if (!tender_region_ok(region) || (int)c < 0 || c >= TC__COUNT || year < 2000 || year > 9999 ||
        seq < 1 || seq > 999999999)
        return -1;
    int n = snprintf(out, TENDER_CODE_MAX, "%s-%s-%04d-%05lld", region, category_letters[c], year,
                     (long long)seq);
    return n > 0 && n < TENDER_CODE_MAX ? 0 : -1;
}

int tender_code_parse(const char *s, size_t n, char region[7], int *category, int *year,
                      int64_t *seq)
{
    /* RRRRRR-CC-YYYY-N{5,9} */
    if (s == NULL || n < 20 || n > 24 || s[6] != '-' || s[9] != '-' || s[14] != '-')
        return -1;
    if (!digits(s, 6) || memcmp(s, "000000", 6) == 0 || !digits(s + 10, 4) ||
        !digits(s + 15, n - 15))
        return -1;
    int cat = -1;
    for (int i = 0; i < TC__COUNT; i++)
        if (memcmp(s + 7, category_letters[i], 2) == 0)
            cat = i;
    if (cat < 0)
        return -1;
    int y = 0;
    for (int i = 10; i < 14; i++)
        y = y * 10 + (s[i] - '0');
    int64_t q = 0;
    for (size_t i = 15; i < n; i++)
        q = q * 10 + (s[i] - '0');
    if (y < 2000 || q < 1 || (n > 20 && s[15] == '0')) /* no padding past 5 digits */
        return -1;
    if (region != NULL) {
        memcpy(region, s, 6);
        region[6] = '\0';
    }
    if (category != NULL)
        *category = cat;
    if (year != NULL)
        *year = y;
    if (seq != NULL)
        *seq = q;
    return 0;
}

int tender_beijing_year(int64_t ms)
{
    time_t t = (time_t)((ms + 8 * 3600 * 1000LL) / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return 1970;
    return tm.tm_year + 1900;
}

/* ---- small parsers ---- */

bool tender_readout_ok(const char *s, size_t n)
{
    const char *names[16];
    size_t lens[16];
    int count = 0;
    size_t i = 0;
    if (s == NULL || n == 0 || n > 16 * 33)
        return false;
    while (i <= n) {
        size_t start = i;
        while (i < n && s[i] != ',') {
            if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
                return false;
            i++;
        }
        size_t len = i - start;
        if (len == 0 || len > 32 || count == 16)
            return false;
        for (int k = 0; k < count; k++)
            if (lens[k] == len && memcmp(names[k], s + start, len) == 0)
                return false;
        names[count] = s + start;
        lens[count] = len;
        count++;
        i++; /* past the comma (or the end) */
    }
    return true;
}

bool tender_filename_ok(const char *s, size_t n)
{
    if (s == NULL || n == 0 || n > 200)
        return false;
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)s + i;
        size_t l = utf8_seq(p, n - i);
        if (l == 0)
            return false;
        if (l == 1 && (*p < 0x20 || *p == 0x7F || *p == '/' || *p == '\\' || *p == '"'))
            return false;
        i += l;
    }
    return true;
}

bool tender_media_type(const char *s, size_t n, char out[101])
{
    size_t end = 0, o = 0;
    bool slash = false;
    if (s == NULL)
        return false;
    while (end < n && s[end] != ';')
        end++;
    while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        end--;
    if (end == 0 || end > 100)
        return false;
    for (size_t i = 0; i < end; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '/') {
            if (slash || i == 0 || i == end - 1)
                return false;
            slash = true;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '+' ||
                     c == '-')) {
            return false;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return slash;
}
