/*
 * ledger/cosign.c — C2SP tlog-cosignature v1 (cosign.h): the cosigned
 * message, cosignature lines and their verification, and the list of
 * trusted witnesses.
 *
 * Witness keys are note.c's struct note_key of type NOTE_COSIGN_V1 (their
 * texts, key ids and EVP_PKEY are note.c's); this file only builds
 * "cosignature/v1\ntime T\n" || body and packs key id, timestamp and
 * signature into a line.
 *
 * Owns: the key array of struct cosign_witnesses (loaded once at start from
 * --witness values and <data-dir>/ledger/witnesses, read-only afterwards,
 * freed by cosign_witnesses_free). Everything else is pure and bounded; any
 * thread may call it, and keys may be shared read-only by several threads.
 *
 * Invariants: a line verifies only when the key is a NOTE_COSIGN_V1 key,
 * the line's name and key id match it, its base64 is canonical and exactly
 * COSIGN_SIG_LEN bytes, and the Ed25519 signature covers
 * "cosignature/v1\ntime T\n" || body with the T it carries.
 */
#include "ledger/cosign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"

static const char em_dash[] = "\xe2\x80\x94"; /* U+2014 */
static const char header[] = "cosignature/v1\ntime ";

/* Signs (sig gets 64 bytes) or verifies the cosigned message. */
static int sign_or_verify(const struct note_key *k, bool sign, const char *body, size_t n,
                          uint64_t ts, uint8_t sig[64])
{
    struct buf msg;
    int rc;
    buf_init(&msg, NOTE_MAX_BYTES + 64);
    if (buf_printf(&msg, "%s%llu\n", header, (unsigned long long)ts) != BUF_OK ||
        buf_append(&msg, body, n) != BUF_OK) {
        buf_release(&msg);
        return NOTE_EMALFORMED;
    }
    if (sign) {
        size_t sl = 64;
        rc = note_key_sign_raw(k, msg.data, msg.len, sig, &sl);
        if (rc == NOTE_OK && sl != 64)
            rc = NOTE_ECRYPTO;
    } else {
        rc = note_key_verify_raw(k, msg.data, msg.len, sig, 64);
    }
    buf_release(&msg);
    return rc;
}

/* The body must be non-empty note text ending in '\n', within limits. */
static bool body_ok(const char *body, size_t n)
{
    return n > 0 && n <= NOTE_MAX_BYTES && body[n - 1] == '\n' && memchr(body, '\0', n) == NULL;
}

int cosign_sign(const struct note_key *k, const char *body, size_t n, uint64_t timestamp,
                struct buf *out)
{
    uint8_t sig[COSIGN_SIG_LEN];
    char b64[B64_LEN(COSIGN_SIG_LEN)];
    if (k->type != NOTE_COSIGN_V1 || !k->has_private || !body_ok(body, n))
        return NOTE_EMALFORMED;
    for (int i = 0; i < 4; i++)
        sig[i] = (uint8_t)(k->id >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        sig[4 + i] = (uint8_t)(timestamp >> (56 - 8 * i));
    int rc = sign_or_verify(k, true, body, n, timestamp, sig + 12);
    if (rc != NOTE_OK)
        return rc;
    b64_encode(sig, sizeof sig, b64);
    if (buf_printf(out, "%s %s %s\n", em_dash, k->name, b64) != BUF_OK)
        return NOTE_EMALFORMED;
    return NOTE_OK;
}

bool cosign_line_name(const char *line, size_t len, const char **name, size_t *nlen)
{
    uint8_t sig[4 + NOTE_MAX_SIG];
    size_t sl;
    return note_sig_line_parse(line, len, name, nlen, sig, sizeof sig, &sl) == NOTE_OK;
}

int cosign_verify_line(const struct note_key *k, const char *body, size_t n, const char *line,
                       size_t len, uint64_t *timestamp)
{
    const char *name;
    size_t nlen, sl;
    uint8_t sig[4 + NOTE_MAX_SIG];
    if (!body_ok(body, n) ||
        note_sig_line_parse(line, len, &name, &nlen, sig, sizeof sig, &sl) != NOTE_OK)
        return NOTE_EMALFORMED;
    if (k->type != NOTE_COSIGN_V1 || nlen != strlen(k->name) || memcmp(name, k->name, nlen) != 0)
        return NOTE_EUNVERIFIED;
    uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
    if (id != k->id)
        return NOTE_EUNVERIFIED;
    if (sl != COSIGN_SIG_LEN)
        return NOTE_EMALFORMED;
    uint64_t ts = 0;
    for (int i = 0; i < 8; i++)
        ts = ts << 8 | sig[4 + i];
    int rc = sign_or_verify(k, false, body, n, ts, sig + 12);
    if (rc == NOTE_OK && timestamp != NULL)
        *timestamp = ts;
    return rc;
}

const struct note_key *cosign_witness_find(const struct cosign_witnesses *w, const char *name,
                                           size_t nlen)
{
    for (size_t i = 0; w != NULL && i < w->n; i++)
        if (strlen(w->keys[i].name) == nlen && memcmp(w->keys[i].name, name, nlen) == 0)
            return &w->keys[i];
    return NULL;
}

void cosign_witnesses_free(struct cosign_witnesses *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n; i++)
        note_key_release(&w->keys[i]);
    free(w->keys);
    w->keys = NULL;
    w->n = 0;
}

