/*
 * domain/accounts.c — organisations, users, sign-in, audit (see accounts.h).
 *
 * Invariant: each write function opens one write transaction, writes the
 * change and its audit row, and commits; any failure rolls everything back.
 * Password hashing (tens of ms) never runs inside a write transaction, so a
 * sign-in does not hold SQLite's write lock while scrypt works.
 * Called on worker threads and by the CLI.
 */
#include "domain/accounts.h"

#include <ctype.h>
#include <pthread.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/jsonw.h"
#include "base/log.h"
#include "base/roles.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "domain/session_cache.h"
#include "domain/uscc.h"
#include "ledger/ledger.h"

enum err domain_store_err(int rc)
{
    switch (rc) {
    case STORE_OK:
        return ERR_OK;
    case STORE_NOTFOUND:
        return ERR_NOT_FOUND;
    case STORE_CONSTRAINT:
        return ERR_ALREADY_EXISTS;
    case STORE_BUSY:
        return ERR_STORE_BUSY;
    case STORE_UNAVAILABLE:
        return ERR_STORE_UNAVAILABLE;
    default:
        return ERR_INTERNAL;
    }
}

int audit_record(struct store_tx *tx, const struct actor *who, const char *action,
                 const char *object_type, int64_t object_id, const char *detail)
{
    char idbuf[24];
    struct audit_entry e = {0};
    e.at_ms = clock_now_ms();
    e.actor_user_id = who->user_id;
    e.actor = who->name ? who->name : "system";
    e.remote_addr = who->remote_addr;
    e.request_id = who->request_id;
    e.action = action;
    e.object_type = object_type;
    if (object_id > 0) {
        snprintf(idbuf, sizeof(idbuf), "%lld", (long long)object_id);
        e.object_id = idbuf;
    }
    e.detail = detail;
    return store_audit_insert(tx, &e);
}

/* Length-checked, valid-UTF-8, no control characters. */
static bool text_ok(const char *s, size_t min, size_t max)
{
    if (s == NULL)
        return min == 0;
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return false;
    return true;
}

bool account_username_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 3 || n > 32 || !islower((unsigned char)name[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_' || c == '.' ||
              c == '-'))
            return false;
    }
    return true;
}

/* Sleeps a random while that grows with the attempt: writers that collided
 * should not collide again in lock-step. */
static void backoff(int attempt)
{
    unsigned char r;
    crypto_random(&r, 1);
    struct timespec ts = {0, (long)(attempt * 2000 + r * 20) * 1000L};
    nanosleep(&ts, NULL);
}

enum err domain_write(struct store *s, domain_tx_fn fn, void *arg)
{
    enum err e = ERR_STORE_BUSY;
    for (int attempt = 0; attempt < DOMAIN_WRITE_ATTEMPTS && e == ERR_STORE_BUSY; attempt++) {
        struct store_tx *tx = NULL;
        if (attempt > 0)
            backoff(attempt);
        int rc = store_begin(s, STORE_WRITE, &tx);
        if (rc != STORE_OK) {
            e = domain_store_err(rc);
            continue;
        }
        e = fn(tx, arg);
        if (e != ERR_OK) {
            store_rollback(tx);
            continue;
        }
        e = domain_store_err(store_commit(tx));
    }
    return e;
}

struct org_job {
    const struct actor *who;
    struct org o;       /* validated, uscc normalised */
    int64_t id;         /* out */
    const char **field; /* out */
};

