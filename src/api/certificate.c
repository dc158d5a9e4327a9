/*
 * api/certificate.c — witness certificates over HTTP (ledger/cert.h,
 * docs/certificate.md):
 *
 *   GET  /api/ledger/certificate?index=I              one entry's certificate
 *   GET  /api/ledger/certificate?subject=TYPE&id=N    every entry of a subject
 *                                                     (e.g. a whole tender)
 *   POST /api/ledger/verify                           a certificate in the body
 *                                                     -> the verification report
 *
 * Both are public. A certificate is built in one READ transaction against
 * the latest checkpoint; it carries the bytes of public entries
 * (ledger/visibility.h) to everyone, and of the others only to signed-in
 * admins and supervisors (everyone else gets their leaf hashes, which are
 * still proven). The file is served as an attachment named
 * sunbid-certificate-<subject>-<id>.json.
 *
 * Verification uses the server's own trust: the log's verifier keys from
 * ledger_config, pinned (a certificate of another log, or with other keys,
 * fails); the configured witnesses (none required); the configured TSA (a
 * token is checked when there is one, not required). A file that is not a
 * certificate at all is refused with 422 invalid_certificate and the
 * parser's reason; a certificate whose checks fail is still answered 200,
 * with "ok": false and the findings.
 *
 * Formats: ?format=json (the default) is the certificate file;
 * ?format=pdf is its printable page (ledger/cert_pdf.c: one A4 page with a
 * QR code), in Simplified Chinese or, with ?lang=en, English. The page
 * names the SHA-256 of exactly the file ?format=json gives the same caller
 * at the same moment, and the page where a file can be verified
 * (<scheme>://<Host>/ledger; https when the server is told it is behind
 * TLS).
 *
 * Worker threads; request memory in req->arena, certificates on the heap
 * (freed before returning).
 */
#include "api/api.h"

#include "base/clock.h"
#include "crypto/random.h"
#include "ledger/cert.h"
#include "ledger/cert_pdf.h"
#include "store/ledger.h"

/* A query parameter as a non-negative integer below 2^62 (the ledger's
 * bound); false (error written) when malformed. */
static bool query_index(struct http_request *req, struct http_response *res, const char *name,
                        int64_t *out)
{
    const char *v = http_query(req, name);
    size_t len = v != NULL ? strlen(v) : 0;
    int64_t n = 0;
    bool ok = len > 0 && len <= 19 && !(len > 1 && v[0] == '0');
    for (size_t i = 0; ok && i < len; i++) {
        ok = v[i] >= '0' && v[i] <= '9';
        n = n * 10 + (v[i] - '0');
    }
    if (!ok || n > (INT64_C(1) << 62)) {
        http_res_error_field(res, ERR_INVALID_FIELD, name, "a non-negative integer is required");
        return false;
    }
    *out = n;
    return true;
}

/* Reads the request's subject (?index=I, or ?subject=TYPE&id=N) and builds
 * its certificate into c; false after writing the error. The caller frees c
 * with cert_free. Every format starts here. */
static bool certificate_for(struct http_request *req, struct http_response *res, struct cert *c)
{
    struct cert_request rq = {0};
    struct store_tx *tx = NULL;
    const char *subject = http_query(req, "subject");
    const struct http_principal *who = req->who;
    int rc;

    memset(c, 0, sizeof *c);
    if (http_query(req, "index") != NULL) {
        if (subject != NULL || http_query(req, "id") != NULL) {
            http_res_error_field(res, ERR_INVALID_FIELD, "index",
                                 "give either index, or subject and id");
            return false;
        }
        rq.subject_type = "entry";
        if (!query_index(req, res, "index", &rq.subject_id))
            return false;
    } else {
        size_t n = subject != NULL ? strlen(subject) : 0;
        bool ok = n > 0 && n < sizeof c->subject_type && strcmp(subject, "entry") != 0;
        for (size_t i = 0; ok && i < n; i++)
            ok = (subject[i] >= 'a' && subject[i] <= 'z') ||
                 (subject[i] >= '0' && subject[i] <= '9') || subject[i] == '.' || subject[i] == '_';
        if (!ok) {
            http_res_error_field(res, ERR_INVALID_FIELD, "subject",
                                 "index, or a subject type ([a-z0-9._], as \"tender\") and id, "
                                 "is required");
            return false;
        }
        rq.subject_type = subject;
        if (!query_index(req, res, "id", &rq.subject_id))
            return false;
    }
    rq.with_private = who != NULL && (who->roles & (ROLE_ADMIN | ROLE_SUPERVISOR)) != 0;

    rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc != STORE_OK) {
        http_res_error(res, domain_store_err(rc), NULL);
        return false;
    }
    rc = cert_build(tx, &rq, clock_now_ms(), c);
    store_rollback(tx);
    switch (rc) {
    case CERT_OK:
        return true;
    case CERT_ENOTFOUND:
        http_res_error(res, ERR_NOT_FOUND,
                       "Nothing of this subject is covered by a signed checkpoint yet.");
        break;
    case CERT_ETOOBIG:
        http_res_error_field(res, ERR_INVALID_FIELD, "subject",
                             "the subject has more entries than one certificate holds (4096)");
        break;
    case CERT_ESTORE:
        http_res_error(res, ERR_STORE_UNAVAILABLE, NULL);
        break;
    default:
        http_res_error(res, ERR_INTERNAL, NULL);
        break;
    }
    return false;
}

