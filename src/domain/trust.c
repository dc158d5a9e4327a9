/*
 * domain/trust.c — the trusted CAs and CRLs in the store, and the cached
 * trust store built from them (trust.h).
 *
 * Invariants:
 *   - the cache's current snapshot was built from exactly the live rows of
 *     the generation it records; a caller sees a snapshot at least as new
 *     as the generation its own transaction reads;
 *   - a snapshot is freed only when its last reference goes (the cache
 *     holds one while it is current);
 *   - trust_add writes all the items of a request or none, and only items
 *     x509_trust_add accepts.
 *
 * Threads: any worker; the cache's mutex guards `cur` and the reference
 * counts. A rebuild parses outside the mutex and swaps under it.
 */
#include "domain/trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "crypto/random.h"
#include "ledger/ledger.h"

struct trust_cache {
    pthread_mutex_t mu;
    struct trust_snapshot *cur; /* NULL until first built */
};

struct trust_cache *trust_cache_new(void)
{
    struct trust_cache *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

/* One remembered pass: the certificate (SHA-256 of its DER), the use, and
 * the window in which the check's answer cannot change. */
struct memo_slot {
    uint8_t id[32];
    int use;              /* enum x509_usage; -1: empty */
    int64_t from_ms;      /* the time it was checked at */
    int64_t until_ms;     /* x509_result.valid_until_ms */
    char fingerprint[65]; /* the leaf's, as x509_check reported it */
};

/* Direct-mapped by the id's first bytes: a collision replaces. */
struct trust_memo {
    pthread_mutex_t mu;
    struct memo_slot slot[TRUST_MEMO_SLOTS];
};

static struct trust_memo *memo_new(void)
{
    struct trust_memo *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return NULL;
    }
    for (int i = 0; i < TRUST_MEMO_SLOTS; i++)
        m->slot[i].use = -1;
    return m;
}

int trust_snapshot_memo_init(struct trust_snapshot *s)
{
    s->memo = memo_new();
    return s->memo != NULL ? 0 : -1;
}

void trust_snapshot_memo_free(struct trust_snapshot *s)
{
    if (s->memo != NULL) {
        pthread_mutex_destroy(&s->memo->mu);
        free(s->memo);
        s->memo = NULL;
    }
}

static void snapshot_free(struct trust_snapshot *s)
{
    if (s == NULL)
        return;
    trust_snapshot_memo_free(s);
    x509_trust_release(&s->t);
    free(s);
}

int trust_check_der(struct trust_snapshot *s, const void *der, size_t len, enum x509_usage use,
                    int64_t at_ms, struct x509_result *r)
{
    uint8_t id[32];
    struct memo_slot *sl = NULL;
    struct trust_memo *m = s->memo;
    if (m != NULL && len > 0 && EVP_Digest(der, len, id, NULL, EVP_sha256(), NULL) == 1) {
        sl = &m->slot[(((unsigned)id[0] << 8) | id[1]) % TRUST_MEMO_SLOTS];
        pthread_mutex_lock(&m->mu);
        bool hit = sl->use == (int)use && memcmp(sl->id, id, sizeof(id)) == 0 &&
                   sl->from_ms <= at_ms && at_ms < sl->until_ms;
        if (hit) {
            memset(r, 0, sizeof(*r));
            r->rc = X509V_OK;
            r->depth = -1;
            r->valid_until_ms = sl->until_ms;
            memcpy(r->fingerprint, sl->fingerprint, sizeof(r->fingerprint));
            snprintf(r->message, sizeof(r->message), "valid (remembered)");
        }
        pthread_mutex_unlock(&m->mu);
        if (hit)
            return X509V_OK;
    }
    X509 *x = x509_parse(der, len);
    int rc;
    if (x == NULL) {
        memset(r, 0, sizeof(*r));
        r->depth = -1;
        r->rc = rc = X509V_EMALFORMED;
        snprintf(r->message, sizeof(r->message), "the certificate cannot be parsed");
    } else {
        rc = x509_check(&s->t, x, NULL, use, at_ms, r);
    }
    X509_free(x);
    if (rc == X509V_OK && sl != NULL && r->valid_until_ms > at_ms) {
        pthread_mutex_lock(&m->mu);
        memcpy(sl->id, id, sizeof(id));
        sl->use = (int)use;
        sl->from_ms = at_ms;
        sl->until_ms = r->valid_until_ms;
        memcpy(sl->fingerprint, r->fingerprint, sizeof(sl->fingerprint));
        pthread_mutex_unlock(&m->mu);
    }
    return rc;
}

