/*
 * eval/template.c — the scoring-table template (eval.h): parsing, checking,
 * the canonical form and the built-in templates.
 *
 * A template is outside input (an agent posts it), so it is parsed with
 * the guarded reader (base/jsonr.h: size, UTF-8, depth, duplicate keys),
 * then every key is checked: unknown keys are refused so a misspelt one
 * does not vanish. Numbers of points accept at most two decimals. The
 * canonical form writes every field, defaults included, in one fixed
 * order with points as decimals ("30.00"): the stored text and its hash
 * do not depend on how the agent wrote the JSON. fuzz/fuzz_eval_template.c
 * feeds this parser. Any thread.
 */
#include "eval/eval.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonr.h"
#include "base/jsonw.h"

static const char *const method_names[] = {"comprehensive", "lowest_evaluated", "lowest_price",
                                           "highest_price"};
static const char *const kind_names[] = {"subjective", "objective", "price"};

const char *eval_method_name(enum eval_method m)
{
    return (unsigned)m < 4 ? method_names[m] : "?";
}

int eval_method_parse(const char *s)
{
    for (int i = 0; s != NULL && i < 4; i++)
        if (strcmp(s, method_names[i]) == 0)
            return i;
    return -1;
}

void eval_centi_str(int64_t v, char out[32])
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(out, 32, "%s%llu.%02llu", v < 0 ? "-" : "", (unsigned long long)(a / 100),
             (unsigned long long)(a % 100));
}

/* ---- reading ---- */

struct rd {
    const char *field; /* the key being read, for the refusal */
};

static bool keys_known(json_t *o, const char *const *known, size_t n, struct rd *rd)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (!ok) {
            rd->field = "unknown key";
            return false;
        }
    }
    return true;
}

/* A number with at most two decimals, lo..hi (centi) -> *out. Absent:
 * *out = def when def >= lo, else refused. */
static bool get_centi(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t def, int64_t *out,
                      struct rd *rd)
{
    json_t *v = json_object_get(o, key);
    rd->field = key;
    if (v == NULL) {
        *out = def;
        return def >= lo;
    }
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < lo / 100 - 1 || i > hi / 100 + 1)
            return false;
        *out = (int64_t)i * 100;
    } else if (json_is_real(v)) {
        double d = json_real_value(v) * 100.0;
        if (!isfinite(d) || d < (double)lo - 1 || d > (double)hi + 1)
            return false;
        double r = nearbyint(d);
        if (fabs(d - r) > 1e-6)
            return false;
        *out = (int64_t)r;
    } else {
        return false;
    }
    return *out >= lo && *out <= hi;
}

static bool get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t def, int64_t *out,
                    struct rd *rd)
{
    json_t *v = json_object_get(o, key);
    rd->field = key;
    if (v == NULL) {
        *out = def;
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* A string of 1..max bytes without control characters into out. */
static bool get_str(json_t *o, const char *key, bool required, char *out, size_t max, struct rd *rd)
{
    json_t *v = json_object_get(o, key);
    rd->field = key;
    out[0] = '\0';
    if (v == NULL)
        return !required;
    if (!json_is_string(v))
        return false;
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return false;
    memcpy(out, s, n + 1);
    return true;
}

static bool code_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

static bool field_ok(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static bool read_criteria(json_t *a, struct eval_template *t, struct rd *rd)
{
    static const char *const known[] = {"code", "name"};
    rd->field = "qualification";
    if (a == NULL)
        return true;
    if (!json_is_array(a) || json_array_size(a) > EVAL_CRITERIA_MAX)
        return false;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *c = json_array_get(a, i);
        struct eval_criterion *cr = &t->crit[t->ncrit];
        rd->field = "qualification";
        if (!json_is_object(c) || !keys_known(c, known, 2, rd) ||
            !get_str(c, "code", true, cr->code, EVAL_CODE_MAX, rd) || !code_ok(cr->code) ||
            !get_str(c, "name", true, cr->name, EVAL_NAME_MAX, rd))
            return false;
        for (int k = 0; k < t->ncrit; k++)
            if (strcmp(t->crit[k].code, cr->code) == 0) {
                rd->field = "code";
                return false;
            }
        t->ncrit++;
    }
    return true;
}

static bool read_items(json_t *a, struct eval_template *t, struct rd *rd)
{
    static const char *const known[] = {"code", "name", "kind",  "points",
                                        "min",  "max",  "field", "better"};
    char kind[16], better[16];
    rd->field = "items";
    if (a == NULL)
        return true;
    if (!json_is_array(a) || json_array_size(a) > EVAL_ITEMS_MAX)
        return false;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i);
        struct eval_item *it = &t->items[t->nitems];
        rd->field = "items";
        if (!json_is_object(o) || !keys_known(o, known, 8, rd) ||
            !get_str(o, "code", true, it->code, EVAL_CODE_MAX, rd) || !code_ok(it->code) ||
            !get_str(o, "name", true, it->name, EVAL_NAME_MAX, rd) ||
            !get_str(o, "kind", true, kind, sizeof kind - 1, rd))
            return false;
        int k = -1;
        for (int j = 0; j < 3; j++)
            if (strcmp(kind, kind_names[j]) == 0)
                k = j;
        if (k < 0)
            return false;
        it->kind = (enum eval_item_kind)k;
        if (!get_centi(o, "points", 1, EVAL_POINTS_MAX, -1, &it->points, rd))
            return false;
        if (it->kind == EK_SUBJECTIVE) {
            if (!get_centi(o, "min", 0, it->points, 0, &it->min, rd) ||
                !get_centi(o, "max", it->min, it->points, it->points, &it->max, rd))
                return false;
            rd->field = "field";
            if (json_object_get(o, "field") || json_object_get(o, "better"))
                return false;
        } else {
            it->min = 0;
            it->max = it->points;
            rd->field = "min";
            if (json_object_get(o, "min") || json_object_get(o, "max"))
                return false;
        }
        if (it->kind == EK_OBJECTIVE) {
            if (!get_str(o, "field", true, it->field, 64, rd) || !field_ok(it->field) ||
                strcmp(it->field, "price_fen") == 0)
                return false;
            if (!get_str(o, "better", false, better, sizeof better - 1, rd))
                return false;
            if (better[0] != '\0' && strcmp(better, "lower") != 0 && strcmp(better, "higher") != 0)
                return false;
            it->higher = strcmp(better, "higher") == 0;
        } else if (it->kind == EK_PRICE) {
            rd->field = "field";
            if (json_object_get(o, "field") || json_object_get(o, "better"))
                return false;
        }
        for (int j = 0; j < t->nitems; j++)
            if (strcmp(t->items[j].code, it->code) == 0) {
                rd->field = "code";
                return false;
            }
        t->nitems++;
    }
    return true;
}

