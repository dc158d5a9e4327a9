/*
 * sqlite/migrations.c — the SQLite schema as numbered migrations.
 *
 * Rules: never edit a migration that has shipped; add the next number. Keep
 * the PostgreSQL list (store/pg/migrations.c) in step: same numbers, same
 * tables and columns, each in its own dialect. Times are integer ms, money is
 * integer fen. The runner (store.c) records applied versions in
 * schema_migrations and runs each migration in its own transaction.
 */
#include "store/sqlite/sqlite.h"

static const char m001_accounts[] =
    /* Organisations: bidders' companies, agencies, tenderers. */
    "CREATE TABLE orgs ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  uscc TEXT NOT NULL UNIQUE," /* GB 32100, check digit verified */
    "  legal_rep TEXT NOT NULL,"
    "  contact_name TEXT,"
    "  contact_phone TEXT,"
    "  contact_email TEXT,"
    "  address TEXT,"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  display_name TEXT NOT NULL,"
    "  org_id INTEGER REFERENCES orgs(id),"
    "  roles INTEGER NOT NULL CHECK (roles > 0)," /* ROLE_* bits */
    "  password_hash TEXT NOT NULL,"              /* $scrypt$ln=..,r=..,p=..$salt$hash */
    "  email TEXT,"
    "  phone TEXT,"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  created_ms INTEGER NOT NULL,"
    "  password_changed_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX users_org ON users(org_id);"
    /* Sessions: only the SHA-256 of the token is stored. */
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),"
    "  csrf_token TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  remote_addr TEXT,"
    "  revoked_ms INTEGER"
    ");"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    /* Failed logins per account ('u:NAME') and per address ('a:ADDR'). */
    "CREATE TABLE login_throttle ("
    "  key TEXT PRIMARY KEY,"
    "  failures INTEGER NOT NULL,"
    "  last_ms INTEGER NOT NULL,"
    "  locked_until_ms INTEGER NOT NULL"
    ");"
    /* The audit trail: every write, who, what, when, from where. Append-only:
     * the triggers refuse UPDATE and DELETE, and no API route writes it. */
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  at_ms INTEGER NOT NULL,"
    "  actor_user_id INTEGER," /* NULL for the CLI and the system */
    "  actor TEXT NOT NULL,"   /* username, or 'cli' / 'system' */
    "  remote_addr TEXT,"
    "  request_id TEXT,"
    "  action TEXT NOT NULL," /* 'org.create', 'user.passwd', 'auth.login' ... */
    "  object_type TEXT NOT NULL,"
    "  object_id TEXT,"
    "  detail TEXT" /* JSON object */
    ");"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    "  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    /* Public notices (公告); tenders and results publish into it. */
    "CREATE TABLE notices ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"     /* 'tender', 'change', 'result', 'auction' */
    "  category TEXT NOT NULL," /* works, goods, services, land, mining, assets, emission */
    "  title TEXT NOT NULL,"
    "  region TEXT,"
    "  body TEXT,"
    "  ref_type TEXT," /* what it announces, e.g. 'tender' */
    "  ref_id INTEGER,"
    "  published_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX notices_published ON notices(published_ms DESC, id DESC);";

/* Live events shared by every node (store/cluster.h). A single SQLite node
 * hands events to its hub directly and keeps this table empty; it exists so
 * both backends have the same schema at the same version. */
static const char m002_events[] = "CREATE TABLE events ("
                                  "  id INTEGER PRIMARY KEY,"
                                  "  topic TEXT NOT NULL,"
                                  "  event TEXT NOT NULL,"
                                  "  data TEXT NOT NULL,"
                                  "  node TEXT NOT NULL,"
                                  "  created_ms INTEGER NOT NULL"
                                  ");"
                                  "CREATE INDEX events_created ON events(created_ms);";

/* Idempotency-Key: the outcome of a write, kept a day so a retried request
 * gets the same answer instead of doing the write twice (api/idempotency.c). */
static const char m003_idempotency[] =
    "CREATE TABLE idempotency_keys ("
    "  user_id INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  fingerprint TEXT NOT NULL," /* SHA-256 of method, target, body */
    "  state TEXT NOT NULL CHECK (state IN ('running', 'done')),"
    "  status INTEGER,"
    "  content_type TEXT,"
    "  body BLOB,"
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, key)"
    ");"
    "CREATE INDEX idempotency_created ON idempotency_keys(created_ms);";

