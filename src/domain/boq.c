/*
 * domain/boq.c — the bills of quantities of a tender (domain/boq.h).
 *
 * The comparison reads, per opened bid, the priced BoQ blob noted in
 * boq_keys; a bid not read yet is read first (its envelope opened with the
 * kept K, boq_open.c) and the outcome written back in its own small
 * transaction, so a comparison after the first costs a few blob reads.
 * Reading an envelope happens outside any transaction (blobs live outside
 * them); two readers racing write the same outcome.
 *
 * Threads: any; no shared state.
 */
#include "domain/boq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/roles.h"
#include "crypto/envelope.h"
#include "domain/committee.h"
#include "domain/opening.h"
#include "ledger/ledger.h"
#include "store/boq.h"
#include "store/boq_version.h"

#define BOQ_NAME_MAX     255
#define BOQ_READ_THREADS 2 /* threads reading the bids' files of one comparison */

static bool lot_exists(struct store_tx *tx, struct arena *a, int64_t tender_id, int64_t lot_no,
                       int *rc)
{
    struct page lots;
    *rc = store_tender_lot_list(tx, a, tender_id, TENDER_LOTS_MAX, &lots);
    if (*rc != STORE_OK)
        return false;
    if (lots.n == 0)
        return lot_no == 1; /* no lots: the tender is lot 1 */
    for (int i = 0; i < lots.n; i++)
        if (((const struct tender_lot *)lots.items)[i].lot_no == lot_no)
            return true;
    return false;
}

static void refuse(struct boq_refusal *why, const struct boq_error *be)
{
    why->row = be->row;
    why->field = be->column;
    snprintf(why->msg, sizeof why->msg, "%s", be->msg);
}

/* ---- the tender's BoQ ---- */

struct upload_job {
    const struct tender_caller *c;
    int64_t tender_id, lot_no, lines;
    const char *name;
    const char *hash;
    int64_t version; /* out: the version it became */
    bool published;  /* out: the tender was published or bidding */
    struct arena a;
};

static enum err upload_tx(struct store_tx *tx, void *arg)
{
    struct upload_job *j = arg;
    struct tender t;
    struct tender_access acc;
    char detail[160];
    int rc = store_tender_get(tx, &j->a, j->tender_id, &t);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    enum err e = tender_access_check(tx, j->c, &t, &acc);
    if (e != ERR_OK)
        return e;
    if (!(j->c->roles & ROLE_AGENT))
        return ERR_FORBIDDEN;
    if (!acc.owner)
        return ERR_NOT_OWNER;
    if (strcmp(t.state, "draft") != 0 && strcmp(t.state, "published") != 0 &&
        strcmp(t.state, "bidding") != 0)
        return ERR_WRONG_STATE;
    if (!lot_exists(tx, &j->a, j->tender_id, j->lot_no, &rc))
        return rc != STORE_OK ? domain_store_err(rc) : ERR_NOT_FOUND;
    struct boq_tender_row row = {j->tender_id, j->lot_no,         j->name,       j->hash,
                                 j->lines,     j->c->who.user_id, clock_now_ms()};
    int st = tender_state_parse(t.state);
    j->published = st == TS_PUBLISHED || st == TS_BIDDING;
    rc = store_boq_tender_put(tx, &row);
    if (rc == STORE_OK)
        rc = store_boq_version_add(tx, &row, &j->version);
    snprintf(detail, sizeof detail,
             "{\"lot_no\":%lld,\"lines\":%lld,\"version\":%lld,\"sha256\":\"%s\"}",
             (long long)j->lot_no, (long long)j->lines, (long long)j->version, j->hash);
    if (rc == STORE_OK)
        rc = audit_record(tx, &j->c->who, "boq.tender", "tender", j->tender_id, detail);
    if (rc == STORE_OK) {
        struct ledger_event ev = {.type = "boq.tender",
                                  .subject_type = "tender",
                                  .subject_id = j->tender_id,
                                  .actor_id = j->c->who.user_id,
                                  .actor_name = j->c->who.name ? j->c->who.name : "system",
                                  .doc_hash = j->hash,
                                  .tender_id = j->tender_id};
        rc = ledger_append(tx, &ev);
    }
    return domain_store_err(rc);
}

struct notice_job {
    int64_t tender_id, lot_no, version, no;
};

