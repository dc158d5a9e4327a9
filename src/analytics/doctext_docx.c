/*
 * doctext_docx.c — text and metadata of a DOCX (Office Open XML,
 * ECMA-376 / ISO/IEC 29500), through libzip and libxml2's xmlTextReader.
 *
 * A DOCX is a zip of XML parts. We read, each at most DOCTEXT_MAX_PART bytes
 * inflated (the streaming inflater stops there, so a zip bomb costs at most
 * that much):
 *
 *   part                   what we take
 *   ---------------------  -----------------------------------------------
 *   word/document.xml      the text: w:t contents in order, w:tab as a tab,
 *   word/footnotes.xml     w:br and w:cr as a newline, a newline after each
 *   word/endnotes.xml      w:p (paragraph); deleted text (w:delText) and
 *                          field codes (w:instrText) are not text
 *   docProps/core.xml      dc:title, dc:creator, cp:lastModifiedBy,
 *                          dcterms:created, dcterms:modified
 *   docProps/app.xml       Application + AppVersion, Company, Template
 *   docProps/custom.xml    the KSOProductBuildVer property WPS Office writes
 *   word/settings.xml      w:rsidRoot and the w:rsid list: the ids of the
 *                          editing sessions that made the file, which a copy
 *                          of the file keeps (docs/similarity.md)
 *
 * Elements are matched by local name and namespace URI (any prefix), in the
 * transitional and the strict namespaces. The reader runs with
 * XML_PARSE_NONET and without XML_PARSE_NOENT or DTD loading: no network, no
 * external entities, no entity expansion; libxml2's own limits (depth, text
 * node size) stay on. Only word/document.xml is required; a missing or
 * malformed metadata part leaves its fields empty.
 */
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "analytics/doctext.h"
#include "base/buf.h"

#define NS_W_TRANS  "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NS_W_STRICT "http://purl.oclc.org/ooxml/wordprocessingml/main"
#define NS_DC       "http://purl.org/dc/elements/1.1/"
#define NS_DCTERMS  "http://purl.org/dc/terms/"
#define NS_CP       "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

/* Reads the zip entry `name` into a new buffer (NUL-terminated). Returns
 * DOCTEXT_OK, DOCTEXT_TOO_LARGE, DOCTEXT_MALFORMED, DOCTEXT_NOMEM, or
 * DOCTEXT_UNSUPPORTED when the entry is absent. */
static int read_part(zip_t *za, const char *name, char **data, size_t *len, struct doctext *d)
{
    *data = NULL;
    *len = 0;
    zip_int64_t idx = zip_name_locate(za, name, 0);
    if (idx < 0)
        return DOCTEXT_UNSUPPORTED;
    zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (zf == NULL) {
        snprintf(d->detail, sizeof d->detail, "%s: %s", name, zip_strerror(za));
        return DOCTEXT_MALFORMED;
    }
    struct buf b;
    buf_init(&b, DOCTEXT_MAX_PART);
    int rc = DOCTEXT_OK;
    char chunk[65536];
    for (;;) {
        zip_int64_t r = zip_fread(zf, chunk, sizeof chunk);
        if (r < 0) {
            snprintf(d->detail, sizeof d->detail, "%s: %s", name, zip_file_strerror(zf));
            rc = DOCTEXT_MALFORMED;
            break;
        }
        if (r == 0)
            break;
        int br = buf_append(&b, chunk, (size_t)r);
        if (br != BUF_OK) {
            rc = br == BUF_TOOBIG ? DOCTEXT_TOO_LARGE : DOCTEXT_NOMEM;
            if (rc == DOCTEXT_TOO_LARGE)
                snprintf(d->detail, sizeof d->detail, "%s inflates past %zu bytes", name,
                         DOCTEXT_MAX_PART);
            break;
        }
    }
    zip_fclose(zf);
    if (rc != DOCTEXT_OK) {
        buf_release(&b);
        return rc;
    }
    *len = b.len;
    *data = buf_detach(&b, NULL);
    if (*data == NULL) { /* an empty part */
        *data = calloc(1, 1);
        if (*data == NULL)
            return DOCTEXT_NOMEM;
    }
    return DOCTEXT_OK;
}

