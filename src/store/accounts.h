/*
 * store/accounts.h — rows of the accounts schema and the queries on them:
 * organisations, users, sessions, the login throttle, the audit trail and
 * public notices. All SQL for these tables lives in store/accounts.c.
 *
 * Strings in returned rows are copied into the caller's arena. Every function
 * runs inside the caller's transaction and returns a store_rc.
 */
#ifndef SUNBID_STORE_ACCOUNTS_H
#define SUNBID_STORE_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/store.h"

struct org {
    int64_t id;
    const char *name;          /* registered name */
    const char *uscc;          /* 统一社会信用代码, upper case, check digit valid */
    const char *legal_rep;     /* 法定代表人 */
    const char *contact_name;  /* may be NULL */
    const char *contact_phone; /* may be NULL */
    const char *contact_email; /* may be NULL */
    const char *address;       /* may be NULL */
    int64_t created_ms;
};

struct user {
    int64_t id;
    const char *username;      /* unique login name */
    const char *display_name;  /* shown in the UI */
    int64_t org_id;            /* 0: no organisation */
    unsigned roles;            /* ROLE_* bits (http/http.h) */
    const char *password_hash; /* password.h format */
    const char *email;         /* may be NULL */
    const char *phone;         /* may be NULL */
    bool disabled;
    int64_t created_ms;
    int64_t password_changed_ms;
};

struct session {
    int64_t id;
    int64_t user_id;
    const char *token_hash; /* SHA-256 hex of the token; the token itself is never stored */
    const char *kind;       /* "cookie" or "bearer" */
    const char *csrf_token;
    int64_t created_ms;
    int64_t expires_ms;
    const char *remote_addr;
    int64_t revoked_ms; /* 0: live */
};

struct throttle {
    int64_t failures;        /* consecutive failures */
    int64_t last_ms;         /* time of the last failure */
    int64_t locked_until_ms; /* refuse attempts before this */
};

struct audit_entry {
    int64_t id;
    int64_t at_ms;
    int64_t actor_user_id; /* 0: CLI or system */
    const char *actor;
    const char *remote_addr;
    const char *request_id;
    const char *action;
    const char *object_type;
    const char *object_id;
    const char *detail; /* JSON object text or NULL */
};

struct notice {
    int64_t id;
    const char *kind;
    const char *category;
    const char *title;
    const char *region;
    const char *body;
    const char *ref_type;
    int64_t ref_id;
    int64_t published_ms;
};

/* A page of rows: at most `limit` items with id < before (0: from the newest)
 * or id > after, as each list says. */
struct page {
    void *items; /* array of the row type, in the arena */
    int n;       /* rows returned */
    bool more;   /* another page exists */
};

int store_org_insert(struct store_tx *tx, const struct org *o, int64_t *id);
int store_org_get(struct store_tx *tx, struct arena *a, int64_t id, struct org *out);
/* Organisations by ascending id after `after_id`. */
int store_org_list(struct store_tx *tx, struct arena *a, int64_t after_id, int limit,
                   struct page *out);

int store_user_insert(struct store_tx *tx, const struct user *u, int64_t *id);
int store_user_get(struct store_tx *tx, struct arena *a, int64_t id, struct user *out);
int store_user_by_name(struct store_tx *tx, struct arena *a, const char *username,
                       struct user *out);
int store_user_list(struct store_tx *tx, struct arena *a, int64_t after_id, int limit,
                    struct page *out);
int store_user_set_password(struct store_tx *tx, int64_t id, const char *hash, int64_t now_ms);
/* Replaces the hash with a stronger one of the same password (no "changed" time). */
int store_user_rehash(struct store_tx *tx, int64_t id, const char *hash);

int store_session_insert(struct store_tx *tx, const struct session *s, int64_t *id);
/* A live (not revoked, not expired at now_ms) session with this token hash. */
int store_session_by_hash(struct store_tx *tx, struct arena *a, const char *token_hash,
                          int64_t now_ms, struct session *out);
int store_session_revoke(struct store_tx *tx, int64_t id, int64_t now_ms);
/* Revokes every session of a user (password change); *n gets how many. */
int store_session_revoke_user(struct store_tx *tx, int64_t user_id, int64_t now_ms, int64_t *n);

/* STORE_NOTFOUND leaves *out zeroed. */
int store_throttle_get(struct store_tx *tx, const char *key, struct throttle *out);
int store_throttle_put(struct store_tx *tx, const char *key, const struct throttle *t);
int store_throttle_clear(struct store_tx *tx, const char *key);

int store_audit_insert(struct store_tx *tx, const struct audit_entry *e);
/* Newest first, ids below before_id (0: from the newest). */
int store_audit_list(struct store_tx *tx, struct arena *a, int64_t before_id, int limit,
                     struct page *out);

int store_notice_insert(struct store_tx *tx, const struct notice *n, int64_t *id);
/* Newest first by (published_ms, id); category NULL for all. The cursor is
 * the last row's (published_ms, id). */
int store_notice_list(struct store_tx *tx, struct arena *a, const char *category, int64_t before_ms,
                      int64_t before_id, int limit, struct page *out);

#endif
