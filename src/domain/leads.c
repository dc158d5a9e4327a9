/*
 * domain/leads.c — supervisors' leads and the evidence package (leads.h).
 *
 * Owns: the lead state machine and the ZIP writer of the package.
 * Invariants: a step reads the lead in its own write transaction and
 * writes with the version it read (store_lead_update refuses a stale
 * writer, so two supervisors racing cannot both transfer); a file's blob
 * is stored before the row that names it (a crash leaves an unreferenced
 * blob, never a row without bytes); evidence rows are append-only.
 * Threads: any.
 */
#include "domain/leads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "crypto/suite.h"
#include "domain/risk.h"
#include "ledger/cert.h"
#include "ledger/ledger.h"
#include "store/bids.h"
#include "store/opening.h"
#include "store/risk.h"
#include "store/tender.h"

static void hex32(const uint8_t *p, char out[65])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[64] = '\0';
}

/* Valid UTF-8 without control characters other than tab and line breaks
 * (when multiline), of 1..max bytes (0..max when optional). */
static bool text_ok(const char *s, size_t max, bool multiline, bool optional)
{
    if (s == NULL || *s == '\0')
        return optional;
    size_t n = strlen(s);
    if (n > max)
        return false;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
            return false;
        if (c == 0x7f)
            return false;
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if (((unsigned char)s[i + k] >> 6) != 2)
                return false;
        i += len;
    }
    return true;
}

