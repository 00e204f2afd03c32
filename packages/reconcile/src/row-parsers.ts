import {
  type Direction,
  formatTimestamp,
  type PlanPeriod,
  parseCents,
  parseDate,
  parseMonth,
  parseTimestamp,
  type Service,
  type Subscription,
  type UsageRecord,
} from "@billing/rating";

/** A CSV row by column name, as read. */
export type Row = Readonly<Record<string, string | undefined>>;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = (reason: string): Parsed<never> => ({ ok: false, reason });

export const CDR_COLUMNS = [
  "record_id",
  "msisdn",
  "service",
  "direction",
  "other_party",
  "start_time",
  "duration_s",
  "bytes_up",
  "bytes_down",
  "visited_area",
] as const;
export const SUBSCRIBER_COLUMNS = [
  "msisdn",
  "account_id",
  "plan_id",
  "active_from",
  "active_to",
  "home_area",
  "vpmn_group",
  "payment",
] as const;
export const SUBSCRIPTION_COLUMNS = ["msisdn", "product_id", "ordered_at", "confirmed_at", "cancelled_at"] as const;
export const BILL_COLUMNS = ["bill_month", "msisdn", "item_key", "amount"] as const;

/** Where each of `columns` is in a file's header (-1 if absent); of a repeated name, the last. */
export function columnIndexes(header: readonly string[], columns: readonly string[]): number[] {
  return columns.map((c) => header.lastIndexOf(c));
}

/** A record's fields by column name, for the columns at `indexes` (columnIndexes). */
export function rowOf(fields: readonly string[], columns: readonly string[], indexes: readonly number[]): Row {
  const row: Record<string, string | undefined> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i] as string] = fields[indexes[i] as number];
  return row;
}

/** A plan period as the fields of a subscribers.csv row. */
export function subscriberFields(p: PlanPeriod): string[] {
  return [p.msisdn, p.accountId, p.planId, p.activeFrom, p.activeTo ?? "", p.homeArea, p.vpmnGroup ?? "", p.payment];
}

/** A subscription as the fields of a subscriptions.csv row. */
export function subscriptionFields(s: Subscription): string[] {
  const t = (ms: number | null) => (ms === null ? "" : formatTimestamp(ms));
  return [s.msisdn, s.productId, t(s.orderedMs), t(s.confirmedMs), t(s.cancelledMs)];
}

export const MSISDN = /^1\d{10}$/;
const WHOLE = /^\d{1,15}$/;
const AREA = /^\d+$/;
const PARTY = /^\+?\d+$/;

/** A CDR row per formats.md (its bill month is billMonthOf its start). */
export function parseCdrRow(row: Row): Parsed<UsageRecord> {
  const recordId = row.record_id ?? "";
  if (recordId.length < 1 || recordId.length > 64) return bad("record_id must be 1-64 characters");
  const msisdn = row.msisdn ?? "";
  if (!MSISDN.test(msisdn)) return bad(`msisdn ${JSON.stringify(msisdn)} is not an 11-digit mobile number`);
  const service = row.service;
  if (service !== "voice" && service !== "sms" && service !== "data") {
    return bad(`service ${JSON.stringify(service ?? "")} is not voice, sms or data`);
  }
  const direction = row.direction ?? "";
  const otherParty = row.other_party ?? "";
  if (service === "data") {
    if (direction !== "") return bad("direction must be empty for data");
    if (otherParty !== "") return bad("other_party must be empty for data");
  } else {
    if (direction !== "in" && direction !== "out")
      return bad(`direction ${JSON.stringify(direction)} is not in or out`);
    if (!PARTY.test(otherParty))
      return bad(`other_party ${JSON.stringify(otherParty)} is not digits with an optional +`);
  }
  const startText = row.start_time ?? "";
  const startMs = parseTimestamp(startText);
  if (startMs === undefined) return bad(`start_time ${JSON.stringify(startText)} is not ISO 8601 with an offset`);
  const duration = wholeOrEmpty(row.duration_s);
  if (duration === undefined) return bad("duration_s must be a whole number of seconds ≥ 0");
  const bytesUp = wholeOrEmpty(row.bytes_up);
  const bytesDown = wholeOrEmpty(row.bytes_down);
  if (bytesUp === undefined || bytesDown === undefined) return bad("bytes_up and bytes_down must be whole numbers ≥ 0");
  if (service === "voice" && (row.duration_s ?? "") === "") return bad("duration_s is required for voice");
  if (service !== "voice" && duration !== 0) return bad(`duration_s must be empty or 0 for ${service}`);
  if (service === "data" && ((row.bytes_up ?? "") === "" || (row.bytes_down ?? "") === "")) {
    return bad("bytes_up and bytes_down are required for data");
  }
  if (service !== "data" && (bytesUp !== 0 || bytesDown !== 0)) {
    return bad(`bytes_up and bytes_down must be empty or 0 for ${service}`);
  }
  const visitedArea = row.visited_area ?? "";
  if (visitedArea === "" ? service === "voice" : !AREA.test(visitedArea)) {
    return bad(`visited_area ${JSON.stringify(visitedArea)} is not an area code`);
  }
  return ok({
    recordId,
    msisdn,
    service: service as Service,
    direction: service === "data" ? null : (direction as Direction),
    otherParty,
    startMs,
    durationS: duration,
    bytesUp,
    bytesDown,
    visitedArea,
  });
}

