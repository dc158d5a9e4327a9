/*
 * static.c — the static files of the web shell, held in memory.
 *
 * Owns: one entry per file under the static directory, sorted by URL path
 * for binary search: the bytes, a gzip copy when that is smaller (zlib,
 * level 9, only for text types), a strong ETag per variant (SHA-256 of the
 * bytes, 64 bits in hex; the gzip variant's tag ends in "-gz"), and the
 * content type.
 *
 * Invariants: nothing outside the directory is ever loaded — dotfiles are
 * skipped, symlinks are followed only when their real path stays inside the
 * directory's real path, and request paths reach us decoded by the router,
 * which already refused "..", "." and encoded '/'. Lookup is by exact path
 * in the table, never by touching the file system, so a request cannot name
 * a file that was not there at start. Limits: STATIC_MAX_FILES files,
 * STATIC_MAX_FILE bytes each, STATIC_MAX_TOTAL in all.
 *
 * Caching: html, JavaScript and CSS are "no-cache" (always revalidated
 * with their ETag, a cheap 304): the app's modules have unversioned names,
 * and a browser must never mix old and new modules after a deploy. Images
 * and other files are "public, max-age=300". If-None-Match -> 304.
 *
 * gzip needs zlib: built when SUNBID_HAVE_ZLIB is defined (CMake links
 * zlib and defines it); without it, files are served identity-encoded only.
 *
 * Threads: load/free on the owner's thread; static_serve is read-only.
 */
#include "http/static.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#ifdef SUNBID_HAVE_ZLIB
#include <zlib.h>
#endif

#define STATIC_MAX_DEPTH 16

struct static_file {
    char *path;        /* URL path, "/index.html" */
    const char *ctype; /* Content-Type, static string */
    char *data;        /* the bytes */
    size_t len;
    char *gz; /* gzip copy, or NULL when not smaller / not built */
    size_t gzlen;
    char etag[24];    /* "\"0123456789abcdef\"" */
    char etag_gz[28]; /* "\"0123456789abcdef-gz\"" */
    bool revalidate;  /* html, js, css: no-cache (see the header) */
};

struct static_files {
    struct static_file *v; /* sorted by path */
    size_t n, cap;
    size_t total;        /* bytes loaded */
    char root[PATH_MAX]; /* real path of the directory */
};

struct ctype_map {
    const char *ext;
    const char *ctype;
    bool compress;
};

static const struct ctype_map ctypes[] = {
    {"html", "text/html; charset=utf-8", true},
    {"js", "text/javascript; charset=utf-8", true},
    {"mjs", "text/javascript; charset=utf-8", true},
    {"css", "text/css; charset=utf-8", true},
    {"svg", "image/svg+xml", true},
    {"png", "image/png", false},
    {"ico", "image/x-icon", false},
    {"json", "application/json; charset=utf-8", true},
    {"woff2", "font/woff2", false},
    {"txt", "text/plain; charset=utf-8", true},
};

static const struct ctype_map *ctype_for(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot != NULL) {
        for (size_t i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++) {
            if (strcasecmp(dot + 1, ctypes[i].ext) == 0)
                return &ctypes[i];
        }
    }
    static const struct ctype_map other = {"", "application/octet-stream", false};
    return &other;
}

static void etag_make(const char *data, size_t len, char etag[24], char etag_gz[28])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char h[17];
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 8)
        memset(md, 0, 8);
    for (int i = 0; i < 8; i++) {
        h[2 * i] = hex[md[i] >> 4];
        h[2 * i + 1] = hex[md[i] & 15];
    }
    h[16] = '\0';
    snprintf(etag, 24, "\"%s\"", h);
    snprintf(etag_gz, 28, "\"%s-gz\"", h);
}

#ifdef SUNBID_HAVE_ZLIB
/* gzip of data, or NULL when it would not be smaller. */
static char *gzip_make(const char *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    uLong bound = deflateBound(&z, (uLong)len);
    char *out = malloc(bound);
    if (out == NULL) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || n >= len) {
        free(out);
        return NULL;
    }
    *out_len = n;
    return out;
}
#endif

