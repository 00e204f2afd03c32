import { addTo, centsOf } from "@billing/formats";
import { formatCents } from "@billing/rating";
import type { LedgerEntry, PlannedCredit, StoredCredit } from "@billing/reconciliation";
import type { BillingDatabase, RawSession } from "../dialect.js";

/** What every credit names, so an auditor can replay it: the run, the inputs it saw, the catalogue. */
export interface CreditProvenance {
  readonly runId: string;
  readonly inputDigests: Readonly<Record<string, string>>;
  readonly catalogueDigest: string;
}

const CREDIT_COLUMNS = [
  "credit_id",
  "idempotency_key",
  "issue_seq",
  "account_id",
  "msisdn",
  "bill_month",
  "item_key",
  "occurrence",
  "class",
  "overcharge",
  "compensation",
  "refund",
  "owed_total",
  "settle_to",
  "run_id",
  "input_digests",
  "catalogue_digest",
];

/**
 * Inserts the planned credits; a credit some other process (or an earlier,
 * interrupted run) already inserted conflicts on (idempotency_key, issue_seq)
 * and is skipped, so each is issued exactly once. Returns those this call inserted.
 * The credits go as one array a column, what they share as one value each: as
 * a parameter per value, 1,000 credits took longer to parse and plan than to
 * store, and the input digests were parsed as JSON once a credit.
 */
export async function issueCredits(
  session: RawSession,
  planned: readonly PlannedCredit[],
  provenance: CreditProvenance,
): Promise<PlannedCredit[]> {
  if (planned.length === 0) return [];
  // Every array as text, cast to its column's type by the statement.
  const column = (value: (c: PlannedCredit) => string | number): string[] => planned.map((c) => String(value(c)));
  const arrays: [string[], string][] = [
    [column((c) => c.creditId), "text"],
    [column((c) => c.idempotencyKey), "text"],
    [column((c) => c.issueSeq), "integer"],
    [column((c) => c.account.accountId), "text"],
    [column((c) => c.key.msisdn), "text"],
    [column((c) => c.key.billMonth), "text"],
    [column((c) => c.key.itemKey), "text"],
    [column((c) => c.key.occurrence), "integer"],
    [column((c) => c.class), "text"],
    [column((c) => formatCents(c.overchargeCents)), "numeric"],
    [column((c) => formatCents(c.overchargeCents)), "numeric"],
    [column((c) => formatCents(c.refundCents)), "numeric"],
    [column((c) => formatCents(c.owedTotalCents)), "numeric"],
    [column((c) => c.account.settleTo), "text"],
  ];
  const unnest = arrays.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ");
  const shared = arrays.length;
  const rows = await session.query<{ credit_id: string }>(
    `INSERT INTO credit_ledger (${CREDIT_COLUMNS.join(", ")})
     SELECT c.*, $${shared + 1}::text, $${shared + 2}::jsonb, $${shared + 3}::text FROM unnest(${unnest}) AS c
     ON CONFLICT DO NOTHING RETURNING credit_id`,
    [
      ...arrays.map(([values]) => values),
      provenance.runId,
      JSON.stringify(provenance.inputDigests),
      provenance.catalogueDigest,
    ],
  );
  const inserted = new Set(rows.map((r) => r.credit_id));
  return planned.filter((c) => inserted.has(c.creditId));
}

/** The ledger's credits of some msisdns in a bill month, by msisdn: what a chunk's "issued so far" folds. */
export async function ledgerOf(
  database: BillingDatabase,
  billMonth: string,
  msisdns: readonly string[],
): Promise<Map<string, LedgerEntry[]>> {
  const rows = await database.db
    .selectFrom("credit_ledger")
    .select(["msisdn", "item_key", "occurrence", "idempotency_key", "issue_seq", "refund"])
    .where("bill_month", "=", billMonth)
    .where((eb) => eb("msisdn", "=", eb.fn.any(eb.val(msisdns))))
    .execute();
  const byMsisdn = new Map<string, LedgerEntry[]>();
  for (const row of rows) {
    const entry = {
      itemKey: row.item_key,
      occurrence: row.occurrence,
      idempotencyKey: row.idempotency_key,
      issueSeq: row.issue_seq,
      refundCents: centsOf(row.refund),
    };
    addTo(byMsisdn, row.msisdn, entry);
  }
  return byMsisdn;
}

