/*
 * jsonw.c — streaming JSON writer (see jsonw.h).
 *
 * Invariant: when depth > 0, kind[depth-1] is the innermost open container and
 * first[depth-1] says whether a separator is due before its next member.
 * Inside an object, members alternate key (want_value false -> true) and
 * value (true -> false).
 */
#include "base/jsonw.h"

#include <inttypes.h>

#include "base/utf8.h"

void jsonw_init(struct jsonw *w, struct buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
    if (w->err)
        return;
    if (buf_append(w->out, s, n) != BUF_OK)
        w->err = JSONW_FULL;
}

/* Called before any value: checks position, writes the comma if needed. */
static bool before_value(struct jsonw *w)
{
    if (w->err)
        return false;
    if (w->depth == 0)
        return true;
    if (w->kind[w->depth - 1] == '{') {
        if (!w->want_value) {
            w->err = JSONW_MISUSE;
            return false;
        }
        w->want_value = false;
        return true;
    }
    if (!w->first[w->depth - 1])
        put(w, ",", 1);
    w->first[w->depth - 1] = false;
    return w->err == 0;
}

static void open(struct jsonw *w, char kind)
{
    if (!before_value(w))
        return;
    if (w->depth >= JSONW_MAX_DEPTH) {
        w->err = JSONW_MISUSE;
        return;
    }
    w->kind[w->depth] = kind;
    w->first[w->depth] = true;
    w->depth++;
    put(w, &kind, 1);
}

static void close_(struct jsonw *w, char kind)
{
    if (w->err)
        return;
    if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->want_value) {
        w->err = JSONW_MISUSE;
        return;
    }
    w->depth--;
    char c = kind == '{' ? '}' : ']';
    put(w, &c, 1);
}

void jsonw_obj_begin(struct jsonw *w)
{
    open(w, '{');
}

void jsonw_obj_end(struct jsonw *w)
{
    close_(w, '{');
}

void jsonw_arr_begin(struct jsonw *w)
{
    open(w, '[');
}

void jsonw_arr_end(struct jsonw *w)
{
    close_(w, '[');
}

int json_escape(struct buf *out, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0; /* run: start of bytes not yet copied */
    int rc = BUF_OK;
    while (i < n) {
        unsigned char c = s[i];
        const char *rep = NULL;
        char ubuf[7];
        size_t adv = 1;
        if (c >= 0x80) {
            adv = utf8_seq(s + i, n - i);
            if (adv == 0) {
                rep = "\xEF\xBF\xBD"; /* U+FFFD for a bad byte */
                adv = 1;
            } else if (adv == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
                       (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
                rep = s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
            } else {
                i += adv;
                continue;
            }
        } else if (c == '"') {
            rep = "\\\"";
        } else if (c == '\\') {
            rep = "\\\\";
        } else if (c == '\n') {
            rep = "\\n";
        } else if (c == '\r') {
            rep = "\\r";
        } else if (c == '\t') {
            rep = "\\t";
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7F) {
            ubuf[0] = '\\';
            ubuf[1] = 'u';
            ubuf[2] = '0';
            ubuf[3] = '0';
            ubuf[4] = hex[c >> 4];
            ubuf[5] = hex[c & 15];
            ubuf[6] = '\0';
            rep = ubuf;
        } else {
            i++;
            continue;
        }
        if (i > run && (rc = buf_append(out, s + run, i - run)) != BUF_OK)
            return rc;
        if ((rc = buf_puts(out, rep)) != BUF_OK)
            return rc;
        i += adv;
        run = i;
    }
    if (i > run)
        rc = buf_append(out, s + run, i - run);
    return rc;
}

static void put_string(struct jsonw *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    if (w->err == 0 && json_escape(w->out, s, n) != BUF_OK)
        w->err = JSONW_FULL;
    put(w, "\"", 1);
}

void jsonw_key(struct jsonw *w, const char *key)
{
    if (w->err)
        return;
    if (w->depth == 0 || w->kind[w->depth - 1] != '{' || w->want_value) {
        w->err = JSONW_MISUSE;
        return;
    }
    if (!w->first[w->depth - 1])
        put(w, ",", 1);
    w->first[w->depth - 1] = false;
    put_string(w, key, strlen(key));
    put(w, ":", 1);
    w->want_value = true;
}

void jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
    if (!before_value(w))
        return;
    if (s == NULL)
        put(w, "null", 4);
    else
        put_string(w, s, n);
}

void jsonw_str(struct jsonw *w, const char *s)
{
    jsonw_strn(w, s, s ? strlen(s) : 0);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
    char tmp[24];
    if (!before_value(w))
        return;
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    put(w, tmp, (size_t)n);
}

void jsonw_bool(struct jsonw *w, bool v)
{
    if (!before_value(w))
        return;
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
    if (!before_value(w))
        return;
    put(w, "null", 4);
}

void jsonw_raw(struct jsonw *w, const char *json, size_t n)
{
    if (!before_value(w))
        return;
    put(w, json, n);
}

void jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_str(w, s);
}

void jsonw_kint(struct jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    jsonw_int(w, v);
}

void jsonw_kbool(struct jsonw *w, const char *key, bool v)
{
    jsonw_key(w, key);
    jsonw_bool(w, v);
}

int jsonw_finish(struct jsonw *w)
{
    if (w->err)
        return w->err;
    if (w->depth != 0 || w->want_value)
        return JSONW_MISUSE;
    return JSONW_OK;
}
