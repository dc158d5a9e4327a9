/*
 * pg/migrations.c — the PostgreSQL schema as numbered migrations.
 *
 * Kept in step with store/sqlite/migrations.c: the same numbers, the same
 * tables, columns, indexes and constraints, each in PostgreSQL's dialect:
 *
 *     SQLite                         PostgreSQL
 *     id INTEGER PRIMARY KEY         id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
 *     INTEGER                        BIGINT (times in ms, counts, flags 0/1, role bits)
 *     TEXT                           TEXT
 *     BLOB                           BYTEA
 *     trigger ... RAISE(ABORT, ..)   plpgsql trigger raising SQLSTATE 23000
 *
 * Flags stay BIGINT 0/1, not BOOLEAN, so the SQL in src/store/ (written once
 * for both engines) compares them the same way. The audit_log triggers raise
 * integrity_constraint_violation (23000) so that, as with SQLite's
 * RAISE(ABORT), an UPDATE or DELETE of audit_log is STORE_CONSTRAINT.
 *
 * PostgreSQL-only tables: blobs and blob_chunks hold the content-addressed
 * blob store (pg.c) so that several nodes share it; SQLite keeps blobs as
 * files in data_dir/blobs instead, so its migration 1 has no counterpart.
 *
 * Rules: never edit a migration that has shipped; add the next number here
 * and in SQLite's list. The runner (store.c) applies each in one transaction
 * holding the migration advisory lock (pg.c's begin_migrate). Thread: data
 * only.
 */
#include "store/pg/pg.h"

