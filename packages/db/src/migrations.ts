import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";

/**
 * Migrations as SQL statements, one per entry: PGlite's extended protocol runs
 * one statement per query, so nothing relies on multi-statement strings.
 * Append new migrations; never edit one that has shipped.
 */
const MIGRATIONS: Record<string, readonly string[]> = {
  "0001_core": [
    `CREATE TABLE catalogues (
      seq bigserial PRIMARY KEY,
      digest text NOT NULL UNIQUE,
      document text NOT NULL,
      loaded_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE subscriber_periods (
      msisdn text NOT NULL,
      account_id text NOT NULL,
      plan_id text NOT NULL,
      active_from date NOT NULL,
      active_to date,
      home_area text NOT NULL,
      vpmn_group text,
      payment text NOT NULL CHECK (payment IN ('prepaid', 'postpaid')),
      PRIMARY KEY (msisdn, active_from))`,
    `CREATE INDEX subscriber_periods_group ON subscriber_periods (vpmn_group) WHERE vpmn_group IS NOT NULL`,
    `CREATE TABLE subscriptions (
      msisdn text NOT NULL,
      product_id text NOT NULL,
      ordered_at timestamptz NOT NULL,
      confirmed_at timestamptz,
      cancelled_at timestamptz,
      PRIMARY KEY (msisdn, product_id, ordered_at))`,
    // CDRs are partitioned by bill month; partitions are created as months arrive (ensureCdrPartition).
    `CREATE TABLE cdrs (
      bill_month text NOT NULL,
      record_id text NOT NULL,
      msisdn text NOT NULL,
      service text NOT NULL CHECK (service IN ('voice', 'sms', 'data')),
      direction text CHECK (direction IN ('in', 'out')),
      other_party text NOT NULL,
      start_time timestamptz NOT NULL,
      duration_s integer NOT NULL,
      bytes_up bigint NOT NULL,
      bytes_down bigint NOT NULL,
      visited_area text NOT NULL,
      source_file text NOT NULL,
      source_line integer NOT NULL,
      run_id text NOT NULL,
      PRIMARY KEY (bill_month, record_id)
    ) PARTITION BY LIST (bill_month)`,
    `CREATE INDEX cdrs_subscriber_month ON cdrs (msisdn, bill_month, start_time, record_id)`,
    `CREATE TABLE bill_lines (
      bill_month text NOT NULL,
      msisdn text NOT NULL,
      item_key text NOT NULL,
      occurrence integer NOT NULL CHECK (occurrence >= 1),
      amount numeric(14, 2) NOT NULL CHECK (amount >= 0),
      source_file text NOT NULL,
      source_line integer NOT NULL,
      PRIMARY KEY (bill_month, msisdn, item_key, occurrence))`,
    // What the last run computed for each item. The explanation is not stored: the rating
    // core recomputes it from the stored inputs (query service, replay) faster than it reads back.
    `CREATE TABLE rated_items (
      bill_month text NOT NULL,
      msisdn text NOT NULL,
      item_key text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('usage', 'fee', 'vas')),
      service text,
      status text NOT NULL,
      expected numeric(14, 2),
      start_time timestamptz,
      category text,
      run_id text NOT NULL,
      PRIMARY KEY (bill_month, msisdn, item_key))`,
    `CREATE INDEX rated_items_usage ON rated_items (msisdn, bill_month, start_time, item_key) WHERE kind = 'usage'`,
    `CREATE TABLE discrepancies (
      run_id text NOT NULL,
      bill_month text NOT NULL,
      msisdn text NOT NULL,
      account_id text NOT NULL,
      item_key text NOT NULL,
      occurrence integer NOT NULL,
      class text NOT NULL,
      billed numeric(14, 2),
      expected numeric(14, 2),
      difference numeric(14, 2),
      refund numeric(14, 2) NOT NULL,
      explanation text NOT NULL,
      PRIMARY KEY (run_id, bill_month, msisdn, item_key, occurrence))`,
    `CREATE TABLE credit_ledger (
      credit_id text PRIMARY KEY,
      idempotency_key text NOT NULL,
      issue_seq integer NOT NULL CHECK (issue_seq >= 1),
      account_id text NOT NULL,
      msisdn text NOT NULL,
      bill_month text NOT NULL,
      item_key text NOT NULL,
      occurrence integer NOT NULL,
      class text NOT NULL,
      overcharge numeric(14, 2) NOT NULL CHECK (overcharge > 0),
      compensation numeric(14, 2) NOT NULL CHECK (compensation = overcharge),
      refund numeric(14, 2) NOT NULL CHECK (refund = overcharge + compensation),
      owed_total numeric(14, 2) NOT NULL,
      settle_to text NOT NULL CHECK (settle_to IN ('balance', 'next_bill')),
      run_id text NOT NULL,
      input_digests jsonb NOT NULL,
      catalogue_digest text NOT NULL,
      issued_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (idempotency_key, issue_seq))`,
    `CREATE INDEX credit_ledger_subscriber_month ON credit_ledger (msisdn, bill_month)`,
    // Credits are money: the ledger only ever grows.
    `CREATE FUNCTION credit_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'credit_ledger is append-only: % refused', TG_OP;
      END $$`,
    `CREATE TRIGGER credit_ledger_no_update BEFORE UPDATE OR DELETE ON credit_ledger
      FOR EACH ROW EXECUTE FUNCTION credit_ledger_append_only()`,
    `CREATE TRIGGER credit_ledger_no_truncate BEFORE TRUNCATE ON credit_ledger
      FOR EACH STATEMENT EXECUTE FUNCTION credit_ledger_append_only()`,
    // Malformed input rows, kept so that a bill line for a quarantined record is unverifiable, not phantom.
    `CREATE TABLE quarantined_rows (
      run_id text NOT NULL,
      shard text NOT NULL,
      file text NOT NULL,
      line integer NOT NULL,
      reason text NOT NULL,
      raw text NOT NULL,
      record_id text,
      msisdn text,
      bill_month text,
      PRIMARY KEY (run_id, shard, file, line))`,
    `CREATE INDEX quarantined_rows_record ON quarantined_rows (bill_month, msisdn, record_id)`,
    // A run COPYs its CDRs and bill lines here, then merges them with set-based SQL:
    // repeated record_ids, occurrences and replacement are decided by the database, not in memory.
    // A run's CDR staging stays until the run ends: it says which records this run delivered.
    `CREATE UNLOGGED TABLE cdr_staging (
      run_id text NOT NULL,
      shard text NOT NULL,
      file text NOT NULL,
      file_seq integer NOT NULL,
      line integer NOT NULL,
      bill_month text NOT NULL,
      record_id text NOT NULL,
      msisdn text NOT NULL,
      service text NOT NULL,
      direction text,
      other_party text NOT NULL,
      start_time timestamptz NOT NULL,
      duration_s integer NOT NULL,
      bytes_up bigint NOT NULL,
      bytes_down bigint NOT NULL,
      visited_area text NOT NULL,
      raw text NOT NULL)`,
    `CREATE INDEX cdr_staging_run ON cdr_staging (run_id, shard, msisdn)`,
    `CREATE UNLOGGED TABLE bill_staging (
      run_id text NOT NULL,
      shard text NOT NULL,
      file text NOT NULL,
      file_seq integer NOT NULL,
      line integer NOT NULL,
      bill_month text NOT NULL,
      msisdn text NOT NULL,
      item_key text NOT NULL,
      amount numeric(14, 2) NOT NULL)`,
    `CREATE INDEX bill_staging_run ON bill_staging (run_id, shard)`,
    `CREATE TABLE runs (
      run_id text NOT NULL,
      shard text NOT NULL,
      started_at timestamptz NOT NULL,
      finished_at timestamptz,
      status text NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
      input_digests jsonb NOT NULL,
      catalogue_digest text,
      summary jsonb,
      PRIMARY KEY (run_id, shard))`,
    `CREATE TABLE service_credentials (
      msisdn text PRIMARY KEY,
      password_hash text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE kiosks (
      kiosk_id text PRIMARY KEY,
      key_hash text NOT NULL,
      name text NOT NULL,
      registered_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE access_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      kiosk_id text,
      msisdn text NOT NULL,
      bill_month text,
      action text NOT NULL,
      session_id text)`,
    `CREATE INDEX access_log_msisdn ON access_log (msisdn, at)`,
  ],
  "0002_sign_in": [
    // Wrong passwords and codes counted per msisdn, per kiosk and per web
    // client, in a window; a subject is locked when it reaches its limit.
    `CREATE TABLE sign_in_failures (
      scope text NOT NULL CHECK (scope IN ('msisdn', 'kiosk', 'client')),
      subject text NOT NULL,
      failures integer NOT NULL,
      window_started_at timestamptz NOT NULL,
      locked_until timestamptz,
      PRIMARY KEY (scope, subject))`,
    `ALTER TABLE access_log ADD COLUMN client_address text`,
  ],
  "0003_lean_nightly_run": [
    // Nothing read rated_items: the query service and the replay rate the stored
    // inputs again, and writing two million rows a night cost a fifth of the run.
    `DROP TABLE rated_items`,
    // Keys compare as bytes ("C"): the code-unit order the spec asks of record_ids,
    // and several times cheaper to index than a linguistic collation.
    `ALTER TABLE cdrs ALTER COLUMN record_id TYPE text COLLATE "C", ALTER COLUMN msisdn TYPE text COLLATE "C"`,
    // Partitions hold one bill month, so the subscriber index needs only the msisdn.
    `DROP INDEX cdrs_subscriber_month`,
    `CREATE INDEX cdrs_msisdn ON cdrs (msisdn)`,
    `ALTER TABLE bill_lines ALTER COLUMN bill_month TYPE text COLLATE "C", ALTER COLUMN msisdn TYPE text COLLATE "C",
       ALTER COLUMN item_key TYPE text COLLATE "C"`,
    // Staging holds nothing between runs (a crashed run's rows are cleared when it runs
    // again); starts arrive as epoch milliseconds, cheaper to write and to read than text.
    `DELETE FROM cdr_staging`,
    `ALTER TABLE cdr_staging ALTER COLUMN record_id TYPE text COLLATE "C", ALTER COLUMN msisdn TYPE text COLLATE "C",
       DROP COLUMN start_time, ADD COLUMN start_ms bigint NOT NULL`,
    `ALTER TABLE bill_staging ALTER COLUMN msisdn TYPE text COLLATE "C", ALTER COLUMN item_key TYPE text COLLATE "C"`,
  ],
  "0004_subscriber_month_rows": [
    // One row per subscriber-month, its records as one JSON array, instead of
    // one row per CDR: the reconciler merges re-deliveries in memory, and the
    // database stores 40 times fewer rows (a row per CDR capped a run at the
    // server's own ~300,000 rows/s). Each record is [record_id, service,
    // direction, other_party, start (epoch ms), duration_s, bytes_up,
    // bytes_down, visited_area, source_file, source_line, run_id], in (start,
    // record_id) order.
    `CREATE TABLE usage_months (
      bill_month text COLLATE "C" NOT NULL,
      msisdn text COLLATE "C" NOT NULL,
      records text NOT NULL,
      PRIMARY KEY (bill_month, msisdn))`,
    `CREATE INDEX usage_months_msisdn ON usage_months (msisdn)`,
    `INSERT INTO usage_months (bill_month, msisdn, records)
      SELECT bill_month, msisdn, json_agg(json_build_array(record_id, service, direction, other_party,
        (extract(epoch FROM start_time) * 1000)::bigint, duration_s, bytes_up, bytes_down, visited_area,
        source_file, source_line, run_id) ORDER BY start_time, record_id)::text
      FROM cdrs GROUP BY bill_month, msisdn`,
    `DROP TABLE cdrs`,
    // A subscriber-month's BOSS bill: [item_key, occurrence, amount in cents, source_file, source_line],
    // in (item_key, occurrence) order; a run delivering the month's bill again replaces it whole.
    `CREATE TABLE bill_months (
      bill_month text COLLATE "C" NOT NULL,
      msisdn text COLLATE "C" NOT NULL,
      lines text NOT NULL,
      PRIMARY KEY (bill_month, msisdn))`,
    `CREATE INDEX bill_months_msisdn ON bill_months (msisdn)`,
    `INSERT INTO bill_months (bill_month, msisdn, lines)
      SELECT bill_month, msisdn, json_agg(json_build_array(item_key, occurrence, (amount * 100)::bigint,
        source_file, source_line) ORDER BY item_key, occurrence)::text
      FROM bill_lines GROUP BY bill_month, msisdn`,
    `DROP TABLE bill_lines`,
    // Runs now split their input into spill files of their own, not staging tables.
    `DROP TABLE cdr_staging`,
    `DROP TABLE bill_staging`,
  ],
  // pglz cost the server more CPU than anything else of a run: storing 2M CDRs' rows took 3.6 s with
  // it, 1.3 s with lz4. PGlite is built without lz4 and keeps pglz (same SQL, the build decides).
  "0005_lz4_month_rows": [
    `DO $$ BEGIN
      ALTER TABLE usage_months ALTER COLUMN records SET COMPRESSION lz4;
      ALTER TABLE bill_months ALTER COLUMN lines SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported THEN NULL;
    END $$`,
  ],
  "0006_quarantined_records_by_msisdn": [
    // Each chunk of a run asks which of its msisdns' records were ever quarantined, of any
    // month: without an index that scanned every run's quarantined rows, a cost growing night by night.
    `CREATE INDEX quarantined_rows_msisdn ON quarantined_rows (msisdn) WHERE record_id IS NOT NULL`,
  ],
  // Each credit is delivered once in a credits.csv (reconcile.md): the ledger stays append-only, and which
  // completed run listed a credit is a row of its own. A run records its host and process, so that the next
  // run on the host can tell a run that died from one still going.
  "0007_credit_deliveries": [
    `ALTER TABLE runs DROP CONSTRAINT runs_status_check`,
    `ALTER TABLE runs ADD CONSTRAINT runs_status_check
      CHECK (status IN ('running', 'finished', 'failed', 'interrupted'))`,
    `ALTER TABLE runs ADD COLUMN host text`,
    `ALTER TABLE runs ADD COLUMN pid integer`,
    `CREATE TABLE credit_deliveries (
      credit_id text PRIMARY KEY REFERENCES credit_ledger (credit_id),
      run_id text NOT NULL,
      shard text NOT NULL,
      delivered_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE FUNCTION credit_deliveries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'credit_deliveries is append-only: % refused', TG_OP;
      END $$`,
    `CREATE TRIGGER credit_deliveries_no_update BEFORE UPDATE OR DELETE ON credit_deliveries
      FOR EACH ROW EXECUTE FUNCTION credit_deliveries_append_only()`,
    `CREATE TRIGGER credit_deliveries_no_truncate BEFORE TRUNCATE ON credit_deliveries
      FOR EACH STATEMENT EXECUTE FUNCTION credit_deliveries_append_only()`,
    // Credits of runs that finished before this migration were in their credits.csv.
    `INSERT INTO credit_deliveries (credit_id, run_id, shard)
      SELECT l.credit_id, l.run_id, 'before 0007' FROM credit_ledger l
      WHERE EXISTS (SELECT 1 FROM runs r WHERE r.run_id = l.run_id AND r.status = 'finished')`,
  ],
  // The unverifiable rule (reconcile.md) matches a bill line to a quarantined row by record_id whatever
  // its msisdn, in its bill month; and to a row of its msisdn and month whose record_id could not be read.
  "0008_quarantine_evidence": [
    `ALTER TABLE quarantined_rows ADD COLUMN record_unreadable boolean NOT NULL DEFAULT false`,
    `CREATE INDEX quarantined_rows_record_id ON quarantined_rows (record_id) WHERE record_id IS NOT NULL`,
    `CREATE INDEX quarantined_rows_unreadable ON quarantined_rows (msisdn) WHERE record_unreadable`,
  ],
  // A quarantined plan period or subscription row may be the one behind a FEE: or VAS: line (decision 19).
  "0009_reference_evidence": [
    `ALTER TABLE quarantined_rows ADD COLUMN reference_item text`,
    `CREATE INDEX quarantined_rows_reference ON quarantined_rows (run_id, msisdn) WHERE reference_item IS NOT NULL`,
  ],
  // Customer disputes (disputes.md): one open case per item, answered once; staff keys stored hashed like kiosk keys.
  "0010_disputes": [
    `CREATE SEQUENCE dispute_seq`,
    `CREATE TABLE disputes (
      case_id text PRIMARY KEY,
      msisdn text NOT NULL,
      bill_month text NOT NULL,
      item_key text,
      reason text NOT NULL CHECK (reason IN ('not_made', 'wrong_quantity', 'wrong_rate', 'never_ordered', 'other')),
      words text NOT NULL CHECK (char_length(words) <= 500),
      channel text NOT NULL CHECK (channel IN ('kiosk', 'web', 'staff')),
      channel_id text,
      opened_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'answered')),
      outcome text CHECK (outcome IN ('error_found', 'no_error', 'withdrawn')),
      answer_text text,
      explanation_zh text,
      answered_at timestamptz,
      answered_by text,
      late boolean,
      replay_sha256 text,
      credit_ids jsonb,
      CHECK ((status = 'open') = (outcome IS NULL)))`,
    `CREATE UNIQUE INDEX disputes_one_open ON disputes (msisdn, bill_month, (coalesce(item_key, ''))) WHERE status = 'open'`,
    `CREATE INDEX disputes_open_due ON disputes (due_at) WHERE status = 'open'`,
    `CREATE INDEX disputes_subscriber ON disputes (msisdn, bill_month)`,
    // An answer is given once: an answered case is never changed or removed.
    `CREATE FUNCTION disputes_answer_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR OLD.status = 'answered' THEN
          RAISE EXCEPTION 'dispute % is answered: % refused', OLD.case_id, TG_OP;
        END IF;
        RETURN NEW;
      END $$`,
    `CREATE TRIGGER disputes_answered_fixed BEFORE UPDATE OR DELETE ON disputes
      FOR EACH ROW EXECUTE FUNCTION disputes_answer_once()`,
    `CREATE TABLE staff (
      staff_id text PRIMARY KEY,
      key_hash text NOT NULL,
      name text NOT NULL,
      registered_at timestamptz NOT NULL DEFAULT now())`,
    `ALTER TABLE access_log ADD COLUMN staff_id text`,
    `ALTER TABLE access_log ADD COLUMN case_id text`,
  ],
};

const provider: MigrationProvider = {
  async getMigrations() {
    const migrations: Record<string, Migration> = {};
    for (const [name, statements] of Object.entries(MIGRATIONS)) {
      migrations[name] = {
        async up(db: Kysely<unknown>) {
          for (const statement of statements) await sql.raw(statement).execute(db);
        },
      };
    }
    return migrations;
  },
};

export class MigrationError extends Error {
  override readonly name = "MigrationError";
  readonly code = "migration_failed";
}

/**
 * Brings the schema up to date (or up to the migration `upTo`, for tests of
 * an upgrade). Idempotent, and safe when several processes open one server at once.
 */
export async function migrate(db: Kysely<unknown>, upTo?: string): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = upTo === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(upTo);
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "?";
    throw new MigrationError(`migration ${failed} failed: ${(error as Error).message ?? String(error)}`, {
      cause: error,
    });
  }
}
