/*
 * ledger/note.c — C2SP signed notes and tlog checkpoints (note.h): key
 * making and parsing, signing, strict parsing and verification. Every key
 * text of the log goes through here, witness cosignature keys (type 0x04)
 * included; cosign.c only builds and checks the cosigned message.
 *
 * Owns: the EVP_PKEY inside each struct note_key (freed by
 * note_key_release). Everything else is pure; any thread may call it, and a
 * key may be used by several threads at once once made (OpenSSL keys are
 * safe to share read-only).
 *
 * Parsing is strict and bounded, and never trusts the input's lengths:
 *   - the note is at most NOTE_MAX_BYTES, valid UTF-8, no control bytes but
 *     '\n', and ends in '\n';
 *   - the text is everything up to the last blank line; after it only
 *     signature lines "— NAME BASE64\n", at most NOTE_MAX_SIGS of them;
 *   - base64 must be canonical (it re-encodes to the same text), so one
 *     signature has exactly one spelling;
 *   - signatures from unknown (name, id) pairs are ignored; one from a known
 *     key that fails rejects the whole note (the spec's SHOULD, taken).
 */
#include "ledger/note.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "base/base64.h"
#include "base/utf8.h"

static const char sm2_ident[] = "sunbid-sm2"; /* follows the 0xff type byte */
#define SM2_TYPE_LEN (1 + sizeof sm2_ident - 1)
static const char sm2_userid[] = "1234567812345678"; /* GB/T 32918 default */
static const char em_dash[] = "\xe2\x80\x94";        /* U+2014 */

/* Ed25519 underneath: a note key (0x01) or a cosignature key (0x04). */
static bool is_ed25519(enum note_type t)
{
    return t == NOTE_ED25519 || t == NOTE_COSIGN_V1;
}

/* The type bytes of a signature type into out (room for SM2_TYPE_LEN). */
static size_t type_bytes(enum note_type t, uint8_t *out)
{
    out[0] = (uint8_t)t;
    if (is_ed25519(t))
        return 1;
    memcpy(out + 1, sm2_ident, sizeof sm2_ident - 1);
    return SM2_TYPE_LEN;
}

