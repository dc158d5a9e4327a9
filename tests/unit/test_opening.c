/*
 * Unit tests for the opening hall over a real store (domain/opening.h,
 * store/opening.h) with a manual clock: the whole flow from sign-in to the
 * sealed record, every step refused out of order, by the wrong role and
 * with bad input (stable error codes), the decryption window and art. 31
 * outcomes, 流標 with fewer bids than the minimum, the opening form check and
 * what the public view shows.
 *
 * Every case runs on each store in SUNBID_TEST_STORES (as test_tender.c;
 * default "sqlite"), each time on an empty database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/clock.h"
#include "base/roles.h"
#include "crypto/envelope.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "domain/opening.h"
#include "domain/orgsig.h"
#include "domain/scheduler.h"
#include "domain/tender.h"
#include "domain/uscc.h"
#include "store/bids.h"

#include "unit_store_fixture.h"

#define DAY TENDER_DAY_MS
#define MIN ((int64_t)60000)
#define T0  ((int64_t)1767225600000) /* 2026-01-01T00:00:00Z */
#define NB  4

struct fx {
    struct store *s;
    struct arena a;
    char dir[512];
    char schema[64];
    char url[1024];
    int64_t org_agency, org_other, org_b[NB], org_nobid;
    struct tender_caller agent, other_agent, bidder[NB], nobid, supervisor, public;
    EVP_PKEY *key[NB]; /* each bidder's signing key (give_cert), or NULL */
};

static int setup(void **state)
{
    static const char *const names[NB] = {"海峡建工集团有限公司", "榕城市政建设有限公司",
                                          "闽江路桥工程有限公司", "福州第四建筑公司"};
    static const char *const codes[NB] = {"91350000158143215", "91350100735676503",
                                          "91350100MA2YK0B2X", "91350100MA2YK0C3X"};
    static const char *const users[NB] = {"bidder1", "bidder2", "bidder3", "bidder4"};
    struct fx *f = calloc(1, sizeof(*f));
    char err[256];
    const char *url = g_url;
    int applied;
    const char *tmp = getenv("SUNBID_TEST_TMP");
    static int seq;
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "%s/opening-%d-%d", tmp ? tmp : "/tmp", (int)getpid(), seq++);
    password_set_cost(10);
    clock_manual(T0);
    if (is_pg(g_url)) {
        char sql[128];
        snprintf(f->schema, sizeof(f->schema), "sbt_opening_%d_%d", (int)getpid(), seq);
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
        if (admin_exec(f->dir, sql) != STORE_OK)
            fail_msg("cannot create schema %s", f->schema);
        snprintf(f->url, sizeof(f->url), "%s%soptions=-csearch_path%%3D%s", g_url,
                 strchr(g_url, '?') ? "&" : "?", f->schema);
        url = f->url;
    }
    if (store_open(&f->s, url, f->dir, err, sizeof(err)) != STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(f->s, &applied), STORE_OK);
    arena_init(&f->a, 0);
    f->org_agency = make_org(f->s, "榕城招标代理有限公司", "91350100MA2YK0A1X");
    f->org_other = make_org(f->s, "另一代理公司", "91350100MA31PQ7K2");
    f->org_nobid = make_org(f->s, "未投标公司", "11350100003600012");
    for (int i = 0; i < NB; i++) {
        f->org_b[i] = make_org(f->s, names[i], codes[i]);
        f->bidder[i] = make_caller(f->s, users[i], ROLE_BIDDER, f->org_b[i]);
    }
    f->agent = make_caller(f->s, "agent", ROLE_AGENT, f->org_agency);
    f->other_agent = make_caller(f->s, "stranger", ROLE_AGENT, f->org_other);
    f->nobid = make_caller(f->s, "nobid", ROLE_BIDDER, f->org_nobid);
    f->supervisor = make_caller(f->s, "supervisor", ROLE_SUPERVISOR, 0);
    f->public.who.name = "anonymous";
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[600];
    store_close(f->s);
    arena_release(&f->a);
    for (int i = 0; i < NB; i++)
        EVP_PKEY_free(f->key[i]);
    if (f->schema[0] != '\0') {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
        assert_int_equal(admin_exec(f->dir, sql), STORE_OK);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    clock_system();
    free(f);
    return 0;
}

static int64_t count(struct store *s, const char *sql, int64_t arg)
{
    struct store_tx *tx;
    struct store_param p[] = {SP_I(arg)};
    int64_t n = -1;
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx, sql, p, 1, &n), STORE_OK);
    store_rollback(tx);
    return n;
}

static struct tender get(struct fx *f, int64_t id)
{
    struct store_tx *tx;
    struct tender t;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_tender_get(tx, &f->a, id, &t), STORE_OK);
    store_rollback(tx);
    return t;
}

/* A tender in state opening with one submitted bid of each of the first
 * nbids bidders (rows written directly: the sealing is test_bids'). */
static int64_t opening_tender_blobs(struct fx *f, int nbids, char (*blobs)[65]);

static int64_t opening_tender(struct fx *f, int nbids)
{
    return opening_tender_blobs(f, nbids, NULL);
}

/* The lot of bidder i's bid (NULL: every bid on lot 1), and the tender's
 * readout_fields (NULL: the default), for the next opening_tender. */
static const int *g_lots;
static const char *g_readout;

/* As opening_tender; blobs[i] (if given) is bidder i's envelope. */
static int64_t opening_tender_blobs(struct fx *f, int nbids, char (*blobs)[65])
{
    static const char pdf[] = "%PDF-1.4 招标文件 (test)";
    struct tender_input in = {0};
    struct tender_refusal why;
    struct tender_changes ch;
    char hash[BLOB_HASH_HEX + 1];
    int64_t id = 0, version = 0, now = clock_now_ms();
    in.title = "榕城市滨江路改造工程施工";
    in.region = "350100";
    in.category = "works";
    in.procedure = "open";
    in.dates.publish_at = now;
    in.dates.doc_start = now + DAY;
    in.dates.doc_end = now + 8 * DAY;
    in.dates.clarify_deadline = now + 11 * DAY;
    in.dates.bid_deadline = now + 22 * DAY;
    assert_int_equal(tender_create(f->s, &f->agent, &in, &id, &why), ERR_OK);
    assert_int_equal(tender_document_add(f->s, &f->agent, id, "招标文件.pdf", "application/pdf",
                                         pdf, sizeof pdf - 1, &version, hash, NULL, NULL),
                     ERR_OK);
    assert_int_equal(tender_publish(f->s, &f->agent, id, NULL, NULL), ERR_OK);
    for (int i = 0; i < nbids; i++) {
        struct store_tx *tx;
        char blob[65];
        if (blobs != NULL)
            memcpy(blob, blobs[i], 65);
        else
            crypto_sha256_hex(&i, sizeof i, blob);
        struct store_param p[] = {SP_I(id),  SP_I(f->org_b[i]), SP_T(blob),
                                  SP_I(now), SP_I(i + 1),       SP_I(g_lots ? g_lots[i] : 1)};
        assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
        assert_int_equal(store_exec(tx,
                                    "INSERT INTO bids (tender_id, lot_no, org_id, version, state,"
                                    " blob_hash, size, suite, chain_hash, signer_fp,"
                                    " submitted_ms, seq) VALUES ($1, $6, $2, 1, 'submitted', $3,"
                                    " 100, 'intl', $3, $3, $4, $5)",
                                    p, 6, NULL),
                         STORE_OK);
        if (i == 0 && g_readout != NULL) {
            struct store_param q[] = {SP_I(id), SP_T(g_readout)};
            assert_int_equal(
                store_exec(tx, "UPDATE tenders SET readout_fields = $2 WHERE id = $1", q, 2, NULL),
                STORE_OK);
        }
        assert_int_equal(store_commit(tx), STORE_OK);
    }
    clock_manual_set(now + 22 * DAY);
    assert_int_equal(tender_advance(f->s, id, &ch), ERR_OK);
    assert_string_equal(get(f, id).state, "opening");
    return id;
}

