/*
 * doctext.h — the text and the metadata of a bid document (plain text, DOCX
 * or PDF), for the similarity analysis (analytics/similarity.h,
 * docs/similarity.md).
 *
 * Each format is read by a well-kept Debian library, never by a parser of
 * ours:
 *
 *   format  library                         text                    metadata
 *   ------  ------------------------------  ----------------------  ---------------------------
 *   TXT     glibc iconv (non-UTF-8 only)    the file: UTF-8 as is,  none
 *                                           UTF-16 with a BOM, or
 *                                           GB18030 (GBK, GB2312)
 *   DOCX    libzip + libxml2's xmlReader    word/document.xml,      docProps/core.xml, app.xml,
 *                                           footnotes, endnotes:    custom.xml (WPS build),
 *                                           w:t runs, w:tab, w:br,  word/settings.xml (rsids)
 *                                           a newline per w:p
 *   PDF     poppler (GLib API)              poppler_page_get_text,  the Info dictionary and the
 *                                           a newline per page      trailer /ID
 *
 * Outside input is hostile: every size is bounded (DOCTEXT_MAX_*), a zip
 * part is read through libzip's streaming inflater and abandoned past its
 * limit (zip bombs), XML is parsed without network access, DTD loading or
 * entity substitution (billion laughs), and a PDF that wants a password is
 * refused, not cracked. Errors are stable codes (doctext_err_code) with a
 * detail for people.
 *
 * Threads: any thread may call these. libxml2 is initialised once
 * (pthread_once); poppler calls are serialised by one mutex — poppler keeps
 * global state we do not want to reason about, and PDF extraction is not
 * the bottleneck of an analysis (docs/similarity.md has the figures).
 */
#ifndef SUNBID_DOCTEXT_H
#define SUNBID_DOCTEXT_H

#include <stddef.h>
#include <stdint.h>

#define DOCTEXT_MAX_INPUT ((size_t)256 << 20) /* bytes of one document file */
#define DOCTEXT_MAX_TEXT  ((size_t)64 << 20)  /* bytes of extracted UTF-8 text */
#define DOCTEXT_MAX_PART  ((size_t)128 << 20) /* bytes of one DOCX part, inflated */
#define DOCTEXT_MAX_FIELD 512                 /* bytes of one metadata value */
#define DOCTEXT_MAX_RSIDS 4096                /* revision-session ids kept */
#define DOCTEXT_MAX_PAGES 20000               /* PDF pages read */
#define DOCTEXT_NO_TIME   INT64_MIN           /* a time the document does not give */

enum doctext_format {
    DOCTEXT_AUTO = 0, /* sniff the bytes (doctext_sniff) */
    DOCTEXT_TXT,
    DOCTEXT_DOCX,
    DOCTEXT_PDF,
    DOCTEXT_OTHER /* recognised and refused: .doc/.wps (OLE2), RTF, images, other zips */
};

/* Stable error codes; doctext_err_code() gives the string for reports. */
enum doctext_err {
    DOCTEXT_OK = 0,
    DOCTEXT_NOMEM,        /* out_of_memory */
    DOCTEXT_TOO_LARGE,    /* document_too_large: past a DOCTEXT_MAX_* */
    DOCTEXT_UNSUPPORTED,  /* unsupported_format: OLE2 .doc, RTF, images, a zip that is no DOCX */
    DOCTEXT_MALFORMED,    /* malformed_document: the library refused it */
    DOCTEXT_ENCRYPTED,    /* encrypted_document: a PDF with a user password */
    DOCTEXT_BAD_ENCODING, /* bad_text_encoding: neither UTF-8, UTF-16 with BOM nor GB18030 */
    DOCTEXT_IO            /* io_error: the file cannot be read */
};

/* What the document says about itself. Every string is owned, UTF-8,
 * trimmed, at most DOCTEXT_MAX_FIELD bytes, NULL when absent or empty. */
struct doctext_meta {
    char *title;            /* dc:title | PDF Title */
    char *author;           /* dc:creator | PDF Author */
    char *last_modified_by; /* cp:lastModifiedBy (DOCX) */
    char *company;          /* app.xml Company (DOCX) */
    char *application;      /* app.xml "Application AppVersion" | PDF Creator */
    char *producer;         /* PDF Producer: the program that wrote the PDF */
    char *template_name;    /* app.xml Template, e.g. "Normal.dotm" */
    char *build;            /* custom.xml KSOProductBuildVer: WPS Office build and locale */
    char *rsid_root;        /* settings.xml w:rsidRoot: the editing session that began the file */
    char *pdf_id;           /* PDF trailer /ID, first (permanent) half, hex */
    int64_t created;        /* Unix seconds UTC (dcterms:created | CreationDate), or NO_TIME */
    int64_t modified;       /* Unix seconds UTC (dcterms:modified | ModDate), or NO_TIME */
    char **rsids;           /* settings.xml w:rsid values, sorted, unique; owned */
    size_t nrsids;
};

struct doctext {
    enum doctext_format format; /* the format read */
    char *text;                 /* UTF-8 (valid), NUL-terminated; owned; "" when none */
    size_t len;                 /* bytes of text */
    size_t pages;               /* PDF pages read; 0 for other formats */
    struct doctext_meta meta;
    char detail[160]; /* after an error: what went wrong, for people */
};

/* The format of the bytes: "%PDF-" in the first KiB is PDF, a zip is DOCX
 * (doctext_extract refuses a zip without word/document.xml), OLE2, RTF and
 * common image signatures are OTHER, anything else TXT. */
enum doctext_format doctext_sniff(const void *data, size_t n);

/* Extracts text and metadata from n bytes (borrowed) into *out, which the
 * caller then owns (doctext_release, also after an error). fmt AUTO sniffs.
 * Returns a doctext_err. */
int doctext_extract(const void *data, size_t n, enum doctext_format fmt, struct doctext *out);

/* Reads the file (at most DOCTEXT_MAX_INPUT bytes), sniffs and extracts. */
int doctext_read_file(const char *path, struct doctext *out);

void doctext_release(struct doctext *d);
void doctext_meta_release(struct doctext_meta *m);

const char *doctext_err_code(int e);                    /* "malformed_document" ... */
const char *doctext_format_name(enum doctext_format f); /* "txt" "docx" "pdf" ... */

/* Parses a W3C date-time (ISO 8601 profile: YYYY, YYYY-MM-DD, with
 * Thh:mm[:ss[.f]] and Z or +hh:mm) to Unix seconds UTC; DOCTEXT_NO_TIME
 * when it is not one. Used for DOCX core properties; exposed for tests. */
int64_t doctext_parse_w3cdtf(const char *s);

/* Internal, one per format (doctext_docx.c, doctext_pdf.c): fill out->text,
 * out->len, out->meta, out->pages; set out->detail on error. */
int doctext_docx(const void *data, size_t n, struct doctext *out);
int doctext_pdf(const void *data, size_t n, struct doctext *out);
/* Internal: a metadata value cleaned as struct doctext_meta promises (valid
 * UTF-8, trimmed, capped); NULL when empty. Returns a new string. */
char *doctext_field(const char *s, size_t n);

#endif
