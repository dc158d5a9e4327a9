/*
 * domain/evaluation_verify.c — the offline check of an evaluation report
 * (evaluation_verify.h). The report's bytes are taken as they stand in the
 * text (the object after the top-level key "report", found by matching its
 * braces outside strings), never re-serialised, so the hash is over what
 * the server hashed. A signature is checked with the certificate kept
 * beside it: SM2 with SM3, or ECDSA P-256 with SHA-256, DER or raw r || s
 * (what WebCrypto gives). The text is outside input: bounded, parsed with
 * jansson, every field's type checked.
 */
#include "domain/evaluation_verify.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/x509v3.h>

#include "base/base64.h"
#include "crypto/random.h"
#include "crypto/suite.h"
#include "crypto/x509.h"
#include "domain/evaluation.h"

/* The raw bytes of the object value of top-level key "report" in text:
 * *start, *len; -1 when there is none. */
static int report_span(const char *text, size_t n, const char **start, size_t *len)
{
    int depth = 0;
    bool str = false;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                str = false;
            continue;
        }
        if (c == '"') {
            if (depth == 1 && n - i > 10 && memcmp(text + i, "\"report\"", 8) == 0) {
                size_t k = i + 8;
                while (k < n && (text[k] == ' ' || text[k] == ':' || text[k] == '\n'))
                    k++;
                if (k >= n || text[k] != '{')
                    return -1;
                /* match the object's braces */
                int d = 0;
                bool s2 = false;
                for (size_t e = k; e < n; e++) {
                    char x = text[e];
                    if (s2) {
                        if (x == '\\')
                            e++;
                        else if (x == '"')
                            s2 = false;
                    } else if (x == '"') {
                        s2 = true;
                    } else if (x == '{') {
                        d++;
                    } else if (x == '}' && --d == 0) {
                        *start = text + k;
                        *len = e - k + 1;
                        return 0;
                    }
                }
                return -1;
            }
            str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return -1;
}

/* Raw r || s (64 bytes) as a DER ECDSA signature into der (*dl: capacity
 * in, length out); 0 or -1. */
static int raw_to_der(const uint8_t *raw, uint8_t *der, size_t *dl)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    int rc = -1;
    if (sig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        goto out;
    }
    int n = i2d_ECDSA_SIG(sig, NULL);
    if (n > 0 && (size_t)n <= *dl) {
        unsigned char *p = der;
        *dl = (size_t)i2d_ECDSA_SIG(sig, &p);
        rc = 0;
    }
out:
    ECDSA_SIG_free(sig);
    return rc;
}

/* Whether sig (base64) over msg verifies with the certificate (base64
 * DER); *x gets the parsed certificate (caller frees) when it parses. */
static bool sig_ok(const char *cert64, const char *sig64, const char *msg, X509 **x)
{
    uint8_t der[8192], sig[SUITE_MAX_SIG], sd[SUITE_MAX_SIG];
    *x = NULL;
    if (cert64 == NULL || sig64 == NULL)
        return false;
    long cl = b64_decode(cert64, strlen(cert64), der, sizeof der, 0);
    long sl = b64_decode(sig64, strlen(sig64), sig, sizeof sig, 0);
    if (cl <= 0 || sl <= 0)
        return false;
    *x = x509_parse(der, (size_t)cl);
    if (*x == NULL)
        return false;
    EVP_PKEY *k = x509_pubkey(*x);
    enum x509_key kt = x509_key_type(*x);
    const uint8_t *s = sig;
    size_t n = (size_t)sl;
    bool ok = false;
    if (k != NULL && kt != X509V_KEY_OTHER) {
        if (kt == X509V_KEY_P256 && n == 64) {
            size_t dl = sizeof sd;
            if (raw_to_der(sig, sd, &dl) == 0) {
                s = sd;
                n = dl;
            }
        }
        ok = suite_verify(kt == X509V_KEY_SM2 ? &suite_gm : &suite_intl, k, msg, strlen(msg), s,
                          n) == SEAL_OK;
    }
    EVP_PKEY_free(k);
    return ok;
}