/** Every credit of a subscriber-month, in (item_key, occurrence, issue) order: what a replay shows. */
export async function creditsOfMonth(
  database: BillingDatabase,
  msisdn: string,
  billMonth: string,
): Promise<StoredCredit[]> {
  const rows = await database.db
    .selectFrom("credit_ledger")
    .selectAll()
    .where("msisdn", "=", msisdn)
    .where("bill_month", "=", billMonth)
    .orderBy("item_key")
    .orderBy("occurrence")
    .orderBy("issue_seq")
    .execute();
  return rows.map((c) => ({
    creditId: c.credit_id,
    idempotencyKey: c.idempotency_key,
    issueSeq: c.issue_seq,
    itemKey: c.item_key,
    occurrence: c.occurrence,
    class: c.class,
    refundCents: centsOf(c.refund),
    runId: c.run_id,
    issuedAt: c.issued_at.getTime(),
  }));
}

/** A credit of the ledger as credits.csv lists it. */
export interface LedgerCredit {
  readonly creditId: string;
  readonly idempotencyKey: string;
  readonly account: { readonly accountId: string; readonly settleTo: "balance" | "next_bill" };
  readonly key: {
    readonly msisdn: string;
    readonly billMonth: string;
    readonly itemKey: string;
    readonly occurrence: number;
  };
  readonly class: string;
  readonly overchargeCents: number;
  readonly refundCents: number;
  readonly runId: string;
}

/**
 * Credits no completed run has delivered, of runs not running now (but
 * `self`, starting again): those an interrupted run issued, and those a
 * replay or a dispute issued outside any run. In (bill month, msisdn, item,
 * occurrence, issue) order.
 */
export async function undeliveredCredits(
  database: BillingDatabase,
  self: { readonly runId: string; readonly shard: string },
): Promise<LedgerCredit[]> {
  const rows = await database.db
    .selectFrom("credit_ledger as l")
    .selectAll("l")
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom("credit_deliveries as d").select("d.credit_id").whereRef("d.credit_id", "=", "l.credit_id")),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("runs as r")
            .select("r.run_id")
            .whereRef("r.run_id", "=", "l.run_id")
            .where("r.status", "=", "running")
            .where((w) => w.or([w("r.run_id", "<>", self.runId), w("r.shard", "<>", self.shard)])),
        ),
      ),
    )
    .orderBy("l.bill_month")
    .orderBy("l.msisdn")
    .orderBy("l.item_key")
    .orderBy("l.occurrence")
    .orderBy("l.issue_seq")
    .execute();
  return rows.map((c) => ({
    creditId: c.credit_id,
    idempotencyKey: c.idempotency_key,
    account: { accountId: c.account_id, settleTo: c.settle_to },
    key: { msisdn: c.msisdn, billMonth: c.bill_month, itemKey: c.item_key, occurrence: c.occurrence },
    class: c.class,
    overchargeCents: centsOf(c.overcharge),
    refundCents: centsOf(c.refund),
    runId: c.run_id,
  }));
}

/** Records that a completed run's credits.csv listed these credits; each credit is delivered once. */
export async function recordDeliveries(
  session: RawSession,
  run: { readonly runId: string; readonly shard: string },
  creditIds: readonly string[],
): Promise<void> {
  if (creditIds.length === 0) return;
  await session.query(
    `INSERT INTO credit_deliveries (credit_id, run_id, shard)
     SELECT c, $2, $3 FROM unnest($1::text[]) AS c ON CONFLICT (credit_id) DO NOTHING`,
    [creditIds, run.runId, run.shard],
  );
}

/** The ids of every credit of an item of a subscriber-month (of the month when `itemKey` is null), in issue order. */
export async function creditIdsOf(
  session: RawSession,
  msisdn: string,
  billMonth: string,
  itemKey: string | null,
): Promise<string[]> {
  const rows = await session.query<{ credit_id: string }>(
    `SELECT credit_id FROM credit_ledger WHERE msisdn = $1 AND bill_month = $2 AND ($3::text IS NULL OR item_key = $3)
     ORDER BY item_key, occurrence, issue_seq`,
    [msisdn, billMonth, itemKey],
  );
  return rows.map((r) => r.credit_id);
}
