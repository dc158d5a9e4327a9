/*
 * domain/expert.h — the evaluation expert pool (評標專家庫): experts, their
 * coded specialties, declared relations, periods of unavailability and
 * credit history; the specialty list; the draw's settings; and the pool's
 * import and export as CSV or XLSX (docs/experts.md has the columns).
 *
 * Who may do what (the route table declares the roles; these functions
 * check them again, deny by default):
 *   admin       creates, edits, imports and exports experts and specialties,
 *               sets the settings
 *   supervisor  reads and exports the pool, adds credit entries
 *   expert      reads its own record, declares its own leave
 *
 * Each write validates its input, then in ONE write transaction
 * (domain_write) writes the rows, an audit row and a witness-log event
 * ("expert.create", "expert.update", "expert.import", "expert.credit",
 * "expert.unavailable", "specialty.import", "expert.settings"); nothing is
 * written on any error. An import is all or nothing: the first bad row
 * stops it with its row number and column.
 *
 * Threads: any; no shared state. Time is clock_now_ms().
 */
#ifndef SUNBID_DOMAIN_EXPERT_H
#define SUNBID_DOMAIN_EXPERT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "domain/tender.h"
#include "store/draws.h"
#include "store/experts.h"

#define EXPERT_CODE_MAX      32  /* bytes of the pool's number */
#define EXPERT_NAME_MAX      192 /* about 64 Chinese characters */
#define EXPERT_TEXT_MAX      600 /* employer, organisation names */
#define EXPERT_TITLE_MAX     120
#define EXPERT_NOTE_MAX      4000
#define EXPERT_SPECS_MAX     16 /* specialties of one expert */
#define EXPERT_RELATIONS_MAX 32
#define EXPERT_UNAVAIL_MAX   64
#define EXPERT_IMPORT_MAX    (16u << 20) /* bytes of an imported file */
#define EXPERT_IMPORT_ROWS   20000
#define SPECIALTIES_MAX      2000
#define SPECIALTY_DEPTH_MAX  8
#define EXPERT_EXPORT_MAX    ((size_t)64 << 20)

/* Settings (expert_settings), with their defaults and bounds. */
#define EXPERT_SET_MAX_DRAWS "max_draws_30d" /* draws an expert may be notified of in 30 days */
#define EXPERT_SET_COMMITTEE "committee_min" /* the committee's least size */
#define EXPERT_DEFAULT_DRAWS 3
#define EXPERT_DEFAULT_MIN   5

struct expert_relation_in {
    const char *kind;     /* former_employer relative shareholder interest other */
    const char *org_uscc; /* optional; validated (GB 32100) */
    const char *org_name; /* required */
    int64_t until_ms;     /* 0: ongoing */
    const char *note;
};

struct expert_unavail_in {
    int64_t from_ms;
    int64_t to_ms;    /* exclusive, > from_ms */
    const char *kind; /* leave, blocked */
    const char *note;
};

/* Fields of an expert. On create, absent fields take their defaults; on
 * edit, absent fields stay. Strings: NULL = absent ("" clears an optional
 * one). Lists: has_* says whether the list was given (it then replaces). */
struct expert_input {
    const char *code; /* required on create: [A-Za-z0-9_-], 1-32 */
    const char *name;
    const char *region; /* GB/T 2260, six digits */
    const char *employer;
    const char *employer_uscc;
    const char *title;
    const char *title_level; /* intermediate deputy_senior senior (or 中级 副高级 正高级) */
    bool has_years;
    int64_t years;
    const char *phone;
    const char *email;
    const char *status; /* active suspended retired; default active */
    const char *note;
    const char *username; /* the linked account (role expert); "" unlinks */
    bool has_specs;
    const char *specs[EXPERT_SPECS_MAX];
    int nspecs;
    bool has_relations;
    struct expert_relation_in rel[EXPERT_RELATIONS_MAX];
    int nrel;
    bool has_unavail;
    struct expert_unavail_in un[EXPERT_UNAVAIL_MAX];
    int nun;
};

/* Where a refused write went wrong. */
struct expert_refusal {
    const char *field; /* the input field or column */
    int64_t row;       /* an import's 1-based row; 0: not an import */
    char detail[200];  /* what is wrong, printable; "" for the table's message */
};

