/*
 * fuzz_certificate.c — libFuzzer target for witness certificates
 * (ledger/cert.h): the bytes of a certificate file in, cert_parse() over
 * them and, for what parses, cert_verify() twice — with no trust at all
 * (the certificate's own keys, as `sunbid verify FILE` does without --key)
 * and with a pinned log key (Go's note package example key, which signed
 * nothing here) — then cert_report_json().
 *
 * Besides "does not crash, leak or trip a sanitizer", it checks:
 *   - cert_parse refuses with a reason, and leaves nothing allocated;
 *   - what parses writes back (cert_write) to a file that parses again and
 *     writes back to the very same bytes (the writer's form is a fixed
 *     point);
 *   - verification never passes with the pinned key (nothing it signed is
 *     in any input), and a report marked ok has no FAIL finding;
 *   - the report always renders as JSON.
 *
 * Seeds: fuzz/corpus/certificate/ (certificates served by a real server:
 * an organisation's, one entry's, a tender's with its private bytes
 * withheld, cosigned). Replayed by fuzz/replay.c in ordinary builds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/cert.h"

static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

static void check_report(const struct cert_report *r)
{
    struct buf b;
    bool failed = false;
    for (size_t i = 0; i < r->nfindings; i++) {
        if (r->findings[i].code == NULL || r->findings[i].message[0] == '\0')
            abort();
        failed |= r->findings[i].status == CERT_FAIL;
    }
    if (r->ok && failed)
        abort();
    buf_init(&b, 1 << 26);
    if (cert_report_json(r, &b) != 0)
        abort();
    buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct note_key pinned;
    static int ready;
    struct cert c, d;
    struct cert_report r;
    struct buf a, b;
    char err[256];

    if (!ready) {
        if (note_key_parse_vkey(&pinned, peter_vkey, strlen(peter_vkey)) != NOTE_OK)
            abort();
        ready = 1;
    }
    err[0] = '\0';
    if (cert_parse(data, size, &c, err, sizeof err) != CERT_OK) {
        if (err[0] == '\0' || c.entries != NULL || c.checkpoint != NULL)
            abort();
        return 0;
    }
    /* the writer's form is a fixed point */
    buf_init(&a, CERT_MAX_BYTES * 2);
    buf_init(&b, CERT_MAX_BYTES * 2);
    if (cert_write(&c, &a) != 0 || cert_parse(a.data, a.len, &d, err, sizeof err) != CERT_OK ||
        cert_write(&d, &b) != 0 || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        abort();
    cert_free(&d);
    buf_release(&a);
    buf_release(&b);

    int rc = cert_verify(&c, NULL, &r);
    if (rc != CERT_ECRYPTO)
        check_report(&r);
    if (rc == CERT_OK && (!r.ok || r.keys_pinned))
        abort();
    cert_report_free(&r);

    struct cert_trust t = {&pinned, 1, NULL, 0, NULL, true};
    rc = cert_verify(&c, &t, &r);
    if (rc == CERT_OK || r.ok)
        abort(); /* the pinned key signed nothing, and no token is trusted */
    if (rc != CERT_ECRYPTO)
        check_report(&r);
    cert_report_free(&r);
    cert_free(&c);
    return 0;
}
