/*
 * Several nodes on one store. On PostgreSQL (integration/cluster_pg): two
 * real sunbid processes share one database — a write on A is read on B, an
 * SSE client on B sees A's events in order and resumes on A with its
 * Last-Event-ID, killing the node that holds a lease hands it to the other,
 * no acknowledged write is lost, and PostgreSQL restarted under load gives
 * clear 503s and then recovers with nothing half-written. On SQLite
 * (integration/cluster) the one node holds every lease and is not shared.
 */
#include "harness.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>

static struct it_session token_on(struct it_server *s, const char *user)
{
    struct it_session sess;
    assert_int_equal(it_login(s, user, IT_DEMO_PASSWORD, 1, &sess), 200);
    return sess;
}

static long create_org(struct it_server *s, const struct it_session *admin, int n, int *status)
{
    /* distinct valid codes: vary position 9-16, compute the check digit */
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    char code[32], body[256];
    snprintf(code, sizeof(code), "91350100%08dQ", n % 100000000);
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(alphabet, code[i]) - alphabet) * w[i];
    code[17] = alphabet[(31 - sum % 31) % 31];
    code[18] = '\0';
    snprintf(body, sizeof(body),
             "{\"name\":\"节点测试公司%d\",\"uscc\":\"%s\",\"legal_rep\":\"测试\"}", n, code);
    struct it_resp r;
    if (it_request_as(s, admin, "POST", "/api/orgs", body, &r) != 0) {
        *status = -1;
        return 0;
    }
    *status = r.status;
    long id = 0;
    if (r.status == 201)
        id = strtol(strstr(r.body, "\"id\":") + 5, NULL, 10);
    else if (r.status != 503 ||
             (!strstr(r.body, "store_unavailable") && !strstr(r.body, "store_busy")))
        fail_msg("create org: unexpected %d %s", r.status, r.body);
    it_resp_free(&r);
    return id;
}

static int holds(struct it_server *s, const struct it_session *who, const char *lease)
{
    struct it_resp r;
    char pat[96];
    if (it_request_as(s, who, "GET", "/api/cluster", NULL, &r) != 0)
        return -1;
    assert_int_equal(r.status, 200);
    snprintf(pat, sizeof(pat), "{\"name\":\"%s\",\"held\":true}", lease);
    int held = strstr(r.body, pat) != NULL;
    it_resp_free(&r);
    return held;
}

/* ---- a tiny SSE reader ---- */

struct sse {
    int fd;
    char buf[65536];
    size_t len;
};

static void sse_open(struct sse *e, int port, const struct it_session *who, const char *topic,
                     long last_id)
{
    char req[1024], last[64] = "";
    e->len = 0;
    e->fd = it_connect(port);
    assert_true(e->fd >= 0);
    if (last_id > 0)
        snprintf(last, sizeof(last), "Last-Event-ID: %ld\r\n", last_id);
    int n = snprintf(req, sizeof(req),
                     "GET /api/events?topic=%s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                     "Authorization: Bearer %s\r\n%s\r\n",
                     topic, who->token, last);
    assert_int_equal(it_send_all(e->fd, req, (size_t)n), 0);
    /* the response head */
    for (;;) {
        struct pollfd p = {e->fd, POLLIN, 0};
        assert_true(poll(&p, 1, 10000) == 1);
        ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
        assert_true(r > 0);
        e->len += (size_t)r;
        e->buf[e->len] = '\0';
        char *end = strstr(e->buf, "\r\n\r\n");
        if (end != NULL) {
            assert_non_null(strstr(e->buf, " 200 "));
            assert_non_null(strstr(e->buf, "text/event-stream"));
            size_t rest = e->len - (size_t)(end + 4 - e->buf);
            memmove(e->buf, end + 4, rest);
            e->len = rest;
            e->buf[e->len] = '\0';
            return;
        }
    }
}