static enum err notice_tx(struct store_tx *tx, void *arg)
{
    struct notice_job *j = arg;
    return domain_store_err(
        store_boq_version_notice(tx, j->tender_id, j->lot_no, j->version, j->no));
}

/* The change notice of a new BoQ version, in Chinese and English. */
static enum err send_notice(struct store *s, const struct tender_caller *c,
                            const struct upload_job *j, int64_t *no, struct tender_changes *ch,
                            struct boq_refusal *why)
{
    struct tender_refusal tw = {0};
    char body[1200];
    bool replaced = j->version > 1;
    snprintf(body, sizeof body,
             "工程量清单变更公告：第 %lld 标段的工程量清单%s第 %lld 版（文件 %s，%lld 项，"
             "SHA-256 %s）。此前已递交的投标按旧版本报价，请按新版本报价后重新递交。\n"
             "Change notice: the bill of quantities of lot %lld %s version %lld (file %s, "
             "%lld lines, SHA-256 %s). Bids submitted before this notice priced an earlier "
             "version; price the new one and submit again.",
             (long long)j->lot_no, replaced ? "已更换为" : "已发布为", (long long)j->version,
             j->name, (long long)j->lines, j->hash, (long long)j->lot_no,
             replaced ? "was replaced by" : "was issued as", (long long)j->version, j->name,
             (long long)j->lines, j->hash);
    enum err e = tender_clarify(s, c, j->tender_id, body, NULL, 0, 0, no, ch, &tw);
    if (e != ERR_OK) {
        why->field = tw.field;
        snprintf(why->msg, sizeof why->msg, "the change notice was refused%s%s",
                 tw.rule != NULL ? ": " : "", tw.rule != NULL ? tw.rule : "");
        return e;
    }
    struct notice_job nj = {j->tender_id, j->lot_no, j->version, *no};
    return domain_write(s, notice_tx, &nj);
}

enum err boq_tender_upload(struct store *s, const struct tender_caller *c, int64_t tender_id,
                           int64_t lot_no, const char *name, const void *data, size_t len,
                           struct boq_upload *out, struct tender_changes *ch,
                           struct boq_refusal *why)
{
    struct boq b;
    struct boq_error be = {0, NULL, ""};
    char hash[BLOB_HASH_HEX + 1];
    memset(why, 0, sizeof(*why));
    memset(out, 0, sizeof(*out));
    if (!(c->roles & ROLE_AGENT))
        return ERR_FORBIDDEN;
    if (lot_no < 1 || lot_no > TENDER_LOTS_MAX) {
        why->field = "lot_no";
        return ERR_INVALID_FIELD;
    }
    if (name == NULL || name[0] == '\0' || strlen(name) > BOQ_NAME_MAX ||
        !envelope_name_ok(name, strlen(name))) {
        why->field = "name";
        return ERR_INVALID_FIELD;
    }
    boq_init(&b);
    int rc = boq_read(&b, data, len, false, &be);
    int64_t n = (int64_t)b.n;
    boq_release(&b);
    if (rc == BOQ_ENOMEM)
        return ERR_INTERNAL;
    if (rc != BOQ_OK) {
        refuse(why, &be);
        return ERR_BOQ_INVALID;
    }
    if (n == 0) {
        snprintf(why->msg, sizeof why->msg, "the bill of quantities has no lines");
        return ERR_BOQ_INVALID;
    }
    rc = blob_put(s, data, len, hash);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    struct upload_job j = {c, tender_id, lot_no, n, name, hash, 0, false, {0}};
    arena_init(&j.a, 0);
    enum err e = domain_write(s, upload_tx, &j);
    if (e == ERR_OK) {
        out->lines = n;
        out->version = j.version;
    }
    /* The notice is its own transaction (tender_clarify owns it): the new
     * version is stored first, so a failed notice leaves the version
     * without one (notice_no NULL), which the comparison shows. */
    if (e == ERR_OK && j.published)
        e = send_notice(s, c, &j, &out->notice_no, ch, why);
    arena_release(&j.a);
    return e;
}

/* ---- the opening hook ---- */

struct key_job {
    int64_t tender_id, org_id, lot_no;
    char hex[2 * SUITE_KEY_LEN + 1];
};

static enum err key_tx(struct store_tx *tx, void *arg)
{
    struct key_job *j = arg;
    return domain_store_err(
        store_boq_key_put(tx, j->tender_id, j->org_id, j->lot_no, j->hex, clock_now_ms()));
}

