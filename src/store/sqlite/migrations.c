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

/* Migration 7: the subject index of the witness log, for witness
 * certificates of a whole subject (docs/certificate.md): one row per
 * (subject type, subject id, leaf) for an entry's "subject" {type, id},
 * and ("tender", N, leaf) for its optional "tender" key, so every event of
 * a tender's parts (lots, bids, openings) is found with the tender. Filled
 * by the sequencer in the round that integrates the leaf; leaves integrated
 * before this migration are indexed here from their JSON. Append-only. */
static const char m007_subjects[] =
    "CREATE TABLE ledger_subjects ("
    "  subject_type TEXT NOT NULL,"
    "  subject_id INTEGER NOT NULL,"
    "  idx INTEGER NOT NULL CHECK (idx >= 0)," /* ledger_leaves.idx */
    "  PRIMARY KEY (subject_type, subject_id, idx)"
    ");"
    "INSERT OR IGNORE INTO ledger_subjects (subject_type, subject_id, idx)"
    "  SELECT json_extract(CAST(entry AS TEXT), '$.subject.type'),"
    "         json_extract(CAST(entry AS TEXT), '$.subject.id'), idx"
    "  FROM ledger_leaves WHERE json_valid(CAST(entry AS TEXT))"
    "   AND json_type(CAST(entry AS TEXT), '$.subject.type') = 'text'"
    "   AND json_type(CAST(entry AS TEXT), '$.subject.id') = 'integer';"
    "INSERT OR IGNORE INTO ledger_subjects (subject_type, subject_id, idx)"
    "  SELECT 'tender', json_extract(CAST(entry AS TEXT), '$.tender'), idx"
    "  FROM ledger_leaves WHERE json_valid(CAST(entry AS TEXT))"
    "   AND json_type(CAST(entry AS TEXT), '$.tender') = 'integer';"
    "CREATE TRIGGER ledger_subjects_no_update BEFORE UPDATE ON ledger_subjects"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_subjects is append-only'); END;"
    "CREATE TRIGGER ledger_subjects_no_delete BEFORE DELETE ON ledger_subjects"
    "  BEGIN SELECT RAISE(ABORT, 'ledger_subjects is append-only'); END;";

