/*
 * errors.h — the single table of client-visible error codes.
 *
 * Every error the API returns is one row here: a stable code (the JSON
 * "code", never renamed once shipped), its HTTP status, and the default
 * English message. The body is always
 *     {"error":{"code":"bid_after_deadline","message":"..."}}
 * Add rows at the end of a group; tests/unit/test_errors.c checks the table
 * (unique codes, valid statuses, codes in lower_snake_case).
 */
#ifndef SUNBID_ERRORS_H
#define SUNBID_ERRORS_H

/*   name                     status  message */
#define SUNBID_ERRORS(X)                                                                           \
    X(OK, 200, "ok")                                                                               \
    /* request shape */                                                                            \
    X(BAD_REQUEST, 400, "The request is malformed.")                                               \
    X(MALFORMED_JSON, 400, "The request body is not valid JSON.")                                  \
    X(DUPLICATE_KEY, 400, "The JSON body repeats a key.")                                          \
    X(INVALID_UTF8, 400, "The request contains invalid UTF-8.")                                    \
    X(JSON_TOO_DEEP, 400, "The JSON body is nested too deeply.")                                   \
    X(INVALID_FIELD, 422, "A field has an invalid value.")                                         \
    X(MISSING_FIELD, 422, "A required field is missing.")                                          \
    X(INVALID_USCC, 422, "The unified social credit code is invalid.")                             \
    X(WEAK_PASSWORD, 422, "The password is too weak.")                                             \
    X(UNSUPPORTED_MEDIA_TYPE, 415, "The request body must be application/json.")                   \
    X(BODY_TOO_LARGE, 413, "The request body is too large.")                                       \
    X(HEADERS_TOO_LARGE, 431, "The request headers are too large.")                                \
    X(REQUEST_TIMEOUT, 408, "The request was not received in time.")                               \
    X(NOT_FOUND, 404, "No such resource.")                                                         \
    X(METHOD_NOT_ALLOWED, 405, "The method is not allowed on this resource.")                      \
    X(BAD_CURSOR, 400, "The pagination cursor is invalid.")                                        \
    X(INVALID_CERTIFICATE, 422, "The file is not a valid witness certificate.")                    \
    /* identity and access */                                                                      \
    X(UNAUTHENTICATED, 401, "Sign in first.")                                                      \
    X(BAD_CREDENTIALS, 401, "The user name or password is wrong.")                                 \
    X(SESSION_EXPIRED, 401, "The session has expired; sign in again.")                             \
    X(TOO_MANY_ATTEMPTS, 429, "Too many failed attempts; wait and try again.")                     \
    X(FORBIDDEN, 403, "Your role may not do this.")                                                \
    X(NOT_OWNER, 403, "This resource belongs to someone else.")                                    \
    X(CSRF_FAILED, 403, "The CSRF token is missing or wrong.")                                     \
    X(ACCOUNT_DISABLED, 403, "The account is disabled.")                                           \
    /* state */                                                                                    \
    X(CONFLICT, 409, "The resource changed or already exists.")                                    \
    X(ALREADY_EXISTS, 409, "A resource with this identity already exists.")                        \
    X(IDEMPOTENCY_MISMATCH, 422, "The Idempotency-Key was used with a different request.")         \
    X(IDEMPOTENCY_IN_PROGRESS, 409, "A request with this Idempotency-Key is still running.")       \
    X(BAD_IDEMPOTENCY_KEY, 400, "The Idempotency-Key must be 1-255 printable characters.")         \
    X(WRONG_STATE, 409, "The resource is not in a state that allows this.")                        \
    /* tenders: refusals by a rule (domain/tender_rules.h; docs/tenders.md has the law) */         \
    X(RULE_DEADLINE_TOO_SOON, 422,                                                                 \
      "Rule min_bid_days: the bid deadline is too soon after the documents are issued.")           \
    X(RULE_DOC_PERIOD_TOO_SHORT, 422,                                                              \
      "Rule min_doc_days: the documents must be obtainable for longer.")                           \
    X(RULE_DATES_ORDER, 422, "Rule dates_order: the tender's dates are out of order.")             \
    X(RULE_BOND_TOO_HIGH, 422,                                                                     \
      "Rule bond_max_bp: the bid bond exceeds the share of the ceiling price allowed.")            \
    X(RULE_MIN_BIDS_TOO_LOW, 422, "Rule min_bids: the minimum number of bids is below the law's.") \
    X(RULE_OBJECTION_TOO_LATE, 422,                                                                \
      "Rule objection_days: objections to the documents are closed this close to the deadline.")   \
    X(RULE_QUESTIONS_CLOSED, 409, "Rule clarify_deadline: the time for questions has passed.")     \
    X(RULE_REGISTRATION_CLOSED, 409,                                                               \
      "Rule doc_end: the period for obtaining the documents has ended.")                           \
    X(RULE_CONFLICT_OF_INTEREST, 403,                                                              \
      "Rule conflict_of_interest: the tenderer's or agent's own organisation may not bid.")        \
    X(RULE_BELOW_STATUTORY, 422, "The value would go past the legal limit of the rule.")           \
    X(TENDER_PAUSED, 409, "The tender is paused until an objection is answered.")                  \
    X(NOT_REGISTERED, 403, "Register for this tender first.")                                      \
    X(RULE_TOO_FEW_INVITEES, 422,                                                                  \
      "Rule min_invitees: an invited tender must invite at least three organisations.")            \
    X(TENDER_NOT_INVITED, 403, "Only the organisations invited to this tender may register.")      \
    /* certificates (docs/certificates.md) and sealed bids (docs/bids.md) */                       \
    X(CERT_MALFORMED, 422, "The certificate cannot be read.")                                      \
    X(CERT_EXPIRED, 422, "The certificate has expired.")                                           \
    X(CERT_NOT_YET_VALID, 422, "The certificate is not valid yet.")                                \
    X(CERT_REVOKED, 422, "The certificate has been revoked.")                                      \
    X(CERT_UNTRUSTED_ISSUER, 422, "The certificate was not issued by a CA the platform trusts.")   \
    X(CERT_BAD_SIGNATURE, 422, "A signature in the certificate chain does not verify.")            \
    X(CERT_WRONG_USAGE, 422, "The certificate's key usage does not allow this use.")               \
    X(CERT_INVALID_CA, 422, "An issuer in the chain may not issue certificates.")                  \
    X(CERT_CRL_EXPIRED, 422, "The issuer's revocation list is out of date.")                       \
    X(CERT_CRL_MISSING, 422, "There is no revocation list for the issuer.")                        \
    X(CERT_CRL_INVALID, 422, "The issuer's revocation list is invalid.")                           \
    X(CERT_UNSUPPORTED_KEY, 422, "The certificate's key must be SM2 or P-256.")                    \
    X(CERT_PAIR_MISMATCH, 422,                                                                     \
      "The signing and encryption certificates belong to different holders.")                      \
    X(CERT_NO_USCC, 422, "The certificate names no unified social credit code.")                   \
    X(CERT_USCC_AMBIGUOUS, 422,                                                                    \
      "The certificate names two different unified social credit codes.")                          \
    X(CERT_USCC_MISMATCH, 422, "The certificate belongs to another organisation.")                 \
    X(CERT_NOT_REGISTERED, 409,                                                                    \
      "Register your organisation's signing and encryption certificates first.")                   \
    X(BID_NOT_SEALED, 422, "The file is not a sealed bid envelope; seal it first.")                \
    X(BID_MALFORMED, 422, "The sealed bid envelope is damaged or incomplete.")                     \
    X(BID_BAD_SIGNATURE, 422, "The bid's signature does not verify.")                              \
    X(BID_WRONG_TENDER, 422, "The bid is sealed for another tender.")                              \
    X(BID_WRONG_LOT, 422, "The bid is sealed for another lot.")                                    \
    X(BID_WRONG_BIDDER, 422, "The bid is sealed in another organisation's name.")                  \
    X(BID_WRONG_SIGNER, 422,                                                                       \
      "The bid is not signed with your organisation's registered signing certificate.")            \
    X(BID_WRONG_RECIPIENT, 422,                                                                    \
      "The bid is not sealed to your organisation's registered encryption certificate.")           \
    X(BID_NOT_OPEN, 409, "This tender does not accept bids now.")                                  \
    X(BID_AFTER_DEADLINE, 409, "The bid deadline has passed.")                                     \
    /* online auctions (docs/auction.md) */                                                        \
    X(AUCTION_NOT_STARTED, 409, "The auction has not started yet.")                                \
    X(AUCTION_ENDED, 409, "The auction has ended; the bid was received after the end.")            \
    X(AUCTION_NOT_QUALIFIED, 403, "Only qualified bidders with a confirmed deposit may bid.")      \
    X(AUCTION_BID_TOO_LOW, 422, "The bid is below the next valid amount.")                         \
    X(AUCTION_BID_NOT_MULTIPLE, 422, "The bid is not a whole number of increments.")               \
    X(AUCTION_BID_ABOVE_MAX, 422, "The bid is above the maximum price.")                           \
    X(AUCTION_ALREADY_LEADING, 409, "You already hold the highest bid.")                           \
    X(AUCTION_BID_REPLAYED, 409, "A bid with this reference was already made.")                    \
    X(AUCTION_NOT_YOUR_TURN, 409, "It is not your turn to bid.")                                   \
    X(AUCTION_BID_NOT_LOWER, 422, "The offer must be lower than your last by at least one step.")  \
    X(AUCTION_SEALED_ONCE, 409, "A sealed bid can be made only once.")                             \
    X(AUCTION_REGISTRATION_CLOSED, 409, "Registration for this auction is closed.")                \
    X(AUCTION_NOT_HERE, 503, "Another node runs this auction now; try again.")                     \
    X(AUCTION_ENVELOPE_REQUIRED, 409, "In a sealed-bid auction the price goes in an envelope.")    \
    X(AUCTION_ENVELOPE_INVALID, 422, "The envelope is not a valid sealed bid for this auction.")   \
    X(AUCTION_REVEAL_CLOSED, 409, "Keys are released only after bidding ends, within the window.") \
    X(AUCTION_NOTHING_TO_REVEAL, 409, "You have no sealed bid waiting to be opened.")              \
    X(AUCTION_WRONG_KEY, 422, "The key does not open your sealed bid; check it and try again.")    \
    /* expert pool, draws, committees (docs/experts.md, docs/draw.md) */                           \
    X(SPREADSHEET_INVALID, 422, "The file is not a readable CSV or XLSX table.")                   \
    X(IMPORT_ROW_INVALID, 422, "A row of the imported file is invalid; nothing was imported.")     \
    X(UNKNOWN_SPECIALTY, 422, "The specialty code is not in the specialty list.")                  \
    X(DRAW_NOT_READY, 409,                                                                         \
      "The draw's commitment is not in a signed checkpoint yet; try again shortly.")               \
    X(DRAW_TOO_FEW_EXPERTS, 409, "Too few eligible experts for a group of the draw.")              \
    X(DRAW_SECRET, 403, "The draw's list and seed stay secret until the evaluation ends.")         \
    X(INVITATION_CLOSED, 409, "This invitation has been answered or withdrawn already.")           \
    X(COMMITTEE_TOO_SMALL, 422, "The committee needs at least five members (the rule in force).")  \
    X(COMMITTEE_EVEN_SIZE, 422, "The committee must have an odd number of members.")               \
    X(COMMITTEE_EXPERT_SHARE, 422, "Experts must be at least two thirds of the committee.")        \
    X(COMMITTEE_INCOMPLETE, 409,                                                                   \
      "Invitations are still unanswered or the committee is not formed.")                          \
    X(NOT_COMMITTEE_MEMBER, 403, "Only members of the committee may do this.")                     \
    /* the opening hall (docs/opening.md) */                                                       \
    X(OPENING_WRONG_PHASE, 409, "The opening hall is not at this step.")                           \
    X(OPENING_NOT_BIDDER, 403, "Only bidders with a bid in this tender may do this.")              \
    X(OPENING_TOO_FEW_BIDS, 409, "Fewer bids than the tender's minimum: the opening fails.")       \
    X(OPENING_ENOUGH_BIDS, 409, "The tender has enough bids; the opening cannot fail for that.")   \
    X(OPENING_WINDOW_OPEN, 409, "The decryption window is still open.")                            \
    X(OPENING_WINDOW_CLOSED, 409, "The decryption window has closed.")                             \
    X(OPENING_OBJECTIONS_OPEN, 409, "Objections in the hall are still unanswered.")                \
    X(OPENING_FORM_INVALID, 422, "The bid's opening form is missing or invalid.")                  \
    X(OPENING_WRONG_KEY, 422, "The key does not open this bid; check it and try again.")           \
    X(OPENING_BAD_SIGNATURE, 422,                                                                  \
      "The signature does not verify with your organisation's signing certificate.")               \
    X(OPENING_NO_CERTIFICATE, 409,                                                                 \
      "Your organisation has no current signing certificate; register one first.")                 \
    X(OPENING_STALE_DRAFT, 409, "The opening record changed; fetch the draft again and sign it.")  \
    /* the tender escrow key and personal certificates (docs/escrow.md) */                         \
    X(ESCROW_OFFICERS_INVALID, 422,                                                                \
      "The escrow officers are missing or invalid: each needs an encryption certificate.")         \
    X(ESCROW_NOT_OPENING, 409, "Escrow shares are accepted only once the opening has started.")    \
    X(ESCROW_NOT_OFFICER, 403, "Only the tender's opening officers may do this.")                  \
    X(ESCROW_SHARE_INVALID, 422,                                                                   \
      "The escrow share is damaged or not a share of this tender's key.")                          \
    X(ESCROW_SHARE_MISMATCH, 422, "The escrow shares do not give the tender's key: one is wrong.") \
    X(ESCROW_NOT_RECOVERED, 409, "The escrow key is not recovered yet: more shares are needed.")   \
    X(ESCROW_NONE, 409, "This tender has no escrow key.")                                          \
    X(BID_ESCROW_MISSING, 422, "The bid is not also sealed to the tender's escrow key.")           \
    X(USER_CERT_MISSING, 409, "Register your personal certificate first.")                         \
    X(USER_SIGNATURE_INVALID, 422,                                                                 \
      "The signature does not verify with your registered certificate.")                           \
    /* bills of quantities, clarifications (docs/boq.md, docs/credit.md) */                        \
    X(BOQ_INVALID, 422, "The bill of quantities cannot be read; the message says where.")          \
    X(BOQ_TENDER_MISSING, 409, "The tender's bill of quantities for this lot is not uploaded.")    \
    X(CLARIFY_NOT_CHAIR, 403, "Only the chair asks bidders questions for the committee.")          \
    X(CLARIFY_LATE, 409, "The deadline for this answer has passed.")                               \
    X(CLARIFY_ANSWERED, 409, "This question has been answered already.")                           \
    X(CLARIFY_BAD_SIGNATURE, 422,                                                                  \
      "The answer's signature does not verify with your organisation's signing certificate.")      \
    /* supervision (docs/supervision.md) */                                                        \
    X(LEAD_CLOSED, 409, "The lead is closed; nothing more can be attached or changed.")            \
    X(LEAD_TRANSFERRED, 409, "The lead has been transferred already.")                             \
    X(SCORES_INVALID, 422, "The expert scores file is not a valid scores table.")                  \
    X(RELATION_INVALID, 422, "The relationship record is invalid; the field says where.")          \
    X(RELATION_DUPLICATE, 409, "The organisation already has this relationship record.")           \
    X(RELATIONS_FILE_INVALID, 422,                                                                 \
      "The relationships file is invalid; the message says which line. Nothing was imported.")     \
    X(RELATION_UNKNOWN_ORG, 422,                                                                   \
      "The file names an organisation that is not registered. Nothing was imported.")              \
    /* the evaluation room, publicity and award (docs/evaluation.md) */                            \
    X(EVAL_TEMPLATE_INVALID, 422, "The evaluation template is invalid; the field says where.")     \
    X(EVAL_NO_COMMITTEE, 409,                                                                      \
      "The committee is not formed, has no chair, or a member has no account.")                    \
    X(EVAL_WRONG_PHASE, 409, "The evaluation is not at this step.")                                \
    X(EVAL_SHEET_INCOMPLETE, 422, "The sheet lacks a vote, a score or a reason.")                  \
    X(EVAL_SCORE_OUT_OF_RANGE, 422, "A score is outside the item's points.")                       \
    X(EVAL_SHEETS_MISSING, 409, "Not every member has submitted the sheet.")                       \
    X(EVAL_WARNINGS_OPEN, 409, "Score warnings still wait for the experts to confirm or revise.")  \
    X(EVAL_ALREADY_SIGNED, 409, "You have signed this report already.")                            \
    X(EVAL_NO_CANDIDATE, 409, "No bid is valid: there is no candidate.")                           \
    X(EVAL_PUBLICITY_RUNNING, 409, "The candidates' publicity has not ended yet.")                 \
    X(EVAL_PUBLICITY_OVER, 409, "The candidates' publicity has ended.")                            \
    X(EVAL_OBJECTIONS_OPEN, 409, "Objections to the result are unanswered: the award waits.")      \
    X(EVAL_NOT_CANDIDATE, 422, "That organisation is not a candidate of this tender.")             \
    X(LOT_NOT_FOUND, 404, "The tender has no such lot.")                                           \
    /* complaints, the signed contract, bonds (docs/award.md) */                                   \
    X(COMPLAINT_NOT_BIDDER, 403, "Only a bidder registered for this tender may complain.")         \
    X(COMPLAINT_OBJECTION_FIRST, 409,                                                              \
      "A complaint about this needs an objection to the tenderer first (实施条例 art. 60).")       \
    X(RULE_COMPLAINT_TOO_LATE, 409, "Rule complaint_days: the time to complain has passed.")       \
    X(COMPLAINT_WRONG_STATE, 409, "The complaint is not at this step.")                            \
    X(CONTRACT_NOT_UPLOADED, 409, "The contract document is not uploaded yet.")                    \
    X(CONTRACT_SIGNED, 409, "That side has signed the contract; it cannot change any more.")       \
    X(CONTRACT_CHANGED, 409, "The contract changed since you read it; read it again.")             \
    X(CONTRACT_NOT_WINNER, 403, "Only the winning bidder signs the contract.")                     \
    X(CONTRACT_UNSIGNED, 409, "The contract is signed online by both sides; see /award.")          \
    X(BOND_REFUNDED, 409, "This bond has been refunded already.")                                  \
    X(BOND_NOT_BIDDER, 422, "That organisation did not bid for this tender.")                      \
    /* the working-day calendar (docs/calendar.md) */                                              \
    X(CALENDAR_DATE_INVALID, 422, "The date must be a real day written YYYY-MM-DD (2000-2199).")   \
    X(CALENDAR_FILE_INVALID, 422,                                                                  \
      "The calendar file is invalid; the message says which line. Nothing was imported.")          \
    X(CALENDAR_NO_WORKING_DAY, 422, "The calendar has no working day within reach of the period.") \
    /* server */                                                                                   \
    X(INTERNAL, 500, "Internal error.")                                                            \
    X(STORE_UNAVAILABLE, 503, "The store is unavailable; try again.")                              \
    X(STORE_BUSY, 503, "The store is busy with conflicting writes; try again.")                    \
    X(SHUTTING_DOWN, 503, "The server is shutting down.")                                          \
    X(OVERLOADED, 503, "The server is overloaded; try again.")

enum err {
#define SUNBID_ERR_ENUM(name, status, msg) ERR_##name,
    SUNBID_ERRORS(SUNBID_ERR_ENUM)
#undef SUNBID_ERR_ENUM
        ERR__COUNT
};

int err_status(enum err e);          /* HTTP status */
const char *err_code(enum err e);    /* stable lower_snake_case code */
const char *err_message(enum err e); /* default English message */
/* Looks a code up by its string; returns ERR__COUNT when unknown. */
enum err err_from_code(const char *code);

#endif
