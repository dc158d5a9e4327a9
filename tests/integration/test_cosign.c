/*
 * Witness cosignatures end to end (and, as integration/cosign_pg, on
 * PostgreSQL): `sunbid serve --witness VKEY` trusts a witness; the test acts
 * as that witness, cosigns the served checkpoint (C2SP tlog-cosignature,
 * ledger/cosign.h) and POSTs the line to /api/ledger/cosignature. Accepted
 * lines come back appended to GET /api/ledger/checkpoint, where the note
 * still verifies with the log's key and the line with the witness's key.
 * Unknown witnesses (403), bad signatures (422, field "signature"), unknown
 * sizes (404) and malformed bodies are refused and nothing is stored;
 * repeating a cosignature is idempotent. After a restart, a witness listed
 * in <data-dir>/ledger/witnesses is trusted too.
 */
#include "harness.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/cosign.h"
#include "ledger/note.h"

static struct it_server srv;
static struct note_key w1, w2;
static struct buf w1_vkey, w2_vkey;
static struct note_key logkey;

static int setup(void **state)
{
    (void)state;
    buf_init(&w1_vkey, 4096);
    buf_init(&w2_vkey, 4096);
    assert_int_equal(note_key_generate(&w1, "witness.example/w1", NOTE_COSIGN_V1), NOTE_OK);
    assert_int_equal(note_key_generate(&w2, "witness.example/w2", NOTE_COSIGN_V1), NOTE_OK);
    assert_int_equal(note_key_vkey(&w1, &w1_vkey), NOTE_OK);
    assert_int_equal(note_key_vkey(&w2, &w2_vkey), NOTE_OK);
    const char *args[] = {"--witness", w1_vkey.data, NULL};
    it_server_start(&srv, IT_DEMO, args);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    note_key_release(&w1);
    note_key_release(&w2);
    note_key_release(&logkey);
    buf_release(&w1_vkey);
    buf_release(&w2_vkey);
    assert_int_equal(it_server_stop(&srv), 0);
    return 0;
}

