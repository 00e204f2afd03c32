import { groupBy, seal } from "@billing/formats";
import {
  type Catalogue,
  describeItem,
  formatCents,
  formatTimestamp,
  parseCatalogueText,
  parseMonth,
  type RatedItem,
} from "@billing/rating";
import type { BilledLine, Discrepancy } from "./diff.js";
import { directoryOf } from "./directory.js";
import { evidenceDigest, evidenceFiles } from "./evidence.js";
import { type Account, type IssuedSoFar, idempotencyKey, type PlannedCredit } from "./ledger.js";
import { quarantineEvidence } from "./quarantine-evidence.js";
import { ReplayError, type ReplayInputs } from "./replay-inputs.js";
import { reconcileSubscriberMonth, type SubscriberMonthResult } from "./subscriber-month.js";

function catalogueOf(inputs: ReplayInputs): Catalogue {
  const parsed = parseCatalogueText(inputs.catalogueText);
  if (!parsed.ok) throw new ReplayError("catalogue_refused", "the stored catalogue no longer validates");
  return parsed.catalogue;
}

/** Reconciles the stored inputs of a subscriber-month (the customer's statement reads the same). */
export function reconcileStored(inputs: ReplayInputs): SubscriberMonthResult & { readonly catalogue: Catalogue } {
  const catalogue = catalogueOf(inputs);
  const byMsisdn = groupBy([...inputs.periods, ...inputs.groupPeriods], (p) => p.msisdn);
  const result = reconcileSubscriberMonth({
    billMonth: inputs.billMonth,
    msisdn: inputs.msisdn,
    periods: inputs.periods,
    subscriptions: inputs.subscriptions,
    records: inputs.records,
    catalogue,
    directory: directoryOf(byMsisdn),
    billLines: inputs.billLines,
    quarantined: quarantineEvidence({
      byRecordId: [inputs.quarantined],
      unreadable: inputs.unreadableQuarantined,
      reference: inputs.referenceQuarantined,
      usageRows: inputs.usageQuarantined,
      periodRows: new Map(inputs.periodsQuarantined),
    }),
    ledger: inputs.credits,
  });
  return { ...result, catalogue };
}

export interface Replay {
  /** The canonical document, `sha256` last. */
  readonly json: string;
  readonly sha256: string;
  readonly document: ReplayDocument;
  /** Credits still owed, as the ledger would issue them now. */
  readonly owed: readonly PlannedCredit[];
  /** The reconciliation the document was made from, for callers that need more of it than the document. */
  readonly reconciled: ReturnType<typeof reconcileStored>;
}

export type ReplayDocument = ReturnType<typeof buildDocument>;

/**
 * Recomputes the month from its stored inputs, next to what was billed and
 * credited. Pure; a month with nothing stored is a ReplayError (`no_data`).
 */
export function computeReplay(inputs: ReplayInputs): Replay {
  if (!parseMonth(inputs.billMonth)) throw new RangeError(inputs.billMonth);
  const reconciled = reconcileStored(inputs);
  const { month, diff, issued, account, plan } = reconciled;
  // A month never delivered: a plan period alone would show a fee that no bill of the month was checked against.
  if (inputs.records.length === 0 && inputs.billLines.length === 0 && inputs.credits.length === 0) {
    throw new ReplayError(
      "no_data",
      `nothing stored for ${inputs.msisdn} in ${inputs.billMonth}: no record, bill line or credit (the month was never delivered)`,
    );
  }
  const document = buildDocument(inputs, month.items, diff.discrepancies, issued, account, plan.overCredited.length);
  const sealed = seal(document);
  return { json: sealed.text, sha256: sealed.sha256, document, owed: plan.credits, reconciled };
}

const money = (cents: number | null) => (cents === null ? null : formatCents(cents));

