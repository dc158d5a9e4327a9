/*
 * receipt.c — bid receipts: the text format, the platform's receipt key and
 * Ed25519 signatures (receipt.h; docs/bids.md).
 *
 * The key lives in <data-dir>/receipt.key, PKCS#8 PEM, mode 0600, created
 * with O_EXCL on first use (two processes starting at once: one creates it,
 * the other reads it). It is a key of its own, not the witness log's: a
 * receipt is a promise to one bidder, a checkpoint a statement about the
 * whole log; separate keys keep a compromise or rotation of one from
 * touching the other, and no signed message of one kind can be replayed as
 * the other. The database keeps the public keys (receipt_keys) so that
 * anyone can fetch them (GET /api/receipt-keys).
 *
 * Threads: any; no shared state.
 */
#include "crypto/receipt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/base64.h"
#include "base/clock.h"
#include "crypto/random.h"

#define KEY_FILE_MAX 4096

/* ---- text ---- */

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > RECEIPT_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7E)
            return false;
    return true;
}

static bool hex64_ok(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[64] == '\0';
}

int receipt_format(const struct receipt *r, struct buf *out)
{
    char utc[25];
    if ((strcmp(r->kind, "submit") != 0 && strcmp(r->kind, "withdraw") != 0) || !id_ok(r->tender) ||
        !id_ok(r->bidder) || !hex64_ok(r->sha256) || !hex64_ok(r->chain) || !hex64_ok(r->signer) ||
        (strcmp(r->suite, "gm") != 0 && strcmp(r->suite, "intl") != 0) || r->tender_id <= 0 ||
        r->lot <= 0 || r->bidder_org_id <= 0 || r->bid_id <= 0 || r->version <= 0 || r->size <= 0 ||
        r->time_ms <= 0 || r->seq <= 0)
        return -1;
    clock_format_rfc3339(r->time_ms, utc);
    int rc = buf_printf(out,
                        RECEIPT_MAGIC "\nkind: %s\ntender: %s\ntender_id: %lld\nlot: %lld\n"
                                      "bidder: %s\nbidder_org_id: %lld\nbid_id: %lld\n"
                                      "version: %lld\nsha256: %s\nchain: %s\nsuite: %s\n"
                                      "size: %lld\nsigner: %s\ntime: %lld\ntime_utc: %s\n"
                                      "seq: %lld\n",
                        r->kind, r->tender, (long long)r->tender_id, (long long)r->lot, r->bidder,
                        (long long)r->bidder_org_id, (long long)r->bid_id, (long long)r->version,
                        r->sha256, r->chain, r->suite, (long long)r->size, r->signer,
                        (long long)r->time_ms, utc, (long long)r->seq);
    return rc == BUF_OK ? 0 : -1;
}

/* The value of line `name: value` at *p (advanced past the line), copied
 * into out (cap bytes with NUL). -1 when the line is not that. */
static int take_line(const char **p, const char *end, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *s = *p;
    if ((size_t)(end - s) < nl + 2 || memcmp(s, name, nl) != 0 || s[nl] != ':' || s[nl + 1] != ' ')
        return -1;
    s += nl + 2;
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    if (eol == NULL || eol == s || (size_t)(eol - s) >= cap)
        return -1;
    for (const char *q = s; q < eol; q++)
        if (*q < 0x20 || *q > 0x7E)
            return -1;
    memcpy(out, s, (size_t)(eol - s));
    out[eol - s] = '\0';
    *p = eol + 1;
    return 0;
}

static int take_int(const char **p, const char *end, const char *name, int64_t *v)
{
    char tmp[24];
    char *e = NULL;
    if (take_line(p, end, name, tmp, sizeof(tmp)) != 0 || tmp[0] < '1' || tmp[0] > '9')
        return -1;
    errno = 0;
    long long x = strtoll(tmp, &e, 10);
    if (errno != 0 || *e != '\0' || x <= 0)
        return -1;
    *v = (int64_t)x;
    return 0;
}

int receipt_parse(const char *text, size_t n, struct receipt *r)
{
    const char *p = text, *end = text + n;
    char utc[32];
    size_t ml = strlen(RECEIPT_MAGIC);
    memset(r, 0, sizeof(*r));
    if (n > RECEIPT_MAX_TEXT || n < ml + 1 || memcmp(p, RECEIPT_MAGIC "\n", ml + 1) != 0)
        return -1;
    p += ml + 1;
    if (take_line(&p, end, "kind", r->kind, sizeof(r->kind)) != 0 ||
        take_line(&p, end, "tender", r->tender, sizeof(r->tender)) != 0 ||
        take_int(&p, end, "tender_id", &r->tender_id) != 0 ||
        take_int(&p, end, "lot", &r->lot) != 0 ||
        take_line(&p, end, "bidder", r->bidder, sizeof(r->bidder)) != 0 ||
        take_int(&p, end, "bidder_org_id", &r->bidder_org_id) != 0 ||
        take_int(&p, end, "bid_id", &r->bid_id) != 0 ||
        take_int(&p, end, "version", &r->version) != 0 ||
        take_line(&p, end, "sha256", r->sha256, sizeof(r->sha256)) != 0 ||
        take_line(&p, end, "chain", r->chain, sizeof(r->chain)) != 0 ||
        take_line(&p, end, "suite", r->suite, sizeof(r->suite)) != 0 ||
        take_int(&p, end, "size", &r->size) != 0 ||
        take_line(&p, end, "signer", r->signer, sizeof(r->signer)) != 0 ||
        take_int(&p, end, "time", &r->time_ms) != 0 ||
        take_line(&p, end, "time_utc", utc, sizeof(utc)) != 0 ||
        take_int(&p, end, "seq", &r->seq) != 0 || p != end)
        return -1;
    /* the text must be exactly what receipt_format writes for these fields */
    struct buf again;
    buf_init(&again, RECEIPT_MAX_TEXT);
    int rc = receipt_format(r, &again);
    if (rc == 0 && (again.len != n || memcmp(again.data, text, n) != 0))
        rc = -1;
    buf_release(&again);
    return rc;
}