static const char *phase_of(struct fx *f, int64_t id)
{
    struct store_tx *tx;
    struct opening_hall h;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_opening_hall_get(tx, &f->a, id, &h), STORE_OK);
    store_rollback(tx);
    return h.phase;
}

/* ---- signing certificates and signatures ---- */

/* Registers a signing certificate for bidder i (rows written directly:
 * the chain checks are test_bids'): a fresh key of alg "p256" or "sm2",
 * in a certificate issued by a throw-away P-256 CA key, valid from
 * not_before for `days`. */
static void give_cert_at(struct fx *f, int i, const char *alg, int64_t not_before, int days)
{
    EVP_PKEY *ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *k = strcmp(alg, "sm2") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
                                          : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    unsigned char *der = NULL;
    char fp[65];
    struct store_tx *tx;
    int64_t cid = 0;
    assert_non_null(ca);
    assert_non_null(k);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 100 + i);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(not_before / 1000));
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(not_before / 1000) + (time_t)days * 86400);
    X509_set_pubkey(x, k);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"bidder", -1, -1, 0);
    X509_set_issuer_name(x, n);
    assert_true(X509_sign(x, ca, EVP_sha256()) > 0);
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    crypto_sha256_hex(der, (size_t)len, fp);
    struct org_cert c = {.org_id = f->org_b[i],
                         .usage = "sign",
                         .der = der,
                         .der_len = (size_t)len,
                         .fingerprint = fp,
                         .subject = "CN=bidder",
                         .issuer = "CN=bidder",
                         .serial = "64",
                         .key_alg = alg,
                         .not_before_ms = not_before,
                         .not_after_ms = not_before + days * DAY,
                         .registered_ms = clock_now_ms()};
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_org_cert_retire(tx, f->org_b[i], "sign", clock_now_ms()), STORE_OK);
    assert_int_equal(store_org_cert_insert(tx, &c, &cid), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    EVP_PKEY_free(f->key[i]);
    f->key[i] = k;
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(ca);
}

static void give_cert(struct fx *f, int i, const char *alg)
{
    give_cert_at(f, i, alg, T0 - DAY, 3650);
}

/* The hall's draft_sha256 as the view shows it (phase signing). */
static void draft_hash(struct fx *f, int64_t id, char out[65])
{
    struct buf view;
    buf_init(&view, 1 << 20);
    assert_int_equal(opening_view_json(f->s, &f->public, id, &view), ERR_OK);
    const char *p = strstr(view.data, "\"draft_sha256\":\"");
    assert_non_null(p);
    memcpy(out, p + 16, 64);
    out[64] = '\0';
    assert_non_null(strstr(view.data, "\"draft\":{"));
    buf_release(&view);
}

/* key's signature (DER) over the record message of tender id and hash. */
static size_t sign_with(EVP_PKEY *key, int64_t id, const char *hash, uint8_t sig[SUITE_MAX_SIG])
{
    char msg[256];
    size_t len = SUITE_MAX_SIG;
    int ml = opening_sign_message(id, hash, msg, sizeof msg);
    assert_true(ml > 0);
    const struct suite *s = EVP_PKEY_is_a(key, "SM2") ? &suite_gm : &suite_intl;
    assert_int_equal(suite_sign(s, key, msg, (size_t)ml, sig, &len), SEAL_OK);
    return len;
}

/* Bidder i signs the current draft with its key. */
static enum err sign_as(struct fx *f, int i, int64_t id, struct opening_change *ch)
{
    uint8_t sig[SUITE_MAX_SIG];
    char hash[65];
    draft_hash(f, id, hash);
    size_t n = sign_with(f->key[i], id, hash, sig);
    return opening_sign(f->s, &f->bidder[i], id, sig, n, hash, ch);
}

static const char form1[] = "{\"price_fen\":987654300,\"duration_days\":365,\"quality\":\"合格\"}";
static const char form2[] = "{\"duration_days\":300,\"price_fen\":912345600}";

/* ---- sealed envelopes for the key release ---- */

struct src {
    const uint8_t *p;
    size_t len, at;
};

static ssize_t src_read(void *arg, void *buf, size_t n)
{
    struct src *s = arg;
    size_t k = s->len - s->at < n ? s->len - s->at : n;
    memcpy(buf, s->p + s->at, k);
    s->at += k;
    return (ssize_t)k;
}

static int out_write(void *arg, const void *p, size_t n)
{
    return buf_append(arg, p, n) == 0 ? 0 : -1;
}

/* Seals a small technical file and (form != NULL) the opening form with
 * a fresh P-256 bidder, stores it as a blob (hash) and gives the content
 * key K as the bidder's tool unwraps it. */
static void seal_blob(struct fx *f, const char *form, char hash[65], uint8_t key[SUITE_KEY_LEN])
{
    const struct suite *s = &suite_intl;
    EVP_PKEY *sign = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *enc = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    unsigned char *der = NULL;
    static const char tech[] = "技术标 (test)";
    struct src in[2];
    struct buf env;
    struct seal_error err = {0, ""};
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, sign);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)"bidder", -1, -1, 0);
    X509_set_issuer_name(x, n);
    assert_true(X509_sign(x, sign, EVP_sha256()) > 0);
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    in[0] = (struct src){(const uint8_t *)tech, sizeof tech - 1, 0};
    in[1] = (struct src){(const uint8_t *)form, form ? strlen(form) : 0, 0};
    struct envelope_source files[2] = {
        {"technical.pdf", ENVELOPE_ROLE_TECHNICAL, sizeof tech - 1, src_read, &in[0]},
        {"opening-form.json", ENVELOPE_ROLE_PRICE_LIST, in[1].len, src_read, &in[1]},
    };
    struct envelope_seal_opts o = {.suite = s,
                                   .tender = "1",
                                   .lot = "1",
                                   .created_ms = 1764400000000ULL,
                                   .sign_key = sign,
                                   .cert = der,
                                   .cert_len = (size_t)len,
                                   .bidder_key = enc,
                                   .files = files,
                                   .n_files = form ? 2 : 1};
    buf_init(&env, 1 << 20);
    assert_int_equal(envelope_seal(&o, out_write, &env, &err), SEAL_OK);
    struct envelope_reader *r = envelope_reader_new(NULL);
    assert_int_equal(envelope_reader_feed(r, env.data, env.len, &err), SEAL_OK);
    assert_int_equal(envelope_reader_finish(r, &err), SEAL_OK);
    const struct envelope_header *h = envelope_reader_header(r);
    assert_int_equal(suite_unwrap(s, enc, h->rcpt[0].wrap, h->rcpt[0].wrap_len, key), SEAL_OK);
    envelope_reader_free(r);
    assert_int_equal(blob_put(f->s, env.data, env.len, hash), STORE_OK);
    buf_release(&env);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(sign);
    EVP_PKEY_free(enc);
}

static const char *bid_status(struct fx *f, int64_t id, int64_t org, const char **reason)
{
    struct store_tx *tx;
    struct page pg;
    const char *st = NULL;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_opening_bid_list(tx, &f->a, id, 100, &pg), STORE_OK);
    store_rollback(tx);
    for (int i = 0; i < pg.n; i++) {
        const struct opening_bid *b = (const struct opening_bid *)pg.items + i;
        if (b->org_id == org) {
            st = b->status;
            if (reason != NULL)
                *reason = b->reason;
        }
    }
    assert_non_null(st);
    return st;
}

