import { type BillingDatabase, loadReplayInputs } from "@billing/db";
import {
  type AllowanceBalance,
  describeItem,
  describeZh,
  formatCents,
  formatTimestamp,
  namesOf,
  type RatedItem,
  type Service,
  type ZhNames,
} from "@billing/rating";
import { ReplayError, reconcileStored } from "@billing/reconciliation";
import { CATEGORY_ZH, directionZh, quantityZh, SERVICE_ZH, volumeText } from "./statement-zh.js";

/** The six words of bill-query.md for what kind of usage a record was. */
export type CategoryWord = "local" | "long distance" | "roaming" | "international" | "group" | "special";

/** One record of the itemized bill, as a customer reads it. */
export interface StatementRecord {
  readonly recordId: string;
  readonly startTime: string;
  readonly service: Service;
  readonly direction: "in" | "out" | null;
  /** 业务 and 通信方式 in Chinese: 语音 主叫, 短信 接收, 上网. */
  readonly serviceZh: string;
  readonly directionZh: string;
  readonly otherParty: string | null;
  readonly visitedArea: string | null;
  /** 通信地点: the visited area's city name from the catalogue, else its code. */
  readonly visitedAreaName: string | null;
  readonly category: CategoryWord | null;
  /** 通信类型: 本地 / 长途 / 漫游 / 国际 / 集团 / 特服. */
  readonly categoryZh: string | null;
  /** Seconds for a call, KB for data, 1 for a message. */
  readonly quantity: { readonly value: number; readonly unit: "s" | "KB" | "SMS" };
  /** 通信时长 or 流量 as a person writes it: `1分1秒`, `3.00MB`, `1条`. */
  readonly quantityZh: string;
  readonly allowanceUsed: string | null;
  /** 套餐优惠 in the unit a person reads: `3分钟`, `1条`, `1.00MB`. */
  readonly allowanceZh: string | null;
  /** The correct charge (应收); null when the record cannot be rated yet. */
  readonly charge: string | null;
  /** 实收: what the delivered bill charged for the record (its lines added), null when no line names it. */
  readonly billed: string | null;
  /** A second delivery of one call: the record that is rated instead; never charged. */
  readonly duplicateOf: string | null;
  /** The tariff rule behind the charge, in plain words. */
  readonly rule: string;
  /** The same rule in plain Chinese (计费说明), from the same explanation. */
  readonly ruleZh: string;
}

export interface MonthSummary {
  readonly month: string;
  readonly monthlyFee: string;
  /** 套餐及固定费: each monthly-fee line by its item key (`FEE:<plan_id>`) and the plan's published name. */
  readonly fees: readonly {
    readonly itemKey: string;
    readonly name: string;
    readonly charge: string;
    readonly billed: string | null;
    readonly ruleZh: string;
  }[];
  /** 增值业务（代收费）: each product with its name and the provider it is collected for. */
  readonly subscriptions: readonly {
    readonly productId: string;
    readonly name: string;
    readonly provider: string | null;
    readonly charge: string;
    readonly billed: string | null;
    readonly rule: string;
    readonly ruleZh: string;
  }[];
  /** 小计 of the sections listed line by line: 应收 and 实收 of the fees and of the value-added lines. */
  readonly subtotals: Readonly<Record<"fees" | "valueAdded", { readonly charge: string; readonly billed: string }>>;
  readonly usage: Readonly<
    Record<
      Service,
      {
        readonly records: number;
        readonly charge: string;
        readonly billed: string;
        readonly allowance: AllowanceView | null;
        /** The allowance as a person reads it: `已用 3分钟，剩余 0分钟`, `已用 1.00MB，剩余 0KB`. */
        readonly allowanceZh: string | null;
      }
    >
  >;
  /** Double refunds credited on this month (ledger). */
  readonly credits: string;
  /** 双倍返还: each credit of the month and what it repaid. */
  readonly creditLines: readonly { readonly itemKey: string; readonly class: string; readonly refund: string }[];
  /** Fee + subscriptions + usage, what the month correctly costs (应收). */
  readonly total: string;
  /** What the delivered bill charged (实收). */
  readonly billed: string;
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
  const names = namesOf(catalogue);
  const billedCents = new Map<string, number>();
  for (const l of inputs.billLines) billedCents.set(l.itemKey, (billedCents.get(l.itemKey) ?? 0) + l.cents);
  const summary = summarise(month, month_.items, month_.allowances, credits, names, billedCents);
  return {
    summary: {
      ...summary,
      creditLines: inputs.credits.map((c) => ({
        itemKey: c.itemKey,
        class: c.class,
        refund: formatCents(c.refundCents),
      })),
      billed: formatCents(inputs.billLines.reduce((n, l) => n + l.cents, 0)),
    },
    records: recordsOf(month_.items, names, billedCents),
  };
}

const sum = (items: readonly RatedItem[]) => items.reduce((n, i) => n + (i.cents ?? 0), 0);

