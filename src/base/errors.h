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