static void test_decrypt(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    struct opening_outcome out;
    char blobs[NB][65];
    uint8_t keys[NB][SUITE_KEY_LEN], wrong[SUITE_KEY_LEN];
    const char *reason = NULL;
    seal_blob(f, form1, blobs[0], keys[0]);
    seal_blob(f, form2, blobs[1], keys[1]);
    seal_blob(f, NULL, blobs[2], keys[2]); /* no opening form inside */
    memset(blobs[3], 'a', 64);             /* a blob the platform lost */
    blobs[3][64] = '\0';
    memset(keys[3], 7, SUITE_KEY_LEN);
    int64_t id = opening_tender_blobs(f, NB, blobs);
    int64_t t_open = clock_now_ms();
    assert_int_equal(opening_decrypt(f->s, &f->bidder[0], id, 1, keys[0], &out, &ch),
                     ERR_OPENING_WRONG_PHASE);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNIN, &ch), ERR_OK);
    assert_int_equal(opening_decrypt(f->s, &f->nobid, id, 1, keys[0], &out, &ch),
                     ERR_OPENING_NOT_BIDDER);
    assert_int_equal(opening_decrypt(f->s, &f->agent, id, 1, keys[0], &out, &ch),
                     ERR_OPENING_NOT_BIDDER);
    assert_int_equal(opening_decrypt(f->s, &f->bidder[0], id, 2, keys[0], &out, &ch),
                     ERR_OPENING_NOT_BIDDER); /* no bid for lot 2 */
    /* a wrong key changes nothing and may be retried */
    assert_int_equal(opening_decrypt(f->s, &f->bidder[0], id, 1, keys[1], &out, &ch),
                     ERR_OPENING_WRONG_KEY);
    memcpy(wrong, keys[0], sizeof wrong);
    wrong[0] ^= 0x80;
    assert_int_equal(opening_decrypt(f->s, &f->bidder[0], id, 1, wrong, &out, &ch),
                     ERR_OPENING_WRONG_KEY);
    assert_string_equal(bid_status(f, id, f->org_b[0], NULL), "pending");
    assert_int_equal(opening_decrypt(f->s, &f->bidder[0], id, 1, keys[0], &out, &ch), ERR_OK);
    assert_string_equal(out.status, "opened");
    assert_string_equal(ch.event, "opening.decrypt");
    assert_int_equal(opening_decrypt(f->s, &f->bidder[0], id, 1, keys[0], &out, &ch),
                     ERR_OPENING_WRONG_PHASE); /* decided already */
    /* no form: the bidder's fault (revoked); the lost blob: ours (withdrawn) */
    assert_int_equal(opening_decrypt(f->s, &f->bidder[2], id, 1, keys[2], &out, &ch), ERR_OK);
    assert_string_equal(out.status, "revoked");
    assert_int_equal(opening_decrypt(f->s, &f->bidder[3], id, 1, keys[3], &out, &ch), ERR_OK);
    assert_string_equal(out.status, "withdrawn");
    assert_string_equal(bid_status(f, id, f->org_b[3], &reason), "withdrawn");
    assert_non_null(reason);
    /* bidder 2 misses the window */
    clock_manual_set(t_open + 30 * MIN);
    assert_int_equal(opening_decrypt(f->s, &f->bidder[1], id, 1, keys[1], &out, &ch),
                     ERR_OPENING_WINDOW_CLOSED);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_DECRYPT, &ch), ERR_OK);
    assert_string_equal(bid_status(f, id, f->org_b[0], NULL), "opened");
    assert_string_equal(bid_status(f, id, f->org_b[1], NULL), "revoked");
    assert_string_equal(bid_status(f, id, f->org_b[2], &reason), "revoked");
    assert_string_equal(reason, "opening form missing or invalid");
    struct buf view;
    buf_init(&view, 1 << 20);
    assert_int_equal(opening_view_json(f->s, &f->public, id, &view), ERR_OK);
    assert_non_null(strstr(view.data, "\"duration_days\":365,\"price_fen\":987654300"));
    buf_release(&view);
}