/* Next event (not a comment); returns its id, the event name and data. 0 on timeout. */
static long sse_next(struct sse *e, char *event, size_t evlen, char *data, size_t dlen, int ms)
{
    for (;;) {
        char *end = strstr(e->buf, "\n\n");
        if (end != NULL) {
            size_t blk = (size_t)(end + 2 - e->buf);
            char block[65536];
            memcpy(block, e->buf, blk);
            block[blk] = '\0';
            memmove(e->buf, e->buf + blk, e->len - blk);
            e->len -= blk;
            e->buf[e->len] = '\0';
            long id = 0;
            event[0] = data[0] = '\0';
            for (char *line = strtok_r(block, "\n", &end); line;
                 line = strtok_r(NULL, "\n", &end)) {
                if (strncmp(line, "id: ", 4) == 0)
                    id = strtol(line + 4, NULL, 10);
                else if (strncmp(line, "event: ", 7) == 0)
                    snprintf(event, evlen, "%s", line + 7);
                else if (strncmp(line, "data: ", 6) == 0)
                    snprintf(data, dlen, "%s", line + 6);
            }
            if (id > 0)
                return id;
            continue; /* a heartbeat comment */
        }
        struct pollfd p = {e->fd, POLLIN, 0};
        if (poll(&p, 1, ms) != 1)
            return 0;
        ssize_t r = read(e->fd, e->buf + e->len, sizeof(e->buf) - 1 - e->len);
        if (r <= 0)
            return 0;
        e->len += (size_t)r;
        e->buf[e->len] = '\0';
    }
}

static void test_single_node(void **state)
{
    struct it_server a;
    if (it_on_postgres())
        skip();
    it_server_start(&a, IT_DEMO, NULL);
    struct it_session admin = token_on(&a, "admin");
    struct it_resp r;
    assert_int_equal(it_request_as(&a, &admin, "GET", "/api/cluster", NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"shared\":false"));
    assert_non_null(strstr(r.body, "\"store\":\"sqlite\""));
    it_resp_free(&r);
    assert_int_equal(holds(&a, &admin, "scheduler"), 1);
    assert_int_equal(it_server_stop(&a), 0);
}

static void test_two_nodes_share_writes_and_events(void **state)
{
    struct it_server a, b;
    const char *const na[] = {"--node", "node-a", NULL};
    const char *const nb[] = {"--node", "node-b", NULL};
    char ev[64], data[4096];
    int status;
    if (!it_on_postgres())
        skip();
    it_server_start(&a, IT_DEMO, na);
    it_server_start_peer(&b, &a, nb);
    struct it_session admin = token_on(&a, "admin");
    struct it_session sup = token_on(&b, "supervisor");

    /* B's client subscribes before anything is published, so what it sees
     * next is exactly what A publishes from now on */
    struct sse e;
    sse_open(&e, b.port, &sup, "audit", 0);

    /* a write on A is read on B (sessions are shared too) */
    long id = create_org(&a, &admin, 1, &status);
    assert_int_equal(status, 201);
    char path[64];
    snprintf(path, sizeof(path), "/api/orgs/%ld", id);
    struct it_resp r;
    assert_int_equal(it_request_as(&b, &admin, "GET", path, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "节点测试公司1"));
    it_resp_free(&r);

    /* the SSE client on B sees A's events, in order, each once */
    long first = sse_next(&e, ev, sizeof(ev), data, sizeof(data), 10000);
    assert_true(first > 0);
    assert_non_null(strstr(data, "节点测试公司1"));
    long ids[5];
    for (int i = 0; i < 3; i++) {
        create_org(&a, &admin, 10 + i, &status);
        assert_int_equal(status, 201);
    }
    for (int i = 0; i < 3; i++) {
        ids[i] = sse_next(&e, ev, sizeof(ev), data, sizeof(data), 10000);
        assert_true(ids[i] > 0);
        assert_string_equal(ev, "org.create");
        char want[64];
        snprintf(want, sizeof(want), "节点测试公司%d", 10 + i);
        assert_non_null(strstr(data, want));
        assert_true(ids[i] > (i > 0 ? ids[i - 1] : first));
    }
    /* B publishes too; both nodes' events interleave in one order */
    create_org(&b, &admin, 20, &status);
    assert_int_equal(status, 201);
    ids[3] = sse_next(&e, ev, sizeof(ev), data, sizeof(data), 10000);
    assert_true(ids[3] > ids[2]);
    assert_non_null(strstr(data, "节点测试公司20"));
    assert_int_equal(sse_next(&e, ev, sizeof(ev), data, sizeof(data), 500), 0); /* no echo */
    close(e.fd);

    /* the client moves to A and resumes after the last id it saw on B */
    create_org(&b, &admin, 21, &status);
    create_org(&a, &admin, 22, &status);
    sse_open(&e, a.port, &sup, "audit", ids[3]);
    ids[4] = sse_next(&e, ev, sizeof(ev), data, sizeof(data), 10000);
    assert_true(ids[4] > ids[3]);
    assert_non_null(strstr(data, "节点测试公司21"));
    assert_true(sse_next(&e, ev, sizeof(ev), data, sizeof(data), 10000) > ids[4]);
    assert_non_null(strstr(data, "节点测试公司22"));
    close(e.fd);

    assert_int_equal(it_server_stop(&b), 0);
    assert_int_equal(it_server_stop(&a), 0);
}