static enum err org_create_tx(struct store_tx *tx, void *arg)
{
    struct org_job *j = arg;
    struct buf detail;
    struct jsonw w;
    int rc = store_org_insert(tx, &j->o, &j->id);
    if (rc == STORE_CONSTRAINT) {
        *j->field = "uscc";
        return ERR_ALREADY_EXISTS;
    }
    if (rc != STORE_OK)
        return domain_store_err(rc);
    buf_init(&detail, 4096);
    jsonw_init(&w, &detail);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "name", j->o.name);
    jsonw_kstr(&w, "uscc", j->o.uscc);
    jsonw_obj_end(&w);
    rc = audit_record(tx, j->who, "org.create", "org", j->id, detail.data);
    buf_release(&detail);
    if (rc == STORE_OK) {
        /* the witness log: committed with the organisation or not at all */
        struct ledger_event ev = {.type = "org.create",
                                  .subject_type = "org",
                                  .subject_id = j->id,
                                  .actor_id = j->who->user_id,
                                  .actor_name = j->who->name ? j->who->name : "system"};
        rc = ledger_append(tx, &ev);
    }
    return domain_store_err(rc);
}

enum err org_create(struct store *s, const struct actor *who, const struct org *in, int64_t *id,
                    const char **field)
{
    char uscc[USCC_LEN + 1];
    struct org_job j = {who, *in, 0, field};
    *field = NULL;
    if (!text_ok(in->name, 2, 200)) {
        *field = "name";
        return ERR_INVALID_FIELD;
    }
    if (!uscc_valid(in->uscc, uscc)) {
        *field = "uscc";
        return ERR_INVALID_USCC;
    }
    if (!text_ok(in->legal_rep, 1, 100)) {
        *field = "legal_rep";
        return ERR_INVALID_FIELD;
    }
    if (!text_ok(in->contact_name, 0, 100)) {
        *field = "contact_name";
        return ERR_INVALID_FIELD;
    }
    if (!text_ok(in->contact_phone, 0, 40)) {
        *field = "contact_phone";
        return ERR_INVALID_FIELD;
    }
    if (!text_ok(in->contact_email, 0, 200) ||
        (in->contact_email && *in->contact_email && !strchr(in->contact_email, '@'))) {
        *field = "contact_email";
        return ERR_INVALID_FIELD;
    }
    if (!text_ok(in->address, 0, 300)) {
        *field = "address";
        return ERR_INVALID_FIELD;
    }
    j.o.uscc = uscc;
    j.o.created_ms = clock_now_ms();
    enum err e = domain_write(s, org_create_tx, &j);
    if (e == ERR_OK)
        *id = j.id;
    return e;
}

struct user_job {
    const struct actor *who;
    struct user u;      /* validated, password hashed */
    int64_t id;         /* out */
    const char **field; /* out */
};

static enum err user_create_tx(struct store_tx *tx, void *arg)
{
    struct user_job *j = arg;
    char roles[64];
    struct buf detail;
    struct jsonw w;
    int64_t one;
    int rc;
    if (j->u.org_id != 0) {
        struct store_param p[] = {SP_I(j->u.org_id)};
        rc = store_query_int(tx, "SELECT id FROM orgs WHERE id = $1", p, 1, &one);
        if (rc == STORE_NOTFOUND) {
            *j->field = "org_id";
            return ERR_INVALID_FIELD;
        }
        if (rc != STORE_OK)
            return domain_store_err(rc);
    }
    rc = store_user_insert(tx, &j->u, &j->id);
    if (rc == STORE_CONSTRAINT) {
        *j->field = "username";
        return ERR_ALREADY_EXISTS;
    }
    if (rc != STORE_OK)
        return domain_store_err(rc);
    role_format_list(j->u.roles, roles, sizeof(roles));
    buf_init(&detail, 4096);
    jsonw_init(&w, &detail);
    jsonw_obj_begin(&w);
    jsonw_kstr(&w, "username", j->u.username);
    jsonw_kstr(&w, "roles", roles);
    if (j->u.org_id)
        jsonw_kint(&w, "org_id", j->u.org_id);
    jsonw_obj_end(&w);
    rc = audit_record(tx, j->who, "user.create", "user", j->id, detail.data);
    buf_release(&detail);
    if (rc == STORE_OK) {
        /* the witness log, with the user; a private event (users are
         * personal data): its bytes are withheld from the public, its hash
         * is provable (ledger/visibility.c) */
        struct ledger_event ev = {.type = "user.create",
                                  .subject_type = "user",
                                  .subject_id = j->id,
                                  .actor_id = j->who->user_id,
                                  .actor_name = j->who->name ? j->who->name : "system"};
        rc = ledger_append(tx, &ev);
    }
    return domain_store_err(rc);
}

