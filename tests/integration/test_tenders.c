/*
 * A tender through the real server, on a test clock (serve --test-clock,
 * moved with POST /api/test/clock): create -> refused by a rule -> fixed ->
 * document -> publish -> register -> (clock) bidding -> download (logged)
 * -> ask -> clarify -> objection pauses -> answer resumes (deadline moved
 * by the pause) -> late clarification moves the deadline -> objection too
 * late -> (clock) opening; every transition seen on the public SSE stream.
 * Then the server is stopped, restarted past another tender's deadline,
 * and catches up on start. test_invited: an invited tender (邀请招标) and
 * its invitation list. Runs on SQLite and (tenders_pg) PostgreSQL.
 */
#include "harness.h"

#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tender_fixture.h"

/* ---- the public event stream ---- */

struct sse {
    int fd;
    char buf[262144];
    size_t len;
};

static void sse_open(struct sse *e)
{
    char req[256];
    e->len = 0;
    e->fd = it_connect(srv.port);
    assert_true(e->fd >= 0);
    int n = snprintf(req, sizeof req,
                     "GET /api/events?topic=public HTTP/1.1\r\nHost: x\r\n"
                     "Accept: text/event-stream\r\n\r\n");
    assert_int_equal(it_send_all(e->fd, req, (size_t)n), 0);
}

/* Waits for an event named `event` whose data contains both needles. */
static void sse_wait(struct sse *e, const char *event, const char *n1, const char *n2)
{
    char want[96];
    snprintf(want, sizeof want, "event: %s\n", event);
    for (int spins = 0; spins < 400; spins++) {
        /* complete events in the buffer */
        char *start = e->buf;
        char *end;
        while ((end = strstr(start, "\n\n")) != NULL) {
            *end = '\0';
            bool hit = strstr(start, want) != NULL && strstr(start, n1) != NULL &&
                       (n2 == NULL || strstr(start, n2) != NULL);
            start = end + 2;
            if (hit) {
                size_t rest = e->len - (size_t)(start - e->buf);
                memmove(e->buf, start, rest);
                e->len = rest;
                e->buf[e->len] = '\0';
                return;
            }
        }
        size_t rest = e->len - (size_t)(start - e->buf);
        memmove(e->buf, start, rest);
        e->len = rest;
        e->buf[e->len] = '\0';
        struct pollfd p = {e->fd, POLLIN, 0};
        if (poll(&p, 1, 50) == 1) {
            ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
            assert_true(r > 0);
            e->len += (size_t)r;
            e->buf[e->len] = '\0';
        }
    }
    fail_msg("no SSE event %s with %s", event, n1);
}

/* ---- the tests ---- */

static int64_t tender_id; /* the first test's tender */