enum err boq_key_keep(struct store *s, int64_t tender_id, int64_t org_id, int64_t lot_no,
                      const uint8_t key[SUITE_KEY_LEN])
{
    static const char digits[] = "0123456789abcdef";
    struct key_job j = {tender_id, org_id, lot_no, ""};
    for (int i = 0; i < SUITE_KEY_LEN; i++) {
        j.hex[2 * i] = digits[key[i] >> 4];
        j.hex[2 * i + 1] = digits[key[i] & 15];
    }
    j.hex[2 * SUITE_KEY_LEN] = '\0';
    enum err e = domain_write(s, key_tx, &j);
    memset(j.hex, 0, sizeof j.hex);
    return e;
}

/* ---- the comparison ---- */

static int unhex(const char *s, uint8_t out[SUITE_KEY_LEN])
{
    if (s == NULL || strlen(s) != 2 * SUITE_KEY_LEN)
        return -1;
    for (int i = 0; i < 2 * SUITE_KEY_LEN; i++) {
        char ch = s[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        if (i % 2 == 0)
            out[i / 2] = (uint8_t)(v << 4);
        else
            out[i / 2] |= (uint8_t)v;
    }
    return 0;
}

struct read_job {
    int64_t bid_id;
    const char *status, *name, *hash, *reason;
};

static enum err read_tx(struct store_tx *tx, void *arg)
{
    struct read_job *j = arg;
    return domain_store_err(
        store_boq_key_read(tx, j->bid_id, j->status, j->name, j->hash, j->reason, clock_now_ms()));
}

/* Opens one bid's envelope with its K and notes its priced BoQ. */
static enum err read_envelope(struct store *s, struct arena *a, struct boq_bid_row *b)
{
    struct buf env, name, file;
    struct seal_error se = {SEAL_OK, ""};
    uint8_t key[SUITE_KEY_LEN];
    char hash[BLOB_HASH_HEX + 1];
    struct read_job j = {b->bid_id, "absent", NULL, NULL, NULL};
    enum err e = ERR_OK;
    if (unhex(b->key, key) != 0)
        return ERR_INTERNAL;
    buf_init(&env, OPENING_ENVELOPE_MAX);
    buf_init(&name, BOQ_NAME_MAX + 1);
    buf_init(&file, BOQ_FILE_MAX);
    int rc = blob_get(s, b->env_hash, &env);
    if (rc == STORE_UNAVAILABLE || rc == STORE_BUSY) {
        e = domain_store_err(rc);
        goto out;
    }
    int orc = SEAL_OK;
    if (rc == STORE_OK)
        orc = boq_envelope_file(env.data, env.len, key, &name, &file, &se);
    if (rc != STORE_OK) {
        j.status = "invalid";
        j.reason = "the platform cannot read the stored envelope";
    } else if (orc != SEAL_OK) {
        j.status = "invalid";
        j.reason =
            arena_printf(a, "the envelope does not open with the kept key: %s", seal_err_code(orc));
    } else if (file.len > 0) {
        struct boq bq;
        struct boq_error be = {0, NULL, ""};
        boq_init(&bq);
        rc = boq_read(&bq, file.data, file.len, true, &be);
        boq_release(&bq);
        j.name = arena_strndup(a, name.data, name.len);
        if (rc != BOQ_OK) {
            j.status = "invalid";
            j.reason =
                be.row ? arena_printf(a, "row %zu: %s", be.row, be.msg) : arena_strdup(a, be.msg);
        } else {
            rc = blob_put(s, file.data, file.len, hash);
            if (rc != STORE_OK) {
                e = domain_store_err(rc);
                goto out;
            }
            j.status = "found";
            j.hash = arena_strdup(a, hash);
        }
    }
    e = domain_write(s, read_tx, &j);
    if (e == ERR_OK) {
        b->boq_status = j.status;
        b->boq_name = j.name;
        b->boq_hash = j.hash;
        b->boq_reason = j.reason;
    }
out:
    memset(key, 0, sizeof key);
    buf_release(&env);
    buf_release(&name);
    buf_release(&file);
    return e;
}

enum err boq_reader_check(struct store_tx *tx, struct arena *a, const struct tender_caller *c,
                          const struct tender *t)
{
    struct tender_access acc;
    enum err e = tender_access_check(tx, c, t, &acc);
    if (e != ERR_OK)
        return e;
    if (acc.supervisor || c->system || (acc.owner && (c->roles & ROLE_AGENT)))
        return ERR_OK;
    struct committee_view v;
    e = committee_view(tx, a, c, t, &v);
    if (e == ERR_OK && v.member)
        return ERR_OK;
    return ERR_NOT_COMMITTEE_MEMBER;
}

static bool opening_done(const char *state)
{
    int st = tender_state_parse(state);
    return st > TS_OPENING && st != TS_CANCELLED && st != TS_FAILED;
}

enum err boq_comparison_view(struct store *s, const struct tender_caller *c, int64_t tender_id,
                             int64_t lot_no, const struct boq_config *cfg, bool xlsx,
                             struct buf *out)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct boq_tender_row tr;
    struct page bids = {0}, vers = {0};
    int64_t *submitted = NULL; /* [bid]: bids.submitted_ms */
    struct boq tender;
    struct boq *bq = NULL;
    const struct boq **ptr = NULL;
    const char **names = NULL;
    struct buf *files = NULL;    /* [bid]: its priced BoQ's bytes */
    struct boq_input *in = NULL; /* [bid]: the same for boq_read_many */
    int *rcs = NULL;             /* [bid]: what reading gave */
    struct buf data;
    struct boq_comparison cmp;
    bool have_cmp = false;
    int nb = 0;
    enum err e;
    arena_init(&a, 0);
    boq_init(&tender);
    buf_init(&data, BOQ_FILE_MAX);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    rc = store_tender_get(tx, &a, tender_id, &t);
    e = domain_store_err(rc);
    if (e == ERR_OK)
        e = boq_reader_check(tx, &a, c, &t);
    if (e == ERR_OK && !opening_done(t.state))
        e = ERR_WRONG_STATE;
    if (e == ERR_OK) {
        rc = store_boq_tender_get(tx, &a, tender_id, lot_no, &tr);
        e = rc == STORE_NOTFOUND ? ERR_BOQ_TENDER_MISSING : domain_store_err(rc);
    }
    if (e == ERR_OK)
        e = domain_store_err(store_boq_bids(tx, &a, tender_id, lot_no, OPENING_BIDS_MAX, &bids));
    if (e == ERR_OK)
        e = domain_store_err(store_boq_versions(tx, &a, tender_id, lot_no, &vers));
    if (e == ERR_OK) {
        submitted = arena_calloc(&a, sizeof(*submitted) * (size_t)(bids.n > 0 ? bids.n : 1));
        e = submitted != NULL ? ERR_OK : ERR_INTERNAL;
    }
    for (int i = 0; e == ERR_OK && i < bids.n; i++)
        e = domain_store_err(store_boq_bid_submitted(
            tx, ((const struct boq_bid_row *)bids.items)[i].bid_id, &submitted[i]));
    store_rollback(tx);
    if (e != ERR_OK)
        goto out;
    rc = blob_get(s, tr.blob_hash, &data);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    struct boq_error be;
    rc = boq_read(&tender, data.data, data.len, false, &be);
    if (rc != BOQ_OK) {
        e = ERR_INTERNAL; /* it was read at upload */
        goto out;
    }
    bq = calloc((size_t)bids.n + 1, sizeof(*bq));
    ptr = calloc((size_t)bids.n + 1, sizeof(*ptr));
    names = calloc((size_t)bids.n + 1, sizeof(*names));
    files = calloc((size_t)bids.n + 1, sizeof(*files));
    in = calloc((size_t)bids.n + 1, sizeof(*in));
    rcs = calloc((size_t)bids.n + 1, sizeof(*rcs));
    if (bq == NULL || ptr == NULL || names == NULL || files == NULL || in == NULL || rcs == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    struct boq_bid_row *rows = bids.items;
    for (int i = 0; i < bids.n; i++) {
        struct boq_bid_row *b = &rows[i];
        if (b->key != NULL && b->boq_status == NULL) {
            e = read_envelope(s, &a, b);
            if (e != ERR_OK)
                goto out;
        }
        if (b->boq_status == NULL || strcmp(b->boq_status, "found") != 0)
            continue;
        buf_init(&files[nb], BOQ_FILE_MAX);
        boq_init(&bq[nb]);
        ptr[nb] = &bq[nb];
        names[nb] = b->org_name;
        nb++;
        rc = blob_get(s, b->boq_hash, &files[nb - 1]);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            goto out;
        }
        in[nb - 1] = (struct boq_input){files[nb - 1].data, files[nb - 1].len, true};
    }
    /* the bids' files on two threads (boq_read_many): a comparison of 30
     * bids reads 30 files, the larger part of its time */
    if (boq_read_many(bq, in, (size_t)nb, BOQ_READ_THREADS, rcs, NULL) != BOQ_OK) {
        e = ERR_INTERNAL; /* each was read when it was taken from its envelope */
        goto out;
    }
    if (boq_compare(&cmp, &tender, ptr, nb, cfg) != BOQ_OK) {
        e = ERR_INTERNAL;
        goto out;
    }
    have_cmp = true;
    if (xlsx) {
        e = boq_comparison_xlsx(&cmp, names, out) == SHEET_OK ? ERR_OK : ERR_INTERNAL;
        goto out;
    }
    struct buf cj;
    buf_init(&cj, (size_t)256 << 20);
    if (boq_comparison_json(&cmp, names, tender.n <= 2000 ? tender.n : 0, &cj) != 0) {
        buf_release(&cj);
        e = ERR_INTERNAL;
        goto out;
    }
    struct jsonw w;
    jsonw_init(&w, out);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", tender_id);
    jsonw_kint(&w, "lot_no", lot_no);
    jsonw_key(&w, "tender_boq");
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "name", tr.name);
    jsonw_kstr(&w, "sha256", tr.blob_hash);
    jsonw_kint(&w, "lines", tr.lines);
    jsonw_kint(&w, "uploaded_ms", tr.uploaded_ms);
    const struct boq_version_row *vr = vers.items;
    int64_t current = vers.n > 0 ? vr[vers.n - 1].version : 0;
    jsonw_kint(&w, "version", current);
    jsonw_key(&w, "versions");
    jsonw_arr_begin(&w);
    for (int i = 0; i < vers.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "version", vr[i].version);
        jsonw_kstr(&w, "name", vr[i].name);
        jsonw_kstr(&w, "sha256", vr[i].hash);
        jsonw_kint(&w, "lines", vr[i].lines);
        jsonw_kint(&w, "uploaded_ms", vr[i].uploaded_ms);
        if (vr[i].notice_no > 0)
            jsonw_kint(&w, "notice_no", vr[i].notice_no);
        else
            jsonw_kstr(&w, "notice_no", NULL);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    jsonw_key(&w, "bids");
    jsonw_arr_begin(&w);
    for (int i = 0, k = 0; i < bids.n; i++) {
        const struct boq_bid_row *b = &rows[i];
        bool found = b->boq_status != NULL && strcmp(b->boq_status, "found") == 0;
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "org_id", b->org_id);
        jsonw_kstr(&w, "org_name", b->org_name);
        jsonw_kstr(&w, "boq", b->key == NULL ? "no_key" : b->boq_status);
        jsonw_kstr(&w, "file", b->boq_name);
        jsonw_kstr(&w, "sha256", b->boq_hash);
        jsonw_kstr(&w, "reason", b->boq_reason);
        /* the version it priced: the newest uploaded before it was submitted */
        int64_t priced = 0;
        for (int v = 0; v < vers.n; v++)
            if (vr[v].uploaded_ms <= submitted[i])
                priced = vr[v].version;
        if (priced > 0)
            jsonw_kint(&w, "boq_version", priced);
        else
            jsonw_kstr(&w, "boq_version", NULL);
        jsonw_kbool(&w, "outdated", priced < current);
        if (found)
            jsonw_kint(&w, "index", k++);
        else
            jsonw_kstr(&w, "index", NULL);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "comparison");
    jsonw_raw(&w, cj.data, cj.len);
    jsonw_obj_end(&w);
    buf_release(&cj);
    if (jsonw_finish(&w) != 0)
        e = ERR_INTERNAL;
out:
    if (have_cmp)
        boq_comparison_release(&cmp);
    for (int i = 0; bq != NULL && i < nb; i++) {
        boq_release(&bq[i]);
        buf_release(&files[i]);
    }
    free(bq);
    free(files);
    free(in);
    free(rcs);
    free(ptr);
    free(names);
    boq_release(&tender);
    buf_release(&data);
    arena_release(&a);
    return e;
}
