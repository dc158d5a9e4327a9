/*
 * domain/opening_record.c — the signed opening record's formats, pure
 * functions over bytes (opening.h): the message a bidder signs, the
 * canonical form the draft is hashed in, and the offline check of a sealed
 * record (`sunbid opening verify-record`, the tests).
 *
 * Canonical JSON (what draft_sha256 and record_sha256 are taken over): the
 * value written with no whitespace, object keys sorted by their UTF-8
 * bytes, strings as UTF-8 with only '"', '\\' and the control characters
 * escaped (\b \f \n \r \t, others \u00XX), integers only — exactly
 * jansson's json_dumps(JSON_COMPACT | JSON_SORT_KEYS). Duplicate keys and
 * invalid UTF-8 are refused when reading (base/jsonr.h), so one value has
 * one canonical text and a record read back and re-written is the same
 * bytes.
 *
 * The sealed record (docs/opening.md, "The sealed record"):
 *
 *   {"draft": {...},                  what every signer signed
 *    "draft_sha256": hex,             SHA-256 of canonical(draft)
 *    "sealed_ms": n,
 *    "signatures": [{"bidder", "certificate" (base64 DER),
 *                    "certificate_sha256", "key_alg", "org_id",
 *                    "signature" (base64 DER), "signed_ms"}, ...],
 *    "type": "sunbid.opening-record.v1"}
 *
 * and each signature is over opening_sign_message(draft.tender_id,
 * draft_sha256). Threads: any.
 */
#include "domain/opening.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/jsonr.h"
#include "crypto/random.h"
#include "domain/orgsig.h"

int opening_sign_message(int64_t tender_id, const char *draft_sha256, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s\n%lld\n%s\n", OPENING_SIGN_PREFIX, (long long)tender_id,
                     draft_sha256);
    return n > 0 && (size_t)n < cap ? n : -1;
}

int opening_canon(const json_t *v, struct buf *out)
{
    char *d = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = -1;
    buf_reset(out);
    if (d != NULL && buf_puts(out, d) == 0)
        rc = 0;
    free(d);
    return rc;
}

int opening_canon_text(const char *json, size_t len, size_t max, struct buf *out)
{
    enum err e = ERR_OK;
    const char *msg = NULL;
    json_t *v = jsonr_parse(json, len, max, JSONR_MAX_DEPTH, &e, &msg);
    if (v == NULL)
        return -1;
    int rc = opening_canon(v, out);
    json_decref(v);
    return rc;
}