enum err user_create(struct store *s, const struct actor *who, const struct user_input *in,
                     int64_t *id, const char **field)
{
    char hash[PASSWORD_HASH_MAX];
    struct user_job j = {who, {0}, 0, field};
    *field = NULL;
    if (!account_username_valid(in->username)) {
        *field = "username";
        return ERR_INVALID_FIELD;
    }
    if (!text_ok(in->display_name, 1, 192)) { /* ~64 CJK characters */
        *field = "display_name";
        return ERR_INVALID_FIELD;
    }
    if (in->roles == 0 || (in->roles & ~(unsigned)ROLE_ALL)) {
        *field = "roles";
        return ERR_INVALID_FIELD;
    }
    if (!text_ok(in->email, 0, 200) || !text_ok(in->phone, 0, 40)) {
        *field = in->email && !text_ok(in->email, 0, 200) ? "email" : "phone";
        return ERR_INVALID_FIELD;
    }
    if (in->password == NULL) {
        *field = "password";
        return ERR_MISSING_FIELD;
    }
    if (password_weakness(in->password) != NULL) {
        *field = "password";
        return ERR_WEAK_PASSWORD;
    }
    if (password_hash(in->password, hash) != 0)
        return ERR_INTERNAL;
    j.u.username = in->username;
    j.u.display_name = in->display_name;
    j.u.org_id = in->org_id;
    j.u.roles = in->roles;
    j.u.password_hash = hash;
    j.u.email = in->email;
    j.u.phone = in->phone;
    j.u.created_ms = clock_now_ms();
    enum err e = domain_write(s, user_create_tx, &j);
    if (e == ERR_OK)
        *id = j.id;
    return e;
}

struct passwd_job {
    const struct actor *who;
    int64_t user_id;
    const char *hash;
};

static enum err passwd_tx(struct store_tx *tx, void *arg)
{
    struct passwd_job *j = arg;
    int64_t now = clock_now_ms(), ended = 0;
    int rc = store_user_set_password(tx, j->user_id, j->hash, now);
    if (rc == STORE_OK)
        rc = store_session_revoke_user(tx, j->user_id, now, &ended);
    if (rc == STORE_OK)
        rc = audit_record(tx, j->who, "user.passwd", "user", j->user_id, NULL);
    return domain_store_err(rc);
}

enum err user_set_password(struct store *s, const struct actor *who, int64_t user_id,
                           const char *password, const char **field)
{
    char hash[PASSWORD_HASH_MAX];
    struct passwd_job j = {who, user_id, hash};
    *field = "password";
    if (password == NULL)
        return ERR_MISSING_FIELD;
    if (password_weakness(password) != NULL)
        return ERR_WEAK_PASSWORD;
    *field = NULL;
    if (password_hash(password, hash) != 0)
        return ERR_INTERNAL;
    enum err e = domain_write(s, passwd_tx, &j);
    session_cache_forget_user(user_id); /* its sessions ended with the commit */
    return e;
}

/* ---- sign-in ---- */

/* A valid hash that matches no password anyone types: unknown users verify
 * against it so they cost the same time as known ones. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy[PASSWORD_HASH_MAX];

static void dummy_init(void)
{
    char pw[TOKEN_CHARS];
    crypto_random_token(TOKEN_BYTES, pw);
    if (password_hash(pw, dummy) != 0)
        BUG("cannot hash the dummy password");
}

/* Milliseconds this key stays locked after `failures` failures. */
static int64_t lock_ms(int64_t failures, int64_t free_failures)
{
    if (failures < free_failures)
        return 0;
    int64_t shift = failures - free_failures;
    if (shift > 20)
        return LOCK_MAX_MS;
    int64_t ms = (int64_t)1000 << shift;
    return ms > LOCK_MAX_MS ? LOCK_MAX_MS : ms;
}