bool note_name_ok(const char *name, size_t n)
{
    if (n == 0 || n > NOTE_MAX_NAME)
        return false;
    for (size_t i = 0; i < n;) {
        const unsigned char *s = (const unsigned char *)name + i;
        size_t l = utf8_seq(s, n - i);
        if (l == 0)
            return false;
        if (l == 1 && (*s <= 0x20 || *s == '+' || *s == 0x7f))
            return false;
        /* U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028/9, U+202F, U+205F, U+3000 */
        if (l == 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
            return false;
        if (l == 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
            return false;
        if (l == 3 && s[0] == 0xe2 && s[1] == 0x80 &&
            (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
            return false;
        if (l == 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
            return false;
        if (l == 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
            return false;
        i += l;
    }
    return true;
}

/* The public key's encoding (Ed25519: 32 raw bytes; SM2: SPKI DER). */
static int pub_bytes(const struct note_key *k, uint8_t *out, size_t cap, size_t *len)
{
    if (is_ed25519(k->type)) {
        size_t n = cap;
        if (EVP_PKEY_get_raw_public_key(k->pkey, out, &n) != 1 || n != 32)
            return NOTE_ECRYPTO;
        *len = n;
        return NOTE_OK;
    }
    int n = i2d_PUBKEY(k->pkey, NULL);
    if (n <= 0 || (size_t)n > cap)
        return NOTE_ECRYPTO;
    unsigned char *p = out;
    if (i2d_PUBKEY(k->pkey, &p) != n)
        return NOTE_ECRYPTO;
    *len = (size_t)n;
    return NOTE_OK;
}

static int compute_id(struct note_key *k)
{
    uint8_t pub[512], tb[SM2_TYPE_LEN], h[32];
    size_t plen, tlen = type_bytes(k->type, tb);
    unsigned int hl = 0;
    int rc = pub_bytes(k, pub, sizeof pub, &plen);
    if (rc != NOTE_OK)
        return rc;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return NOTE_ECRYPTO;
    rc = NOTE_ECRYPTO;
    if (EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(ctx, k->name, strlen(k->name)) == 1 &&
        EVP_DigestUpdate(ctx, "\n", 1) == 1 && EVP_DigestUpdate(ctx, tb, tlen) == 1 &&
        EVP_DigestUpdate(ctx, pub, plen) == 1 && EVP_DigestFinal_ex(ctx, h, &hl) == 1) {
        k->id = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
        rc = NOTE_OK;
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

static int key_init(struct note_key *k, const char *name, size_t nlen, enum note_type type)
{
    memset(k, 0, sizeof *k);
    if (name == NULL || !note_name_ok(name, nlen) ||
        (type != NOTE_ED25519 && type != NOTE_COSIGN_V1 && type != NOTE_SM2))
        return NOTE_EMALFORMED;
    memcpy(k->name, name, nlen);
    k->name[nlen] = '\0';
    k->type = type;
    return NOTE_OK;
}

void note_key_release(struct note_key *k)
{
    if (k == NULL)
        return;
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
    k->has_private = false;
}

int note_key_generate(struct note_key *k, const char *name, enum note_type type)
{
    int rc = key_init(k, name, name ? strlen(name) : 0, type);
    if (rc != NOTE_OK)
        return rc;
    k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, is_ed25519(type) ? "ED25519" : "SM2");
    if (k->pkey == NULL)
        return NOTE_ECRYPTO;
    k->has_private = true;
    rc = compute_id(k);
    if (rc != NOTE_OK)
        note_key_release(k);
    return rc;
}

/* Splits "NAME+HHHHHHHH+B64" into its parts; the name may not hold '+'. */
static int split_key(const char *t, size_t n, const char **name, size_t *nlen, uint32_t *id,
                     const char **b64, size_t *blen)
{
    const char *p1 = memchr(t, '+', n);
    if (p1 == NULL)
        return NOTE_EMALFORMED;
    const char *rest = p1 + 1;
    size_t rn = n - (size_t)(rest - t);
    if (rn < 10 || rest[8] != '+')
        return NOTE_EMALFORMED;
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        int d = hex_digit(rest[i]);
        if (d < 0 || (rest[i] >= 'A' && rest[i] <= 'F'))
            return NOTE_EMALFORMED;
        v = v << 4 | (uint32_t)d;
    }
    *name = t;
    *nlen = (size_t)(p1 - t);
    *id = v;
    *b64 = rest + 9;
    *blen = rn - 9;
    return NOTE_OK;
}

/* Decodes canonical base64 (re-encodes to the same text) into out. */
static long b64_strict(const char *s, size_t n, uint8_t *out, size_t cap)
{
    char re[B64_LEN(NOTE_MAX_BYTES)];
    if (n == 0 || n % 4 != 0 || n > sizeof re - 1)
        return -1;
    long got = b64_decode(s, n, out, cap, 0);
    if (got < 0)
        return -1;
    if (b64_encode(out, (size_t)got, re) != n || memcmp(re, s, n) != 0)
        return -1;
    return got;
}

static int parse_key(struct note_key *k, const char *t, size_t n, bool priv)
{
    const char *name, *b64;
    size_t nlen, blen;
    uint32_t id;
    uint8_t raw[2048];
    long rl;
    int rc;

    memset(k, 0, sizeof *k);
    if (n > 4096)
        return NOTE_EMALFORMED;
    rc = split_key(t, n, &name, &nlen, &id, &b64, &blen);
    if (rc != NOTE_OK)
        return rc;
    rl = b64_strict(b64, blen, raw, sizeof raw);
    if (rl < 1)
        return NOTE_EMALFORMED;
    if (raw[0] == NOTE_ED25519 || raw[0] == NOTE_COSIGN_V1) {
        rc = key_init(k, name, nlen, (enum note_type)raw[0]);
        if (rc == NOTE_OK && rl != 33)
            rc = NOTE_EMALFORMED;
        if (rc != NOTE_OK) {
            OPENSSL_cleanse(raw, sizeof raw);
            return rc;
        }
        k->pkey = priv ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw + 1, 32)
                       : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw + 1, 32);
    } else if (raw[0] == NOTE_SM2) {
        rc = key_init(k, name, nlen, NOTE_SM2);
        if (rc != NOTE_OK)
            return rc;
        if ((size_t)rl <= SM2_TYPE_LEN || memcmp(raw + 1, sm2_ident, SM2_TYPE_LEN - 1) != 0)
            return NOTE_EMALFORMED;
        const unsigned char *p = raw + SM2_TYPE_LEN;
        long dl = rl - (long)SM2_TYPE_LEN;
        k->pkey = priv ? d2i_AutoPrivateKey(NULL, &p, dl) : d2i_PUBKEY(NULL, &p, dl);
        /* all bytes used, and really an SM2 key */
        if (k->pkey != NULL && (p != raw + rl || !EVP_PKEY_is_a(k->pkey, "SM2"))) {
            note_key_release(k);
            return NOTE_EMALFORMED;
        }
    } else {
        return NOTE_EMALFORMED;
    }
    OPENSSL_cleanse(raw, sizeof raw);
    if (k->pkey == NULL)
        return NOTE_EMALFORMED;
    k->has_private = priv;
    rc = compute_id(k);
    if (rc == NOTE_OK && k->id != id)
        rc = NOTE_EMALFORMED;
    if (rc != NOTE_OK)
        note_key_release(k);
    return rc;
}

int note_key_parse_vkey(struct note_key *k, const char *text, size_t n)
{
    return parse_key(k, text, n, false);
}

int note_key_parse_skey(struct note_key *k, const char *text, size_t n)
{
    static const char prefix[] = "PRIVATE+KEY+";
    if (n < sizeof prefix - 1 || memcmp(text, prefix, sizeof prefix - 1) != 0) {
        memset(k, 0, sizeof *k);
        return NOTE_EMALFORMED;
    }
    return parse_key(k, text + sizeof prefix - 1, n - (sizeof prefix - 1), true);
}

static int put_key_text(const struct note_key *k, const uint8_t *body, size_t blen, struct buf *out)
{
    uint8_t raw[2048];
    char b64[B64_LEN(sizeof raw)];
    size_t tl = type_bytes(k->type, raw);
    if (tl + blen > sizeof raw)
        return NOTE_ECRYPTO;
    memcpy(raw + tl, body, blen);
    b64_encode(raw, tl + blen, b64);
    int rc =
        buf_printf(out, "%s+%08x+%s", k->name, k->id, b64) == BUF_OK ? NOTE_OK : NOTE_EMALFORMED;
    OPENSSL_cleanse(raw, sizeof raw); /* it may hold a private key */
    OPENSSL_cleanse(b64, sizeof b64);
    return rc;
}

int note_key_vkey(const struct note_key *k, struct buf *out)
{
    uint8_t pub[512];
    size_t plen;
    int rc = pub_bytes(k, pub, sizeof pub, &plen);
    if (rc != NOTE_OK)
        return rc;
    return put_key_text(k, pub, plen, out);
}

int note_key_skey(const struct note_key *k, struct buf *out)
{
    uint8_t priv[1024];
    size_t plen = sizeof priv;
    int rc;

    if (!k->has_private)
        return NOTE_EMALFORMED;
    if (is_ed25519(k->type)) {
        if (EVP_PKEY_get_raw_private_key(k->pkey, priv, &plen) != 1 || plen != 32)
            return NOTE_ECRYPTO;
    } else {
        int n = i2d_PrivateKey(k->pkey, NULL);
        unsigned char *p = priv;
        if (n <= 0 || (size_t)n > sizeof priv || i2d_PrivateKey(k->pkey, &p) != n)
            return NOTE_ECRYPTO;
        plen = (size_t)n;
    }
    if (buf_puts(out, "PRIVATE+KEY+") != BUF_OK)
        return NOTE_EMALFORMED;
    rc = put_key_text(k, priv, plen, out);
    OPENSSL_cleanse(priv, sizeof priv);
    return rc;
}

/* Signs msg with k (out != NULL: *outlen is out's capacity in, the
 * signature's length out) or verifies sig[0..siglen) over it (out == NULL). */
static int sign_or_verify(const struct note_key *k, const void *msg, size_t n, uint8_t *out,
                          size_t *outlen, const uint8_t *sig, size_t siglen)
{
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    bool sign = out != NULL;
    int rc = NOTE_ECRYPTO, ok;

    if (k == NULL || k->pkey == NULL || (sign && !k->has_private))
        return NOTE_EMALFORMED;
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return NOTE_ECRYPTO;
    if (is_ed25519(k->type)) {
        ok = sign ? EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL)
                  : EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL);
    } else {
        pctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
        if (pctx == NULL ||
            EVP_PKEY_CTX_set1_id(pctx, sm2_userid, (int)(sizeof sm2_userid - 1)) != 1)
            goto out;
        EVP_MD_CTX_set_pkey_ctx(ctx, pctx);
        ok = sign ? EVP_DigestSignInit_ex(ctx, NULL, "SM3", NULL, NULL, k->pkey, NULL)
                  : EVP_DigestVerifyInit_ex(ctx, NULL, "SM3", NULL, NULL, k->pkey, NULL);
    }
    if (ok != 1)
        goto out;
    if (sign) {
        rc = EVP_DigestSign(ctx, out, outlen, msg, n) == 1 ? NOTE_OK : NOTE_ECRYPTO;
    } else {
        rc = EVP_DigestVerify(ctx, sig, siglen, msg, n) == 1 ? NOTE_OK : NOTE_EBADSIG;
    }
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_CTX_free(pctx);
    return rc;
}

int note_key_sign_raw(const struct note_key *k, const void *msg, size_t n, uint8_t *sig,
                      size_t *siglen)
{
    return sign_or_verify(k, msg, n, sig, siglen, NULL, 0);
}

int note_key_verify_raw(const struct note_key *k, const void *msg, size_t n, const uint8_t *sig,
                        size_t siglen)
{
    return sign_or_verify(k, msg, n, NULL, NULL, sig, siglen);
}

/* The note text rules: UTF-8, no control bytes but '\n'. */
static bool text_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)s + i;
        size_t l = utf8_seq(p, n - i);
        if (l == 0)
            return false;
        if (l == 1 && ((*p < 0x20 && *p != '\n') || *p == 0x7f))
            return false;
        i += l;
    }
    return true;
}