static bool is_w(const xmlChar *ns)
{
    return ns != NULL && (strcmp((const char *)ns, NS_W_TRANS) == 0 ||
                          strcmp((const char *)ns, NS_W_STRICT) == 0);
}

static bool is_named(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *l = xmlTextReaderConstLocalName(r);
    return l != NULL && strcmp((const char *)l, local) == 0;
}

/* Appends the text of one WordprocessingML part. Returns a doctext_err. */
static int body_text(const char *xml, size_t n, struct buf *out, const char *name,
                     struct doctext *d)
{
    xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)n, NULL, NULL, XML_OPTIONS);
    if (r == NULL)
        return DOCTEXT_NOMEM;
    int rc = DOCTEXT_OK, ret;
    int in_t = 0; /* inside a w:t element */
    while ((ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        int brc = BUF_OK;
        if (type == XML_READER_TYPE_ELEMENT) {
            if (!is_w(xmlTextReaderConstNamespaceUri(r)))
                continue;
            if (is_named(r, "t")) {
                in_t = !xmlTextReaderIsEmptyElement(r);
            } else if (is_named(r, "tab")) {
                brc = buf_putc(out, '\t');
            } else if (is_named(r, "br") || is_named(r, "cr")) {
                brc = buf_putc(out, '\n');
            } else if (is_named(r, "p") && xmlTextReaderIsEmptyElement(r)) {
                brc = buf_putc(out, '\n');
            }
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (!is_w(xmlTextReaderConstNamespaceUri(r)))
                continue;
            if (is_named(r, "t"))
                in_t = 0;
            else if (is_named(r, "p"))
                brc = buf_putc(out, '\n');
        } else if (in_t && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                            type == XML_READER_TYPE_WHITESPACE ||
                            type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE)) {
            const xmlChar *v = xmlTextReaderConstValue(r);
            if (v != NULL)
                brc = buf_puts(out, (const char *)v);
        }
        if (brc != BUF_OK) {
            rc = brc == BUF_TOOBIG ? DOCTEXT_TOO_LARGE : DOCTEXT_NOMEM;
            if (rc == DOCTEXT_TOO_LARGE)
                snprintf(d->detail, sizeof d->detail, "text longer than %zu bytes",
                         DOCTEXT_MAX_TEXT);
            break;
        }
    }
    if (rc == DOCTEXT_OK && ret != 0) {
        const xmlError *e = xmlGetLastError();
        snprintf(d->detail, sizeof d->detail, "%s is not well-formed XML%s%s", name,
                 e != NULL && e->message != NULL ? ": " : "",
                 e != NULL && e->message != NULL ? e->message : "");
        size_t dl = strlen(d->detail);
        if (dl > 0 && d->detail[dl - 1] == '\n')
            d->detail[dl - 1] = '\0';
        rc = DOCTEXT_MALFORMED;
    }
    xmlFreeTextReader(r);
    return rc;
}

/* The text content of the current element, cleaned as a metadata field. */
static char *element_string(xmlTextReaderPtr r)
{
    xmlChar *s = xmlTextReaderReadString(r);
    if (s == NULL)
        return NULL;
    char *v = doctext_field((const char *)s, strlen((const char *)s));
    xmlFree(s);
    return v;
}

/* The value of the current element's attribute with local name `local` in
 * the WordprocessingML namespace (any prefix). */
static char *w_attr(xmlTextReaderPtr r, const char *local)
{
    char *v = NULL;
    while (v == NULL && xmlTextReaderMoveToNextAttribute(r) == 1) {
        if (is_named(r, local) && is_w(xmlTextReaderConstNamespaceUri(r))) {
            const xmlChar *s = xmlTextReaderConstValue(r);
            if (s != NULL)
                v = doctext_field((const char *)s, strlen((const char *)s));
        }
    }
    xmlTextReaderMoveToElement(r);
    return v;
}