static bool date_ok(const char *s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

static int log_event(struct store_tx *tx, const struct actor *who, const char *type, int64_t lead,
                     int64_t tender, const char *doc_hash)
{
    struct ledger_event ev = {
        type, "lead", lead, who->user_id, who->name ? who->name : "system", doc_hash, tender};
    return ledger_append(tx, &ev);
}

/* ---- open ---- */

struct open_job {
    const struct actor *who;
    int64_t tender_id;
    const char *title, *source;
    int64_t id; /* out */
};

static enum err open_tx(struct store_tx *tx, void *arg)
{
    struct open_job *j = arg;
    struct arena a;
    struct tender t;
    struct risk_row risk;
    struct lead l = {0};
    char detail[256], hex[65];
    uint8_t md[32];
    enum err e = ERR_OK;
    arena_init(&a, (size_t)8 << 20);
    int rc = store_tender_get(tx, &a, j->tender_id, &t);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    int64_t now = clock_now_ms();
    l.tender_id = j->tender_id;
    l.title = j->title;
    l.source = j->source;
    l.status = "open";
    l.opened_by = j->who->user_id;
    l.opened_ms = now;
    l.updated_ms = now;
    rc = store_lead_insert(tx, &l, &j->id);
    if (rc == STORE_OK)
        rc = log_event(tx, j->who, "lead.open", j->id, j->tender_id, NULL);
    if (rc == STORE_OK) {
        snprintf(detail, sizeof detail, "{\"tender_id\":%lld,\"source\":\"%s\"}",
                 (long long)j->tender_id, j->source);
        rc = audit_record(tx, j->who, "lead.open", "lead", j->id, detail);
    }
    /* the flags as they are now, when the tender has been assessed */
    if (rc == STORE_OK) {
        int r2 = store_risk_get(tx, &a, j->tender_id, &risk);
        if (r2 == STORE_OK) {
            struct lead_evidence ev = {0};
            int64_t eid;
            suite_sha256(risk.flags, strlen(risk.flags), md);
            hex32(md, hex);
            ev.lead_id = j->id;
            ev.kind = "flags";
            ev.body = risk.flags;
            ev.sha256 = hex;
            ev.size = (int64_t)strlen(risk.flags);
            ev.added_by = j->who->user_id;
            ev.added_ms = now;
            rc = store_lead_evidence_insert(tx, &ev, &eid);
            if (rc == STORE_OK)
                rc = log_event(tx, j->who, "lead.evidence", j->id, j->tender_id, hex);
            if (rc == STORE_OK) {
                snprintf(detail, sizeof detail,
                         "{\"evidence_id\":%lld,\"kind\":\"flags\",\"sha256\":\"%s\"}",
                         (long long)eid, hex);
                rc = audit_record(tx, j->who, "lead.evidence", "lead", j->id, detail);
            }
        } else if (r2 != STORE_NOTFOUND) {
            rc = r2;
        }
    }
    if (rc != STORE_OK)
        e = domain_store_err(rc);
out:
    arena_release(&a);
    return e;
}

enum err lead_open(struct store *s, const struct actor *who, int64_t tender_id, const char *title,
                   const char *source, int64_t *id, const char **field)
{
    *field = NULL;
    if (tender_id <= 0) {
        *field = "tender_id";
        return ERR_INVALID_FIELD;
    }
    if (!text_ok(title, LEAD_TITLE_MAX, false, false)) {
        *field = "title";
        return title == NULL || *title == '\0' ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    }
    if (source == NULL)
        source = "manual";
    if (strcmp(source, "manual") != 0 && strcmp(source, "warning") != 0) {
        *field = "source";
        return ERR_INVALID_FIELD;
    }
    struct open_job j = {who, tender_id, title, source, 0};
    enum err e = domain_write(s, open_tx, &j);
    if (e == ERR_NOT_FOUND)
        *field = "tender_id";
    if (e == ERR_OK)
        *id = j.id;
    return e;
}

/* ---- evidence ---- */

struct attach_job {
    const struct actor *who;
    int64_t lead_id;
    const char *kind, *text, *name, *media_type;
    const char *sha256; /* a file's, computed and stored before */
    int64_t size;
    int64_t id; /* out */
};

static enum err attach_tx(struct store_tx *tx, void *arg)
{
    struct attach_job *j = arg;
    struct arena a;
    struct lead l;
    struct risk_row risk;
    struct lead_evidence ev = {0};
    char hex[65], detail[320];
    uint8_t md[32];
    enum err e = ERR_OK;
    arena_init(&a, (size_t)8 << 20);
    int rc = store_lead_get(tx, &a, j->lead_id, &l);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    if (strcmp(l.status, "closed") == 0) {
        e = ERR_LEAD_CLOSED;
        goto out;
    }
    ev.lead_id = j->lead_id;
    ev.kind = j->kind;
    ev.added_by = j->who->user_id;
    ev.added_ms = clock_now_ms();
    if (strcmp(j->kind, "file") == 0) {
        ev.name = j->name;
        ev.media_type = j->media_type;
        ev.sha256 = j->sha256;
        ev.size = j->size;
    } else {
        const char *body = j->text;
        if (strcmp(j->kind, "flags") == 0) {
            rc = store_risk_get(tx, &a, l.tender_id, &risk);
            if (rc != STORE_OK) {
                e = domain_store_err(rc); /* not assessed yet: not found */
                goto out;
            }
            body = risk.flags;
        }
        suite_sha256(body, strlen(body), md);
        hex32(md, hex);
        ev.body = body;
        ev.sha256 = hex;
        ev.size = (int64_t)strlen(body);
    }
    rc = store_lead_evidence_insert(tx, &ev, &j->id);
    if (rc == STORE_OK)
        rc = log_event(tx, j->who, "lead.evidence", j->lead_id, l.tender_id, ev.sha256);
    if (rc == STORE_OK) {
        snprintf(detail, sizeof detail,
                 "{\"evidence_id\":%lld,\"kind\":\"%s\",\"sha256\":\"%s\",\"size\":%lld}",
                 (long long)j->id, j->kind, ev.sha256, (long long)ev.size);
        rc = audit_record(tx, j->who, "lead.evidence", "lead", j->lead_id, detail);
    }
    if (rc != STORE_OK)
        e = domain_store_err(rc);
out:
    arena_release(&a);
    return e;
}

/* A file name as it may appear in the package: no path, no controls. */
static bool name_ok(const char *s)
{
    if (!text_ok(s, 255, false, false) || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    return strpbrk(s, "/\\:*?\"<>|") == NULL;
}

enum err lead_attach(struct store *s, const struct actor *who, int64_t lead_id, const char *kind,
                     const char *text, const char *name, const char *media_type, const void *data,
                     size_t len, int64_t *evidence_id, const char **field)
{
    struct attach_job j = {who, lead_id, kind, text, name, media_type, NULL, 0, 0};
    char hash[BLOB_HASH_HEX + 1];
    *field = NULL;
    if (kind == NULL ||
        (strcmp(kind, "note") != 0 && strcmp(kind, "file") != 0 && strcmp(kind, "flags") != 0)) {
        *field = "kind";
        return ERR_INVALID_FIELD;
    }
    if (strcmp(kind, "note") == 0 && !text_ok(text, LEAD_TEXT_MAX, true, false)) {
        *field = "text";
        return text == NULL || *text == '\0' ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    }
    if (strcmp(kind, "file") == 0) {
        if (!name_ok(name)) {
            *field = "name";
            return ERR_INVALID_FIELD;
        }
        if (!text_ok(media_type, 200, false, true)) {
            *field = "media_type";
            return ERR_INVALID_FIELD;
        }
        if (len == 0 || data == NULL) {
            *field = "file";
            return ERR_MISSING_FIELD;
        }
        if (len > LEAD_FILE_MAX)
            return ERR_BODY_TOO_LARGE;
        int rc = blob_put(s, data, len, hash);
        if (rc != STORE_OK)
            return domain_store_err(rc);
        j.sha256 = hash;
        j.size = (int64_t)len;
    }
    enum err e = domain_write(s, attach_tx, &j);
    if (e == ERR_OK)
        *evidence_id = j.id;
    return e;
}

/* ---- transfer and close ---- */

struct step_job {
    const struct actor *who;
    int64_t lead_id;
    bool close;
    const char *to, *on, *note, *reason;
};

static enum err step_tx(struct store_tx *tx, void *arg)
{
    struct step_job *j = arg;
    struct arena a;
    struct lead l;
    enum err e = ERR_OK;
    struct buf detail;
    arena_init(&a, (size_t)1 << 20);
    buf_init(&detail, 64 * 1024);
    int rc = store_lead_get(tx, &a, j->lead_id, &l);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    if (strcmp(l.status, "closed") == 0) {
        e = ERR_LEAD_CLOSED;
        goto out;
    }
    int64_t now = clock_now_ms();
    struct jsonw w;
    jsonw_init(&w, &detail);
    jsonw_obj_begin(&w);
    if (j->close) {
        l.status = "closed";
        l.close_reason = j->reason;
        l.closed_by = j->who->user_id;
        l.closed_ms = now;
        jsonw_kstr(&w, "reason", j->reason);
    } else {
        if (strcmp(l.status, "transferred") == 0) {
            e = ERR_LEAD_TRANSFERRED;
            goto out;
        }
        l.status = "transferred";
        l.transferred_to = j->to;
        l.transferred_on = j->on;
        l.transfer_note = j->note;
        l.transferred_by = j->who->user_id;
        l.transferred_ms = now;
        jsonw_kstr(&w, "to", j->to);
        jsonw_kstr(&w, "on", j->on);
        jsonw_kstr(&w, "note", j->note);
    }
    jsonw_obj_end(&w);
    if (jsonw_finish(&w) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    l.updated_ms = now;
    l.version++;
    rc = store_lead_update(tx, &l);
    if (rc == STORE_NOTFOUND)
        rc = STORE_BUSY; /* changed under us: retry */
    const char *ev = j->close ? "lead.close" : "lead.transfer";
    if (rc == STORE_OK)
        rc = log_event(tx, j->who, ev, l.id, l.tender_id, NULL);
    if (rc == STORE_OK)
        rc = audit_record(tx, j->who, ev, "lead", l.id, detail.data);
    if (rc != STORE_OK)
        e = domain_store_err(rc);
out:
    buf_release(&detail);
    arena_release(&a);
    return e;
}

enum err lead_transfer(struct store *s, const struct actor *who, int64_t lead_id, const char *to,
                       const char *on, const char *note, const char **field)
{
    *field = NULL;
    if (!text_ok(to, LEAD_BODY_MAX, false, false)) {
        *field = "to";
        return to == NULL || *to == '\0' ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    }
    if (!date_ok(on)) {
        *field = "on";
        return on == NULL ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    }
    if (!text_ok(note, LEAD_TEXT_MAX, true, true)) {
        *field = "note";
        return ERR_INVALID_FIELD;
    }
    struct step_job j = {who, lead_id, false, to, on, note, NULL};
    return domain_write(s, step_tx, &j);
}

enum err lead_close(struct store *s, const struct actor *who, int64_t lead_id, const char *reason,
                    const char **field)
{
    *field = NULL;
    if (!text_ok(reason, LEAD_TEXT_MAX, true, false)) {
        *field = "reason";
        return reason == NULL || *reason == '\0' ? ERR_MISSING_FIELD : ERR_INVALID_FIELD;
    }
    struct step_job j = {who, lead_id, true, NULL, NULL, NULL, reason};
    return domain_write(s, step_tx, &j);
}

/* ---- the package ---- */

#define PKG_MAX_FILES (LEAD_FILES_MAX + 8)

struct pkg_file {
    char path[320];
    void *data; /* heap, owned */
    size_t len;
    char sha256[65];
};

struct pkg {
    struct pkg_file f[PKG_MAX_FILES];
    size_t n;
    size_t total; /* bytes so far, against LEAD_PACKAGE_MAX */
};

static void pkg_release(struct pkg *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->f[i].data);
    p->n = 0;
}

/* Adds a file; takes ownership of data (freed on failure too). */
static enum err pkg_add(struct pkg *p, const char *path, void *data, size_t len)
{
    uint8_t md[32];
    if (p->n == PKG_MAX_FILES || p->total + len > LEAD_PACKAGE_MAX) {
        free(data);
        return ERR_BODY_TOO_LARGE;
    }
    struct pkg_file *f = &p->f[p->n];
    snprintf(f->path, sizeof f->path, "%s", path);
    f->data = data;
    f->len = len;
    suite_sha256(data, len, md);
    hex32(md, f->sha256);
    p->n++;
    p->total += len;
    return ERR_OK;
}

static enum err pkg_add_buf(struct pkg *p, const char *path, struct buf *b)
{
    size_t len = 0;
    if (b->data == NULL && buf_reserve(b, 1) != BUF_OK)
        return ERR_INTERNAL;
    char *d = buf_detach(b, &len);
    return pkg_add(p, path, d, len);
}

/* A witness certificate of (type, id) as a file, when one can be built. */
static enum err pkg_cert(struct pkg *p, struct store_tx *tx, const char *type, int64_t id,
                         const char *path)
{
    struct cert c;
    struct cert_request rq = {type, id, true};
    struct buf b;
    memset(&c, 0, sizeof c);
    int rc = cert_build(tx, &rq, clock_now_ms(), &c);
    if (rc == CERT_ENOTFOUND)
        return ERR_OK; /* nothing under a signed checkpoint yet: the manifest says so */
    if (rc != CERT_OK) {
        cert_free(&c);
        return rc == CERT_ESTORE ? ERR_STORE_UNAVAILABLE : ERR_INTERNAL;
    }
    buf_init(&b, CERT_MAX_BYTES);
    enum err e = cert_write(&c, &b) == 0 ? pkg_add_buf(p, path, &b) : ERR_INTERNAL;
    buf_release(&b);
    cert_free(&c);
    return e;
}

/* "evidence/<id>-<name>" with the name's unsafe bytes already refused. */
static void ev_path(const struct lead_evidence *ev, char *out, size_t cap)
{
    if (strcmp(ev->kind, "file") == 0)
        snprintf(out, cap, "evidence/%lld-%s", (long long)ev->id, ev->name);
    else if (strcmp(ev->kind, "note") == 0)
        snprintf(out, cap, "evidence/%lld-note.txt", (long long)ev->id);
    else
        snprintf(out, cap, "evidence/%lld-flags.json", (long long)ev->id);
}

static void write_lead(struct jsonw *w, const struct lead *l)
{
    jsonw_obj_begin(w);
    jsonw_kint(w, "id", l->id);
    jsonw_kint(w, "tender_id", l->tender_id);
    jsonw_kstr(w, "title", l->title);
    jsonw_kstr(w, "source", l->source);
    jsonw_kstr(w, "status", l->status);
    jsonw_kint(w, "opened_ms", l->opened_ms);
    jsonw_kstr(w, "transferred_to", l->transferred_to);
    jsonw_kstr(w, "transferred_on", l->transferred_on);
    jsonw_kstr(w, "transfer_note", l->transfer_note);
    jsonw_key(w, "transferred_ms");
    if (l->transferred_ms)
        jsonw_int(w, l->transferred_ms);
    else
        jsonw_null(w);
    jsonw_kstr(w, "close_reason", l->close_reason);
    jsonw_key(w, "closed_ms");
    if (l->closed_ms)
        jsonw_int(w, l->closed_ms);
    else
        jsonw_null(w);
    jsonw_obj_end(w);
}

/* Everything but the files' bytes and the ZIP, in one read transaction. */
static enum err pkg_collect(struct store *s, struct store_tx *tx, struct arena *a, int64_t lead_id,
                            struct pkg *p, struct lead *l)
{
    struct page evs, hist, docs, bids;
    struct risk_row risk;
    struct opening_hall hall;
    struct buf b;
    struct jsonw w;
    enum err e = ERR_OK;
    char path[320];
    int rc = store_lead_get(tx, a, lead_id, l);
    if (rc == STORE_OK)
        rc = store_lead_evidence_list(tx, a, lead_id, LEAD_FILES_MAX, &evs);
    if (rc == STORE_OK)
        rc = store_lead_history(tx, a, lead_id, 1000, &hist);
    if (rc == STORE_OK)
        rc = store_tender_doc_list(tx, a, l->tender_id, 1000, &docs);
    if (rc == STORE_OK)
        rc = store_risk_bids(tx, a, l->tender_id, 1000, &bids);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    int hrc = store_opening_hall_get(tx, a, l->tender_id, &hall);
    int rrc = store_risk_get(tx, a, l->tender_id, &risk);

    /* lead.json */
    buf_init(&b, (size_t)16 << 20);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "lead");
    write_lead(&w, l);
    jsonw_key(&w, "evidence");
    jsonw_arr_begin(&w);
    const struct lead_evidence *E = evs.items;
    for (int i = 0; i < evs.n; i++) {
        ev_path(&E[i], path, sizeof path);
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "id", E[i].id);
        jsonw_kstr(&w, "kind", E[i].kind);
        jsonw_kstr(&w, "name", E[i].name);
        jsonw_kstr(&w, "sha256", E[i].sha256);
        jsonw_kint(&w, "size", E[i].size);
        jsonw_kint(&w, "added_ms", E[i].added_ms);
        jsonw_kstr(&w, "path", path);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "history");
    jsonw_arr_begin(&w);
    const struct audit_entry *H = hist.items;
    for (int i = 0; i < hist.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "at_ms", H[i].at_ms);
        jsonw_kstr(&w, "actor", H[i].actor);
        jsonw_kstr(&w, "action", H[i].action);
        jsonw_key(&w, "detail");
        if (H[i].detail)
            jsonw_raw(&w, H[i].detail, strlen(H[i].detail));
        else
            jsonw_null(&w);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    e = jsonw_finish(&w) == 0 ? pkg_add_buf(p, "lead.json", &b) : ERR_INTERNAL;
    buf_release(&b);
    if (e != ERR_OK)
        return e;

    /* flags.json */
    buf_init(&b, RISK_JSON_MAX);
    if (rrc == STORE_OK)
        buf_puts(&b, risk.flags);
    else
        buf_puts(&b, "null");
    e = pkg_add_buf(p, "flags.json", &b);
    buf_release(&b);
    if (e != ERR_OK)
        return e;

    /* documents.json */
    buf_init(&b, (size_t)16 << 20);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_key(&w, "tender_documents");
    jsonw_arr_begin(&w);
    const struct tender_document *D = docs.items;
    for (int i = 0; i < docs.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "version", D[i].version);
        jsonw_kstr(&w, "name", D[i].name);
        jsonw_kstr(&w, "sha256", D[i].blob_hash);
        jsonw_kint(&w, "size", D[i].size);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "bids");
    jsonw_arr_begin(&w);
    const struct risk_bid *B = bids.items;
    for (int i = 0; i < bids.n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kint(&w, "lot_no", B[i].lot_no);
        jsonw_kint(&w, "org_id", B[i].org_id);
        jsonw_kstr(&w, "org_name", B[i].org_name);
        jsonw_kstr(&w, "status", B[i].status);
        jsonw_kstr(&w, "envelope_sha256", B[i].blob_hash);
        jsonw_kstr(&w, "signer_fp", B[i].signer_fp);
        jsonw_kstr(&w, "remote_addr", B[i].remote_addr);
        jsonw_obj_end(&w);
    }
    jsonw_arr_end(&w);
    jsonw_kstr(&w, "opening_record_sha256", hrc == STORE_OK ? hall.record_hash : NULL);
    jsonw_obj_end(&w);
    e = jsonw_finish(&w) == 0 ? pkg_add_buf(p, "documents.json", &b) : ERR_INTERNAL;
    buf_release(&b);
    if (e != ERR_OK)
        return e;

    /* the evidence itself */
    for (int i = 0; i < evs.n; i++) {
        ev_path(&E[i], path, sizeof path);
        buf_init(&b, LEAD_FILE_MAX);
        if (strcmp(E[i].kind, "file") == 0) {
            rc = blob_get(s, E[i].sha256, &b);
            if (rc != STORE_OK) {
                buf_release(&b);
                log_error("leads: evidence %lld: blob %s: %s", (long long)E[i].id, E[i].sha256,
                          store_rc_name(rc));
                return domain_store_err(rc == STORE_NOTFOUND ? STORE_ERROR : rc);
            }
        } else if (buf_puts(&b, E[i].body ? E[i].body : "") != BUF_OK) {
            buf_release(&b);
            return ERR_INTERNAL;
        }
        e = pkg_add_buf(p, path, &b);
        buf_release(&b);
        if (e != ERR_OK)
            return e;
    }

    /* the witness certificates */
    snprintf(path, sizeof path, "certificates/tender-%lld.json", (long long)l->tender_id);
    e = pkg_cert(p, tx, "tender", l->tender_id, path);
    if (e == ERR_OK) {
        snprintf(path, sizeof path, "certificates/lead-%lld.json", (long long)l->id);
        e = pkg_cert(p, tx, "lead", l->id, path);
    }
    return e;
}