static void test_whole_flow(void **state)
{
    char path[160], body[2048], needle[64];
    struct it_resp r;
    struct sse ev;
    json_t *j;
    (void)state;

    /* 1. a draft whose deadline is too soon: the rule says so */
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市江北污水处理厂扩建工程\",\"region\":\"350100\","
             "\"category\":\"works\",\"procedure\":\"open\",\"ceiling_fen\":2500000000,"
             "\"bond_fen\":50000000,\"bond_form\":\"e_guarantee\",\"publish_at_ms\":%lld,"
             "\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,\"clarify_deadline_ms\":%lld,"
             "\"bid_deadline_ms\":%lld}",
             (long long)T0, (long long)(T0 + DAY), (long long)(T0 + 8 * DAY),
             (long long)(T0 + 15 * DAY), (long long)(T0 + 19 * DAY));
    j = call(&agent, "POST", "/api/tenders", body, 201);
    tender_id = jint(j, "tender.id");
    assert_non_null(strstr(jstr(j, "tender", "code"), "350100-GC-2026-"));
    int64_t version = jint(j, "tender.version");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)tender_id);
    /* the public cannot see a draft, nor another agency */
    assert_int_equal(it_request(&srv, "GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 404);
    it_resp_free(&r);
    /* documents, then publication refused by min_bid_days */
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=%s", (long long)tender_id,
             "%E6%8B%9B%E6%A0%87%E6%96%87%E4%BB%B6.pdf");
    j = call(&agent, "POST", path, "%PDF-1.4 the documents of the tender", 201);
    assert_int_equal(jint(j, "version"), 1);
    char sha[80];
    snprintf(sha, sizeof sha, "%s", jstr(j, "sha256", NULL));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)tender_id);
    j = call(&agent, "POST", path, NULL, 422);
    assert_string_equal(jstr(j, "error", "code"), "rule_deadline_too_soon");
    assert_string_equal(jstr(j, "error", "rule"), "min_bid_days");
    assert_string_equal(jstr(j, "error", "field"), "bid_deadline");
    assert_int_equal(jint(j, "error.limit"), T0 + 21 * DAY);
    assert_non_null(strstr(jstr(j, "error", "source"), "招标投标法"));
    json_decref(j);
    /* fixed with the version check (the upload was a write: version + 1) */
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)tender_id);
    j = call(&agent, "GET", path, NULL, 200);
    assert_int_equal(jint(j, "tender.version"), version + 1);
    version = jint(j, "tender.version");
    json_decref(j);
    snprintf(body, sizeof body, "{\"bid_deadline_ms\":%lld,\"version\":%lld}",
             (long long)(T0 + 22 * DAY), (long long)version);
    json_decref(call(&agent, "PUT", path, body, 200));
    json_decref(call(&agent, "PUT", path, body, 409)); /* stale version */
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)tender_id);
    j = call(&agent, "POST", path, NULL, 200);
    assert_string_equal(jstr(j, "tender", "state"), "published");
    json_decref(j);
    /* now public, with its notice */
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)tender_id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_null(json_object_get(j, "registrations")); /* secret from the public */
    json_decref(j);
    j = call(NULL, "GET", "/api/notices?category=works", NULL, 200);
    snprintf(needle, sizeof needle, "\"ref_id\":%lld", (long long)tender_id);
    char *dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, needle));
    free(dump);
    json_decref(j);

    /* 2. registration; documents not out yet */
    snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)tender_id);
    json_decref(call(&bidder1, "POST", path, NULL, 201));
    json_decref(call(&bidder2, "POST", path, NULL, 201));
    json_decref(call(&bidder1, "POST", path, NULL, 409));
    snprintf(path, sizeof path, "/api/tenders/%lld/documents/1", (long long)tender_id);
    json_decref(call(&bidder1, "GET", path, NULL, 409));

    /* 3. the clock reaches doc_start: bidding, seen live */
    sse_open(&ev);
    set_clock(T0 + DAY);
    json_decref(wait_state(tender_id, "bidding"));
    snprintf(needle, sizeof needle, "\"tender_id\":%lld,", (long long)tender_id);
    sse_wait(&ev, "tender.state", needle, "\"state\":\"bidding\"");

    /* 4. the logged download */
    snprintf(path, sizeof path, "/api/tenders/%lld/documents/1", (long long)tender_id);
    assert_int_equal(it_request_as(&srv, &bidder1, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, strlen("%PDF-1.4 the documents of the tender"));
    assert_memory_equal(r.body, "%PDF-1.4 the documents of the tender", r.body_len);
    char hv[80];
    assert_int_equal(it_resp_header(&r, "X-Document-SHA256", hv, sizeof hv), 0);
    assert_string_equal(hv, sha);
    assert_int_equal(it_resp_header(&r, "Content-Disposition", hv, sizeof hv), 0);
    assert_non_null(strstr(hv, "attachment"));
    it_resp_free(&r);
    json_decref(call(&bidder3, "GET", path, NULL, 403)); /* not registered */
    snprintf(path, sizeof path, "/api/tenders/%lld/downloads", (long long)tender_id);
    j = call(&agent, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_int_equal(jint(json_array_get(json_object_get(j, "items"), 0), "version"), 1);
    json_decref(j);
    json_decref(call(&supervisor, "GET", path, NULL, 200));

    /* 5. a question; the asker is hidden from other bidders */
    snprintf(path, sizeof path, "/api/tenders/%lld/questions", (long long)tender_id);
    j = call(&bidder1, "POST", path, "{\"body\":\"工期 540 天是否可以缩短？\"}", 201);
    int64_t qid = jint(j, "id");
    json_decref(j);
    j = call(&bidder2, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    json_decref(j);
    j = call(&agent, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_non_null(json_object_get(json_array_get(json_object_get(j, "items"), 0), "org_id"));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/clarifications", (long long)tender_id);
    snprintf(body, sizeof body, "{\"body\":\"工期不可缩短。\",\"question_ids\":[%lld]}",
             (long long)qid);
    j = call(&agent, "POST", path, body, 201);
    assert_int_equal(jint(j, "no"), 1);
    assert_int_equal(jint(j, "bid_deadline_ms"), T0 + 22 * DAY); /* 21 days left: no move */
    json_decref(j);
    j = call(&bidder2, "GET", path, NULL, 200);
    dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "工期 540 天是否可以缩短？"));
    assert_null(strstr(dump, "org_id"));
    assert_null(strstr(dump, "bidder1"));
    free(dump);
    json_decref(j);
    json_decref(call(&bidder3, "GET", path, NULL, 403));

    /* 6. an objection pauses; registration waits */
    set_clock(T0 + 10 * DAY);
    snprintf(path, sizeof path, "/api/tenders/%lld/objections", (long long)tender_id);
    j = call(&bidder2, "POST", path, "{\"body\":\"资格条件设置过高，排斥潜在投标人。\"}", 201);
    int64_t oid = jint(j, "id");
    json_decref(j);
    sse_wait(&ev, "tender.paused", needle, NULL);
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)tender_id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_true(json_is_true(json_object_get(json_object_get(j, "tender"), "paused")));
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)tender_id);
    j = call(&bidder3, "POST", path, NULL, 409);
    assert_string_equal(jstr(j, "error", "code"), "tender_paused");
    json_decref(j);

    /* 7. answered two days later: resumed, deadline + 2 days */
    set_clock(T0 + 12 * DAY);
    snprintf(path, sizeof path, "/api/tenders/%lld/objections/%lld/answer", (long long)tender_id,
             (long long)oid);
    j = call(&bidder1, "POST", path, "{\"answer\":\"x\"}", 403); /* not the agent */
    json_decref(j);
    j = call(&agent, "POST", path, "{\"answer\":\"资格条件符合行业标准，维持不变。\"}", 200);
    assert_true(json_is_true(json_object_get(j, "resumed")));
    json_decref(j);
    sse_wait(&ev, "tender.resumed", needle, NULL);
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)tender_id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_false(json_is_true(json_object_get(json_object_get(j, "tender"), "paused")));
    assert_int_equal(jint(j, "tender.bid_deadline_ms"), T0 + 24 * DAY);
    json_decref(j);

    /* 8. a clarification with 12 days left: the deadline moves to 15 days */
    snprintf(path, sizeof path, "/api/tenders/%lld/clarifications", (long long)tender_id);
    j = call(&agent, "POST", path, "{\"body\":\"补充：第五章工程量清单第 3 项修正。\"}", 201);
    assert_int_equal(jint(j, "bid_deadline_ms"), T0 + 27 * DAY);
    json_decref(j);

    /* 9. objections close 10 days before the deadline */
    set_clock(T0 + 20 * DAY);
    snprintf(path, sizeof path, "/api/tenders/%lld/objections", (long long)tender_id);
    j = call(&bidder1, "POST", path, "{\"body\":\"太晚了\"}", 422);
    assert_string_equal(jstr(j, "error", "code"), "rule_objection_too_late");
    assert_string_equal(jstr(j, "error", "rule"), "objection_days");
    json_decref(j);

    /* 10. the deadline: opening, seen live, with its nominal time */
    set_clock(T0 + 27 * DAY + 1);
    j = wait_state(tender_id, "opening");
    json_t *hist = json_object_get(j, "history");
    json_t *last = json_array_get(hist, json_array_size(hist) - 1);
    assert_string_equal(jstr(last, "action", NULL), "opening");
    assert_int_equal(jint(last, "due_ms"), T0 + 27 * DAY);
    json_decref(j);
    sse_wait(&ev, "tender.state", needle, "\"state\":\"opening\"");
    close(ev.fd);
    /* downloads are over */
    snprintf(path, sizeof path, "/api/tenders/%lld/documents/1", (long long)tender_id);
    json_decref(call(&bidder1, "GET", path, NULL, 409));
    /* the witness log has the tender's events (sequenced by now or soon) */
    j = call(&supervisor, "GET", "/api/audit?limit=100", NULL, 200);
    dump = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(dump, "tender.opening"));
    assert_non_null(strstr(dump, "tender.answer"));
    free(dump);
    json_decref(j);
}

