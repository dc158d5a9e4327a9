/*
 * Witness certificates end to end against the real server (and, as
 * integration/certificate_pg, on PostgreSQL): the server trusts a witness
 * (serve --witness); the test registers organisations through the API and,
 * through its own store connection, queues two private events of tender 7
 * (a tender.publish and a bid naming it by "tender"), as later domain code
 * will. Once a checkpoint covers them and the witness cosigned it:
 *
 *   - GET /api/ledger/certificate for an org and for one entry index is a
 *     JSON attachment that `sunbid verify` accepts (exit 0) with the key of
 *     GET /api/ledger/key pinned (--key-file), the witness required, and
 *     without a key (exit 0, with the not-pinned warning);
 *   - tampered files (a leaf hash, the checkpoint's root, the cosignature)
 *     and a wrong pinned key fail with exit 5 and the failing check named;
 *   - POST /api/ledger/verify answers the report: ok for the good file,
 *     not ok for a tampered one, 422 invalid_certificate for garbage;
 *   - tender 7's private entry bytes are withheld from anonymous callers
 *     and from a bidder, and given to admins; both files verify;
 *   - bad requests are refused with stable codes.
 *
 * `sunbid verify` takes no --data-dir (it never opens a store), so it runs
 * through popen here rather than it_cli.
 */
#include "harness.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "ledger/cosign.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "store/ledger.h"
#include "store/pg/pg.h"
#include "store/sqlite/sqlite.h"

#define TENDER 7

static struct it_server srv;
static struct it_session admin, bidder;
static struct note_key witness;
static char wvkey[512];
static char dir[] = "/tmp/sunbid-it-cert-XXXXXX";
static int64_t org_a, org_b;

__attribute__((format(printf, 2, 3))) static int run(char **out, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int n;
    const char *bin = getenv("SUNBID_BIN");
    assert_non_null(bin);
    n = snprintf(cmd, sizeof cmd, "%s ", bin);
    va_start(ap, fmt);
    n += vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof cmd - 8);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct buf b;
    buf_init(&b, 1 << 24);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, p)) > 0)
        assert_int_equal(buf_append(&b, chunk, got), BUF_OK);
    int st = pclose(p);
    if (out != NULL)
        *out = b.data != NULL ? buf_detach(&b, &got) : strdup("");
    buf_release(&b);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void path_of(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *p, size_t n)
{
    char path[600];
    path_of(name, path, sizeof path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static int64_t create_org(const char *name, const char *uscc)
{
    struct it_resp r;
    char body[512];
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"uscc\":\"%s\",\"legal_rep\":\"张三\"}", name,
             uscc);
    assert_int_equal(it_request_as(&srv, &admin, "POST", "/api/orgs", body, &r), 0);
    if (r.status != 201)
        fail_msg("POST /api/orgs: %d %s", r.status, r.body);
    const char *p = strstr(r.body, "\"id\":");
    assert_non_null(p);
    int64_t id = strtoll(p + 5, NULL, 10);
    it_resp_free(&r);
    return id;
}

/* Queues an event straight into the server's store, as a domain write of
 * a later issue would (tenders and bids do not exist yet). */
static void queue_event(const char *type, const char *stype, int64_t sid, int64_t tender)
{
    struct store *s = NULL;
    struct store_tx *tx = NULL;
    char err[256];
    struct ledger_event ev = {.type = type,
                              .subject_type = stype,
                              .subject_id = sid,
                              .actor_id = 1,
                              .actor_name = "admin",
                              .tender_id = tender};
    if (store_open(&s, srv.db_url[0] ? srv.db_url : NULL, srv.data_dir, err, sizeof err) !=
        STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(ledger_append(tx, &ev), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    store_close(s);
}

/* GETs path (as who, or anonymously); the response in r. */
static void get(const struct it_session *who, const char *path, struct it_resp *r)
{
    if (who != NULL)
        assert_int_equal(it_request_as(&srv, who, "GET", path, NULL, r), 0);
    else
        assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, r), 0);
}

/* Waits until tender 7's certificate has both entries, then cosigns the
 * latest checkpoint as the witness. */
static void wait_and_cosign(void)
{
    struct it_resp r;
    int i;
    for (i = 0; i < 300; i++) {
        get(NULL, "/api/ledger/certificate?subject=tender&id=7", &r);
        bool ready = r.status == 200 && strstr(r.body, "\"index\"") != NULL &&
                     strstr(strstr(r.body, "\"index\"") + 1, "\"index\"") != NULL;
        bool orgs = false;
        if (ready) {
            char path[128];
            struct it_resp o;
            snprintf(path, sizeof path, "/api/ledger/certificate?subject=org&id=%lld",
                     (long long)org_b);
            get(NULL, path, &o);
            orgs = o.status == 200;
            it_resp_free(&o);
        }
        it_resp_free(&r);
        if (ready && orgs)
            break;
        usleep(50 * 1000);
    }
    assert_true(i < 300);
    /* the witness cosigns the latest checkpoint */
    get(NULL, "/api/ledger/checkpoint", &r);
    assert_int_equal(r.status, 200);
    const char *blank = strstr(r.body, "\n\n");
    assert_non_null(blank);
    const char *size_line = strchr(r.body, '\n') + 1;
    long long size = strtoll(size_line, NULL, 10);
    struct buf line;
    buf_init(&line, 1024);
    assert_int_equal(cosign_sign(&witness, r.body, (size_t)(blank - r.body) + 1, 1764400000, &line),
                     NOTE_OK);
    it_resp_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/api/ledger/cosignature?size=%lld", size);
    int fd = it_connect(srv.port);
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      path, line.len);
    assert_int_equal(it_send_all(fd, head, (size_t)hl), 0);
    assert_int_equal(it_send_all(fd, line.data, line.len), 0);
    assert_int_equal(it_read_response(fd, &r, 0), 0);
    close(fd);
    if (r.status != 201)
        fail_msg("cosignature: %d %s", r.status, r.body);
    it_resp_free(&r);
    buf_release(&line);
}