static enum err pkg_manifest(struct pkg *p, const struct lead *l)
{
    struct buf b;
    struct jsonw w;
    bool tcert = false, lcert = false;
    buf_init(&b, (size_t)1 << 20);
    jsonw_init(&w, &b);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "format", "sunbid-evidence-package/v1");
    jsonw_kint(&w, "generated_ms", clock_now_ms());
    jsonw_key(&w, "lead");
    write_lead(&w, l);
    jsonw_key(&w, "tender");
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "id", l->tender_id);
    jsonw_kstr(&w, "code", l->tender_code);
    jsonw_kstr(&w, "title", l->tender_title);
    jsonw_obj_end(&w);
    jsonw_kstr(&w, "hash", "sha256");
    jsonw_key(&w, "files");
    jsonw_arr_begin(&w);
    for (size_t i = 0; i < p->n; i++) {
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "path", p->f[i].path);
        jsonw_kint(&w, "size", (int64_t)p->f[i].len);
        jsonw_kstr(&w, "sha256", p->f[i].sha256);
        jsonw_obj_end(&w);
        tcert |= strncmp(p->f[i].path, "certificates/tender-", 20) == 0;
        lcert |= strncmp(p->f[i].path, "certificates/lead-", 18) == 0;
    }
    jsonw_arr_end(&w);
    jsonw_key(&w, "notes");
    jsonw_arr_begin(&w);
    if (!tcert)
        jsonw_str(&w, "no witness certificate of the tender: no signed checkpoint covers its "
                      "entries yet");
    if (!lcert)
        jsonw_str(&w, "no witness certificate of the lead: no signed checkpoint covers its "
                      "entries yet; export again later");
    jsonw_str(&w, "verify a certificate offline with: sunbid verify FILE");
    jsonw_arr_end(&w);
    jsonw_obj_end(&w);
    enum err e = jsonw_finish(&w) == 0 ? pkg_add_buf(p, "manifest.json", &b) : ERR_INTERNAL;
    buf_release(&b);
    return e;
}

