/*
 * Unit tests for ledger/cert.h on a real SQLite store: a log with org.create
 * entries (public) and tender events (private, some naming their tender by
 * "tender"), a checkpoint cosigned by a witness and timestamped by a local
 * RFC 3161 TSA made with the `openssl` command (as test_tsa does).
 *
 *   - an entry's optional "tender" key;
 *   - cert_build for one entry, an org, a tender (bytes withheld unless
 *     with_private), unknown subjects, entries past the checkpoint;
 *   - cert_write / cert_parse round trip (byte-identical), and the parser's
 *     refusals of malformed files;
 *   - cert_verify of good certificates, pinned and not, with witnesses and
 *     the timestamp required; then tamper tests, one altered thing each,
 *     each caught by the right finding code: an entry byte, a leaf hash, a
 *     proof hash, the checkpoint text, a log signature, a cosignature, the
 *     timestamp token, a wrong pinned key, a wrong subject;
 *   - the report as JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "ledger/cert.h"
#include "ledger/cosign.h"
#include "ledger/ledger.h"
#include "store/ledger.h"

#define TENDER 7

static char dir[] = "/tmp/sunbid-cert-XXXXXX";
static struct store *st;
static struct ledger_log lg;
static struct note_key witness;   /* cosigns the checkpoint */
static struct note_key pinned[2]; /* the log's verifier keys, as a client pins them */
static size_t npinned;
static struct cosign_witnesses wits;
static struct tsa_trust tsa;
static int64_t cp_size;
static struct buf stored_note; /* the latest checkpoint as stored: what the TSA stamped */

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    return system(cmd);
}