static int setup(void **state)
{
    struct buf vk;
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    assert_int_equal(note_key_generate(&witness, "witness.example/w1", NOTE_COSIGN_V1), NOTE_OK);
    buf_init(&vk, sizeof wvkey - 1);
    assert_int_equal(note_key_vkey(&witness, &vk), NOTE_OK);
    snprintf(wvkey, sizeof wvkey, "%s", vk.data);
    buf_release(&vk);
    const char *args[] = {"--witness", wvkey, NULL};
    it_server_start(&srv, IT_DEMO, args);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    assert_int_equal(it_login(&srv, "bidder1", IT_DEMO_PASSWORD, 1, &bidder), 200);

    struct it_resp r;
    get(NULL, "/api/ledger/key", &r);
    assert_int_equal(r.status, 200);
    write_file("key.json", r.body, r.body_len);
    it_resp_free(&r);

    org_a = create_org("证书测试一有限公司", "91440300708461136T");
    queue_event("tender.create", "tender", TENDER, 0); /* a draft: private */
    queue_event("bid.submit", "bid", 501, TENDER);
    queue_event("bid.submit", "bid", 502, TENDER + 1); /* another tender's */
    org_b = create_org("证书测试二有限公司", "91330100799655058B");
    wait_and_cosign();
    return 0;
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    note_key_release(&witness);
    assert_int_equal(it_server_stop(&srv), 0);
    if (getenv("SUNBID_TEST_KEEP") != NULL) { /* the files, e.g. for fuzz seeds */
        print_message("test_certificate: kept %s\n", dir);
        return 0;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* GETs a certificate into file `name`; returns its parsed JSON. */
static json_t *fetch(const struct it_session *who, const char *query, const char *name)
{
    struct it_resp r;
    char path[256], disp[256];
    json_error_t e;
    snprintf(path, sizeof path, "/api/ledger/certificate?%s", query);
    get(who, path, &r);
    if (r.status != 200)
        fail_msg("GET %s: %d %s", path, r.status, r.body);
    assert_non_null(strstr(r.headers, "application/json"));
    assert_int_equal(it_resp_header(&r, "Content-Disposition", disp, sizeof disp), 0);
    assert_non_null(strstr(disp, "attachment; filename=\"sunbid-certificate-"));
    write_file(name, r.body, r.body_len);
    json_t *j = json_loadb(r.body, r.body_len, 0, &e);
    assert_non_null(j);
    it_resp_free(&r);
    return j;
}

static void test_org_certificate_verifies(void **state)
{
    char q[64], f[600], k[600], *out = NULL;
    (void)state;
    snprintf(q, sizeof q, "subject=org&id=%lld", (long long)org_a);
    json_t *j = fetch(NULL, q, "org.json");
    json_t *subj = json_object_get(j, "subject");
    assert_string_equal(json_string_value(json_object_get(subj, "type")), "org");
    assert_int_equal(json_integer_value(json_object_get(subj, "id")), org_a);
    json_t *es = json_object_get(j, "entries");
    assert_int_equal(json_array_size(es), 1);
    assert_non_null(json_object_get(json_array_get(es, 0), "entry")); /* org.create is public */
    assert_non_null(strstr(json_string_value(json_object_get(j, "checkpoint")),
                           "\xe2\x80\x94 witness.example/w1 "));
    json_decref(j);

    path_of("org.json", f, sizeof f);
    path_of("key.json", k, sizeof k);
    int rc = run(&out, "verify %s --key-file %s --witness %s --min-witnesses 1", f, k, wvkey);
    if (rc != 0)
        fail_msg("verify: exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "PASS  log_keys"));
    assert_non_null(strstr(out, "PASS  checkpoint"));
    assert_non_null(strstr(out, "PASS  witnesses"));
    assert_non_null(strstr(out, "PASS  inclusion"));
    assert_non_null(strstr(out, "PASS  subject"));
    assert_non_null(strstr(out, "verdict: VALID"));
    assert_null(strstr(out, "warning:"));
    free(out);
    /* no key: valid, but loudly not pinned */
    assert_int_equal(run(&out, "verify %s", f), 0);
    assert_non_null(strstr(out, "WARN  log_keys"));
    assert_non_null(strstr(out, "warning: no log key was pinned"));
    free(out);
    /* --json */
    assert_int_equal(run(&out, "verify --json --key-file %s %s", k, f), 0);
    json_error_t e;
    j = json_loads(out, 0, &e);
    assert_non_null(j);
    assert_true(json_is_true(json_object_get(j, "ok")));
    assert_true(json_is_true(json_object_get(j, "keys_pinned")));
    json_decref(j);
    free(out);
}

static void test_entry_certificate_verifies(void **state)
{
    char q[64], f[600], k[600], *out = NULL;
    (void)state;
    /* org_b's entry index, from its own certificate */
    snprintf(q, sizeof q, "subject=org&id=%lld", (long long)org_b);
    json_t *j = fetch(NULL, q, "orgb.json");
    json_int_t idx = json_integer_value(
        json_object_get(json_array_get(json_object_get(j, "entries"), 0), "index"));
    json_decref(j);
    snprintf(q, sizeof q, "index=%lld", (long long)idx);
    j = fetch(NULL, q, "entry.json");
    json_t *subj = json_object_get(j, "subject");
    assert_string_equal(json_string_value(json_object_get(subj, "type")), "entry");
    assert_int_equal(json_integer_value(json_object_get(subj, "index")), idx);
    json_decref(j);
    path_of("entry.json", f, sizeof f);
    path_of("key.json", k, sizeof k);
    int rc = run(&out, "verify %s --key-file %s", f, k);
    if (rc != 0)
        fail_msg("verify: exit %d\n%s", rc, out);
    assert_non_null(strstr(out, "PASS  subject     the certificate is for entry"));
    free(out);
}

/* org.json in a static buffer (NUL-terminated), to alter and save. */
static char *load_org(size_t *n)
{
    static char b[1 << 20];
    char f[600];
    path_of("org.json", f, sizeof f);
    FILE *in = fopen(f, "rb");
    assert_non_null(in);
    *n = fread(b, 1, sizeof b - 1, in);
    fclose(in);
    b[*n] = '\0';
    return b;
}

/* A <-> B at p: stays valid base64, changes the bytes. */
static void flip(char *p)
{
    *p = *p == 'A' ? 'B' : 'A';
}

static void test_tampered_files_fail(void **state)
{
    char f[600], k[600], *out = NULL, *b, *p;
    size_t n;
    (void)state;
    path_of("key.json", k, sizeof k);

    /* one leaf hash character */
    b = load_org(&n);
    p = strstr(b, "\"leaf_hash\":\"");
    assert_non_null(p);
    flip(p + strlen("\"leaf_hash\":\"") + 3);
    write_file("t-leaf.json", b, n);
    path_of("t-leaf.json", f, sizeof f);
    assert_int_equal(run(&out, "verify %s --key-file %s", f, k), 5);
    assert_non_null(strstr(out, "FAIL  entry"));
    assert_non_null(strstr(out, "FAIL  inclusion"));
    assert_non_null(strstr(out, "verdict: INVALID"));
    free(out);

    /* the checkpoint's root: the second character of the note's line 3 */
    b = load_org(&n);
    p = strstr(b, "\"checkpoint\":\"");
    assert_non_null(p);
    p = strstr(p, "\\n");
    p = strstr(p + 2, "\\n");
    flip(p + 3);
    write_file("t-root.json", b, n);
    path_of("t-root.json", f, sizeof f);
    assert_int_equal(run(&out, "verify %s --key-file %s --witness %s", f, k, wvkey), 5);
    assert_non_null(strstr(out, "FAIL  checkpoint"));
    assert_non_null(strstr(out, "FAIL  witnesses"));
    assert_non_null(strstr(out, "FAIL  inclusion"));
    assert_non_null(strstr(out, "PASS  entry"));
    free(out);

    /* the witness's cosignature, well inside its signature bytes */
    b = load_org(&n);
    p = strstr(b, "witness.example/w1 ");
    assert_non_null(p);
    flip(p + strlen("witness.example/w1 ") + 40);
    write_file("t-cosig.json", b, n);
    path_of("t-cosig.json", f, sizeof f);
    assert_int_equal(run(&out, "verify %s --key-file %s --witness %s", f, k, wvkey), 5);
    assert_non_null(strstr(out, "FAIL  witnesses"));
    assert_non_null(strstr(out, "PASS  checkpoint"));
    free(out);

    /* a wrong pinned key: another key of the same name */
    struct note_key other;
    struct buf vk;
    assert_int_equal(note_key_generate(&other, "sunbid.local/ledger", NOTE_ED25519), NOTE_OK);
    buf_init(&vk, 1024);
    assert_int_equal(note_key_vkey(&other, &vk), NOTE_OK);
    path_of("org.json", f, sizeof f);
    assert_int_equal(run(&out, "verify %s --key %s", f, vk.data), 5);
    assert_non_null(strstr(out, "FAIL  log_keys"));
    assert_non_null(strstr(out, "FAIL  checkpoint"));
    free(out);
    buf_release(&vk);
    note_key_release(&other);

    /* not a certificate; usage; I/O */
    write_file("junk.json", "{\"format\":1}", 12);
    path_of("junk.json", f, sizeof f);
    assert_int_equal(run(&out, "verify %s 2>/dev/null", f), 5);
    assert_non_null(strstr(out, "not a witness certificate"));
    free(out);
    assert_int_equal(run(NULL, "verify 2>/dev/null"), 2);
    assert_int_equal(run(NULL, "verify %s --key nonsense 2>/dev/null", f), 2);
    assert_int_equal(run(NULL, "verify %s --min-witnesses 1 2>/dev/null", f), 2);
    assert_int_equal(run(NULL, "verify %s/missing.json 2>/dev/null", dir), 1);
}

/* POSTs the file `name` to /api/ledger/verify. */
static void post_verify(const char *name, struct it_resp *r)
{
    char f[600];
    path_of(name, f, sizeof f);
    FILE *in = fopen(f, "rb");
    assert_non_null(in);
    static char b[1 << 20];
    size_t n = fread(b, 1, sizeof b - 1, in);
    fclose(in);
    b[n] = '\0';
    assert_int_equal(it_request(&srv, "POST", "/api/ledger/verify", NULL, b, r), 0);
}

static void test_post_verify(void **state)
{
    struct it_resp r;
    json_error_t e;
    (void)state;
    post_verify("org.json", &r);
    if (r.status != 200)
        fail_msg("POST verify: %d %s", r.status, r.body);
    json_t *j = json_loads(r.body, 0, &e);
    assert_non_null(j);
    assert_true(json_is_true(json_object_get(j, "ok")));
    assert_true(json_is_true(json_object_get(j, "keys_pinned"))); /* the server's own key */
    assert_int_equal(json_integer_value(json_object_get(j, "witnesses")), 1);
    json_decref(j);
    it_resp_free(&r);

    post_verify("t-leaf.json", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body, 0, &e);
    assert_non_null(j);
    assert_true(json_is_false(json_object_get(j, "ok")));
    bool entry_failed = false;
    json_t *fs = json_object_get(j, "findings");
    for (size_t i = 0; i < json_array_size(fs); i++) {
        json_t *f = json_array_get(fs, i);
        if (strcmp(json_string_value(json_object_get(f, "code")), "entry") == 0 &&
            strcmp(json_string_value(json_object_get(f, "status")), "fail") == 0)
            entry_failed = true;
    }
    assert_true(entry_failed);
    json_decref(j);
    it_resp_free(&r);

    post_verify("junk.json", &r);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.body, "\"code\":\"invalid_certificate\""));
    it_resp_free(&r);
    assert_int_equal(it_request(&srv, "POST", "/api/ledger/verify", NULL, "", &r), 0);
    assert_int_equal(r.status, 422);
    it_resp_free(&r);
}

/* Whether every entry of the certificate JSON carries its bytes. */
static int entries_with_bytes(json_t *j)
{
    int n = 0;
    json_t *es = json_object_get(j, "entries");
    for (size_t i = 0; i < json_array_size(es); i++)
        n += json_object_get(json_array_get(es, i), "entry") != NULL;
    return n;
}

static void test_private_bytes(void **state)
{
    char q[64], f[600], k[600], *out = NULL;
    (void)state;
    snprintf(q, sizeof q, "subject=tender&id=%d", TENDER);
    path_of("key.json", k, sizeof k);

    /* anonymous and a bidder: hashes only; admin: the bytes */
    json_t *anon = fetch(NULL, q, "tender-anon.json");
    assert_int_equal(json_array_size(json_object_get(anon, "entries")), 2);
    assert_int_equal(entries_with_bytes(anon), 0);
    json_decref(anon);
    json_t *bid = fetch(&bidder, q, "tender-bidder.json");
    assert_int_equal(entries_with_bytes(bid), 0);
    json_decref(bid);
    json_t *adm = fetch(&admin, q, "tender-admin.json");
    assert_int_equal(entries_with_bytes(adm), 2);
    json_decref(adm);

    path_of("tender-anon.json", f, sizeof f);
    assert_int_equal(run(&out, "verify %s --key-file %s", f, k), 0);
    assert_non_null(strstr(out, "SKIP  entry"));
    assert_non_null(strstr(out, "PASS  inclusion"));
    assert_non_null(strstr(out, "(0 public, 2 withheld)"));
    free(out);
    path_of("tender-admin.json", f, sizeof f);
    assert_int_equal(run(&out, "verify %s --key-file %s", f, k), 0);
    assert_non_null(strstr(out, "PASS  subject     all 2 entries are about tender 7"));
    free(out);
}

/* The text of a PDF by pdftotext -layout, heap (caller frees). */
static char *pdf_text(const char *file)
{
    char cmd[512];
    struct buf out;
    char chunk[4096];
    size_t n;
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' - 2>/dev/null", file);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    buf_init(&out, 1 << 20);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(buf_append(&out, chunk, n), 0);
    assert_int_equal(pclose(f), 0);
    assert_int_equal(buf_append(&out, "", 1), 0);
    char *s = strdup((const char *)out.data);
    buf_release(&out);
    return s;
}

/* Whether s holds a run of exactly 64 lower-case hex digits (a SHA-256). */
static bool has_sha256_hex(const char *s)
{
    size_t run = 0;
    for (;; s++) {
        bool hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f');
        if (hex) {
            run++;
            continue;
        }
        if (run == 64)
            return true;
        run = 0;
        if (*s == '\0')
            return false;
    }
}

/* ?format=pdf: one page, in Chinese by default and in English with
 * lang=en, naming the SHA-256 of its certificate file (the text is checked
 * with pdftotext when poppler-utils is installed; which hash is printed is
 * the unit test's business: issued_ms differs between two requests). */
static void test_pdf(void **state)
{
    struct it_resp r;
    char path[256], disp[256], *txt = NULL;
    (void)state;

    snprintf(path, sizeof path, "/api/ledger/certificate?subject=org&id=%lld&format=pdf",
             (long long)org_a);
    get(NULL, path, &r);
    if (r.status != 200)
        fail_msg("GET %s: %d %s", path, r.status, r.body);
    assert_non_null(strstr(r.headers, "application/pdf"));
    assert_int_equal(it_resp_header(&r, "Content-Disposition", disp, sizeof disp), 0);
    assert_non_null(strstr(disp, ".pdf\""));
    assert_true(r.body_len > 1000);
    assert_memory_equal(r.body, "%PDF-", 5);
    write_file("org.pdf", r.body, r.body_len);
    it_resp_free(&r);

    snprintf(path, sizeof path, "/api/ledger/certificate?subject=org&id=%lld&format=pdf&lang=en",
             (long long)org_a);
    get(NULL, path, &r);
    assert_int_equal(r.status, 200);
    write_file("org-en.pdf", r.body, r.body_len);
    it_resp_free(&r);

    if (system("command -v pdftotext >/dev/null 2>&1") != 0) {
        print_message("pdftotext not installed: page text not checked\n");
        return;
    }
    path_of("org.pdf", path, sizeof path);
    txt = pdf_text(path);
    assert_true(has_sha256_hex(txt)); /* the file's hash, on the page */
    if (system("test -d /usr/share/poppler/cMap/Adobe-GB1") == 0)
        assert_non_null(strstr(txt, "电子见证证书"));
    free(txt);
    txt = NULL;
    path_of("org-en.pdf", path, sizeof path);
    txt = pdf_text(path);
    assert_true(has_sha256_hex(txt));
    assert_non_null(strstr(txt, "ertificate"));
    free(txt);
}

static void test_bad_requests(void **state)
{
    static const struct {
        const char *query;
        int status;
        const char *want;
    } cases[] = {
        {"", 422, "\"field\":\"subject\""},
        {"subject=org", 422, "\"field\":\"id\""},
        {"subject=org&id=x", 422, "\"field\":\"id\""},
        {"subject=Org&id=1", 422, "\"field\":\"subject\""},
        {"subject=entry&id=1", 422, "\"field\":\"subject\""},
        {"index=-1", 422, "\"field\":\"index\""},
        {"index=1&subject=org&id=1", 422, "\"field\":\"index\""},
        {"index=1&format=xml", 422, "\"field\":\"format\""},
        {"index=1&format=pdf&lang=fr", 422, "\"field\":\"lang\""},
        {"subject=org&id=999999", 404, "not_found"},
        {"subject=nothing&id=1", 404, "not_found"},
        {"index=999999", 404, "not_found"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct it_resp r;
        char path[256];
        snprintf(path, sizeof path, "/api/ledger/certificate?%s", cases[i].query);
        get(NULL, path, &r);
        if (r.status != cases[i].status || strstr(r.body, cases[i].want) == NULL)
            fail_msg("GET %s: %d %s", path, r.status, r.body);
        it_resp_free(&r);
    }
}

/* Runs migration 7's own SQL again, as its backend's driver would, through
 * a raw connection to the server's database. */
static void rerun_migration_7(void)
{
    const struct store_migration *m = it_on_postgres() ? pg_migrations : sqlite_migrations;
    int n = it_on_postgres() ? pg_nmigrations : sqlite_nmigrations;
    while (n > 0 && m->version != 7) {
        m++;
        n--;
    }
    assert_true(n > 0);
    if (it_on_postgres()) {
        PGconn *pq = PQconnectdb(srv.db_url);
        assert_int_equal(PQstatus(pq), CONNECTION_OK);
        PGresult *res = PQexec(pq, m->sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            fail_msg("migration 7: %s", PQerrorMessage(pq));
        PQclear(res);
        PQfinish(pq);
    } else {
        char path[600];
        sqlite3 *db = NULL;
        char *em = NULL;
        snprintf(path, sizeof path, "%s/sunbid.db", srv.data_dir);
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
        if (sqlite3_exec(db, m->sql, NULL, NULL, &em) != SQLITE_OK)
            fail_msg("migration 7: %s", em);
        sqlite3_close(db);
    }
}

/* Migration 7 indexes the leaves integrated before it: drop the index
 * table, run the migration's SQL again, and the tender's certificate is
 * whole again (its own entry and the bid found by its "tender" key). */
static void test_migration_backfill(void **state)
{
    struct store *s = NULL;
    struct store_tx *tx = NULL;
    char err[256];
    int64_t n = -1;
    (void)state;
    if (store_open(&s, srv.db_url[0] ? srv.db_url : NULL, srv.data_dir, err, sizeof err) !=
        STORE_OK)
        fail_msg("store_open: %s", err);
    assert_int_equal(store_begin(s, STORE_WRITE, &tx), STORE_OK);
    assert_int_equal(store_exec(tx, "DROP TABLE ledger_subjects", NULL, 0, NULL), STORE_OK);
    assert_int_equal(store_commit(tx), STORE_OK);
    rerun_migration_7();
    assert_int_equal(store_begin(s, STORE_READ, &tx), STORE_OK);
    assert_int_equal(store_query_int(tx,
                                     "SELECT count(*) FROM ledger_subjects WHERE"
                                     " subject_type = 'tender' AND subject_id = 7",
                                     NULL, 0, &n),
                     STORE_OK);
    store_rollback(tx);
    store_close(s);
    assert_int_equal(n, 2);
    json_t *j = fetch(NULL, "subject=tender&id=7", "tender-again.json");
    assert_int_equal(json_array_size(json_object_get(j, "entries")), 2);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_org_certificate_verifies),
        cmocka_unit_test(test_entry_certificate_verifies),
        cmocka_unit_test(test_tampered_files_fail),
        cmocka_unit_test(test_post_verify),
        cmocka_unit_test(test_private_bytes),
        cmocka_unit_test(test_pdf),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_migration_backfill),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
