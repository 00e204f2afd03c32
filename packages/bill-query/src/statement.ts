import { type BillingDatabase, loadReplayInputs } from "@billing/db";
import {
  type AllowanceBalance,
  describeItem,
  describeZh,
  formatCents,
  formatTimestamp,
  type RatedItem,
  type Service,
  type ZhNames,
} from "@billing/rating";
import { ReplayError, reconcileStored } from "@billing/reconciliation";

/** The six words of bill-query.md for what kind of usage a record was. */
export type CategoryWord = "local" | "long distance" | "roaming" | "international" | "group" | "special";

/** One record of the itemized bill, as a customer reads it. */
export interface StatementRecord {
  readonly recordId: string;
  readonly startTime: string;
  readonly service: Service;
  readonly direction: "in" | "out" | null;
  readonly otherParty: string | null;
  readonly visitedArea: string | null;
  readonly category: CategoryWord | null;
  /** Seconds for a call, KB for data, 1 for a message. */
  readonly quantity: { readonly value: number; readonly unit: "s" | "KB" | "SMS" };
  readonly allowanceUsed: string | null;
  /** The correct charge; null when the record cannot be rated yet. */
  readonly charge: string | null;
  /** The tariff rule behind the charge, in plain words. */
  readonly rule: string;
  /** The same rule in plain Chinese (计费说明), from the same explanation. */
  readonly ruleZh: string;
}

export interface MonthSummary {
  readonly month: string;
  readonly monthlyFee: string;
  readonly subscriptions: readonly {
    readonly productId: string;
    readonly charge: string;
    readonly rule: string;
    readonly ruleZh: string;
  }[];
  readonly usage: Readonly<
    Record<Service, { readonly records: number; readonly charge: string; readonly allowance: AllowanceView | null }>
  >;
  /** Double refunds credited on this month (ledger). */
  readonly credits: string;
  /** Fee + subscriptions + usage, what the month correctly costs. */
  readonly total: string;
}

export interface AllowanceView {
  readonly included: number;
  readonly used: number;
  readonly left: number;
  readonly unit: "min" | "SMS" | "KB";
}

export interface Statement {
  readonly summary: MonthSummary;
  /** Usage records in start-time order (then record id). */
  readonly records: readonly StatementRecord[];
}

/** Replay's answers that mean nothing is stored to show (before the first run, no catalogue either). */
const NOTHING_STORED = new Set(["unknown_msisdn", "no_data", "no_catalogue"]);

/**
 * A subscriber's statement of one month, from the stored inputs rated by the
 * core: the same numbers a replay gives, and always the current ones.
 * Returns null when nothing is stored for the month.
 */
export async function loadStatement(
  database: BillingDatabase,
  msisdn: string,
  month: string,
): Promise<Statement | null> {
  let inputs: Awaited<ReturnType<typeof loadReplayInputs>>;
  try {
    inputs = await loadReplayInputs(database, msisdn, month);
  } catch (error) {
    if (error instanceof ReplayError && NOTHING_STORED.has(error.code)) return null;
    throw error;
  }
  const { month: month_, catalogue } = reconcileStored(inputs);
  if (month_.items.length === 0) return null;
  const credits = inputs.credits.reduce((n, c) => n + c.refundCents, 0);
  const names: ZhNames = { area: (code) => catalogue.numberPlan.areas.get(code) ?? code };
  return {
    summary: summarise(month, month_.items, month_.allowances, credits, names),
    records: recordsOf(month_.items, names),
  };
}

const sum = (items: readonly RatedItem[]) => items.reduce((n, i) => n + (i.cents ?? 0), 0);

function summarise(
  month: string,
  items: readonly RatedItem[],
  allowances: readonly AllowanceBalance[],
  creditCents: number,
  names: ZhNames,
): MonthSummary {
  const fees = items.filter((i) => i.kind === "fee");
  const vas = items.filter((i) => i.kind === "vas");
  const usageOf = (service: Service) => items.filter((i) => i.record?.service === service);
  const pool = (pick: (a: AllowanceBalance) => { included: number; used: number }, unit: AllowanceView["unit"]) => {
    const included = allowances.reduce((n, a) => n + pick(a).included, 0);
    const used = allowances.reduce((n, a) => n + pick(a).used, 0);
    return included === 0 ? null : { included, used, left: included - used, unit };
  };
  const usage = {
    voice: { items: usageOf("voice"), allowance: pool((a) => a.voiceMinutes, "min") },
    sms: { items: usageOf("sms"), allowance: pool((a) => a.sms, "SMS") },
    data: { items: usageOf("data"), allowance: pool((a) => a.dataKb, "KB") },
  };
  const view = (u: { items: RatedItem[]; allowance: AllowanceView | null }) => ({
    records: u.items.length,
    charge: formatCents(sum(u.items)),
    allowance: u.allowance,
  });
  return {
    month,
    monthlyFee: formatCents(sum(fees)),
    subscriptions: vas.map((i) => ({
      productId: i.itemKey.slice(4),
      charge: formatCents(i.cents ?? 0),
      rule: describeItem(i),
      ruleZh: ruleZh(i, names),
    })),
    usage: { voice: view(usage.voice), sms: view(usage.sms), data: view(usage.data) },
    credits: formatCents(creditCents),
    total: formatCents(sum(items)),
  };
}

