import type { ColumnType, Generated } from "kysely";

/** `numeric` money columns travel as exact decimal strings, never floats. */
type Money = string;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in (DEFAULT now()). */
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface CataloguesTable {
  seq: Generated<number>;
  digest: string;
  /** The catalogue exactly as loaded (tariffs.json), so a replay reads the same bytes. */
  document: string;
  loaded_at: GeneratedTimestamp;
}

export interface SubscriberPeriodsTable {
  msisdn: string;
  account_id: string;
  plan_id: string;
  /** `YYYY-MM-DD` */
  active_from: string;
  active_to: string | null;
  home_area: string;
  vpmn_group: string | null;
  payment: "prepaid" | "postpaid";
}

export interface SubscriptionsTable {
  msisdn: string;
  product_id: string;
  ordered_at: Timestamp;
  confirmed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
}

/** A subscriber-month's CDRs, one JSON array (migration 0004 gives the layout). */
export interface UsageMonthsTable {
  bill_month: string;
  msisdn: string;
  records: string;
}

/** A subscriber-month's BOSS bill lines, one JSON array (migration 0004 gives the layout). */
export interface BillMonthsTable {
  bill_month: string;
  msisdn: string;
  lines: string;
}

export interface DiscrepanciesTable {
  run_id: string;
  bill_month: string;
  msisdn: string;
  account_id: string;
  item_key: string;
  occurrence: number;
  class: string;
  billed: Money | null;
  expected: Money | null;
  difference: Money | null;
  refund: Money;
  explanation: string;
}

export interface CreditLedgerTable {
  /** Derived from (idempotency_key, issue_seq), so every process names a credit the same way. */
  credit_id: string;
  /** Stable hash of (msisdn, bill_month, item_key, occurrence). */
  idempotency_key: string;
  /** 1 for the first credit of a key; a later top-up (owed rose) is 2, … */
  issue_seq: number;
  account_id: string;
  msisdn: string;
  bill_month: string;
  item_key: string;
  occurrence: number;
  class: string;
  /** The overcharge returned to the customer (返还). */
  overcharge: Money;
  /** The same amount again, as compensation (赠送). */
  compensation: Money;
  /** overcharge + compensation. */
  refund: Money;
  /** What the key's refunds add up to after this credit. */
  owed_total: Money;
  settle_to: "balance" | "next_bill";
  run_id: string;
  input_digests: Json<Record<string, string>>;
  catalogue_digest: string;
  issued_at: GeneratedTimestamp;
}

export interface QuarantinedRowsTable {
  run_id: string;
  shard: string;
  file: string;
  line: number;
  reason: string;
  raw: string;
  record_id: string | null;
  msisdn: string | null;
  bill_month: string | null;
  record_unreadable: ColumnType<boolean, boolean | undefined, boolean>;
  reference_item: string | null;
}

export interface RunsTable {
  run_id: string;
  /** `i/n` for a process taking share i of n, `1/1` for a whole run. */
  shard: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  status: "running" | "finished" | "failed" | "interrupted";
  input_digests: Json<Record<string, string>>;
  catalogue_digest: string | null;
  summary: Json | null;
  /** The host and process of the run, so that a later run on the host can tell whether it died. */
  host: string | null;
  pid: number | null;
}

export interface CreditDeliveriesTable {
  credit_id: string;
  /** The completed run whose credits.csv listed the credit. */
  run_id: string;
  shard: string;
  delivered_at: GeneratedTimestamp;
}

export interface ServiceCredentialsTable {
  msisdn: string;
  /** `scrypt$N$r$p$salt$hash`, never the password. */
  password_hash: string;
  updated_at: GeneratedTimestamp;
}

export interface KiosksTable {
  kiosk_id: string;
  key_hash: string;
  name: string;
  registered_at: GeneratedTimestamp;
}

export interface AccessLogTable {
  id: Generated<number>;
  at: Timestamp;
  kiosk_id: string | null;
  msisdn: string;
  bill_month: string | null;
  action: string;
  session_id: string | null;
  client_address: string | null;
  staff_id: string | null;
  case_id: string | null;
}

export interface DisputesTable {
  case_id: string;
  msisdn: string;
  bill_month: string;
  /** A record id, `FEE:<plan_id>` or `VAS:<product_id>`; null for the month as a whole. */
  item_key: string | null;
  reason: string;
  words: string;
  channel: "kiosk" | "web" | "staff";
  /** The kiosk id or the staff id; null on the web. */
  channel_id: string | null;
  opened_at: Timestamp;
  due_at: Timestamp;
  status: "open" | "answered";
  outcome: "error_found" | "no_error" | "withdrawn" | null;
  answer_text: string | null;
  explanation_zh: string | null;
  answered_at: Timestamp | null;
  answered_by: string | null;
  late: boolean | null;
  replay_sha256: string | null;
  /** Every credit of the item when answered, as a JSON array of credit ids. */
  credit_ids: ColumnType<string[] | null, string | null, string | null>;
}

export interface StaffTable {
  staff_id: string;
  key_hash: string;
  name: string;
  registered_at: GeneratedTimestamp;
}

export interface SignInFailuresTable {
  scope: "msisdn" | "kiosk" | "client";
  subject: string;
  failures: number;
  window_started_at: Timestamp;
  locked_until: Timestamp | null;
}

export interface Schema {
  catalogues: CataloguesTable;
  subscriber_periods: SubscriberPeriodsTable;
  subscriptions: SubscriptionsTable;
  usage_months: UsageMonthsTable;
  bill_months: BillMonthsTable;
  discrepancies: DiscrepanciesTable;
  credit_ledger: CreditLedgerTable;
  quarantined_rows: QuarantinedRowsTable;
  runs: RunsTable;
  credit_deliveries: CreditDeliveriesTable;
  service_credentials: ServiceCredentialsTable;
  kiosks: KiosksTable;
  access_log: AccessLogTable;
  sign_in_failures: SignInFailuresTable;
  disputes: DisputesTable;
  staff: StaffTable;
}