static bool read_price(json_t *o, struct eval_template *t, struct rd *rd)
{
    static const char *const known[] = {"formula", "k", "trim_min", "above", "below"};
    char f[16];
    int64_t k = 10000, trim = 0;
    struct eval_price *p = &t->price;
    p->formula = EPF_LOW_BASE;
    p->k_bp = 10000;
    rd->field = "price";
    if (o == NULL)
        return true;
    if (!json_is_object(o) || !keys_known(o, known, 5, rd) ||
        !get_str(o, "formula", false, f, sizeof f - 1, rd))
        return false;
    if (strcmp(f, "avg_base") == 0)
        p->formula = EPF_AVG_BASE;
    else if (f[0] != '\0' && strcmp(f, "low_base") != 0)
        return false;
    /* K as a fraction with up to four decimals: read as centi of percent */
    json_t *kv = json_object_get(o, "k");
    rd->field = "k";
    if (kv != NULL) {
        if (!json_is_number(kv))
            return false;
        double d = json_number_value(kv) * 10000.0;
        double r = nearbyint(d);
        if (!isfinite(d) || fabs(d - r) > 1e-6 || r < 8000 || r > 12000)
            return false;
        k = (int64_t)r;
    }
    if (!get_int(o, "trim_min", 0, EVAL_BIDDERS_MAX, 0, &trim, rd) || (trim > 0 && trim < 3))
        return false;
    if (!get_centi(o, "above", 0, EVAL_POINTS_MAX, 0, &p->above_centi, rd) ||
        !get_centi(o, "below", 0, EVAL_POINTS_MAX, 0, &p->below_centi, rd))
        return false;
    if (p->formula == EPF_LOW_BASE &&
        (kv != NULL || trim != 0 || p->above_centi != 0 || p->below_centi != 0)) {
        rd->field = "formula";
        return false;
    }
    p->k_bp = k;
    p->trim_min = (int)trim;
    return true;
}

static bool read_anomaly(json_t *o, struct eval_template *t, struct rd *rd)
{
    static const char *const known[] = {"mad_k", "min_gap"};
    int64_t gap = 0;
    t->anomaly.mad_k_centi = 350;
    t->anomaly.min_gap_bp = 1000;
    rd->field = "anomaly";
    if (o == NULL)
        return true;
    if (!json_is_object(o) || !keys_known(o, known, 2, rd) ||
        !get_centi(o, "mad_k", 100, 10000, 350, &t->anomaly.mad_k_centi, rd) ||
        !get_centi(o, "min_gap", 0, 100, 10, &gap, rd))
        return false;
    t->anomaly.min_gap_bp = gap * 100; /* a fraction in centi: 0.10 -> 10 -> 1000 bp */
    return true;
}