/* ---- keys ---- */

static EVP_PKEY *key_from_pem(const char *pem, size_t n, bool priv)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)n);
    EVP_PKEY *k = NULL;
    if (bio == NULL)
        return NULL;
    k = priv ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
             : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (k != NULL && EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    return k;
}

EVP_PKEY *receipt_key_parse(const char *pem, size_t n)
{
    if (pem == NULL || n == 0 || n > KEY_FILE_MAX)
        return NULL;
    EVP_PKEY *k = key_from_pem(pem, n, false);
    if (k == NULL)
        k = key_from_pem(pem, n, true);
    return k;
}

static int read_file(const char *path, char *out, size_t cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    if (fd < 0)
        return -1;
    for (;;) {
        ssize_t r = read(fd, out + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == cap)
            break;
    }
    close(fd);
    *len = got;
    return got > 0 && got < cap ? 0 : -1;
}

/* Creates path with a new key; EEXIST when another process was first. */
static int create_key(const char *path, char *err, size_t errlen)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *mem = NULL;
    char *data = NULL;
    long n = 0;
    int rc = -1, fd = -1;
    if (k == NULL) {
        snprintf(err, errlen, "Ed25519 key generation failed");
        goto out;
    }
    mem = BIO_new(BIO_s_mem());
    if (mem == NULL || PEM_write_bio_PrivateKey(mem, k, NULL, NULL, 0, NULL, NULL) != 1) {
        snprintf(err, errlen, "cannot encode the receipt key");
        goto out;
    }
    n = BIO_get_mem_data(mem, &data);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            rc = 1;
        else
            snprintf(err, errlen, "create %s: %s", path, strerror(errno));
        goto out;
    }
    if (write(fd, data, (size_t)n) != n || fsync(fd) != 0) {
        snprintf(err, errlen, "write %s: %s", path, strerror(errno));
        unlink(path);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    BIO_free(mem);
    EVP_PKEY_free(k);
    return rc;
}

int receipt_key_load(const char *dir, EVP_PKEY **key, char *err, size_t errlen)
{
    char path[1024], pem[KEY_FILE_MAX];
    size_t n = 0;
    struct stat st;
    *key = NULL;
    int pn = snprintf(path, sizeof(path), "%s/%s", dir, RECEIPT_KEY_FILE);
    if (pn < 0 || (size_t)pn >= sizeof(path)) {
        snprintf(err, errlen, "data directory path too long");
        return -1;
    }
    if (stat(path, &st) != 0) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (create_key(path, err, errlen) < 0)
            return -1;
    }
    if (read_file(path, pem, sizeof(pem), &n) != 0) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    *key = key_from_pem(pem, n, true);
    OPENSSL_cleanse(pem, sizeof(pem));
    if (*key == NULL) {
        snprintf(err, errlen, "%s is not an Ed25519 private key (PKCS#8 PEM)", path);
        return -1;
    }
    return 0;
}

int receipt_key_id(EVP_PKEY *key, char out[65])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key, &der);
    if (n <= 0)
        return -1;
    crypto_sha256_hex(der, (size_t)n, out);
    OPENSSL_free(der);
    return 0;
}

int receipt_key_pem(EVP_PKEY *key, struct buf *out)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL;
    int rc = -1;
    if (mem != NULL && PEM_write_bio_PUBKEY(mem, key) == 1) {
        long n = BIO_get_mem_data(mem, &data);
        if (n > 0 && buf_append(out, data, (size_t)n) == BUF_OK)
            rc = 0;
    }
    BIO_free(mem);
    return rc;
}

/* ---- signatures ---- */

int receipt_sign(EVP_PKEY *key, const char *text, size_t n, char sig[RECEIPT_SIG_B64])
{
    unsigned char raw[64];
    size_t len = sizeof(raw);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = -1;
    if (ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
        EVP_DigestSign(ctx, raw, &len, (const unsigned char *)text, n) == 1 && len == 64) {
        b64_encode(raw, len, sig);
        rc = 0;
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

bool receipt_verify(EVP_PKEY *key, const char *text, size_t n, const char *sig)
{
    unsigned char raw[66];
    bool ok = false;
    if (key == NULL || sig == NULL || strlen(sig) != RECEIPT_SIG_B64 - 1)
        return false;
    long len = b64_decode(sig, strlen(sig), raw, sizeof(raw), 0);
    if (len != 64)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
        EVP_DigestVerify(ctx, raw, 64, (const unsigned char *)text, n) == 1)
        ok = true;
    EVP_MD_CTX_free(ctx);
    return ok;
}
