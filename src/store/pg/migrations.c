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

/* Migration 7: the subject index of the witness log, for witness
 * certificates of a whole subject (docs/certificate.md): one row per
 * (subject type, subject id, leaf) for an entry's "subject" {type, id},
 * and ("tender", N, leaf) for its optional "tender" key, so every event of
 * a tender's parts (lots, bids, openings) is found with the tender. Filled
 * by the sequencer in the round that integrates the leaf; leaves integrated
 * before this migration are indexed here from their JSON (an entry that is
 * not JSON is skipped, not fatal). Append-only. */
static const char m007_subjects[] =
    "CREATE TABLE ledger_subjects ("
    "  subject_type TEXT NOT NULL,"
    "  subject_id BIGINT NOT NULL,"
    "  idx BIGINT NOT NULL CHECK (idx >= 0)," /* ledger_leaves.idx */
    "  PRIMARY KEY (subject_type, subject_id, idx)"
    ");"
    "DO $do$"
    " DECLARE r record; j jsonb;"
    " BEGIN"
    "   FOR r IN SELECT idx, entry FROM ledger_leaves ORDER BY idx LOOP"
    "     BEGIN"
    "       j := convert_from(r.entry, 'UTF8')::jsonb;"
    "     EXCEPTION WHEN others THEN"
    "       CONTINUE;"
    "     END;"
    "     IF jsonb_typeof(j #> '{subject,type}') = 'string'"
    "        AND jsonb_typeof(j #> '{subject,id}') = 'number' THEN"
    "       INSERT INTO ledger_subjects VALUES"
    "         (j #>> '{subject,type}', (j #>> '{subject,id}')::bigint, r.idx)"
    "         ON CONFLICT DO NOTHING;"
    "     END IF;"
    "     IF jsonb_typeof(j -> 'tender') = 'number' THEN"
    "       INSERT INTO ledger_subjects VALUES ('tender', (j ->> 'tender')::bigint, r.idx)"
    "         ON CONFLICT DO NOTHING;"
    "     END IF;"
    "   END LOOP;"
    " END $do$;"
    "CREATE TRIGGER ledger_subjects_append_only BEFORE UPDATE OR DELETE"
    "  ON ledger_subjects FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER ledger_subjects_no_truncate BEFORE TRUNCATE ON ledger_subjects"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();";

/* Migration 8: tenders up to their opening, the same tables as SQLite's
 * m008 (domain/tender.h, docs/tenders.md).
 * tenders: one row per tender (招標項目) with its unified transaction code
 *   (統一交易編碼, tender_rules.h), its state and `paused` flag, money in
 *   fen, the opening settings, the key dates (ms) and next_due_ms: when its
 *   next timed transition is due (NULL: none), which the scheduler reads
 *   instead of a job table. version counts edits (optimistic concurrency).
 * tender_lots: lots (標段/包). tender_documents: document versions, bytes in
 *   the blob store by hash. tender_registrations: bidders' organisations that
 *   registered (obtained the documents). tender_downloads: the download log.
 * tender_questions / tender_clarifications: questions (asker kept, shown to
 *   the agent and the supervisor only) and the clarifications published to
 *   registered bidders, with the deadline before and after.
 * tender_objections: objections to the documents; an open one pauses.
 * tender_transitions: every state change and pause/resume, with the time it
 *   was due (a timer's deadline) and the time it happened.
 * tender_rule_values: the operator's overrides of the rules per procedure.
 * Notices (招標公告, 變更公告) are rows of `notices` (migration 1) with
 * ref_type 'tender'; the index below finds a tender's notices. */
static const char m008_tenders[] =
    "CREATE TABLE tenders ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE," /* 350100-GC-2026-00001 */
    "  region TEXT NOT NULL,"      /* GB/T 2260 */
    "  code_year BIGINT NOT NULL,"
    "  code_seq BIGINT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  description TEXT,"
    "  category TEXT NOT NULL CHECK (category IN ('works', 'goods', 'services', 'land',"
    "    'mining', 'assets', 'emission', 'rural', 'forest')),"
    "  procedure TEXT NOT NULL CHECK (procedure IN ('open', 'invited', 'negotiation',"
    "    'inquiry', 'single_source')),"
    "  state TEXT NOT NULL CHECK (state IN ('draft', 'published', 'bidding', 'opening',"
    "    'evaluation', 'publicity', 'awarded', 'contracted', 'archived', 'failed',"
    "    'cancelled')),"
    "  paused BIGINT NOT NULL DEFAULT 0,"
    "  paused_since_ms BIGINT," /* the open pause began */
    "  paused_total_ms BIGINT NOT NULL DEFAULT 0,"
    "  scheduled BIGINT NOT NULL DEFAULT 0,"        /* a draft to publish at publish_at */
    "  ceiling_fen BIGINT CHECK (ceiling_fen > 0)," /* 最高投標限價; NULL: none */
    "  bond_fen BIGINT NOT NULL DEFAULT 0 CHECK (bond_fen >= 0),"
    "  bond_form TEXT NOT NULL DEFAULT 'none',"
    "  eval_method TEXT NOT NULL,"
    "  decrypt_window_min BIGINT NOT NULL DEFAULT 30,"
    "  escrow_k BIGINT NOT NULL DEFAULT 0," /* k-of-n escrow; 0: not allowed */
    "  escrow_n BIGINT NOT NULL DEFAULT 0,"
    "  min_bids BIGINT NOT NULL DEFAULT 3,"
    "  readout_fields TEXT NOT NULL DEFAULT 'bidder,price,duration',"
    "  publish_at_ms BIGINT,"
    "  doc_start_ms BIGINT,"
    "  doc_end_ms BIGINT,"
    "  clarify_deadline_ms BIGINT,"
    "  bid_deadline_ms BIGINT,"      /* = the opening time */
    "  original_deadline_ms BIGINT," /* as first published */
    "  next_due_ms BIGINT,"
    "  owner_org_id BIGINT NOT NULL REFERENCES orgs(id)," /* the tenderer */
    "  agent_org_id BIGINT NOT NULL REFERENCES orgs(id)," /* the agency running it */
    "  created_by BIGINT REFERENCES users(id),"
    "  published_ms BIGINT,"
    "  cancel_reason TEXT,"
    "  created_ms BIGINT NOT NULL,"
    "  updated_ms BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (region, category, code_year, code_seq)"
    ");"
    "CREATE INDEX tenders_due ON tenders(next_due_ms) WHERE next_due_ms IS NOT NULL;"
    "CREATE INDEX tenders_agent ON tenders(agent_org_id, id);"
    "CREATE INDEX tenders_owner ON tenders(owner_org_id, id);"
    "CREATE TABLE tender_lots ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  lot_no BIGINT NOT NULL CHECK (lot_no >= 1),"
    "  title TEXT NOT NULL,"
    "  ceiling_fen BIGINT CHECK (ceiling_fen > 0),"
    "  bond_fen BIGINT NOT NULL DEFAULT 0 CHECK (bond_fen >= 0),"
    "  created_ms BIGINT NOT NULL,"
    "  UNIQUE (tender_id, lot_no)"
    ");"
    "CREATE TABLE tender_documents ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  version BIGINT NOT NULL CHECK (version >= 1),"
    "  name TEXT NOT NULL,"
    "  media_type TEXT NOT NULL,"
    "  blob_hash TEXT NOT NULL," /* SHA-256 hex, the blob store's name */
    "  size BIGINT NOT NULL CHECK (size >= 0),"
    "  uploaded_by BIGINT REFERENCES users(id),"
    "  uploaded_ms BIGINT NOT NULL,"
    "  UNIQUE (tender_id, version)"
    ");"
    "CREATE TABLE tender_registrations ("
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  user_id BIGINT REFERENCES users(id),"
    "  registered_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (tender_id, org_id)"
    ");"
    "CREATE TABLE tender_downloads ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  document_id BIGINT NOT NULL REFERENCES tender_documents(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  user_id BIGINT REFERENCES users(id),"
    "  at_ms BIGINT NOT NULL,"
    "  remote_addr TEXT"
    ");"
    "CREATE INDEX tender_downloads_tender ON tender_downloads(tender_id, id);"
    "CREATE TABLE tender_clarifications ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  no BIGINT NOT NULL CHECK (no >= 1)," /* 1, 2 ... within the tender */
    "  body TEXT NOT NULL,"
    "  document_version BIGINT," /* a document version it announces, or NULL */
    "  deadline_before_ms BIGINT NOT NULL,"
    "  deadline_after_ms BIGINT NOT NULL,"
    "  published_by BIGINT REFERENCES users(id),"
    "  published_ms BIGINT NOT NULL,"
    "  UNIQUE (tender_id, no)"
    ");"
    "CREATE TABLE tender_questions ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id)," /* the asker: agent and supervisor only */
    "  user_id BIGINT REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  asked_ms BIGINT NOT NULL,"
    "  clarification_id BIGINT REFERENCES tender_clarifications(id)" /* answered by */
    ");"
    "CREATE INDEX tender_questions_tender ON tender_questions(tender_id, id);"
    "CREATE TABLE tender_objections ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  user_id BIGINT REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  raised_ms BIGINT NOT NULL,"
    "  answer_due_ms BIGINT NOT NULL,"
    "  answer TEXT,"
    "  answered_by BIGINT REFERENCES users(id),"
    "  answered_ms BIGINT" /* NULL: open, the tender is paused */
    ");"
    "CREATE INDEX tender_objections_tender ON tender_objections(tender_id, id);"
    "CREATE TABLE tender_transitions ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  action TEXT NOT NULL," /* publish, release, bidding, opening, pause, resume, cancel ... */
    "  from_state TEXT NOT NULL,"
    "  to_state TEXT NOT NULL,"
    "  due_ms BIGINT,"         /* a timer's nominal time (publish_at, deadline ...) */
    "  at_ms BIGINT NOT NULL," /* when it happened */
    "  actor_user_id BIGINT,"
    "  actor TEXT NOT NULL"
    ");"
    "CREATE INDEX tender_transitions_tender ON tender_transitions(tender_id, id);"
    "CREATE TABLE tender_rule_values ("
    "  procedure TEXT NOT NULL,"
    "  rule TEXT NOT NULL,"
    "  value BIGINT NOT NULL,"
    "  updated_by BIGINT REFERENCES users(id),"
    "  updated_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (procedure, rule)"
    ");"
    "CREATE INDEX notices_ref ON notices(ref_type, ref_id);";