/* The printable page of c (written as the answer), for ?format=pdf. */
static void certificate_pdf(struct http_request *req, struct http_response *res,
                            const struct cert *c)
{
    struct cert_pdf_options o = {0};
    struct buf file;
    uint8_t sha[32];
    char url[320], name[160], disp[200], err[160];
    const char *host = http_header(req, "Host");
    const char *lang = http_query(req, "lang");
    int rc;

    if (lang != NULL && !cert_pdf_lang_parse(lang, &o.lang)) {
        http_res_error_field(res, ERR_INVALID_FIELD, "lang", "lang must be zh-CN or en");
        return;
    }
    /* The page names the file's hash: the bytes ?format=json would send. */
    buf_init(&file, CERT_MAX_BYTES);
    if (cert_write(c, &file) != 0) {
        buf_release(&file);
        http_res_error(res, ERR_INTERNAL, "The certificate is too large to send.");
        return;
    }
    crypto_sha256(file.data, file.len, sha);
    buf_release(&file);
    /* A Host header with anything but host[:port] characters is left off
     * the page rather than printed. */
    if (host != NULL && host[0] != '\0' && strlen(host) < 200 &&
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") ==
            strlen(host)) {
        snprintf(url, sizeof url, "%s://%s/ledger", api_app(req)->secure_cookies ? "https" : "http",
                 host);
        o.verify_url = url;
    }
    rc = cert_pdf(c, sha, &o, &res->body, err, sizeof err);
    if (rc != CERT_PDF_OK) {
        buf_reset(&res->body);
        http_res_error(res, ERR_INTERNAL, "The certificate could not be rendered as PDF.");
        return;
    }
    cert_pdf_filename(c, name, sizeof name);
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    res->status = 200;
    res->content_type = CERT_PDF_MIME;
    http_res_header(res, "Content-Disposition", disp);
    http_res_header(res, "Cache-Control", req->who != NULL ? "private, no-store" : "no-cache");
}

void api_ledger_certificate(struct http_request *req, struct http_response *res)
{
    const char *format = http_query(req, "format");
    bool pdf = format != NULL && strcmp(format, "pdf") == 0;
    struct cert c;
    char disp[160];

    if (format != NULL && !pdf && strcmp(format, "json") != 0) {
        http_res_error_field(res, ERR_INVALID_FIELD, "format", "format must be json or pdf");
        return;
    }
    if (!certificate_for(req, res, &c))
        return;
    if (pdf) {
        certificate_pdf(req, res, &c);
        cert_free(&c);
        return;
    }
    if (cert_write(&c, &res->body) != 0) {
        buf_reset(&res->body);
        http_res_error(res, ERR_INTERNAL, "The certificate is too large to send.");
        cert_free(&c);
        return;
    }
    snprintf(disp, sizeof disp, "attachment; filename=\"sunbid-certificate-%s-%lld.json\"",
             c.subject_type, (long long)c.subject_id);
    res->status = 200;
    res->content_type = "application/json; charset=utf-8";
    http_res_header(res, "Content-Disposition", disp);
    /* bytes shown only to this caller must not sit in a shared cache */
    http_res_header(res, "Cache-Control", req->who != NULL ? "private, no-store" : "no-cache");
    cert_free(&c);
}

/* The log's verifier keys, from ledger_config, into keys (at most max);
 * *n gets how many. STORE_NOTFOUND when the log does not exist. */
static int load_log_keys(struct http_request *req, struct note_key *keys, size_t max, size_t *n)
{
    struct store_ledger_config *cfg = arena_calloc(req->arena, sizeof *cfg);
    struct store_tx *tx = NULL;
    int rc;
    *n = 0;
    if (cfg == NULL)
        return STORE_ERROR;
    rc = store_begin(api_app(req)->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_ledger_config_get(tx, cfg);
    store_rollback(tx);
    for (const char *line = cfg->vkeys; rc == STORE_OK && *line != '\0' && *n < max;) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (ll > 0 && note_key_parse_vkey(&keys[*n], line, ll) == NOTE_OK)
            (*n)++;
        line += ll + (nl != NULL ? 1 : 0);
    }
    return rc;
}

void api_ledger_verify(struct http_request *req, struct http_response *res)
{
    struct app *app = api_app(req);
    struct note_key keys[CERT_MAX_KEYS];
    struct cert_report r = {0};
    struct cert c;
    size_t nkeys = 0;
    char err[256];
    int rc;

    if (cert_parse(req->body, req->body_len, &c, err, sizeof err) != CERT_OK) {
        http_res_error(res, ERR_INVALID_CERTIFICATE, arena_printf(req->arena, "%s", err));
        return;
    }
    rc = load_log_keys(req, keys, CERT_MAX_KEYS, &nkeys);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) {
        http_res_error(res, domain_store_err(rc), NULL);
        goto out;
    }
    /* no log here (NOTFOUND): nothing to pin, the report says so */
    struct cert_trust t = {nkeys > 0 ? keys : NULL, nkeys, app->witnesses, 0, app->tsa, false};
    rc = cert_verify(&c, &t, &r);
    if (rc == CERT_ECRYPTO) {
        http_res_error(res, ERR_INTERNAL, "The certificate could not be checked.");
        goto out;
    }
    res->status = 200;
    res->content_type = "application/json; charset=utf-8";
    if (cert_report_json(&r, &res->body) != 0) {
        buf_reset(&res->body);
        http_res_error(res, ERR_INTERNAL, NULL);
    }
out:
    for (size_t i = 0; i < nkeys; i++)
        note_key_release(&keys[i]);
    cert_report_free(&r);
    cert_free(&c);
}
