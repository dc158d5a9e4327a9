/*
 * ledger/cosign.c — C2SP tlog-cosignature v1 (cosign.h): witness keys,
 * cosignature lines, and their verification.
 *
 * Owns: the EVP_PKEY inside each struct cosign_key (freed by
 * cosign_key_release) and the key array of struct cosign_witnesses (loaded
 * once at start from --witness values and <data-dir>/ledger/witnesses,
 * read-only afterwards, freed by cosign_witnesses_free). Everything else is
 * pure and bounded; any thread may call it, and keys may be shared
 * read-only by several threads.
 *
 * Invariants: a line verifies only when its name and key id match the key,
 * its base64 is canonical and exactly COSIGN_SIG_LEN bytes, and the Ed25519
 * signature covers "cosignature/v1\ntime T\n" || body with the T it carries.
 */
#include "ledger/cosign.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"

static const char em_dash[] = "\xe2\x80\x94"; /* U+2014 */
static const char header[] = "cosignature/v1\ntime ";

/* Names: 1..NOTE_MAX_NAME bytes, no ASCII space/control, no '+'. */
static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n > NOTE_MAX_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == '+' || c == 0x7f)
            return false;
    }
    return true;
}

static int compute_id(struct cosign_key *k)
{
    uint8_t pub[32], h[32], t = COSIGN_TYPE;
    size_t plen = sizeof pub;
    unsigned int hl = 0;
    int rc = NOTE_ECRYPTO;
    if (EVP_PKEY_get_raw_public_key(k->pkey, pub, &plen) != 1 || plen != 32)
        return NOTE_ECRYPTO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return NOTE_ECRYPTO;
    if (EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(ctx, k->name, strlen(k->name)) == 1 &&
        EVP_DigestUpdate(ctx, "\n", 1) == 1 && EVP_DigestUpdate(ctx, &t, 1) == 1 &&
        EVP_DigestUpdate(ctx, pub, plen) == 1 && EVP_DigestFinal_ex(ctx, h, &hl) == 1) {
        k->id = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        rc = NOTE_OK;
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int key_init(struct cosign_key *k, const char *name, size_t nlen)
{
    memset(k, 0, sizeof *k);
    if (name == NULL || !name_ok(name, nlen))
        return NOTE_EMALFORMED;
    memcpy(k->name, name, nlen);
    k->name[nlen] = '\0';
    return NOTE_OK;
}

void cosign_key_release(struct cosign_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
    k->has_private = false;
}

int cosign_key_generate(struct cosign_key *k, const char *name)
{
    int rc = key_init(k, name, name ? strlen(name) : 0);
    if (rc != NOTE_OK)
        return rc;
    k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (k->pkey == NULL)
        return NOTE_ECRYPTO;
    k->has_private = true;
    rc = compute_id(k);
    if (rc != NOTE_OK)
        cosign_key_release(k);
    return rc;
}

/* Decodes canonical base64 (it re-encodes to the same text) into out. */
static long b64_strict(const char *s, size_t n, uint8_t *out, size_t cap)
{
    char re[B64_LEN(128)];
    if (n == 0 || n % 4 != 0 || n > sizeof re - 1)
        return -1;
    long got = b64_decode(s, n, out, cap, 0);
    if (got < 0)
        return -1;
    if (b64_encode(out, (size_t)got, re) != n || memcmp(re, s, n) != 0)
        return -1;
    return got;
}

/* "NAME+HHHHHHHH+base64(0x04 || 32 bytes)" */
static int parse_key(struct cosign_key *k, const char *t, size_t n, bool priv)
{
    uint8_t raw[64];
    uint32_t id = 0;
    memset(k, 0, sizeof *k);
    const char *p1 = n <= 1024 ? memchr(t, '+', n) : NULL;
    if (p1 == NULL)
        return NOTE_EMALFORMED;
    const char *rest = p1 + 1;
    size_t rn = n - (size_t)(rest - t);
    if (rn < 10 || rest[8] != '+')
        return NOTE_EMALFORMED;
    for (int i = 0; i < 8; i++) {
        int d = hex_digit(rest[i]);
        if (d < 0 || (rest[i] >= 'A' && rest[i] <= 'F'))
            return NOTE_EMALFORMED;
        id = id << 4 | (uint32_t)d;
    }
    int rc = key_init(k, t, (size_t)(p1 - t));
    if (rc != NOTE_OK)
        return rc;
    long rl = b64_strict(rest + 9, rn - 9, raw, sizeof raw);
    if (rl != 33 || raw[0] != COSIGN_TYPE)
        return NOTE_EMALFORMED;
    k->pkey = priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw + 1, 32)
                   : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw + 1, 32);
    OPENSSL_cleanse(raw, sizeof raw);
    if (k->pkey == NULL)
        return NOTE_EMALFORMED;
    k->has_private = priv;
    rc = compute_id(k);
    if (rc == NOTE_OK && k->id != id)
        rc = NOTE_EMALFORMED;
    if (rc != NOTE_OK)
        cosign_key_release(k);
    return rc;
}

int cosign_key_parse_vkey(struct cosign_key *k, const char *text, size_t n)
{
    return parse_key(k, text, n, false);
}

int cosign_key_parse_skey(struct cosign_key *k, const char *text, size_t n)
{
    static const char prefix[] = "PRIVATE+KEY+";
    if (n < sizeof prefix - 1 || memcmp(text, prefix, sizeof prefix - 1) != 0) {
        memset(k, 0, sizeof *k);
        return NOTE_EMALFORMED;
    }
    return parse_key(k, text + sizeof prefix - 1, n - (sizeof prefix - 1), true);
}