/* Migration 9: sealed bids (domain/bids.h, docs/bids.md).
 * trust_items: the CA certificates and CRLs the platform trusts (CA
 *   mutual recognition), managed by the operator through the API and shared
 *   by every node; a removed item keeps its row (removed_ms set).
 * org_certs: organisations' signing and encryption certificates; one
 *   active certificate per organisation and usage, older ones 'replaced'.
 * bids: every version of every bid, never deleted: the newest of a bidder's
 *   lot is 'submitted', the ones before it 'superseded', a withdrawn one
 *   'withdrawn'. The envelope's bytes are a blob (SHA-256 = blob_hash).
 * bid_receipts: the platform-signed receipts (回執), one per submission and
 *   withdrawal, numbered per tender (seq); append-only.
 * receipt_keys: the public keys receipts are signed with (one per node). */
static const char m009_bids[] =
    "CREATE TABLE trust_items ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('ca', 'crl')),"
    "  der BYTEA NOT NULL,"
    "  fingerprint TEXT NOT NULL," /* SHA-256 of der, hex */
    "  subject TEXT NOT NULL,"     /* the CA's subject, or the CRL's issuer */
    "  not_after_ms BIGINT,"       /* CA notAfter, CRL nextUpdate */
    "  added_by BIGINT REFERENCES users(id),"
    "  added_ms BIGINT NOT NULL,"
    "  removed_by BIGINT REFERENCES users(id),"
    "  removed_ms BIGINT"
    ");"
    "CREATE UNIQUE INDEX trust_items_live ON trust_items(fingerprint) WHERE removed_ms IS NULL;"
    "CREATE TABLE org_certs ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  usage TEXT NOT NULL CHECK (usage IN ('sign', 'encrypt')),"
    "  der BYTEA NOT NULL,"
    "  chain BYTEA," /* intermediates sent with it (PEM), or NULL */
    "  fingerprint TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  issuer TEXT NOT NULL,"
    "  serial TEXT NOT NULL,"
    "  key_alg TEXT NOT NULL," /* sm2, p256 */
    "  uscc TEXT,"
    "  not_before_ms BIGINT NOT NULL,"
    "  not_after_ms BIGINT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('active', 'replaced')),"
    "  registered_by BIGINT REFERENCES users(id),"
    "  registered_ms BIGINT NOT NULL,"
    "  replaced_ms BIGINT"
    ");"
    "CREATE UNIQUE INDEX org_certs_active ON org_certs(org_id, usage) WHERE status = 'active';"
    "CREATE INDEX org_certs_fp ON org_certs(fingerprint);"
    "CREATE TABLE bids ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  lot_no BIGINT NOT NULL CHECK (lot_no >= 1),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  version BIGINT NOT NULL CHECK (version >= 1),"
    "  state TEXT NOT NULL CHECK (state IN ('submitted', 'superseded', 'withdrawn')),"
    "  blob_hash TEXT NOT NULL," /* SHA-256 of the envelope, hex: the blob's name */
    "  size BIGINT NOT NULL CHECK (size > 0),"
    "  suite TEXT NOT NULL,"      /* gm, intl */
    "  chain_hash TEXT NOT NULL," /* the envelope's signed chain value h, hex */
    "  signer_fp TEXT NOT NULL,"  /* SHA-256 of the signer certificate, hex */
    "  signer_cert_id BIGINT REFERENCES org_certs(id),"
    "  user_id BIGINT REFERENCES users(id)," /* who uploaded */
    "  remote_addr TEXT,"                    /* from where */
    "  submitted_ms BIGINT NOT NULL,"        /* server time */
    "  seq BIGINT NOT NULL,"                 /* its receipt's number (per bidder: m26) */
    "  ended_ms BIGINT,"                     /* superseded or withdrawn at */
    "  UNIQUE (tender_id, lot_no, org_id, version)"
    ");"
    "CREATE INDEX bids_tender ON bids(tender_id, lot_no, org_id);"
    "CREATE TABLE bid_receipts ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  seq BIGINT NOT NULL CHECK (seq >= 1),"
    "  bid_id BIGINT NOT NULL REFERENCES bids(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('submit', 'withdraw')),"
    "  body TEXT NOT NULL,"      /* the signed text, docs/bids.md */
    "  key_id TEXT NOT NULL,"    /* receipt_keys */
    "  signature TEXT NOT NULL," /* base64 */
    "  created_ms BIGINT NOT NULL,"
    "  UNIQUE (tender_id, seq)"
    ");"
    "CREATE INDEX bid_receipts_org ON bid_receipts(org_id, tender_id, seq);"
    /* ledger_append_only() of migration 4 names the table it refuses */
    "CREATE TRIGGER bid_receipts_append_only BEFORE UPDATE OR DELETE ON bid_receipts"
    "  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER bid_receipts_no_truncate BEFORE TRUNCATE ON bid_receipts"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();"
    "CREATE TABLE receipt_keys ("
    "  key_id TEXT PRIMARY KEY," /* SHA-256 of the public key's SPKI DER, hex */
    "  alg TEXT NOT NULL,"       /* ed25519 */
    "  public_pem TEXT NOT NULL,"
    "  node TEXT,"
    "  created_ms BIGINT NOT NULL"
    ");";

/* Migration 10: online auctions (domain/auction.h, docs/auction.md).
 * auctions: the terms (fixed at creation) and the live snapshot the single
 *   writer keeps (state, end, price, leader, counters, its fencing epoch and
 *   its last sign of life alive_ms, which decides outages on takeover).
 * auction_regs: bidders' applications; qualified once the agent confirms
 *   the deposit or guarantee; paddle is the anonymous bidder number (競買號).
 * auction_bids: every accepted bid, in server-receipt order (seq); append-only.
 * auction_results: the signed result (成交確認書, or the failure and its
 *   reason), one per closed auction; append-only. */