int note_sign(const char *text, size_t n, const struct note_key *keys, size_t nkeys,
              struct buf *out)
{
    uint8_t sig[4 + NOTE_MAX_SIG];
    char b64[B64_LEN(sizeof sig)];

    if (n == 0 || text[n - 1] != '\n' || n > NOTE_MAX_BYTES / 2 || !text_ok(text, n) ||
        nkeys == 0 || nkeys > NOTE_MAX_SIGS)
        return NOTE_EMALFORMED;
    if (buf_append(out, text, n) != BUF_OK || buf_putc(out, '\n') != BUF_OK)
        return NOTE_EMALFORMED;
    for (size_t i = 0; i < nkeys; i++) {
        size_t sl = NOTE_MAX_SIG;
        if (!keys[i].has_private || keys[i].type == NOTE_COSIGN_V1)
            return NOTE_EMALFORMED;
        sig[0] = (uint8_t)(keys[i].id >> 24);
        sig[1] = (uint8_t)(keys[i].id >> 16);
        sig[2] = (uint8_t)(keys[i].id >> 8);
        sig[3] = (uint8_t)keys[i].id;
        int rc = sign_or_verify(&keys[i], text, n, sig + 4, &sl, NULL, 0);
        if (rc != NOTE_OK)
            return rc;
        b64_encode(sig, 4 + sl, b64);
        if (buf_printf(out, "%s %s %s\n", em_dash, keys[i].name, b64) != BUF_OK)
            return NOTE_EMALFORMED;
    }
    return NOTE_OK;
}