/* Migration 8: tenders up to their opening (domain/tender.h, docs/tenders.md).
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
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE," /* 350100-GC-2026-00001 */
    "  region TEXT NOT NULL,"      /* GB/T 2260 */
    "  code_year INTEGER NOT NULL,"
    "  code_seq INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  description TEXT,"
    "  category TEXT NOT NULL CHECK (category IN ('works', 'goods', 'services', 'land',"
    "    'mining', 'assets', 'emission', 'rural', 'forest')),"
    "  procedure TEXT NOT NULL CHECK (procedure IN ('open', 'invited', 'negotiation',"
    "    'inquiry', 'single_source')),"
    "  state TEXT NOT NULL CHECK (state IN ('draft', 'published', 'bidding', 'opening',"
    "    'evaluation', 'publicity', 'awarded', 'contracted', 'archived', 'failed',"
    "    'cancelled')),"
    "  paused INTEGER NOT NULL DEFAULT 0,"
    "  paused_since_ms INTEGER," /* the open pause began */
    "  paused_total_ms INTEGER NOT NULL DEFAULT 0,"
    "  scheduled INTEGER NOT NULL DEFAULT 0,"        /* a draft to publish at publish_at */
    "  ceiling_fen INTEGER CHECK (ceiling_fen > 0)," /* 最高投標限價; NULL: none */
    "  bond_fen INTEGER NOT NULL DEFAULT 0 CHECK (bond_fen >= 0),"
    "  bond_form TEXT NOT NULL DEFAULT 'none',"
    "  eval_method TEXT NOT NULL,"
    "  decrypt_window_min INTEGER NOT NULL DEFAULT 30,"
    "  escrow_k INTEGER NOT NULL DEFAULT 0," /* k-of-n escrow; 0: not allowed */
    "  escrow_n INTEGER NOT NULL DEFAULT 0,"
    "  min_bids INTEGER NOT NULL DEFAULT 3,"
    "  readout_fields TEXT NOT NULL DEFAULT 'bidder,price,duration',"
    "  publish_at_ms INTEGER,"
    "  doc_start_ms INTEGER,"
    "  doc_end_ms INTEGER,"
    "  clarify_deadline_ms INTEGER,"
    "  bid_deadline_ms INTEGER,"      /* = the opening time */
    "  original_deadline_ms INTEGER," /* as first published */
    "  next_due_ms INTEGER,"
    "  owner_org_id INTEGER NOT NULL REFERENCES orgs(id)," /* the tenderer */
    "  agent_org_id INTEGER NOT NULL REFERENCES orgs(id)," /* the agency running it */
    "  created_by INTEGER REFERENCES users(id),"
    "  published_ms INTEGER,"
    "  cancel_reason TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  UNIQUE (region, category, code_year, code_seq)"
    ");"
    "CREATE INDEX tenders_due ON tenders(next_due_ms) WHERE next_due_ms IS NOT NULL;"
    "CREATE INDEX tenders_agent ON tenders(agent_org_id, id);"
    "CREATE INDEX tenders_owner ON tenders(owner_org_id, id);"
    "CREATE TABLE tender_lots ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  lot_no INTEGER NOT NULL CHECK (lot_no >= 1),"
    "  title TEXT NOT NULL,"
    "  ceiling_fen INTEGER CHECK (ceiling_fen > 0),"
    "  bond_fen INTEGER NOT NULL DEFAULT 0 CHECK (bond_fen >= 0),"
    "  created_ms INTEGER NOT NULL,"
    "  UNIQUE (tender_id, lot_no)"
    ");"
    "CREATE TABLE tender_documents ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  name TEXT NOT NULL,"
    "  media_type TEXT NOT NULL,"
    "  blob_hash TEXT NOT NULL," /* SHA-256 hex, the blob store's name */
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  uploaded_by INTEGER REFERENCES users(id),"
    "  uploaded_ms INTEGER NOT NULL,"
    "  UNIQUE (tender_id, version)"
    ");"
    "CREATE TABLE tender_registrations ("
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  user_id INTEGER REFERENCES users(id),"
    "  registered_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (tender_id, org_id)"
    ");"
    "CREATE TABLE tender_downloads ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  document_id INTEGER NOT NULL REFERENCES tender_documents(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  user_id INTEGER REFERENCES users(id),"
    "  at_ms INTEGER NOT NULL,"
    "  remote_addr TEXT"
    ");"
    "CREATE INDEX tender_downloads_tender ON tender_downloads(tender_id, id);"
    "CREATE TABLE tender_clarifications ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  no INTEGER NOT NULL CHECK (no >= 1)," /* 1, 2 ... within the tender */
    "  body TEXT NOT NULL,"
    "  document_version INTEGER," /* a document version it announces, or NULL */
    "  deadline_before_ms INTEGER NOT NULL,"
    "  deadline_after_ms INTEGER NOT NULL,"
    "  published_by INTEGER REFERENCES users(id),"
    "  published_ms INTEGER NOT NULL,"
    "  UNIQUE (tender_id, no)"
    ");"
    "CREATE TABLE tender_questions ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id)," /* the asker: agent and supervisor only */
    "  user_id INTEGER REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  asked_ms INTEGER NOT NULL,"
    "  clarification_id INTEGER REFERENCES tender_clarifications(id)" /* answered by */
    ");"
    "CREATE INDEX tender_questions_tender ON tender_questions(tender_id, id);"
    "CREATE TABLE tender_objections ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  user_id INTEGER REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  raised_ms INTEGER NOT NULL,"
    "  answer_due_ms INTEGER NOT NULL,"
    "  answer TEXT,"
    "  answered_by INTEGER REFERENCES users(id),"
    "  answered_ms INTEGER" /* NULL: open, the tender is paused */
    ");"
    "CREATE INDEX tender_objections_tender ON tender_objections(tender_id, id);"
    "CREATE TABLE tender_transitions ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  action TEXT NOT NULL," /* publish, release, bidding, opening, pause, resume, cancel ... */
    "  from_state TEXT NOT NULL,"
    "  to_state TEXT NOT NULL,"
    "  due_ms INTEGER,"         /* a timer's nominal time (publish_at, deadline ...) */
    "  at_ms INTEGER NOT NULL," /* when it happened */
    "  actor_user_id INTEGER,"
    "  actor TEXT NOT NULL"
    ");"
    "CREATE INDEX tender_transitions_tender ON tender_transitions(tender_id, id);"
    "CREATE TABLE tender_rule_values ("
    "  procedure TEXT NOT NULL,"
    "  rule TEXT NOT NULL,"
    "  value INTEGER NOT NULL,"
    "  updated_by INTEGER REFERENCES users(id),"
    "  updated_ms INTEGER NOT NULL,"
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
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('ca', 'crl')),"
    "  der BLOB NOT NULL,"
    "  fingerprint TEXT NOT NULL," /* SHA-256 of der, hex */
    "  subject TEXT NOT NULL,"     /* the CA's subject, or the CRL's issuer */
    "  not_after_ms INTEGER,"      /* CA notAfter, CRL nextUpdate */
    "  added_by INTEGER REFERENCES users(id),"
    "  added_ms INTEGER NOT NULL,"
    "  removed_by INTEGER REFERENCES users(id),"
    "  removed_ms INTEGER"
    ");"
    "CREATE UNIQUE INDEX trust_items_live ON trust_items(fingerprint) WHERE removed_ms IS NULL;"
    "CREATE TABLE org_certs ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  usage TEXT NOT NULL CHECK (usage IN ('sign', 'encrypt')),"
    "  der BLOB NOT NULL,"
    "  chain BLOB," /* intermediates sent with it (PEM), or NULL */
    "  fingerprint TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  issuer TEXT NOT NULL,"
    "  serial TEXT NOT NULL,"
    "  key_alg TEXT NOT NULL," /* sm2, p256 */
    "  uscc TEXT,"
    "  not_before_ms INTEGER NOT NULL,"
    "  not_after_ms INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('active', 'replaced')),"
    "  registered_by INTEGER REFERENCES users(id),"
    "  registered_ms INTEGER NOT NULL,"
    "  replaced_ms INTEGER"
    ");"
    "CREATE UNIQUE INDEX org_certs_active ON org_certs(org_id, usage) WHERE status = 'active';"
    "CREATE INDEX org_certs_fp ON org_certs(fingerprint);"
    "CREATE TABLE bids ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  lot_no INTEGER NOT NULL CHECK (lot_no >= 1),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  state TEXT NOT NULL CHECK (state IN ('submitted', 'superseded', 'withdrawn')),"
    "  blob_hash TEXT NOT NULL," /* SHA-256 of the envelope, hex: the blob's name */
    "  size INTEGER NOT NULL CHECK (size > 0),"
    "  suite TEXT NOT NULL,"      /* gm, intl */
    "  chain_hash TEXT NOT NULL," /* the envelope's signed chain value h, hex */
    "  signer_fp TEXT NOT NULL,"  /* SHA-256 of the signer certificate, hex */
    "  signer_cert_id INTEGER REFERENCES org_certs(id),"
    "  user_id INTEGER REFERENCES users(id)," /* who uploaded */
    "  remote_addr TEXT,"                     /* from where */
    "  submitted_ms INTEGER NOT NULL,"        /* server time */
    "  seq INTEGER NOT NULL,"                 /* its receipt's number (per bidder: m26) */
    "  ended_ms INTEGER,"                     /* superseded or withdrawn at */
    "  UNIQUE (tender_id, lot_no, org_id, version)"
    ");"
    "CREATE INDEX bids_tender ON bids(tender_id, lot_no, org_id);"
    "CREATE TABLE bid_receipts ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  seq INTEGER NOT NULL CHECK (seq >= 1),"
    "  bid_id INTEGER NOT NULL REFERENCES bids(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('submit', 'withdraw')),"
    "  body TEXT NOT NULL,"      /* the signed text, docs/bids.md */
    "  key_id TEXT NOT NULL,"    /* receipt_keys */
    "  signature TEXT NOT NULL," /* base64 */
    "  created_ms INTEGER NOT NULL,"
    "  UNIQUE (tender_id, seq)"
    ");"
    "CREATE INDEX bid_receipts_org ON bid_receipts(org_id, tender_id, seq);"
    "CREATE TRIGGER bid_receipts_no_update BEFORE UPDATE ON bid_receipts"
    "  BEGIN SELECT RAISE(ABORT, 'bid_receipts is append-only'); END;"
    "CREATE TRIGGER bid_receipts_no_delete BEFORE DELETE ON bid_receipts"
    "  BEGIN SELECT RAISE(ABORT, 'bid_receipts is append-only'); END;"
    "CREATE TABLE receipt_keys ("
    "  key_id TEXT PRIMARY KEY," /* SHA-256 of the public key's SPKI DER, hex */
    "  alg TEXT NOT NULL,"       /* ed25519 */
    "  public_pem TEXT NOT NULL,"
    "  node TEXT,"
    "  created_ms INTEGER NOT NULL"
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
    "  id INTEGER PRIMARY KEY,"
    "  title TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('english', 'dutch', 'sealed', 'reverse')),"
    "  preset TEXT NOT NULL,"
    "  agent_org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  created_by INTEGER REFERENCES users(id),"
    "  start_price INTEGER NOT NULL CHECK (start_price > 0)," /* fen */
    "  increment INTEGER NOT NULL CHECK (increment > 0),"
    "  reserve INTEGER NOT NULL DEFAULT 0," /* hidden; 0: none */
    "  max_price INTEGER NOT NULL DEFAULT 0,"
    "  deposit INTEGER NOT NULL DEFAULT 0,"
    "  start_ms INTEGER NOT NULL,"
    "  end_ms INTEGER NOT NULL," /* the planned end (english, sealed) */
    "  window_ms INTEGER NOT NULL,"
    "  step_ms INTEGER NOT NULL,"
    "  pause_ms INTEGER NOT NULL,"
    "  first_pause_ms INTEGER NOT NULL,"
    "  rounds INTEGER NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('scheduled', 'live', 'sold', 'failed', 'cancelled')),"
    "  reason TEXT,"
    "  cur_end_ms INTEGER NOT NULL," /* the current end, extensions and shifts included */
    "  shift_ms INTEGER NOT NULL DEFAULT 0,"
    "  price INTEGER NOT NULL DEFAULT 0,"
    "  leader_reg INTEGER,"
    "  leader_seq INTEGER NOT NULL DEFAULT 0,"
    "  nbids INTEGER NOT NULL DEFAULT 0,"
    "  seq INTEGER NOT NULL DEFAULT 0,"
    "  order_round INTEGER NOT NULL DEFAULT 0,"
    "  round_order TEXT," /* reverse: registration ids of the round's turns, comma list */
    "  epoch INTEGER NOT NULL DEFAULT 0,"
    "  owner_node TEXT,"
    "  alive_ms INTEGER NOT NULL DEFAULT 0,"
    "  closed_ms INTEGER,"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX auctions_state ON auctions(state, start_ms);"
    "CREATE TABLE auction_regs ("
    "  id INTEGER PRIMARY KEY,"
    "  auction_id INTEGER NOT NULL REFERENCES auctions(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  user_id INTEGER REFERENCES users(id),"
    "  state TEXT NOT NULL CHECK (state IN ('applied', 'qualified', 'rejected')),"
    "  deposit_ref TEXT NOT NULL," /* the deposit slip or guarantee number */
    "  paddle TEXT,"               /* 競買號, given at qualification */
    "  applied_ms INTEGER NOT NULL,"
    "  decided_ms INTEGER,"
    "  decided_by INTEGER REFERENCES users(id),"
    "  UNIQUE (auction_id, org_id),"
    "  UNIQUE (auction_id, paddle)"
    ");"
    "CREATE TABLE auction_bids ("
    "  id INTEGER PRIMARY KEY,"
    "  auction_id INTEGER NOT NULL REFERENCES auctions(id),"
    "  seq INTEGER NOT NULL CHECK (seq >= 1),"
    "  reg_id INTEGER NOT NULL REFERENCES auction_regs(id),"
    "  user_id INTEGER REFERENCES users(id),"
    "  amount INTEGER NOT NULL CHECK (amount > 0),"
    "  offered INTEGER NOT NULL," /* what the bidder sent (dutch: may exceed the price) */
    "  round INTEGER NOT NULL DEFAULT 0,"
    "  received_ms INTEGER NOT NULL," /* server receipt */
    "  ref TEXT,"                     /* the client's reference: a replay is refused */
    "  remote_addr TEXT,"
    "  UNIQUE (auction_id, seq)"
    ");"
    "CREATE UNIQUE INDEX auction_bids_ref ON auction_bids(auction_id, reg_id, ref);"
    "CREATE TABLE auction_results ("
    "  auction_id INTEGER PRIMARY KEY REFERENCES auctions(id),"
    "  outcome TEXT NOT NULL CHECK (outcome IN ('sold', 'failed', 'cancelled')),"
    "  reason TEXT,"
    "  winner_reg INTEGER REFERENCES auction_regs(id),"
    "  price INTEGER,"
    "  body TEXT NOT NULL," /* the signed text, docs/auction.md */
    "  key_id TEXT NOT NULL,"
    "  public_pem TEXT NOT NULL,"
    "  signature TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE TRIGGER auction_bids_no_update BEFORE UPDATE ON auction_bids"
    "  BEGIN SELECT RAISE(ABORT, 'auction_bids is append-only'); END;"
    "CREATE TRIGGER auction_bids_no_delete BEFORE DELETE ON auction_bids"
    "  BEGIN SELECT RAISE(ABORT, 'auction_bids is append-only'); END;"
    "CREATE TRIGGER auction_results_no_update BEFORE UPDATE ON auction_results"
    "  BEGIN SELECT RAISE(ABORT, 'auction_results is append-only'); END;"
    "CREATE TRIGGER auction_results_no_delete BEFORE DELETE ON auction_results"
    "  BEGIN SELECT RAISE(ABORT, 'auction_results is append-only'); END;";

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
    "  updated_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX expert_specialties_parent ON expert_specialties(parent);"
    "CREATE TABLE experts ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE," /* the pool's own number (專家編號), the import key */
    "  name TEXT NOT NULL,"
    "  user_id INTEGER UNIQUE REFERENCES users(id)," /* the expert's account, if any */
    "  region TEXT NOT NULL,"                        /* GB/T 2260 */
    "  employer TEXT NOT NULL,"
    "  employer_uscc TEXT,"  /* GB 32100, when known */
    "  title TEXT NOT NULL," /* 職稱 as written */
    "  title_level TEXT NOT NULL CHECK (title_level IN ('intermediate', 'deputy_senior',"
    "    'senior')),"
    "  years INTEGER NOT NULL CHECK (years >= 0 AND years <= 80)," /* years of practice */
    "  phone TEXT,"
    "  email TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'retired')),"
    "  note TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 1"
    ");"
    "CREATE INDEX experts_region ON experts(region);"
    "CREATE TABLE expert_specialty_links ("
    "  expert_id INTEGER NOT NULL REFERENCES experts(id),"
    "  code TEXT NOT NULL REFERENCES expert_specialties(code),"
    "  PRIMARY KEY (expert_id, code)"
    ");"
    "CREATE INDEX expert_specialty_links_code ON expert_specialty_links(code, expert_id);"
    "CREATE TABLE expert_relations ("
    "  id INTEGER PRIMARY KEY,"
    "  expert_id INTEGER NOT NULL REFERENCES experts(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('former_employer', 'relative', 'shareholder',"
    "    'interest', 'other')),"
    "  org_uscc TEXT," /* the organisation, by its code when known */
    "  org_name TEXT NOT NULL,"
    "  until_ms INTEGER," /* NULL: ongoing */
    "  note TEXT,"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX expert_relations_expert ON expert_relations(expert_id);"
    "CREATE TABLE expert_unavailability ("
    "  id INTEGER PRIMARY KEY,"
    "  expert_id INTEGER NOT NULL REFERENCES experts(id),"
    "  from_ms INTEGER NOT NULL,"
    "  to_ms INTEGER NOT NULL CHECK (to_ms > from_ms)," /* exclusive */
    "  kind TEXT NOT NULL CHECK (kind IN ('leave', 'blocked')),"
    "  note TEXT,"
    "  created_by INTEGER REFERENCES users(id),"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX expert_unavailability_expert ON expert_unavailability(expert_id, from_ms);"
    "CREATE TABLE expert_credit ("
    "  id INTEGER PRIMARY KEY,"
    "  expert_id INTEGER NOT NULL REFERENCES experts(id),"
    "  at_ms INTEGER NOT NULL," /* when it happened */
    "  kind TEXT NOT NULL CHECK (kind IN ('commend', 'warning', 'penalty', 'suspend',"
    "    'reinstate', 'note')),"
    "  points INTEGER NOT NULL DEFAULT 0,"
    "  note TEXT NOT NULL,"
    "  tender_id INTEGER REFERENCES tenders(id),"
    "  by_user INTEGER REFERENCES users(id),"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX expert_credit_expert ON expert_credit(expert_id, id);"
    "CREATE TRIGGER expert_credit_no_update BEFORE UPDATE ON expert_credit"
    "  BEGIN SELECT RAISE(ABORT, 'expert_credit is append-only'); END;"
    "CREATE TRIGGER expert_credit_no_delete BEFORE DELETE ON expert_credit"
    "  BEGIN SELECT RAISE(ABORT, 'expert_credit is append-only'); END;"
    "CREATE TABLE expert_settings ("
    "  key TEXT PRIMARY KEY,"
    "  value INTEGER NOT NULL,"
    "  updated_by INTEGER REFERENCES users(id),"
    "  updated_ms INTEGER NOT NULL"
    ");"
    "CREATE TABLE draws ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  state TEXT NOT NULL CHECK (state IN ('committed', 'drawn', 'revealed', 'cancelled')),"
    "  seed BLOB NOT NULL,"             /* 32 bytes, secret until revealed */
    "  commitment TEXT NOT NULL,"       /* SHA-256(seed), hex */
    "  eval_start_ms INTEGER NOT NULL," /* the evaluation's dates */
    "  eval_end_ms INTEGER NOT NULL,"
    "  reps INTEGER NOT NULL DEFAULT 0," /* tenderer's representatives planned */
    "  max_draws_30d INTEGER NOT NULL,"  /* the limit in force when requested */
    "  commit_leaf INTEGER,"             /* the draw.commit entry's leaf */
    "  checkpoint_size INTEGER,"         /* the mixed checkpoint */
    "  checkpoint_note TEXT,"
    "  snapshot_sha TEXT,"                /* the eligible snapshot: a blob, by its SHA-256 */
    "  excluded_sha TEXT,"                /* the excluded experts with reasons: a blob */
    "  short INTEGER NOT NULL DEFAULT 0," /* replacements that could not be found */
    "  requested_by INTEGER REFERENCES users(id),"
    "  requested_ms INTEGER NOT NULL,"
    "  drawn_ms INTEGER,"
    "  revealed_ms INTEGER,"
    "  cancelled_ms INTEGER,"
    "  cancel_reason TEXT,"
    "  version INTEGER NOT NULL DEFAULT 1"
    ");"
    "CREATE INDEX draws_tender ON draws(tender_id, id);"
    "CREATE TABLE draw_requests ("
    "  draw_id INTEGER NOT NULL REFERENCES draws(id),"
    "  grp INTEGER NOT NULL CHECK (grp >= 1),"
    "  specialty TEXT NOT NULL REFERENCES expert_specialties(code),"
    "  region TEXT NOT NULL," /* '' = any */
    "  count INTEGER NOT NULL CHECK (count >= 1),"
    "  reserves INTEGER NOT NULL CHECK (reserves >= 0),"
    "  PRIMARY KEY (draw_id, grp)"
    ");"
    "CREATE TABLE draw_members ("
    "  id INTEGER PRIMARY KEY,"
    "  draw_id INTEGER NOT NULL REFERENCES draws(id),"
    "  grp INTEGER NOT NULL,"
    "  position INTEGER NOT NULL CHECK (position >= 0)," /* in the group's order */
    "  expert_id INTEGER NOT NULL REFERENCES experts(id),"
    "  role TEXT NOT NULL CHECK (role IN ('primary', 'reserve', 'replacement')),"
    "  status TEXT NOT NULL CHECK (status IN ('notified', 'confirmed', 'declined', 'reserve',"
    "    'skipped', 'released')),"
    "  replaces_id INTEGER," /* the member this one replaces */
    "  reason TEXT,"         /* a decline's or a skip's reason */
    "  notified_ms INTEGER,"
    "  answered_ms INTEGER,"
    "  created_ms INTEGER NOT NULL,"
    "  UNIQUE (draw_id, grp, position)"
    ");"
    "CREATE INDEX draw_members_expert ON draw_members(expert_id, notified_ms);"
    "CREATE TABLE committee_members ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('expert', 'rep'))," /* rep: the tenderer's representative
                                                               */
    "  draw_member_id INTEGER REFERENCES draw_members(id),"
    "  expert_id INTEGER REFERENCES experts(id),"
    "  name TEXT NOT NULL,"
    "  user_id INTEGER REFERENCES users(id),"
    "  title TEXT,"
    "  added_by INTEGER REFERENCES users(id),"
    "  added_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX committee_members_tender ON committee_members(tender_id, id);"
    "CREATE TABLE committees ("
    "  tender_id INTEGER PRIMARY KEY REFERENCES tenders(id),"
    "  size INTEGER NOT NULL,"
    "  experts INTEGER NOT NULL,"
    "  reps INTEGER NOT NULL,"
    "  chair_member_id INTEGER REFERENCES committee_members(id),"
    "  chair_how TEXT CHECK (chair_how IN ('elected', 'designated')),"
    "  formed_by INTEGER REFERENCES users(id),"
    "  formed_ms INTEGER NOT NULL,"
    "  chair_ms INTEGER"
    ");"
    "CREATE TABLE committee_votes ("
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  voter_member_id INTEGER NOT NULL REFERENCES committee_members(id),"
    "  candidate_member_id INTEGER NOT NULL REFERENCES committee_members(id),"
    "  at_ms INTEGER NOT NULL,"
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
    "  tender_id INTEGER PRIMARY KEY REFERENCES tenders(id),"
    "  phase TEXT NOT NULL CHECK (phase IN ('signin', 'decrypt', 'readout', 'objections',"
    "    'signing', 'sealed', 'failed')),"
    "  bidders INTEGER NOT NULL,"  /* organisations with a bid, counted at creation */
    "  min_bids INTEGER NOT NULL," /* the tender's minimum then */
    "  window_end_ms INTEGER,"     /* the decryption window's end (server time) */
    "  record TEXT,"               /* the sealed opening record, JSON */
    "  record_hash TEXT,"          /* its SHA-256, hex */
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 1"
    ");"
    "CREATE TABLE opening_bids ("
    "  bid_id INTEGER PRIMARY KEY REFERENCES bids(id),"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  lot_no INTEGER NOT NULL,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  status TEXT NOT NULL CHECK (status IN ('pending', 'opened', 'revoked', 'withdrawn')),"
    "  form TEXT,"   /* the decrypted opening form, JSON */
    "  reason TEXT," /* why revoked (撤销) or withdrawn (撤回) */
    "  signed_in_ms INTEGER,"
    "  decided_ms INTEGER," /* opened / revoked / withdrawn at */
    "  signed_ms INTEGER"   /* the bidder signed the record */
    ");"
    "CREATE INDEX opening_bids_tender ON opening_bids(tender_id, lot_no, org_id);"
    "CREATE TABLE opening_objections ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  user_id INTEGER REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  raised_ms INTEGER NOT NULL,"
    "  answer TEXT,"
    "  answered_by INTEGER REFERENCES users(id),"
    "  answered_ms INTEGER"
    ");"
    "CREATE INDEX opening_objections_tender ON opening_objections(tender_id, id);";

