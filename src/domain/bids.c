/*
 * domain/bids.c — sealed bid submission, versions, withdrawal and receipts
 * (bids.h; docs/bids.md).
 *
 * Invariants:
 *   - a bid row exists only for an envelope whose signature verified, bound
 *     to the row's tender (code) and lot, in the name of the row's bidder,
 *     signed with that bidder's active signing certificate (valid at the
 *     server time of the commit) and sealed to its active encryption
 *     certificate; its bytes are the blob blob_hash, durable before the row
 *     commits;
 *   - per (tender, lot, bidder) at most one version is 'submitted'; versions
 *     are numbered 1, 2, ... and never deleted;
 *   - every bid row and every withdrawal has a receipt, numbered per tender
 *     (seq 1, 2, ...), signed with the receipt key, written in the same
 *     transaction together with an audit row and a witness-log event whose
 *     doc_hash is the SHA-256 of the receipt's text;
 *   - no write happens at or after the tender's bid deadline by server time,
 *     read inside the committing transaction.
 *
 * The loop-thread half (bid_upload_write / _end) touches only the upload:
 * its file, hashes and envelope reader; everything from the store was
 * fetched at admission.
 *
 * Threads: see bids.h.
 */
#include "domain/bids.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "crypto/envelope.h"
#include "crypto/random.h"
#include "crypto/receipt.h"
#include "domain/escrow.h"
#include "ledger/ledger.h"

struct bid_upload {
    struct bid_service *svc;
    /* learned at admission (worker) */
    int64_t tender_id, lot_no, org_id;
    char tender_code[TENDER_CODE_MAX];
    char lot_str[24];
    char uscc[19];
    int64_t sign_cert_id;
    char sign_fp[65];
    uint8_t enc_key_id[32];
    struct actor who; /* strings point into the arrays below */
    char username[64], remote[64], request_id[17];
    /* the stream (loop thread) */
    int fd;
    char path[1100];
    bool file_gone; /* became a blob, or removed */
    bool in_mem;    /* a small body (declared <= BLOB_TX_MAX): kept in mem, no
                     * spool file (its bytes go into the commit anyway) */
    struct buf mem;
    uint64_t mem_held; /* bytes of bids_mem_held this upload reserved */
    EVP_MD_CTX *sha;
    struct envelope_reader *reader;
    uint64_t len;
    size_t magic_seen;
    bool header_checked;
    char sha_hex[65];
    char msg[320]; /* what was wrong, for the answer */
};

/* ---- the service ---- */

static void spool_clean(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        char p[1400];
        if (strncmp(de->d_name, "bid-", 4) != 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (unlink(p) == 0)
            log_info("bids: removed %s, left by an upload that never finished", p);
    }
    closedir(d);
}

/* The blob journal's flusher: every BID_FLUSH_MS, and once more at close. */
static void *flusher_main(void *arg)
{
    struct bid_service *svc = arg;
    bool stop = false;
    while (!stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)BID_FLUSH_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&svc->fl_mu);
        while (!svc->fl_stop && pthread_cond_timedwait(&svc->fl_cv, &svc->fl_mu, &until) == 0)
            ;
        stop = svc->fl_stop;
        pthread_mutex_unlock(&svc->fl_mu);
        int flushed = 0, rc;
        do
            rc = blob_journal_flush(svc->store, &flushed, NULL);
        while (rc == STORE_OK && flushed == BLOB_JOURNAL_BATCH);
        if (rc != STORE_OK && rc != STORE_BUSY)
            log_error("bids: flushing the blob journal: %s", store_errmsg(svc->store));
    }
    return NULL;
}