function wholeOrEmpty(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return 0;
  return WHOLE.test(text) ? Number(text) : undefined;
}

/** One plan period per formats.md; rules across rows are checked by checkPlanPeriods. */
export function parseSubscriberRow(row: Row): Parsed<PlanPeriod> {
  const msisdn = row.msisdn ?? "";
  if (!MSISDN.test(msisdn)) return bad(`msisdn ${JSON.stringify(msisdn)} is not an 11-digit mobile number`);
  const accountId = row.account_id ?? "";
  if (accountId === "") return bad("account_id is empty");
  const planId = row.plan_id ?? "";
  if (planId === "") return bad("plan_id is empty");
  const activeFrom = row.active_from ?? "";
  const from = parseDate(activeFrom);
  if (from === undefined) return bad(`active_from ${JSON.stringify(activeFrom)} is not a date YYYY-MM-DD`);
  const activeTo = row.active_to ?? "";
  if (activeTo !== "") {
    const to = parseDate(activeTo);
    if (to === undefined) return bad(`active_to ${JSON.stringify(activeTo)} is not a date YYYY-MM-DD`);
    if (to <= from) return bad("active_to must be after active_from");
  }
  const homeArea = row.home_area ?? "";
  if (!AREA.test(homeArea)) return bad(`home_area ${JSON.stringify(homeArea)} is not an area code`);
  const payment = row.payment;
  if (payment !== "prepaid" && payment !== "postpaid") {
    return bad(`payment ${JSON.stringify(payment ?? "")} is not prepaid or postpaid`);
  }
  return ok({
    msisdn,
    accountId,
    planId,
    activeFrom,
    activeTo: activeTo === "" ? null : activeTo,
    homeArea,
    vpmnGroup: row.vpmn_group ? row.vpmn_group : null,
    payment,
  });
}

/**
 * The rules across the periods of one msisdn (formats.md): no overlap, and
 * only the first period may start mid-month. Periods in file order; returns
 * the reason each refused one breaks a rule, keyed by its index.
 */
export function checkPlanPeriods(periods: readonly PlanPeriod[]): Map<number, string> {
  const refused = new Map<number, string>();
  const order = periods.map((p, i) => ({ p, i })).sort((a, b) => (a.p.activeFrom < b.p.activeFrom ? -1 : 1));
  let previous: PlanPeriod | undefined;
  for (const { p, i } of order) {
    if (previous) {
      if (previous.activeTo === null || previous.activeTo > p.activeFrom) {
        refused.set(i, `overlaps the period of ${p.msisdn} from ${previous.activeFrom}`);
        continue;
      }
      if (!p.activeFrom.endsWith("-01")) {
        refused.set(i, "a period that follows another must start on the first day of a month");
        continue;
      }
    }
    previous = p;
  }
  return refused;
}

export function parseSubscriptionRow(row: Row): Parsed<Subscription> {
  const msisdn = row.msisdn ?? "";
  if (!MSISDN.test(msisdn)) return bad(`msisdn ${JSON.stringify(msisdn)} is not an 11-digit mobile number`);
  const productId = row.product_id ?? "";
  if (productId === "") return bad("product_id is empty");
  const orderedMs = parseTimestamp(row.ordered_at ?? "");
  if (orderedMs === undefined) return bad("ordered_at is not ISO 8601 with an offset");
  const optional = (name: "confirmed_at" | "cancelled_at"): Parsed<number | null> => {
    const text = row[name] ?? "";
    if (text === "") return ok(null);
    const ms = parseTimestamp(text);
    if (ms === undefined) return bad(`${name} is not ISO 8601 with an offset`);
    if (ms < orderedMs) return bad(`${name} is before ordered_at`);
    return ok(ms);
  };
  const confirmed = optional("confirmed_at");
  if (!confirmed.ok) return confirmed;
  const cancelled = optional("cancelled_at");
  if (!cancelled.ok) return cancelled;
  return ok({ msisdn, productId, orderedMs, confirmedMs: confirmed.value, cancelledMs: cancelled.value });
}

export interface BillLine {
  readonly billMonth: string;
  readonly msisdn: string;
  readonly itemKey: string;
  readonly cents: number;
}

export function parseBillRow(row: Row): Parsed<BillLine> {
  const billMonth = row.bill_month ?? "";
  if (!parseMonth(billMonth)) return bad(`bill_month ${JSON.stringify(billMonth)} is not YYYY-MM`);
  const msisdn = row.msisdn ?? "";
  if (!MSISDN.test(msisdn)) return bad(`msisdn ${JSON.stringify(msisdn)} is not an 11-digit mobile number`);
  const itemKey = row.item_key ?? "";
  if (itemKey === "") return bad("item_key is empty");
  const cents = parseCents(row.amount ?? "");
  if (cents === undefined)
    return bad(`amount ${JSON.stringify(row.amount ?? "")} is not yuan ≥ 0 with at most two decimals`);
  return ok({ billMonth, msisdn, itemKey, cents });
}