static const char m013_escrow[] =
    "CREATE TABLE user_certs ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  usage TEXT NOT NULL CHECK (usage IN ('sign', 'encrypt')),"
    "  der BLOB NOT NULL,"
    "  fingerprint TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  issuer TEXT NOT NULL,"
    "  serial TEXT NOT NULL,"
    "  key_alg TEXT NOT NULL," /* sm2, p256 */
    "  not_before_ms INTEGER NOT NULL,"
    "  not_after_ms INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('active', 'replaced')),"
    "  registered_ms INTEGER NOT NULL,"
    "  replaced_ms INTEGER"
    ");"
    "CREATE UNIQUE INDEX user_certs_active ON user_certs(user_id, usage) WHERE status = 'active';"
    "CREATE TABLE escrow_officers (" /* chosen in the draft; x = the share's index */
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  x INTEGER NOT NULL,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  PRIMARY KEY (tender_id, x),"
    "  UNIQUE (tender_id, user_id)"
    ");"
    "CREATE TABLE escrow_keys (" /* made at publication; the private half is never stored */
    "  tender_id INTEGER PRIMARY KEY REFERENCES tenders(id),"
    "  k INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  split_id TEXT NOT NULL,"  /* the Shamir split's id, hex */
    "  gm_pub TEXT NOT NULL,"    /* SM2 public key, PEM */
    "  intl_pub TEXT NOT NULL,"  /* P-256 public key, PEM */
    "  gm_key_id TEXT NOT NULL," /* SHA-256 of its SPKI, hex (the envelope's key id) */
    "  intl_key_id TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL,"
    "  recovered_ms INTEGER" /* k good shares combined to the committed key */
    ");"
    "CREATE TABLE escrow_shares ("
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  x INTEGER NOT NULL,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  cert_fp TEXT NOT NULL,"   /* the officer's encryption certificate it is sealed to */
    "  encrypted BLOB NOT NULL," /* docs/escrow.md, the sealed share */
    "  plain BLOB,"              /* the share, once submitted (opening started) */
    "  submitted_ms INTEGER,"
    "  rejected_ms INTEGER," /* not on the recovered polynomial: set aside */
    "  PRIMARY KEY (tender_id, x)"
    ");"
    "CREATE TABLE escrow_opens (" /* bids opened with the recovered key */
    "  bid_id INTEGER PRIMARY KEY REFERENCES bids(id),"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  lot_no INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  by_user INTEGER REFERENCES users(id),"
    "  at_ms INTEGER NOT NULL"
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
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  lot_no INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"      /* the file's name as uploaded */
    "  blob_hash TEXT NOT NULL," /* the file (CSV or XLSX) */
    "  lines INTEGER NOT NULL,"  /* lines read from it */
    "  uploaded_by INTEGER REFERENCES users(id),"
    "  uploaded_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (tender_id, lot_no)"
    ");"
    "CREATE TABLE boq_keys ("
    "  bid_id INTEGER PRIMARY KEY REFERENCES bids(id),"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  lot_no INTEGER NOT NULL,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  content_key TEXT NOT NULL," /* K released at the opening, 64 hex */
    "  kept_ms INTEGER NOT NULL,"
    "  boq_status TEXT CHECK (boq_status IN ('found', 'absent', 'invalid')),"
    "  boq_name TEXT,"   /* the priced BoQ's file name in the envelope */
    "  boq_hash TEXT,"   /* its blob, once extracted */
    "  boq_reason TEXT," /* why invalid */
    "  read_ms INTEGER"
    ");"
    "CREATE INDEX boq_keys_tender ON boq_keys(tender_id, lot_no, org_id);"
    "CREATE TABLE credit_records ("
    "  id INTEGER PRIMARY KEY,"
    "  org_uscc TEXT NOT NULL," /* the organisation's unified social credit code */
    "  org_name TEXT NOT NULL,"
    "  source TEXT NOT NULL," /* who recorded it: 信用中国, a supervisor's office */
    "  kind TEXT NOT NULL CHECK (kind IN ('penalty', 'bad', 'good', 'dishonest', 'other')),"
    "  ref TEXT,"                   /* the decision's number (文號) */
    "  record_ms INTEGER NOT NULL," /* the decision's date */
    "  expires_ms INTEGER,"         /* when it stops counting; NULL: never */
    "  body TEXT NOT NULL,"
    "  created_by INTEGER REFERENCES users(id),"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX credit_records_org ON credit_records(org_uscc, record_ms);"
    "CREATE TABLE clarify_questions ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id)," /* the bidder asked */
    "  member_id INTEGER NOT NULL,"                  /* the chair who asked, for the committee */
    "  asked_by INTEGER REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  asked_ms INTEGER NOT NULL,"
    "  deadline_ms INTEGER NOT NULL,"
    "  answer TEXT,"
    "  signature TEXT," /* the answer's signature, DER, base64 */
    "  cert_fp TEXT,"   /* the signing certificate's SHA-256 */
    "  key_alg TEXT,"
    "  answered_by INTEGER REFERENCES users(id),"
    "  answered_ms INTEGER"
    ");"
    "CREATE INDEX clarify_questions_tender ON clarify_questions(tender_id, id);";