/* The rules across fields. */
static bool check_whole(struct eval_template *t, struct rd *rd)
{
    int nprice = 0;
    int64_t sum = 0;
    for (int i = 0; i < t->nitems; i++) {
        sum += t->items[i].points;
        nprice += t->items[i].kind == EK_PRICE;
    }
    rd->field = "items";
    if (t->method == EM_COMPREHENSIVE)
        return t->nitems > 0 && nprice == 1 && sum == EVAL_POINTS_MAX;
    /* the price methods rank by price: no scoring table, no formula */
    if (t->nitems != 0)
        return false;
    rd->field = "price";
    return t->price.formula == EPF_LOW_BASE;
}

static void write_canon(const struct eval_template *t, struct buf *out)
{
    struct jsonw w;
    char num[32];
    buf_reset(out);
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "format", EVAL_TEMPLATE_FMT);
    jsonw_kstr(&w, "method", eval_method_name(t->method));
    jsonw_key(&w, "qualification");
    jsonw_arr_begin(&w);
    for (int i = 0; i < t->ncrit; i++) {
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "code", t->crit[i].code);
        jsonw_kstr(&w, "name", t->crit[i].name);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "items");
    jsonw_arr_begin(&w);
    for (int i = 0; i < t->nitems; i++) {
        const struct eval_item *it = &t->items[i];
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "code", it->code);
        jsonw_kstr(&w, "name", it->name);
        jsonw_kstr(&w, "kind", kind_names[it->kind]);
        jsonw_key(&w, "points");
        eval_centi_str(it->points, num);
        jsonw_raw(&w, num, strlen(num));
        if (it->kind == EK_SUBJECTIVE) {
            jsonw_key(&w, "min");
            eval_centi_str(it->min, num);
            jsonw_raw(&w, num, strlen(num));
            jsonw_key(&w, "max");
            eval_centi_str(it->max, num);
            jsonw_raw(&w, num, strlen(num));
        }
        if (it->kind == EK_OBJECTIVE) {
            jsonw_kstr(&w, "field", it->field);
            jsonw_kstr(&w, "better", it->higher ? "higher" : "lower");
        }
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "price");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "formula", t->price.formula == EPF_AVG_BASE ? "avg_base" : "low_base");
    if (t->price.formula == EPF_AVG_BASE) {
        snprintf(num, sizeof num, "%lld.%04lld", (long long)(t->price.k_bp / 10000),
                 (long long)(t->price.k_bp % 10000));
        jsonw_key(&w, "k");
        jsonw_raw(&w, num, strlen(num));
        jsonw_kint(&w, "trim_min", t->price.trim_min);
        jsonw_key(&w, "above");
        eval_centi_str(t->price.above_centi, num);
        jsonw_raw(&w, num, strlen(num));
        jsonw_key(&w, "below");
        eval_centi_str(t->price.below_centi, num);
        jsonw_raw(&w, num, strlen(num));
    }
    jsonw_obj_end(&w);
    jsonw_kstr(&w, "aggregate", t->aggregate == EA_TRIMMED ? "trimmed_mean" : "mean");
    jsonw_kint(&w, "candidates", t->candidates);
    jsonw_key(&w, "anomaly");
    jsonw_obj_begin(&w);
    jsonw_key(&w, "mad_k");
    eval_centi_str(t->anomaly.mad_k_centi, num);
    jsonw_raw(&w, num, strlen(num));
    jsonw_key(&w, "min_gap");
    eval_centi_str(t->anomaly.min_gap_bp / 100, num);
    jsonw_raw(&w, num, strlen(num));
    jsonw_obj_end(&w);
    jsonw_obj_end(&w);
    (void)jsonw_finish(&w);
}