static void test_flow(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    struct buf view;
    int64_t oid = 0;
    int64_t id = opening_tender(f, NB);
    int64_t t_open = clock_now_ms();

    /* sign-in: only bidders with a bid; out-of-order steps refused */
    assert_int_equal(opening_sign_in(f->s, &f->nobid, id, &ch), ERR_OPENING_NOT_BIDDER);
    assert_int_equal(opening_sign_in(f->s, &f->agent, id, &ch), ERR_OPENING_NOT_BIDDER);
    assert_int_equal(opening_sign_in(f->s, &f->bidder[0], id, &ch), ERR_OK);
    assert_string_equal(ch.event, "opening.signin");
    assert_int_equal(ch.phase, OP_SIGNIN);
    assert_int_equal(opening_sign_in(f->s, &f->bidder[0], id, &ch), ERR_OK); /* idempotent */
    assert_int_equal(opening_sign_in(f->s, &f->bidder[1], id, &ch), ERR_OK);
    assert_int_equal(
        opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "opened", form1, NULL, &ch),
        ERR_OPENING_WRONG_PHASE);
    assert_int_equal(opening_object(f->s, &f->bidder[0], id, "异议", &oid, &ch),
                     ERR_OPENING_WRONG_PHASE);
    assert_int_equal(
        opening_sign(f->s, &f->bidder[0], id, (const uint8_t *)"12345678", 8, NULL, &ch),
        ERR_OPENING_WRONG_PHASE);
    assert_int_equal(opening_answer(f->s, &f->agent, id, 1, "答复", &ch), ERR_OPENING_WRONG_PHASE);
    assert_int_equal(opening_fail(f->s, &f->agent, id, "流标", &ch), ERR_OPENING_ENOUGH_BIDS);
    /* only the host advances, and only from the phase it sees */
    assert_int_equal(opening_advance(f->s, &f->bidder[0], id, OP__COUNT, &ch), ERR_FORBIDDEN);
    assert_int_equal(opening_advance(f->s, &f->other_agent, id, OP__COUNT, &ch), ERR_FORBIDDEN);
    assert_int_equal(opening_advance(f->s, &f->supervisor, id, OP__COUNT, &ch), ERR_FORBIDDEN);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_DECRYPT, &ch),
                     ERR_OPENING_WRONG_PHASE);
    assert_string_equal(phase_of(f, id), "signin");
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNIN, &ch), ERR_OK);
    assert_string_equal(ch.event, "opening.phase");
    assert_int_equal(ch.phase, OP_DECRYPT);
    assert_int_equal(ch.window_end_ms, t_open + 30 * MIN);
    assert_string_equal(phase_of(f, id), "decrypt");
    /* late sign-in is still possible in the window */
    assert_int_equal(opening_sign_in(f->s, &f->bidder[2], id, &ch), ERR_OK);

    /* decryption outcomes */
    assert_int_equal(
        opening_decide(f->s, &f->bidder[0], id, f->org_b[1], 1, "opened", form2, NULL, &ch),
        ERR_OPENING_NOT_BIDDER); /* not its own */
    assert_int_equal(
        opening_decide(f->s, &f->nobid, id, f->org_nobid, 1, "opened", form1, NULL, &ch),
        ERR_OPENING_NOT_BIDDER);
    assert_int_equal(opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "opened",
                                    "{\"duration_days\":3}", NULL, &ch),
                     ERR_OPENING_FORM_INVALID);
    assert_int_equal(
        opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "bogus", form1, NULL, &ch),
        ERR_INVALID_FIELD);
    assert_int_equal(
        opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "revoked", NULL, NULL, &ch),
        ERR_MISSING_FIELD);
    assert_int_equal(
        opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "opened", form1, NULL, &ch),
        ERR_OK);
    assert_string_equal(ch.event, "opening.decrypt");
    assert_int_equal(
        opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "opened", form1, NULL, &ch),
        ERR_OPENING_WRONG_PHASE); /* decided already */
    assert_int_equal(
        opening_decide(f->s, &f->bidder[1], id, f->org_b[1], 1, "opened", form2, NULL, &ch),
        ERR_OK);
    assert_int_equal(opening_decide(f->s, &tender_system_caller, id, f->org_b[2], 1, "revoked",
                                    NULL, "wrong key", &ch),
                     ERR_OK);
    /* bidder 4 never decrypts: the window must end first */
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_DECRYPT, &ch),
                     ERR_OPENING_WINDOW_OPEN);
    clock_manual_set(t_open + 30 * MIN);
    assert_int_equal(
        opening_decide(f->s, &f->bidder[3], id, f->org_b[3], 1, "opened", form1, NULL, &ch),
        ERR_OPENING_WINDOW_CLOSED);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_DECRYPT, &ch), ERR_OK);
    assert_int_equal(ch.phase, OP_READOUT);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM opening_bids WHERE tender_id = $1"
                           " AND status = 'revoked'",
                           id),
                     2);
    assert_int_equal(opening_sign_in(f->s, &f->bidder[3], id, &ch), ERR_OPENING_WRONG_PHASE);

    /* the read-out is public: forms as sealed, canonical */
    buf_init(&view, 1 << 20);
    assert_int_equal(opening_view_json(f->s, &f->public, id, &view), ERR_OK);
    assert_non_null(strstr(view.data, "\"phase\":\"readout\""));
    assert_non_null(strstr(view.data, "\"duration_days\":365,\"price_fen\":987654300"));
    assert_non_null(strstr(view.data, "\"duration_days\":300,\"price_fen\":912345600"));
    assert_non_null(strstr(view.data, "not decrypted within the window"));

    /* objections */
    assert_int_equal(opening_object(f->s, &f->bidder[0], id, "异议", &oid, &ch),
                     ERR_OPENING_WRONG_PHASE);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_READOUT, &ch), ERR_OK);
    assert_int_equal(opening_object(f->s, &f->nobid, id, "异议", &oid, &ch),
                     ERR_OPENING_NOT_BIDDER);
    assert_int_equal(opening_object(f->s, &f->bidder[2], id, "", &oid, &ch), ERR_INVALID_FIELD);
    assert_int_equal(
        opening_object(f->s, &f->bidder[2], id, "我方密钥正确，请复核解密结果。", &oid, &ch),
        ERR_OK);
    assert_string_equal(ch.event, "opening.objection");
    assert_int_equal(ch.subject, oid);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_OBJECTIONS, &ch),
                     ERR_OPENING_OBJECTIONS_OPEN);
    assert_int_equal(opening_answer(f->s, &f->bidder[0], id, oid, "答复", &ch), ERR_FORBIDDEN);
    assert_int_equal(opening_answer(f->s, &f->agent, id, oid + 99, "答复", &ch), ERR_NOT_FOUND);
    assert_int_equal(
        opening_answer(f->s, &f->agent, id, oid, "经核验，MAC 校验失败，维持撤销。", &ch), ERR_OK);
    assert_int_equal(opening_answer(f->s, &f->agent, id, oid, "再答", &ch), ERR_NOT_FOUND);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_OBJECTIONS, &ch), ERR_OK);
    assert_int_equal(ch.phase, OP_SIGNING);

    /* signing and sealing */
    give_cert(f, 0, "p256");
    give_cert(f, 1, "sm2");
    assert_int_equal(opening_sign(f->s, &f->nobid, id, (const uint8_t *)"12345678", 8, NULL, &ch),
                     ERR_OPENING_NOT_BIDDER);
    assert_int_equal(sign_as(f, 0, id, &ch), ERR_OK);
    assert_string_equal(ch.event, "opening.sign");
    assert_int_equal(sign_as(f, 1, id, &ch), ERR_OK);
    /* bidder 3 signed in and has not signed: the signing window runs */
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNING, &ch),
                     ERR_OPENING_WINDOW_OPEN);
    clock_manual_set(clock_now_ms() + OPENING_SIGNING_WINDOW_MIN * MIN - 1);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNING, &ch),
                     ERR_OPENING_WINDOW_OPEN);
    clock_manual_set(clock_now_ms() + 1);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNING, &ch), ERR_OK);
    assert_string_equal(ch.event, "opening.record");
    assert_int_equal(ch.phase, OP_SEALED);
    assert_true(ch.tender_moved);
    assert_string_equal(ch.move.event, "tender.state");
    assert_int_equal(ch.move.to, TS_EVALUATION);
    assert_string_equal(get(f, id).state, "evaluation");
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM audit_log WHERE action = 'opening.record'"
                           " AND object_id = CAST($1 AS TEXT)",
                           id),
                     1);
    {
        struct store_tx *tx;
        struct opening_hall h;
        char hash[65];
        assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
        assert_int_equal(store_opening_hall_get(tx, &f->a, id, &h), STORE_OK);
        store_rollback(tx);
        assert_non_null(h.record);
        crypto_sha256_hex(h.record, strlen(h.record), hash);
        assert_string_equal(hash, h.record_hash);
        assert_string_equal(hash, ch.record_hash);
        assert_non_null(strstr(h.record, "经核验"));
        assert_non_null(strstr(h.record, "\"price_fen\":912345600"));
        struct opening_record_report rep;
        assert_int_equal(opening_record_verify(h.record, strlen(h.record), &rep), ERR_OK);
        assert_int_equal(rep.signatures, 2);
        assert_int_equal(rep.tender_id, id);
        /* who did not sign: bidder 3 (present), bidder 4 (never signed in) */
        char ns[160];
        snprintf(ns, sizeof ns,
                 "\"not_signed\":[{\"bidder\":\"闽江路桥工程有限公司\",\"org_id\":%lld,"
                 "\"signed_in\":true},{\"bidder\":\"福州第四建筑公司\",\"org_id\":%lld,"
                 "\"signed_in\":false}]",
                 (long long)f->org_b[2], (long long)f->org_b[3]);
        assert_non_null(strstr(h.record, ns));
        assert_string_equal(rep.record_sha256, h.record_hash);
    }
    /* nothing after the seal */
    assert_int_equal(
        opening_sign(f->s, &f->bidder[2], id, (const uint8_t *)"12345678", 8, NULL, &ch),
        ERR_OPENING_WRONG_PHASE);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP__COUNT, &ch), ERR_OPENING_WRONG_PHASE);
    buf_reset(&view);
    assert_int_equal(opening_view_json(f->s, &f->public, id, &view), ERR_OK);
    assert_non_null(strstr(view.data, "\"record_sha256\""));
    buf_release(&view);
}

/* A hall of NB bids walked to phase signing: bids 0 and 1 opened, the
 * others revoked at the window's end. */
static int64_t to_signing(struct fx *f)
{
    struct opening_change ch;
    int64_t id = opening_tender(f, NB);
    int64_t t_open = clock_now_ms();
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNIN, &ch), ERR_OK);
    assert_int_equal(
        opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "opened", form1, NULL, &ch),
        ERR_OK);
    assert_int_equal(
        opening_decide(f->s, &f->bidder[1], id, f->org_b[1], 1, "opened", form2, NULL, &ch),
        ERR_OK);
    clock_manual_set(t_open + 30 * MIN);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_DECRYPT, &ch), ERR_OK);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_READOUT, &ch), ERR_OK);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_OBJECTIONS, &ch), ERR_OK);
    assert_string_equal(phase_of(f, id), "signing");
    return id;
}