static const char m010_auctions[] =
    "CREATE TABLE auctions ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('english', 'dutch', 'sealed', 'reverse')),"
    "  preset TEXT NOT NULL,"
    "  agent_org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  created_by BIGINT REFERENCES users(id),"
    "  start_price BIGINT NOT NULL CHECK (start_price > 0)," /* fen */
    "  increment BIGINT NOT NULL CHECK (increment > 0),"
    "  reserve BIGINT NOT NULL DEFAULT 0," /* hidden; 0: none */
    "  max_price BIGINT NOT NULL DEFAULT 0,"
    "  deposit BIGINT NOT NULL DEFAULT 0,"
    "  start_ms BIGINT NOT NULL,"
    "  end_ms BIGINT NOT NULL," /* the planned end (english, sealed) */
    "  window_ms BIGINT NOT NULL,"
    "  step_ms BIGINT NOT NULL,"
    "  pause_ms BIGINT NOT NULL,"
    "  first_pause_ms BIGINT NOT NULL,"
    "  rounds BIGINT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('scheduled', 'live', 'sold', 'failed', 'cancelled')),"
    "  reason TEXT,"
    "  cur_end_ms BIGINT NOT NULL," /* the current end, extensions and shifts included */
    "  shift_ms BIGINT NOT NULL DEFAULT 0,"
    "  price BIGINT NOT NULL DEFAULT 0,"
    "  leader_reg BIGINT,"
    "  leader_seq BIGINT NOT NULL DEFAULT 0,"
    "  nbids BIGINT NOT NULL DEFAULT 0,"
    "  seq BIGINT NOT NULL DEFAULT 0,"
    "  order_round BIGINT NOT NULL DEFAULT 0,"
    "  round_order TEXT," /* reverse: registration ids of the round's turns, comma list */
    "  epoch BIGINT NOT NULL DEFAULT 0,"
    "  owner_node TEXT,"
    "  alive_ms BIGINT NOT NULL DEFAULT 0,"
    "  closed_ms BIGINT,"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX auctions_state ON auctions(state, start_ms);"
    "CREATE TABLE auction_regs ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  auction_id BIGINT NOT NULL REFERENCES auctions(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  user_id BIGINT REFERENCES users(id),"
    "  state TEXT NOT NULL CHECK (state IN ('applied', 'qualified', 'rejected')),"
    "  deposit_ref TEXT NOT NULL," /* the deposit slip or guarantee number */
    "  paddle TEXT,"               /* 競買號, given at qualification */
    "  applied_ms BIGINT NOT NULL,"
    "  decided_ms BIGINT,"
    "  decided_by BIGINT REFERENCES users(id),"
    "  UNIQUE (auction_id, org_id),"
    "  UNIQUE (auction_id, paddle)"
    ");"
    "CREATE TABLE auction_bids ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  auction_id BIGINT NOT NULL REFERENCES auctions(id),"
    "  seq BIGINT NOT NULL CHECK (seq >= 1),"
    "  reg_id BIGINT NOT NULL REFERENCES auction_regs(id),"
    "  user_id BIGINT REFERENCES users(id),"
    "  amount BIGINT NOT NULL CHECK (amount > 0),"
    "  offered BIGINT NOT NULL," /* what the bidder sent (dutch: may exceed the price) */
    "  round BIGINT NOT NULL DEFAULT 0,"
    "  received_ms BIGINT NOT NULL," /* server receipt */
    "  ref TEXT,"                    /* the client's reference: a replay is refused */
    "  remote_addr TEXT,"
    "  UNIQUE (auction_id, seq)"
    ");"
    "CREATE UNIQUE INDEX auction_bids_ref ON auction_bids(auction_id, reg_id, ref);"
    "CREATE TABLE auction_results ("
    "  auction_id BIGINT PRIMARY KEY REFERENCES auctions(id),"
    "  outcome TEXT NOT NULL CHECK (outcome IN ('sold', 'failed', 'cancelled')),"
    "  reason TEXT,"
    "  winner_reg BIGINT REFERENCES auction_regs(id),"
    "  price BIGINT,"
    "  body TEXT NOT NULL," /* the signed text, docs/auction.md */
    "  key_id TEXT NOT NULL,"
    "  public_pem TEXT NOT NULL,"
    "  signature TEXT NOT NULL,"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE TRIGGER auction_bids_append_only BEFORE UPDATE OR DELETE ON auction_bids"
    "  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER auction_bids_no_truncate BEFORE TRUNCATE ON auction_bids"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER auction_results_append_only BEFORE UPDATE OR DELETE ON auction_results"
    "  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER auction_results_no_truncate BEFORE TRUNCATE ON auction_results"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();";

/* Migration 11: the expert pool, the verifiable draw and the committee
 * (domain/expert.h, domain/draw.h, domain/committee.h; docs/experts.md,
 * docs/draw.md).
 * expert_specialties: the coded specialty list, a tree by parent, seeded
 *   with a small list modelled on the national evaluation-expert specialty
 *   classification (importable; the operator replaces it).
 * experts: the pool; expert_specialty_links: their specialties;
 *   expert_relations: declared relations to organisations (recusal);
 *   expert_unavailability: leave and blocked dates; expert_credit: the
 *   credit history, append-only; expert_settings: the draw's settings.
 * draws: one draw for a tender: the secret seed and its commitment, the
 *   mixed checkpoint, the snapshot (a blob) and its state; draw_requests:
 *   its groups; draw_members: every position of every group's order that
 *   was used, with the invitation's state.
 * committee_members / committees / committee_votes: the evaluation
 *   committee (評標委員會), its representatives of the tenderer and its
 *   chair's election. */