static const char m001_accounts[] =
    /* Organisations: bidders' companies, agencies, tenderers. */
    "CREATE TABLE orgs ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  uscc TEXT NOT NULL UNIQUE," /* GB 32100, check digit verified */
    "  legal_rep TEXT NOT NULL,"
    "  contact_name TEXT,"
    "  contact_phone TEXT,"
    "  contact_email TEXT,"
    "  address TEXT,"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE TABLE users ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE,"
    "  display_name TEXT NOT NULL,"
    "  org_id BIGINT REFERENCES orgs(id),"
    "  roles BIGINT NOT NULL CHECK (roles > 0)," /* ROLE_* bits */
    "  password_hash TEXT NOT NULL,"             /* $scrypt$ln=..,r=..,p=..$salt$hash */
    "  email TEXT,"
    "  phone TEXT,"
    "  disabled BIGINT NOT NULL DEFAULT 0,"
    "  created_ms BIGINT NOT NULL,"
    "  password_changed_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX users_org ON users(org_id);"
    /* Sessions: only the SHA-256 of the token is stored. */
    "CREATE TABLE sessions ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  user_id BIGINT NOT NULL REFERENCES users(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),"
    "  csrf_token TEXT NOT NULL,"
    "  created_ms BIGINT NOT NULL,"
    "  expires_ms BIGINT NOT NULL,"
    "  remote_addr TEXT,"
    "  revoked_ms BIGINT"
    ");"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    /* Failed logins per account ('u:NAME') and per address ('a:ADDR'). */
    "CREATE TABLE login_throttle ("
    "  key TEXT PRIMARY KEY,"
    "  failures BIGINT NOT NULL,"
    "  last_ms BIGINT NOT NULL,"
    "  locked_until_ms BIGINT NOT NULL"
    ");"
    /* The audit trail: every write, who, what, when, from where. Append-only:
     * the triggers refuse UPDATE, DELETE and TRUNCATE, and no API route
     * writes it. */
    "CREATE TABLE audit_log ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  at_ms BIGINT NOT NULL,"
    "  actor_user_id BIGINT," /* NULL for the CLI and the system */
    "  actor TEXT NOT NULL,"  /* username, or 'cli' / 'system' */
    "  remote_addr TEXT,"
    "  request_id TEXT,"
    "  action TEXT NOT NULL," /* 'org.create', 'user.passwd', 'auth.login' ... */
    "  object_type TEXT NOT NULL,"
    "  object_id TEXT,"
    "  detail TEXT" /* JSON object */
    ");"
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$"
    " BEGIN"
    "   RAISE EXCEPTION 'audit_log is append-only'"
    "     USING ERRCODE = 'integrity_constraint_violation';"
    " END $fn$;"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    "  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    "  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();"
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
    "  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();"
    /* Public notices (公告); tenders and results publish into it. */
    "CREATE TABLE notices ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  kind TEXT NOT NULL,"     /* 'tender', 'change', 'result', 'auction' */
    "  category TEXT NOT NULL," /* works, goods, services, land, mining, assets, emission */
    "  title TEXT NOT NULL,"
    "  region TEXT,"
    "  body TEXT,"
    "  ref_type TEXT," /* what it announces, e.g. 'tender' */
    "  ref_id BIGINT,"
    "  published_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX notices_published ON notices(published_ms DESC, id DESC);"
    /* The blob store (PostgreSQL only, see the header): one row per blob,
     * its bytes in chunks of PG_BLOB_CHUNK (1 MiB), n = 0, 1, ... A blob
     * row and all its chunks commit together. */
    "CREATE TABLE blobs ("
    "  hash TEXT PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$')," /* SHA-256, hex */
    "  size BIGINT NOT NULL CHECK (size >= 0),"
    "  nchunks BIGINT NOT NULL CHECK (nchunks >= 0),"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE TABLE blob_chunks ("
    "  hash TEXT NOT NULL REFERENCES blobs(hash) ON DELETE CASCADE,"
    "  n BIGINT NOT NULL CHECK (n >= 0),"
    "  data BYTEA NOT NULL,"
    "  PRIMARY KEY (hash, n)"
    ");"
    /* Chunks are already compressed or random (sealed bids are encrypted):
     * do not spend CPU on TOAST compression. */
    "ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;";

/* Live events shared by every node (store/cluster.h): ids increase in
 * commit order (publishers hold PG_LOCK_EVENTS until commit); pruned after a
 * day by the holder of the events.prune lease. */
static const char m002_events[] = "CREATE TABLE events ("
                                  "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                                  "  topic TEXT NOT NULL,"
                                  "  event TEXT NOT NULL,"
                                  "  data TEXT NOT NULL,"
                                  "  node TEXT NOT NULL,"
                                  "  created_ms BIGINT NOT NULL"
                                  ");"
                                  "CREATE INDEX events_created ON events(created_ms);";

/* Idempotency-Key: the outcome of a write, kept a day so a retried request
 * gets the same answer instead of doing the write twice (api/idempotency.c). */
static const char m003_idempotency[] =
    "CREATE TABLE idempotency_keys ("
    "  user_id BIGINT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  fingerprint TEXT NOT NULL," /* SHA-256 of method, target, body */
    "  state TEXT NOT NULL CHECK (state IN ('running', 'done')),"
    "  status BIGINT,"
    "  content_type TEXT,"
    "  body BYTEA,"
    "  created_ms BIGINT NOT NULL,"
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
 *   checkpoint. Leaves, nodes and checkpoints are append-only. seq is taken
 *   at insert, not at commit, so a queued entry may be integrated after a
 *   later seq; indexes are assigned at integration, which is what counts. */
static const char m004_ledger[] =
    "CREATE TABLE ledger_config ("
    "  id BIGINT PRIMARY KEY CHECK (id = 1),"
    "  origin TEXT NOT NULL,"
    "  hash_alg TEXT NOT NULL CHECK (hash_alg IN ('sha256', 'sm3')),"
    "  vkeys TEXT NOT NULL,"
    "  tree_size BIGINT NOT NULL CHECK (tree_size >= 0),"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE TABLE ledger_queue ("
    "  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  entry BYTEA NOT NULL," /* canonical JSON of the event */
    "  queued_ms BIGINT NOT NULL"
    ");"
    "CREATE TABLE ledger_leaves ("
    "  idx BIGINT PRIMARY KEY CHECK (idx >= 0),"
    "  entry BYTEA NOT NULL,"
    "  leaf_hash BYTEA NOT NULL," /* H(0x00 || entry) */
    "  queued_ms BIGINT NOT NULL,"
    "  integrated_ms BIGINT NOT NULL"
    ");"
    "CREATE TABLE ledger_nodes ("
    "  level BIGINT NOT NULL CHECK (level >= 1),"
    "  idx BIGINT NOT NULL CHECK (idx >= 0),"
    "  hash BYTEA NOT NULL," /* the complete subtree over leaves [idx << level, (idx+1) << level) */
    "  PRIMARY KEY (level, idx)"
    ");"
    "CREATE TABLE ledger_checkpoints ("
    "  size BIGINT PRIMARY KEY CHECK (size >= 0),"
    "  root BYTEA NOT NULL,"
    "  note TEXT NOT NULL," /* the signed checkpoint, as served */
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$"
    " BEGIN"
    "   RAISE EXCEPTION '% is append-only', TG_TABLE_NAME"
    "     USING ERRCODE = 'integrity_constraint_violation';"
    " END $fn$;"
    "CREATE TRIGGER ledger_leaves_append_only BEFORE UPDATE OR DELETE ON ledger_leaves"
    "  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER ledger_leaves_no_truncate BEFORE TRUNCATE ON ledger_leaves"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER ledger_nodes_append_only BEFORE UPDATE OR DELETE ON ledger_nodes"
    "  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER ledger_nodes_no_truncate BEFORE TRUNCATE ON ledger_nodes"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints"
    "  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();";

/* Migration 5: witness cosignatures (C2SP tlog-cosignature) on stored
 * checkpoints, one per (checkpoint size, witness name): the accepted
 * signature line as received, and the time the witness signed.
 * Append-only, like the log's other tables (ledger_append_only, m004). */
static const char m005_cosignatures[] =
    "CREATE TABLE ledger_cosignatures ("
    "  size BIGINT NOT NULL CHECK (size >= 0),"
    "  witness TEXT NOT NULL,"
    "  line TEXT NOT NULL,"        /* "— NAME BASE64", no newline */
    "  timestamp BIGINT NOT NULL," /* unix seconds, as signed */
    "  created_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (size, witness)"
    ");"
    "CREATE TRIGGER ledger_cosignatures_append_only BEFORE UPDATE OR DELETE"
    "  ON ledger_cosignatures FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER ledger_cosignatures_no_truncate BEFORE TRUNCATE ON ledger_cosignatures"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();";

/* Migration 6: RFC 3161 timestamp tokens over stored checkpoints, one per
 * checkpoint size: the accepted DER token as received and its genTime.
 * Append-only, like the log's other tables. */
static const char m006_timestamps[] =
    "CREATE TABLE ledger_timestamps ("
    "  size BIGINT NOT NULL CHECK (size >= 0),"
    "  token BYTEA NOT NULL,"        /* DER TimeStampToken or TimeStampResp */
    "  gen_time_ms BIGINT NOT NULL," /* the token's genTime */
    "  created_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (size)"
    ");"
    "CREATE TRIGGER ledger_timestamps_append_only BEFORE UPDATE OR DELETE"
    "  ON ledger_timestamps FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER ledger_timestamps_no_truncate BEFORE TRUNCATE ON ledger_timestamps"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();";

const struct store_migration pg_migrations[] = {
    {1, "accounts, sessions, audit, notices", m001_accounts},
    {2, "events", m002_events},
    {3, "idempotency keys", m003_idempotency},
    {4, "witness log", m004_ledger},
    {5, "witness cosignatures", m005_cosignatures},
    {6, "checkpoint timestamps", m006_timestamps},
};
const int pg_nmigrations = (int)(sizeof(pg_migrations) / sizeof(pg_migrations[0]));