static void append(const char *type, const char *stype, int64_t sid, int64_t tender)
{
    struct store_tx *tx = NULL;
    struct ledger_event ev = {.type = type,
                              .subject_type = stype,
                              .subject_id = sid,
                              .actor_id = 1,
                              .actor_name = "admin",
                              .tender_id = tender};
    assert_int_equal(store_begin(st, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(ledger_append(tx, &ev), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
}

static void drain(void)
{
    int n;
    int64_t s;
    do {
        clock_manual_advance(2000); /* a checkpoint is due every round */
        assert_int_equal(ledger_sequencer_run_once(st, &lg, &n, &s), STORE_OK);
        if (s >= 0)
            cp_size = s;
    } while (n > 0);
}

/* Cosigns and timestamps the latest checkpoint, as a witness and a TSA
 * would, and stores both. */
static int witness_and_stamp(void)
{
    struct store_tx *tx = NULL;
    struct buf note, line;
    int64_t size = 0;
    int inserted = 0;
    char path[600];
    buf_init(&note, NOTE_MAX_BYTES);
    buf_init(&line, 1024);
    assert_int_equal(store_begin(st, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_ledger_checkpoint_latest(tx, &size, NULL, &note), STORE_OK);
    const char *blank = strstr(note.data, "\n\n");
    assert_non_null(blank);
    assert_int_equal(
        cosign_sign(&witness, note.data, (size_t)(blank - note.data) + 1, 1764400000, &line),
        NOTE_OK);
    line.data[--line.len] = '\0'; /* stored without its newline */
    assert_int_equal(store_ledger_cosignature_insert(tx, size, witness.name, line.data, 1764400000,
                                                     clock_now_ms(), &inserted),
                     STORE_OK);
    /* the TSA stamps the stored note (no cosignature lines) */
    snprintf(path, sizeof path, "%s/note.txt", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(note.data, 1, note.len, f), note.len);
    fclose(f);
    if (sh("(cd %s && openssl ts -query -data note.txt -sha256 -cert -out q.tsq && "
           "openssl ts -reply -queryfile q.tsq -signer tsa.pem -inkey tsa.key -chain ca.pem "
           "-config tsa.cnf -token_out -out tok.der) >/dev/null 2>&1",
           dir) != 0)
        return -1;
    unsigned char tok[TSA_MAX_TOKEN];
    snprintf(path, sizeof path, "%s/tok.der", dir);
    f = fopen(path, "rb");
    assert_non_null(f);
    size_t tn = fread(tok, 1, sizeof tok, f);
    fclose(f);
    int64_t gen = 0;
    assert_int_equal(tsa_verify(&tsa, tok, tn, note.data, note.len, &gen), TSA_OK);
    assert_int_equal(
        store_ledger_timestamp_insert(tx, size, tok, tn, gen, clock_now_ms(), &inserted), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    stored_note = note;
    buf_release(&line);
    return 0;
}

static int setup(void **state)
{
    char err[256], path[600];
    int applied;
    (void)state;
    if (system("openssl version >/dev/null 2>&1") != 0) {
        print_message("test_cert: SKIPPED: no `openssl` command on PATH\n");
        return -1;
    }
    if (mkdtemp(dir) == NULL)
        return -1;
    if (sh("(cd %s && "
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
           "-keyout ca.key -out ca.pem -days 2 -subj /CN=CA && "
           "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
           "-keyout tsa.key -out tsa.csr -subj /CN=TSA && "
           "printf '[e]\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=critical,timeStamping\\n'"
           " > ext.cnf && "
           "openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
           "-out tsa.pem -days 2 -extfile ext.cnf -extensions e && "
           "printf '[tsa]\\ndefault_tsa=t\\n[t]\\nserial=serial\\nsigner_digest=sha256\\n"
           "default_policy=1.2.3.4.1\\ndigests=sha256\\ness_cert_id_alg=sha256\\n' > tsa.cnf)"
           " >/dev/null 2>&1",
           dir) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/tsa.pem", dir);
    assert_int_equal(tsa_trust_load(&tsa, path, err, sizeof err), TSA_OK);

    clock_manual(1764400000000);
    snprintf(path, sizeof path, "%s/data", dir);
    if (store_open(&st, NULL, path, err, sizeof err) != STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_migrate(st, &applied), STORE_OK);
    struct ledger_options opt = {.checkpoint_ms = 1};
    assert_int_equal(ledger_log_open(st, path, &opt, &lg, err, sizeof err), STORE_OK);

    /* leaves 0..4: org.create 1..5; then tender 7's events: the tender
     * itself, two bids naming it by "tender", another tender's bid */
    for (int i = 1; i <= 5; i++)
        append("org.create", "org", i, 0);
    append("tender.create", "tender", TENDER, 0); /* 5: a draft, private */
    append("bid.submit", "bid", 101, TENDER);      /* 6 */
    append("bid.submit", "bid", 102, 8);           /* 7 */
    append("bid.submit", "bid", 103, TENDER);      /* 8 */
    append("org.create", "org", 3, 0);             /* 9: org 3 again (an update, say) */
    drain();
    append("org.create", "org", 6, 0); /* 10: after the checkpoint... */
    drain();                           /* ...which is then re-signed at 11 */
    assert_int_equal(cp_size, 11);

    assert_int_equal(note_key_generate(&witness, "witness.example/w1", NOTE_COSIGN_V1), NOTE_OK);
    struct buf vk;
    buf_init(&vk, 1024);
    assert_int_equal(note_key_vkey(&witness, &vk), NOTE_OK);
    const char *vks[] = {vk.data};
    assert_int_equal(cosign_witnesses_load(&wits, vks, 1, NULL, err, sizeof err), NOTE_OK);
    buf_release(&vk);
    if (witness_and_stamp() != 0)
        return -1;

    /* what a client pins: the log's published verifier keys */
    struct store_ledger_config cfg;
    struct store_tx *tx = NULL;
    assert_int_equal(store_begin(st, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_ledger_config_get(tx, &cfg), STORE_OK);
    store_rollback(tx);
    char *nl = strchr(cfg.vkeys, '\n');
    assert_non_null(nl);
    assert_int_equal(note_key_parse_vkey(&pinned[0], cfg.vkeys, (size_t)(nl - cfg.vkeys)), NOTE_OK);
    npinned = 1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < npinned; i++)
        note_key_release(&pinned[i]);
    note_key_release(&witness);
    buf_release(&stored_note);
    cosign_witnesses_free(&wits);
    tsa_trust_free(&tsa);
    ledger_log_release(&lg);
    store_close(st);
    sh("rm -rf %s", dir);
    return 0;
}

static int build(const char *type, int64_t id, bool priv, struct cert *c)
{
    struct store_tx *tx = NULL;
    struct cert_request rq = {type, id, priv};
    assert_int_equal(store_begin(st, STORE_READ, &tx), STORE_OK);
    int rc = cert_build(tx, &rq, 1764400001234, c);
    store_rollback(tx);
    return rc;
}

/* Writes c and parses it back into c (so the checkpoint is re-parsed). */
static void reparse(struct cert *c)
{
    struct buf b;
    char err[256];
    buf_init(&b, CERT_MAX_BYTES);
    assert_int_equal(cert_write(c, &b), 0);
    cert_free(c);
    if (cert_parse(b.data, b.len, c, err, sizeof err) != CERT_OK)
        fail_msg("cert_parse: %s", err);
    buf_release(&b);
}

static struct cert_trust full_trust(void)
{
    struct cert_trust t = {pinned, npinned, &wits, 1, &tsa, true};
    return t;
}

/* The worst status among findings with this code (and index, unless -2). */
static int status_of(const struct cert_report *r, const char *code, int64_t index)
{
    int worst = -1;
    for (size_t i = 0; i < r->nfindings; i++) {
        const struct cert_finding *f = &r->findings[i];
        if (strcmp(f->code, code) != 0 || (index != -2 && f->index != index))
            continue;
        int s = f->status;
        if (worst < 0 || s == CERT_FAIL || (s == CERT_WARN && worst != CERT_FAIL))
            worst = s;
    }
    return worst;
}

static void dump(const struct cert_report *r)
{
    for (size_t i = 0; i < r->nfindings; i++)
        print_message("  %s %s [%lld] %s\n", cert_status_name(r->findings[i].status),
                      r->findings[i].code, (long long)r->findings[i].index, r->findings[i].message);
}

/* The optional "tender" key of an entry, in its byte-order place. */
static void test_event_tender(void **state)
{
    struct buf b;
    struct ledger_event ev = {.type = "bid.submit",
                              .subject_type = "bid",
                              .subject_id = 101,
                              .actor_id = 2,
                              .actor_name = "bidder1",
                              .tender_id = TENDER};
    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(ledger_event_json(&ev, 1764400000000, &b), 0);
    assert_string_equal(b.data, "{\"actor\":{\"id\":2,\"name\":\"bidder1\"},\"subject\":{\"id\":"
                                "101,\"type\":\"bid\"},\"tender\":7,\"time_ms\":1764400000000,"
                                "\"type\":\"bid.submit\",\"v\":1}");
    ev.tender_id = -1;
    buf_reset(&b);
    assert_int_equal(ledger_event_json(&ev, 0, &b), -1);
    buf_release(&b);
}

static void test_build(void **state)
{
    struct cert c;
    (void)state;
    /* one entry */
    assert_int_equal(build("entry", 2, false, &c), CERT_OK);
    assert_string_equal(c.subject_type, "entry");
    assert_int_equal(c.subject_id, 2);
    assert_int_equal(c.nentries, 1);
    assert_int_equal(c.entries[0].index, 2);
    assert_non_null(c.entries[0].entry);      /* org.create is public */
    assert_int_equal(c.entries[0].nproof, 4); /* a tree of 11 */
    assert_int_equal(c.cp.size, 11);
    assert_string_equal(c.origin, lg.origin);
    assert_int_equal(c.alg, MERKLE_SHA256);
    assert_int_equal(c.nkeys, 1);
    assert_non_null(c.timestamp);
    assert_non_null(strstr(c.checkpoint, "\n\xe2\x80\x94 witness.example/w1 "));
    assert_int_equal(c.issued_ms, 1764400001234);
    cert_free(&c);
    cert_free(&c); /* twice is safe */

    /* an org: both of its entries, in order */
    assert_int_equal(build("org", 3, false, &c), CERT_OK);
    assert_int_equal(c.nentries, 2);
    assert_int_equal(c.entries[0].index, 2);
    assert_int_equal(c.entries[1].index, 9);
    cert_free(&c);

    /* a tender: itself and the bids naming it, bytes withheld (private) */
    assert_int_equal(build("tender", TENDER, false, &c), CERT_OK);
    assert_int_equal(c.nentries, 3);
    assert_int_equal(c.entries[0].index, 5);
    assert_int_equal(c.entries[1].index, 6);
    assert_int_equal(c.entries[2].index, 8);
    for (size_t i = 0; i < c.nentries; i++)
        assert_null(c.entries[i].entry);
    cert_free(&c);
    assert_int_equal(build("tender", TENDER, true, &c), CERT_OK);
    for (size_t i = 0; i < c.nentries; i++)
        assert_non_null(c.entries[i].entry);
    cert_free(&c);

    /* nothing provable */
    assert_int_equal(build("org", 99, false, &c), CERT_ENOTFOUND);
    assert_int_equal(build("entry", 11, false, &c), CERT_ENOTFOUND); /* not yet signed */
    assert_int_equal(build("Tender", 7, false, &c), CERT_ENOTFOUND);
    assert_int_equal(build("bid", -1, false, &c), CERT_ENOTFOUND);
    assert_null(c.entries);
}

static void test_round_trip(void **state)
{
    struct cert c, d;
    struct buf a, b;
    char err[256];
    (void)state;
    assert_int_equal(build("tender", TENDER, true, &c), CERT_OK);
    buf_init(&a, CERT_MAX_BYTES);
    buf_init(&b, CERT_MAX_BYTES);
    assert_int_equal(cert_write(&c, &a), 0);
    assert_true(a.len > 0 && a.data[a.len - 1] == '\n');
    assert_non_null(strstr(a.data, "{\"format\":\"sunbid-witness-certificate/v1\",\"issued_ms\":"
                                   "1764400001234,\"subject\":{\"type\":\"tender\",\"id\":7},"
                                   "\"log\":{\"origin\":"));
    if (cert_parse(a.data, a.len, &d, err, sizeof err) != CERT_OK)
        fail_msg("cert_parse: %s", err);
    assert_int_equal(cert_write(&d, &b), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    assert_int_equal(d.nentries, c.nentries);
    assert_int_equal(d.cp.size, c.cp.size);
    assert_memory_equal(d.cp.root, c.cp.root, MERKLE_HASH_LEN);
    assert_int_equal(d.timestamp_len, c.timestamp_len);
    assert_int_equal(d.entries[1].entry_len, c.entries[1].entry_len);
    const char *seed = getenv("SUNBID_CERT_SEED"); /* a fuzz seed with a timestamp token */
    if (seed != NULL) {
        FILE *f = fopen(seed, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(a.data, 1, a.len, f), a.len);
        fclose(f);
    }
    assert_memory_equal(d.entries[1].entry, c.entries[1].entry, c.entries[1].entry_len);
    cert_free(&d);
    cert_free(&c);
    /* an entry certificate writes "index" */
    assert_int_equal(build("entry", 0, false, &c), CERT_OK);
    buf_reset(&a);
    assert_int_equal(cert_write(&c, &a), 0);
    assert_non_null(strstr(a.data, "\"subject\":{\"type\":\"entry\",\"index\":0}"));
    cert_free(&c);
    buf_release(&a);
    buf_release(&b);
}

static void test_verify_good(void **state)
{
    struct cert c;
    struct cert_report r;
    struct cert_trust t = full_trust();
    const char *subj[][2] = {{"entry", "4"}, {"org", "3"}, {"tender", "7"}};
    (void)state;
    for (size_t k = 0; k < 3; k++) {
        for (int priv = 0; priv < 2; priv++) {
            assert_int_equal(build(subj[k][0], strtol(subj[k][1], NULL, 10), priv, &c), CERT_OK);
            reparse(&c);
            int rc = cert_verify(&c, &t, &r);
            if (rc != CERT_OK) {
                dump(&r);
                fail_msg("%s %s: %d", subj[k][0], subj[k][1], rc);
            }
            assert_true(r.ok);
            assert_true(r.keys_pinned);
            assert_int_equal(r.witnesses_ok, 1);
            assert_true(r.gen_time_ms > 0);
            assert_int_equal(status_of(&r, "log_keys", -1), CERT_PASS);
            assert_int_equal(status_of(&r, "checkpoint", -1), CERT_PASS);
            assert_int_equal(status_of(&r, "witnesses", -1), CERT_PASS);
            assert_int_equal(status_of(&r, "timestamp", -1), CERT_PASS);
            assert_int_equal(status_of(&r, "inclusion", -2), CERT_PASS);
            assert_int_equal(r.entries_public + r.entries_withheld, c.nentries);
            if (strcmp(subj[k][0], "tender") == 0 && !priv) {
                assert_int_equal(r.entries_withheld, 3);
                assert_int_equal(status_of(&r, "entry", 5), CERT_SKIP);
                assert_int_equal(status_of(&r, "subject", -1), CERT_SKIP);
            } else {
                assert_int_equal(status_of(&r, "entry", -2), CERT_PASS);
                assert_int_equal(status_of(&r, "subject", -1), CERT_PASS);
            }
            cert_report_free(&r);
            cert_report_free(&r);
            cert_free(&c);
        }
    }
}

static void test_verify_unpinned(void **state)
{
    struct cert c;
    struct cert_report r;
    (void)state;
    assert_int_equal(build("org", 1, false, &c), CERT_OK);
    reparse(&c);
    /* no trust at all: the certificate's own key, warned about */
    assert_int_equal(cert_verify(&c, NULL, &r), CERT_OK);
    assert_true(r.ok);
    assert_false(r.keys_pinned);
    assert_int_equal(status_of(&r, "log_keys", -1), CERT_WARN);
    assert_int_equal(status_of(&r, "checkpoint", -1), CERT_PASS);
    assert_int_equal(status_of(&r, "witnesses", -1), CERT_SKIP);
    assert_int_equal(status_of(&r, "timestamp", -1), CERT_SKIP);
    cert_report_free(&r);
    /* a witness required but none trusted; a timestamp required but no TSA */
    struct cert_trust t = {NULL, 0, NULL, 1, NULL, true};
    assert_int_equal(cert_verify(&c, &t, &r), CERT_EFAILED);
    assert_int_equal(status_of(&r, "witnesses", -1), CERT_FAIL);
    assert_int_equal(status_of(&r, "timestamp", -1), CERT_FAIL);
    cert_report_free(&r);
    /* trusted witnesses, but two cosignatures required */
    t = full_trust();
    t.min_witnesses = 2;
    assert_int_equal(cert_verify(&c, &t, &r), CERT_EFAILED);
    assert_int_equal(status_of(&r, "witnesses", -1), CERT_FAIL);
    assert_int_equal(status_of(&r, "checkpoint", -1), CERT_PASS);
    cert_report_free(&r);
    /* no timestamp in the file: skipped, or failed when required */
    free(c.timestamp);
    c.timestamp = NULL;
    c.timestamp_len = 0;
    t = full_trust();
    t.require_timestamp = false;
    assert_int_equal(cert_verify(&c, &t, &r), CERT_OK);
    assert_int_equal(status_of(&r, "timestamp", -1), CERT_SKIP);
    cert_report_free(&r);
    t.require_timestamp = true;
    assert_int_equal(cert_verify(&c, &t, &r), CERT_EFAILED);
    assert_int_equal(status_of(&r, "timestamp", -1), CERT_FAIL);
    cert_report_free(&r);
    cert_free(&c);
}

/* Keys in the file beyond the pinned one: another Ed25519 key of the log's
 * name is a substitute (FAIL); an SM2 key, a kind nobody pinned, is only
 * unused (WARN). */
static void test_extra_keys(void **state)
{
    struct cert c;
    struct cert_report r;
    struct cert_trust t = full_trust();
    struct note_key k;
    struct buf b;
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        assert_int_equal(build("org", 3, false, &c), CERT_OK);
        assert_int_equal(note_key_generate(&k, lg.origin, kind == 0 ? NOTE_SM2 : NOTE_ED25519),
                         NOTE_OK);
        buf_init(&b, CERT_MAX_KEY_LEN);
        assert_int_equal(note_key_vkey(&k, &b), NOTE_OK);
        size_t n;
        c.keys[c.nkeys++] = buf_detach(&b, &n);
        note_key_release(&k);
        reparse(&c);
        if (kind == 0) {
            assert_int_equal(cert_verify(&c, &t, &r), CERT_OK);
            assert_int_equal(status_of(&r, "log_keys", -1), CERT_WARN);
        } else {
            assert_int_equal(cert_verify(&c, &t, &r), CERT_EFAILED);
            assert_int_equal(status_of(&r, "log_keys", -1), CERT_FAIL);
        }
        assert_int_equal(status_of(&r, "checkpoint", -1), CERT_PASS);
        cert_report_free(&r);
        cert_free(&c);
    }
}

/* Flips one base64 character `skip` characters into the signature line
 * that starts with "— NAME " in c's checkpoint. */
static void flip_sig_line(struct cert *c, const char *name, size_t skip)
{
    char key[300];
    snprintf(key, sizeof key, "\xe2\x80\x94 %s ", name);
    char *p = strstr(c->checkpoint, key);
    assert_non_null(p);
    p += strlen(key) + skip;
    *p = *p == 'A' ? 'B' : 'A';
}

enum tamper {
    T_ENTRY,
    T_LEAF,
    T_PROOF,
    T_CHECKPOINT,
    T_LOGSIG,
    T_COSIG,
    T_TOKEN,
    T_PINNED,
    T_SUBJECT,
    T_COUNT
};

static void tamper(struct cert *c, enum tamper what)
{
    switch (what) {
    case T_ENTRY:
        c->entries[1].entry[10] ^= 0x01;
        break;
    case T_LEAF:
        c->entries[1].leaf_hash[0] ^= 0x80;
        break;
    case T_PROOF:
        c->entries[1].proof[1][31] ^= 0x01;
        break;
    case T_CHECKPOINT: {
        /* the second character of the root's base64 (line 3) */
        char *l3 = strchr(strchr(c->checkpoint, '\n') + 1, '\n') + 1;
        l3[1] = l3[1] == 'A' ? 'B' : 'A';
        break;
    }
    case T_LOGSIG:
        flip_sig_line(c, c->origin, 20); /* past the key id: the signature */
        break;
    case T_COSIG:
        flip_sig_line(c, "witness.example/w1", 30);
        break;
    case T_TOKEN: {
        /* one byte of the signed imprint: SHA-256 of the stored note */
        uint8_t h[MERKLE_HASH_LEN];
        assert_int_equal(merkle_hash(MERKLE_SHA256, stored_note.data, stored_note.len, h),
                         MERKLE_OK);
        uint8_t *p = memmem(c->timestamp, c->timestamp_len, h, sizeof h);
        assert_non_null(p);
        p[5] ^= 0x01;
        break;
    }
    case T_SUBJECT:
        c->subject_id = 4;
        break;
    default:
        break;
    }
}

static void test_tamper(void **state)
{
    /* for each alteration: the codes that must fail (index -2: any) */
    static const struct {
        enum tamper what;
        const char *codes[5];
        const char *pass[4];
    } cases[] = {
        {T_ENTRY, {"entry"}, {"inclusion", "checkpoint", "witnesses", "timestamp"}},
        {T_LEAF, {"entry", "inclusion"}, {"checkpoint", "witnesses", "timestamp"}},
        {T_PROOF, {"inclusion"}, {"entry", "checkpoint", "witnesses", "timestamp"}},
        {T_CHECKPOINT, {"checkpoint", "witnesses", "timestamp", "inclusion"}, {"entry"}},
        {T_LOGSIG, {"checkpoint", "timestamp"}, {"witnesses", "inclusion", "entry"}},
        {T_COSIG, {"witnesses"}, {"checkpoint", "timestamp", "inclusion", "entry"}},
        {T_TOKEN, {"timestamp"}, {"checkpoint", "witnesses", "inclusion", "entry"}},
        {T_PINNED, {"log_keys", "checkpoint"}, {"witnesses", "inclusion", "entry"}},
        {T_SUBJECT, {"subject"}, {"checkpoint", "inclusion", "entry", "timestamp"}},
    };
    struct cert_trust t = full_trust();
    struct note_key other;
    (void)state;
    assert_int_equal(note_key_generate(&other, lg.origin, NOTE_ED25519), NOTE_OK);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct cert c;
        struct cert_report r;
        assert_int_equal(build("org", 3, false, &c), CERT_OK);
        assert_int_equal(c.nentries, 2);
        tamper(&c, cases[k].what);
        reparse(&c);
        t = full_trust();
        if (cases[k].what == T_PINNED) {
            t.log_keys = &other;
            t.nlog_keys = 1;
        }
        int rc = cert_verify(&c, &t, &r);
        if (rc != CERT_EFAILED || r.ok) {
            dump(&r);
            fail_msg("tamper case %zu: not caught (%d)", k, rc);
        }
        for (int i = 0; i < 5 && cases[k].codes[i] != NULL; i++) {
            if (status_of(&r, cases[k].codes[i], -2) != CERT_FAIL) {
                dump(&r);
                fail_msg("tamper case %zu: %s did not fail", k, cases[k].codes[i]);
            }
        }
        for (int i = 0; i < 4 && cases[k].pass[i] != NULL; i++) {
            if (status_of(&r, cases[k].pass[i], -2) != CERT_PASS) {
                dump(&r);
                fail_msg("tamper case %zu: %s did not pass", k, cases[k].pass[i]);
            }
        }
        /* entry-level damage names the entry */
        if (cases[k].what == T_ENTRY || cases[k].what == T_LEAF)
            assert_int_equal(status_of(&r, "entry", 9), CERT_FAIL);
        if (cases[k].what == T_ENTRY || cases[k].what == T_LEAF || cases[k].what == T_PROOF)
            assert_int_equal(status_of(&r, "entry", 2), CERT_PASS);
        if (cases[k].what == T_PROOF || cases[k].what == T_LEAF)
            assert_int_equal(status_of(&r, "inclusion", 9), CERT_FAIL);
        cert_report_free(&r);
        cert_free(&c);
    }
    note_key_release(&other);
}

static void test_report_json(void **state)
{
    struct cert c;
    struct cert_report r;
    struct cert_trust t = full_trust();
    struct buf b;
    json_error_t jerr;
    (void)state;
    assert_int_equal(build("org", 3, false, &c), CERT_OK);
    c.entries[0].entry[3] ^= 1;
    assert_int_equal(cert_verify(&c, &t, &r), CERT_EFAILED);
    buf_init(&b, 1 << 20);
    assert_int_equal(cert_report_json(&r, &b), 0);
    json_t *j = json_loadb(b.data, b.len, 0, &jerr);
    assert_non_null(j);
    assert_true(json_is_false(json_object_get(j, "ok")));
    assert_true(json_is_true(json_object_get(j, "keys_pinned")));
    assert_int_equal(json_integer_value(json_object_get(j, "witnesses")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "entries_public")), 2);
    json_t *fs = json_object_get(j, "findings");
    assert_int_equal(json_array_size(fs), r.nfindings);
    bool seen = false;
    for (size_t i = 0; i < json_array_size(fs); i++) {
        json_t *f = json_array_get(fs, i);
        if (strcmp(json_string_value(json_object_get(f, "code")), "entry") == 0 &&
            strcmp(json_string_value(json_object_get(f, "status")), "fail") == 0) {
            assert_int_equal(json_integer_value(json_object_get(f, "index")), 2);
            seen = true;
        }
        if (strcmp(json_string_value(json_object_get(f, "code")), "checkpoint") == 0)
            assert_true(json_is_null(json_object_get(f, "index")));
    }
    assert_true(seen);
    json_decref(j);
    buf_release(&b);
    cert_report_free(&r);
    cert_free(&c);
}

static void test_parse_refusals(void **state)
{
    struct cert c, good;
    struct buf b;
    char err[256];
    (void)state;
    assert_int_equal(build("org", 3, false, &good), CERT_OK);
    buf_init(&b, CERT_MAX_BYTES);
    assert_int_equal(cert_write(&good, &b), 0);
    const char *g = b.data;

    /* edits of the good file: replace `from` by `to` */
    static const struct {
        const char *from, *to, *why;
    } edits[] = {
        {"sunbid-witness-certificate/v1", "sunbid-witness-certificate/v2", "format"},
        {"\"issued_ms\":", "\"issued_ms\":-", "issued_ms"},
        {"\"issued_ms\":", "\"extra\":1,\"issued_ms\":", "unknown key"},
        {"\"issued_ms\":", "\"format\":\"x\",\"issued_ms\":", "duplicate key"},
        {"\"type\":\"org\"", "\"type\":\"Org\"", "subject.type"},
        {"\"id\":3}", "\"id\":\"3\"}", "subject.id"},
        {"\"id\":3}", "\"index\":3}", "subject keys"},
        {"\"hash\":\"sha256\"", "\"hash\":\"md5\"", "log.hash"},
        {"\"keys\":[", "\"keys\":[1,", "log.keys"},
        {"\"keys\":[", "\"keys\":[\"a b\",", "log.keys text"},
        {"\\n\\n", "\\n", "checkpoint blank line"},
        {"\"index\":9", "\"index\":2", "entries order"},
        {"\"index\":9", "\"index\":-9", "entries index"},
        {"\"leaf_hash\":\"", "\"leaf_hash\":\"A", "leaf_hash length"},
        {"\"proof\":[\"", "\"proof\":[\"x", "proof base64"},
        {"\"proof\":[", "\"proof\":[null,", "proof type"},
        {"\"entry\":\"", "\"entry\":\"=", "entry base64"},
        {"\"entries\":[", "\"entries\":[],\"x\":[", "unknown key after entries"},
        {"\"timestamp\":\"", "\"timestamp\":\"!", "timestamp base64"},
        {"\"leaf_hash\":", "\"leaf\":1,\"leaf_hash\":", "entry keys"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        const char *at = strstr(g, edits[i].from);
        if (at == NULL)
            fail_msg("edit %zu (%s): not found", i, edits[i].why);
        struct buf e;
        buf_init(&e, CERT_MAX_BYTES);
        assert_int_equal(buf_append(&e, g, (size_t)(at - g)), BUF_OK);
        assert_int_equal(buf_puts(&e, edits[i].to), BUF_OK);
        assert_int_equal(buf_puts(&e, at + strlen(edits[i].from)), BUF_OK);
        err[0] = '\0';
        if (cert_parse(e.data, e.len, &c, err, sizeof err) != CERT_EMALFORMED)
            fail_msg("edit %zu (%s) was accepted", i, edits[i].why);
        assert_true(err[0] != '\0');
        assert_null(c.entries);
        buf_release(&e);
    }
    /* whole-file refusals */
    static const char *const bad[] = {
        "",
        "[]",
        "not json",
        "{\"format\":\"sunbid-witness-certificate/v1\"}",
        "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
        "{\"format\":\"sunbid-witness-certificate/v1\",\"issued_ms\":1,\"subject\":{\"type\":"
        "\"org\",\"id\":1},\"log\":{\"origin\":\"o\",\"hash\":\"sha256\",\"keys\":[\"k\"]},"
        "\"checkpoint\":\"o\\n1\\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\\n\\n\xe2\x80\x94 o "
        "AAAA\\n\",\"entries\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cert_parse(bad[i], strlen(bad[i]), &c, err, sizeof err), CERT_EMALFORMED);
    assert_int_equal(cert_parse("\xff{}", 3, &c, err, sizeof err), CERT_EMALFORMED);
    /* the untouched file still parses */
    assert_int_equal(cert_parse(g, b.len, &c, err, sizeof err), CERT_OK);
    cert_free(&c);
    buf_release(&b);
    cert_free(&good);
}

/* More cosignatures than a signed note may carry: the certificate keeps
 * the log's line and the earliest cosignatures, up to NOTE_MAX_SIGS lines,
 * and still verifies. (Runs last: it adds cosignatures to the fixture.) */
static void test_many_cosignatures(void **state)
{
    struct store_tx *tx = NULL;
    struct buf note, line;
    int64_t size = 0;
    int inserted = 0;
    (void)state;
    buf_init(&note, NOTE_MAX_BYTES);
    assert_int_equal(store_begin(st, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_ledger_checkpoint_latest(tx, &size, NULL, &note), STORE_OK);
    size_t body = (size_t)(strstr(note.data, "\n\n") - note.data) + 1;
    for (int i = 0; i < NOTE_MAX_SIGS + 8; i++) {
        struct note_key k;
        char name[64];
        snprintf(name, sizeof name, "zz.example/w%02d", i);
        assert_int_equal(note_key_generate(&k, name, NOTE_COSIGN_V1), NOTE_OK);
        buf_init(&line, 1024);
        assert_int_equal(cosign_sign(&k, note.data, body, 1764400000, &line), NOTE_OK);
        line.data[--line.len] = '\0';
        assert_int_equal(store_ledger_cosignature_insert(tx, size, name, line.data, 1764400000,
                                                         clock_now_ms(), &inserted),
                         STORE_OK);
        buf_release(&line);
        note_key_release(&k);
    }
    assert_int_equal(store_commit(tx), STORE_OK);
    buf_release(&note);

    struct cert c;
    struct cert_report r;
    struct cert_trust t = full_trust();
    assert_int_equal(build("org", 1, false, &c), CERT_OK);
    int lines = 0;
    for (const char *p = strstr(c.checkpoint, "\n\n") + 2; *p != '\0'; p = strchr(p, '\n') + 1)
        lines++;
    assert_int_equal(lines, NOTE_MAX_SIGS);
    assert_non_null(strstr(c.checkpoint, "witness.example/w1 ")); /* the earliest kept */
    reparse(&c);
    assert_int_equal(cert_verify(&c, &t, &r), CERT_OK);
    assert_int_equal(r.witnesses_ok, 1);
    cert_report_free(&r);
    cert_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_tender),    cmocka_unit_test(test_build),
        cmocka_unit_test(test_round_trip),      cmocka_unit_test(test_verify_good),
        cmocka_unit_test(test_verify_unpinned), cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_report_json),     cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_extra_keys),      cmocka_unit_test(test_many_cosignatures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