static void line(struct buf *out, bool ok, const char *what, const char *detail, int *failed)
{
    buf_printf(out, "%-5s %s%s%s\n", ok ? "ok" : "FAIL", what, detail ? ": " : "",
               detail ? detail : "");
    if (!ok)
        (*failed)++;
}

int evaluation_report_verify(const char *text, size_t len, X509 *const *ca, int nca,
                             struct buf *out, int *failed)
{
    return evaluation_report_verify_lot(text, len, ca, nca, 0, out, failed);
}

int evaluation_report_verify_lot(const char *text, size_t len, X509 *const *ca, int nca, int lot,
                                 struct buf *out, int *failed)
{
    json_error_t jerr;
    const char *span = NULL;
    size_t span_len = 0;
    char got[65], msg[128], what[64];
    int rc = -1;
    *failed = 0;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    const char *sha = json_string_value(json_object_get(root, "report_sha256"));
    json_t *report = json_object_get(root, "report");
    json_t *sigs = json_object_get(root, "signatures");
    json_t *committee = json_object_get(report, "committee");
    size_t nm = json_array_size(committee);
    if (sha == NULL || strlen(sha) != 64 || !json_is_object(report) || !json_is_array(sigs) ||
        nm > 1000 || report_span(text, len, &span, &span_len) != 0)
        goto out;
    crypto_sha256_hex(span, span_len, got);
    line(out, strcmp(got, sha) == 0, "report-hash", strcmp(got, sha) == 0 ? NULL : got, failed);
    if (lot > 0) {
        /* a report from before lots has no "lot": it is lot 1's */
        json_t *l = json_object_get(report, "lot");
        json_int_t have = l == NULL ? 1 : json_is_integer(l) ? json_integer_value(l) : 0;
        char why[64];
        snprintf(why, sizeof why, "the report is of lot %lld", (long long)have);
        line(out, have == lot, "lot", have == lot ? NULL : why, failed);
    }
    evaluation_sign_message(sha, msg);
    int seen[1000] = {0};
    for (size_t i = 0; i < json_array_size(sigs); i++) {
        json_t *s = json_array_get(sigs, i);
        long long member = (long long)json_integer_value(json_object_get(s, "member_id"));
        X509 *x = NULL;
        const char *ssha = json_string_value(json_object_get(s, "report_sha256"));
        bool ok = ssha != NULL && strcmp(ssha, sha) == 0 &&
                  sig_ok(json_string_value(json_object_get(s, "certificate")),
                         json_string_value(json_object_get(s, "signature")), msg, &x);
        snprintf(what, sizeof what, "signature #%lld", member);
        line(out, ok, what, ok ? NULL : "does not verify over this report", failed);
        if (nca > 0) {
            bool issued = false;
            for (int c = 0; x != NULL && c < nca && !issued; c++) {
                EVP_PKEY *k = X509_get0_pubkey(ca[c]);
                issued =
                    X509_check_issued(ca[c], x) == X509_V_OK && k != NULL && X509_verify(x, k) == 1;
            }
            snprintf(what, sizeof what, "issuer #%lld", member);
            line(out, issued, what, issued ? NULL : "not issued by a given CA", failed);
        }
        X509_free(x);
        for (size_t m = 0; m < nm; m++)
            if (json_integer_value(json_object_get(json_array_get(committee, m), "member_id")) ==
                member)
                seen[m]++;
    }
    bool all = nm > 0;
    for (size_t m = 0; m < nm; m++)
        all = all && seen[m] == 1;
    line(out, all, "committee", all ? NULL : "not every member signed exactly once", failed);
    if (*failed == 0)
        buf_printf(out, "verified: the report %s, signed by all %zu members\n", sha, nm);
    rc = 0;
out:
    json_decref(root);
    return rc;
}
