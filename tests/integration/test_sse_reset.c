/*
 * Integration test of the SSE resets (src/http/sse.c, "Resets") through the
 * real server: a stream resumed with a Last-Event-ID of this run replays
 * without a reset; after the server is restarted on the same data dir, the
 * same Last-Event-ID (an earlier run's) gets "event: reset" with reason
 * "restart" first, and the new run's ids are above the old ones (they
 * count from the server's start time; on PostgreSQL the shared cluster's
 * numbering goes on). docs/api.md "Server-Sent Events".
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct it_server srv;

static void read_until(int fd, char *buf, size_t cap, size_t *len, const char *want)
{
    while (strstr(buf, want) == NULL) {
        assert_true(*len < cap - 1);
        ssize_t r = recv(fd, buf + *len, cap - 1 - *len, 0);
        if (r <= 0)
            fail_msg("connection ended before \"%s\"; got: %s", want, buf);
        *len += (size_t)r;
        buf[*len] = '\0';
    }
}

/* Opens the audit stream as admin, with Last-Event-ID last (< 0: none). */
static int open_stream(const struct it_session *admin, long long last)
{
    char req[512], hdr[64] = "";
    if (last >= 0)
        snprintf(hdr, sizeof hdr, "Last-Event-ID: %lld\r\n", last);
    snprintf(req, sizeof req,
             "GET /api/events?topic=audit HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\n"
             "%s\r\n",
             admin->token, hdr);
    int fd = it_connect(srv.port);
    assert_int_equal(it_send_all(fd, req, strlen(req)), 0);
    return fd;
}

/* Creates an organisation (an org.create event on the audit topic). */
static void make_org(const struct it_session *admin, const char *uscc)
{
    char body[256];
    struct it_resp r;
    snprintf(body, sizeof body,
             "{\"name\":\"续传测试%s有限公司\",\"uscc\":\"%s\",\"legal_rep\":\"李四\"}", uscc,
             uscc);
    assert_int_equal(it_request_as(&srv, admin, "POST", "/api/orgs", body, &r), 0);
    if (r.status != 201)
        fail_msg("POST /api/orgs: %d %s", r.status, r.body ? r.body : "");
    it_resp_free(&r);
}

/* The id of the first org.create event in buf (after the head). */
static long long event_id(const char *buf)
{
    const char *p = strstr(buf, "event: org.create\n");
    assert_non_null(p);
    while (p > buf && !(p[-1] == '\n' && strncmp(p, "id: ", 4) == 0))
        p--;
    assert_true(strncmp(p, "id: ", 4) == 0);
    return strtoll(p + 4, NULL, 10);
}

static void test_reset_after_restart(void **state)
{
    (void)state;
    struct it_session admin;
    char buf[16384];
    size_t len = 0;
    buf[0] = '\0';
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);

    int fd = open_stream(&admin, -1);
    read_until(fd, buf, sizeof buf, &len, "\r\n\r\n");
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    usleep(100000); /* subscribed on the loop */
    make_org(&admin, "91330100799655058B");
    read_until(fd, buf, sizeof buf, &len, "event: org.create\n");
    read_until(fd, buf, sizeof buf, &len, "\n\n");
    long long id1 = event_id(buf);
    /* numbered by this server from its start (microseconds since 1970); on
     * PostgreSQL the shared cluster numbers the events */
    if (!it_on_postgres())
        assert_true(id1 > 1000000000000000LL);
    assert_null(strstr(buf, "event: reset"));
    close(fd);

    /* resumed in the same run: the event again, no reset */
    fd = open_stream(&admin, id1 - 1);
    len = 0;
    buf[0] = '\0';
    read_until(fd, buf, sizeof buf, &len, "event: org.create\n");
    assert_null(strstr(buf, "event: reset"));
    assert_int_equal(event_id(buf), id1);
    close(fd);

    /* the same Last-Event-ID after a restart: a reset first */
    it_server_restart(&srv, NULL);
    assert_int_equal(it_login(&srv, "admin", IT_DEMO_PASSWORD, 1, &admin), 200);
    fd = open_stream(&admin, id1);
    len = 0;
    buf[0] = '\0';
    read_until(fd, buf, sizeof buf, &len, "\r\n\r\n");
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    read_until(fd, buf, sizeof buf, &len, "event: reset\ndata: {\"reason\":\"restart\"}\n\n");
    usleep(100000);
    /* the new run's ids are above the old run's */
    make_org(&admin, "91350100MA8UT4RW23");
    read_until(fd, buf, sizeof buf, &len, "event: org.create\n");
    read_until(fd, buf, sizeof buf, &len, "\n\n");
    long long id2 = event_id(buf);
    assert_true(id2 > id1);
    assert_true(strstr(buf, "event: reset") < strstr(buf, "event: org.create"));
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    it_server_start(&srv, IT_DEMO, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return it_server_stop(&srv) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_after_restart),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