/* Signing the record: good signatures in DER (P-256, SM2) and raw r || s,
 * refusals with stable codes (bad signature, another organisation's key,
 * no certificate, a stale draft, an expired certificate, garbage), the
 * draft fixed while signing, the sealed record verified offline and every
 * alteration of it caught. */
static void test_sign(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    uint8_t sig[SUITE_MAX_SIG], raw[ORGSIG_RAW_LEN];
    char hash[65], hash2[65], other[65];
    int64_t id = to_signing(f);
    give_cert(f, 0, "p256");
    give_cert(f, 1, "sm2");
    give_cert(f, 3, "p256");
    draft_hash(f, id, hash);

    /* refusals */
    size_t n = sign_with(f->key[0], id, hash, sig);
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, 0, NULL, &ch),
                     ERR_OPENING_BAD_SIGNATURE);
    memset(other, 'a', 64);
    other[64] = '\0';
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, n, other, &ch),
                     ERR_OPENING_STALE_DRAFT);
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, n, "abc", &ch),
                     ERR_OPENING_STALE_DRAFT);
    size_t m = sign_with(f->key[0], id, other, sig); /* over another draft */
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, m, NULL, &ch),
                     ERR_OPENING_BAD_SIGNATURE);
    m = sign_with(f->key[0], id + 1, hash, sig); /* for another tender */
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, m, NULL, &ch),
                     ERR_OPENING_BAD_SIGNATURE);
    m = sign_with(f->key[3], id, hash, sig); /* another organisation's key */
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, m, hash, &ch),
                     ERR_OPENING_BAD_SIGNATURE);
    m = sign_with(f->key[0], id, hash, sig);
    sig[m - 1] ^= 1;
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, m, hash, &ch),
                     ERR_OPENING_BAD_SIGNATURE);
    assert_int_equal(opening_sign(f->s, &f->bidder[2], id, sig, m, hash, &ch),
                     ERR_OPENING_NO_CERTIFICATE);
    assert_int_equal(opening_sign(f->s, &f->nobid, id, sig, m, hash, &ch), ERR_OPENING_NOT_BIDDER);
    assert_int_equal(opening_sign(f->s, &f->agent, id, sig, m, hash, &ch), ERR_OPENING_NOT_BIDDER);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM opening_bids WHERE tender_id = $1"
                           " AND signed_ms IS NOT NULL",
                           id),
                     0);

    /* P-256 in DER; SM2 in DER; P-256 as raw r || s (WebCrypto) */
    n = sign_with(f->key[0], id, hash, sig);
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, n, hash, &ch), ERR_OK);
    assert_string_equal(ch.event, "opening.sign");
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, n, NULL, &ch), ERR_OK); /* again */
    n = sign_with(f->key[1], id, hash, sig);
    assert_int_equal(opening_sign(f->s, &f->bidder[1], id, sig, n, hash, &ch), ERR_OK);
    n = sign_with(f->key[3], id, hash, sig);
    {
        const unsigned char *p = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
        assert_non_null(es);
        assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32), 32);
        assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32), 32);
        ECDSA_SIG_free(es);
    }
    raw[5] ^= 1;
    assert_int_equal(opening_sign(f->s, &f->bidder[3], id, raw, sizeof raw, NULL, &ch),
                     ERR_OPENING_BAD_SIGNATURE);
    raw[5] ^= 1;
    assert_int_equal(opening_sign(f->s, &f->bidder[3], id, raw, sizeof raw, NULL, &ch), ERR_OK);
    draft_hash(f, id, hash2);
    assert_string_equal(hash, hash2); /* signing does not change the draft */
    assert_int_equal(count(f->s,
                           "SELECT count(DISTINCT org_id) FROM opening_bids WHERE tender_id = $1"
                           " AND signed_ms IS NOT NULL",
                           id),
                     3);

    /* sealed: the record verifies, and says what was signed */
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNING, &ch), ERR_OK);
    struct store_tx *tx;
    struct opening_hall h;
    struct opening_record_report rep;
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_opening_hall_get(tx, &f->a, id, &h), STORE_OK);
    store_rollback(tx);
    assert_int_equal(opening_record_verify(h.record, strlen(h.record), &rep), ERR_OK);
    assert_int_equal(rep.signatures, 3);
    assert_int_equal(rep.bad_signature, -1);
    assert_string_equal(rep.draft_sha256, hash);
    assert_string_equal(rep.record_sha256, h.record_hash);
    assert_non_null(strstr(h.record, "\"key_alg\":\"sm2\""));
    assert_non_null(strstr(h.record, "\"type\":\"sunbid.opening-record.v1\""));
    {
        struct buf c;
        buf_init(&c, OPENING_RECORD_MAX);
        assert_int_equal(opening_canon_text(h.record, strlen(h.record), OPENING_RECORD_MAX, &c), 0);
        assert_string_equal(c.data, h.record); /* stored canonical */
        buf_release(&c);
    }
    /* any change is caught: a price in the draft, a signature, a certificate */
    char *bad = strdup(h.record);
    char *p = strstr(bad, "987654300");
    assert_non_null(p);
    p[0] = '8';
    assert_int_equal(opening_record_verify(bad, strlen(bad), &rep), ERR_OPENING_STALE_DRAFT);
    memcpy(bad, h.record, strlen(h.record) + 1);
    p = strstr(bad, "\"signature\":\"");
    assert_non_null(p);
    p[20] = p[20] == 'A' ? 'B' : 'A';
    assert_int_equal(opening_record_verify(bad, strlen(bad), &rep), ERR_OPENING_BAD_SIGNATURE);
    assert_true(rep.bad_signature >= 0);
    memcpy(bad, h.record, strlen(h.record) + 1);
    p = strstr(bad, "\"certificate_sha256\":\"");
    assert_non_null(p);
    p[22] = p[22] == '0' ? '1' : '0';
    assert_int_equal(opening_record_verify(bad, strlen(bad), &rep), ERR_CERT_MALFORMED);
    free(bad);
    assert_int_equal(opening_record_verify("{}", 2, &rep), ERR_INVALID_FIELD);
    assert_int_equal(opening_record_verify("[", 1, &rep), ERR_INVALID_FIELD);
    assert_int_equal(opening_sign(f->s, &f->bidder[2], id, sig, n, NULL, &ch),
                     ERR_OPENING_WRONG_PHASE);
}

/* An expired certificate cannot sign; the raw form's conversion. */
static void test_sign_expired(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    uint8_t sig[SUITE_MAX_SIG], der[ORGSIG_MAX], raw[ORGSIG_RAW_LEN];
    size_t dl = 0;
    char hash[65];
    int64_t id = to_signing(f);
    give_cert_at(f, 0, "p256", T0 - 400 * DAY, 30);
    draft_hash(f, id, hash);
    size_t n = sign_with(f->key[0], id, hash, sig);
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, n, hash, &ch), ERR_CERT_EXPIRED);
    give_cert_at(f, 0, "p256", clock_now_ms() + DAY, 30);
    n = sign_with(f->key[0], id, hash, sig);
    assert_int_equal(opening_sign(f->s, &f->bidder[0], id, sig, n, hash, &ch),
                     ERR_CERT_NOT_YET_VALID);
    memset(raw, 0, sizeof raw);
    assert_int_equal(orgsig_raw_to_der(raw, der, &dl), -1); /* r = s = 0 */
    raw[31] = 1;
    raw[63] = 2;
    assert_int_equal(orgsig_raw_to_der(raw, der, &dl), 0);
    assert_int_equal(dl, 8); /* 30 06 02 01 01 02 01 02 */
    assert_int_equal(orgsig_decode("!!!!", 4, der, &dl), ERR_OPENING_BAD_SIGNATURE);
    assert_int_equal(orgsig_decode("AAAA", 4, der, &dl), ERR_OPENING_BAD_SIGNATURE); /* 3 bytes */
    assert_int_equal(orgsig_decode("MAYCAQECAQI=", 12, der, &dl), ERR_OK);
    assert_int_equal(dl, 8);
    assert_int_equal(orgsig_decode("MAYCAQECAQI", 11, der, &dl), ERR_OK); /* base64url */
}