static const char m011_experts[] =
    "CREATE TABLE expert_specialties ("
    "  code TEXT PRIMARY KEY,"                           /* A01.02 */
    "  parent TEXT REFERENCES expert_specialties(code)," /* NULL: a top category */
    "  name TEXT NOT NULL,"
    "  name_en TEXT,"
    "  updated_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX expert_specialties_parent ON expert_specialties(parent);"
    "CREATE TABLE experts ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE," /* the pool's own number (專家編號), the import key */
    "  name TEXT NOT NULL,"
    "  user_id BIGINT UNIQUE REFERENCES users(id)," /* the expert's account, if any */
    "  region TEXT NOT NULL,"                       /* GB/T 2260 */
    "  employer TEXT NOT NULL,"
    "  employer_uscc TEXT,"  /* GB 32100, when known */
    "  title TEXT NOT NULL," /* 職稱 as written */
    "  title_level TEXT NOT NULL CHECK (title_level IN ('intermediate', 'deputy_senior',"
    "    'senior')),"
    "  years BIGINT NOT NULL CHECK (years >= 0 AND years <= 80)," /* years of practice */
    "  phone TEXT,"
    "  email TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'retired')),"
    "  note TEXT,"
    "  created_ms BIGINT NOT NULL,"
    "  updated_ms BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1"
    ");"
    "CREATE INDEX experts_region ON experts(region);"
    "CREATE TABLE expert_specialty_links ("
    "  expert_id BIGINT NOT NULL REFERENCES experts(id),"
    "  code TEXT NOT NULL REFERENCES expert_specialties(code),"
    "  PRIMARY KEY (expert_id, code)"
    ");"
    "CREATE INDEX expert_specialty_links_code ON expert_specialty_links(code, expert_id);"
    "CREATE TABLE expert_relations ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  expert_id BIGINT NOT NULL REFERENCES experts(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('former_employer', 'relative', 'shareholder',"
    "    'interest', 'other')),"
    "  org_uscc TEXT," /* the organisation, by its code when known */
    "  org_name TEXT NOT NULL,"
    "  until_ms BIGINT," /* NULL: ongoing */
    "  note TEXT,"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX expert_relations_expert ON expert_relations(expert_id);"
    "CREATE TABLE expert_unavailability ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  expert_id BIGINT NOT NULL REFERENCES experts(id),"
    "  from_ms BIGINT NOT NULL,"
    "  to_ms BIGINT NOT NULL CHECK (to_ms > from_ms)," /* exclusive */
    "  kind TEXT NOT NULL CHECK (kind IN ('leave', 'blocked')),"
    "  note TEXT,"
    "  created_by BIGINT REFERENCES users(id),"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX expert_unavailability_expert ON expert_unavailability(expert_id, from_ms);"
    "CREATE TABLE expert_credit ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  expert_id BIGINT NOT NULL REFERENCES experts(id),"
    "  at_ms BIGINT NOT NULL," /* when it happened */
    "  kind TEXT NOT NULL CHECK (kind IN ('commend', 'warning', 'penalty', 'suspend',"
    "    'reinstate', 'note')),"
    "  points BIGINT NOT NULL DEFAULT 0,"
    "  note TEXT NOT NULL,"
    "  tender_id BIGINT REFERENCES tenders(id),"
    "  by_user BIGINT REFERENCES users(id),"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX expert_credit_expert ON expert_credit(expert_id, id);"
    "CREATE TRIGGER expert_credit_append_only BEFORE UPDATE OR DELETE ON expert_credit"
    "  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();"
    "CREATE TRIGGER expert_credit_no_truncate BEFORE TRUNCATE ON expert_credit"
    "  FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();"
    "CREATE TABLE expert_settings ("
    "  key TEXT PRIMARY KEY,"
    "  value BIGINT NOT NULL,"
    "  updated_by BIGINT REFERENCES users(id),"
    "  updated_ms BIGINT NOT NULL"
    ");"
    "CREATE TABLE draws ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  state TEXT NOT NULL CHECK (state IN ('committed', 'drawn', 'revealed', 'cancelled')),"
    "  seed BYTEA NOT NULL,"           /* 32 bytes, secret until revealed */
    "  commitment TEXT NOT NULL,"      /* SHA-256(seed), hex */
    "  eval_start_ms BIGINT NOT NULL," /* the evaluation's dates */
    "  eval_end_ms BIGINT NOT NULL,"
    "  reps BIGINT NOT NULL DEFAULT 0," /* tenderer's representatives planned */
    "  max_draws_30d BIGINT NOT NULL,"  /* the limit in force when requested */
    "  commit_leaf BIGINT,"             /* the draw.commit entry's leaf */
    "  checkpoint_size BIGINT,"         /* the mixed checkpoint */
    "  checkpoint_note TEXT,"
    "  snapshot_sha TEXT,"               /* the eligible snapshot: a blob, by its SHA-256 */
    "  excluded_sha TEXT,"               /* the excluded experts with reasons: a blob */
    "  short BIGINT NOT NULL DEFAULT 0," /* replacements that could not be found */
    "  requested_by BIGINT REFERENCES users(id),"
    "  requested_ms BIGINT NOT NULL,"
    "  drawn_ms BIGINT,"
    "  revealed_ms BIGINT,"
    "  cancelled_ms BIGINT,"
    "  cancel_reason TEXT,"
    "  version BIGINT NOT NULL DEFAULT 1"
    ");"
    "CREATE INDEX draws_tender ON draws(tender_id, id);"
    "CREATE TABLE draw_requests ("
    "  draw_id BIGINT NOT NULL REFERENCES draws(id),"
    "  grp BIGINT NOT NULL CHECK (grp >= 1),"
    "  specialty TEXT NOT NULL REFERENCES expert_specialties(code),"
    "  region TEXT NOT NULL," /* '' = any */
    "  count BIGINT NOT NULL CHECK (count >= 1),"
    "  reserves BIGINT NOT NULL CHECK (reserves >= 0),"
    "  PRIMARY KEY (draw_id, grp)"
    ");"
    "CREATE TABLE draw_members ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  draw_id BIGINT NOT NULL REFERENCES draws(id),"
    "  grp BIGINT NOT NULL,"
    "  position BIGINT NOT NULL CHECK (position >= 0)," /* in the group's order */
    "  expert_id BIGINT NOT NULL REFERENCES experts(id),"
    "  role TEXT NOT NULL CHECK (role IN ('primary', 'reserve', 'replacement')),"
    "  status TEXT NOT NULL CHECK (status IN ('notified', 'confirmed', 'declined', 'reserve',"
    "    'skipped', 'released')),"
    "  replaces_id BIGINT," /* the member this one replaces */
    "  reason TEXT,"        /* a decline's or a skip's reason */
    "  notified_ms BIGINT,"
    "  answered_ms BIGINT,"
    "  created_ms BIGINT NOT NULL,"
    "  UNIQUE (draw_id, grp, position)"
    ");"
    "CREATE INDEX draw_members_expert ON draw_members(expert_id, notified_ms);"
    "CREATE TABLE committee_members ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('expert', 'rep'))," /* rep: the tenderer's representative
                                                               */
    "  draw_member_id BIGINT REFERENCES draw_members(id),"
    "  expert_id BIGINT REFERENCES experts(id),"
    "  name TEXT NOT NULL,"
    "  user_id BIGINT REFERENCES users(id),"
    "  title TEXT,"
    "  added_by BIGINT REFERENCES users(id),"
    "  added_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX committee_members_tender ON committee_members(tender_id, id);"
    "CREATE TABLE committees ("
    "  tender_id BIGINT PRIMARY KEY REFERENCES tenders(id),"
    "  size BIGINT NOT NULL,"
    "  experts BIGINT NOT NULL,"
    "  reps BIGINT NOT NULL,"
    "  chair_member_id BIGINT REFERENCES committee_members(id),"
    "  chair_how TEXT CHECK (chair_how IN ('elected', 'designated')),"
    "  formed_by BIGINT REFERENCES users(id),"
    "  formed_ms BIGINT NOT NULL,"
    "  chair_ms BIGINT"
    ");"
    "CREATE TABLE committee_votes ("
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  voter_member_id BIGINT NOT NULL REFERENCES committee_members(id),"
    "  candidate_member_id BIGINT NOT NULL REFERENCES committee_members(id),"
    "  at_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (tender_id, voter_member_id)"
    ");"
    "INSERT INTO expert_specialties (code, parent, name, name_en, updated_ms) VALUES"
    "  ('A', NULL, '工程', 'Works', 0),"
    "  ('A01', 'A', '土木建筑工程', 'Civil and building works', 0),"
    "  ('A01.01', 'A01', '房屋建筑工程', 'Building construction', 0),"
    "  ('A01.02', 'A01', '结构工程', 'Structural engineering', 0),"
    "  ('A01.03', 'A01', '装饰装修工程', 'Decoration and fit-out', 0),"
    "  ('A01.04', 'A01', '岩土与地基基础工程', 'Geotechnics and foundations', 0),"
    "  ('A02', 'A', '市政公用工程', 'Municipal works', 0),"
    "  ('A02.01', 'A02', '城市道路与桥梁工程', 'Urban roads and bridges', 0),"
    "  ('A02.02', 'A02', '给水排水工程', 'Water supply and drainage', 0),"
    "  ('A02.03', 'A02', '园林绿化工程', 'Landscaping', 0),"
    "  ('A02.04', 'A02', '燃气与热力工程', 'Gas and district heating', 0),"
    "  ('A03', 'A', '交通运输工程', 'Transport works', 0),"
    "  ('A03.01', 'A03', '公路工程', 'Highways', 0),"
    "  ('A03.02', 'A03', '水运工程', 'Waterways and ports', 0),"
    "  ('A04', 'A', '水利水电工程', 'Water resources and hydropower', 0),"
    "  ('A05', 'A', '电力与电气工程', 'Power and electrical works', 0),"
    "  ('A05.01', 'A05', '输变电工程', 'Transmission and substations', 0),"
    "  ('A05.02', 'A05', '建筑电气与智能化工程', 'Building electrical and intelligent systems', 0),"
    "  ('A06', 'A', '通信与信息化工程', 'Telecommunication and IT works', 0),"
    "  ('B', NULL, '货物', 'Goods', 0),"
    "  ('B01', 'B', '机械设备', 'Machinery', 0),"
    "  ('B02', 'B', '电气设备', 'Electrical equipment', 0),"
    "  ('B03', 'B', '信息技术设备', 'IT equipment', 0),"
    "  ('B03.01', 'B03', '计算机与网络设备', 'Computers and networks', 0),"
    "  ('B03.02', 'B03', '教学与多媒体设备', 'Teaching and multimedia equipment', 0),"
    "  ('B04', 'B', '医疗设备', 'Medical equipment', 0),"
    "  ('B05', 'B', '交通运输设备', 'Vehicles and transport equipment', 0),"
    "  ('B06', 'B', '办公家具与用品', 'Office furniture and supplies', 0),"
    "  ('C', NULL, '服务', 'Services', 0),"
    "  ('C01', 'C', '工程咨询服务', 'Engineering consultancy', 0),"
    "  ('C01.01', 'C01', '勘察设计', 'Survey and design', 0),"
    "  ('C01.02', 'C01', '工程监理', 'Construction supervision', 0),"
    "  ('C01.03', 'C01', '工程造价', 'Cost engineering', 0),"
    "  ('C01.04', 'C01', '项目管理', 'Project management', 0),"
    "  ('C02', 'C', '信息技术服务', 'IT services', 0),"
    "  ('C03', 'C', '物业管理服务', 'Property management', 0),"
    "  ('C04', 'C', '法律服务', 'Legal services', 0),"
    "  ('C05', 'C', '财务会计与审计', 'Accounting and audit', 0),"
    "  ('C06', 'C', '招标采购与经济管理', 'Procurement and economic management', 0);";