static int witness_add(struct cosign_witnesses *w, const char *t, size_t n, char *err,
                       size_t errlen)
{
    struct note_key k;
    if (w->n >= COSIGN_MAX_WITNESSES) {
        snprintf(err, errlen, "more than %d witness keys", COSIGN_MAX_WITNESSES);
        return NOTE_EMALFORMED;
    }
    if (note_key_parse_vkey(&k, t, n) != NOTE_OK) {
        snprintf(err, errlen, "malformed witness key '%.*s'", (int)(n > 200 ? 200 : n), t);
        return NOTE_EMALFORMED;
    }
    if (k.type != NOTE_COSIGN_V1) {
        snprintf(err, errlen, "'%.*s' is not a witness (cosignature/v1) key",
                 (int)(n > 200 ? 200 : n), t);
        note_key_release(&k);
        return NOTE_EMALFORMED;
    }
    if (cosign_witness_find(w, k.name, strlen(k.name)) != NULL) {
        snprintf(err, errlen, "witness '%s' is configured twice", k.name);
        note_key_release(&k);
        return NOTE_EMALFORMED;
    }
    w->keys[w->n++] = k;
    return NOTE_OK;
}

int cosign_witnesses_load(struct cosign_witnesses *w, const char *const *vkeys, size_t nvkeys,
                          const char *file, char *err, size_t errlen)
{
    char line[1100];
    int rc = NOTE_OK;
    w->n = 0;
    w->keys = calloc(COSIGN_MAX_WITNESSES, sizeof *w->keys);
    if (w->keys == NULL) {
        snprintf(err, errlen, "out of memory");
        return NOTE_ECRYPTO;
    }
    for (size_t i = 0; rc == NOTE_OK && i < nvkeys; i++)
        rc = witness_add(w, vkeys[i], strlen(vkeys[i]), err, errlen);
    FILE *f = rc == NOTE_OK && file != NULL ? fopen(file, "r") : NULL;
    if (f != NULL) {
        while (rc == NOTE_OK && fgets(line, sizeof line, f) != NULL) {
            size_t n = strlen(line);
            if (n == sizeof line - 1 && line[n - 1] != '\n') {
                snprintf(err, errlen, "%s: line too long", file);
                rc = NOTE_EMALFORMED;
                break;
            }
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
                n--;
            if (n == 0 || line[0] == '#')
                continue;
            rc = witness_add(w, line, n, err, errlen);
        }
        fclose(f);
    }
    if (rc != NOTE_OK)
        cosign_witnesses_free(w);
    return rc;
}