static void test_lease_failover(void **state)
{
    struct it_server a, b;
    const char *const na[] = {"--node", "node-a", NULL};
    const char *const nb[] = {"--node", "node-b", NULL};
    int status;
    if (!it_on_postgres())
        skip();
    it_server_start(&a, IT_DEMO, na);
    it_server_start_peer(&b, &a, nb);
    struct it_session admin = token_on(&a, "admin");

    /* exactly one node holds the scheduler lease (give B time to try) */
    int ha = 0, hb = 0;
    for (int i = 0; i < 100 && ha + hb == 0; i++) {
        ha = holds(&a, &admin, "scheduler");
        hb = holds(&b, &admin, "scheduler");
        if (ha + hb == 0)
            usleep(100 * 1000);
    }
    assert_int_equal(ha + hb, 1);
    struct it_server *holder = ha ? &a : &b, *other = ha ? &b : &a;

    /* writes acknowledged by the holder, then it dies without warning */
    long ids[5];
    for (int i = 0; i < 5; i++) {
        ids[i] = create_org(holder, &admin, 100 + i, &status);
        assert_int_equal(status, 201);
    }
    it_server_kill(holder);

    /* the other node takes the lease within a few lease periods */
    int taken = 0;
    for (int i = 0; i < 300 && !taken; i++) {
        taken = holds(other, &admin, "scheduler") == 1;
        if (!taken)
            usleep(100 * 1000);
    }
    assert_true(taken);
    /* nothing acknowledged was lost */
    for (int i = 0; i < 5; i++) {
        char path[64];
        struct it_resp r;
        snprintf(path, sizeof(path), "/api/orgs/%ld", ids[i]);
        assert_int_equal(it_request_as(other, &admin, "GET", path, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        it_resp_free(&r);
    }
    assert_int_equal(it_server_stop(other), 0);
}

static void test_postgres_restart_under_load(void **state)
{
    struct it_server a;
    const char *restart = getenv("SUNBID_TEST_PG_RESTART");
    int status, n503 = 0, n201 = 0;
    long acked[400];
    if (!it_on_postgres() || restart == NULL)
        skip();
    it_server_start(&a, IT_DEMO, NULL);
    struct it_session admin = token_on(&a, "admin");
    pid_t pid = fork();
    if (pid == 0) {
        usleep(300 * 1000);
        execl("/bin/sh", "sh", "-c", restart, (char *)NULL);
        _exit(127);
    }
    /* writes keep coming while PostgreSQL goes down and comes back */
    for (int i = 0; i < 400; i++) {
        long id = create_org(&a, &admin, 1000 + i, &status);
        if (status == 201)
            acked[n201++] = id;
        else if (status == 503)
            n503++;
        else
            fail_msg("status %d during the restart", status);
        usleep(5000);
    }
    int wst;
    waitpid(pid, &wst, 0);
    assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    /* after reconnect requests succeed again */
    int ok = 0;
    for (int i = 0; i < 100 && !ok; i++) {
        create_org(&a, &admin, 5000 + i, &status);
        ok = status == 201;
        if (!ok)
            usleep(200 * 1000);
    }
    assert_true(ok);
    /* every acknowledged write is there, and every organisation has its
     * audit row: nothing half-written */
    for (int i = 0; i < n201; i++) {
        char path[64];
        struct it_resp r;
        snprintf(path, sizeof(path), "/api/orgs/%ld", acked[i]);
        assert_int_equal(it_request_as(&a, &admin, "GET", path, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        it_resp_free(&r);
    }
    PGconn *pq = PQconnectdb(a.db_url);
    assert_int_equal(PQstatus(pq), CONNECTION_OK);
    PGresult *res = PQexec(pq, "SELECT count(*) FROM orgs o WHERE NOT EXISTS (SELECT 1 FROM"
                               " audit_log l WHERE l.action = 'org.create'"
                               " AND l.object_id = o.id::text)");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_string_equal(PQgetvalue(res, 0, 0), "0");
    PQclear(res);
    PQfinish(pq);
    print_message("restart under load: %d acknowledged, %d answered 503\n", n201, n503);
    assert_int_equal(it_server_stop(&a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_node),
        cmocka_unit_test(test_two_nodes_share_writes_and_events),
        cmocka_unit_test(test_lease_failover),
        cmocka_unit_test(test_postgres_restart_under_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