/* The window's end without the host: opening_expire / opening_run_due
 * revoke what is pending once the server clock passes window_end_ms, and
 * do nothing before, twice, or in another phase. */
static void test_expire(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    int done = -1;
    int64_t id = opening_tender(f, NB);
    int64_t t_open = clock_now_ms();
    assert_int_equal(opening_expire(f->s, id, &ch), ERR_OK); /* signin: nothing */
    assert_null(ch.event);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNIN, &ch), ERR_OK);
    assert_int_equal(
        opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "opened", form1, NULL, &ch),
        ERR_OK);
    clock_manual_set(t_open + 30 * MIN - 1);
    assert_int_equal(opening_run_due(f->s, NULL, &done), STORE_OK);
    assert_int_equal(done, 0);
    assert_string_equal(bid_status(f, id, f->org_b[1], NULL), "pending");
    clock_manual_set(t_open + 30 * MIN);
    assert_int_equal(opening_expire(f->s, id, &ch), ERR_OK);
    assert_string_equal(ch.event, "opening.expire");
    assert_int_equal(ch.subject, NB - 1);
    assert_int_equal(ch.phase, OP_DECRYPT);
    assert_int_equal(ch.window_end_ms, t_open + 30 * MIN);
    const char *reason = NULL;
    assert_string_equal(bid_status(f, id, f->org_b[0], NULL), "opened");
    assert_string_equal(bid_status(f, id, f->org_b[1], &reason), "revoked");
    assert_string_equal(reason, "not decrypted within the window");
    assert_int_equal(opening_expire(f->s, id, &ch), ERR_OK); /* idempotent */
    assert_null(ch.event);
    assert_int_equal(opening_run_due(f->s, NULL, &done), STORE_OK);
    assert_int_equal(done, 0);
    assert_string_equal(phase_of(f, id), "decrypt"); /* the host still moves on */
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_DECRYPT, &ch), ERR_OK);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM audit_log WHERE action = 'opening.expire'"
                           " AND object_id = CAST($1 AS TEXT)",
                           id),
                     1);
    /* a second tender: the scheduler's round finds it by itself */
    clock_manual_set(T0 + 100 * DAY);
    int64_t id2 = opening_tender(f, 3);
    assert_int_equal(opening_advance(f->s, &f->agent, id2, OP_SIGNIN, &ch), ERR_OK);
    clock_manual_set(clock_now_ms() + 31 * MIN);
    assert_int_equal(opening_run_due(f->s, NULL, &done), STORE_OK);
    assert_int_equal(done, 1);
    assert_string_equal(bid_status(f, id2, f->org_b[2], NULL), "revoked");
    assert_int_equal(opening_sign_in(f->s, &f->bidder[0], id, &ch), ERR_OPENING_WRONG_PHASE);
}

static void test_too_few_bids(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    int64_t id = opening_tender(f, 2);
    assert_int_equal(opening_sign_in(f->s, &f->bidder[0], id, &ch), ERR_OK);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNIN, &ch),
                     ERR_OPENING_TOO_FEW_BIDS);
    assert_string_equal(phase_of(f, id), "signin");
    assert_int_equal(opening_fail(f->s, &f->bidder[0], id, "流标", &ch), ERR_FORBIDDEN);
    assert_int_equal(opening_fail(f->s, &f->agent, id, "投标人不足三家，流标。", &ch), ERR_OK);
    assert_int_equal(ch.phase, OP_FAILED);
    assert_string_equal(get(f, id).state, "failed");
    assert_string_equal(phase_of(f, id), "failed");
    assert_int_equal(opening_sign_in(f->s, &f->bidder[1], id, &ch), ERR_OPENING_WRONG_PHASE);
    assert_int_equal(opening_fail(f->s, &f->agent, id, "again", &ch), ERR_OPENING_WRONG_PHASE);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM audit_log WHERE action = 'opening.failed'"
                           " AND object_id = CAST($1 AS TEXT)",
                           id),
                     1);
}

static void test_not_opening(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    struct buf view;
    struct tender_input in = {0};
    struct tender_refusal why;
    int64_t id = 0;
    in.title = "草稿";
    in.region = "350100";
    in.category = "works";
    assert_int_equal(tender_create(f->s, &f->agent, &in, &id, &why), ERR_OK);
    assert_int_equal(opening_sign_in(f->s, &f->bidder[0], id, &ch), ERR_NOT_FOUND); /* a draft */
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP__COUNT, &ch), ERR_WRONG_STATE);
    buf_init(&view, 4096);
    assert_int_equal(opening_view_json(f->s, &f->agent, id, &view), ERR_WRONG_STATE);
    assert_int_equal(opening_view_json(f->s, &f->public, id + 99, &view), ERR_NOT_FOUND);
    buf_release(&view);
}

static void test_form_check(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b, 8192);
    assert_int_equal(opening_form_check(form1, strlen(form1), &b), ERR_OK);
    assert_string_equal(b.data,
                        "{\"duration_days\":365,\"price_fen\":987654300,\"quality\":\"合格\"}");
    static const char *const bad[] = {
        "",
        "[]",
        "{}",
        "{\"price_fen\":-1}",
        "{\"price_fen\":1.5}",
        "{\"price_fen\":\"100\"}",
        "{\"price_fen\":1,\"duration_days\":-3}",
        "{\"price_fen\":1,\"duration_days\":99999}",
        "{\"price_fen\":1,\"x\":{\"y\":1}}",
        "{\"price_fen\":1,\"x\":true}",
        "{\"price_fen\":1,\"Bad-Key\":1}",
        "{\"price_fen\":1,\"price_fen\":2}",
        "{\"price_fen\":1",
        "{\"price_fen\":2251799813685249}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(opening_form_check(bad[i], strlen(bad[i]), &b), ERR_OPENING_FORM_INVALID);
    /* against the tender's read-out fields: the whole form is checked and
     * kept (the evaluation reads it); a named field it lacks is read out as
     * not stated, not a fault; only the price is required */
    static const char q[] = "bidder,price,duration,quality";
    assert_int_equal(opening_form_check_fields(form1, strlen(form1), q, &b), ERR_OK);
    assert_string_equal(b.data,
                        "{\"duration_days\":365,\"price_fen\":987654300,\"quality\":\"合格\"}");
    assert_int_equal(opening_form_check_fields(form2, strlen(form2), q, &b),
                     ERR_OK); /* no quality */
    assert_int_equal(opening_form_check_fields(form1, strlen(form1), "bidder,price", &b), ERR_OK);
    assert_string_equal(b.data, /* kept whole: not named is only not read out */
                        "{\"duration_days\":365,\"price_fen\":987654300,\"quality\":\"合格\"}");
    static const char extra[] = "{\"price_fen\":5,\"duration_days\":9,\"Note-X\":[1],\"memo\":1}";
    assert_int_equal(opening_form_check_fields(extra, strlen(extra), "bidder,price,duration", &b),
                     ERR_OPENING_FORM_INVALID); /* a malformed key, named or not */
    static const char *const bad_named[] = {
        "{\"duration_days\":9,\"quality\":\"合格\"}",                     /* no price */
        "{\"price_fen\":5,\"duration_days\":\"9\",\"quality\":\"合格\"}", /* malformed */
        "{\"price_fen\":-5,\"duration_days\":9,\"quality\":\"合格\"}",
        "{\"price_fen\":5,\"duration_days\":9,\"quality\":true}",
    };
    for (size_t i = 0; i < sizeof bad_named / sizeof bad_named[0]; i++)
        assert_int_equal(opening_form_check_fields(bad_named[i], strlen(bad_named[i]), q, &b),
                         ERR_OPENING_FORM_INVALID);
    assert_int_equal(opening_phase_parse("objections"), OP_OBJECTIONS);
    assert_int_equal(opening_phase_parse("nope"), -1);
    assert_string_equal(opening_phase_name(OP_SEALED), "sealed");
    buf_release(&b);
}

