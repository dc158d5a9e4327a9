/*
 * domain/boq_open.c — taking the priced bill of quantities out of an
 * opened envelope with its content key K (boq.h, boq_envelope_file).
 *
 * The crypto layer opens (envelope_open_with_key, as domain/opening_open.c
 * does for the opening form: structure and signature, stream keys derived
 * from K, chunk MACs, content hashes); the plaintext of price-list files
 * is kept as it streams past (envelope_keep, at most BOQ_FILE_MAX bytes in
 * all). Names come last, in the manifest, which authenticates under K. The
 * first kept file whose name ends in .csv or .xlsx (ASCII case ignored) and
 * is not the opening form is the BoQ.
 */
#include <string.h>
#include <strings.h>

#include "crypto/envelope.h"
#include "domain/boq.h"

#define FORM_NAME "opening-form.json"

static bool boq_name(const char *name, size_t n)
{
    if (n == sizeof FORM_NAME - 1 && memcmp(name, FORM_NAME, n) == 0)
        return false;
    return (n > 4 && strncasecmp(name + n - 4, ".csv", 4) == 0) ||
           (n > 5 && strncasecmp(name + n - 5, ".xlsx", 5) == 0);
}

int boq_envelope_file(const void *env, size_t len, const uint8_t key[SUITE_KEY_LEN],
                      struct buf *name, struct buf *file, struct seal_error *err)
{
    struct envelope_keep *k =
        envelope_keep_new(ENVELOPE_ROLE_PRICE_LIST, BOQ_FILE_MAX, BOQ_FILE_MAX);
    struct envelope_mem in = {env, len, 0};
    struct envelope_header *h = NULL;
    int rc;
    buf_reset(name);
    buf_reset(file);
    if (k == NULL)
        return seal_fail(err, SEAL_ECRYPTO, "memory");
    struct envelope_output out = envelope_keep_output(k);
    rc = envelope_open_with_key(key, false, envelope_mem_read, &in, &out, &h, err);
    for (int i = 0; rc == SEAL_OK && i < h->n_files; i++) {
        const struct envelope_file *f = &h->files[i];
        size_t nl = strlen(f->name);
        if (f->role == ENVELOPE_ROLE_PRICE_LIST && boq_name(f->name, nl) &&
            k->file[i].len == f->size && k->file[i].len > 0) {
            if (buf_append(name, f->name, nl) != 0 ||
                buf_append(file, k->file[i].data, k->file[i].len) != 0)
                rc = seal_fail(err, SEAL_ECRYPTO, "memory");
            break;
        }
    }
    envelope_header_free(h);
    envelope_keep_free(k);
    if (rc != SEAL_OK) {
        buf_reset(name);
        buf_reset(file);
    }
    return rc;
}