static const char m016_supervision[] =
    "CREATE TABLE tender_risk ("
    "  tender_id INTEGER PRIMARY KEY REFERENCES tenders(id),"
    "  score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),"
    "  level TEXT NOT NULL CHECK (level IN ('none', 'low', 'high')),"
    "  flags TEXT NOT NULL,"            /* the analysis, JSON (domain/risk.h) */
    "  basis_version INTEGER NOT NULL," /* opening_halls.version computed from */
    "  computed_ms INTEGER NOT NULL,"
    "  warned_ms INTEGER" /* the warning went out; NULL: none */
    ");"
    "CREATE INDEX tender_risk_score ON tender_risk(score, tender_id);"
    "CREATE TABLE leads ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  title TEXT NOT NULL,"
    "  source TEXT NOT NULL CHECK (source IN ('warning', 'manual')),"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'transferred', 'closed')),"
    "  opened_by INTEGER REFERENCES users(id),"
    "  opened_ms INTEGER NOT NULL,"
    "  transferred_to TEXT," /* the body: 纪检监察, 审计, 公安 ... */
    "  transferred_on TEXT," /* YYYY-MM-DD */
    "  transfer_note TEXT,"
    "  transferred_by INTEGER REFERENCES users(id),"
    "  transferred_ms INTEGER,"
    "  close_reason TEXT,"
    "  closed_by INTEGER REFERENCES users(id),"
    "  closed_ms INTEGER,"
    "  updated_ms INTEGER NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 1"
    ");"
    "CREATE INDEX leads_tender ON leads(tender_id, id);"
    "CREATE TABLE lead_evidence ("
    "  id INTEGER PRIMARY KEY,"
    "  lead_id INTEGER NOT NULL REFERENCES leads(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('note', 'file', 'flags')),"
    "  body TEXT,"            /* the note, or the flags JSON */
    "  name TEXT,"            /* a file's name */
    "  media_type TEXT,"      /* a file's type */
    "  sha256 TEXT NOT NULL," /* of the bytes (a file's blob name) */
    "  size INTEGER NOT NULL,"
    "  added_by INTEGER REFERENCES users(id),"
    "  added_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX lead_evidence_lead ON lead_evidence(lead_id, id);"
    "CREATE TRIGGER lead_evidence_no_update BEFORE UPDATE ON lead_evidence"
    "  BEGIN SELECT RAISE(ABORT, 'lead_evidence is append-only'); END;"
    "CREATE TRIGGER lead_evidence_no_delete BEFORE DELETE ON lead_evidence"
    "  BEGIN SELECT RAISE(ABORT, 'lead_evidence is append-only'); END;";

