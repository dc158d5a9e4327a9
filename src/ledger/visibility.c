/*
 * ledger/visibility.c — the table of public event types (visibility.h).
 *
 * An entry is public when its "type" is listed below. Everything else is
 * private by default: a new event type shows its bytes to the public only
 * once it is added here. The type is read with jansson from the entry's
 * canonical JSON (at most STORE_LEDGER_ENTRY_MAX bytes). Pure; any thread.
 *
 * Types are listed by their full name. The issues that bring events add
 * their public ones here: tender.publish, the notice.* events,
 * opening.record, award.publicity and the like (what the law makes
 * public), one line each, so a new type is private until someone decides
 * otherwise. Private on
 * purpose (so: not listed): user.create (users are personal data), bids and
 * their receipts before the opening, downloads, evaluation scores. A
 * private entry's bytes go only to admin and supervisor
 * (GET /api/ledger/entries); its leaf hash stays public and provable.
 */
#include "ledger/visibility.h"

#include <jansson.h>
#include <string.h>

#define ENTRY_MAX 65536

static const char *const public_types[] = {
    "org.create",   /* an organisation registered on the platform */
    "trust.add",    /* a CA certificate or CRL the platform now trusts (docs/bids.md) */
    "trust.remove", /* ... or no longer trusts */
    /* tenders (docs/tenders.md): what a published tender's notices make
     * public anyway. Drafts (tender.create, tender.edit, tender.lot,
     * tender.upload, tender.schedule) stay private until published;
     * registrations, downloads, questions and objections name bidders and
     * stay private. */
    "tender.publish",       /* the tender notice (招标公告) */
    "tender.release",       /* ... published by the scheduler at publish_at */
    "tender.state",         /* a published tender's state change */
    "tender.document",      /* a new document version on a published tender */
    "tender.clarification", /* a clarification published (变更公告) */
    "tender.paused",        /* paused for an objection */
    "tender.resumed",       /* ... and resumed */
    "tender.cancel",        /* terminated (终止), with its reason */
    "tender.rule",          /* the statutory-rule settings changed */
    /* the opening hall (docs/opening.md): the opening is public by law;
     * sign-ins and key releases name bidders before the read-out and stay
     * private */
    "opening.open",   /* the hall opened at the deadline */
    "opening.phase",  /* the host moved to the next step */
    "opening.failed", /* ended as failed (流标) */
    "opening.record", /* the sealed opening record (开标记录) */
    /* the expert draw (docs/draw.md): the commitment to the secret seed
     * must be public before the draw, and the seed after the evaluation,
     * for anyone to check the order; who was drawn is not in these */
    "draw.commit", /* SHA-256 of the secret seed */
    "draw.reveal", /* the seed itself, after the evaluation */
    /* the evaluation (docs/evaluation.md): its result is public from the
     * candidates' publicity on (招標公告和公示信息發布管理辦法 art. 6);
     * scores, warnings, signatures and objections stay private */
    "evaluation.publicity", /* the candidates published, the report's hash */
    "evaluation.award",     /* the award notice (中標通知書), its hash */
    "evaluation.contract",  /* the contract recorded */
    /* an upheld complaint annulled the award: the revoked notice's hash */
    "evaluation.award_revoked",
    /* a lot failed (流标), a re-evaluation ordered (docs/evaluation.md) */
    "evaluation.lot_failed",
    "evaluation.reevaluate",
    /* complaints to the supervisor (docs/award.md): the decision (处理决定)
     * is public; the complaint, who filed it and the other steps are not */
    "complaint.decide",
};

bool ledger_entry_public(const void *entry, size_t n)
{
    json_error_t jerr;
    json_t *root;
    bool pub = false;
    if (entry == NULL || n == 0 || n > ENTRY_MAX)
        return false;
    root = json_loadb(entry, n, JSON_REJECT_DUPLICATES, &jerr);
    const char *type = json_string_value(json_object_get(root, "type"));
    for (size_t i = 0; type != NULL && i < sizeof public_types / sizeof public_types[0]; i++)
        if (strcmp(type, public_types[i]) == 0)
            pub = true;
    json_decref(root);
    return pub;
}