/* A retried create with the same Idempotency-Key makes one tender. */
static void test_idempotent_create(void **state)
{
    char hdr[256], id1[32] = "", id2[32] = "";
    const char *body =
        "{\"title\":\"重试的招标项目\",\"region\":\"350100\",\"category\":\"services\"}";
    struct it_resp r;
    (void)state;
    snprintf(hdr, sizeof hdr,
             "Authorization: Bearer %s\r\nIdempotency-Key: tender-create-1\r\n"
             "Content-Type: application/json\r\n",
             agent.token);
    json_t *before = call(&agent, "GET", "/api/tenders?mine=1&category=services", NULL, 200);
    size_t n0 = json_array_size(json_object_get(before, "items"));
    json_decref(before);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(it_request(&srv, "POST", "/api/tenders", hdr, body, &r), 0);
        assert_int_equal(r.status, 201);
        json_t *j = parse(&r);
        snprintf(i == 0 ? id1 : id2, sizeof id1, "%lld", (long long)jint(j, "tender.id"));
        json_decref(j);
        char v[16];
        assert_int_equal(it_resp_header(&r, "Idempotent-Replayed", v, sizeof v) == 0, i == 1);
        it_resp_free(&r);
    }
    assert_string_equal(id1, id2);
    json_t *after = call(&agent, "GET", "/api/tenders?mine=1&category=services", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(after, "items")), n0 + 1);
    json_decref(after);
    /* the draft is the agent's only: the public list does not show it */
    after = call(NULL, "GET", "/api/tenders?category=services", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(after, "items")), 0);
    json_decref(after);
}

