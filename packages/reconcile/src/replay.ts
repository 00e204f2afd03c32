import type { BillingDatabase } from "@billing/db";
import {
  type Catalogue,
  describeItem,
  formatCents,
  formatTimestamp,
  type PlanPeriod,
  parseCatalogueText,
  parseMonth,
  type RatedItem,
  rateSubscriberMonth,
  type Subscription,
  type UsageRecord,
} from "@billing/rating";
import { seal } from "./canonical.js";
import { type BilledLine, type Discrepancy, diffSubscriberMonth } from "./diff.js";
import { evidenceDigest, evidenceFiles } from "./evidence.js";
import { groupBy } from "./group.js";
import {
  accountFor,
  type IssuedSoFar,
  idempotencyKey,
  type PlannedCredit,
  planCredits,
  type RefundKey,
} from "./ledger.js";
import { centsOf } from "./rate-chunk.js";
import { byItemThenOccurrence, parseStoredBill, parseStoredRecords, usageFromStored } from "./stored-usage.js";
import { directoryOf } from "./vpmn-table.js";

/** Why a replay cannot be made: a clear one-line reason, exit 1 (cli.md). */
export class ReplayError extends Error {
  override readonly name = "ReplayError";
  constructor(
    readonly code: "unknown_msisdn" | "no_data" | "no_catalogue" | "catalogue_refused",
    message: string,
  ) {
    super(message);
  }
}

export interface StoredCredit {
  readonly creditId: string;
  readonly idempotencyKey: string;
  readonly issueSeq: number;
  readonly itemKey: string;
  readonly occurrence: number;
  readonly class: string;
  readonly refundCents: number;
  readonly runId: string;
  readonly issuedAt: number;
}

/** Everything a replay reads, and only stored inputs: the evidence of the month. */
export interface ReplayInputs {
  readonly msisdn: string;
  readonly billMonth: string;
  readonly catalogueText: string;
  readonly catalogueDigest: string;
  /** The subscriber's plan periods. */
  readonly periods: readonly PlanPeriod[];
  /** Periods of the subscriber's VPMN group mates, for the vpmn category. */
  readonly groupPeriods: readonly PlanPeriod[];
  readonly subscriptions: readonly Subscription[];
  readonly records: readonly (UsageRecord & { readonly sourceFile: string; readonly sourceLine: number })[];
  readonly billLines: readonly (BilledLine & { readonly sourceFile: string; readonly sourceLine: number })[];
  /** Malformed rows of the subscriber kept by earlier runs, by record_id. */
  readonly quarantined: ReadonlyMap<string, string>;
  readonly credits: readonly StoredCredit[];
}