/* The ZIP in memory (libzip): files in order, manifest first. */
static enum err pkg_zip(const struct pkg *p, struct buf *out)
{
    zip_error_t zerr;
    zip_source_t *src = NULL;
    zip_t *z = NULL;
    enum err e = ERR_INTERNAL;
    zip_error_init(&zerr);
    src = zip_source_buffer_create(NULL, 0, 0, &zerr);
    if (src == NULL)
        goto out;
    z = zip_open_from_source(src, ZIP_TRUNCATE, &zerr);
    if (z == NULL)
        goto out;
    zip_source_keep(src);
    for (size_t k = 0; k < p->n; k++) {
        size_t i = (k + p->n - 1) % p->n; /* the manifest (last added) first */
        zip_source_t *fs = zip_source_buffer(z, p->f[i].data, p->f[i].len, 0);
        if (fs == NULL)
            goto out;
        if (zip_file_add(z, p->f[i].path, fs, ZIP_FL_ENC_UTF_8) < 0) {
            zip_source_free(fs);
            goto out;
        }
    }
    if (zip_close(z) != 0)
        goto out;
    z = NULL;
    zip_stat_t st;
    if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src) != 0)
        goto out;
    buf_reset(out);
    if (st.size > out->max) {
        zip_source_close(src);
        e = ERR_BODY_TOO_LARGE;
        goto out;
    }
    if (buf_reserve(out, (size_t)st.size) != BUF_OK) {
        zip_source_close(src);
        goto out;
    }
    zip_int64_t got = zip_source_read(src, out->data, st.size);
    zip_source_close(src);
    if (got < 0 || (zip_uint64_t)got != st.size)
        goto out;
    out->len = (size_t)got;
    out->data[out->len] = '\0';
    e = ERR_OK;
out:
    if (z != NULL)
        zip_discard(z);
    if (src != NULL)
        zip_source_free(src);
    zip_error_fini(&zerr);
    return e;
}

enum err lead_package(struct store *s, int64_t lead_id, struct buf *out, char name[64])
{
    struct pkg *p = calloc(1, sizeof *p);
    struct store_tx *tx = NULL;
    struct arena a;
    struct lead l;
    enum err e;
    if (p == NULL)
        return ERR_INTERNAL;
    arena_init(&a, (size_t)64 << 20);
    int rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    e = pkg_collect(s, tx, &a, lead_id, p, &l);
    store_rollback(tx);
    if (e == ERR_OK)
        e = pkg_manifest(p, &l);
    if (e == ERR_OK)
        e = pkg_zip(p, out);
    if (e == ERR_OK)
        snprintf(name, 64, "lead-%lld-evidence.zip", (long long)lead_id);
out:
    pkg_release(p);
    free(p);
    arena_release(&a);
    return e;
}