static bool is_hex64(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static enum err fail(struct opening_record_report *r, enum err e, const char *what)
{
    snprintf(r->message, sizeof r->message, "%s", what);
    return e;
}

/* One entry of "signatures". */
static enum err check_signature(struct opening_record_report *r, json_t *sg, const char *msg,
                                size_t msg_len, struct buf *tmp)
{
    const char *cert64 = json_string_value(json_object_get(sg, "certificate"));
    const char *fp = json_string_value(json_object_get(sg, "certificate_sha256"));
    const char *sig64 = json_string_value(json_object_get(sg, "signature"));
    uint8_t sig[ORGSIG_MAX], der[ORGSIG_MAX];
    size_t sig_len = 0, der_len = 0;
    char hex[65];
    if (!json_is_object(sg) || cert64 == NULL || !is_hex64(fp) || sig64 == NULL ||
        !json_is_integer(json_object_get(sg, "org_id")) ||
        !json_is_integer(json_object_get(sg, "signed_ms")))
        return fail(r, ERR_INVALID_FIELD, "a signature entry lacks a field");
    size_t cl = strlen(cert64);
    if (cl == 0 || cl > 4 * (OPENING_CERT_MAX / 3) + 4)
        return fail(r, ERR_CERT_MALFORMED, "a signer certificate is too large");
    buf_reset(tmp);
    if (buf_reserve(tmp, cl) != 0)
        return fail(r, ERR_INTERNAL, "memory");
    long k = b64_decode(cert64, cl, tmp->data, cl, 0);
    if (k <= 0)
        return fail(r, ERR_CERT_MALFORMED, "a signer certificate is not base64");
    crypto_sha256_hex(tmp->data, (size_t)k, hex);
    if (strcmp(hex, fp) != 0)
        return fail(r, ERR_CERT_MALFORMED, "a certificate does not have its stated fingerprint");
    if (orgsig_decode(sig64, strlen(sig64), sig, &sig_len) != ERR_OK)
        return fail(r, ERR_OPENING_BAD_SIGNATURE, "a signature is not base64");
    enum err e =
        orgsig_verify(tmp->data, (size_t)k, msg, msg_len, sig, sig_len, der, &der_len, NULL);
    if (e == ERR_OK && (der_len != sig_len || memcmp(der, sig, sig_len) != 0))
        e = ERR_OPENING_BAD_SIGNATURE; /* the record keeps DER only */
    if (e != ERR_OK)
        return fail(r, e, "a signature does not verify with its certificate");
    return ERR_OK;
}

enum err opening_record_verify(const char *json, size_t len, struct opening_record_report *r)
{
    enum err e = ERR_OK;
    const char *msg = NULL;
    struct buf tmp;
    char hex[65], m[256];
    memset(r, 0, sizeof(*r));
    r->bad_signature = -1;
    if (json == NULL || len == 0 || len > OPENING_RECORD_MAX)
        return fail(r, ERR_INVALID_FIELD, "not an opening record (size)");
    crypto_sha256_hex(json, len, r->record_sha256);
    json_t *root = jsonr_parse(json, len, OPENING_RECORD_MAX, JSONR_MAX_DEPTH, &e, &msg);
    if (root == NULL)
        return fail(r, ERR_INVALID_FIELD, "not JSON");
    buf_init(&tmp, OPENING_RECORD_MAX);
    json_t *draft = json_object_get(root, "draft");
    json_t *sigs = json_object_get(root, "signatures");
    const char *type = json_string_value(json_object_get(root, "type"));
    const char *dh = json_string_value(json_object_get(root, "draft_sha256"));
    if (!json_is_object(root) || type == NULL || strcmp(type, OPENING_RECORD_TYPE) != 0 ||
        !json_is_object(draft) || !json_is_array(sigs) || !is_hex64(dh)) {
        e = fail(r, ERR_INVALID_FIELD, "not an opening record (type, draft, signatures)");
        goto out;
    }
    json_t *tid = json_object_get(draft, "tender_id");
    if (!json_is_integer(tid) || json_integer_value(tid) <= 0) {
        e = fail(r, ERR_INVALID_FIELD, "the draft names no tender");
        goto out;
    }
    r->tender_id = (int64_t)json_integer_value(tid);
    snprintf(r->draft_sha256, sizeof r->draft_sha256, "%s", dh);
    if (opening_canon(draft, &tmp) != 0) {
        e = fail(r, ERR_INTERNAL, "memory");
        goto out;
    }
    crypto_sha256_hex(tmp.data, tmp.len, hex);
    if (strcmp(hex, dh) != 0) {
        e = fail(r, ERR_OPENING_STALE_DRAFT, "the draft's hash is not draft_sha256");
        goto out;
    }
    int ml = opening_sign_message(r->tender_id, dh, m, sizeof m);
    if (ml < 0) {
        e = fail(r, ERR_INTERNAL, "message");
        goto out;
    }
    size_t i;
    json_t *sg;
    json_array_foreach(sigs, i, sg)
    {
        e = check_signature(r, sg, m, (size_t)ml, &tmp);
        if (e != ERR_OK) {
            r->bad_signature = (int)i;
            goto out;
        }
        r->signatures++;
    }
    e = ERR_OK;
out:
    buf_release(&tmp);
    json_decref(root);
    return e;
}