static void set_once(char **slot, char *v)
{
    if (*slot == NULL)
        *slot = v;
    else
        free(v);
}

static void core_props(const char *xml, size_t n, struct doctext_meta *m)
{
    xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)n, NULL, NULL, XML_OPTIONS);
    if (r == NULL)
        return;
    while (xmlTextReaderRead(r) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
            continue;
        const xmlChar *nsx = xmlTextReaderConstNamespaceUri(r);
        const char *ns = nsx != NULL ? (const char *)nsx : "";
        if (strcmp(ns, NS_DC) == 0 && is_named(r, "title")) {
            set_once(&m->title, element_string(r));
        } else if (strcmp(ns, NS_DC) == 0 && is_named(r, "creator")) {
            set_once(&m->author, element_string(r));
        } else if (strcmp(ns, NS_CP) == 0 && is_named(r, "lastModifiedBy")) {
            set_once(&m->last_modified_by, element_string(r));
        } else if (strcmp(ns, NS_DCTERMS) == 0 &&
                   (is_named(r, "created") || is_named(r, "modified"))) {
            bool created = is_named(r, "created");
            char *v = element_string(r);
            int64_t t = doctext_parse_w3cdtf(v);
            free(v);
            int64_t *slot = created ? &m->created : &m->modified;
            if (*slot == DOCTEXT_NO_TIME)
                *slot = t;
        }
    }
    xmlFreeTextReader(r);
}

static void app_props(const char *xml, size_t n, struct doctext_meta *m)
{
    xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)n, NULL, NULL, XML_OPTIONS);
    if (r == NULL)
        return;
    char *app = NULL, *ver = NULL;
    while (xmlTextReaderRead(r) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || xmlTextReaderDepth(r) != 1)
            continue;
        if (is_named(r, "Application"))
            set_once(&app, element_string(r));
        else if (is_named(r, "AppVersion"))
            set_once(&ver, element_string(r));
        else if (is_named(r, "Company"))
            set_once(&m->company, element_string(r));
        else if (is_named(r, "Template"))
            set_once(&m->template_name, element_string(r));
    }
    xmlFreeTextReader(r);
    if (app != NULL && ver != NULL) {
        char both[DOCTEXT_MAX_FIELD * 2 + 2];
        snprintf(both, sizeof both, "%s %s", app, ver);
        set_once(&m->application, doctext_field(both, strlen(both)));
        free(app);
    } else {
        set_once(&m->application, app);
    }
    free(ver);
}

static void custom_props(const char *xml, size_t n, struct doctext_meta *m)
{
    xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)n, NULL, NULL, XML_OPTIONS);
    if (r == NULL)
        return;
    while (xmlTextReaderRead(r) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || !is_named(r, "property"))
            continue;
        xmlChar *name = xmlTextReaderGetAttribute(r, (const xmlChar *)"name");
        bool want = name != NULL && strcmp((const char *)name, "KSOProductBuildVer") == 0;
        xmlFree(name);
        if (want)
            set_once(&m->build, element_string(r));
    }
    xmlFreeTextReader(r);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void settings(const char *xml, size_t n, struct doctext_meta *m)
{
    xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)n, NULL, NULL, XML_OPTIONS);
    if (r == NULL)
        return;
    size_t cap = 0;
    while (xmlTextReaderRead(r) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
            !is_w(xmlTextReaderConstNamespaceUri(r)))
            continue;
        if (is_named(r, "rsidRoot")) {
            set_once(&m->rsid_root, w_attr(r, "val"));
        } else if (is_named(r, "rsid") && m->nrsids < DOCTEXT_MAX_RSIDS) {
            char *v = w_attr(r, "val");
            if (v == NULL)
                continue;
            if (m->nrsids == cap) {
                size_t nc = cap ? cap * 2 : 32;
                char **grown = realloc(m->rsids, nc * sizeof *grown);
                if (grown == NULL) {
                    free(v);
                    break;
                }
                m->rsids = grown;
                cap = nc;
            }
            m->rsids[m->nrsids++] = v;
        }
    }
    xmlFreeTextReader(r);
    if (m->nrsids > 1) {
        qsort(m->rsids, m->nrsids, sizeof *m->rsids, cmp_str);
        size_t k = 1;
        for (size_t i = 1; i < m->nrsids; i++) {
            if (strcmp(m->rsids[i], m->rsids[k - 1]) == 0)
                free(m->rsids[i]);
            else
                m->rsids[k++] = m->rsids[i];
        }
        m->nrsids = k;
    }
}

