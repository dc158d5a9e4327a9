/*
 * redflags_out.c — the results as Cardinal's `indicators` command prints
 * them (redflags.h, docs/redflags.md "Output"):
 *
 *   {"OCID":{"ocds-1":{"R003":1.0,"R024":0.01}},
 *    "Buyer":{...},"ProcuringEntity":{...},"Tenderer":{"T1":{"R024":0.0}},
 *    "Meta":{"R024":{"q1":0.05,"q3":0.07,"lower_fence":0.02}},
 *    "Maps":{"ocid_buyer_r038":{},...,"ocid_tenderer_r058":{}}}
 *
 * A group appears only when it has a result. Groups come in the order above,
 * identifiers in the order they were first flagged (fold results in file
 * order, then the fence results), indicators in code order. Cardinal's own
 * key order inside groups comes from hash maps and varies from run to run;
 * a JSON object's order carries no meaning. Meta values are rounded to 4
 * decimals as Cardinal rounds them. Strings are escaped as serde_json
 * escapes them (quote, backslash and control characters only).
 */
#include "analytics/redflags_internal.h"

#include <math.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

static int put_str(struct buf *b, const char *s, size_t n)
{
    int rc = buf_putc(b, '"');
    size_t run = 0; /* bytes copied as they are, pending */
    for (size_t i = 0; i < n && rc == BUF_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            if (c < 0x20) {
                u[0] = '\\';
                u[1] = 'u';
                u[2] = '0';
                u[3] = '0';
                u[4] = hexdig[c >> 4];
                u[5] = hexdig[c & 15];
                u[6] = '\0';
                esc = u;
            }
        }
        if (esc == NULL) {
            run++;
            continue;
        }
        if (run > 0)
            rc = buf_append(b, s + i - run, run);
        run = 0;
        if (rc == BUF_OK)
            rc = buf_puts(b, esc);
    }
    if (rc == BUF_OK && run > 0)
        rc = buf_append(b, s + n - run, run);
    if (rc == BUF_OK)
        rc = buf_putc(b, '"');
    return rc;
}

static int put_id(struct buf *b, const struct redflags *rf, uint32_t id)
{
    return put_str(b, rf->strs.str[id], rf->strs.len[id]);
}

static int put_num(struct buf *b, double v)
{
    char tmp[32];
    redflags_format_double(v, tmp);
    return buf_puts(b, tmp);
}

static int put_key(struct buf *b, bool *first, const char *key)
{
    int rc = *first ? BUF_OK : buf_putc(b, ',');
    *first = false;
    if (rc == BUF_OK)
        rc = put_str(b, key, strlen(key));
    if (rc == BUF_OK)
        rc = buf_putc(b, ':');
    return rc;
}

static int write_group(struct buf *b, const struct redflags *rf, enum redflags_group g)
{
    const struct rf_keyed *k = &rf->groups[g];
    int rc = buf_putc(b, '{');
    for (size_t i = 0; i < k->items.n && rc == BUF_OK; i++) {
        const struct rf_row *row = &KEYED_AT(*k, struct rf_row, i);
        if (i > 0)
            rc = buf_putc(b, ',');
        if (rc == BUF_OK)
            rc = put_id(b, rf, row->id);
        if (rc == BUF_OK)
            rc = buf_putc(b, ':');
        bool first = true;
        if (rc == BUF_OK)
            rc = buf_putc(b, '{');
        for (int ind = 0; ind < RF__COUNT && rc == BUF_OK; ind++) {
            if (!(row->mask & (1u << ind)))
                continue;
            rc = put_key(b, &first, redflags_indicator_name((enum redflags_indicator)ind));
            if (rc == BUF_OK)
                rc = put_num(b, row->v[ind]);
        }
        if (rc == BUF_OK)
            rc = buf_putc(b, '}');
    }
    if (rc == BUF_OK)
        rc = buf_putc(b, '}');
    return rc;
}

static int write_meta(struct buf *b, const struct redflags *rf)
{
    bool first = true;
    int rc = buf_putc(b, '{');
    for (int ind = 0; ind < RF__COUNT && rc == BUF_OK; ind++) {
        const struct rf_meta *m = &rf->meta[ind];
        if (m->n == 0)
            continue;
        rc = put_key(b, &first, redflags_indicator_name((enum redflags_indicator)ind));
        bool f2 = true;
        if (rc == BUF_OK)
            rc = buf_putc(b, '{');
        for (size_t j = 0; j < m->n && rc == BUF_OK; j++) {
            rc = put_key(b, &f2, m->key[j]);
            if (rc == BUF_OK)
                rc = put_num(b, round(m->val[j] * 10000.0) / 10000.0);
        }
        if (rc == BUF_OK)
            rc = buf_putc(b, '}');
    }
    if (rc == BUF_OK)
        rc = buf_putc(b, '}');
    return rc;
}