/** Reads the stored inputs of one subscriber-month. */
export async function loadReplayInputs(
  database: BillingDatabase,
  msisdn: string,
  billMonth: string,
): Promise<ReplayInputs> {
  const db = database.db;
  const catalogue = await db
    .selectFrom("catalogues")
    .select(["digest", "document"])
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!catalogue) throw new ReplayError("no_catalogue", "no tariff catalogue is stored: run billing reconcile first");
  const toPeriod = (p: {
    msisdn: string;
    account_id: string;
    plan_id: string;
    active_from: string;
    active_to: string | null;
    home_area: string;
    vpmn_group: string | null;
    payment: "prepaid" | "postpaid";
  }): PlanPeriod => ({
    msisdn: p.msisdn,
    accountId: p.account_id,
    planId: p.plan_id,
    activeFrom: p.active_from,
    activeTo: p.active_to,
    homeArea: p.home_area,
    vpmnGroup: p.vpmn_group,
    payment: p.payment,
  });
  const periods = (
    await db.selectFrom("subscriber_periods").selectAll().where("msisdn", "=", msisdn).orderBy("active_from").execute()
  ).map(toPeriod);
  const groups = [...new Set(periods.map((p) => p.vpmnGroup).filter((g): g is string => g !== null))];
  const groupPeriods =
    groups.length === 0
      ? []
      : (
          await db
            .selectFrom("subscriber_periods")
            .selectAll()
            .where("vpmn_group", "in", groups)
            .where("msisdn", "<>", msisdn)
            .orderBy("msisdn")
            .orderBy("active_from")
            .execute()
        ).map(toPeriod);
  const subscriptions = (
    await db
      .selectFrom("subscriptions")
      .selectAll()
      .where("msisdn", "=", msisdn)
      .orderBy("product_id")
      .orderBy("ordered_at")
      .execute()
  ).map((s) => ({
    msisdn: s.msisdn,
    productId: s.product_id,
    orderedMs: s.ordered_at.getTime(),
    confirmedMs: s.confirmed_at ? s.confirmed_at.getTime() : null,
    cancelledMs: s.cancelled_at ? s.cancelled_at.getTime() : null,
  }));
  const records = await readRecords(database, msisdn, billMonth);
  const billLines = await readBillLines(database, msisdn, billMonth);
  const quarantinedRows = await db
    .selectFrom("quarantined_rows")
    .select(["record_id", "reason"])
    .where("msisdn", "=", msisdn)
    .where("record_id", "is not", null)
    .where("reason", "not like", "duplicate record_id%")
    .orderBy("record_id")
    .orderBy("run_id")
    .execute();
  const credits = (
    await db
      .selectFrom("credit_ledger")
      .selectAll()
      .where("msisdn", "=", msisdn)
      .where("bill_month", "=", billMonth)
      .orderBy("item_key")
      .orderBy("occurrence")
      .orderBy("issue_seq")
      .execute()
  ).map((c) => ({
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
  if (periods.length === 0 && records.length === 0 && billLines.length === 0 && subscriptions.length === 0) {
    const anywhere = await db
      .selectFrom("bill_months")
      .select("msisdn")
      .where("msisdn", "=", msisdn)
      .union(db.selectFrom("usage_months").select("msisdn").where("msisdn", "=", msisdn))
      .limit(1)
      .executeTakeFirst();
    if (!anywhere && credits.length === 0) {
      throw new ReplayError(
        "unknown_msisdn",
        `unknown msisdn ${msisdn}: no plan period, record or bill line is stored for it`,
      );
    }
  }
  const inputs: ReplayInputs = {
    msisdn,
    billMonth,
    catalogueText: catalogue.document,
    catalogueDigest: catalogue.digest,
    periods,
    groupPeriods,
    subscriptions,
    records,
    billLines,
    quarantined: new Map(quarantinedRows.map((q) => [q.record_id as string, q.reason])),
    credits,
  };
  return inputs;
}

/** The subscriber-month's stored CDRs with where each was read, in stored order. */
async function readRecords(
  database: BillingDatabase,
  msisdn: string,
  billMonth: string,
): Promise<ReplayInputs["records"]> {
  const row = await database.db
    .selectFrom("usage_months")
    .select("records")
    .where("bill_month", "=", billMonth)
    .where("msisdn", "=", msisdn)
    .executeTakeFirst();
  return parseStoredRecords(row?.records ?? "[]").map((r) => ({
    ...usageFromStored(msisdn, r),
    sourceFile: r[9],
    sourceLine: r[10],
  }));
}

/** The subscriber-month's stored BOSS bill, in (item_key, occurrence) order. */
async function readBillLines(
  database: BillingDatabase,
  msisdn: string,
  billMonth: string,
): Promise<ReplayInputs["billLines"]> {
  const row = await database.db
    .selectFrom("bill_months")
    .select("lines")
    .where("bill_month", "=", billMonth)
    .where("msisdn", "=", msisdn)
    .executeTakeFirst();
  return parseStoredBill(row?.lines ?? "[]")
    .sort(byItemThenOccurrence)
    .map(([itemKey, occurrence, cents, sourceFile, sourceLine]) => ({
      itemKey,
      occurrence,
      cents,
      sourceFile,
      sourceLine,
    }));
}

function catalogueOf(inputs: ReplayInputs): Catalogue {
  const parsed = parseCatalogueText(inputs.catalogueText);
  if (!parsed.ok) throw new ReplayError("catalogue_refused", "the stored catalogue no longer validates");
  return parsed.catalogue;
}

/** Rates the stored inputs of a subscriber-month with the core (also the query service's statement). */
export function rateReplayInputs(inputs: ReplayInputs) {
  const catalogue = catalogueOf(inputs);
  const all = [...inputs.periods, ...inputs.groupPeriods];
  const byMsisdn = groupBy(all, (p) => p.msisdn);
  const month = rateSubscriberMonth({
    billMonth: inputs.billMonth,
    msisdn: inputs.msisdn,
    periods: inputs.periods,
    subscriptions: inputs.subscriptions,
    records: inputs.records,
    catalogue,
    directory: directoryOf(byMsisdn),
  });
  return { month, catalogue };
}

export interface Replay {
  /** The canonical document, `sha256` last. */
  readonly json: string;
  readonly sha256: string;
  readonly document: ReplayDocument;
  /** Credits still owed, as the ledger would issue them now. */
  readonly owed: readonly PlannedCredit[];
}

export type ReplayDocument = ReturnType<typeof buildDocument>;

/**
 * Recomputes the month from its stored inputs, next to what was billed and
 * credited. Pure; a month with nothing stored is a ReplayError (`no_data`).
 */
export function computeReplay(inputs: ReplayInputs): Replay {
  if (!parseMonth(inputs.billMonth)) throw new RangeError(inputs.billMonth);
  const { month } = rateReplayInputs(inputs);
  if (month.items.length === 0 && inputs.billLines.length === 0 && inputs.credits.length === 0) {
    throw new ReplayError(
      "no_data",
      `no stored data for ${inputs.msisdn} in ${inputs.billMonth}: no plan period, record, bill line or credit`,
    );
  }
  const diff = diffSubscriberMonth(month, inputs.billLines, inputs.quarantined);
  const issued = new Map<string, IssuedSoFar & { key: RefundKey }>();
  for (const c of inputs.credits) {
    const before = issued.get(c.idempotencyKey);
    issued.set(c.idempotencyKey, {
      key: { msisdn: inputs.msisdn, billMonth: inputs.billMonth, itemKey: c.itemKey, occurrence: c.occurrence },
      totalCents: (before?.totalCents ?? 0) + c.refundCents,
      lastSeq: Math.max(before?.lastSeq ?? 0, c.issueSeq),
    });
  }
  const account = accountFor(inputs.periods, inputs.billMonth);
  const plan = planCredits(diff.discrepancies, issued, account);
  const document = buildDocument(inputs, month.items, diff.discrepancies, issued, account, plan.overCredited.length);
  const sealed = seal(document);
  return { json: sealed.text, sha256: sealed.sha256, document, owed: plan.credits };
}

const money = (cents: number | null) => (cents === null ? null : formatCents(cents));

function buildDocument(
  inputs: ReplayInputs,
  items: readonly RatedItem[],
  discrepancies: readonly Discrepancy[],
  issued: ReadonlyMap<string, IssuedSoFar>,
  account: ReturnType<typeof accountFor>,
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

/** The CDR rows of the evidence, in the columns of formats.md. */
export function evidenceCdrRows(inputs: ReplayInputs): string[][] {
  return inputs.records.map((r) => [
    r.recordId,
    r.msisdn,
    r.service,
    r.direction ?? "",
    r.otherParty,
    formatTimestamp(r.startMs),
    r.service === "voice" ? String(r.durationS) : "",
    r.service === "data" ? String(r.bytesUp) : "",
    r.service === "data" ? String(r.bytesDown) : "",
    r.visitedArea,
  ]);
}