void trust_cache_free(struct trust_cache *c)
{
    if (c == NULL)
        return;
    if (c->cur != NULL && --c->cur->refs == 0)
        snapshot_free(c->cur);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void trust_snapshot_put(struct trust_cache *c, struct trust_snapshot *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last)
        snapshot_free(s);
}

/* Parses the live rows into a new snapshot (one reference). */
static enum err snapshot_build(struct store_tx *tx, int64_t count, int64_t max_id,
                               struct trust_snapshot **out)
{
    struct arena a;
    struct page pg;
    char err[256];
    enum err e = ERR_OK;
    struct trust_snapshot *s = calloc(1, sizeof(*s));
    *out = NULL;
    if (s == NULL || x509_trust_init(&s->t) != X509V_OK) {
        free(s);
        return ERR_INTERNAL;
    }
    trust_snapshot_memo_init(s); /* failing: checks are simply not remembered */
    arena_init(&a, 0);
    int rc = store_trust_list(tx, &a, true, 0, TRUST_MAX_ITEMS, &pg);
    if (rc != STORE_OK) {
        e = domain_store_err(rc);
        goto out;
    }
    /* CAs first, then CRLs: ids are in order of adding, and a CRL may come
     * before a later-added intermediate it does not depend on anyway */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < pg.n; i++) {
            const struct trust_item *it = (const struct trust_item *)pg.items + i;
            if ((pass == 0) != (strcmp(it->kind, "ca") == 0))
                continue;
            if (x509_trust_add(&s->t, it->der, it->der_len, err, sizeof(err)) != X509V_OK)
                log_warn("trust: stored %s %lld (%s) is not loadable: %s", it->kind,
                         (long long)it->id, it->fingerprint, err);
        }
    }
    s->count = count;
    s->max_id = max_id;
    s->refs = 1;
    *out = s;
    s = NULL;
out:
    arena_release(&a);
    snapshot_free(s);
    return e;
}