/* The witness log (src/ledger/, docs/ledger.md). One log per store.
 * ledger_config: its one row: origin line, hash ('sha256' | 'sm3', fixed at
 *   creation), the verifier keys (C2SP text, one per line; the private keys
 *   are files in the signing node's data directory, never in the database)
 *   and tree_size, the number of integrated leaves, which only the
 *   sequencer moves. A domain write appends to ledger_queue in its own
 *   transaction; the sequencer moves queued entries, in seq order, into
 *   ledger_leaves (idx = 0, 1, ...), stores every complete subtree of level
 *   >= 1 in ledger_nodes (level 0 is ledger_leaves.leaf_hash), and signs a
 *   checkpoint. Leaves, nodes and checkpoints are append-only. */
static const char m004_ledger[] =
    "CREATE TABLE ledger_config ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  origin TEXT NOT NULL,"
    "  hash_alg TEXT NOT NULL CHECK (hash_alg IN ('sha256', 'sm3')),"
    "  vkeys TEXT NOT NULL,"
    "  tree_size INTEGER NOT NULL CHECK (tree_size >= 0),"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE TABLE ledger_queue ("
    "  seq INTEGER PRIMARY KEY,"
    "  entry BLOB NOT NULL," /* canonical JSON of the event */
    "  queued_ms INTEGER NOT NULL"
    ");"
    "CREATE TABLE ledger_leaves ("
    "  idx INTEGER PRIMARY KEY CHECK (idx >= 0),"
    "  entry BLOB NOT NULL,"
    "  leaf_hash BLOB NOT NULL," /* H(0x00 || entry) */
    "  queued_ms INTEGER NOT NULL,"
    "  integrated_ms INTEGER NOT NULL"
    ");"
    "CREATE TABLE ledger_nodes ("
    "  level INTEGER NOT NULL CHECK (level >= 1),"
    "  idx INTEGER NOT NULL CHECK (idx >= 0),"
    "  hash BLOB NOT NULL," /* the complete subtree over leaves [idx << level, (idx+1) << level) */
    "  PRIMARY KEY (level, idx)"
    ");"
    "CREATE TABLE ledger_checkpoints ("
    "  size INTEGER PRIMARY KEY CHECK (size >= 0),"
    "  root BLOB NOT NULL,"
    "  note TEXT NOT NULL," /* the signed checkpoint, as served */
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE TRIGGER ledger_leaves_no_update BEFORE UPDATE ON ledger_leaves"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_leaves is append-only'); END;"
    "CREATE TRIGGER ledger_leaves_no_delete BEFORE DELETE ON ledger_leaves"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_leaves is append-only'); END;"
    "CREATE TRIGGER ledger_nodes_no_update BEFORE UPDATE ON ledger_nodes"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_nodes is append-only'); END;"
    "CREATE TRIGGER ledger_nodes_no_delete BEFORE DELETE ON ledger_nodes"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_nodes is append-only'); END;"
    "CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;"
    "CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;";

/* Migration 5: witness cosignatures (C2SP tlog-cosignature) on stored
 * checkpoints, one per (checkpoint size, witness name): the accepted
 * signature line as received, and the time the witness signed.
 * Append-only, like the log's other tables. */
static const char m005_cosignatures[] =
    "CREATE TABLE ledger_cosignatures ("
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  witness TEXT NOT NULL,"
    "  line TEXT NOT NULL,"         /* "— NAME BASE64", no newline */
    "  timestamp INTEGER NOT NULL," /* unix seconds, as signed */
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (size, witness)"
    ");"
    "CREATE TRIGGER ledger_cosignatures_no_update BEFORE UPDATE ON ledger_cosignatures"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_cosignatures is append-only'); END;"
    "CREATE TRIGGER ledger_cosignatures_no_delete BEFORE DELETE ON ledger_cosignatures"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_cosignatures is append-only'); END;";

/* Migration 6: RFC 3161 timestamp tokens over stored checkpoints, one per
 * checkpoint size: the accepted DER token as received and its genTime.
 * Append-only, like the log's other tables. */
static const char m006_timestamps[] =
    "CREATE TABLE ledger_timestamps ("
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  token BLOB NOT NULL,"          /* DER TimeStampToken or TimeStampResp */
    "  gen_time_ms INTEGER NOT NULL," /* the token's genTime */
    "  created_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (size)"
    ");"
    "CREATE TRIGGER ledger_timestamps_no_update BEFORE UPDATE ON ledger_timestamps"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_timestamps is append-only'); END;"
    "CREATE TRIGGER ledger_timestamps_no_delete BEFORE DELETE ON ledger_timestamps"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_timestamps is append-only'); END;";

const struct store_migration sqlite_migrations[] = {
    {1, "accounts, sessions, audit, notices", m001_accounts},
    {2, "events", m002_events},
    {3, "idempotency keys", m003_idempotency},
    {4, "witness log", m004_ledger},
    {5, "witness cosignatures", m005_cosignatures},
    {6, "checkpoint timestamps", m006_timestamps},
};
const int sqlite_nmigrations = (int)(sizeof(sqlite_migrations) / sizeof(sqlite_migrations[0]));
