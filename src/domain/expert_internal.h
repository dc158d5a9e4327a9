/*
 * domain/expert_internal.h — what domain/expert.c (validation, the writes,
 * the specialty list) and domain/expert_import.c (the spreadsheet import
 * and export) share. Not for use outside those two files.
 */
#ifndef SUNBID_DOMAIN_EXPERT_INTERNAL_H
#define SUNBID_DOMAIN_EXPERT_INTERNAL_H

#include "domain/expert.h"
#include "sheet/sheet.h"

#define EXPERT_DAY_MS ((int64_t)86400000)

/* Validates in against the tree (specialties) and fills e (from the stored
 * row on edit) and the lists; strings of in are borrowed. */
struct expert_write {
    struct expert e;
    const char *specs[EXPERT_SPECS_MAX];
    int nspecs;
    bool set_specs;
    struct expert_relation rel[EXPERT_RELATIONS_MAX];
    int nrel;
    bool set_rel;
    struct expert_unavail un[EXPERT_UNAVAIL_MAX];
    int nun;
    bool set_un;
};

/* Fills why (field, printf detail) and returns e. */
enum err expert_refuse(struct expert_refusal *why, enum err e, const char *field, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
/* An expert code: 1..EXPERT_CODE_MAX of A-Z a-z 0-9 - _. */
bool expert_code_ok(const char *s);
/* "YYYY-MM-DD" of the Beijing-time day holding ms. */
void expert_format_day(int64_t ms, char out[16]);
/* Audit row and ledger event of a write by c, in tx. A store_rc. */
int expert_record(struct store_tx *tx, const struct tender_caller *c, const char *type,
                  const char *subject, int64_t id, const char *doc_hash, const char *detail);
/* Applies a checked input to w (w->e holds the stored row on edit). */
enum err expert_apply_input(struct store_tx *tx, struct arena *a, const struct specialty_tree *tree,
                            const struct expert_input *in, struct expert_write *w,
                            struct expert_refusal *why);
/* Writes w: the row (insert when w->e.id == 0), then the lists given. */
enum err expert_write_row(struct store_tx *tx, const struct tender_caller *c,
                          struct expert_write *w, int64_t now, struct expert_refusal *why);
/* Reads the file into a sheet and maps its header; ERR_SPREADSHEET_INVALID
 * when it is no table. */
enum err expert_read_table(const void *data, size_t len, size_t max_rows, struct sheet *sh,
                           struct expert_refusal *why);

#endif
