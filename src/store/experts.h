/*
 * store/experts.h — rows of the expert pool, the draws and the committee
 * (migration 11) and the queries on them. All SQL for these tables lives in
 * store/experts.c (the pool) and store/draws.c (draws and committees); the
 * rules that decide what may be written are in domain/expert.c,
 * domain/draw.c and domain/committee.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every
 * function runs inside the caller's transaction and returns a store_rc.
 * A 0 in an optional integer field means SQL NULL (ids and times are > 0).
 */
#ifndef SUNBID_STORE_EXPERTS_H
#define SUNBID_STORE_EXPERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/accounts.h"
#include "store/store.h"

struct specialty {
    const char *code;   /* "A01.02" */
    const char *parent; /* NULL: a top category */
    const char *name;   /* Chinese name */
    const char *name_en;
};

struct expert {
    int64_t id;
    const char *code; /* the pool's number, the import key */
    const char *name;
    int64_t user_id;      /* the linked account; 0: none */
    const char *username; /* joined from users; NULL: none */
    const char *region;   /* GB/T 2260 */
    const char *employer;
    const char *employer_uscc; /* NULL: unknown */
    const char *title;
    const char *title_level; /* intermediate, deputy_senior, senior */
    int64_t years;
    const char *phone;
    const char *email;
    const char *status; /* active, suspended, retired */
    const char *note;
    int64_t created_ms;
    int64_t updated_ms;
    int64_t version;
};

struct expert_relation {
    int64_t id;
    int64_t expert_id;
    const char *kind;     /* former_employer relative shareholder interest other */
    const char *org_uscc; /* NULL: by name only */
    const char *org_name;
    int64_t until_ms; /* 0: ongoing */
    const char *note;
};

struct expert_unavail {
    int64_t id;
    int64_t expert_id;
    int64_t from_ms;
    int64_t to_ms;    /* exclusive */
    const char *kind; /* leave, blocked */
    const char *note;
    int64_t created_by;
    int64_t created_ms;
};

struct expert_credit {
    int64_t id;
    int64_t expert_id;
    int64_t at_ms;
    const char *kind; /* commend warning penalty suspend reinstate note */
    int64_t points;
    const char *note;
    int64_t tender_id; /* 0: none */
    int64_t by_user;
    int64_t created_ms;
};

struct expert_filter {
    const char *region;    /* a GB/T 2260 prefix; NULL: any */
    const char *specialty; /* experts with this code or a descendant; NULL: any */
    const char *status;    /* NULL: any */
};

/* ---- specialties ---- */

/* Every specialty (at most max), by code. */
int store_specialty_list(struct store_tx *tx, struct arena *a, int max, struct page *out);
int store_specialty_get(struct store_tx *tx, struct arena *a, const char *code,
                        struct specialty *out);
/* Inserts or replaces one specialty. */
int store_specialty_upsert(struct store_tx *tx, const struct specialty *s, int64_t now_ms);

/* ---- experts ---- */

int store_expert_insert(struct store_tx *tx, const struct expert *e, int64_t *id);
/* Writes every mutable column of e (by e->id) with e->version and
 * e->updated_ms as given. */
int store_expert_update(struct store_tx *tx, const struct expert *e);
int store_expert_get(struct store_tx *tx, struct arena *a, int64_t id, struct expert *out);
int store_expert_by_code(struct store_tx *tx, struct arena *a, const char *code,
                         struct expert *out);
int store_expert_by_user(struct store_tx *tx, struct arena *a, int64_t user_id, struct expert *out);
/* By id, ids above after_id. */
int store_expert_list(struct store_tx *tx, struct arena *a, const struct expert_filter *f,
                      int64_t after_id, int limit, struct page *out);

/* The expert's specialty codes (as linked, not their ancestors), sorted. */
int store_expert_specs(struct store_tx *tx, struct arena *a, int64_t expert_id, int max,
                       const char ***codes, int *n);
int store_expert_specs_set(struct store_tx *tx, int64_t expert_id, const char *const *codes, int n);

int store_expert_relations(struct store_tx *tx, struct arena *a, int64_t expert_id, int max,
                           struct page *out);
int store_expert_relations_set(struct store_tx *tx, int64_t expert_id,
                               const struct expert_relation *r, int n, int64_t now_ms);

int store_expert_unavail_insert(struct store_tx *tx, const struct expert_unavail *u, int64_t *id);
/* STORE_NOTFOUND unless the row belongs to the expert. */
int store_expert_unavail_delete(struct store_tx *tx, int64_t expert_id, int64_t id);
/* From the newest start down, at most max. */
int store_expert_unavail_list(struct store_tx *tx, struct arena *a, int64_t expert_id, int max,
                              struct page *out);