/** 计费说明: the same rule as `rule`, in plain Chinese, from the same explanation. */
const ruleZh = (item: RatedItem, names: ZhNames) =>
  describeZh(item.explanation, item.cents === null ? null : formatCents(item.cents), names);

function recordsOf(items: readonly RatedItem[], names: ZhNames): StatementRecord[] {
  const records: StatementRecord[] = [];
  for (const item of items) {
    const r = item.record;
    if (!r) continue;
    const e = item.explanation;
    let allowanceUsed: string | null = null;
    if (e.kind === "voice" && e.allowanceMinutes?.used) allowanceUsed = `${e.allowanceMinutes.used} min`;
    if (e.kind === "sms" && e.allowanceMessages?.used) allowanceUsed = "1 SMS";
    if (e.kind === "data" && e.allowanceKb.used) allowanceUsed = `${e.allowanceKb.used} KB`;
    records.push({
      recordId: r.recordId,
      startTime: formatTimestamp(r.startMs),
      service: r.service,
      direction: r.direction,
      otherParty: r.otherParty === "" ? null : r.otherParty,
      visitedArea: r.visitedArea === "" ? null : r.visitedArea,
      category: categoryWord(item),
      quantity:
        r.service === "voice"
          ? { value: r.durationS, unit: "s" }
          : r.service === "data"
            ? { value: Math.ceil((r.bytesUp + r.bytesDown) / 1024), unit: "KB" }
            : { value: 1, unit: "SMS" },
      allowanceUsed,
      charge: item.cents === null ? null : formatCents(item.cents),
      rule: describeItem(item),
      ruleZh: ruleZh(item, names),
    });
  }
  return records.sort(byStartThenId);
}

// Times are all written in UTC+8 with optional millis, so string order is time order.
const byStartThenId = (a: StatementRecord, b: StatementRecord) =>
  a.startTime < b.startTime
    ? -1
    : a.startTime > b.startTime
      ? 1
      : a.recordId < b.recordId
        ? -1
        : a.recordId > b.recordId
          ? 1
          : 0;

function categoryWord(item: RatedItem): CategoryWord | null {
  const e = item.explanation;
  if (e.kind === "voice") {
    switch (e.category) {
      case "intl_out":
        return "international";
      case "special":
        return "special";
      case "vpmn":
        return "group";
      case "roam_out":
      case "roam_in":
        return "roaming";
      case "ld_out":
        return "long distance";
      default:
        return "local";
    }
  }
  if (e.kind === "sms")
    return e.category === "international" ? "international" : e.category === "special" ? "special" : "local";
  if (e.kind === "data") return e.roaming ? "roaming" : "local";
  return null;
}

export interface Page {
  readonly records: readonly StatementRecord[];
  /** Pass back to get the next page; null on the last. */
  readonly next: string | null;
}

/**
 * A page of records after a cursor, in start-time then record-id order. The
 * cursor names the last record seen, so a page never repeats or skips a
 * record already listed when new ones arrive.
 */
export function pageOf(
  records: readonly StatementRecord[],
  options: { readonly service?: Service; readonly after?: string | null; readonly limit: number },
): Page {
  const after = options.after ? decodeCursor(options.after) : null;
  const filtered = records.filter(
    (r) =>
      (options.service === undefined || r.service === options.service) &&
      (after === null ||
        r.startTime > after.startTime ||
        (r.startTime === after.startTime && r.recordId > after.recordId)),
  );
  const page = filtered.slice(0, options.limit);
  const last = page[page.length - 1];
  return { records: page, next: filtered.length > page.length && last ? encodeCursor(last) : null };
}

export class CursorError extends Error {
  override readonly name = "CursorError";
  readonly code = "invalid_cursor";
}

function encodeCursor(r: StatementRecord): string {
  return Buffer.from(JSON.stringify([r.startTime, r.recordId])).toString("base64url");
}

function decodeCursor(cursor: string): { startTime: string; recordId: string } {
  try {
    const [startTime, recordId] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof startTime === "string" && typeof recordId === "string") return { startTime, recordId };
  } catch {
    // fall through
  }
  throw new CursorError("the cursor is not one this service gave out");
}