enum err expert_create(struct store *s, const struct tender_caller *c,
                       const struct expert_input *in, int64_t *id, struct expert_refusal *why);
/* expect_version != 0: ERR_CONFLICT unless the expert is at that version. */
enum err expert_update(struct store *s, const struct tender_caller *c, int64_t id,
                       int64_t expect_version, const struct expert_input *in,
                       struct expert_refusal *why);
/* Adds a period of unavailability: admin for anyone, an expert for itself. */
enum err expert_unavail_add(struct store *s, const struct tender_caller *c, int64_t id,
                            const struct expert_unavail_in *in, int64_t *uid,
                            struct expert_refusal *why);
enum err expert_unavail_remove(struct store *s, const struct tender_caller *c, int64_t id,
                               int64_t uid);
/* Appends a credit entry (admin, supervisor); "suspend" suspends the
 * expert, "reinstate" makes a suspended expert active again. */
enum err expert_credit_add(struct store *s, const struct tender_caller *c, int64_t id,
                           const char *kind, int64_t points, const char *note, int64_t tender_id,
                           int64_t *cid, struct expert_refusal *why);
/* May the caller read expert id (admin, supervisor, the expert itself)? */
enum err expert_read_check(struct store_tx *tx, const struct tender_caller *c, int64_t id);

struct expert_import_result {
    int rows;    /* data rows read */
    int created; /* new experts */
    int updated; /* existing codes rewritten */
};

/* Imports a CSV or XLSX file of experts (upsert by code). */
enum err expert_import(struct store *s, const struct tender_caller *c, const void *data, size_t len,
                       struct expert_import_result *res, struct expert_refusal *why);
/* The rows of an import as read from a sheet (pure: no store): the header
 * mapped, every row turned into an input (strings in arena a), codes
 * checked and unique. ERR_SPREADSHEET_INVALID (the header) or
 * ERR_IMPORT_ROW_INVALID (a row) with why->row and why->field. */
struct sheet;
struct expert_import_row {
    size_t line; /* the sheet's row */
    struct expert_input in;
};
enum err expert_import_rows(const struct sheet *sh, struct arena *a,
                            struct expert_import_row **rows, int *n, struct expert_refusal *why);
/* Checks an input's fields (create: the required ones must be there);
 * nothing about the store (specialties known, accounts) is checked. */
enum err expert_input_check(const struct expert_input *in, bool create, struct expert_refusal *why);
/* Exports the pool as CSV (xlsx false) or XLSX into out, in the columns
 * the import reads (plus credit_points). admin, supervisor. */
enum err expert_export(struct store *s, const struct tender_caller *c, bool xlsx, struct buf *out);

/* Imports the specialty list (upsert by code; parents before children or
 * already known; no cycles). */
enum err specialty_import(struct store *s, const struct tender_caller *c, const void *data,
                          size_t len, struct expert_import_result *res, struct expert_refusal *why);

/* A setting in force (the default when unset). */
int expert_setting(struct store_tx *tx, const char *key, int64_t *value);
/* Sets one (admin); bounds: max_draws_30d 1..30, committee_min 3..49 odd. */
enum err expert_setting_set(struct store *s, const struct tender_caller *c, const char *key,
                            int64_t value, struct expert_refusal *why);

/* The specialty tree in memory: each code with its parent, to add every
 * ancestor to an expert's codes. */
struct specialty_tree {
    struct specialty *v; /* by code (sorted) */
    int n;
};
int specialty_tree_load(struct store_tx *tx, struct arena *a, struct specialty_tree *t);
/* The parent of code, NULL for a top one or an unknown code. */
const char *specialty_tree_parent(const struct specialty_tree *t, const char *code);
/* Adds every ancestor of codes[0..n) to them, sorted and unique, into out
 * (capacity max); returns the count, or -1 past max. */
int specialty_expand(const struct specialty_tree *t, const char *const *codes, int n,
                     const char **out, int max);

/* Parses "YYYY-MM-DD" (a Beijing-time day) into the ms of its 00:00; false
 * when malformed. */
bool expert_parse_day(const char *s, size_t n, int64_t *ms);

#endif