/* Replaces every period of the expert (the import). */
int store_expert_unavail_set(struct store_tx *tx, int64_t expert_id, const struct expert_unavail *u,
                             int n, int64_t now_ms);

int store_expert_credit_insert(struct store_tx *tx, const struct expert_credit *c, int64_t *id);
/* Newest first, ids below before_id (0: from the newest). */
int store_expert_credit_list(struct store_tx *tx, struct arena *a, int64_t expert_id,
                             int64_t before_id, int limit, struct page *out);
/* The sum of the expert's credit points. */
int store_expert_credit_points(struct store_tx *tx, int64_t expert_id, int64_t *points);

/* Every relation / period of the pool, by expert then id (the export);
 * each row's strings live until fn returns. (expert, sum) of credit points
 * of every expert with entries. */
typedef int (*expert_relation_fn)(void *ctx, const struct expert_relation *r);
typedef int (*expert_unavail_fn)(void *ctx, const struct expert_unavail *u);
int store_expert_relations_scan(struct store_tx *tx, expert_relation_fn fn, void *ctx);
int store_expert_unavail_scan(struct store_tx *tx, expert_unavail_fn fn, void *ctx);

/* A setting; STORE_NOTFOUND when not set. */
int store_expert_setting_get(struct store_tx *tx, const char *key, int64_t *value);
int store_expert_setting_set(struct store_tx *tx, const char *key, int64_t value, int64_t by,
                             int64_t now_ms);

/* ---- the pool as the draw reads it ---- */

/* The pool's version: changes with every write of an expert, its
 * specialties or the specialty tree (not with relations, periods, credit
 * or draws, which the draw reads afresh each time). */
int store_pool_version(struct store_tx *tx, int64_t *version);

/* One expert as the recusal rules see it. */
struct pool_row {
    int64_t id;
    const char *region;
    const char *status;
    const char *employer;
    const char *employer_uscc; /* NULL: unknown */
};

/* Each callback sees one row; its strings live until it returns; a
 * non-zero return stops the scan (and is returned). only_id != 0 limits a
 * scan to one expert. */
typedef int (*pool_row_fn)(void *ctx, const struct pool_row *r);
typedef int (*pool_pair_fn)(void *ctx, int64_t expert_id, const char *text, const char *text2);
typedef int (*pool_id_fn)(void *ctx, int64_t expert_id, int64_t n);

/* Experts by id. */
int store_pool_scan(struct store_tx *tx, int64_t only_id, pool_row_fn fn, void *ctx);
/* (expert, code, NULL) of every link, by expert then code. */
int store_pool_specs(struct store_tx *tx, int64_t only_id, pool_pair_fn fn, void *ctx);
/* (expert, org_uscc or NULL, org_name) of relations in force at now_ms. */
int store_pool_relations(struct store_tx *tx, int64_t only_id, int64_t now_ms, pool_pair_fn fn,
                         void *ctx);
/* (expert, sum of points) of every expert with credit entries. */
int store_pool_credit_sums(struct store_tx *tx, pool_id_fn fn, void *ctx);
/* (expert, 1) of experts with a period overlapping [from_ms, to_ms). */
int store_pool_unavailable(struct store_tx *tx, int64_t only_id, int64_t from_ms, int64_t to_ms,
                           pool_id_fn fn, void *ctx);
/* (expert, n) of experts notified n > 0 times since since_ms. */
int store_pool_recent_draws(struct store_tx *tx, int64_t only_id, int64_t since_ms, pool_id_fn fn,
                            void *ctx);
/* (expert, 1) of experts that are members (not skipped) of a live draw of
 * the tender other than draw_id. */
int store_pool_in_tender(struct store_tx *tx, int64_t only_id, int64_t tender_id, int64_t draw_id,
                         pool_id_fn fn, void *ctx);
/* (expert, 1) of experts whose linked account belongs to one of the
 * tender's parties (store_tender_parties). */
int store_pool_account_employees(struct store_tx *tx, int64_t only_id, int64_t tender_id,
                                 pool_id_fn fn, void *ctx);
/* The organisations a tender's experts must not work for or be related
 * to: its tenderer, its agent, every registered bidder and every bidder
 * that submitted a bid. fn receives (org id, uscc, name). */
int store_tender_parties(struct store_tx *tx, int64_t tender_id, pool_pair_fn fn, void *ctx);

#endif