/* The opening hall (docs/opening.md): one hall per tender in state opening,
 * one row per opened bid (the current submitted version at the deadline)
 * and the objections raised in the hall. */
static const char m012_opening[] =
    "CREATE TABLE opening_halls ("
    "  tender_id BIGINT PRIMARY KEY REFERENCES tenders(id),"
    "  phase TEXT NOT NULL CHECK (phase IN ('signin', 'decrypt', 'readout', 'objections',"
    "    'signing', 'sealed', 'failed')),"
    "  bidders BIGINT NOT NULL,"  /* organisations with a bid, counted at creation */
    "  min_bids BIGINT NOT NULL," /* the tender's minimum then */
    "  window_end_ms BIGINT,"     /* the decryption window's end (server time) */
    "  record TEXT,"              /* the sealed opening record, JSON */
    "  record_hash TEXT,"         /* its SHA-256, hex */
    "  created_ms BIGINT NOT NULL,"
    "  updated_ms BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1"
    ");"
    "CREATE TABLE opening_bids ("
    "  bid_id BIGINT PRIMARY KEY REFERENCES bids(id),"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  lot_no BIGINT NOT NULL,"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  status TEXT NOT NULL CHECK (status IN ('pending', 'opened', 'revoked', 'withdrawn')),"
    "  form TEXT,"   /* the decrypted opening form, JSON */
    "  reason TEXT," /* why revoked (撤销) or withdrawn (撤回) */
    "  signed_in_ms BIGINT,"
    "  decided_ms BIGINT," /* opened / revoked / withdrawn at */
    "  signed_ms BIGINT"   /* the bidder signed the record */
    ");"
    "CREATE INDEX opening_bids_tender ON opening_bids(tender_id, lot_no, org_id);"
    "CREATE TABLE opening_objections ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  user_id BIGINT REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  raised_ms BIGINT NOT NULL,"
    "  answer TEXT,"
    "  answered_by BIGINT REFERENCES users(id),"
    "  answered_ms BIGINT"
    ");"
    "CREATE INDEX opening_objections_tender ON opening_objections(tender_id, id);";

static const char m013_escrow[] =
    "CREATE TABLE user_certs ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  user_id BIGINT NOT NULL REFERENCES users(id),"
    "  usage TEXT NOT NULL CHECK (usage IN ('sign', 'encrypt')),"
    "  der BYTEA NOT NULL,"
    "  fingerprint TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  issuer TEXT NOT NULL,"
    "  serial TEXT NOT NULL,"
    "  key_alg TEXT NOT NULL," /* sm2, p256 */
    "  not_before_ms BIGINT NOT NULL,"
    "  not_after_ms BIGINT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('active', 'replaced')),"
    "  registered_ms BIGINT NOT NULL,"
    "  replaced_ms BIGINT"
    ");"
    "CREATE UNIQUE INDEX user_certs_active ON user_certs(user_id, usage) WHERE status = 'active';"
    "CREATE TABLE escrow_officers (" /* chosen in the draft; x = the share's index */
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  x BIGINT NOT NULL,"
    "  user_id BIGINT NOT NULL REFERENCES users(id),"
    "  PRIMARY KEY (tender_id, x),"
    "  UNIQUE (tender_id, user_id)"
    ");"
    "CREATE TABLE escrow_keys (" /* made at publication; the private half is never stored */
    "  tender_id BIGINT PRIMARY KEY REFERENCES tenders(id),"
    "  k BIGINT NOT NULL,"
    "  n BIGINT NOT NULL,"
    "  split_id TEXT NOT NULL,"  /* the Shamir split's id, hex */
    "  gm_pub TEXT NOT NULL,"    /* SM2 public key, PEM */
    "  intl_pub TEXT NOT NULL,"  /* P-256 public key, PEM */
    "  gm_key_id TEXT NOT NULL," /* SHA-256 of its SPKI, hex (the envelope's key id) */
    "  intl_key_id TEXT NOT NULL,"
    "  created_ms BIGINT NOT NULL,"
    "  recovered_ms BIGINT" /* k good shares combined to the committed key */
    ");"
    "CREATE TABLE escrow_shares ("
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  x BIGINT NOT NULL,"
    "  user_id BIGINT NOT NULL REFERENCES users(id),"
    "  cert_fp TEXT NOT NULL,"    /* the officer's encryption certificate it is sealed to */
    "  encrypted BYTEA NOT NULL," /* docs/escrow.md, the sealed share */
    "  plain BYTEA,"              /* the share, once submitted (opening started) */
    "  submitted_ms BIGINT,"
    "  rejected_ms BIGINT," /* not on the recovered polynomial: set aside */
    "  PRIMARY KEY (tender_id, x)"
    ");"
    "CREATE TABLE escrow_opens (" /* bids opened with the recovered key */
    "  bid_id BIGINT PRIMARY KEY REFERENCES bids(id),"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  lot_no BIGINT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  by_user BIGINT REFERENCES users(id),"
    "  at_ms BIGINT NOT NULL"
    ");";

/* Migration 16: supervision (domain/risk.h, domain/leads.h, docs/supervision.md).
 * tender_risk: one row per tender whose opening was sealed: the risk score
 *   (0-100), its flags (JSON, each with its rule and evidence), the opening
 *   hall version it was computed from (a newer hall version recomputes) and
 *   when a warning (异常行为预警) went out for it.
 * leads: a supervisor's lead (线索) on a tender: open -> transferred (移送,
 *   to a named body on a date) -> closed, or open -> closed.
 * lead_evidence: notes, files (blobs by SHA-256) and flag snapshots attached
 *   to a lead; append-only. */
/* Migration 15: bills of quantities, credit records, clarifications (docs/boq.md,
 * docs/credit.md). */
static const char m015_boq_credit_clarify[] =
    "CREATE TABLE boq_tender ("
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  lot_no BIGINT NOT NULL,"
    "  name TEXT NOT NULL,"      /* the file's name as uploaded */
    "  blob_hash TEXT NOT NULL," /* the file (CSV or XLSX) */
    "  lines BIGINT NOT NULL,"   /* lines read from it */
    "  uploaded_by BIGINT REFERENCES users(id),"
    "  uploaded_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (tender_id, lot_no)"
    ");"
    "CREATE TABLE boq_keys ("
    "  bid_id BIGINT PRIMARY KEY REFERENCES bids(id),"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  lot_no BIGINT NOT NULL,"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  content_key TEXT NOT NULL," /* K released at the opening, 64 hex */
    "  kept_ms BIGINT NOT NULL,"
    "  boq_status TEXT CHECK (boq_status IN ('found', 'absent', 'invalid')),"
    "  boq_name TEXT,"   /* the priced BoQ's file name in the envelope */
    "  boq_hash TEXT,"   /* its blob, once extracted */
    "  boq_reason TEXT," /* why invalid */
    "  read_ms BIGINT"
    ");"
    "CREATE INDEX boq_keys_tender ON boq_keys(tender_id, lot_no, org_id);"
    "CREATE TABLE credit_records ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  org_uscc TEXT NOT NULL," /* the organisation's unified social credit code */
    "  org_name TEXT NOT NULL,"
    "  source TEXT NOT NULL," /* who recorded it: 信用中国, a supervisor's office */
    "  kind TEXT NOT NULL CHECK (kind IN ('penalty', 'bad', 'good', 'dishonest', 'other')),"
    "  ref TEXT,"                  /* the decision's number (文號) */
    "  record_ms BIGINT NOT NULL," /* the decision's date */
    "  expires_ms BIGINT,"         /* when it stops counting; NULL: never */
    "  body TEXT NOT NULL,"
    "  created_by BIGINT REFERENCES users(id),"
    "  created_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX credit_records_org ON credit_records(org_uscc, record_ms);"
    "CREATE TABLE clarify_questions ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id)," /* the bidder asked */
    "  member_id BIGINT NOT NULL,"                  /* the chair who asked, for the committee */
    "  asked_by BIGINT REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  asked_ms BIGINT NOT NULL,"
    "  deadline_ms BIGINT NOT NULL,"
    "  answer TEXT,"
    "  signature TEXT," /* the answer's signature, DER, base64 */
    "  cert_fp TEXT,"   /* the signing certificate's SHA-256 */
    "  key_alg TEXT,"
    "  answered_by BIGINT REFERENCES users(id),"
    "  answered_ms BIGINT"
    ");"
    "CREATE INDEX clarify_questions_tender ON clarify_questions(tender_id, id);";

