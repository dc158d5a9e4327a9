/*
 * domain/orgrel.h — organisations' relationship records and the live
 * relationship graph (交易主体关系分析; docs/supervision.md, "Relationship
 * records and the tender graph").
 *
 * A record says that an organisation has a shareholder (name, ID number or
 * USCC, share), a manager (name, position), key staff (name, registration
 * or certificate number: a project manager registered at two firms is the
 * classic sign of a ring), a legal representative with an ID number, or a
 * phone, e-mail address, postal address or bank account. Its source says
 * who stands behind it: "self" (the organisation's own bidder users), "import"
 * (a supervisor's CSV in the format `sunbid graph` reads, docs/graph.md) or
 * "supervisor" (entered by a supervisor). Records are never edited; a
 * deleted one keeps its row (deleted_ms).
 *
 * Keys. Every record carries its graph key, normalised exactly as the
 * offline graph does (analytics/relgraph.h, rg_norm_*), with a class
 * prefix so that one person links whatever role they hold:
 *
 *     p:ID      a person by ID / registration number (upper-case letters and digits)
 *     t:PHONE   e:EMAIL   a:ADDRESS   b:ACCOUNT
 *
 * A person without a number is recorded but is no key (a common name is no
 * identity); a contact whose value does not normalise is refused.
 *
 * The tender graph: the tender's bidders, their keys (records and the
 * organisation register's phone, e-mail and address), the organisations one
 * hop out that hold one of those keys, fed through the offline analysis
 * (relgraph) with the opened bids of every sealed tender these bidders bid
 * in: links, components, hubs, linked bidders, co-bidding, rotation and
 * cover bidding, returned as nodes and edges for drawing.
 *
 * Threads: any; every function opens its own transactions.
 */
#ifndef SUNBID_DOMAIN_ORGREL_H
#define SUNBID_DOMAIN_ORGREL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/errors.h"
#include "domain/accounts.h"
#include "store/orgrel.h"

#define ORGREL_MAX_LIST    500        /* records of one organisation listed */
#define ORGREL_MAX_IMPORT  20000      /* rows of one import (the sheet's limit) */
#define ORGREL_MAX_BIDDERS 200        /* bidders of one tender drawn */
#define ORGREL_MAX_BIDS    50000      /* opened bids read for the patterns */
#define ORGREL_HOP_SHARE   20         /* a key held by more organisations is a hub */
#define ORGREL_MAX_KEYS    2000       /* keys of the bidders looked up one hop out */
#define ORGREL_NORM_MAX    1100       /* bytes of a key with its prefix */
#define ORGREL_GRAPH_MAX   (8u << 20) /* bytes of the graph JSON */

/* The record kinds, as stored. */
bool orgrel_kind_valid(const char *kind);
bool orgrel_kind_person(const char *kind);

/* The key of a record (see above) into out; returns its length, 0 when the
 * record is no key. */
size_t orgrel_norm(const char *kind, const char *id_number, const char *value, char *out,
                   size_t cap);

/* Checks a record as entered (kind, name, id_number, role, share_bp,
 * value) and sets r->norm in the arena. ERR_RELATION_INVALID with *field. */
enum err orgrel_check(struct arena *a, struct orgrel_row *r, const char **field);

/* Adds a record of org r->org_id with r->source; one transaction with its
 * audit row. ERR_NOT_FOUND (no such organisation), ERR_RELATION_INVALID,
 * ERR_RELATION_DUPLICATE (a live record of that kind with that key). */
enum err orgrel_add(struct store *s, const struct actor *who, struct orgrel_row *r, int64_t *id,
                    const char **field);
/* Deletes (marks) a live record; only_self: only a "self" one (a bidder
 * cannot remove what a supervisor recorded). ERR_NOT_FOUND otherwise. */
enum err orgrel_delete(struct store *s, const struct actor *who, int64_t org_id, int64_t id,
                       bool only_self);

/* One row of an imported file, before its organisation is looked up. */
struct orgrel_import_row {
    const char *org_ref; /* org_id column: the USCC or the platform's id */
    size_t line;         /* 1-based line in the file */
    struct orgrel_row r; /* org_id 0, norm set */
};

struct orgrel_import {
    struct orgrel_import_row *rows; /* in the arena */
    size_t nrows;
    size_t skipped;   /* rows with nothing to record (an empty cell, role "other", not a key) */
    const char *file; /* orgs people contacts: what the header says it is */
};

/* Parses a CSV (UTF-8 or GB 18030) in one of the formats of docs/graph.md:
 * orgs.csv (org_id + phone/email/address/bank_account/legal_rep[_id]),
 * people.csv (org_id, person_id and/or name, role; optional share, title)
 * or contacts.csv (org_id, kind, value). Pure. ERR_RELATIONS_FILE_INVALID
 * with msg ("line N: why"). */
enum err orgrel_parse_csv(struct arena *a, const char *data, size_t len, struct orgrel_import *out,
                          char *msg, size_t msgcap);

/* Parses and stores a file as source "import", all rows or none (a row
 * naming an unknown organisation is ERR_RELATION_UNKNOWN_ORG with its line
 * in msg); a row equal to a live record (kind and key) is skipped.
 * *added and *skipped get the counts. */
enum err orgrel_import_csv(struct store *s, const struct actor *who, const char *data, size_t len,
                           size_t *added, size_t *skipped, char *msg, size_t msgcap);

/* One key an organisation holds, for the risk rules (domain/risk.h). */
struct orgrel_key {
    const char *kind;  /* the record's kind */
    const char *norm;  /* the key, with its prefix */
    const char *shown; /* as entered: a person's name, a contact's value */
    const char *source;
};
struct orgrel_keys {
    struct orgrel_key *k; /* in the arena */
    size_t n;
};

/* The keys of the live records of orgs[0..n) into out[0..n) (arena memory),
 * in one read transaction. A store_rc. */
int orgrel_keys_load(struct store *s, struct arena *a, const int64_t *orgs, size_t n,
                     struct orgrel_keys *out);
/* The first key of ks equal to norm, or NULL. */
const struct orgrel_key *orgrel_keys_find(const struct orgrel_keys *ks, const char *norm);

/* The graph of a tender as JSON into out (docs/supervision.md).
 * ERR_NOT_FOUND when the tender does not exist. */
enum err orgrel_tender_graph(struct store *s, int64_t tender_id, struct buf *out);

#endif
