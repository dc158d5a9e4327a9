/*
 * static.h — the web/ files, loaded into memory at start and served from
 * there (internal to http/).
 *
 * Threads: static_load/static_free on the owner's thread before/after the
 * loop runs; static_serve is read-only (the loop calls it).
 */
#ifndef SUNBID_HTTP_STATIC_H
#define SUNBID_HTTP_STATIC_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"

#define STATIC_MAX_FILES 4096
#define STATIC_MAX_FILE  ((size_t)16 << 20)  /* bytes per file */
#define STATIC_MAX_TOTAL ((size_t)128 << 20) /* bytes in all */

struct static_files;

/* Loads every regular file under dir (no dotfiles, no symlink leaving dir).
 * Returns NULL with a message in err. */
struct static_files *static_load(const char *dir, char *err, size_t errlen);
void static_free(struct static_files *sf); /* NULL is a no-op */
size_t static_count(const struct static_files *sf);

/* Serves a GET/HEAD of req->path (decoded): sets res (status 200 or 304,
 * content type, ETag, caching headers) and points *body at the cached bytes
 * (borrowed, valid until static_free). "/" and ".../" mean index.html; a
 * missing path whose last segment has no '.' is the single-page app's
 * route and gets /index.html. Returns false when there is no such file. */
bool static_serve(const struct static_files *sf, const struct http_request *req,
                  struct http_response *res, const char **body, size_t *len);

#endif
