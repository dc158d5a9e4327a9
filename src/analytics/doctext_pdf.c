/*
 * doctext_pdf.c — text and metadata of a PDF through poppler's GLib API
 * (libpoppler-glib).
 *
 * The bytes are wrapped in a GBytes without copying (the document is
 * unreferenced before we return, so borrowing is safe) and opened with an
 * empty password: a PDF with only an owner password (print/copy
 * restrictions) opens; one that needs a user password is refused
 * (encrypted_document). Each page's text is poppler_page_get_text (reading
 * order as poppler's TextOutputDev builds it), followed by a newline; at
 * most DOCTEXT_MAX_PAGES pages and DOCTEXT_MAX_TEXT bytes.
 *
 * Metadata: Title, Author, Creator (the authoring application), Producer
 * (the converter), CreationDate and ModDate from the Info dictionary, and
 * the first (permanent) half of the trailer /ID, which a copy of the file
 * keeps: two bids whose PDFs share it were made from one file.
 *
 * Poppler calls are serialised by one mutex (doctext.h says why). Poppler
 * reports syntax errors of damaged files on stderr by itself; the GLib API
 * has no way to silence that.
 */
#include <glib.h>
#include <poppler.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/doctext.h"
#include "base/buf.h"
#include "base/utf8.h"

static pthread_mutex_t poppler_lock = PTHREAD_MUTEX_INITIALIZER;

/* A gchar* from poppler as a cleaned metadata field; frees it. */
static char *take_field(gchar *s)
{
    char *v = s != NULL ? doctext_field(s, strlen(s)) : NULL;
    g_free(s);
    return v;
}

static char *pdf_id(PopplerDocument *doc)
{
    gchar *perm = NULL, *upd = NULL;
    char *v = NULL;
    if (poppler_document_get_id(doc, &perm, &upd) && perm != NULL) {
        /* poppler gives 32 bytes, not NUL-terminated: the id in hex when it
         * converted it, else raw bytes, which we hex-encode. */
        char hex[65];
        bool is_hex = true;
        for (int i = 0; i < 32; i++)
            if (!g_ascii_isxdigit(perm[i]))
                is_hex = false;
        if (is_hex) {
            for (int i = 0; i < 32; i++)
                hex[i] = g_ascii_tolower(perm[i]);
            hex[32] = '\0';
        } else {
            for (int i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", (unsigned char)perm[i]);
        }
        v = doctext_field(hex, strlen(hex));
    }
    g_free(perm);
    g_free(upd);
    return v;
}

int doctext_pdf(const void *data, size_t n, struct doctext *d)
{
    if (n > (size_t)G_MAXINT) {
        snprintf(d->detail, sizeof d->detail, "PDF larger than poppler accepts");
        return DOCTEXT_TOO_LARGE;
    }
    struct buf text;
    buf_init(&text, DOCTEXT_MAX_TEXT);
    int rc = DOCTEXT_OK;
    GError *gerr = NULL;
    pthread_mutex_lock(&poppler_lock);
    GBytes *bytes = g_bytes_new_static(data, n);
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    if (doc == NULL) {
        bool enc =
            gerr != NULL && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        snprintf(d->detail, sizeof d->detail, "%s",
                 gerr != NULL && gerr->message != NULL ? gerr->message : "poppler refused it");
        rc = enc ? DOCTEXT_ENCRYPTED : DOCTEXT_MALFORMED;
        goto out;
    }
    int pages = poppler_document_get_n_pages(doc);
    if (pages > DOCTEXT_MAX_PAGES) {
        snprintf(d->detail, sizeof d->detail, "%d pages, more than %d", pages, DOCTEXT_MAX_PAGES);
        rc = DOCTEXT_TOO_LARGE;
        goto out;
    }
    for (int i = 0; i < pages && rc == DOCTEXT_OK; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (page == NULL)
            continue;
        char *t = poppler_page_get_text(page);
        int br = BUF_OK;
        if (t != NULL) {
            /* Poppler's text is UTF-8; keep the promise of valid UTF-8
             * without NUL even if a broken font map says otherwise. */
            size_t tl = strlen(t), j = 0;
            while (j < tl && br == BUF_OK) {
                size_t k = utf8_seq((const unsigned char *)t + j, tl - j);
                if (k == 0) {
                    br = buf_append(&text, "\xEF\xBF\xBD", 3);
                    j++;
                } else {
                    br = buf_append(&text, t + j, k);
                    j += k;
                }
            }
            g_free(t);
        }
        if (br == BUF_OK)
            br = buf_putc(&text, '\n');
        g_object_unref(page);
        if (br != BUF_OK) {
            rc = br == BUF_TOOBIG ? DOCTEXT_TOO_LARGE : DOCTEXT_NOMEM;
            if (rc == DOCTEXT_TOO_LARGE)
                snprintf(d->detail, sizeof d->detail, "text longer than %zu bytes",
                         DOCTEXT_MAX_TEXT);
        }
        d->pages = (size_t)i + 1;
    }
    if (rc != DOCTEXT_OK)
        goto out;
    struct doctext_meta *m = &d->meta;
    m->title = take_field(poppler_document_get_title(doc));
    m->author = take_field(poppler_document_get_author(doc));
    m->application = take_field(poppler_document_get_creator(doc));
    m->producer = take_field(poppler_document_get_producer(doc));
    time_t c = poppler_document_get_creation_date(doc);
    time_t md = poppler_document_get_modification_date(doc);
    m->created = c == (time_t)-1 ? DOCTEXT_NO_TIME : (int64_t)c;
    m->modified = md == (time_t)-1 ? DOCTEXT_NO_TIME : (int64_t)md;
    m->pdf_id = pdf_id(doc);
    d->len = text.len;
    d->text = buf_detach(&text, NULL);
out:
    if (doc != NULL)
        g_object_unref(doc);
    g_bytes_unref(bytes);
    pthread_mutex_unlock(&poppler_lock);
    if (gerr != NULL)
        g_error_free(gerr);
    buf_release(&text);
    return rc;
}