enum err trust_snapshot_get(struct trust_cache *c, struct store_tx *tx, struct trust_snapshot **out)
{
    int64_t count = 0, max_id = 0;
    struct trust_snapshot *fresh = NULL;
    *out = NULL;
    int rc = store_trust_generation(tx, &count, &max_id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    pthread_mutex_lock(&c->mu);
    if (c->cur != NULL && c->cur->count == count && c->cur->max_id == max_id) {
        c->cur->refs++;
        *out = c->cur;
        pthread_mutex_unlock(&c->mu);
        return ERR_OK;
    }
    pthread_mutex_unlock(&c->mu);
    enum err e = snapshot_build(tx, count, max_id, &fresh);
    if (e != ERR_OK)
        return e;
    pthread_mutex_lock(&c->mu);
    struct trust_snapshot *old = NULL;
    if (c->cur == NULL || c->cur->max_id <= max_id) {
        old = c->cur;
        c->cur = fresh;
        fresh->refs++; /* the cache's reference */
    }
    if (old != NULL && --old->refs == 0) {
        pthread_mutex_unlock(&c->mu);
        snapshot_free(old);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    *out = fresh; /* the caller's reference */
    return ERR_OK;
}

enum err trust_x509_err(int rc)
{
    switch (rc) {
    case X509V_OK:
        return ERR_OK;
    case X509V_EMALFORMED:
        return ERR_CERT_MALFORMED;
    case X509V_EEXPIRED:
        return ERR_CERT_EXPIRED;
    case X509V_ENOT_YET_VALID:
        return ERR_CERT_NOT_YET_VALID;
    case X509V_EREVOKED:
        return ERR_CERT_REVOKED;
    case X509V_EUNTRUSTED_ISSUER:
        return ERR_CERT_UNTRUSTED_ISSUER;
    case X509V_EBAD_SIGNATURE:
        return ERR_CERT_BAD_SIGNATURE;
    case X509V_EWRONG_USAGE:
        return ERR_CERT_WRONG_USAGE;
    case X509V_EINVALID_CA:
        return ERR_CERT_INVALID_CA;
    case X509V_ECRL_EXPIRED:
        return ERR_CERT_CRL_EXPIRED;
    case X509V_ECRL_MISSING:
        return ERR_CERT_CRL_MISSING;
    case X509V_ECRL_INVALID:
        return ERR_CERT_CRL_INVALID;
    case X509V_EUNSUPPORTED_KEY:
        return ERR_CERT_UNSUPPORTED_KEY;
    case X509V_EPAIR_MISMATCH:
        return ERR_CERT_PAIR_MISMATCH;
    case X509V_ENO_USCC:
        return ERR_CERT_NO_USCC;
    case X509V_EUSCC_AMBIGUOUS:
        return ERR_CERT_USCC_AMBIGUOUS;
    default:
        return ERR_INTERNAL;
    }
}

/* ---- adding and removing ---- */

struct item {
    bool crl;
    unsigned char *der; /* heap */
    size_t der_len;
    char fingerprint[65];
    char subject[X509V_MAX_TEXT];
    int64_t not_after_ms;
};

static void name_text(X509_NAME *n, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    out[0] = '\0';
    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        long len = BIO_get_mem_data(b, &p);
        if (len > 0) {
            size_t k = (size_t)len < cap - 1 ? (size_t)len : cap - 1;
            memcpy(out, p, k);
            out[k] = '\0';
        }
    }
    BIO_free(b);
}

/* Describes one DER item (certificate or CRL). -1 when it is neither. */
static int item_describe(struct item *it)
{
    const unsigned char *p = it->der;
    crypto_sha256_hex(it->der, it->der_len, it->fingerprint);
    X509 *x = x509_parse(it->der, it->der_len);
    if (x != NULL) {
        struct x509_info info;
        int rc = x509_describe(x, &info);
        X509_free(x);
        if (rc != X509V_OK)
            return -1;
        it->crl = false;
        snprintf(it->subject, sizeof(it->subject), "%s", info.subject);
        it->not_after_ms = info.not_after_ms;
        return 0;
    }
    X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)it->der_len);
    if (crl == NULL || p != it->der + it->der_len) {
        X509_CRL_free(crl);
        return -1;
    }
    it->crl = true;
    name_text(X509_CRL_get_issuer(crl), it->subject, sizeof(it->subject));
    const ASN1_TIME *nu = X509_CRL_get0_nextUpdate(crl);
    if (nu == NULL || x509_time_ms(nu, &it->not_after_ms) != 0)
        it->not_after_ms = 0;
    X509_CRL_free(crl);
    return 0;
}

static void items_free(struct item *items, int n)
{
    for (int i = 0; i < n; i++)
        OPENSSL_free(items[i].der);
}

/* Splits data into DER items: PEM CERTIFICATE / X509 CRL blocks, or one
 * DER item. -1 with msg on anything else. */
static int items_split(const void *data, size_t len, struct item *items, int *n, char *msg,
                       size_t msglen)
{
    const char *s = data;
    size_t i = 0;
    *n = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    if (len - i >= 10 && memcmp(s + i, "-----BEGIN", 10) == 0) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        if (bio == NULL)
            return -1;
        for (;;) {
            char *name = NULL, *header = NULL;
            unsigned char *der = NULL;
            long dlen = 0;
            if (PEM_read_bio(bio, &name, &header, &der, &dlen) != 1) {
                ERR_clear_error();
                break;
            }
            bool ok = strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CRL") == 0;
            OPENSSL_free(name);
            OPENSSL_free(header);
            if (!ok || *n >= TRUST_ADD_MAX || dlen <= 0) {
                snprintf(msg, msglen,
                         ok ? "at most %d items per request"
                            : "only CERTIFICATE and X509 CRL blocks are accepted (item %d)",
                         ok ? TRUST_ADD_MAX : *n + 1);
                OPENSSL_free(der);
                BIO_free(bio);
                return -1;
            }
            items[*n].der = der;
            items[*n].der_len = (size_t)dlen;
            (*n)++;
        }
        BIO_free(bio);
        if (*n == 0) {
            snprintf(msg, msglen, "no PEM block found");
            return -1;
        }
        return 0;
    }
    unsigned char *copy = OPENSSL_malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, data, len);
    items[0].der = copy;
    items[0].der_len = len;
    *n = 1;
    return 0;
}