int bid_service_open(struct bid_service **out, struct store *s, const char *data_dir,
                     uint64_t max_bytes, const char *node, char *err, size_t errlen)
{
    struct bid_service *svc = calloc(1, sizeof(*svc));
    struct buf pem;
    struct store_tx *tx = NULL;
    int rc;
    *out = NULL;
    buf_init(&pem, 8192);
    if (svc == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    svc->store = s;
    pthread_mutex_init(&svc->gc_mu, NULL);
    pthread_cond_init(&svc->gc_cv, NULL);
    pthread_mutex_init(&svc->kid_mu, NULL);
    svc->gc_started = true;
    svc->max_bytes = max_bytes > 0 && max_bytes <= BID_HARD_MAX ? max_bytes : BID_DEFAULT_MAX;
    int n = snprintf(svc->spool_dir, sizeof(svc->spool_dir), "%s/spool", data_dir);
    if (n < 0 || (size_t)n >= sizeof(svc->spool_dir)) {
        snprintf(err, errlen, "data directory path too long");
        goto fail;
    }
    if (mkdir(svc->spool_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", svc->spool_dir, strerror(errno));
        goto fail;
    }
    spool_clean(svc->spool_dir);
    svc->trust = trust_cache_new();
    if (svc->trust == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (receipt_key_load(data_dir, &svc->receipt_key, err, errlen) != 0)
        goto fail;
    if (receipt_key_id(svc->receipt_key, svc->receipt_key_id) != 0 ||
        receipt_key_pem(svc->receipt_key, &pem) != 0 || buf_putc(&pem, '\0') != BUF_OK) {
        snprintf(err, errlen, "cannot encode the receipt key");
        goto fail;
    }
    svc->receipt_pub_pem = buf_detach(&pem, NULL);
    struct receipt_key_row row = {svc->receipt_key_id, "ed25519", svc->receipt_pub_pem, node,
                                  clock_now_ms()};
    for (int attempt = 0; attempt < DOMAIN_WRITE_ATTEMPTS; attempt++) {
        rc = store_begin(s, STORE_WRITE, &tx);
        if (rc == STORE_OK)
            rc = store_receipt_key_put(tx, &row);
        if (rc == STORE_OK)
            rc = store_commit(tx);
        else
            store_rollback(tx);
        tx = NULL;
        if (rc != STORE_BUSY)
            break;
    }
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot record the receipt key: %s", store_errmsg(s));
        goto fail;
    }
    /* blobs an earlier process journaled: durable (restored if a crash lost
     * them) before anything is served */
    int flushed = 0, restored = 0;
    do {
        rc = blob_journal_flush(s, &flushed, &restored);
        if (restored > 0)
            log_warn("bids: %d envelope(s) restored from the blob journal", restored);
    } while (rc == STORE_OK && flushed == BLOB_JOURNAL_BATCH);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot flush the blob journal: %s", store_errmsg(s));
        goto fail;
    }
    pthread_mutex_init(&svc->fl_mu, NULL);
    pthread_cond_init(&svc->fl_cv, NULL);
    if (pthread_create(&svc->flusher, NULL, flusher_main, svc) != 0) {
        snprintf(err, errlen, "cannot start the blob journal's flusher");
        pthread_cond_destroy(&svc->fl_cv);
        pthread_mutex_destroy(&svc->fl_mu);
        goto fail;
    }
    svc->fl_started = true;
    *out = svc;
    return 0;
fail:
    buf_release(&pem);
    bid_service_close(svc);
    return -1;
}

void bid_service_close(struct bid_service *svc)
{
    if (svc == NULL)
        return;
    if (svc->fl_started) {
        pthread_mutex_lock(&svc->fl_mu);
        svc->fl_stop = true;
        pthread_cond_signal(&svc->fl_cv);
        pthread_mutex_unlock(&svc->fl_mu);
        pthread_join(svc->flusher, NULL);
        pthread_cond_destroy(&svc->fl_cv);
        pthread_mutex_destroy(&svc->fl_mu);
    }
    if (svc->gc_started) {
        pthread_cond_destroy(&svc->gc_cv);
        pthread_mutex_destroy(&svc->gc_mu);
        pthread_mutex_destroy(&svc->kid_mu);
    }
    trust_cache_free(svc->trust);
    EVP_PKEY_free(svc->receipt_key);
    free(svc->receipt_pub_pem);
    free(svc);
}

/* ---- shared checks ---- */

static enum err fail_field(const char **field, const char *f, enum err e)
{
    if (field != NULL)
        *field = f;
    return e;
}

/* The tender is taking bids from this caller for lot_no at now: visible,
 * lot exists, bidding, not paused, before the deadline, registered. */
static enum err tender_open_for(struct store_tx *tx, struct arena *a, const struct tender_caller *c,
                                int64_t tender_id, int64_t lot_no, int64_t now, struct tender *t,
                                const char **field)
{
    struct tender_access acc;
    struct page lots;
    int rc = store_tender_get(tx, a, tender_id, t);
    if (rc != STORE_OK)
        return fail_field(field, "tender", domain_store_err(rc));
    enum err e = tender_access_check(tx, c, t, &acc);
    if (e != ERR_OK)
        return fail_field(field, "tender", e);
    if (!(c->roles & ROLE_BIDDER) || c->org_id == 0)
        return ERR_FORBIDDEN;
    rc = store_tender_lot_list(tx, a, tender_id, TENDER_LOTS_MAX, &lots);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    bool lot_ok = lots.n == 0 ? lot_no == 1 : false; /* no lots: the tender is lot 1 */
    for (int i = 0; i < lots.n && !lot_ok; i++)
        lot_ok = ((const struct tender_lot *)lots.items)[i].lot_no == lot_no;
    if (!lot_ok)
        return fail_field(field, "lot", ERR_NOT_FOUND);
    bool after = t->bid_deadline_ms > 0 && now >= t->bid_deadline_ms;
    if (strcmp(t->state, "bidding") != 0) {
        int st = tender_state_parse(t->state);
        if (st > TS_BIDDING && st != TS_CANCELLED && st != TS_FAILED)
            after = true;
        if (!after)
            return fail_field(field, "tender", ERR_BID_NOT_OPEN);
    }
    if (after)
        return fail_field(field, "tender", ERR_BID_AFTER_DEADLINE);
    if (t->paused)
        return fail_field(field, "tender", ERR_TENDER_PAUSED);
    if (!acc.registered)
        return fail_field(field, "tender", ERR_NOT_REGISTERED);
    return ERR_OK;
}

static struct tender_caller caller_copy(const struct bid_upload *u)
{
    struct tender_caller c = {u->who, ROLE_BIDDER, u->org_id, false};
    return c;
}

/* Validates a stored certificate for use at now against the trusted CAs. */
static enum err cert_valid_now(struct bid_service *svc, struct store_tx *tx, const void *der,
                               size_t der_len, enum x509_usage use, int64_t now, char *msg,
                               size_t msglen)
{
    struct trust_snapshot *snap = NULL;
    struct x509_result res;
    enum err e = trust_snapshot_get(svc->trust, tx, &snap);
    if (e != ERR_OK)
        return e;
    int rc = trust_check_der(snap, der, der_len, use, now, &res);
    if (rc != X509V_OK && msg != NULL)
        snprintf(msg, msglen, "%s certificate: %.280s",
                 use == X509V_USE_SIGN ? "signing" : "encryption", res.message);
    trust_snapshot_put(svc->trust, snap);
    return trust_x509_err(rc);
}

/* ---- admission ---- */

/* Bytes of small bodies held in memory by all uploads together: past
 * BIDS_MEM_MAX a small body is spooled like a big one, so that many slow
 * senders cannot pin memory (each may hold up to BLOB_TX_MAX). */
#define BIDS_MEM_MAX ((uint64_t)64 << 20)
static _Atomic uint64_t bids_mem_held;

static bool mem_reserve(struct bid_upload *u, uint64_t n)
{
    if (atomic_fetch_add(&bids_mem_held, n) + n > BIDS_MEM_MAX) {
        atomic_fetch_sub(&bids_mem_held, n);
        return false;
    }
    u->mem_held = n;
    return true;
}

static void mem_unreserve(struct bid_upload *u)
{
    atomic_fetch_sub(&bids_mem_held, u->mem_held);
    u->mem_held = 0;
}

static void upload_discard_file(struct bid_upload *u)
{
    buf_release(&u->mem);
    mem_unreserve(u);
    if (u->fd >= 0) {
        close(u->fd);
        u->fd = -1;
    }
    if (!u->file_gone && u->path[0] != '\0')
        unlink(u->path);
    u->file_gone = true;
}

void bid_upload_free(struct bid_upload *u)
{
    if (u == NULL)
        return;
    upload_discard_file(u);
    EVP_MD_CTX_free(u->sha);
    envelope_reader_free(u->reader);
    free(u);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* The key id of a registered encryption certificate (remembered by its
 * fingerprint, the SHA-256 of its DER, so an entry never goes stale).
 * 0, or -1 when the certificate holds no usable key. */
static int enc_key_id(struct bid_service *svc, const struct org_cert *enc, uint8_t out[32])
{
    const char *fp = enc->fingerprint;
    bool cacheable = fp != NULL && strlen(fp) == 64;
    unsigned slot = cacheable ? hash_fnv1a32(fp) % BID_KID_SLOTS : 0;
    if (cacheable) {
        pthread_mutex_lock(&svc->kid_mu);
        bool hit = strcmp(svc->kid[slot].fp, fp) == 0;
        if (hit)
            memcpy(out, svc->kid[slot].key_id, 32);
        pthread_mutex_unlock(&svc->kid_mu);
        if (hit)
            return 0;
    }
    X509 *ex = x509_parse(enc->der, enc->der_len);
    EVP_PKEY *ek = ex ? x509_pubkey(ex) : NULL;
    int kid = ek ? suite_key_id(ek, out) : -1;
    EVP_PKEY_free(ek);
    X509_free(ex);
    if (kid != SEAL_OK)
        return -1;
    if (cacheable) {
        pthread_mutex_lock(&svc->kid_mu);
        memcpy(svc->kid[slot].fp, fp, 65);
        memcpy(svc->kid[slot].key_id, out, 32);
        pthread_mutex_unlock(&svc->kid_mu);
    }
    return 0;
}

/* Creates the upload's spool file. 0, or -1 (logged). */
static int spool_open(struct bid_upload *u)
{
    int pn = snprintf(u->path, sizeof(u->path), "%s/bid-XXXXXX", u->svc->spool_dir);
    if (pn < 0 || (size_t)pn >= sizeof(u->path)) {
        u->path[0] = '\0';
        return -1;
    }
    u->fd = mkostemp(u->path, O_CLOEXEC);
    if (u->fd < 0) {
        log_error("bids: cannot create %s: %s", u->path, strerror(errno));
        u->path[0] = '\0';
        return -1;
    }
    return 0;
}

enum err bid_upload_begin(struct bid_service *svc, const struct tender_caller *c, int64_t tender_id,
                          int64_t lot_no, int64_t declared_len, struct bid_upload **out,
                          const char **field)
{
    struct store_tx *tx = NULL;
    struct arena a;
    struct tender t;
    struct org org;
    struct org_cert sign, enc;
    struct bid_upload *u = NULL;
    enum err e = ERR_OK;
    int rc;
    *out = NULL;
    if (field != NULL)
        *field = NULL;
    if (tender_id <= 0)
        return fail_field(field, "tender", ERR_NOT_FOUND);
    if (lot_no <= 0)
        return fail_field(field, "lot", ERR_NOT_FOUND);
    if (declared_len == 0)
        return fail_field(field, "body", ERR_BID_NOT_SEALED);
    if (declared_len > 0 && (uint64_t)declared_len > svc->max_bytes)
        return ERR_BODY_TOO_LARGE;
    arena_init(&a, 0);
    rc = store_begin(svc->store, STORE_READ, &tx);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    int64_t now = clock_now_ms();
    e = tender_open_for(tx, &a, c, tender_id, lot_no, now, &t, field);
    if (e != ERR_OK)
        goto out;
    rc = store_org_get(tx, &a, c->org_id, &org);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    rc = store_org_cert_active(tx, &a, c->org_id, "sign", &sign);
    if (rc == STORE_OK)
        rc = store_org_cert_active(tx, &a, c->org_id, "encrypt", &enc);
    if (rc == STORE_NOTFOUND) {
        e = fail_field(field, "certificate", ERR_CERT_NOT_REGISTERED);
        goto out;
    }
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    /* fail fast: a certificate that expired or was revoked since it was
     * registered cannot sign a bid (checked again at the commit) */
    e = cert_valid_now(svc, tx, sign.der, sign.der_len, X509V_USE_SIGN, now, NULL, 0);
    if (e != ERR_OK) {
        if (field != NULL)
            *field = "certificate";
        goto out;
    }
    u = calloc(1, sizeof(*u));
    if (u == NULL) {
        e = ERR_OVERLOADED;
        goto out;
    }
    u->fd = -1;
    u->svc = svc;
    u->tender_id = tender_id;
    u->lot_no = lot_no;
    u->org_id = c->org_id;
    copy_str(u->tender_code, sizeof(u->tender_code), t.code);
    snprintf(u->lot_str, sizeof(u->lot_str), "%lld", (long long)lot_no);
    copy_str(u->uscc, sizeof(u->uscc), org.uscc);
    u->sign_cert_id = sign.id;
    copy_str(u->sign_fp, sizeof(u->sign_fp), sign.fingerprint);
    if (enc_key_id(svc, &enc, u->enc_key_id) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    copy_str(u->username, sizeof(u->username), c->who.name);
    copy_str(u->remote, sizeof(u->remote), c->who.remote_addr);
    copy_str(u->request_id, sizeof(u->request_id), c->who.request_id);
    u->who.user_id = c->who.user_id;
    u->who.name = u->username;
    u->who.remote_addr = c->who.remote_addr ? u->remote : NULL;
    u->who.request_id = c->who.request_id ? u->request_id : NULL;
    u->sha = EVP_MD_CTX_new();
    u->reader = envelope_reader_new(NULL);
    if (u->sha == NULL || u->reader == NULL || EVP_DigestInit_ex(u->sha, EVP_sha256(), NULL) != 1) {
        e = ERR_OVERLOADED;
        goto out;
    }
    buf_init(&u->mem, BLOB_TX_MAX);
    if (declared_len > 0 && declared_len <= BLOB_TX_MAX && mem_reserve(u, declared_len)) {
        /* no spool file: the commit stores the bytes; memory grows with
         * the bytes received, not with what was declared */
        u->in_mem = true;
    } else if (spool_open(u) != 0) {
        e = ERR_STORE_UNAVAILABLE;
        goto out;
    }
    *out = u;
    u = NULL;
out:
    store_rollback(tx);
    arena_release(&a);
    bid_upload_free(u);
    return e;
}

/* ---- the stream (loop thread) ---- */

static enum err upload_fail(struct bid_upload *u, enum err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records what was wrong, drops the spool file, returns e. */
static enum err upload_fail(struct bid_upload *u, enum err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->msg, sizeof(u->msg), fmt, ap);
    va_end(ap);
    upload_discard_file(u);
    return e;
}

static enum err seal_to_err(int code)
{
    switch (code) {
    case SEAL_EBADSIG:
        return ERR_BID_BAD_SIGNATURE;
    case SEAL_EWRONGTENDER:
        return ERR_BID_WRONG_TENDER;
    case SEAL_EWRONGLOT:
        return ERR_BID_WRONG_LOT;
    case SEAL_EWRONGSIGNER:
        return ERR_BID_WRONG_SIGNER;
    case SEAL_EIO:
    case SEAL_ECRYPTO:
        return ERR_INTERNAL;
    default:
        return ERR_BID_MALFORMED;
    }
}

/* The header is in: is it bound to what this upload may be? */
static enum err header_check(struct bid_upload *u, const struct envelope_header *h)
{
    char fp[65];
    if (strcmp(h->tender, u->tender_code) != 0)
        return upload_fail(u, ERR_BID_WRONG_TENDER,
                           "The bid is sealed for tender %s, not this one.", h->tender);
    if (strcmp(h->lot, u->lot_str) != 0)
        return upload_fail(u, ERR_BID_WRONG_LOT, "The bid is sealed for lot %s, not this one.",
                           h->lot);
    if (h->org[0] != '\0' && strcmp(h->org, u->uscc) != 0)
        return upload_fail(u, ERR_BID_WRONG_BIDDER,
                           "The bid is sealed in the name of %s, not your organisation.", h->org);
    hex_encode(h->signer_fp, 32, fp);
    if (strcmp(fp, u->sign_fp) != 0)
        return upload_fail(u, ERR_BID_WRONG_SIGNER,
                           "The bid is signed with certificate %s, not your registered signing "
                           "certificate.",
                           fp);
    if (h->n_recipients < 1 || h->rcpt[0].kind != ENVELOPE_RCPT_BIDDER ||
        memcmp(h->rcpt[0].key_id, u->enc_key_id, 32) != 0)
        return upload_fail(u, ERR_BID_WRONG_RECIPIENT, "%s",
                           "The bid is not sealed to your registered encryption certificate: you "
                           "could not open it at the opening.");
    return ERR_OK;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

enum err bid_upload_write(struct bid_upload *u, const void *p, size_t n)
{
    struct seal_error serr;
    const unsigned char *b = p;
    if (u->file_gone)
        return ERR_BID_MALFORMED; /* failed before: nothing more is taken */
    if (u->len + n > u->svc->max_bytes)
        return upload_fail(u, ERR_BODY_TOO_LARGE, "%s",
                           "The bid is larger than this platform takes.");
    /* not an envelope at all: say so plainly (an unencrypted file) */
    for (size_t i = 0; u->magic_seen < ENVELOPE_MAGIC_LEN && i < n; i++, u->magic_seen++)
        if (b[i] != (unsigned char)ENVELOPE_MAGIC[u->magic_seen])
            return upload_fail(u, ERR_BID_NOT_SEALED, "%s",
                               "The file is not a sealed bid envelope (.sbe): seal it with sunbid "
                               "seal or the page's sealing tool first.");
    if (envelope_reader_feed(u->reader, p, n, &serr) != SEAL_OK)
        return upload_fail(u, seal_to_err(serr.code), "The envelope is not valid: %s", serr.msg);
    if (!u->header_checked) {
        const struct envelope_header *h = envelope_reader_header(u->reader);
        if (h != NULL) {
            u->header_checked = true;
            enum err e = header_check(u, h);
            if (e != ERR_OK)
                return e;
        }
    }
    if (EVP_DigestUpdate(u->sha, p, n) != 1)
        return upload_fail(u, ERR_INTERNAL, "%s", "hashing failed");
    if (u->in_mem && u->mem.len + n > BLOB_TX_MAX) {
        /* more than declared (cannot happen with Content-Length): spill */
        if (spool_open(u) != 0 || write_all(u->fd, u->mem.data, u->mem.len) != 0)
            return upload_fail(u, ERR_STORE_UNAVAILABLE, "%s",
                               "The platform could not store the bid.");
        buf_release(&u->mem);
        mem_unreserve(u);
        u->in_mem = false;
    }
    if (u->in_mem) {
        if (buf_append(&u->mem, p, n) != BUF_OK)
            return upload_fail(u, ERR_OVERLOADED, "%s", "The platform could not hold the bid.");
    } else if (write_all(u->fd, p, n) != 0) {
        log_error("bids: write %s: %s", u->path, strerror(errno));
        return upload_fail(u, ERR_STORE_UNAVAILABLE, "%s", "The platform could not store the bid.");
    }
    u->len += n;
    return ERR_OK;
}

enum err bid_upload_end(struct bid_upload *u, const char **digest)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    *digest = NULL;
    if (u->file_gone)
        return ERR_BID_MALFORMED;
    if (u->len == 0)
        return upload_fail(u, ERR_BID_NOT_SEALED, "%s", "The upload is empty.");
    if (u->magic_seen < ENVELOPE_MAGIC_LEN)
        return upload_fail(u, ERR_BID_NOT_SEALED, "%s", "The file is not a sealed bid envelope.");
    if (EVP_DigestFinal_ex(u->sha, md, &mdlen) != 1 || mdlen != 32)
        return upload_fail(u, ERR_INTERNAL, "%s", "hashing failed");
    hex_encode(md, 32, u->sha_hex);
    *digest = u->sha_hex;
    return ERR_OK;
}

const char *bid_upload_message(const struct bid_upload *u)
{
    return u != NULL && u->msg[0] != '\0' ? u->msg : NULL;
}

uint64_t bid_upload_size(const struct bid_upload *u)
{
    return u->len;
}

/* ---- the commit (worker) ---- */

/* Fills, signs and stores the receipt of bid b; writes the audit row and the
 * witness-log event. */
static enum err receipt_write(struct store_tx *tx, struct bid_service *svc, struct arena *a,
                              const struct actor *who, const char *kind, const char *tender_code,
                              const char *uscc, const struct bid *b, int64_t seq, int64_t now,
                              struct bid_receipt *out)
{
    struct receipt r = {0};
    struct buf text, detail;
    struct jsonw w;
    char sig[RECEIPT_SIG_B64], text_hash[65];
    enum err e = ERR_OK;
    int rc;
    copy_str(r.kind, sizeof(r.kind), kind);
    copy_str(r.tender, sizeof(r.tender), tender_code);
    r.tender_id = b->tender_id;
    r.lot = b->lot_no;
    copy_str(r.bidder, sizeof(r.bidder), uscc);
    r.bidder_org_id = b->org_id;
    r.bid_id = b->id;
    r.version = b->version;
    copy_str(r.sha256, sizeof(r.sha256), b->blob_hash);
    copy_str(r.chain, sizeof(r.chain), b->chain_hash);
    copy_str(r.suite, sizeof(r.suite), b->suite);
    r.size = b->size;
    copy_str(r.signer, sizeof(r.signer), b->signer_fp);
    r.time_ms = now;
    r.seq = seq;
    buf_init(&text, RECEIPT_MAX_TEXT);
    buf_init(&detail, 4096);
    if (receipt_format(&r, &text) != 0 || buf_putc(&text, '\0') != BUF_OK ||
        receipt_sign(svc->receipt_key, text.data, text.len - 1, sig) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    memset(out, 0, sizeof(*out));
    out->tender_id = b->tender_id;
    out->seq = seq;
    out->bid_id = b->id;
    out->org_id = b->org_id;
    out->kind = kind;
    out->body = arena_strndup(a, text.data, text.len - 1);
    out->key_id = svc->receipt_key_id;
    out->signature = arena_strdup(a, sig);
    out->created_ms = now;
    if (out->body == NULL || out->signature == NULL) {
        e = ERR_INTERNAL;
        goto out;
    }
    rc = store_receipt_insert(tx, out, &out->id);
    if (rc == STORE_CONSTRAINT) { /* another bid took the number meanwhile */
        e = ERR_STORE_BUSY;
        goto out;
    }
    jsonw_init(&w, &detail);
    jsonw_obj_begin(&w);
    jsonw_kint(&w, "tender_id", b->tender_id);
    jsonw_kint(&w, "lot", b->lot_no);
    jsonw_kint(&w, "version", b->version);
    jsonw_kint(&w, "seq", seq); /* no hash, no size: they belong to the bidder's receipt */
    jsonw_obj_end(&w);
    if (rc == STORE_OK && jsonw_finish(&w) != JSONW_OK)
        rc = STORE_ERROR;
    char action[24];
    snprintf(action, sizeof(action), "bid.%s", kind);
    if (rc == STORE_OK)
        rc = audit_record(tx, who, action, "bid", b->id, detail.data);
    crypto_sha256_hex(text.data, text.len - 1, text_hash);
    if (rc == STORE_OK) {
        struct ledger_event ev = {.type = action,
                                  .subject_type = "bid",
                                  .subject_id = b->id,
                                  .actor_id = who->user_id,
                                  .actor_name = who->name ? who->name : "system",
                                  .doc_hash = text_hash,
                                  .tender_id = b->tender_id};
        rc = ledger_append(tx, &ev);
    }
    e = domain_store_err(rc);
out:
    buf_release(&text);
    buf_release(&detail);
    return e;
}

struct commit_job {
    struct bid_upload *u;
    struct arena *a;
    const char *suite;
    char chain[65];
    struct bid_outcome *out;
    const char *field;
    const void *small; /* an envelope of up to BLOB_TX_MAX bytes: its bytes,
                        * stored by the commit itself (blob_put_tx); NULL: the
                        * spool file became the blob before */
    bool wrote;        /* commit_tx got past its checks and wrote */
    bool checks;       /* commit_tx also checks the signing certificate at
                        * server time and the escrow recipient (a small
                        * envelope: no read transaction of its own before) */
};

static enum err commit_tx(struct store_tx *tx, void *arg)
{
    struct commit_job *j = arg;
    struct bid_upload *u = j->u;
    struct tender t;
    struct bid latest;
    struct org_cert sign;
    struct tender_caller c = caller_copy(u);
    int64_t now = clock_now_ms(), seq = 0;
    memset(j->out, 0, sizeof(*j->out));
    enum err e = tender_open_for(tx, j->a, &c, u->tender_id, u->lot_no, now, &t, &j->field);
    if (e != ERR_OK)
        return e;
    int rc = store_org_cert_active(tx, j->a, u->org_id, "sign", &sign);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && sign.id != u->sign_cert_id)) {
        snprintf(u->msg, sizeof(u->msg), "%s",
                 "Your organisation's certificates were replaced during the upload.");
        return ERR_BID_WRONG_SIGNER; /* the certificates were replaced meanwhile */
    }
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (j->checks) {
        e = cert_valid_now(u->svc, tx, sign.der, sign.der_len, X509V_USE_SIGN, now, u->msg,
                           sizeof(u->msg));
        if (e == ERR_OK) /* a tender with escrow: sealed to its key too (domain/escrow.h) */
            e = escrow_bid_check(tx, u->tender_id, envelope_reader_header(u->reader), u->msg,
                                 sizeof(u->msg));
        if (e != ERR_OK)
            return e;
    }
    rc = store_bid_latest(tx, j->a, u->tender_id, u->lot_no, u->org_id, &latest);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return domain_store_err(rc);
    bool have = rc == STORE_OK;
    if (have && strcmp(latest.state, "submitted") == 0 &&
        strcmp(latest.blob_hash, u->sha_hex) == 0) {
        /* the same bytes again: the current version stands */
        j->out->bid = latest;
        j->out->unchanged = true;
        rc = store_receipt_of_bid(tx, j->a, latest.id, "submit", &j->out->receipt);
        return domain_store_err(rc);
    }
    j->wrote = true; /* from here on an error may leave writes behind */
    if (have && strcmp(latest.state, "submitted") == 0) {
        rc = store_bid_end(tx, latest.id, "superseded", now);
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    rc = store_bid_next_seq(tx, u->tender_id, u->org_id, &seq);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    struct bid *b = &j->out->bid;
    b->tender_id = u->tender_id;
    b->lot_no = u->lot_no;
    b->org_id = u->org_id;
    b->version = have ? latest.version + 1 : 1;
    b->state = "submitted";
    b->blob_hash = u->sha_hex;
    b->size = (int64_t)u->len;
    b->suite = j->suite;
    b->chain_hash = arena_strdup(j->a, j->chain); /* j lives on the caller's stack */
    if (b->chain_hash == NULL)
        return ERR_OVERLOADED;
    b->signer_fp = u->sign_fp;
    b->signer_cert_id = u->sign_cert_id;
    b->user_id = u->who.user_id;
    b->remote_addr = u->who.remote_addr;
    b->submitted_ms = now;
    b->seq = seq;
    if (j->small != NULL) {
        rc = blob_put_tx(tx, j->small, u->len, u->sha_hex);
        if (rc != STORE_OK)
            return domain_store_err(rc == STORE_ERROR ? STORE_UNAVAILABLE : rc);
    }
    rc = store_bid_insert(tx, b, &b->id);
    if (rc == STORE_CONSTRAINT)
        return ERR_STORE_BUSY; /* a concurrent version: try again */
    if (rc != STORE_OK)
        return domain_store_err(rc);
    return receipt_write(tx, u->svc, j->a, &u->who, "submit", u->tender_code, u->uscc, b, seq, now,
                         &j->out->receipt);
}

/* ---- group commit ----
 *
 * One SQLite commit is one fsync of the WAL, and on a busy server the
 * commits of concurrent uploads queued behind each other at the writer gate,
 * each paying its own. Here they share: a committing worker queues its job;
 * the first that finds no leader leads, takes the queue (at most
 * BID_GC_MAX), runs every job's commit_tx in ONE write transaction and
 * commits it, then answers each job and wakes the waiters; jobs that queued
 * meanwhile form the next group. A job is answered ERR_OK only after the
 * commit holding it returned (durable), exactly as before.
 *
 * A job refused by its checks (deadline, certificate replaced, ...) wrote
 * nothing (commit_job.wrote is false, no statement failed): its answer
 * stands and the others go on. Any other failure (a statement, the commit,
 * a busy database) rolls the group back and commits each job again on its
 * own through domain_write, with its retries: the same outcome as without
 * grouping. A group of one is just that. */

#define BID_GC_MAX 32

struct bid_gc_slot {
    struct commit_job *j;
    enum err e;
    bool done; /* under gc_mu */
    struct bid_gc_slot *next;
};

/* May a job's refusal stand while the rest of its group commits? Only a
 * verdict of the checks, never a store failure. */
static bool refusal_stands(const struct commit_job *j, enum err e)
{
    return !j->wrote && e != ERR_STORE_BUSY && e != ERR_STORE_UNAVAILABLE && e != ERR_INTERNAL &&
           e != ERR_OVERLOADED && e != ERR_ALREADY_EXISTS;
}

/* Commits the n jobs of a group; sets each slot's e. */
static void group_run(struct bid_service *svc, struct bid_gc_slot **g, int n)
{
    struct store_tx *tx = NULL;
    bool ok = n > 1;
    if (ok && store_begin(svc->store, STORE_WRITE, &tx) != STORE_OK)
        ok = false;
    for (int i = 0; ok && i < n; i++) {
        g[i]->j->wrote = false;
        g[i]->e = commit_tx(tx, g[i]->j);
        if (g[i]->e != ERR_OK && !refusal_stands(g[i]->j, g[i]->e))
            ok = false;
    }
    if (ok && store_commit(tx) == STORE_OK)
        return;
    if (tx != NULL && !ok)
        store_rollback(tx);
    /* one by one, as without grouping */
    for (int i = 0; i < n; i++)
        g[i]->e = domain_write(svc->store, commit_tx, g[i]->j);
}

static enum err group_write(struct bid_service *svc, struct commit_job *j)
{
    struct bid_gc_slot me = {j, ERR_OK, false, NULL};
    struct bid_gc_slot *g[BID_GC_MAX];
    pthread_mutex_lock(&svc->gc_mu);
    if (svc->gc_tail != NULL)
        svc->gc_tail->next = &me;
    else
        svc->gc_head = &me;
    svc->gc_tail = &me;
    while (!me.done) {
        if (svc->gc_busy) {
            pthread_cond_wait(&svc->gc_cv, &svc->gc_mu);
            continue;
        }
        /* lead: me is still queued (a group that took it would be done),
         * perhaps behind more than one group */
        int n = 0;
        while (svc->gc_head != NULL && n < BID_GC_MAX) {
            g[n++] = svc->gc_head;
            svc->gc_head = svc->gc_head->next;
        }
        if (svc->gc_head == NULL)
            svc->gc_tail = NULL;
        svc->gc_busy = true;
        pthread_mutex_unlock(&svc->gc_mu);
        group_run(svc, g, n);
        pthread_mutex_lock(&svc->gc_mu);
        for (int i = 0; i < n; i++)
            g[i]->done = true;
        svc->gc_busy = false;
        pthread_cond_broadcast(&svc->gc_cv);
    }
    pthread_mutex_unlock(&svc->gc_mu);
    return me.e;
}

/* Reads the whole spool file of a small envelope (len bytes) into out. */
static int read_small(const char *path, size_t len, struct buf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || buf_reserve(out, len) != BUF_OK) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, out->data + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != len)
        return -1;
    out->len = len;
    return 0;
}

/* Step 2 of a spooled upload's commit, in a read transaction of its own:
 * the deadline, the signing certificate at server time and the escrow
 * recipient, before the spool file becomes a blob. */
static enum err spool_checks(struct bid_upload *u, struct arena *a)
{
    struct store_tx *tx = NULL;
    struct org_cert sign;
    enum err e;
    int rc = store_begin(u->svc->store, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    struct tender t;
    struct tender_caller c = caller_copy(u);
    e = tender_open_for(tx, a, &c, u->tender_id, u->lot_no, clock_now_ms(), &t, NULL);
    if (e != ERR_OK) {
        store_rollback(tx);
        upload_discard_file(u);
        if (e == ERR_BID_AFTER_DEADLINE)
            snprintf(u->msg, sizeof(u->msg),
                     "The upload ended after the bid deadline by the platform's clock.");
        return e;
    }
    rc = store_org_cert_active(tx, a, u->org_id, "sign", &sign);
    if (rc == STORE_OK && sign.id != u->sign_cert_id)
        rc = STORE_NOTFOUND;
    if (rc == STORE_NOTFOUND) {
        store_rollback(tx);
        return upload_fail(u, ERR_BID_WRONG_SIGNER, "%s",
                           "Your organisation's certificates were replaced during the upload.");
    }
    if (rc != STORE_OK) {
        store_rollback(tx);
        return domain_store_err(rc);
    }
    e = cert_valid_now(u->svc, tx, sign.der, sign.der_len, X509V_USE_SIGN, clock_now_ms(), u->msg,
                       sizeof(u->msg));
    if (e == ERR_OK) /* a tender with escrow: sealed to its key too (domain/escrow.h) */
        e = escrow_bid_check(tx, u->tender_id, envelope_reader_header(u->reader), u->msg,
                             sizeof(u->msg));
    store_rollback(tx);
    if (e != ERR_OK) {
        upload_discard_file(u);
        return e;
    }
    return ERR_OK;
}

enum err bid_upload_commit(struct bid_upload *u, struct arena *a, struct bid_outcome *out)
{
    struct seal_error serr;
    uint8_t chain[SUITE_HASH_LEN];
    struct commit_job j = {u, a, NULL, {0}, out, NULL, NULL, false, false};
    struct buf small;
    enum err e;
    memset(out, 0, sizeof(*out));
    if (u->file_gone || u->sha_hex[0] == '\0')
        return ERR_BID_MALFORMED;
    /* 1. the signature over everything */
    if (envelope_reader_finish(u->reader, &serr) != SEAL_OK)
        return upload_fail(u, seal_to_err(serr.code), "The envelope is not valid: %s", serr.msg);
    if (envelope_reader_signed_hash(u->reader, chain) != SEAL_OK)
        return upload_fail(u, ERR_BID_MALFORMED, "%s", "The envelope is incomplete.");
    hex_encode(chain, sizeof(chain), j.chain);
    j.suite = envelope_reader_header(u->reader)->suite->name;
    /* 2. the signing certificate at server time, and a first look at the
     *    deadline before the bytes become a blob; a small envelope has
     *    these checked by the commit's transaction itself (commit_tx) */
    j.checks = u->in_mem;
    e = j.checks ? ERR_OK : spool_checks(u, a);
    if (e != ERR_OK)
        return e;
    int rc;
    /* 3. durable bytes: a small envelope goes into the commit itself (one
     *    durable write for the bytes and the rows); a larger spool file
     *    becomes the blob first (fsync + rename) */
    if (u->fd >= 0) {
        close(u->fd);
        u->fd = -1;
    }
    buf_init(&small, BLOB_TX_MAX);
    if (u->in_mem) { /* the bytes never left memory */
        small = u->mem;
        buf_init(&u->mem, BLOB_TX_MAX);
        j.small = small.data;
        u->file_gone = true;
    } else if (u->len <= BLOB_TX_MAX && read_small(u->path, (size_t)u->len, &small) == 0) {
        j.small = small.data;
        upload_discard_file(u);
    } else {
        u->file_gone = true; /* blob_put_file consumes it whatever happens */
        rc = blob_put_file(u->svc->store, u->path, (size_t)u->len, u->sha_hex);
        if (rc != STORE_OK) {
            buf_release(&small);
            log_error("bids: storing the envelope %s failed: %s", u->sha_hex,
                      store_errmsg(u->svc->store));
            return domain_store_err(rc == STORE_ERROR ? STORE_UNAVAILABLE : rc);
        }
    }
    /* 4. the rows, the receipt and the log, by server time, in one
     *    transaction with whatever other uploads end meanwhile */
    e = group_write(u->svc, &j);
    buf_release(&small);
    if (e == ERR_BID_AFTER_DEADLINE)
        snprintf(u->msg, sizeof(u->msg),
                 "The upload ended after the bid deadline by the platform's clock.");
    return e;
}

/* ---- withdrawal ---- */

struct withdraw_job {
    struct bid_service *svc;
    const struct tender_caller *c;
    int64_t tender_id, lot_no;
    struct arena *a;
    struct bid_outcome *out;
    const char *field;
};

static enum err withdraw_tx(struct store_tx *tx, void *arg)
{
    struct withdraw_job *j = arg;
    struct tender t;
    struct org org;
    struct bid b;
    int64_t now = clock_now_ms(), seq = 0;
    memset(j->out, 0, sizeof(*j->out));
    enum err e = tender_open_for(tx, j->a, j->c, j->tender_id, j->lot_no, now, &t, &j->field);
    if (e != ERR_OK)
        return e;
    int rc = store_org_get(tx, j->a, j->c->org_id, &org);
    if (rc == STORE_OK)
        rc = store_bid_latest(tx, j->a, j->tender_id, j->lot_no, j->c->org_id, &b);
    if (rc == STORE_OK && strcmp(b.state, "submitted") != 0)
        rc = STORE_NOTFOUND; /* nothing current to withdraw */
    if (rc == STORE_NOTFOUND)
        j->field = "bid";
    if (rc == STORE_OK)
        rc = store_bid_end(tx, b.id, "withdrawn", now);
    if (rc == STORE_OK)
        rc = store_bid_next_seq(tx, j->tender_id, j->c->org_id, &seq);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    b.state = "withdrawn";
    b.ended_ms = now;
    j->out->bid = b;
    return receipt_write(tx, j->svc, j->a, &j->c->who, "withdraw", t.code, org.uscc, &b, seq, now,
                         &j->out->receipt);
}

enum err bid_withdraw(struct bid_service *svc, const struct tender_caller *c, int64_t tender_id,
                      int64_t lot_no, struct arena *a, struct bid_outcome *out, const char **field)
{
    struct withdraw_job j = {svc, c, tender_id, lot_no, a, out, NULL};
    if (tender_id <= 0)
        return fail_field(field, "tender", ERR_NOT_FOUND);
    if (lot_no <= 0)
        return fail_field(field, "lot", ERR_NOT_FOUND);
    enum err e = domain_write(svc->store, withdraw_tx, &j);
    if (field != NULL)
        *field = j.field;
    return e;
}

/* ---- the bidder's own view ---- */

enum err bid_list_own(struct bid_service *svc, const struct tender_caller *c, int64_t tender_id,
                      struct arena *a, struct page *bids, struct page *receipts)
{
    struct store_tx *tx = NULL;
    struct tender t;
    struct tender_access acc;
    enum err e = ERR_OK;
    memset(bids, 0, sizeof(*bids));
    memset(receipts, 0, sizeof(*receipts));
    if (!(c->roles & ROLE_BIDDER) || c->org_id == 0)
        return ERR_FORBIDDEN;
    int rc = store_begin(svc->store, STORE_READ, &tx);
    if (rc == STORE_OK)
        rc = store_tender_get(tx, a, tender_id, &t);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    e = tender_access_check(tx, c, &t, &acc);
    if (e != ERR_OK)
        goto out;
    rc = store_bid_list_org(tx, a, tender_id, c->org_id, BID_LIST_MAX, bids);
    if (rc == STORE_OK)
        rc = store_receipt_list_org(tx, a, tender_id, c->org_id, 0, BID_LIST_MAX, receipts);
    e = domain_store_err(rc);
out:
    store_rollback(tx);
    return e;
}