static int throttle_bump(struct store_tx *tx, const char *key, int64_t free_failures, int64_t now)
{
    struct throttle t;
    int rc = store_throttle_get(tx, key, &t);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return rc;
    if (rc == STORE_NOTFOUND || now - t.last_ms > THROTTLE_FORGET_MS)
        t.failures = 0;
    t.failures++;
    t.last_ms = now;
    t.locked_until_ms = now + lock_ms(t.failures, free_failures);
    return store_throttle_put(tx, key, &t);
}

/* ms until key unlocks (0 when open). */
static int throttle_wait(struct store_tx *tx, const char *key, int64_t now, int64_t *wait)
{
    struct throttle t;
    int rc = store_throttle_get(tx, key, &t);
    *wait = 0;
    if (rc == STORE_NOTFOUND)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    if (t.locked_until_ms > now && now - t.last_ms <= THROTTLE_FORGET_MS)
        *wait = t.locked_until_ms - now;
    return STORE_OK;
}

/* The write half of a sign-in. */
struct login_job {
    struct actor *who;
    const struct user *user; /* valid when found */
    bool found;
    const char *ukey, *akey;  /* throttle keys */
    const char *newhash;      /* a stronger hash to store, or NULL */
    struct login_result *out; /* token and csrf filled in; session written here */
    bool bearer;
    const char *remote_addr;
};

static enum err login_failed_tx(struct store_tx *tx, void *arg)
{
    struct login_job *j = arg;
    int64_t now = clock_now_ms();
    int rc = throttle_bump(tx, j->ukey, ACCOUNT_FREE_FAILURES, now);
    if (rc == STORE_OK)
        rc = throttle_bump(tx, j->akey, ADDRESS_FREE_FAILURES, now);
    if (rc == STORE_OK) {
        j->who->user_id = j->found ? j->user->id : 0;
        rc =
            audit_record(tx, j->who, "auth.login_failed", "user", j->found ? j->user->id : 0, NULL);
    }
    return domain_store_err(rc);
}

static enum err login_ok_tx(struct store_tx *tx, void *arg)
{
    struct login_job *j = arg;
    struct session sess = {0};
    char token_hash[65];
    int64_t now = clock_now_ms();
    int rc = store_throttle_clear(tx, j->ukey);
    if (rc == STORE_OK && j->newhash != NULL)
        rc = store_user_rehash(tx, j->user->id, j->newhash);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    crypto_sha256_hex(j->out->token, strlen(j->out->token), token_hash);
    sess.user_id = j->user->id;
    sess.token_hash = token_hash;
    sess.kind = j->bearer ? "bearer" : "cookie";
    sess.csrf_token = j->out->csrf;
    sess.created_ms = now;
    sess.expires_ms = now + (j->bearer ? SESSION_BEARER_MS : SESSION_COOKIE_MS);
    sess.remote_addr = j->remote_addr;
    rc = store_session_insert(tx, &sess, &j->out->session_id);
    if (rc == STORE_OK) {
        j->who->user_id = j->user->id;
        rc = audit_record(tx, j->who, j->bearer ? "auth.token" : "auth.login", "session",
                          j->out->session_id, NULL);
    }
    j->out->expires_ms = sess.expires_ms;
    return domain_store_err(rc);
}

enum err auth_login(struct store *s, struct arena *a, const char *username, const char *password,
                    const char *remote_addr, const char *request_id, bool bearer,
                    struct login_result *out, struct user *user)
{
    char ukey[64], akey[80], newhash[PASSWORD_HASH_MAX];
    struct store_tx *tx = NULL;
    struct actor who = {0, username, remote_addr, request_id};
    int64_t wait_u, wait_a, now = clock_now_ms();
    bool found, ok;
    int rc;
    memset(out, 0, sizeof(*out));
    if (username == NULL || password == NULL || strlen(username) > 64 || strlen(password) > 256)
        return ERR_BAD_CREDENTIALS;
    pthread_once(&dummy_once, dummy_init);
    snprintf(ukey, sizeof(ukey), "u:%s", username);
    snprintf(akey, sizeof(akey), "a:%s", remote_addr ? remote_addr : "-");