/* The evaluation room (docs/evaluation.md): one evaluation per tender, the
 * members' entries (votes, scores, adjustments), submitted sheets, score
 * anomaly warnings, the report's signatures, objections during publicity. */
static const char m014_evaluation[] =
    "CREATE TABLE evaluations ("
    "  tender_id INTEGER PRIMARY KEY REFERENCES tenders(id),"
    "  phase TEXT NOT NULL CHECK (phase IN ('qualification', 'scoring', 'signing', 'signed',"
    "    'publicity', 'awarded', 'contracted')),"
    "  method TEXT NOT NULL,"
    "  template TEXT NOT NULL,"     /* the scoring-table template, canonical JSON */
    "  template_sha TEXT NOT NULL," /* its SHA-256 */
    "  bidders TEXT NOT NULL,"      /* the opened bids taken from the hall, JSON */
    "  result TEXT,"                /* the computed ranking, JSON */
    "  report TEXT,"                /* the evaluation report, canonical JSON */
    "  report_sha TEXT,"
    "  publicity_start_ms INTEGER,"
    "  publicity_end_ms INTEGER,"
    "  award_org_id INTEGER REFERENCES orgs(id),"
    "  award_reason TEXT,"
    "  award_ms INTEGER,"
    "  notice_sha TEXT," /* the award notice (中标通知书), SHA-256 */
    "  contract_ms INTEGER,"
    "  contract_fen INTEGER,"
    "  contract_sha TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 1"
    ");"
    "CREATE TABLE evaluation_entries ("
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  member_id INTEGER NOT NULL REFERENCES committee_members(id),"
    "  org_id INTEGER NOT NULL,"
    "  item TEXT NOT NULL," /* q:CODE vote, s:CODE score, adjust */
    "  value INTEGER NOT NULL,"
    "  reason TEXT,"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (tender_id, member_id, org_id, item)"
    ");"
    "CREATE TABLE evaluation_sheets ("
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  member_id INTEGER NOT NULL REFERENCES committee_members(id),"
    "  stage TEXT NOT NULL CHECK (stage IN ('qualification', 'scoring')),"
    "  submitted_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (tender_id, member_id, stage)"
    ");"
    "CREATE TABLE evaluation_warnings ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('outlier', 'range', 'identical', 'pivotal')),"
    "  member_id INTEGER NOT NULL REFERENCES committee_members(id),"
    "  org_id INTEGER NOT NULL," /* 0: the whole sheet */
    "  item TEXT NOT NULL,"      /* '': the whole sheet */
    "  other INTEGER NOT NULL,"
    "  score INTEGER NOT NULL,"
    "  median INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'revised')),"
    "  reason TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  resolved_ms INTEGER,"
    "  UNIQUE (tender_id, kind, member_id, org_id, item)"
    ");"
    "CREATE TABLE evaluation_signatures ("
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  member_id INTEGER NOT NULL REFERENCES committee_members(id),"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  report_sha TEXT NOT NULL,"
    "  signature TEXT NOT NULL,"   /* base64 */
    "  certificate TEXT NOT NULL," /* the signer's certificate then, base64 DER */
    "  signed_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (tender_id, member_id)"
    ");"
    "CREATE TABLE evaluation_objections ("
    "  id INTEGER PRIMARY KEY,"
    "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  user_id INTEGER REFERENCES users(id),"
    "  body TEXT NOT NULL,"
    "  raised_ms INTEGER NOT NULL,"
    "  due_ms INTEGER NOT NULL,"
    "  answer TEXT,"
    "  answered_by INTEGER REFERENCES users(id),"
    "  answered_ms INTEGER"
    ");"
    "CREATE INDEX evaluation_objections_tender ON evaluation_objections(tender_id, id);";