int eval_template_parse(const char *json, size_t len, struct eval_template *t, struct buf *canon,
                        const char **field)
{
    static const char *const known[] = {"format",     "method",  "qualification",
                                        "items",      "price",   "aggregate",
                                        "candidates", "anomaly", "name"};
    struct rd rd = {"template"};
    enum err e = ERR_OK;
    const char *msg = NULL;
    char s[32];
    int64_t cand = 0;
    int rc = EVAL_EINVAL;
    memset(t, 0, sizeof(*t));
    if (field != NULL)
        *field = "template";
    if (json == NULL || len == 0)
        return EVAL_EINVAL;
    if (len > EVAL_TEMPLATE_MAX)
        return EVAL_ETOOBIG;
    json_t *root = jsonr_parse(json, len, EVAL_TEMPLATE_MAX, 6, &e, &msg);
    if (root == NULL)
        return EVAL_EINVAL;
    if (!json_is_object(root) || !keys_known(root, known, 9, &rd))
        goto out;
    if (!get_str(root, "format", false, s, sizeof s - 1, &rd) ||
        (s[0] != '\0' && strcmp(s, EVAL_TEMPLATE_FMT) != 0))
        goto out;
    char name[EVAL_NAME_MAX + 1];
    if (!get_str(root, "name", false, name, EVAL_NAME_MAX, &rd))
        goto out;
    if (!get_str(root, "method", true, s, sizeof s - 1, &rd) || eval_method_parse(s) < 0)
        goto out;
    t->method = (enum eval_method)eval_method_parse(s);
    if (!read_criteria(json_object_get(root, "qualification"), t, &rd) ||
        !read_items(json_object_get(root, "items"), t, &rd) ||
        !read_price(json_object_get(root, "price"), t, &rd) ||
        !read_anomaly(json_object_get(root, "anomaly"), t, &rd))
        goto out;
    if (!get_str(root, "aggregate", false, s, sizeof s - 1, &rd))
        goto out;
    if (strcmp(s, "trimmed_mean") == 0)
        t->aggregate = EA_TRIMMED;
    else if (s[0] != '\0' && strcmp(s, "mean") != 0)
        goto out;
    if (!get_int(root, "candidates", 1, EVAL_CANDIDATES, EVAL_CANDIDATES, &cand, &rd))
        goto out;
    t->candidates = (int)cand;
    if (!check_whole(t, &rd))
        goto out;
    rc = EVAL_OK;
    if (canon != NULL)
        write_canon(t, canon);
out:
    json_decref(root);
    if (field != NULL)
        *field = rc == EVAL_OK ? NULL : rd.field;
    return rc;
}

/* ---- built-in templates ---- */

struct builtin {
    const char *name;
    const char *json;
};

static const struct builtin builtins[] = {
    /* works (工程): the average-based base price with K, deviation penalties */
    {"works_comprehensive",
     "{\"method\":\"comprehensive\","
     "\"qualification\":[{\"code\":\"Q1\",\"name\":\"营业执照与资质证书有效\"},"
     "{\"code\":\"Q2\",\"name\":\"投标函按要求签署盖章\"},"
     "{\"code\":\"Q3\",\"name\":\"项目经理资格符合要求\"},"
     "{\"code\":\"Q4\",\"name\":\"投标保证金按要求提交\"}],"
     "\"items\":["
     "{\"code\":\"T1\",\"name\":\"施工组织设计\",\"kind\":\"subjective\",\"points\":20,"
     "\"min\":8,\"max\":20},"
     "{\"code\":\"T2\",\"name\":\"质量安全保证措施\",\"kind\":\"subjective\",\"points\":10,"
     "\"min\":4,\"max\":10},"
     "{\"code\":\"T3\",\"name\":\"项目管理机构\",\"kind\":\"subjective\",\"points\":5},"
     "{\"code\":\"O1\",\"name\":\"工期\",\"kind\":\"objective\",\"points\":5,"
     "\"field\":\"duration_days\",\"better\":\"lower\"},"
     "{\"code\":\"P\",\"name\":\"投标报价\",\"kind\":\"price\",\"points\":60}],"
     "\"price\":{\"formula\":\"avg_base\",\"k\":0.97,\"trim_min\":7,\"above\":2,\"below\":1},"
     "\"aggregate\":\"trimmed_mean\",\"candidates\":3}"},
    /* goods and services (貨物, 服務): the lowest valid bid as the base */
    {"goods_comprehensive",
     "{\"method\":\"comprehensive\","
     "\"qualification\":[{\"code\":\"Q1\",\"name\":\"符合政府采购法第二十二条规定的条件\"},"
     "{\"code\":\"Q2\",\"name\":\"实质性响应招标文件\"}],"
     "\"items\":["
     "{\"code\":\"T1\",\"name\":\"技术参数响应\",\"kind\":\"subjective\",\"points\":40},"
     "{\"code\":\"T2\",\"name\":\"售后服务\",\"kind\":\"subjective\",\"points\":20},"
     "{\"code\":\"P\",\"name\":\"投标报价\",\"kind\":\"price\",\"points\":40}],"
     "\"price\":{\"formula\":\"low_base\"},\"aggregate\":\"mean\",\"candidates\":3}"},
    {"lowest_evaluated", "{\"method\":\"lowest_evaluated\","
                         "\"qualification\":[{\"code\":\"Q1\",\"name\":\"资格条件符合要求\"},"
                         "{\"code\":\"Q2\",\"name\":\"实质性响应招标文件\"}],\"candidates\":3}"},
    {"lowest_price",
     "{\"method\":\"lowest_price\","
     "\"qualification\":[{\"code\":\"Q1\",\"name\":\"资格条件符合要求\"}],\"candidates\":3}"},
};

const char *eval_template_builtin(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(name, builtins[i].name) == 0)
            return builtins[i].json;
    return NULL;
}
