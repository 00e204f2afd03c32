import type { RawSession, SqlValue } from "@billing/db";
import { formatCents } from "@billing/rating";
import type { PlannedCredit } from "./ledger.js";

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
const CREDIT_BATCH = 1_000;

/**
 * Inserts the planned credits; a credit some other process (or an earlier,
 * interrupted run) already inserted conflicts on (idempotency_key, issue_seq)
 * and is skipped, so each is issued exactly once. Returns those this call inserted.
 */
export async function issueCredits(
  session: RawSession,
  planned: readonly PlannedCredit[],
  provenance: CreditProvenance,
): Promise<PlannedCredit[]> {
  const inserted = new Set<string>();
  const digests = JSON.stringify(provenance.inputDigests);
  for (let i = 0; i < planned.length; i += CREDIT_BATCH) {
    const batch = planned.slice(i, i + CREDIT_BATCH);
    const params: SqlValue[] = [];
    const tuples = batch.map((c) => {
      const values: SqlValue[] = [
        c.creditId,
        c.idempotencyKey,
        c.issueSeq,
        c.account.accountId,
        c.key.msisdn,
        c.key.billMonth,
        c.key.itemKey,
        c.key.occurrence,
        c.class,
        formatCents(c.overchargeCents),
        formatCents(c.overchargeCents),
        formatCents(c.refundCents),
        formatCents(c.owedTotalCents),
        c.account.settleTo,
        provenance.runId,
        digests,
        provenance.catalogueDigest,
      ];
      const start = params.length;
      params.push(...values);
      return `(${values.map((_, j) => `$${start + j + 1}`).join(", ")})`;
    });
    const rows = await session.query<{ credit_id: string }>(
      `INSERT INTO credit_ledger (${CREDIT_COLUMNS.join(", ")}) VALUES ${tuples.join(", ")}
       ON CONFLICT DO NOTHING RETURNING credit_id`,
      params,
    );
    for (const r of rows) inserted.add(r.credit_id);
  }
  return planned.filter((c) => inserted.has(c.creditId));
}