/* The tender's read-out fields decide what is read out: a form without a
 * named field opens (read out as not stated); a form without a price is
 * the bidder's fault (art. 31, revoked); fields it does not name are kept
 * for the evaluation but not read out. */
static void test_readout_fields(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    struct opening_outcome out;
    struct buf view;
    char blobs[3][65];
    uint8_t keys[3][SUITE_KEY_LEN];
    const char *reason = NULL;
    static const char extra[] =
        "{\"price_fen\":7,\"duration_days\":1,\"quality\":\"优\",\"secret_note\":\"不读\"}";
    static const char noprice[] = "{\"duration_days\":1,\"quality\":\"优\"}";
    seal_blob(f, form2, blobs[0], keys[0]); /* no quality: opens, not stated */
    seal_blob(f, noprice, blobs[1], keys[1]);
    seal_blob(f, extra, blobs[2], keys[2]);
    g_readout = "bidder,price,duration,quality";
    int64_t id = opening_tender_blobs(f, 3, blobs);
    g_readout = NULL;
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNIN, &ch), ERR_OK);
    /* a form stated directly is refused with the code */
    assert_int_equal(
        opening_decide(f->s, &f->bidder[1], id, f->org_b[1], 1, "opened", noprice, NULL, &ch),
        ERR_OPENING_FORM_INVALID);
    assert_int_equal(opening_decrypt(f->s, &f->bidder[0], id, 1, keys[0], &out, &ch), ERR_OK);
    assert_string_equal(out.status, "opened");
    assert_int_equal(opening_decrypt(f->s, &f->bidder[1], id, 1, keys[1], &out, &ch), ERR_OK);
    assert_string_equal(out.status, "revoked");
    assert_string_equal(bid_status(f, id, f->org_b[1], &reason), "revoked");
    assert_string_equal(reason, "opening form missing or invalid");
    assert_int_equal(opening_decrypt(f->s, &f->bidder[2], id, 1, keys[2], &out, &ch), ERR_OK);
    assert_string_equal(out.status, "opened");
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_DECRYPT, &ch), ERR_OK);
    buf_init(&view, 1 << 20);
    assert_int_equal(opening_view_json(f->s, &f->public, id, &view), ERR_OK);
    assert_non_null(strstr(view.data, "\"readout_fields\":\"bidder,price,duration,quality\""));
    assert_non_null(
        strstr(view.data, "\"form\":{\"duration_days\":1,\"price_fen\":7,\"quality\":\"优\"}"));
    assert_null(strstr(view.data, "secret_note"));
    buf_release(&view);
}

/* The hall opens by itself at the deadline: the scheduler's round creates
 * it (phase signin, the bids counted) and reports the change; once. */
static void test_open_at_deadline(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    struct buf view;
    int done = 0, moved = 0;
    int64_t id = opening_tender(f, 3); /* the tender is opening; no host step */
    assert_int_equal(count(f->s, "SELECT count(*) FROM opening_halls WHERE tender_id = $1", id), 0);
    assert_int_equal(tender_scheduler_run_once(f->s, NULL, &moved), STORE_OK);
    assert_int_equal(moved, 0); /* the tender moved before; hall openings are not counted */
    assert_string_equal(phase_of(f, id), "signin");
    buf_init(&view, 1 << 20);
    assert_int_equal(opening_view_json(f->s, &f->public, id, &view), ERR_OK);
    assert_non_null(strstr(view.data, "\"phase\":\"signin\""));
    assert_non_null(strstr(view.data, "\"bidders\":3"));
    assert_non_null(strstr(view.data, "\"lots\":[{\"lot\":1,\"bidders\":3,\"failed\":false"));
    buf_release(&view);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM audit_log WHERE action = 'opening.open'"
                           " AND object_id = CAST($1 AS TEXT)",
                           id),
                     1);
    /* the round is idempotent; the open step on an open hall reports nothing */
    assert_int_equal(opening_run_due(f->s, NULL, &done), STORE_OK);
    assert_int_equal(done, 0);
    assert_int_equal(opening_open_hall(f->s, id, &ch), ERR_OK);
    assert_null(ch.event);
    /* a second tender through opening_open_hall: the change is the event */
    clock_manual_set(clock_now_ms() + DAY);
    int64_t id2 = opening_tender(f, 2);
    assert_int_equal(opening_open_hall(f->s, id2, &ch), ERR_OK);
    assert_string_equal(ch.event, "opening.open");
    assert_int_equal(ch.phase, OP_SIGNIN);
    assert_int_equal(ch.bidders, 2);
    assert_int_equal(ch.n_lots, 1);
    assert_true(ch.lots[0].failed); /* 2 < 3 */
    buf_init(&view, 4096);
    assert_int_equal(opening_change_json(&ch, &view), 0);
    assert_non_null(strstr(view.data, "\"event\":\"opening.open\""));
    assert_non_null(strstr(view.data, "\"lots\":[{\"lot\":1,\"bidders\":2,\"failed\":true}]"));
    buf_release(&view);
    /* only the system opens a hall */
    assert_int_equal(opening_fail(f->s, &f->agent, id2, "流标", &ch), ERR_OK);
    assert_true(ch.tender_moved);
    assert_int_equal(ch.move.to, TS_FAILED);
}

/* The minimum applies per lot: a lot below it fails on its own at the
 * count, the others go on; every lot below it: only 流标. */
static void test_lots(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    struct buf view;
    const char *reason = NULL;
    static const int lots_a[NB] = {1, 1, 1, 2}; /* lot 1: 3 bidders, lot 2: 1 */
    static const int lots_b[NB] = {1, 1, 2, 2}; /* 2 and 2: 4 organisations, no lot opens */
    g_lots = lots_a;
    int64_t id = opening_tender(f, NB);
    g_lots = NULL;
    assert_int_equal(opening_fail(f->s, &f->agent, id, "流标", &ch), ERR_OPENING_ENOUGH_BIDS);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNIN, &ch), ERR_OK);
    assert_string_equal(phase_of(f, id), "decrypt");
    assert_string_equal(bid_status(f, id, f->org_b[3], &reason), "withdrawn");
    assert_non_null(strstr(reason, "lot 2 failed at the opening"));
    assert_string_equal(bid_status(f, id, f->org_b[0], NULL), "pending");
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM audit_log WHERE action = 'opening.lot_failed'"
                           " AND object_id = CAST($1 AS TEXT)",
                           id),
                     1);
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM opening_lots WHERE tender_id = $1"
                           " AND failed_ms IS NOT NULL",
                           id),
                     1);
    buf_init(&view, 1 << 20);
    assert_int_equal(opening_view_json(f->s, &f->public, id, &view), ERR_OK);
    assert_non_null(strstr(view.data, "{\"lot\":1,\"bidders\":3,\"failed\":false"));
    assert_non_null(strstr(view.data, "{\"lot\":2,\"bidders\":1,\"failed\":true"));
    buf_release(&view);
    /* the failed lot's bid cannot be decided */
    assert_int_equal(
        opening_decide(f->s, &f->bidder[3], id, f->org_b[3], 2, "opened", form1, NULL, &ch),
        ERR_OPENING_WRONG_PHASE);

    clock_manual_set(clock_now_ms() + DAY);
    g_lots = lots_b;
    int64_t id2 = opening_tender(f, NB);
    g_lots = NULL;
    assert_int_equal(opening_advance(f->s, &f->agent, id2, OP_SIGNIN, &ch),
                     ERR_OPENING_TOO_FEW_BIDS);
    assert_int_equal(opening_fail(f->s, &f->agent, id2, "各标段均不足三家", &ch), ERR_OK);
    assert_string_equal(get(f, id2).state, "failed");
    assert_int_equal(count(f->s,
                           "SELECT count(*) FROM opening_lots WHERE tender_id = $1"
                           " AND failed_ms IS NOT NULL",
                           id2),
                     2);
}