    /* 1. Read: locks and the user. */
    rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    rc = throttle_wait(tx, ukey, now, &wait_u);
    if (rc == STORE_OK)
        rc = throttle_wait(tx, akey, now, &wait_a);
    if (rc == STORE_OK) {
        rc = store_user_by_name(tx, a, username, user);
        found = rc == STORE_OK;
        if (rc == STORE_NOTFOUND)
            rc = STORE_OK;
    }
    store_rollback(tx);
    tx = NULL;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (wait_u > 0 || wait_a > 0) {
        out->retry_after_ms = wait_u > wait_a ? wait_u : wait_a;
        return ERR_TOO_MANY_ATTEMPTS;
    }

    /* 2. The password, outside any transaction. */
    ok = password_verify(password, found ? user->password_hash : dummy) && found;

    /* 3. Write: the outcome. */
    struct login_job j = {&who, user, found, ukey, akey, NULL, out, bearer, remote_addr};
    if (!ok) {
        enum err e = domain_write(s, login_failed_tx, &j);
        return e == ERR_OK ? ERR_BAD_CREDENTIALS : e;
    }
    if (user->disabled)
        return ERR_ACCOUNT_DISABLED;
    if (password_needs_rehash(user->password_hash) && password_hash(password, newhash) == 0)
        j.newhash = newhash;
    crypto_random_token(TOKEN_BYTES, out->token);
    crypto_random_token(TOKEN_BYTES, out->csrf);
    enum err e = domain_write(s, login_ok_tx, &j);
    if (e != ERR_OK)
        memset(out, 0, sizeof(*out));
    return e;
}

enum err auth_resolve(struct store *s, struct arena *a, const char *token, struct session *sess,
                      struct user *user)
{
    char token_hash[65];
    struct store_tx *tx = NULL;
    size_t n = token ? strlen(token) : 0;
    int rc;
    if (n < 16 || n > 128)
        return ERR_SESSION_EXPIRED;
    crypto_sha256_hex(token, n, token_hash);
    int64_t now = clock_now_ms();
    if (session_cache_get(s, token_hash, now, a, sess, user)) /* bound: session_cache.h */
        return ERR_OK;
    uint64_t gen = session_cache_gen(); /* before the read: see session_cache_put */
    rc = store_begin(s, STORE_READ, &tx);
    if (rc != STORE_OK)
        return domain_store_err(rc);
    rc = store_session_by_hash(tx, a, token_hash, now, sess);
    if (rc == STORE_OK)
        rc = store_user_get(tx, a, sess->user_id, user);
    store_rollback(tx);
    if (rc == STORE_NOTFOUND)
        return ERR_SESSION_EXPIRED;
    if (rc != STORE_OK)
        return domain_store_err(rc);
    if (user->disabled)
        return ERR_ACCOUNT_DISABLED;
    session_cache_put(s, token_hash, now, gen, sess, user);
    return ERR_OK;
}

struct logout_job {
    const struct actor *who;
    int64_t session_id;
};

static enum err logout_tx(struct store_tx *tx, void *arg)
{
    struct logout_job *j = arg;
    int rc = store_session_revoke(tx, j->session_id, clock_now_ms());
    if (rc == STORE_OK)
        rc = audit_record(tx, j->who, "auth.logout", "session", j->session_id, NULL);
    return domain_store_err(rc);
}

enum err auth_logout(struct store *s, const struct actor *who, int64_t session_id)
{
    struct logout_job j = {who, session_id};
    enum err e = domain_write(s, logout_tx, &j);
    session_cache_forget_session(session_id); /* after the commit */
    return e;
}
