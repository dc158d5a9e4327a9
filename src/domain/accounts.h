/*
 * domain/accounts.h — organisations, users, sign-in and the audit trail.
 *
 * Every function here is a plain synchronous call for a worker thread (or
 * the CLI): it validates its input, opens a store transaction, writes the
 * change and its audit row together, and commits. Nothing is written when it
 * returns an error. Errors are codes of base/errors.h; *field (when given)
 * names the offending input field.
 *
 * Sign-in rules:
 *  - Passwords are scrypt hashes (crypto/password.h); a user that does not
 *    exist costs the same time as a wrong password.
 *  - Failures are counted per account ("u:NAME") and per address ("a:ADDR").
 *    After ACCOUNT_FREE_FAILURES (resp. ADDRESS_FREE_FAILURES) further
 *    attempts are refused for 1 s, doubling per failure up to 15 min; a
 *    quiet hour forgets the count. Success clears the account's count.
 *  - A session token is 32 random bytes (base64url); only its SHA-256 is
 *    stored. Cookie sessions last 12 h and carry a CSRF token; bearer tokens
 *    (API, CLI) last 30 days. A password change ends all the user's sessions.
 */
#ifndef SUNBID_DOMAIN_ACCOUNTS_H
#define SUNBID_DOMAIN_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/errors.h"
#include "store/accounts.h"
#include "store/store.h"

#define ACCOUNT_FREE_FAILURES 5
#define ADDRESS_FREE_FAILURES 20
#define LOCK_MAX_MS           (15 * 60 * 1000)
#define THROTTLE_FORGET_MS    (60 * 60 * 1000)
#define SESSION_COOKIE_MS     ((int64_t)12 * 3600 * 1000)
#define SESSION_BEARER_MS     ((int64_t)30 * 24 * 3600 * 1000)
#define TOKEN_BYTES           32
#define TOKEN_CHARS           44 /* B64URL_LEN(32) incl. NUL */

/* Who is acting, for the audit trail. */
struct actor {
    int64_t user_id;         /* 0: the CLI or the system */
    const char *name;        /* username, "cli" or "system" */
    const char *remote_addr; /* NULL for the CLI */
    const char *request_id;  /* NULL for the CLI */
};

/* Appends one row to the audit trail inside tx. detail: JSON object or NULL. */
int audit_record(struct store_tx *tx, const struct actor *who, const char *action,
                 const char *object_type, int64_t object_id, const char *detail);

/* Maps a store failure to the client error it becomes. */
enum err domain_store_err(int store_rc);

/* One write transaction's work: returns ERR_OK to commit, anything else to
 * roll back. It may run more than once, so it must not keep state across
 * attempts beyond what it writes into arg. */
typedef enum err (*domain_tx_fn)(struct store_tx *tx, void *arg);
#define DOMAIN_WRITE_ATTEMPTS 5
/* Runs fn in a write transaction and commits; retries the whole transaction
 * when the store reports a conflict (PostgreSQL SERIALIZABLE: 40001) up to
 * DOMAIN_WRITE_ATTEMPTS times. Nothing is written unless it returns ERR_OK. */
enum err domain_write(struct store *s, domain_tx_fn fn, void *arg);

/* Creates an organisation. in->uscc is validated (GB 32100) and normalised. */
enum err org_create(struct store *s, const struct actor *who, const struct org *in, int64_t *id,
                    const char **field);

struct user_input {
    const char *username;     /* 3-32 of [a-z0-9_.-], starts with a letter */
    const char *display_name; /* 1-192 bytes (about 64 Chinese characters) */
    const char *password;     /* see password_weakness() */
    unsigned roles;           /* ROLE_* bits, at least one */
    int64_t org_id;           /* 0: none; must exist otherwise */
    const char *email;        /* optional */
    const char *phone;        /* optional */
};

enum err user_create(struct store *s, const struct actor *who, const struct user_input *in,
                     int64_t *id, const char **field);
/* Sets a new password and ends all the user's sessions. */
enum err user_set_password(struct store *s, const struct actor *who, int64_t user_id,
                           const char *password, const char **field);

struct login_result {
    char token[TOKEN_CHARS]; /* give to the client; never stored */
    char csrf[TOKEN_CHARS];  /* CSRF token of the session */
    int64_t session_id;
    int64_t expires_ms;
    int64_t retry_after_ms; /* with ERR_TOO_MANY_ATTEMPTS */
};

/* Signs in. On success fills *out and *user (strings in arena). */
enum err auth_login(struct store *s, struct arena *a, const char *username, const char *password,
                    const char *remote_addr, const char *request_id, bool bearer,
                    struct login_result *out, struct user *user);
/* Resolves a presented token to its live session and user. ERR_SESSION_EXPIRED
 * when unknown, revoked or expired; ERR_ACCOUNT_DISABLED for a disabled user. */
enum err auth_resolve(struct store *s, struct arena *a, const char *token, struct session *sess,
                      struct user *user);
/* Ends one session. */
enum err auth_logout(struct store *s, const struct actor *who, int64_t session_id);

/* True when name is an acceptable username. */
bool account_username_valid(const char *name);

#endif