/* The log's Ed25519 verifier key from GET /api/ledger/key. */
static void load_log_key(void)
{
    struct it_resp r;
    json_error_t e;
    assert_int_equal(it_request(&srv, "GET", "/api/ledger/key", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *j = json_loads(r.body, 0, &e);
    it_resp_free(&r);
    assert_non_null(j);
    const char *k = json_string_value(json_array_get(json_object_get(j, "keys"), 0));
    assert_non_null(k);
    note_key_release(&logkey);
    assert_int_equal(note_key_parse_vkey(&logkey, k, strlen(k)), NOTE_OK);
    json_decref(j);
}

/* The served checkpoint note (caller frees), verified with the log key;
 * *body_len = the checkpoint body's length. Waits for the first one. */
static char *get_checkpoint(size_t *body_len, uint64_t *size)
{
    for (int i = 0; i < 200; i++) {
        struct it_resp r;
        struct checkpoint cp;
        int good = 0;
        assert_int_equal(it_request(&srv, "GET", "/api/ledger/checkpoint", NULL, NULL, &r), 0);
        if (r.status == 200) {
            assert_int_equal(note_open(r.body, r.body_len, &logkey, 1, body_len, &good), NOTE_OK);
            assert_int_equal(good, 1);
            assert_int_equal(checkpoint_parse(r.body, *body_len, &cp), NOTE_OK);
            *size = cp.size;
            char *note = strdup(r.body);
            it_resp_free(&r);
            return note;
        }
        assert_int_equal(r.status, 404);
        it_resp_free(&r);
        usleep(50 * 1000);
    }
    fail_msg("no checkpoint");
    return NULL;
}

/* POSTs a cosignature line for size; returns the status, checks the error. */
static int post(uint64_t size, const char *line, const char *want_in_body)
{
    struct it_resp r;
    char path[128];
    snprintf(path, sizeof path, "/api/ledger/cosignature?size=%llu", (unsigned long long)size);
    assert_int_equal(it_request(&srv, "POST", path, "Content-Type: text/plain\r\n", line, &r), 0);
    int st = r.status;
    if (want_in_body != NULL && strstr(r.body, want_in_body) == NULL)
        fail_msg("POST %s: %d %s (want %s)", path, st, r.body, want_in_body);
    it_resp_free(&r);
    return st;
}

static void cosign(const struct note_key *k, const char *note, size_t n, struct buf *line)
{
    buf_reset(line);
    assert_int_equal(cosign_sign(k, note, n, 1764400000, line), NOTE_OK);
}

static void test_cosign(void **state)
{
    (void)state;
    struct buf line;
    size_t bl, bl2;
    uint64_t size, size2;
    buf_init(&line, 4096);
    load_log_key();
    char *before = get_checkpoint(&bl, &size);
    assert_true(size >= 1);

    /* refused: unknown witness, bad signatures, unknown size, malformed */
    cosign(&w2, before, bl, &line);
    assert_int_equal(post(size, line.data, "\"forbidden\""), 403);
    char *tampered = strdup(before);
    tampered[0] = tampered[0] == 'x' ? 'y' : 'x';
    cosign(&w1, tampered, bl, &line);
    free(tampered);
    assert_int_equal(post(size, line.data, "\"signature\""), 422);
    struct note_key impostor; /* the right name, another key */
    assert_int_equal(note_key_generate(&impostor, "witness.example/w1", NOTE_COSIGN_V1), NOTE_OK);
    cosign(&impostor, before, bl, &line);
    note_key_release(&impostor);
    assert_int_equal(post(size, line.data, "\"signature\""), 422);
    cosign(&w1, before, bl, &line);
    assert_int_equal(post(size + 100000, line.data, "\"not_found\""), 404);
    assert_int_equal(post(size, "hello", "\"signature\""), 422);
    assert_int_equal(post(size, "", "\"signature\""), 422);
    {
        struct it_resp r;
        assert_int_equal(it_request(&srv, "POST", "/api/ledger/cosignature",
                                    "Content-Type: text/plain\r\n", line.data, &r),
                         0);
        assert_int_equal(r.status, 422);
        assert_non_null(strstr(r.body, "\"size\""));
        it_resp_free(&r);
    }
    char *same = get_checkpoint(&bl2, &size2);
    if (size2 == size)
        assert_string_equal(same, before); /* nothing stored */
    free(same);

    /* accepted, then idempotent */
    assert_int_equal(post(size, line.data, "\"stored\":true"), 201);
    assert_int_equal(post(size, line.data, "\"stored\":false"), 200);
    /* another valid line of the same witness is not stored again */
    struct buf other;
    buf_init(&other, 4096);
    assert_int_equal(cosign_sign(&w1, before, bl, 1764400009, &other), NOTE_OK);
    assert_int_equal(post(size, other.data, "\"stored\":false"), 200);
    buf_release(&other);

    char *after = get_checkpoint(&bl2, &size2);
    if (size2 != size)
        fail_msg("the log grew during the test (%llu -> %llu)", (unsigned long long)size,
                 (unsigned long long)size2);
    /* the log's note with the witness line appended */
    assert_int_equal(strlen(after), strlen(before) + line.len);
    assert_memory_equal(after, before, strlen(before));
    assert_string_equal(after + strlen(before), line.data);
    /* both verify: the log key (note_open in get_checkpoint), the witness key */
    struct note_key pub;
    uint64_t ts = 0;
    assert_int_equal(note_key_parse_vkey(&pub, w1_vkey.data, w1_vkey.len), NOTE_OK);
    assert_int_equal(cosign_verify_line(&pub, after, bl2, after + strlen(before),
                                        strlen(after + strlen(before)), &ts),
                     NOTE_OK);
    assert_true(ts == 1764400000);
    note_key_release(&pub);

    /* restart with w2 in <data-dir>/ledger/witnesses: both are trusted */
    assert_int_equal(it_server_stop(&srv), 0);
    char path[700];
    snprintf(path, sizeof path, "%s/ledger/witnesses", srv.data_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "# trusted witnesses\n\n%s\n", w2_vkey.data);
    fclose(f);
    const char *args[] = {"--witness", w1_vkey.data, NULL};
    it_server_restart(&srv, args);
    cosign(&w2, before, bl, &line);
    assert_int_equal(post(size, line.data, "\"stored\":true"), 201);
    char *both = get_checkpoint(&bl2, &size2);
    assert_int_equal(size2, size);
    assert_non_null(strstr(both, "\xe2\x80\x94 witness.example/w1 "));
    assert_non_null(strstr(both, line.data));
    free(both);

    free(before);
    free(after);
    buf_release(&line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cosign),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