/* Reads an optional part and hands it to fn; absent or broken parts are
 * skipped, but a part past its limit or out of memory is an error. */
static int optional_part(zip_t *za, const char *name, struct doctext *d,
                         void (*fn)(const char *, size_t, struct doctext_meta *))
{
    char *xml;
    size_t n;
    int rc = read_part(za, name, &xml, &n, d);
    if (rc == DOCTEXT_OK)
        fn(xml, n, &d->meta);
    free(xml);
    if (rc == DOCTEXT_UNSUPPORTED || rc == DOCTEXT_MALFORMED) {
        d->detail[0] = '\0';
        return DOCTEXT_OK;
    }
    return rc;
}

int doctext_docx(const void *data, size_t n, struct doctext *d)
{
    pthread_once(&xml_once, xml_init);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, n, 0, &ze);
    if (src == NULL) {
        zip_error_fini(&ze);
        return DOCTEXT_NOMEM;
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (za == NULL) {
        snprintf(d->detail, sizeof d->detail, "not a zip archive: %s", zip_error_strerror(&ze));
        zip_source_free(src);
        zip_error_fini(&ze);
        return DOCTEXT_MALFORMED;
    }
    zip_error_fini(&ze);

    struct buf text;
    buf_init(&text, DOCTEXT_MAX_TEXT);
    char *xml = NULL;
    size_t len;
    int rc = read_part(za, "word/document.xml", &xml, &len, d);
    if (rc == DOCTEXT_UNSUPPORTED) {
        snprintf(d->detail, sizeof d->detail, "a zip without word/document.xml is no DOCX");
        goto out;
    }
    if (rc != DOCTEXT_OK)
        goto out;
    rc = body_text(xml, len, &text, "word/document.xml", d);
    free(xml);
    xml = NULL;
    if (rc != DOCTEXT_OK)
        goto out;
    static const char *const notes[] = {"word/footnotes.xml", "word/endnotes.xml"};
    for (size_t i = 0; i < sizeof notes / sizeof notes[0]; i++) {
        rc = read_part(za, notes[i], &xml, &len, d);
        if (rc == DOCTEXT_UNSUPPORTED) {
            rc = DOCTEXT_OK;
            continue;
        }
        if (rc == DOCTEXT_OK)
            rc = body_text(xml, len, &text, notes[i], d);
        free(xml);
        xml = NULL;
        if (rc != DOCTEXT_OK)
            goto out;
    }
    rc = optional_part(za, "docProps/core.xml", d, core_props);
    if (rc == DOCTEXT_OK)
        rc = optional_part(za, "docProps/app.xml", d, app_props);
    if (rc == DOCTEXT_OK)
        rc = optional_part(za, "docProps/custom.xml", d, custom_props);
    if (rc == DOCTEXT_OK)
        rc = optional_part(za, "word/settings.xml", d, settings);
    if (rc != DOCTEXT_OK)
        goto out;
    /* libxml2 hands out valid UTF-8; NUL cannot occur in XML text. */
    d->len = text.len;
    d->text = buf_detach(&text, NULL);
out:
    buf_release(&text);
    zip_discard(za);
    return rc;
}