static int read_file(const char *fs_path, size_t max, char **out, size_t *out_len)
{
    int rc = -1;
    char *data = NULL;
    int fd = open(fs_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
        goto out;
    size_t size = (size_t)st.st_size;
    data = malloc(size + 1);
    if (data == NULL)
        goto out;
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    data[size] = '\0';
    *out = data;
    *out_len = size;
    data = NULL;
    rc = 0;
out:
    free(data);
    close(fd);
    return rc;
}

static int add_file(struct static_files *sf, const char *fs_path, const char *url, char *err,
                    size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    if (sf->n >= STATIC_MAX_FILES) {
        snprintf(err, errlen, "more than %d static files", STATIC_MAX_FILES);
        return -1;
    }
    if (read_file(fs_path, STATIC_MAX_FILE, &data, &len) != 0) {
        snprintf(err, errlen, "cannot read %s (or over %zu bytes)", fs_path, STATIC_MAX_FILE);
        return -1;
    }
    if (sf->total + len > STATIC_MAX_TOTAL) {
        free(data);
        snprintf(err, errlen, "static files exceed %zu bytes", STATIC_MAX_TOTAL);
        return -1;
    }
    if (sf->n == sf->cap) {
        size_t ncap = sf->cap ? sf->cap * 2 : 64;
        struct static_file *nv = realloc(sf->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            free(data);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        sf->v = nv;
        sf->cap = ncap;
    }
    struct static_file *f = &sf->v[sf->n];
    memset(f, 0, sizeof(*f));
    f->path = strdup(url);
    if (f->path == NULL) {
        free(data);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const struct ctype_map *ct = ctype_for(url);
    f->ctype = ct->ctype;
    f->revalidate = strncmp(ct->ctype, "text/html", 9) == 0 ||
                    strncmp(ct->ctype, "text/javascript", 15) == 0 ||
                    strncmp(ct->ctype, "text/css", 8) == 0;
    f->data = data;
    f->len = len;
    etag_make(data, len, f->etag, f->etag_gz);
#ifdef SUNBID_HAVE_ZLIB
    if (ct->compress && len >= 256)
        f->gz = gzip_make(data, len, &f->gzlen);
#endif
    sf->total += len;
    sf->n++;
    return 0;
}

/* Is real path p inside the root (or the root itself)? */
static bool inside_root(const struct static_files *sf, const char *p)
{
    size_t n = strlen(sf->root);
    return strncmp(p, sf->root, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static int walk(struct static_files *sf, const char *fs_dir, const char *url_dir, int depth,
                char *err, size_t errlen)
{
    int rc = 0;
    if (depth > STATIC_MAX_DEPTH)
        return 0;
    DIR *d = opendir(fs_dir);
    if (d == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", fs_dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* ".", "..", dotfiles */
        char fs_path[PATH_MAX];
        char url[PATH_MAX];
        int n1 = snprintf(fs_path, sizeof(fs_path), "%s/%s", fs_dir, de->d_name);
        int n2 = snprintf(url, sizeof(url), "%s/%s", url_dir, de->d_name);
        if (n1 < 0 || (size_t)n1 >= sizeof(fs_path) || n2 < 0 || (size_t)n2 >= sizeof(url))
            continue;
        struct stat st;
        if (lstat(fs_path, &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            char real[PATH_MAX];
            if (realpath(fs_path, real) == NULL || !inside_root(sf, real))
                continue; /* a link out of the directory is never followed */
            if (stat(real, &st) != 0)
                continue;
        }
        if (S_ISDIR(st.st_mode))
            rc = walk(sf, fs_path, url, depth + 1, err, errlen);
        else if (S_ISREG(st.st_mode))
            rc = add_file(sf, fs_path, url, err, errlen);
    }
    closedir(d);
    return rc;
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const struct static_file *)a)->path, ((const struct static_file *)b)->path);
}

struct static_files *static_load(const char *dir, char *err, size_t errlen)
{
    struct static_files *sf = calloc(1, sizeof(*sf));
    if (sf == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (realpath(dir, sf->root) == NULL) {
        snprintf(err, errlen, "static dir %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (walk(sf, sf->root, "", 0, err, errlen) != 0)
        goto fail;
    if (sf->n > 0)
        qsort(sf->v, sf->n, sizeof(*sf->v), file_cmp);
    return sf;
fail:
    static_free(sf);
    return NULL;
}

void static_free(struct static_files *sf)
{
    if (sf == NULL)
        return;
    for (size_t i = 0; i < sf->n; i++) {
        free(sf->v[i].path);
        free(sf->v[i].data);
        free(sf->v[i].gz);
    }
    free(sf->v);
    free(sf);
}

size_t static_count(const struct static_files *sf)
{
    return sf ? sf->n : 0;
}

static const struct static_file *lookup(const struct static_files *sf, const char *path)
{
    size_t lo = 0, hi = sf->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, sf->v[mid].path);
        if (c == 0)
            return &sf->v[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Does Accept-Encoding allow gzip (a "gzip" or "*" token without q=0)? */
static bool accepts_gzip(const char *ae)
{
    if (ae == NULL)
        return false;
    const char *p = ae;
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *tok = p;
        while (*p != '\0' && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t tl = (size_t)(p - tok);
        bool match = (tl == 4 && strncasecmp(tok, "gzip", 4) == 0) || (tl == 1 && *tok == '*');
        bool q0 = false;
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        const char *q = p;
        while (q < end) {
            if ((q[0] == 'q' || q[0] == 'Q') && q + 1 < end && q[1] == '=') {
                const char *v = q + 2;
                q0 = true; /* q=0, q=0.0, q=0.000 */
                if (*v != '0')
                    q0 = false;
                for (v++; v < end && q0; v++) {
                    if (*v == '.' || *v == '0' || *v == ' ' || *v == '\t')
                        continue;
                    q0 = false;
                }
                break;
            }
            q++;
        }
        if (match && !q0)
            return true;
        p = end;
    }
    return false;
}

/* Does If-None-Match name etag (weak comparison, or "*")? */
static bool etag_matches(const char *inm, const char *etag)
{
    size_t el = strlen(etag);
    const char *p = inm;
    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        const char *end = strchr(p, ',');
        size_t tl = end ? (size_t)(end - p) : strlen(p);
        while (tl > 0 && (p[tl - 1] == ' ' || p[tl - 1] == '\t'))
            tl--;
        if (tl == el && memcmp(p, etag, el) == 0)
            return true;
        p = end;
    }
    return false;
}

bool static_serve(const struct static_files *sf, const struct http_request *req,
                  struct http_response *res, const char **body, size_t *len)
{
    const struct static_file *f = NULL;
    const char *path = req->path;
    if (sf == NULL || path == NULL || path[0] != '/')
        return false;
    size_t pl = strlen(path);
    if (path[pl - 1] == '/') {
        char idx[1024];
        int n = snprintf(idx, sizeof(idx), "%sindex.html", path);
        if (n > 0 && (size_t)n < sizeof(idx))
            f = lookup(sf, idx);
    } else {
        f = lookup(sf, path);
    }
    if (f == NULL) {
        const char *last = strrchr(path, '/');
        if (strchr(last, '.') != NULL)
            return false;              /* names a file that is not there */
        f = lookup(sf, "/index.html"); /* the single-page app's own route */
        if (f == NULL)
            return false;
    }
    bool gz = f->gz != NULL && accepts_gzip(http_header(req, "accept-encoding"));
    const char *etag = gz ? f->etag_gz : f->etag;
    res->content_type = f->ctype;
    http_res_header(res, "ETag", etag);
    http_res_header(res, "Cache-Control", f->revalidate ? "no-cache" : "public, max-age=300");
    if (f->gz != NULL)
        http_res_header(res, "Vary", "Accept-Encoding");
    const char *inm = http_header(req, "if-none-match");
    if (inm != NULL && etag_matches(inm, etag)) {
        res->status = 304;
        *body = NULL;
        *len = 0;
        return true;
    }
    if (gz)
        http_res_header(res, "Content-Encoding", "gzip");
    res->status = 200;
    *body = gz ? f->gz : f->data;
    *len = gz ? f->gzlen : f->len;
    return true;
}