static const char m016_supervision[] =
    "CREATE TABLE tender_risk ("
    "  tender_id BIGINT PRIMARY KEY REFERENCES tenders(id),"
    "  score BIGINT NOT NULL CHECK (score BETWEEN 0 AND 100),"
    "  level TEXT NOT NULL CHECK (level IN ('none', 'low', 'high')),"
    "  flags TEXT NOT NULL,"           /* the analysis, JSON (domain/risk.h) */
    "  basis_version BIGINT NOT NULL," /* opening_halls.version computed from */
    "  computed_ms BIGINT NOT NULL,"
    "  warned_ms BIGINT" /* the warning went out; NULL: none */
    ");"
    "CREATE INDEX tender_risk_score ON tender_risk(score, tender_id);"
    "CREATE TABLE leads ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  title TEXT NOT NULL,"
    "  source TEXT NOT NULL CHECK (source IN ('warning', 'manual')),"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'transferred', 'closed')),"
    "  opened_by BIGINT REFERENCES users(id),"
    "  opened_ms BIGINT NOT NULL,"
    "  transferred_to TEXT," /* the body: 纪检监察, 审计, 公安 ... */
    "  transferred_on TEXT," /* YYYY-MM-DD */
    "  transfer_note TEXT,"
    "  transferred_by BIGINT REFERENCES users(id),"
    "  transferred_ms BIGINT,"
    "  close_reason TEXT,"
    "  closed_by BIGINT REFERENCES users(id),"
    "  closed_ms BIGINT,"
    "  updated_ms BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1"
    ");"
    "CREATE INDEX leads_tender ON leads(tender_id, id);"
    "CREATE TABLE lead_evidence ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  lead_id BIGINT NOT NULL REFERENCES leads(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('note', 'file', 'flags')),"
    "  body TEXT,"            /* the note, or the flags JSON */
    "  name TEXT,"            /* a file's name */
    "  media_type TEXT,"      /* a file's type */
    "  sha256 TEXT NOT NULL," /* of the bytes (a file's blob name) */
    "  size BIGINT NOT NULL,"
    "  added_by BIGINT REFERENCES users(id),"
    "  added_ms BIGINT NOT NULL"
    ");"
    "CREATE INDEX lead_evidence_lead ON lead_evidence(lead_id, id);"
    "CREATE TRIGGER lead_evidence_no_update BEFORE UPDATE OR DELETE ON lead_evidence"
    "  FOR EACH ROW EXECUTE FUNCTION ledger_append_only();";

/* The evaluation room (docs/evaluation.md): one evaluation per tender, the
 * members' entries (votes, scores, adjustments), submitted sheets, score
 * anomaly warnings, the report's signatures, objections during publicity. */
static const char m014_evaluation[] =
    "CREATE TABLE evaluations ("
    "  tender_id BIGINT PRIMARY KEY REFERENCES tenders(id),"
    "  phase TEXT NOT NULL CHECK (phase IN ('qualification', 'scoring', 'signing', 'signed',"
    "    'publicity', 'awarded', 'contracted')),"
    "  method TEXT NOT NULL,"
    "  template TEXT NOT NULL,"     /* the scoring-table template, canonical JSON */
    "  template_sha TEXT NOT NULL," /* its SHA-256 */
    "  bidders TEXT NOT NULL,"      /* the opened bids taken from the hall, JSON */
    "  result TEXT,"                /* the computed ranking, JSON */
    "  report TEXT,"                /* the evaluation report, canonical JSON */
    "  report_sha TEXT,"
    "  publicity_start_ms BIGINT,"
    "  publicity_end_ms BIGINT,"
    "  award_org_id BIGINT REFERENCES orgs(id),"
    "  award_reason TEXT,"
    "  award_ms BIGINT,"
    "  notice_sha TEXT," /* the award notice (中标通知书), SHA-256 */
    "  contract_ms BIGINT,"
    "  contract_fen BIGINT,"
    "  contract_sha TEXT,"
    "  created_ms BIGINT NOT NULL,"
    "  updated_ms BIGINT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1"
    ");"
    "CREATE TABLE evaluation_entries ("
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  member_id BIGINT NOT NULL REFERENCES committee_members(id),"
    "  org_id BIGINT NOT NULL,"
    "  item TEXT NOT NULL," /* q:CODE vote, s:CODE score, adjust */
    "  value BIGINT NOT NULL,"
    "  reason TEXT,"
    "  updated_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (tender_id, member_id, org_id, item)"
    ");"
    "CREATE TABLE evaluation_sheets ("
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  member_id BIGINT NOT NULL REFERENCES committee_members(id),"
    "  stage TEXT NOT NULL CHECK (stage IN ('qualification', 'scoring')),"
    "  submitted_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (tender_id, member_id, stage)"
    ");"
    "CREATE TABLE evaluation_warnings ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('outlier', 'range', 'identical', 'pivotal')),"
    "  member_id BIGINT NOT NULL REFERENCES committee_members(id),"
    "  org_id BIGINT NOT NULL," /* 0: the whole sheet */
    "  item TEXT NOT NULL,"     /* '': the whole sheet */
    "  other BIGINT NOT NULL,"
    "  score BIGINT NOT NULL,"
    "  median BIGINT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'revised')),"
    "  reason TEXT,"
    "  created_ms BIGINT NOT NULL,"
    "  resolved_ms BIGINT,"
    "  UNIQUE (tender_id, kind, member_id, org_id, item)"
    ");"
    "CREATE TABLE evaluation_signatures ("
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  member_id BIGINT NOT NULL REFERENCES committee_members(id),"
    "  user_id BIGINT NOT NULL REFERENCES users(id),"
    "  report_sha TEXT NOT NULL,"
    "  signature TEXT NOT NULL,"   /* base64 */
    "  certificate TEXT NOT NULL," /* the signer's certificate then, base64 DER */
    "  signed_ms BIGINT NOT NULL,"
    "  PRIMARY KEY (tender_id, member_id)"
    ");"
    "CREATE TABLE evaluation_objections ("
    "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
    "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
    "  user_id BIGINT REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  raised_ms BIGINT NOT NULL,"
    "  due_ms BIGINT NOT NULL,"
    "  answer TEXT,"
    "  answered_by BIGINT REFERENCES users(id),"
    "  answered_ms BIGINT"
    ");"
    "CREATE INDEX evaluation_objections_tender ON evaluation_objections(tender_id, id);";

/* blob_journal: small blobs made durable by the commit of the row that
 * names them (store/blob.c, blob_put_tx) until their files are fsync'd;
 * unused by PostgreSQL, whose blobs live in its own tables, and kept so both
 * backends have the same schema version. */
static const char m017_blob_journal[] = "CREATE TABLE blob_journal ("
                                        "  hash TEXT PRIMARY KEY,"
                                        "  data BYTEA NOT NULL,"
                                        "  created_ms BIGINT NOT NULL"
                                        ");";