int note_sig_line_parse(const char *line, size_t len, const char **name, size_t *nlen, uint8_t *sig,
                        size_t cap, size_t *siglen)
{
    const size_t dl = sizeof em_dash - 1;
    const char *s, *sp;
    long got;

    if (len > 0 && line[len - 1] == '\n')
        len--;
    if (len < dl + 2 || memcmp(line, em_dash, dl) != 0 || line[dl] != ' ')
        return NOTE_EMALFORMED;
    s = line + dl + 1;
    sp = memchr(s, ' ', len - dl - 1);
    if (sp == NULL || !note_name_ok(s, (size_t)(sp - s)))
        return NOTE_EMALFORMED;
    /* the rest is base64 alone: b64_strict refuses spaces and newlines */
    got = b64_strict(sp + 1, len - (size_t)(sp + 1 - line), sig, cap);
    if (got < 5)
        return NOTE_EMALFORMED;
    *name = s;
    *nlen = (size_t)(sp - s);
    *siglen = (size_t)got;
    return NOTE_OK;
}

int note_open(const char *msg, size_t n, const struct note_key *keys, size_t nkeys,
              size_t *text_len, int *verified)
{
    size_t tl, pos;
    int nsig = 0, good = 0;

    if (text_len != NULL)
        *text_len = 0;
    if (verified != NULL)
        *verified = 0;
    if (msg == NULL || n < 2 || n > NOTE_MAX_BYTES || msg[n - 1] != '\n' || !text_ok(msg, n))
        return NOTE_EMALFORMED;
    /* the text ends at the last "\n\n" */
    tl = 0;
    for (size_t i = n - 1; i-- > 0;) {
        if (msg[i] == '\n' && msg[i + 1] == '\n') {
            tl = i + 1;
            break;
        }
    }
    if (tl == 0)
        return NOTE_EMALFORMED;
    pos = tl + 1;
    if (pos >= n)
        return NOTE_EMALFORMED; /* no signature lines */
    while (pos < n) {
        const char *line = msg + pos;
        const char *nl = memchr(line, '\n', n - pos);
        size_t ll = (size_t)(nl - line);
        const char *name;
        size_t nlen, sl;
        uint8_t sig[4 + NOTE_MAX_SIG];
        uint32_t id;

        if (++nsig > NOTE_MAX_SIGS)
            return NOTE_EMALFORMED;
        if (note_sig_line_parse(line, ll, &name, &nlen, sig, sizeof sig, &sl) != NOTE_OK)
            return NOTE_EMALFORMED;
        id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
        for (size_t k = 0; k < nkeys; k++) {
            /* a cosignature key never signs the note text (note.h) */
            if (keys[k].type == NOTE_COSIGN_V1 || keys[k].id != id ||
                strlen(keys[k].name) != nlen || memcmp(keys[k].name, name, nlen) != 0)
                continue;
            if (sign_or_verify(&keys[k], msg, tl, NULL, NULL, sig + 4, sl - 4) != NOTE_OK)
                return NOTE_EBADSIG;
            good++;
            break;
        }
        pos += ll + 1;
    }
    if (text_len != NULL)
        *text_len = tl;
    if (verified != NULL)
        *verified = good;
    return good > 0 ? NOTE_OK : NOTE_EUNVERIFIED;
}