static int put_key(const struct cosign_key *k, bool priv, struct buf *out)
{
    uint8_t raw[33];
    char b64[B64_LEN(sizeof raw)];
    size_t l = 32;
    raw[0] = COSIGN_TYPE;
    if (priv && !k->has_private)
        return NOTE_EMALFORMED;
    if ((priv ? EVP_PKEY_get_raw_private_key(k->pkey, raw + 1, &l)
              : EVP_PKEY_get_raw_public_key(k->pkey, raw + 1, &l)) != 1 ||
        l != 32)
        return NOTE_ECRYPTO;
    b64_encode(raw, sizeof raw, b64);
    OPENSSL_cleanse(raw, sizeof raw);
    int rc = buf_printf(out, "%s%s+%08x+%s", priv ? "PRIVATE+KEY+" : "", k->name, (unsigned)k->id,
                        b64) == BUF_OK
                 ? NOTE_OK
                 : NOTE_EMALFORMED;
    OPENSSL_cleanse(b64, sizeof b64);
    return rc;
}

int cosign_key_vkey(const struct cosign_key *k, struct buf *out)
{
    return put_key(k, false, out);
}

int cosign_key_skey(const struct cosign_key *k, struct buf *out)
{
    return put_key(k, true, out);
}

/* Signs (sig gets 64 bytes) or verifies the cosigned message. */
static int sign_or_verify(const struct cosign_key *k, bool sign, const char *body, size_t n,
                          uint64_t ts, uint8_t sig[64])
{
    struct buf msg;
    int rc = NOTE_ECRYPTO;
    buf_init(&msg, NOTE_MAX_BYTES + 64);
    if (buf_printf(&msg, "%s%llu\n", header, (unsigned long long)ts) != BUF_OK ||
        buf_append(&msg, body, n) != BUF_OK) {
        buf_release(&msg);
        return NOTE_EMALFORMED;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        goto out;
    if (sign) {
        size_t sl = 64;
        if (EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL) == 1 &&
            EVP_DigestSign(ctx, sig, &sl, (const unsigned char *)msg.data, msg.len) == 1 &&
            sl == 64)
            rc = NOTE_OK;
    } else {
        if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL) != 1)
            goto out;
        rc = EVP_DigestVerify(ctx, sig, 64, (const unsigned char *)msg.data, msg.len) == 1
                 ? NOTE_OK
                 : NOTE_EBADSIG;
    }
out:
    EVP_MD_CTX_free(ctx);
    buf_release(&msg);
    return rc;
}

/* The body must be non-empty note text ending in '\n', within limits. */
static bool body_ok(const char *body, size_t n)
{
    return n > 0 && n <= NOTE_MAX_BYTES && body[n - 1] == '\n' && memchr(body, '\0', n) == NULL;
}

int cosign_sign(const struct cosign_key *k, const char *body, size_t n, uint64_t timestamp,
                struct buf *out)
{
    uint8_t sig[COSIGN_SIG_LEN];
    char b64[B64_LEN(COSIGN_SIG_LEN)];
    if (!k->has_private || !body_ok(body, n))
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
    size_t dl = sizeof em_dash - 1;
    if (len > 0 && line[len - 1] == '\n')
        len--;
    if (len < dl + 2 || memcmp(line, em_dash, dl) != 0 || line[dl] != ' ')
        return false;
    const char *s = line + dl + 1;
    const char *sp = memchr(s, ' ', len - dl - 1);
    if (sp == NULL || !name_ok(s, (size_t)(sp - s)))
        return false;
    *name = s;
    *nlen = (size_t)(sp - s);
    return true;
}

int cosign_verify_line(const struct cosign_key *k, const char *body, size_t n, const char *line,
                       size_t len, uint64_t *timestamp)
{
    const char *name;
    size_t nlen;
    uint8_t sig[COSIGN_SIG_LEN + 3];
    if (!body_ok(body, n) || !cosign_line_name(line, len, &name, &nlen))
        return NOTE_EMALFORMED;
    if (line[len - 1] == '\n')
        len--;
    const char *b64 = name + nlen + 1;
    size_t blen = len - (size_t)(b64 - line);
    if (memchr(b64, ' ', blen) != NULL || memchr(b64, '\n', blen) != NULL)
        return NOTE_EMALFORMED;
    long sl = b64_strict(b64, blen, sig, sizeof sig);
    if (sl < 0)
        return NOTE_EMALFORMED;
    if (nlen != strlen(k->name) || memcmp(name, k->name, nlen) != 0)
        return NOTE_EUNVERIFIED;
    if (sl < 4)
        return NOTE_EMALFORMED;
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

const struct cosign_key *cosign_witness_find(const struct cosign_witnesses *w, const char *name,
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
        cosign_key_release(&w->keys[i]);
    free(w->keys);
    w->keys = NULL;
    w->n = 0;
}

static int witness_add(struct cosign_witnesses *w, const char *t, size_t n, char *err,
                       size_t errlen)
{
    struct cosign_key k;
    if (w->n >= COSIGN_MAX_WITNESSES) {
        snprintf(err, errlen, "more than %d witness keys", COSIGN_MAX_WITNESSES);
        return NOTE_EMALFORMED;
    }
    if (cosign_key_parse_vkey(&k, t, n) != NOTE_OK) {
        snprintf(err, errlen, "malformed witness key '%.*s'", (int)(n > 200 ? 200 : n), t);
        return NOTE_EMALFORMED;
    }
    if (cosign_witness_find(w, k.name, strlen(k.name)) != NULL) {
        snprintf(err, errlen, "witness '%s' is configured twice", k.name);
        cosign_key_release(&k);
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