const struct store_migration pg_migrations[] = {
    {1, "accounts, sessions, audit, notices", m001_accounts},
    {2, "events", m002_events},
    {3, "idempotency keys", m003_idempotency},
    {4, "witness log", m004_ledger},
    {5, "witness cosignatures", m005_cosignatures},
    {6, "checkpoint timestamps", m006_timestamps},
    {7, "witness log subject index", m007_subjects},
    {8, "tenders", m008_tenders},
    {9, "sealed bids, certificates, receipts", m009_bids},
    {10, "online auctions", m010_auctions},
    {11, "expert pool, draws, committees", m011_experts},
    {12, "opening hall", m012_opening},
    {13, "escrow keys and shares, personal certificates", m013_escrow},
    {14, "evaluation room", m014_evaluation},
    {15, "bills of quantities, credit records, clarifications", m015_boq_credit_clarify},
    {16, "supervision: risk, leads", m016_supervision},
    {17, "blob journal", m017_blob_journal},
    {18, "award: complaints, contracts, bonds (docs/award.md)",
     "CREATE TABLE complaints ("
     "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
     "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
     "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
     "  user_id BIGINT REFERENCES users(id),"
     "  subject TEXT NOT NULL,"
     "  body TEXT NOT NULL,"
     "  known_ms BIGINT NOT NULL,"
     "  filed_ms BIGINT NOT NULL,"
     "  status TEXT NOT NULL,"
     "  accept_due_ms BIGINT NOT NULL,"
     "  accepted_ms BIGINT,"
     "  decide_due_ms BIGINT,"
     "  suspended BIGINT NOT NULL DEFAULT 0,"
     "  suspended_ms BIGINT,"
     "  reason TEXT,"
     "  decision TEXT,"
     "  remedy TEXT,"
     "  decision_text TEXT,"
     "  closed_ms BIGINT,"
     "  handled_by BIGINT REFERENCES users(id),"
     "  accept_warned_ms BIGINT,"
     "  decide_warned_ms BIGINT,"
     "  version BIGINT NOT NULL"
     ");"
     "CREATE INDEX complaints_tender ON complaints(tender_id, id);"
     "CREATE INDEX complaints_status ON complaints(status, id);"
     "CREATE TABLE award_contracts ("
     "  tender_id BIGINT PRIMARY KEY REFERENCES tenders(id),"
     "  winner_org_id BIGINT NOT NULL REFERENCES orgs(id),"
     "  amount_fen BIGINT NOT NULL,"
     "  doc_sha TEXT NOT NULL,"
     "  doc_name TEXT NOT NULL,"
     "  doc_type TEXT NOT NULL,"
     "  doc_size BIGINT NOT NULL,"
     "  uploaded_by BIGINT REFERENCES users(id),"
     "  uploaded_ms BIGINT NOT NULL,"
     "  bidder_sig TEXT,"
     "  bidder_cert TEXT,"
     "  bidder_user_id BIGINT REFERENCES users(id),"
     "  bidder_signed_ms BIGINT,"
     "  agent_sig TEXT,"
     "  agent_cert TEXT,"
     "  agent_user_id BIGINT REFERENCES users(id),"
     "  agent_signed_ms BIGINT,"
     "  signed_ms BIGINT,"
     "  late BIGINT NOT NULL DEFAULT 0,"
     "  version BIGINT NOT NULL"
     ");"
     "CREATE TABLE bonds ("
     "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
     "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
     "  amount_fen BIGINT NOT NULL,"
     "  form TEXT NOT NULL,"
     "  received_ms BIGINT NOT NULL,"
     "  entered_by BIGINT REFERENCES users(id),"
     "  entered_ms BIGINT NOT NULL,"
     "  refunded_ms BIGINT,"
     "  refund_ref TEXT,"
     "  refunded_by BIGINT REFERENCES users(id),"
     "  warned_ms BIGINT,"
     "  PRIMARY KEY (tender_id, org_id)"
     ");"
     "CREATE TABLE award_rules ("
     "  name TEXT PRIMARY KEY,"
     "  value BIGINT NOT NULL,"
     "  set_by BIGINT REFERENCES users(id),"
     "  set_ms BIGINT NOT NULL"
     ");"},
    {19, "organisation relationships",
     /* org_relations: shareholders, managers, key staff, phones, e-mails,
      * addresses, bank accounts of an organisation (domain/orgrel.h), each
      * with its source and time; norm is the relationship graph's key
      * (docs/graph.md, "Keys"), '' when the value is not one. Deleting a
      * record sets deleted_ms: the history stays. */
     "CREATE TABLE org_relations ("
     "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
     "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
     "  kind TEXT NOT NULL CHECK (kind IN ('legal_rep', 'shareholder', 'manager', 'key_staff',"
     "    'phone', 'email', 'address', 'bank_account')),"
     "  name TEXT,"      /* a person's or corporate shareholder's name */
     "  id_number TEXT," /* ID card, USCC or registration/certificate number */
     "  role TEXT,"      /* a manager's or key staff's position */
     "  share_bp BIGINT CHECK (share_bp BETWEEN 0 AND 10000)," /* 1/100 % */
     "  value TEXT,"     /* a contact as entered */
     "  norm TEXT NOT NULL,"
     "  source TEXT NOT NULL CHECK (source IN ('self', 'import', 'supervisor')),"
     "  user_id BIGINT REFERENCES users(id),"
     "  created_ms BIGINT NOT NULL,"
     "  deleted_ms BIGINT"
     ");"
     "CREATE INDEX org_relations_org ON org_relations(org_id, id);"
     "CREATE INDEX org_relations_norm ON org_relations(norm);"},
    {20, "bid document similarity",
     "CREATE TABLE tender_similarity ("
     "  tender_id BIGINT PRIMARY KEY REFERENCES tenders(id),"
     "  basis_version BIGINT NOT NULL," /* opening_halls.version computed from */
     "  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),"
     "  pairs BIGINT NOT NULL," /* similar pairs of different bidders */
     "  result TEXT NOT NULL,"  /* the analysis, JSON (domain/risk_sim.h); supervisors only */
     "  computed_ms BIGINT NOT NULL"
     ");"},
    {21, "bill of quantities versions (change notices)",
     "CREATE TABLE boq_tender_versions ("
     "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
     "  lot_no BIGINT NOT NULL,"
     "  version BIGINT NOT NULL CHECK (version >= 1)," /* 1, 2, ... per lot */
     "  name TEXT NOT NULL,"
     "  blob_hash TEXT NOT NULL,"
     "  lines BIGINT NOT NULL,"
     "  uploaded_by BIGINT REFERENCES users(id),"
     "  uploaded_ms BIGINT NOT NULL,"
     "  notice_no BIGINT," /* the change notice (clarification number); NULL: none */
     "  PRIMARY KEY (tender_id, lot_no, version)"
     ");"
     "INSERT INTO boq_tender_versions (tender_id, lot_no, version, name, blob_hash, lines,"
     " uploaded_by, uploaded_ms) SELECT tender_id, lot_no, 1, name, blob_hash, lines,"
     " uploaded_by, uploaded_ms FROM boq_tender;"},
    {22, "evaluation per lot, with rounds (docs/evaluation.md)",
     /* The evaluation of each (tender, lot) with its round; entries,
      * sheets, warnings and signatures belong to a (lot, round), objections
      * to a lot. Existing rows become lot 1, round 1 (the DEFAULTs).
      * evaluation_rounds keeps each ended round when a re-evaluation starts
      * the next one; nothing is deleted. */
     "ALTER TABLE evaluations ADD COLUMN lot_no INTEGER NOT NULL DEFAULT 1,"
     "  ADD COLUMN round INTEGER NOT NULL DEFAULT 1,"
     "  ADD COLUMN failed_reason TEXT,"
     "  DROP CONSTRAINT evaluations_pkey,"
     "  DROP CONSTRAINT evaluations_phase_check;"
     "ALTER TABLE evaluations ADD PRIMARY KEY (tender_id, lot_no),"
     "  ADD CONSTRAINT evaluations_phase_check CHECK (phase IN ('qualification', 'scoring',"
     "    'signing', 'signed', 'publicity', 'awarded', 'contracted', 'failed'));"
     "ALTER TABLE evaluation_entries ADD COLUMN lot_no INTEGER NOT NULL DEFAULT 1,"
     "  ADD COLUMN round INTEGER NOT NULL DEFAULT 1,"
     "  DROP CONSTRAINT evaluation_entries_pkey;"
     "ALTER TABLE evaluation_entries"
     "  ADD PRIMARY KEY (tender_id, lot_no, round, member_id, org_id, item);"
     "ALTER TABLE evaluation_sheets ADD COLUMN lot_no INTEGER NOT NULL DEFAULT 1,"
     "  ADD COLUMN round INTEGER NOT NULL DEFAULT 1,"
     "  DROP CONSTRAINT evaluation_sheets_pkey;"
     "ALTER TABLE evaluation_sheets ADD PRIMARY KEY (tender_id, lot_no, round, member_id, stage);"
     "ALTER TABLE evaluation_warnings ADD COLUMN lot_no INTEGER NOT NULL DEFAULT 1,"
     "  ADD COLUMN round INTEGER NOT NULL DEFAULT 1,"
     "  DROP CONSTRAINT evaluation_warnings_tender_id_kind_member_id_org_id_item_key;"
     "ALTER TABLE evaluation_warnings ADD CONSTRAINT evaluation_warnings_unique"
     "  UNIQUE (tender_id, lot_no, round, kind, member_id, org_id, item);"
     "ALTER TABLE evaluation_signatures ADD COLUMN lot_no INTEGER NOT NULL DEFAULT 1,"
     "  ADD COLUMN round INTEGER NOT NULL DEFAULT 1,"
     "  DROP CONSTRAINT evaluation_signatures_pkey;"
     "ALTER TABLE evaluation_signatures ADD PRIMARY KEY (tender_id, lot_no, round, member_id);"
     "ALTER TABLE evaluation_objections ADD COLUMN lot_no INTEGER NOT NULL DEFAULT 1;"
     "DROP INDEX evaluation_objections_tender;"
     "CREATE INDEX evaluation_objections_tender ON evaluation_objections(tender_id, lot_no, id);"
     "CREATE TABLE evaluation_rounds ("
     "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL,"
     "  round INTEGER NOT NULL,"
     "  result TEXT,"     /* the round's result summary, JSON, or NULL */
     "  report TEXT,"     /* its report, canonical JSON, or NULL (ended before) */
     "  report_sha TEXT,"
     "  reason TEXT NOT NULL," /* why it ended */
     "  complaint_id BIGINT," /* the complaint that ordered the re-evaluation */
     "  ended_ms BIGINT NOT NULL,"
     "  PRIMARY KEY (tender_id, lot_no, round)"
     ");"},
    {23, "award per lot: complaints' lot, contracts by lot, late contracts warned",
     /* as sqlite/migrations.c 23 (docs/award.md "Per lot") */
     "ALTER TABLE complaints ADD COLUMN lot_no BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE complaints ADD COLUMN carried_out BIGINT;"
     "ALTER TABLE complaints ADD COLUMN carried_why TEXT;"
     "ALTER TABLE award_contracts ADD COLUMN lot_no BIGINT NOT NULL DEFAULT 1;"
     "ALTER TABLE award_contracts DROP CONSTRAINT award_contracts_pkey;"
     "ALTER TABLE award_contracts ADD PRIMARY KEY (tender_id, lot_no);"
     "CREATE TABLE award_late_warnings ("
     "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
     "  lot_no BIGINT NOT NULL,"
     "  award_ms BIGINT NOT NULL,"
     "  warned_ms BIGINT NOT NULL,"
     "  PRIMARY KEY (tender_id, lot_no, award_ms)"
     ");"},
    {24, "working-day calendar (docs/calendar.md)",
     /* calendar_days: the days that differ from the plain week (Monday to
      * Friday working): a holiday on a weekday or weekend, or a workday on
      * a Saturday or Sunday (调休); domain/workcal.h. calendar_changes:
      * every set, delete and import, never edited (kind NULL: deleted). */
     "CREATE TABLE calendar_days ("
     "  date TEXT PRIMARY KEY," /* YYYY-MM-DD, China time */
     "  kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),"
     "  name TEXT NOT NULL,"
     "  set_by BIGINT REFERENCES users(id),"
     "  set_ms BIGINT NOT NULL"
     ");"
     "CREATE TABLE calendar_changes ("
     "  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
     "  date TEXT NOT NULL,"
     "  kind TEXT CHECK (kind IN ('holiday', 'workday')),"
     "  name TEXT,"
     "  set_by BIGINT REFERENCES users(id),"
     "  set_ms BIGINT NOT NULL,"
     "  source TEXT NOT NULL CHECK (source IN ('edit', 'import', 'delete'))"
     ");"
     "CREATE INDEX calendar_changes_date ON calendar_changes(date, id);"},
    {25, "draw pool version; draws keep a pool blob (docs/draw.md)",
     "ALTER TABLE draws ADD COLUMN pool_sha TEXT;"
     "CREATE TABLE expert_pool_version (id INTEGER PRIMARY KEY CHECK (id = 1),"
     " version BIGINT NOT NULL);"
     "INSERT INTO expert_pool_version VALUES (1, floor(random() * 281474976710655)::bigint + 1);"},
    {26, "receipts numbered per bidder within a tender (docs/bids.md)",
     "ALTER TABLE bid_receipts DROP CONSTRAINT bid_receipts_tender_id_seq_key;"
     "ALTER TABLE bid_receipts ADD CONSTRAINT bid_receipts_tender_org_seq"
     " UNIQUE (tender_id, org_id, seq);"
     "CREATE INDEX bid_receipts_bid ON bid_receipts(bid_id);"},
    {27, "objections belong to the round they were raised in (docs/evaluation.md)",
     /* An objection is to one round's result (實施條例 art. 54). Existing
      * rows get the first ended round of their lot that ended at or after
      * they were raised, else the lot's current round, else 1; those of
      * an ended round still open are closed as superseded at that round's
      * end, as evaluation_reevaluate_tx now does (answered_by NULL: the
      * system). */
     "ALTER TABLE evaluation_objections ADD COLUMN round INTEGER NOT NULL DEFAULT 1;"
     "UPDATE evaluation_objections SET round = COALESCE("
     " (SELECT min(r.round) FROM evaluation_rounds r"
     "  WHERE r.tender_id = evaluation_objections.tender_id"
     "  AND r.lot_no = evaluation_objections.lot_no"
     "  AND r.ended_ms >= evaluation_objections.raised_ms),"
     " (SELECT e.round FROM evaluations e WHERE e.tender_id = evaluation_objections.tender_id"
     "  AND e.lot_no = evaluation_objections.lot_no), 1);"
     "UPDATE evaluation_objections SET"
     " answer = 'superseded: re-evaluation round ' || (round + 1) || ' started',"
     " answered_ms = (SELECT r.ended_ms FROM evaluation_rounds r"
     "  WHERE r.tender_id = evaluation_objections.tender_id"
     "  AND r.lot_no = evaluation_objections.lot_no AND r.round = evaluation_objections.round)"
     " WHERE answered_ms IS NULL AND EXISTS (SELECT 1 FROM evaluation_rounds r"
     "  WHERE r.tender_id = evaluation_objections.tender_id"
     "  AND r.lot_no = evaluation_objections.lot_no AND r.round = evaluation_objections.round);"
     "DROP INDEX evaluation_objections_tender;"
     "CREATE INDEX evaluation_objections_tender"
     " ON evaluation_objections(tender_id, lot_no, round, id);"},
    {28, "draw pool version bumped by triggers; open bonds index (docs/draw.md, award.md)",
     "CREATE FUNCTION expert_pool_bump() RETURNS trigger LANGUAGE plpgsql AS $fn$"
     " BEGIN"
     "   UPDATE expert_pool_version SET version = version + 1 WHERE id = 1;"
     "   RETURN NULL;"
     " END $fn$;"
     "CREATE TRIGGER experts_pool AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON experts"
     "  FOR EACH STATEMENT EXECUTE FUNCTION expert_pool_bump();"
     "CREATE TRIGGER expert_specialty_links_pool AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
     "  ON expert_specialty_links FOR EACH STATEMENT EXECUTE FUNCTION expert_pool_bump();"
     "CREATE TRIGGER expert_specialties_pool AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
     "  ON expert_specialties FOR EACH STATEMENT EXECUTE FUNCTION expert_pool_bump();"
     /* the overdue-bond sweep reads only bonds not refunded */
     "CREATE INDEX bonds_open ON bonds(tender_id, org_id) WHERE refunded_ms IS NULL;"},
    {29, "the opening hall: signatures in rows, lots, signing window (docs/opening.md)",
     "CREATE TABLE opening_signatures ("
     "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
     "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
     "  bidder TEXT NOT NULL,"             /* the organisation's name when it signed */
     "  certificate TEXT NOT NULL,"        /* base64 DER */
     "  certificate_sha256 TEXT NOT NULL," /* hex */
     "  key_alg TEXT NOT NULL,"            /* p256 sm2 */
     "  signature TEXT NOT NULL,"          /* base64 DER over the draft's message */
     "  signed_ms BIGINT NOT NULL,"
     "  PRIMARY KEY (tender_id, org_id)"
     ");"
     "CREATE TABLE opening_lots ("
     "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
     "  lot_no BIGINT NOT NULL,"
     "  bidders BIGINT NOT NULL," /* organisations with a bid on the lot at the deadline */
     "  failed_ms BIGINT,"        /* the lot failed at the opening (流标); NULL: goes on */
     "  reason TEXT,"
     "  PRIMARY KEY (tender_id, lot_no)"
     ");"
     "ALTER TABLE opening_halls ADD COLUMN signing_end_ms BIGINT;"},
    /* 30: the invitees of an invited tender (邀请招标, docs/tenders.md): the
     * organisations the agent invites; only they may register */
    {30, "tender invitees",
     "CREATE TABLE tender_invitees ("
     "  tender_id BIGINT NOT NULL REFERENCES tenders(id),"
     "  org_id BIGINT NOT NULL REFERENCES orgs(id),"
     "  added_by BIGINT REFERENCES users(id),"
     "  added_ms BIGINT NOT NULL,"
     "  PRIMARY KEY (tender_id, org_id)"
     ");"},
};
const int pg_nmigrations = (int)(sizeof(pg_migrations) / sizeof(pg_migrations[0]));