function buildDocument(
  inputs: ReplayInputs,
  items: readonly RatedItem[],
  discrepancies: readonly Discrepancy[],
  issued: ReadonlyMap<string, IssuedSoFar>,
  account: Account | null,
  overCreditedKeys: number,
) {
  const byKey = new Map(discrepancies.map((d) => [`${d.itemKey}#${d.occurrence}`, d]));
  const lines: Map<string, BilledLine[]> = groupBy(inputs.billLines, (l) => l.itemKey);
  const issuedFor = (itemKey: string, occurrence: number) =>
    issued.get(idempotencyKey({ msisdn: inputs.msisdn, billMonth: inputs.billMonth, itemKey, occurrence }))
      ?.totalCents ?? 0;

  const rows: Record<string, unknown>[] = [];
  const row = (itemKey: string, occurrence: number, item: RatedItem | null, billed: number | null) => {
    const d = byKey.get(`${itemKey}#${occurrence}`);
    const record = item?.record ?? null;
    const e = item?.explanation;
    rows.push({
      item_key: itemKey,
      occurrence,
      start_time: record ? formatTimestamp(record.startMs) : null,
      service: record?.service ?? (itemKey.startsWith("FEE:") ? "fee" : itemKey.startsWith("VAS:") ? "vas" : null),
      direction: record?.direction ?? null,
      other_party: record && record.otherParty !== "" ? record.otherParty : null,
      category: e?.kind === "voice" || e?.kind === "sms" ? e.category : e?.kind === "data" ? "data" : null,
      units: unitsOf(item),
      allowance_used: allowanceOf(item),
      status: item?.status ?? null,
      expected: item ? money(item.cents) : money(d?.expectedCents ?? 0),
      billed: money(billed),
      class: d?.class ?? (billed === null && (item?.cents ?? 0) === 0 ? null : "match"),
      refund_owed: formatCents(d?.refundCents ?? 0),
      refund_issued: formatCents(issuedFor(itemKey, occurrence)),
      rule: item ? describeItem(item) : (d?.explanation ?? ""),
    });
  };
  for (const item of items) {
    const billed = lines.get(item.itemKey) ?? [];
    row(item.itemKey, 1, item, billed[0]?.cents ?? null);
    for (const extra of billed.slice(1)) row(item.itemKey, extra.occurrence, null, extra.cents);
  }
  const rated = new Set(items.map((i) => i.itemKey));
  for (const l of inputs.billLines) if (!rated.has(l.itemKey)) row(l.itemKey, l.occurrence, null, l.cents);

  const owedTotal = discrepancies.reduce((n, d) => n + d.refundCents, 0);
  const issuedTotal = inputs.credits.reduce((n, c) => n + c.refundCents, 0);
  let stillOwed = 0;
  for (const d of discrepancies) stillOwed += Math.max(0, d.refundCents - issuedFor(d.itemKey, d.occurrence));
  return {
    bill_month: inputs.billMonth,
    msisdn: inputs.msisdn,
    account: account ? { account_id: account.accountId, plan_id: account.planId, settle_to: account.settleTo } : null,
    catalogue_sha256: inputs.catalogueDigest,
    inputs_sha256: evidenceDigest(evidenceFiles(inputs)),
    inputs: {
      cdrs: inputs.records.length,
      bill_lines: inputs.billLines.length,
      plan_periods: inputs.periods.length,
      group_mate_periods: inputs.groupPeriods.length,
      subscriptions: inputs.subscriptions.length,
      credits: inputs.credits.length,
    },
    items: rows,
    credits: inputs.credits.map((c) => ({
      credit_id: c.creditId,
      item_key: c.itemKey,
      occurrence: c.occurrence,
      class: c.class,
      refund: formatCents(c.refundCents),
      run_id: c.runId,
    })),
    totals: {
      expected: formatCents(items.reduce((n, i) => n + (i.cents ?? 0), 0)),
      billed: formatCents(inputs.billLines.reduce((n, l) => n + l.cents, 0)),
      discrepancies: discrepancies.length,
      refund_owed: formatCents(owedTotal),
      refund_issued: formatCents(issuedTotal),
      refund_still_owed: formatCents(stillOwed),
      over_credited_keys: overCreditedKeys,
    },
  };
}

function unitsOf(item: RatedItem | null): string | null {
  const e = item?.explanation;
  if (!e) return null;
  if (e.kind === "voice") return `${e.durationS} s = ${e.units} × ${e.unitS} s charged`;
  if (e.kind === "sms") return `${e.units} SMS charged`;
  if (e.kind === "data") return `${e.kb} KB, ${e.chargedKb} KB charged`;
  if (e.kind === "fee") return `${e.activeDays}/${e.daysInMonth} days`;
  return null;
}

function allowanceOf(item: RatedItem | null): string | null {
  const e = item?.explanation;
  if (e?.kind === "voice" && e.allowanceMinutes)
    return `${e.allowanceMinutes.used} min (${e.allowanceMinutes.left} left)`;
  if (e?.kind === "sms" && e.allowanceMessages)
    return `${e.allowanceMessages.used} SMS (${e.allowanceMessages.left} left)`;
  if (e?.kind === "data") return `${e.allowanceKb.used} KB (${e.allowanceKb.left} KB left)`;
  return null;
}
