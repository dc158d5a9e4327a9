/*
 * domain/credit.h — credit and supervision records of organisations
 * (信用記錄, docs/credit.md), shown to the experts beside each bid.
 *
 * A record is about one organisation, named by its unified social credit
 * code (so records from 信用中国 or a supervisor's office may arrive before
 * the organisation registers here): its source, its kind —
 *
 *   penalty    administrative penalty (行政處罰)
 *   bad        bad behaviour record (不良行為記錄)
 *   good       good behaviour record, awards (良好行為記錄)
 *   dishonest  on a dishonest-party list (失信被執行人 / 嚴重失信主體名單)
 *   other
 *
 * the decision's number, its day, the day it stops counting (none: for
 * good) and its text. Supervisors and admins add them one by one (JSON) or
 * import a CSV/XLSX sheet (all rows or none, the bad row and column named).
 *
 * The tender view: for every organisation with a bid in the tender's
 * opening hall, the records that count at the bid deadline — recorded by
 * then and not expired by then (record_ms <= deadline < expires_ms) —
 * for the committee's members, supervisors and the tender's agents.
 *
 * Writes: one transaction each, with the audit row and a witness-log event
 * ("credit.add", "credit.import"; not public). Threads: any.
 */
#ifndef SUNBID_DOMAIN_CREDIT_H
#define SUNBID_DOMAIN_CREDIT_H

#include <stdint.h>

#include "base/buf.h"
#include "domain/tender.h"
#include "domain/uscc.h"
#include "sheet/sheet.h"
#include "store/credit.h"

#define CREDIT_TEXT_MAX    8000 /* bytes of a record's text */
#define CREDIT_SHORT_MAX   600  /* bytes of a name, a source, a reference */
#define CREDIT_IMPORT_MAX  (16u << 20)
#define CREDIT_IMPORT_ROWS 20000
#define CREDIT_PER_ORG_MAX 500 /* records shown per organisation */

struct credit_refusal {
    const char *field; /* the input field or column */
    int64_t row;       /* an import's 1-based row; 0: not an import */
    char detail[200];  /* printable; "" for the table's message */
};

/* A record as given (strings borrowed; dates as ms of a Beijing day). */
struct credit_input {
    const char *org_uscc;
    const char *org_name;
    const char *source;
    const char *kind; /* a kind above, or its Chinese name */
    const char *ref;  /* optional */
    int64_t record_ms;
    int64_t expires_ms; /* 0: never */
    const char *body;
};

/* The kind's canonical name for a kind or its Chinese name (行政處罰 /
 * 行政处罚, 不良行為 / 不良行为, 良好行為 / 良好行为, 失信, 其他), or NULL. */
const char *credit_kind_parse(const char *s);

/* Supervisor, admin: adds one record. */
enum err credit_add(struct store *s, const struct tender_caller *c, const struct credit_input *in,
                    int64_t *id, struct credit_refusal *why);
/* Supervisor, admin: imports a sheet (docs/credit.md has the columns);
 * *n gets the records added. ERR_SPREADSHEET_INVALID, or
 * ERR_IMPORT_ROW_INVALID with why->row and why->field. */
enum err credit_import(struct store *s, const struct tender_caller *c, const void *data, size_t len,
                       int64_t *n, struct credit_refusal *why);
/* The rows of an import as read from a sheet (pure: no store): the header
 * mapped, every row checked as credit_add would. out->rows[i] borrows its
 * strings from out->sheet and out->norms; the caller calls
 * credit_rows_release() in every case. ERR_SPREADSHEET_INVALID or
 * ERR_IMPORT_ROW_INVALID with why->row and why->field. */
struct credit_rows {
    struct sheet sheet;          /* the file as read */
    struct credit_record *rows;  /* n */
    char (*norms)[USCC_LEN + 1]; /* each row's normalised USCC */
    size_t n;
};
enum err credit_rows_read(struct credit_rows *out, const void *data, size_t len,
                          struct credit_refusal *why);
void credit_rows_release(struct credit_rows *r);

/* Supervisor, admin: the records (of uscc when not NULL) as
 * {"items":[...],"next_cursor"} into out. */
enum err credit_list_json(struct store *s, const struct tender_caller *c, const char *uscc,
                          int64_t before_id, int limit, struct buf *out);
/* The records of each bidder of tender_id's opening hall that count at
 * its bid deadline, as {"tender_id","at_ms","bidders":[{"org_id",
 * "org_name","uscc","records":[...]}]} into out. */
enum err credit_tender_json(struct store *s, const struct tender_caller *c, int64_t tender_id,
                            struct buf *out);

#endif