struct add_job {
    const struct actor *who;
    struct item *items;
    int n;
    struct trust_added *out;
};

static enum err add_tx(struct store_tx *tx, void *arg)
{
    struct add_job *j = arg;
    int64_t now = clock_now_ms(), count = 0, max_id = 0;
    int rc = store_trust_generation(tx, &count, &max_id);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (count + j->n > TRUST_MAX_ITEMS)
        return ERR_INVALID_FIELD;
    for (int i = 0; i < j->n; i++) {
        const struct item *it = &j->items[i];
        struct trust_added *o = &j->out[i];
        int64_t id = 0;
        memset(o, 0, sizeof(*o));
        snprintf(o->kind, sizeof(o->kind), "%s", it->crl ? "crl" : "ca");
        memcpy(o->fingerprint, it->fingerprint, sizeof(o->fingerprint));
        snprintf(o->subject, sizeof(o->subject), "%s", it->subject);
        o->not_after_ms = it->not_after_ms;
        rc = store_trust_find(tx, it->fingerprint, &id);
        if (rc == STORE_OK) {
            o->id = id;
            o->existed = true;
            continue;
        }
        if (rc != STORE_NOTFOUND)
            return domain_store_err(rc);
        struct trust_item row = {
            0,           o->kind,          it->der,         it->der_len, it->fingerprint,
            it->subject, it->not_after_ms, j->who->user_id, now};
        rc = store_trust_insert(tx, &row, &id);
        if (rc == STORE_CONSTRAINT)
            return ERR_STORE_BUSY; /* added meanwhile: look again */
        if (rc != STORE_OK)
            return domain_store_err(rc);
        o->id = id;
        struct buf detail;
        struct jsonw w;
        buf_init(&detail, 4096);
        jsonw_init(&w, &detail);
        jsonw_obj_begin(&w);
        jsonw_kstr(&w, "kind", o->kind);
        jsonw_kstr(&w, "fingerprint", o->fingerprint);
        jsonw_kstr(&w, "subject", o->subject);
        jsonw_obj_end(&w);
        rc = jsonw_finish(&w) == JSONW_OK ? STORE_OK : STORE_ERROR;
        if (rc == STORE_OK)
            rc = audit_record(tx, j->who, "trust.add", "trust_item", id, detail.data);
        buf_release(&detail);
        if (rc == STORE_OK) {
            struct ledger_event ev = {.type = "trust.add",
                                      .subject_type = "trust_item",
                                      .subject_id = id,
                                      .actor_id = j->who->user_id,
                                      .actor_name = j->who->name ? j->who->name : "system",
                                      .doc_hash = o->fingerprint};
            rc = ledger_append(tx, &ev);
        }
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    return ERR_OK;
}

enum err trust_add(struct store *s, const struct actor *who, const void *data, size_t len,
                   struct trust_added *out, int *n, char *msg, size_t msglen)
{
    struct item items[TRUST_ADD_MAX];
    struct x509_trust check;
    char dummy[8];
    int nitems = 0;
    enum err e = ERR_INVALID_FIELD;
    if (msg == NULL) {
        msg = dummy;
        msglen = sizeof(dummy);
    }
    msg[0] = '\0';
    *n = 0;
    memset(items, 0, sizeof(items));
    if (data == NULL || len == 0 || len > X509V_MAX_FILE) {
        snprintf(msg, msglen, "send PEM CA certificates / CRLs, or one DER item");
        return ERR_INVALID_FIELD;
    }
    if (items_split(data, len, items, &nitems, msg, msglen) != 0) {
        e = ERR_CERT_MALFORMED;
        goto out;
    }
    /* x509_trust_add decides what a trust store accepts: one item at a
     * time, so the message names the item */
    if (x509_trust_init(&check) != X509V_OK) {
        e = ERR_INTERNAL;
        goto out;
    }
    for (int i = 0; i < nitems; i++) {
        char err[256];
        int rc = x509_trust_add(&check, items[i].der, items[i].der_len, err, sizeof(err));
        if (rc == X509V_OK && item_describe(&items[i]) != 0)
            rc = X509V_EMALFORMED;
        if (rc != X509V_OK) {
            snprintf(msg, msglen, "item %d: %s", i + 1, rc == X509V_OK ? "unreadable" : err);
            e = rc == X509V_EINVALID_CA ? ERR_CERT_INVALID_CA : ERR_CERT_MALFORMED;
            x509_trust_release(&check);
            goto out;
        }
    }
    x509_trust_release(&check);
    struct add_job j = {who, items, nitems, out};
    e = domain_write(s, add_tx, &j);
    if (e == ERR_INVALID_FIELD)
        snprintf(msg, msglen, "at most %d trusted items", TRUST_MAX_ITEMS);
    if (e == ERR_OK)
        *n = nitems;
out:
    items_free(items, nitems);
    return e;
}

struct remove_job {
    const struct actor *who;
    int64_t id;
};

static enum err remove_tx(struct store_tx *tx, void *arg)
{
    struct remove_job *j = arg;
    struct arena a;
    struct trust_item it;
    arena_init(&a, 0);
    int rc = store_trust_get(tx, &a, j->id, &it);
    if (rc == STORE_OK)
        rc = store_trust_remove(tx, j->id, j->who->user_id, clock_now_ms());
    if (rc == STORE_OK) {
        char detail[256];
        snprintf(detail, sizeof(detail), "{\"kind\":\"%s\",\"fingerprint\":\"%s\"}", it.kind,
                 it.fingerprint);
        rc = audit_record(tx, j->who, "trust.remove", "trust_item", j->id, detail);
    }
    if (rc == STORE_OK) {
        struct ledger_event ev = {.type = "trust.remove",
                                  .subject_type = "trust_item",
                                  .subject_id = j->id,
                                  .actor_id = j->who->user_id,
                                  .actor_name = j->who->name ? j->who->name : "system",
                                  .doc_hash = it.fingerprint};
        rc = ledger_append(tx, &ev);
    }
    arena_release(&a);
    return domain_store_err(rc);
}

enum err trust_remove(struct store *s, const struct actor *who, int64_t id)
{
    struct remove_job j = {who, id};
    if (id <= 0)
        return ERR_NOT_FOUND;
    return domain_write(s, remove_tx, &j);
}

/* ---- serve --ca-dir ---- */

static bool trust_file_name(const char *n)
{
    static const char *const ext[] = {".pem", ".crt", ".cer", ".der", ".crl"};
    size_t l = strlen(n);
    if (n[0] == '.' || (l > 8 && strcmp(n + l - 8, ".key.pem") == 0))
        return false;
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (l > 4 && strcmp(n + l - 4, ext[i]) == 0)
            return true;
    return false;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int trust_import_dir(struct store *s, const char *dir, char *err, size_t errlen)
{
    struct actor cli = {0, "system", NULL, NULL};
    char *names[256];
    int nn = 0, rc = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL && nn < 256) {
        if (trust_file_name(de->d_name))
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, (size_t)nn, sizeof(names[0]), name_cmp);
    for (int i = 0; i < nn && rc == 0; i++) {
        char path[1024], msg[300];
        struct stat st;
        struct trust_added added[TRUST_ADD_MAX];
        int n = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i] ? names[i] : "");
        int fd = names[i] ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
            st.st_size > X509V_MAX_FILE) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        char *data = malloc((size_t)st.st_size);
        ssize_t got = data ? read(fd, data, (size_t)st.st_size) : -1;
        close(fd);
        if (got == st.st_size) {
            enum err e = trust_add(s, &cli, data, (size_t)got, added, &n, msg, sizeof(msg));
            if (e != ERR_OK) {
                snprintf(err, errlen, "%s: %s%s%s", path, err_code(e), msg[0] ? ": " : "", msg);
                rc = -1;
            } else {
                for (int k = 0; k < n; k++)
                    if (!added[k].existed)
                        log_info("trust: %s %s added from %s", added[k].kind, added[k].subject,
                                 path);
            }
        }
        free(data);
    }
    for (int i = 0; i < nn; i++)
        free(names[i]);
    return rc;
}
