/*
 * Unit tests for the static files (http/static.h): loading a directory (no
 * dotfiles, no symlink out of it), content types, ETag and 304, caching
 * headers, the single-page-app fallback, and gzip when built with zlib.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/static.h"

struct fx {
    char dir[512];
    char outside[600];
    struct static_files *sf;
    struct arena arena;
};

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("SUNBID_TEST_TMP");
    char path[700];
    static int seq;
    snprintf(f->dir, sizeof(f->dir), "%s/static-%d-%d", tmp ? tmp : "/tmp", (int)getpid(), seq++);
    mkdir(tmp ? tmp : "/tmp", 0755);
    assert_int_equal(mkdir(f->dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/index.html", f->dir);
    write_file(path, "<!doctype html><title>sunbid</title>", 36);
    char js[4096];
    for (size_t i = 0; i < sizeof(js); i++)
        js[i] = "const a = 1;\n"[i % 13];
    snprintf(path, sizeof(path), "%s/app.js", f->dir);
    write_file(path, js, sizeof(js));
    snprintf(path, sizeof(path), "%s/logo.png", f->dir);
    write_file(path, "\x89PNG\r\n\x1a\n", 8);
    snprintf(path, sizeof(path), "%s/.secret", f->dir);
    write_file(path, "secret", 6);
    snprintf(path, sizeof(path), "%s/pages", f->dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/pages/index.html", f->dir);
    write_file(path, "<p>pages</p>", 12);
    snprintf(path, sizeof(path), "%s/pages/list.mjs", f->dir);
    write_file(path, "export {}", 9);
    /* a file outside, and links to it and to a file inside */
    snprintf(f->outside, sizeof(f->outside), "%s-outside.txt", f->dir);
    write_file(f->outside, "outside", 7);
    snprintf(path, sizeof(path), "%s/escape.txt", f->dir);
    assert_int_equal(symlink(f->outside, path), 0);
    snprintf(path, sizeof(path), "%s/alias.js", f->dir);
    assert_int_equal(symlink("app.js", path), 0);

    char err[256];
    f->sf = static_load(f->dir, err, sizeof(err));
    if (f->sf == NULL)
        fail_msg("static_load: %s", err);
    arena_init(&f->arena, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[1400];
    static_free(f->sf);
    arena_release(&f->arena);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", f->dir, f->outside);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

struct got {
    struct http_response res;
    const char *body;
    size_t len;
    bool ok;
};

static void serve(struct fx *f, const char *path, const char *inm, const char *ae, struct got *g)
{
    struct http_header hs[2];
    struct http_request req;
    memset(&req, 0, sizeof(req));
    memset(g, 0, sizeof(*g));
    req.arena = &f->arena;
    req.method = HTTP_M_GET;
    req.path = path;
    req.target = path;
    req.headers = hs;
    if (inm != NULL)
        hs[req.nheaders++] = (struct http_header){"If-None-Match", inm};
    if (ae != NULL)
        hs[req.nheaders++] = (struct http_header){"Accept-Encoding", ae};
    buf_init(&g->res.headers, 4096);
    buf_init(&g->res.body, 4096);
    g->res.status = 0;
    g->ok = static_serve(f->sf, &req, &g->res, &g->body, &g->len);
}

static void got_release(struct got *g)
{
    buf_release(&g->res.headers);
    buf_release(&g->res.body);
}

static const char *hdr(struct got *g, const char *name, char *out, size_t outlen)
{
    const char *p = g->res.headers.data ? strstr(g->res.headers.data, name) : NULL;
    if (p == NULL)
        return NULL;
    p += strlen(name) + 2;
    size_t n = strcspn(p, "\r");
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

static void test_loads_only_what_it_should(void **state)
{
    struct fx *f = *state;
    struct got g;
    /* index.html, app.js, logo.png, pages/index.html, pages/list.mjs, alias.js */
    assert_int_equal(static_count(f->sf), 6);
    serve(f, "/.secret", NULL, NULL, &g);
    assert_false(g.ok);
    got_release(&g);
    serve(f, "/escape.txt", NULL, NULL, &g);
    assert_false(g.ok); /* the link points out of the directory */
    got_release(&g);
    serve(f, "/alias.js", NULL, NULL, &g);
    assert_true(g.ok); /* a link that stays inside is fine */
    got_release(&g);
}

static void test_types_and_caching(void **state)
{
    struct fx *f = *state;
    struct got g;
    char v[128];
    serve(f, "/", NULL, NULL, &g);
    assert_true(g.ok);
    assert_int_equal(g.res.status, 200);
    assert_string_equal(g.res.content_type, "text/html; charset=utf-8");
    assert_int_equal(g.len, 36);
    assert_memory_equal(g.body, "<!doctype html>", 15);
    assert_string_equal(hdr(&g, "Cache-Control", v, sizeof(v)), "no-cache");
    got_release(&g);

    serve(f, "/app.js", NULL, NULL, &g);
    assert_string_equal(g.res.content_type, "text/javascript; charset=utf-8");
    assert_string_equal(hdr(&g, "Cache-Control", v, sizeof(v)), "no-cache");
    assert_int_equal(g.len, 4096);
    got_release(&g);

    serve(f, "/pages/list.mjs", NULL, NULL, &g);
    assert_string_equal(g.res.content_type, "text/javascript; charset=utf-8");
    got_release(&g);
    serve(f, "/logo.png", NULL, NULL, &g);
    assert_string_equal(g.res.content_type, "image/png");
    assert_string_equal(hdr(&g, "Cache-Control", v, sizeof(v)), "public, max-age=300");
    got_release(&g);
    serve(f, "/pages/", NULL, NULL, &g);
    assert_memory_equal(g.body, "<p>pages</p>", 12);
    got_release(&g);
}

static void test_spa_fallback(void **state)
{
    struct fx *f = *state;
    struct got g;
    serve(f, "/tenders/42/bids", NULL, NULL, &g);
    assert_true(g.ok);
    assert_int_equal(g.len, 36); /* index.html */
    got_release(&g);
    serve(f, "/missing.js", NULL, NULL, &g);
    assert_false(g.ok); /* names a file: 404 */
    got_release(&g);
}

static void test_etag_and_304(void **state)
{
    struct fx *f = *state;
    struct got g;
    char etag[64], inm[160];
    serve(f, "/index.html", NULL, NULL, &g);
    assert_non_null(hdr(&g, "ETag", etag, sizeof(etag)));
    assert_int_equal(strlen(etag), 18); /* "16 hex" */
    got_release(&g);

    serve(f, "/index.html", etag, NULL, &g);
    assert_int_equal(g.res.status, 304);
    assert_int_equal(g.len, 0);
    got_release(&g);
    snprintf(inm, sizeof(inm), "\"nope\", W/%s", etag);
    serve(f, "/index.html", inm, NULL, &g);
    assert_int_equal(g.res.status, 304);
    got_release(&g);
    serve(f, "/index.html", "\"0000000000000000\"", NULL, &g);
    assert_int_equal(g.res.status, 200);
    got_release(&g);
    serve(f, "/index.html", "*", NULL, &g);
    assert_int_equal(g.res.status, 304);
    got_release(&g);
}

static void test_gzip(void **state)
{
    struct fx *f = *state;
    struct got g;
    char v[64], plain_etag[64];
    serve(f, "/app.js", NULL, NULL, &g);
    assert_non_null(hdr(&g, "ETag", plain_etag, sizeof(plain_etag)));
    assert_null(hdr(&g, "Content-Encoding", v, sizeof(v)));
    got_release(&g);
#ifdef SUNBID_HAVE_ZLIB
    serve(f, "/app.js", NULL, "deflate, gzip;q=0.8", &g);
    assert_string_equal(hdr(&g, "Content-Encoding", v, sizeof(v)), "gzip");
    assert_string_equal(hdr(&g, "Vary", v, sizeof(v)), "Accept-Encoding");
    assert_true(g.len < 4096);
    assert_int_equal((unsigned char)g.body[0], 0x1f);
    assert_int_equal((unsigned char)g.body[1], 0x8b);
    assert_string_not_equal(hdr(&g, "ETag", v, sizeof(v)), plain_etag);
    got_release(&g);
    serve(f, "/app.js", NULL, "gzip;q=0", &g);
    assert_null(hdr(&g, "Content-Encoding", v, sizeof(v)));
    got_release(&g);
    /* a tiny file is not worth compressing */
    serve(f, "/index.html", NULL, "gzip", &g);
    assert_null(hdr(&g, "Content-Encoding", v, sizeof(v)));
    got_release(&g);
#else
    serve(f, "/app.js", NULL, "gzip", &g);
    assert_null(hdr(&g, "Content-Encoding", v, sizeof(v))); /* built without zlib */
    got_release(&g);
#endif
}

static void test_load_errors(void **state)
{
    (void)state;
    char err[256];
    assert_null(static_load("/nonexistent/sunbid/web", err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/sunbid/web"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loads_only_what_it_should, setup, teardown),
        cmocka_unit_test_setup_teardown(test_types_and_caching, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spa_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_etag_and_304, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