/* 邀请招标: the agent's invitation list on a draft (by id and by USCC; the
 * tenderer's own organisation, an unknown one, a repeat and another
 * procedure refused), publication refused below three invitees by rule
 * min_invitees, no public 招标公告 but the tender listed, invitees see it
 * in their list, only an invitee registers (tender_not_invited otherwise),
 * and the list is closed once published. */
static void test_invited(void **state)
{
    char path[160], body[1024], uscc5[32];
    (void)state;
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)tender_id);
    json_t *j = call(NULL, "GET", path, NULL, 200);
    int64_t now = jint(j, "server_time_ms");
    json_decref(j);
    j = call(&admin, "GET", "/api/orgs/5", NULL, 200);
    const char *u = jstr(j, "uscc", NULL) ? jstr(j, "uscc", NULL) : jstr(j, "org", "uscc");
    assert_non_null(u);
    snprintf(uscc5, sizeof uscc5, "%s", u);
    json_decref(j);

    snprintf(body, sizeof body,
             "{\"title\":\"榕城市档案馆恒温恒湿系统改造（邀请招标）\",\"region\":\"350100\","
             "\"category\":\"works\",\"procedure\":\"invited\",\"publish_at_ms\":%lld,"
             "\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,\"clarify_deadline_ms\":%lld,"
             "\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 8 * DAY), (long long)(now + 6 * DAY),
             (long long)(now + 25 * DAY));
    j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=doc.pdf", (long long)id);
    json_decref(call(&agent, "POST", path, "%PDF-1.4 invitation documents", 201));

    snprintf(path, sizeof path, "/api/tenders/%lld/invitees", (long long)id);
    j = call(&agent, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
    assert_int_equal(jint(j, "min_invitees"), 3);
    json_decref(j);
    json_decref(call(&agent, "POST", path, "{\"org_id\":4}", 201));
    snprintf(body, sizeof body, "{\"uscc\":\"%s\"}", uscc5);
    j = call(&agent, "POST", path, body, 201);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    assert_string_equal(jstr(json_array_get(json_object_get(j, "items"), 1), "uscc", NULL), uscc5);
    json_decref(j);
    j = call(&agent, "POST", path, "{\"org_id\":4}", 409);
    assert_string_equal(jstr(j, "error", "code"), "already_exists");
    json_decref(j);
    j = call(&agent, "POST", path, "{\"org_id\":2}", 403); /* the agent's own organisation */
    assert_string_equal(jstr(j, "error", "code"), "rule_conflict_of_interest");
    json_decref(j);
    json_decref(call(&agent, "POST", path, "{\"org_id\":9999}", 404));
    json_decref(call(&agent, "POST", path, "{\"uscc\":\"x\"}", 422));
    json_decref(call(&agent, "POST", path, "{}", 422));
    json_decref(call(&bidder1, "POST", path, "{\"org_id\":6}", 403));
    json_decref(call(&bidder1, "GET", path, NULL, 403));
    /* another procedure has no invitation list */
    snprintf(body, sizeof body, "/api/tenders/%lld/invitees", (long long)tender_id);
    json_decref(call(&agent, "POST", body, "{\"org_id\":4}", 409)); /* not a draft */

    /* two invitees: refused by the law's three */
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    j = call(&agent, "POST", path, NULL, 422);
    assert_string_equal(jstr(j, "error", "code"), "rule_too_few_invitees");
    assert_string_equal(jstr(j, "error", "rule"), "min_invitees");
    assert_int_equal(jint(j, "error.limit"), 3);
    assert_non_null(strstr(jstr(j, "error", "source"), "招标投标法"));
    json_decref(j);
    /* a third, removed and added again */
    snprintf(path, sizeof path, "/api/tenders/%lld/invitees", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"org_id\":7}", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/invitees/7", (long long)id);
    j = call(&agent, "DELETE", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 2);
    json_decref(j);
    json_decref(call(&agent, "DELETE", path, NULL, 404));
    snprintf(path, sizeof path, "/api/tenders/%lld/invitees", (long long)id);
    json_decref(call(&agent, "POST", path, "{\"org_id\":7}", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    j = call(&agent, "POST", path, NULL, 200);
    assert_string_equal(jstr(j, "tender", "procedure"), "invited");
    assert_int_equal(jint(j, "invitees"), 3);
    json_decref(j);

    /* listed publicly, but no 招标公告 on the public board */
    char needle[64];
    snprintf(needle, sizeof needle, "\"ref_id\":%lld,", (long long)id);
    j = call(NULL, "GET", "/api/notices?limit=100", NULL, 200);
    char *d = json_dumps(j, JSON_COMPACT);
    assert_null(strstr(d, needle));
    free(d);
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld", (long long)id);
    j = call(NULL, "GET", path, NULL, 200);
    assert_string_equal(jstr(j, "tender", "state"), "bidding");
    json_decref(j);
    /* the invitee sees it in its list and on the page; another bidder does not */
    snprintf(needle, sizeof needle, "\"id\":%lld,", (long long)id);
    j = call(&bidder1, "GET", "/api/tenders?invited=1", NULL, 200);
    d = json_dumps(j, JSON_COMPACT);
    assert_non_null(strstr(d, needle));
    free(d);
    json_decref(j);
    j = call(&bidder3, "GET", "/api/tenders?invited=1", NULL, 200);
    d = json_dumps(j, JSON_COMPACT);
    assert_null(strstr(d, needle));
    free(d);
    json_decref(j);
    json_decref(call(NULL, "GET", "/api/tenders?invited=1", NULL, 422));
    j = call(&bidder1, "GET", path, NULL, 200);
    assert_true(json_is_true(json_object_get(json_object_get(j, "you"), "invited")));
    json_decref(j);
    j = call(&bidder3, "GET", path, NULL, 200);
    assert_true(json_is_false(json_object_get(json_object_get(j, "you"), "invited")));
    json_decref(j);

    /* only an invitee registers */
    snprintf(path, sizeof path, "/api/tenders/%lld/register", (long long)id);
    j = call(&bidder3, "POST", path, NULL, 403);
    assert_string_equal(jstr(j, "error", "code"), "tender_not_invited");
    json_decref(j);
    json_decref(call(&bidder1, "POST", path, NULL, 201));
    json_decref(call(&bidder2, "POST", path, NULL, 201));
    /* the list is closed once published */
    snprintf(path, sizeof path, "/api/tenders/%lld/invitees", (long long)id);
    j = call(&agent, "POST", path, "{\"org_id\":6}", 409);
    assert_string_equal(jstr(j, "error", "code"), "wrong_state");
    json_decref(j);
    j = call(&supervisor, "GET", path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 3);
    json_decref(j);

    /* the minimum of bids per procedure: single source 1, the others 3 */
    j = call(NULL, "GET", "/api/tender-rules", NULL, 200);
    json_t *it, *mb = NULL;
    size_t k;
    json_array_foreach(json_object_get(j, "items"), k, it)
    {
        if (strcmp(jstr(it, "rule", NULL), "min_bids") == 0)
            mb = json_object_get(it, "procedures");
    }
    assert_non_null(mb);
    static const struct {
        const char *proc;
        int64_t min;
    } want[] = {
        {"open", 3}, {"invited", 3}, {"negotiation", 3}, {"inquiry", 3}, {"single_source", 1}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(jint(json_object_get(mb, want[i].proc), "default"), want[i].min);
    json_decref(j);
}

static void test_restart_catches_up(void **state)
{
    char body[1024], path[64];
    (void)state;
    int64_t now = T0 + 28 * DAY;
    set_clock(now);
    snprintf(body, sizeof body,
             "{\"title\":\"榕城市公园照明改造\",\"region\":\"350100\",\"category\":\"works\","
             "\"publish_at_ms\":%lld,\"doc_start_ms\":%lld,\"doc_end_ms\":%lld,"
             "\"clarify_deadline_ms\":%lld,\"bid_deadline_ms\":%lld}",
             (long long)now, (long long)now, (long long)(now + 7 * DAY),
             (long long)(now + 10 * DAY), (long long)(now + 21 * DAY));
    json_t *j = call(&agent, "POST", "/api/tenders", body, 201);
    int64_t id = jint(j, "tender.id");
    json_decref(j);
    snprintf(path, sizeof path, "/api/tenders/%lld/documents?name=a.txt", (long long)id);
    json_decref(call(&agent, "POST", path, "documents", 201));
    snprintf(path, sizeof path, "/api/tenders/%lld/publish", (long long)id);
    j = call(&agent, "POST", path, NULL, 200);
    assert_string_equal(jstr(j, "tender", "state"), "bidding");
    json_decref(j);

    /* down; back up a week after the deadline */
    assert_int_equal(it_server_stop(&srv), 0);
    char t[32];
    int64_t later = now + 28 * DAY;
    snprintf(t, sizeof t, "%lld", (long long)later);
    const char *args[] = {"--test-clock", t, NULL};
    it_server_restart(&srv, args);
    j = wait_state(id, "opening");
    json_t *hist = json_object_get(j, "history");
    json_t *last = json_array_get(hist, json_array_size(hist) - 1);
    assert_string_equal(jstr(last, "action", NULL), "opening");
    assert_int_equal(jint(last, "due_ms"), now + 21 * DAY); /* the deadline */
    assert_int_equal(jint(last, "at_ms"), later);           /* when it happened */
    json_decref(j);
    login_all(); /* the sessions expired in the meantime */
}

static void test_test_clock_guard(void **state)
{
    struct it_resp r;
    (void)state;
    /* the clock route is the admin's */
    assert_int_equal(
        it_request_as(&srv, &agent, "POST", "/api/test/clock", "{\"advance_ms\":1}", &r), 0);
    assert_int_equal(r.status, 403);
    it_resp_free(&r);
    /* backwards is refused */
    assert_int_equal(it_request_as(&srv, &admin, "POST", "/api/test/clock", "{\"now_ms\":1}", &r),
                     0);
    assert_int_equal(r.status, 422);
    it_resp_free(&r);
    /* serve --test-clock without SUNBID_ALLOW_TEST_CLOCK=1 does not start */
    unsetenv("SUNBID_ALLOW_TEST_CLOCK");
    char *out = NULL;
    int rc = it_cli(&srv, &out, "serve", "--test-clock", "1767258000000", "--listen", "127.0.0.1:0",
                    NULL);
    free(out);
    assert_int_equal(rc, 2);
    setenv("SUNBID_ALLOW_TEST_CLOCK", "1", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_flow),         cmocka_unit_test(test_test_clock_guard),
        cmocka_unit_test(test_idempotent_create),  cmocka_unit_test(test_invited),
        cmocka_unit_test(test_restart_catches_up),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