static int write_one(struct buf *b, const struct redflags *rf, const struct rf_keyed *k)
{
    int rc = buf_putc(b, '{');
    for (size_t i = 0; i < k->items.n && rc == BUF_OK; i++) {
        struct rf_onekv kv = KEYED_AT(*k, struct rf_onekv, i);
        if (i > 0)
            rc = buf_putc(b, ',');
        if (rc == BUF_OK)
            rc = put_id(b, rf, kv.ocid);
        if (rc == BUF_OK)
            rc = buf_putc(b, ':');
        if (rc == BUF_OK)
            rc = put_id(b, rf, kv.id);
    }
    if (rc == BUF_OK)
        rc = buf_putc(b, '}');
    return rc;
}

static int write_set(struct buf *b, const struct redflags *rf, const struct rf_setmap *sm)
{
    int rc = buf_putc(b, '{');
    for (size_t i = 0; i < sm->keys.items.n && rc == BUF_OK; i++) {
        struct rf_setkey k = KEYED_AT(sm->keys, struct rf_setkey, i);
        if (i > 0)
            rc = buf_putc(b, ',');
        if (rc == BUF_OK)
            rc = put_id(b, rf, k.ocid);
        if (rc == BUF_OK)
            rc = buf_puts(b, ":[");
        for (uint32_t e = k.head; e != RF_NO_ID && rc == BUF_OK;) {
            struct rf_setel el = VEC_AT(sm->els, struct rf_setel, e);
            rc = put_id(b, rf, el.id);
            e = el.next;
            if (e != RF_NO_ID && rc == BUF_OK)
                rc = buf_putc(b, ',');
        }
        if (rc == BUF_OK)
            rc = buf_putc(b, ']');
    }
    if (rc == BUF_OK)
        rc = buf_putc(b, '}');
    return rc;
}

static int write_maps(struct buf *b, const struct redflags *rf)
{
    static const struct {
        const char *name;
        int set;
    } sets[] = {{"ocid_tenderer", RF_MAP_TENDERER},  {"ocid_tenderer_r024", RF_MAP_R024},
                {"ocid_tenderer_r028", RF_MAP_R028}, {"ocid_tenderer_r030", RF_MAP_R030},
                {"ocid_tenderer_r035", RF_MAP_R035}, {"ocid_tenderer_r058", RF_MAP_R058}};
    bool first = true;
    int rc = buf_putc(b, '{');
    if (rc == BUF_OK)
        rc = put_key(b, &first, "ocid_buyer_r038");
    if (rc == BUF_OK)
        rc = write_one(b, rf, &rf->ocid_buyer);
    if (rc == BUF_OK)
        rc = put_key(b, &first, "ocid_procuringentity_r038");
    if (rc == BUF_OK)
        rc = write_one(b, rf, &rf->ocid_pe);
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]) && rc == BUF_OK; i++) {
        rc = put_key(b, &first, sets[i].name);
        if (rc == BUF_OK)
            rc = write_set(b, rf, &rf->sets[sets[i].set]);
    }
    if (rc == BUF_OK)
        rc = buf_putc(b, '}');
    return rc;
}

int redflags_write(struct redflags *rf, struct buf *out, unsigned flags)
{
    bool first = true;
    int rc = buf_putc(out, '{');
    for (int g = 0; g < RF_GROUP__COUNT && rc == BUF_OK; g++) {
        if (rf->groups[g].items.n == 0)
            continue;
        rc = put_key(out, &first, redflags_group_name((enum redflags_group)g));
        if (rc == BUF_OK)
            rc = write_group(out, rf, (enum redflags_group)g);
    }
    if (rc == BUF_OK && (flags & REDFLAGS_OUT_META)) {
        rc = put_key(out, &first, "Meta");
        if (rc == BUF_OK)
            rc = write_meta(out, rf);
    }
    if (rc == BUF_OK && (flags & REDFLAGS_OUT_MAPS) && rf->map) {
        rc = put_key(out, &first, "Maps");
        if (rc == BUF_OK)
            rc = write_maps(out, rf);
    }
    if (rc == BUF_OK)
        rc = buf_putc(out, '}');
    return rc;
}