/* ---- every step in every phase ---- */

enum mstep { M_SIGNIN, M_ADVANCE, M_FAIL, M_DECIDE, M_OBJECT, M_ANSWER, M_SIGN, M__COUNT };

/* A fresh hall walked to phase ph (bidder 0 has a signing certificate). */
static int64_t hall_in(struct fx *f, enum opening_phase ph)
{
    struct opening_change ch;
    clock_manual_set(clock_now_ms() + DAY);
    int64_t id = opening_tender(f, ph == OP_FAILED ? 2 : NB);
    int64_t t0 = clock_now_ms();
    assert_int_equal(opening_open_hall(f->s, id, &ch), ERR_OK);
    if (ph == OP_FAILED) {
        assert_int_equal(opening_fail(f->s, &f->agent, id, "流标", &ch), ERR_OK);
        return id;
    }
    for (int p = OP_SIGNIN; p < (int)ph; p++) {
        if (p == OP_DECRYPT)
            clock_manual_set(t0 + 30 * MIN);
        assert_int_equal(opening_advance(f->s, &f->agent, id, (enum opening_phase)p, &ch), ERR_OK);
    }
    assert_string_equal(phase_of(f, id), opening_phase_name(ph));
    return id;
}

static enum err mstep_run(struct fx *f, int64_t id, enum mstep m, enum opening_phase ph)
{
    struct opening_change ch;
    int64_t oid = 0;
    switch (m) {
    case M_SIGNIN:
        return opening_sign_in(f->s, &f->bidder[0], id, &ch);
    case M_ADVANCE:
        return opening_advance(f->s, &f->agent, id, ph, &ch);
    case M_FAIL:
        return opening_fail(f->s, &f->agent, id, "流标", &ch);
    case M_DECIDE:
        return opening_decide(f->s, &f->bidder[0], id, f->org_b[0], 1, "opened", form2, NULL, &ch);
    case M_OBJECT:
        return opening_object(f->s, &f->bidder[0], id, "异议", &oid, &ch);
    case M_ANSWER:
        if (ph == OP_OBJECTIONS)
            assert_int_equal(opening_object(f->s, &f->bidder[1], id, "异议", &oid, &ch), ERR_OK);
        return opening_answer(f->s, &f->agent, id, oid > 0 ? oid : 1, "答复", &ch);
    case M_SIGN:
        if (ph == OP_SIGNING)
            return sign_as(f, 0, id, &ch);
        return opening_sign(f->s, &f->bidder[0], id, (const uint8_t *)"12345678", 8, NULL, &ch);
    default:
        return ERR_INTERNAL;
    }
}

static void test_matrix(void **state)
{
    struct fx *f = *state;
    static const char *const mnames[M__COUNT] = {"signin", "advance", "fail", "decide",
                                                 "object", "answer",  "sign"};
    /* what each step gets in each phase (NB = 4 bids, all pending in decrypt) */
    static const enum err want[OP__COUNT][M__COUNT] = {
        [OP_SIGNIN] = {ERR_OK, ERR_OK, ERR_OPENING_ENOUGH_BIDS, ERR_OPENING_WRONG_PHASE,
                       ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE},
        [OP_DECRYPT] = {ERR_OK, ERR_OPENING_WINDOW_OPEN, ERR_OPENING_WRONG_PHASE, ERR_OK,
                        ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE},
        [OP_READOUT] = {ERR_OPENING_WRONG_PHASE, ERR_OK, ERR_OPENING_WRONG_PHASE,
                        ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE,
                        ERR_OPENING_WRONG_PHASE},
        [OP_OBJECTIONS] = {ERR_OPENING_WRONG_PHASE, ERR_OK, ERR_OPENING_WRONG_PHASE,
                           ERR_OPENING_WRONG_PHASE, ERR_OK, ERR_OK, ERR_OPENING_WRONG_PHASE},
        [OP_SIGNING] = {ERR_OPENING_WRONG_PHASE, ERR_OK, ERR_OPENING_WRONG_PHASE,
                        ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE,
                        ERR_OK},
        [OP_SEALED] = {ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE,
                       ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE,
                       ERR_OPENING_WRONG_PHASE},
        [OP_FAILED] = {ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE,
                       ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE, ERR_OPENING_WRONG_PHASE,
                       ERR_OPENING_WRONG_PHASE},
    };
    give_cert(f, 0, "p256");
    for (int p = 0; p < OP__COUNT; p++) {
        /* refusals change nothing: one hall per phase; each success its own */
        int64_t shared = 0;
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) /* after the others: hall_in moves the clock */
                shared = hall_in(f, (enum opening_phase)p);
            for (int m = 0; m < M__COUNT; m++) {
                if ((want[p][m] == ERR_OK) != (pass == 0))
                    continue;
                int64_t id = pass == 0 ? hall_in(f, (enum opening_phase)p) : shared;
                enum err e = mstep_run(f, id, (enum mstep)m, (enum opening_phase)p);
                if (e != want[p][m])
                    fail_msg("phase %s, step %s: %s, want %s", opening_phase_name(p), mnames[m],
                             err_code(e), err_code(want[p][m]));
            }
        }
        assert_string_equal(phase_of(f, shared), opening_phase_name(p)); /* unchanged */
    }
}

/* A hall caught in phase signing by migration 29 holds the old sheet
 * {"draft", "signatures"}: the view still shows its draft, the next step
 * moves the signatures into rows, the record seals and verifies. */
static void test_legacy_sheet(void **state)
{
    struct fx *f = *state;
    struct opening_change ch;
    struct store_tx *tx;
    struct opening_hall h;
    char before[65];
    int64_t id = to_signing(f);
    draft_hash(f, id, before);
    struct store_param p[] = {SP_I(id)};
    assert_int_equal(store_begin(f->s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx,
                                "UPDATE opening_halls SET record = '{\"draft\":' || record ||"
                                " ',\"signatures\":[]}', signing_end_ms = NULL"
                                " WHERE tender_id = $1",
                                p, 1, NULL),
                     STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    char after[65];
    draft_hash(f, id, after); /* the view reads the sheet */
    assert_string_equal(before, after);
    give_cert(f, 0, "p256");
    assert_int_equal(sign_as(f, 0, id, &ch), ERR_OK);
    assert_int_equal(
        count(f->s, "SELECT count(*) FROM opening_signatures WHERE tender_id = $1", id), 1);
    assert_int_equal(opening_advance(f->s, &f->agent, id, OP_SIGNING, &ch), ERR_OK);
    assert_int_equal(store_begin(f->s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_opening_hall_get(tx, &f->a, id, &h), STORE_OK);
    store_rollback(tx);
    struct opening_record_report rep;
    assert_int_equal(opening_record_verify(h.record, strlen(h.record), &rep), ERR_OK);
    assert_int_equal(rep.signatures, 1);
    assert_string_equal(rep.draft_sha256, before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_check),
        cmocka_unit_test_setup_teardown(test_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readout_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_at_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_matrix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_sheet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decrypt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_few_bids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_opening, setup, teardown),
    };
    return unit_run_on_stores("opening", tests, sizeof tests / sizeof tests[0]) != 0;
}