/* ---- checkpoints ---- */

int checkpoint_format(const struct checkpoint *cp, struct buf *out)
{
    char b64[B64_LEN(MERKLE_HASH_LEN)];
    size_t ol = strlen(cp->origin);
    if (ol == 0 || !text_ok(cp->origin, ol) || memchr(cp->origin, '\n', ol) != NULL)
        return NOTE_EMALFORMED;
    b64_encode(cp->root, MERKLE_HASH_LEN, b64);
    if (buf_printf(out, "%s\n%llu\n%s\n", cp->origin, (unsigned long long)cp->size, b64) != BUF_OK)
        return NOTE_EMALFORMED;
    return NOTE_OK;
}

int checkpoint_parse(const char *text, size_t n, struct checkpoint *cp)
{
    const char *line[3];
    size_t len[3], pos = 0;

    memset(cp, 0, sizeof *cp);
    if (n == 0 || n > NOTE_MAX_BYTES || text[n - 1] != '\n' || !text_ok(text, n))
        return NOTE_EMALFORMED;
    for (int i = 0; i < 3; i++) {
        const char *nl;
        if (pos >= n)
            return NOTE_EMALFORMED;
        nl = memchr(text + pos, '\n', n - pos);
        line[i] = text + pos;
        len[i] = (size_t)(nl - line[i]);
        pos += len[i] + 1;
    }
    /* extension lines: non-empty */
    for (size_t p = pos; p < n;) {
        const char *nl = memchr(text + p, '\n', n - p);
        if (nl == text + p)
            return NOTE_EMALFORMED;
        p = (size_t)(nl - text) + 1;
    }
    if (len[0] == 0 || len[0] > CHECKPOINT_MAX_ORIGIN)
        return NOTE_EMALFORMED;
    memcpy(cp->origin, line[0], len[0]);
    /* size: decimal, no sign, no leading zeros, < 2^63 */
    if (len[1] == 0 || len[1] > 19 || (len[1] > 1 && line[1][0] == '0'))
        return NOTE_EMALFORMED;
    for (size_t i = 0; i < len[1]; i++) {
        if (line[1][i] < '0' || line[1][i] > '9')
            return NOTE_EMALFORMED;
        cp->size = cp->size * 10 + (uint64_t)(line[1][i] - '0');
    }
    if (cp->size > (UINT64_C(1) << 62))
        return NOTE_EMALFORMED;
    if (b64_strict(line[2], len[2], cp->root, MERKLE_HASH_LEN) != MERKLE_HASH_LEN)
        return NOTE_EMALFORMED;
    return NOTE_OK;
}