/* blob_journal: small blobs made durable by the commit of the row that
 * names them (store/blob.c, blob_put_tx) until their files are fsync'd;
 * rows live for a few hundred milliseconds. */
static const char m017_blob_journal[] = "CREATE TABLE blob_journal ("
                                        "  hash TEXT PRIMARY KEY,"
                                        "  data BLOB NOT NULL,"
                                        "  created_ms INTEGER NOT NULL"
                                        ");";

const struct store_migration sqlite_migrations[] = {
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
     "  id INTEGER PRIMARY KEY,"
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  user_id INTEGER REFERENCES users(id),"
     "  subject TEXT NOT NULL,"
     "  body TEXT NOT NULL,"
     "  known_ms INTEGER NOT NULL,"
     "  filed_ms INTEGER NOT NULL,"
     "  status TEXT NOT NULL,"
     "  accept_due_ms INTEGER NOT NULL,"
     "  accepted_ms INTEGER,"
     "  decide_due_ms INTEGER,"
     "  suspended INTEGER NOT NULL DEFAULT 0,"
     "  suspended_ms INTEGER,"
     "  reason TEXT,"
     "  decision TEXT,"
     "  remedy TEXT,"
     "  decision_text TEXT,"
     "  closed_ms INTEGER,"
     "  handled_by INTEGER REFERENCES users(id),"
     "  accept_warned_ms INTEGER,"
     "  decide_warned_ms INTEGER,"
     "  version INTEGER NOT NULL"
     ");"
     "CREATE INDEX complaints_tender ON complaints(tender_id, id);"
     "CREATE INDEX complaints_status ON complaints(status, id);"
     "CREATE TABLE award_contracts ("
     "  tender_id INTEGER PRIMARY KEY REFERENCES tenders(id),"
     "  winner_org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  amount_fen INTEGER NOT NULL,"
     "  doc_sha TEXT NOT NULL,"
     "  doc_name TEXT NOT NULL,"
     "  doc_type TEXT NOT NULL,"
     "  doc_size INTEGER NOT NULL,"
     "  uploaded_by INTEGER REFERENCES users(id),"
     "  uploaded_ms INTEGER NOT NULL,"
     "  bidder_sig TEXT,"
     "  bidder_cert TEXT,"
     "  bidder_user_id INTEGER REFERENCES users(id),"
     "  bidder_signed_ms INTEGER,"
     "  agent_sig TEXT,"
     "  agent_cert TEXT,"
     "  agent_user_id INTEGER REFERENCES users(id),"
     "  agent_signed_ms INTEGER,"
     "  signed_ms INTEGER,"
     "  late INTEGER NOT NULL DEFAULT 0,"
     "  version INTEGER NOT NULL"
     ");"
     "CREATE TABLE bonds ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  amount_fen INTEGER NOT NULL,"
     "  form TEXT NOT NULL,"
     "  received_ms INTEGER NOT NULL,"
     "  entered_by INTEGER REFERENCES users(id),"
     "  entered_ms INTEGER NOT NULL,"
     "  refunded_ms INTEGER,"
     "  refund_ref TEXT,"
     "  refunded_by INTEGER REFERENCES users(id),"
     "  warned_ms INTEGER,"
     "  PRIMARY KEY (tender_id, org_id)"
     ");"
     "CREATE TABLE award_rules ("
     "  name TEXT PRIMARY KEY,"
     "  value INTEGER NOT NULL,"
     "  set_by INTEGER REFERENCES users(id),"
     "  set_ms INTEGER NOT NULL"
     ");"},
    {19, "organisation relationships",
     /* org_relations: shareholders, managers, key staff, phones, e-mails,
      * addresses, bank accounts of an organisation (domain/orgrel.h), each
      * with its source and time; norm is the relationship graph's key
      * (docs/graph.md, "Keys"), '' when the value is not one. Deleting a
      * record sets deleted_ms: the history stays. */
     "CREATE TABLE org_relations ("
     "  id INTEGER PRIMARY KEY,"
     "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  kind TEXT NOT NULL CHECK (kind IN ('legal_rep', 'shareholder', 'manager', 'key_staff',"
     "    'phone', 'email', 'address', 'bank_account')),"
     "  name TEXT,"      /* a person's or corporate shareholder's name */
     "  id_number TEXT," /* ID card, USCC or registration/certificate number */
     "  role TEXT,"      /* a manager's or key staff's position */
     "  share_bp INTEGER CHECK (share_bp BETWEEN 0 AND 10000)," /* 1/100 % */
     "  value TEXT,"     /* a contact as entered */
     "  norm TEXT NOT NULL,"
     "  source TEXT NOT NULL CHECK (source IN ('self', 'import', 'supervisor')),"
     "  user_id INTEGER REFERENCES users(id),"
     "  created_ms INTEGER NOT NULL,"
     "  deleted_ms INTEGER"
     ");"
     "CREATE INDEX org_relations_org ON org_relations(org_id, id);"
     "CREATE INDEX org_relations_norm ON org_relations(norm);"},
    {20, "bid document similarity",
     "CREATE TABLE tender_similarity ("
     "  tender_id INTEGER PRIMARY KEY REFERENCES tenders(id),"
     "  basis_version INTEGER NOT NULL," /* opening_halls.version computed from */
     "  status TEXT NOT NULL CHECK (status IN ('done', 'failed')),"
     "  pairs INTEGER NOT NULL," /* similar pairs of different bidders */
     "  result TEXT NOT NULL,"   /* the analysis, JSON (domain/risk_sim.h); supervisors only */
     "  computed_ms INTEGER NOT NULL"
     ");"},
    {21, "bill of quantities versions (change notices)",
     "CREATE TABLE boq_tender_versions ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL,"
     "  version INTEGER NOT NULL CHECK (version >= 1)," /* 1, 2, ... per lot */
     "  name TEXT NOT NULL,"
     "  blob_hash TEXT NOT NULL,"
     "  lines INTEGER NOT NULL,"
     "  uploaded_by INTEGER REFERENCES users(id),"
     "  uploaded_ms INTEGER NOT NULL,"
     "  notice_no INTEGER," /* the change notice (clarification number); NULL: none */
     "  PRIMARY KEY (tender_id, lot_no, version)"
     ");"
     "INSERT INTO boq_tender_versions (tender_id, lot_no, version, name, blob_hash, lines,"
     " uploaded_by, uploaded_ms) SELECT tender_id, lot_no, 1, name, blob_hash, lines,"
     " uploaded_by, uploaded_ms FROM boq_tender;"},
    {22, "evaluation per lot, with rounds (docs/evaluation.md)",
     /* Rebuilt tables: the evaluation of each (tender, lot) with its round;
      * entries, sheets, warnings and signatures belong to a (lot, round),
      * objections to a lot. Existing rows become lot 1, round 1.
      * evaluation_rounds keeps each ended round (its result, report and
      * hash) when a re-evaluation starts the next one; nothing is deleted. */
     "CREATE TABLE evaluations_new ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL DEFAULT 1,"
     "  round INTEGER NOT NULL DEFAULT 1,"
     "  phase TEXT NOT NULL CHECK (phase IN ('qualification', 'scoring', 'signing', 'signed',"
     "    'publicity', 'awarded', 'contracted', 'failed')),"
     "  method TEXT NOT NULL,"
     "  template TEXT NOT NULL,"
     "  template_sha TEXT NOT NULL,"
     "  bidders TEXT NOT NULL,"
     "  result TEXT,"
     "  report TEXT,"
     "  report_sha TEXT,"
     "  publicity_start_ms INTEGER,"
     "  publicity_end_ms INTEGER,"
     "  award_org_id INTEGER REFERENCES orgs(id),"
     "  award_reason TEXT,"
     "  award_ms INTEGER,"
     "  notice_sha TEXT,"
     "  contract_ms INTEGER,"
     "  contract_fen INTEGER,"
     "  contract_sha TEXT,"
     "  failed_reason TEXT," /* phase failed: why (流标) */
     "  created_ms INTEGER NOT NULL,"
     "  updated_ms INTEGER NOT NULL,"
     "  version INTEGER NOT NULL DEFAULT 1,"
     "  PRIMARY KEY (tender_id, lot_no)"
     ");"
     "INSERT INTO evaluations_new (tender_id, lot_no, round, phase, method, template,"
     " template_sha, bidders, result, report, report_sha, publicity_start_ms, publicity_end_ms,"
     " award_org_id, award_reason, award_ms, notice_sha, contract_ms, contract_fen,"
     " contract_sha, created_ms, updated_ms, version)"
     " SELECT tender_id, 1, 1, phase, method, template, template_sha, bidders, result, report,"
     " report_sha, publicity_start_ms, publicity_end_ms, award_org_id, award_reason, award_ms,"
     " notice_sha, contract_ms, contract_fen, contract_sha, created_ms, updated_ms, version"
     " FROM evaluations;"
     "DROP TABLE evaluations;"
     "ALTER TABLE evaluations_new RENAME TO evaluations;"
     "CREATE TABLE evaluation_entries_new ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL DEFAULT 1,"
     "  round INTEGER NOT NULL DEFAULT 1,"
     "  member_id INTEGER NOT NULL REFERENCES committee_members(id),"
     "  org_id INTEGER NOT NULL,"
     "  item TEXT NOT NULL,"
     "  value INTEGER NOT NULL,"
     "  reason TEXT,"
     "  updated_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (tender_id, lot_no, round, member_id, org_id, item)"
     ");"
     "INSERT INTO evaluation_entries_new (tender_id, lot_no, round, member_id, org_id, item,"
     " value, reason, updated_ms) SELECT tender_id, 1, 1, member_id, org_id, item, value, reason,"
     " updated_ms FROM evaluation_entries;"
     "DROP TABLE evaluation_entries;"
     "ALTER TABLE evaluation_entries_new RENAME TO evaluation_entries;"
     "CREATE TABLE evaluation_sheets_new ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL DEFAULT 1,"
     "  round INTEGER NOT NULL DEFAULT 1,"
     "  member_id INTEGER NOT NULL REFERENCES committee_members(id),"
     "  stage TEXT NOT NULL CHECK (stage IN ('qualification', 'scoring')),"
     "  submitted_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (tender_id, lot_no, round, member_id, stage)"
     ");"
     "INSERT INTO evaluation_sheets_new (tender_id, lot_no, round, member_id, stage,"
     " submitted_ms) SELECT tender_id, 1, 1, member_id, stage, submitted_ms"
     " FROM evaluation_sheets;"
     "DROP TABLE evaluation_sheets;"
     "ALTER TABLE evaluation_sheets_new RENAME TO evaluation_sheets;"
     "CREATE TABLE evaluation_warnings_new ("
     "  id INTEGER PRIMARY KEY,"
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL DEFAULT 1,"
     "  round INTEGER NOT NULL DEFAULT 1,"
     "  kind TEXT NOT NULL CHECK (kind IN ('outlier', 'range', 'identical', 'pivotal')),"
     "  member_id INTEGER NOT NULL REFERENCES committee_members(id),"
     "  org_id INTEGER NOT NULL,"
     "  item TEXT NOT NULL,"
     "  other INTEGER NOT NULL,"
     "  score INTEGER NOT NULL,"
     "  median INTEGER NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'revised')),"
     "  reason TEXT,"
     "  created_ms INTEGER NOT NULL,"
     "  resolved_ms INTEGER,"
     "  UNIQUE (tender_id, lot_no, round, kind, member_id, org_id, item)"
     ");"
     "INSERT INTO evaluation_warnings_new (id, tender_id, lot_no, round, kind, member_id,"
     " org_id, item, other, score, median, status, reason, created_ms, resolved_ms)"
     " SELECT id, tender_id, 1, 1, kind, member_id, org_id, item, other, score, median, status,"
     " reason, created_ms, resolved_ms FROM evaluation_warnings;"
     "DROP TABLE evaluation_warnings;"
     "ALTER TABLE evaluation_warnings_new RENAME TO evaluation_warnings;"
     "CREATE TABLE evaluation_signatures_new ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL DEFAULT 1,"
     "  round INTEGER NOT NULL DEFAULT 1,"
     "  member_id INTEGER NOT NULL REFERENCES committee_members(id),"
     "  user_id INTEGER NOT NULL REFERENCES users(id),"
     "  report_sha TEXT NOT NULL,"
     "  signature TEXT NOT NULL,"
     "  certificate TEXT NOT NULL,"
     "  signed_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (tender_id, lot_no, round, member_id)"
     ");"
     "INSERT INTO evaluation_signatures_new (tender_id, lot_no, round, member_id, user_id,"
     " report_sha, signature, certificate, signed_ms) SELECT tender_id, 1, 1, member_id,"
     " user_id, report_sha, signature, certificate, signed_ms FROM evaluation_signatures;"
     "DROP TABLE evaluation_signatures;"
     "ALTER TABLE evaluation_signatures_new RENAME TO evaluation_signatures;"
     "CREATE TABLE evaluation_objections_new ("
     "  id INTEGER PRIMARY KEY,"
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL DEFAULT 1,"
     "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  user_id INTEGER REFERENCES users(id),"
     "  body TEXT NOT NULL,"
     "  raised_ms INTEGER NOT NULL,"
     "  due_ms INTEGER NOT NULL,"
     "  answer TEXT,"
     "  answered_by INTEGER REFERENCES users(id),"
     "  answered_ms INTEGER"
     ");"
     "INSERT INTO evaluation_objections_new (id, tender_id, lot_no, org_id, user_id, body,"
     " raised_ms, due_ms, answer, answered_by, answered_ms) SELECT id, tender_id, 1, org_id,"
     " user_id, body, raised_ms, due_ms, answer, answered_by, answered_ms"
     " FROM evaluation_objections;"
     "DROP TABLE evaluation_objections;"
     "ALTER TABLE evaluation_objections_new RENAME TO evaluation_objections;"
     "CREATE INDEX evaluation_objections_tender ON evaluation_objections(tender_id, lot_no, id);"
     "CREATE TABLE evaluation_rounds ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL,"
     "  round INTEGER NOT NULL,"
     "  result TEXT,"     /* the round's result summary, JSON, or NULL */
     "  report TEXT,"     /* its report, canonical JSON, or NULL (ended before) */
     "  report_sha TEXT,"
     "  reason TEXT NOT NULL," /* why it ended */
     "  complaint_id INTEGER," /* the complaint that ordered the re-evaluation */
     "  ended_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (tender_id, lot_no, round)"
     ");"},
    {23, "award per lot: complaints' lot, contracts by lot, late contracts warned",
     /* docs/award.md "Per lot": a complaint names its lot (0: the whole
      * tender); carried_out / carried_why: what the decision's remedy did.
      * award_contracts gets the lot in its key (the rows so far are lot 1).
      * award_late_warnings: a contract not signed within contract_days of a
      * lot's award notice, warned once per award notice (award_ms). */
     "ALTER TABLE complaints ADD COLUMN lot_no INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE complaints ADD COLUMN carried_out INTEGER;"
     "ALTER TABLE complaints ADD COLUMN carried_why TEXT;"
     "CREATE TABLE award_contracts_l ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL DEFAULT 1,"
     "  winner_org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  amount_fen INTEGER NOT NULL,"
     "  doc_sha TEXT NOT NULL,"
     "  doc_name TEXT NOT NULL,"
     "  doc_type TEXT NOT NULL,"
     "  doc_size INTEGER NOT NULL,"
     "  uploaded_by INTEGER REFERENCES users(id),"
     "  uploaded_ms INTEGER NOT NULL,"
     "  bidder_sig TEXT,"
     "  bidder_cert TEXT,"
     "  bidder_user_id INTEGER REFERENCES users(id),"
     "  bidder_signed_ms INTEGER,"
     "  agent_sig TEXT,"
     "  agent_cert TEXT,"
     "  agent_user_id INTEGER REFERENCES users(id),"
     "  agent_signed_ms INTEGER,"
     "  signed_ms INTEGER,"
     "  late INTEGER NOT NULL DEFAULT 0,"
     "  version INTEGER NOT NULL,"
     "  PRIMARY KEY (tender_id, lot_no)"
     ");"
     "INSERT INTO award_contracts_l (tender_id, lot_no, winner_org_id, amount_fen, doc_sha,"
     " doc_name, doc_type, doc_size, uploaded_by, uploaded_ms, bidder_sig, bidder_cert,"
     " bidder_user_id, bidder_signed_ms, agent_sig, agent_cert, agent_user_id, agent_signed_ms,"
     " signed_ms, late, version) SELECT tender_id, 1, winner_org_id, amount_fen, doc_sha,"
     " doc_name, doc_type, doc_size, uploaded_by, uploaded_ms, bidder_sig, bidder_cert,"
     " bidder_user_id, bidder_signed_ms, agent_sig, agent_cert, agent_user_id, agent_signed_ms,"
     " signed_ms, late, version FROM award_contracts;"
     "DROP TABLE award_contracts;"
     "ALTER TABLE award_contracts_l RENAME TO award_contracts;"
     "CREATE TABLE award_late_warnings ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL,"
     "  award_ms INTEGER NOT NULL,"
     "  warned_ms INTEGER NOT NULL,"
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
     "  set_by INTEGER REFERENCES users(id),"
     "  set_ms INTEGER NOT NULL"
     ");"
     "CREATE TABLE calendar_changes ("
     "  id INTEGER PRIMARY KEY,"
     "  date TEXT NOT NULL,"
     "  kind TEXT CHECK (kind IN ('holiday', 'workday')),"
     "  name TEXT,"
     "  set_by INTEGER REFERENCES users(id),"
     "  set_ms INTEGER NOT NULL,"
     "  source TEXT NOT NULL CHECK (source IN ('edit', 'import', 'delete'))"
     ");"
     "CREATE INDEX calendar_changes_date ON calendar_changes(date, id);"},
    {25, "draw pool version; draws keep a pool blob (docs/draw.md)",
     "ALTER TABLE draws ADD COLUMN pool_sha TEXT;"
     "CREATE TABLE expert_pool_version (id INTEGER PRIMARY KEY CHECK (id = 1),"
     " version INTEGER NOT NULL);"
     "INSERT INTO expert_pool_version VALUES (1, (random() & 281474976710655) + 1);"},
    {26, "receipts numbered per bidder within a tender (docs/bids.md)",
     /* A receipt's seq was the tender's count of submissions and
      * withdrawals: the second bidder's first receipt told it how often
      * others had bid. New receipts count per (tender, bidder); old ones
      * keep their signed numbers, unique per bidder as they were per
      * tender. The table is append-only: rebuilt with its triggers. */
     "CREATE TABLE bid_receipts_n ("
     "  id INTEGER PRIMARY KEY,"
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  seq INTEGER NOT NULL CHECK (seq >= 1),"
     "  bid_id INTEGER NOT NULL REFERENCES bids(id),"
     "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  kind TEXT NOT NULL CHECK (kind IN ('submit', 'withdraw')),"
     "  body TEXT NOT NULL,"
     "  key_id TEXT NOT NULL,"
     "  signature TEXT NOT NULL,"
     "  created_ms INTEGER NOT NULL,"
     "  UNIQUE (tender_id, org_id, seq)"
     ");"
     "INSERT INTO bid_receipts_n (id, tender_id, seq, bid_id, org_id, kind, body, key_id,"
     " signature, created_ms) SELECT id, tender_id, seq, bid_id, org_id, kind, body, key_id,"
     " signature, created_ms FROM bid_receipts;"
     "DROP TABLE bid_receipts;"
     "ALTER TABLE bid_receipts_n RENAME TO bid_receipts;"
     "CREATE INDEX bid_receipts_org ON bid_receipts(org_id, tender_id, seq);"
     "CREATE INDEX bid_receipts_bid ON bid_receipts(bid_id);"
     "CREATE TRIGGER bid_receipts_no_update BEFORE UPDATE ON bid_receipts"
     "  BEGIN SELECT RAISE(ABORT, 'bid_receipts is append-only'); END;"
     "CREATE TRIGGER bid_receipts_no_delete BEFORE DELETE ON bid_receipts"
     "  BEGIN SELECT RAISE(ABORT, 'bid_receipts is append-only'); END;"},
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
     "CREATE TRIGGER experts_pool_ins AFTER INSERT ON experts"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     "CREATE TRIGGER experts_pool_upd AFTER UPDATE ON experts"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     "CREATE TRIGGER experts_pool_del AFTER DELETE ON experts"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     "CREATE TRIGGER expert_specialty_links_pool_ins AFTER INSERT ON expert_specialty_links"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     "CREATE TRIGGER expert_specialty_links_pool_upd AFTER UPDATE ON expert_specialty_links"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     "CREATE TRIGGER expert_specialty_links_pool_del AFTER DELETE ON expert_specialty_links"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     "CREATE TRIGGER expert_specialties_pool_ins AFTER INSERT ON expert_specialties"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     "CREATE TRIGGER expert_specialties_pool_upd AFTER UPDATE ON expert_specialties"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     "CREATE TRIGGER expert_specialties_pool_del AFTER DELETE ON expert_specialties"
     " BEGIN UPDATE expert_pool_version SET version = version + 1 WHERE id = 1; END;"
     /* the overdue-bond sweep reads only bonds not refunded */
     "CREATE INDEX bonds_open ON bonds(tender_id, org_id) WHERE refunded_ms IS NULL;"},
    {29, "the opening hall: signatures in rows, lots, signing window (docs/opening.md)",
     "CREATE TABLE opening_signatures ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  bidder TEXT NOT NULL,"             /* the organisation's name when it signed */
     "  certificate TEXT NOT NULL,"        /* base64 DER */
     "  certificate_sha256 TEXT NOT NULL," /* hex */
     "  key_alg TEXT NOT NULL,"            /* p256 sm2 */
     "  signature TEXT NOT NULL,"          /* base64 DER over the draft's message */
     "  signed_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (tender_id, org_id)"
     ");"
     "CREATE TABLE opening_lots ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  lot_no INTEGER NOT NULL,"
     "  bidders INTEGER NOT NULL," /* organisations with a bid on the lot at the deadline */
     "  failed_ms INTEGER,"        /* the lot failed at the opening (流标); NULL: goes on */
     "  reason TEXT,"
     "  PRIMARY KEY (tender_id, lot_no)"
     ");"
     "ALTER TABLE opening_halls ADD COLUMN signing_end_ms INTEGER;"},
    /* 30: the invitees of an invited tender (邀请招标, docs/tenders.md): the
     * organisations the agent invites; only they may register */
    {30, "tender invitees",
     "CREATE TABLE tender_invitees ("
     "  tender_id INTEGER NOT NULL REFERENCES tenders(id),"
     "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  added_by INTEGER REFERENCES users(id),"
     "  added_ms INTEGER NOT NULL,"
     "  PRIMARY KEY (tender_id, org_id)"
     ");"},
};
const int sqlite_nmigrations = (int)(sizeof(sqlite_migrations) / sizeof(sqlite_migrations[0]));