function summarise(
  month: string,
  items: readonly RatedItem[],
  allowances: readonly AllowanceBalance[],
  creditCents: number,
  names: ZhNames,
  billedCents: ReadonlyMap<string, number>,
): Omit<MonthSummary, "creditLines" | "billed"> {
  const billed = (itemKey: string) => billedText(billedCents, itemKey);
  const billedSum = (items: readonly RatedItem[]) =>
    formatCents(items.reduce((n, i) => n + (billedCents.get(i.itemKey) ?? 0), 0));
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
    billed: billedSum(u.items),
    allowance: u.allowance,
    allowanceZh: u.allowance && allowanceText(u.allowance),
  });
  return {
    month,
    monthlyFee: formatCents(sum(fees)),
    fees: fees.map((i) => ({
      itemKey: i.itemKey,
      name: i.explanation.kind === "fee" ? (i.explanation.planNameZh ?? i.explanation.planName) : i.itemKey.slice(4),
      charge: formatCents(i.cents ?? 0),
      billed: billed(i.itemKey),
      ruleZh: ruleZh(i, names),
    })),
    subscriptions: vas.map((i) => ({
      productId: i.itemKey.slice(4),
      name:
        i.explanation.kind === "vas" ? (i.explanation.productNameZh ?? i.explanation.productName) : i.itemKey.slice(4),
      provider: i.explanation.kind === "vas" ? i.explanation.provider : null,
      charge: formatCents(i.cents ?? 0),
      billed: billed(i.itemKey),
      rule: describeItem(i),
      ruleZh: ruleZh(i, names),
    })),
    subtotals: {
      fees: { charge: formatCents(sum(fees)), billed: billedSum(fees) },
      valueAdded: { charge: formatCents(sum(vas)), billed: billedSum(vas) },
    },
    usage: { voice: view(usage.voice), sms: view(usage.sms), data: view(usage.data) },
    credits: formatCents(creditCents),
    total: formatCents(sum(items)),
  };
}

function allowanceText(a: AllowanceView): string {
  const amount = (n: number) => (a.unit === "KB" ? volumeText(n) : `${n}${a.unit === "min" ? "分钟" : "条"}`);
  return `已用 ${amount(a.used)}，剩余 ${amount(a.left)}`;
}

/** 计费说明: the same rule as `rule`, in plain Chinese, from the same explanation. */
const ruleZh = (item: RatedItem, names: ZhNames) =>
  describeZh(item.explanation, item.cents === null ? null : formatCents(item.cents), names);

/** 实收 of an item: its bill lines added, null when the bill has none. */
function billedText(billedCents: ReadonlyMap<string, number>, itemKey: string): string | null {
  const cents = billedCents.get(itemKey);
  return cents === undefined ? null : formatCents(cents);
}

function recordsOf(
  items: readonly RatedItem[],
  names: ZhNames,
  billedCents: ReadonlyMap<string, number>,
): StatementRecord[] {
  const records: StatementRecord[] = [];
  for (const item of items) {
    const r = item.record;
    if (!r) continue;
    const e = item.explanation;
    let allowanceUsed: string | null = null;
    let allowanceZh: string | null = null;
    if (e.kind === "voice" && e.allowanceMinutes?.used) {
      allowanceUsed = `${e.allowanceMinutes.used} min`;
      allowanceZh = `${e.allowanceMinutes.used}分钟`;
    }
    if (e.kind === "sms" && e.allowanceMessages?.used) {
      allowanceUsed = "1 SMS";
      allowanceZh = "1条";
    }
    if (e.kind === "data" && e.allowanceKb.used) {
      allowanceUsed = `${e.allowanceKb.used} KB`;
      allowanceZh = volumeText(e.allowanceKb.used);
    }
    const category = categoryWord(item);
    const quantity =
      r.service === "voice"
        ? { value: r.durationS, unit: "s" as const }
        : r.service === "data"
          ? { value: Math.ceil((r.bytesUp + r.bytesDown) / 1024), unit: "KB" as const }
          : { value: 1, unit: "SMS" as const };
    records.push({
      recordId: r.recordId,
      startTime: formatTimestamp(r.startMs),
      service: r.service,
      direction: r.direction,
      serviceZh: SERVICE_ZH[r.service],
      directionZh: directionZh(r.service, r.direction),
      otherParty: r.otherParty === "" ? null : r.otherParty,
      visitedArea: r.visitedArea === "" ? null : r.visitedArea,
      visitedAreaName: r.visitedArea === "" ? null : names.area(r.visitedArea),
      category,
      categoryZh: category === null ? null : CATEGORY_ZH[category],
      quantity,
      quantityZh: quantityZh(r.service, quantity.value),
      allowanceUsed,
      allowanceZh,
      charge: item.cents === null ? null : formatCents(item.cents),
      billed: billedText(billedCents, r.recordId),
      duplicateOf: e.kind === "duplicate_usage" ? e.duplicateOf : null,
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
  /** How many records the filter selects in all, so a page can say "of M". */
  readonly total: number;
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
  const total =
    options.service === undefined ? records.length : records.filter((r) => r.service === options.service).length;
  return { records: page, total, next: filtered.length > page.length && last ? encodeCursor(last) : null };
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
