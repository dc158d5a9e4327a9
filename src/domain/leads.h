/*
 * domain/leads.h — the leads workflow (线索处置) of supervisors, with the
 * evidence package. docs/supervision.md is the reference; in one picture:
 *
 *   open --transfer (移送: a named body, a date)--> transferred --close--> closed
 *     |                                                                  ^
 *     +----------------------------close---------------------------------+
 *
 * A lead is opened on a tender (from a warning or by hand); a snapshot of
 * the tender's risk flags, when it has any, is attached at once. Evidence
 * is attached while the lead is not closed: text notes, files (kept as
 * content-addressed blobs, named by SHA-256) and further flag snapshots.
 * Every step is one transaction with its audit row and a witness-log event
 * (lead.open, lead.evidence, lead.transfer, lead.close; private: not in
 * ledger/visibility.c, so the public sees only their leaf hashes). A step
 * a closed lead cannot take is ERR_LEAD_CLOSED; a second transfer is
 * ERR_LEAD_TRANSFERRED.
 *
 * The evidence package (lead_package) is a ZIP (libzip) holding:
 *
 *   manifest.json              format, lead, tender, time, and every other
 *                              file's path, size and SHA-256
 *   lead.json                  the lead, its evidence list and its history
 *   flags.json                 the tender's current risk analysis (or null)
 *   documents.json             the tender documents', bids' and opening
 *                              record's hashes
 *   evidence/<id>-<name>       each attached file, note (.txt), snapshot (.json)
 *   certificates/tender-<id>.json, certificates/lead-<id>.json
 *                              witness certificates (ledger/cert.h) of the
 *                              tender's and the lead's log entries, when a
 *                              signed checkpoint covers them
 *
 * Callers are supervisors (the API checks the role). Threads: any.
 */
#ifndef SUNBID_DOMAIN_LEADS_H
#define SUNBID_DOMAIN_LEADS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "domain/accounts.h"
#include "store/leads.h"

#define LEAD_TITLE_MAX   200
#define LEAD_TEXT_MAX    20000              /* a note, a reason, a transfer note */
#define LEAD_BODY_MAX    200                /* the receiving body's name */
#define LEAD_FILE_MAX    ((size_t)32 << 20) /* one attached file */
#define LEAD_FILES_MAX   200                /* evidence items in a package */
#define LEAD_PACKAGE_MAX ((size_t)512 << 20)

/* Opens a lead; source "warning" or "manual". */
enum err lead_open(struct store *s, const struct actor *who, int64_t tender_id, const char *title,
                   const char *source, int64_t *id, const char **field);
/* kind "note" (text), "flags" (a snapshot of the tender's risk now; text
 * NULL) or "file" (name, media_type, data, len). */
enum err lead_attach(struct store *s, const struct actor *who, int64_t lead_id, const char *kind,
                     const char *text, const char *name, const char *media_type, const void *data,
                     size_t len, int64_t *evidence_id, const char **field);
/* to: the body (纪检监察, 审计, 公安 ...); on: its date, YYYY-MM-DD. */
enum err lead_transfer(struct store *s, const struct actor *who, int64_t lead_id, const char *to,
                       const char *on, const char *note, const char **field);
enum err lead_close(struct store *s, const struct actor *who, int64_t lead_id, const char *reason,
                    const char **field);

/* The ZIP of the lead's evidence package into out (bounded by out->max).
 * *name gets a file name for it (static storage of the caller: 64 bytes). */
enum err lead_package(struct store *s, int64_t lead_id, struct buf *out, char name[64]);

#endif
