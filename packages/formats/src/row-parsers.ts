import {
  centsAt,
  type Direction,
  formatTimestamp,
  type PlanPeriod,
  parseDate,
  parseMonth,
  parseTimestamp,
  type Service,
  type Subscription,
  timestampAt,
  type UsageRecord,
  YEARS,
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
const AREA = /^\d+$/;

/**
 * A record's fields for a kind's columns, as spans of one text: column c is
 * `text[starts[c], ends[c])`, empty where the record has no such field. The
 * usage parsers read spans, so that a field becomes a string only when the
 * value keeps it: on the rating thread, cutting every CDR into ten strings
 * cost more than checking them.
 */
export interface FieldSpans {
  readonly text: string;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
}

/** The spans of a row's fields for `columns`. */
export function spansOfRow(row: Row, columns: readonly string[]): FieldSpans {
  const starts = new Int32Array(columns.length);
  const ends = new Int32Array(columns.length);
  let text = "";
  for (let c = 0; c < columns.length; c++) {
    starts[c] = text.length;
    text += row[columns[c] as string] ?? "";
    ends[c] = text.length;
  }
  return { text, starts, ends };
}

/** Column c's field as a string. */
export const fieldText = (f: FieldSpans, c: number) => f.text.slice(f.starts[c], f.ends[c]);
const fieldEmpty = (f: FieldSpans, c: number) => f.starts[c] === f.ends[c];
const quoted = (f: FieldSpans, c: number) => JSON.stringify(fieldText(f, c));

function fieldIs(f: FieldSpans, c: number, word: string): boolean {
  const start = f.starts[c] as number;
  if ((f.ends[c] as number) - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (f.text.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  return true;
}

/** Are text[from, to) one or more digits 0-9? */
function allDigits(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
  }
  return true;
}

/** The field as MSISDN accepts it: 1, then 10 digits. */
function isMsisdnField(f: FieldSpans, c: number): boolean {
  const start = f.starts[c] as number;
  return (
    (f.ends[c] as number) - start === 11 && f.text.charCodeAt(start) === 49 && allDigits(f.text, start + 1, start + 11)
  );
}

/** A whole number of 1-15 digits, 0 when empty, undefined otherwise. */
function wholeOrEmpty(f: FieldSpans, c: number): number | undefined {
  const start = f.starts[c] as number;
  const end = f.ends[c] as number;
  if (end - start > 15) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = f.text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n;
}

/** A bill line of 100 million yuan or more is malformed: twice it would not fit the ledger's numeric(14,2). */
export const MOST_LINE_CENTS = 9_999_999_999;
/** Longest account, plan, group and product id: formats.md bounds record_id at 64, and ids are stored and indexed alike. */
const MOST_ID = 64;

/** Longest item_key: a record_id (64) is the longest of formats.md, `FEE:`/`VAS:` ids well under this. */
export const MOST_ITEM_KEY = 128;
const fieldLength = (f: FieldSpans, c: number) => (f.ends[c] as number) - (f.starts[c] as number);

/** No call lasts longer than a month: a longer duration is malformed, not a charge (its cents would not fit the ledger). */
export const MOST_DURATION_S = 31 * 86_400;
/** Bytes of one data record at the most. */
export const MOST_BYTES = 10 ** 13;

const cdrColumn = (name: (typeof CDR_COLUMNS)[number]) => CDR_COLUMNS.indexOf(name);
export const RECORD_ID = cdrColumn("record_id");
const CDR_MSISDN = cdrColumn("msisdn");
const SERVICE = cdrColumn("service");
const DIRECTION = cdrColumn("direction");
const OTHER_PARTY = cdrColumn("other_party");
const START_TIME = cdrColumn("start_time");
const DURATION = cdrColumn("duration_s");
const BYTES_UP = cdrColumn("bytes_up");
const BYTES_DOWN = cdrColumn("bytes_down");
const VISITED = cdrColumn("visited_area");
const billColumn = (name: (typeof BILL_COLUMNS)[number]) => BILL_COLUMNS.indexOf(name);
const BILL_MONTH = billColumn("bill_month");
const BILL_MSISDN = billColumn("msisdn");
const ITEM_KEY = billColumn("item_key");
const AMOUNT = billColumn("amount");

/** A CDR row per formats.md (its bill month is billMonthOf its start). */
export function parseCdrRow(row: Row): Parsed<UsageRecord> {
  return parseCdrFields(spansOfRow(row, CDR_COLUMNS));
}

/** A CDR per formats.md, its fields the spans of CDR_COLUMNS. */
export function parseCdrFields(f: FieldSpans): Parsed<UsageRecord> {
  const idLength = (f.ends[RECORD_ID] as number) - (f.starts[RECORD_ID] as number);
  if (idLength < 1 || idLength > 64) return bad("record_id must be 1-64 characters");
  if (!isMsisdnField(f, CDR_MSISDN)) return bad(`msisdn ${quoted(f, CDR_MSISDN)} is not an 11-digit mobile number`);
  const service: Service | undefined = fieldIs(f, SERVICE, "voice")
    ? "voice"
    : fieldIs(f, SERVICE, "sms")
      ? "sms"
      : fieldIs(f, SERVICE, "data")
        ? "data"
        : undefined;
  if (service === undefined) return bad(`service ${quoted(f, SERVICE)} is not voice, sms or data`);
  let direction: Direction | null = null;
  if (service === "data") {
    if (!fieldEmpty(f, DIRECTION)) return bad("direction must be empty for data");
    if (!fieldEmpty(f, OTHER_PARTY)) return bad("other_party must be empty for data");
  } else {
    direction = fieldIs(f, DIRECTION, "out") ? "out" : fieldIs(f, DIRECTION, "in") ? "in" : null;
    if (direction === null) return bad(`direction ${quoted(f, DIRECTION)} is not in or out`);
    const from = f.starts[OTHER_PARTY] as number;
    const plus = f.text.charCodeAt(from) === 43 ? 1 : 0;
    if (!allDigits(f.text, from + plus, f.ends[OTHER_PARTY] as number))
      return bad(`other_party ${quoted(f, OTHER_PARTY)} is not digits with an optional +`);
  }
  const startMs = timestampAt(f.text, f.starts[START_TIME] as number, f.ends[START_TIME] as number);
  if (startMs === undefined)
    return bad(`start_time ${quoted(f, START_TIME)} is not ISO 8601 with an offset, in ${YEARS.first}-${YEARS.last}`);
  const duration = wholeOrEmpty(f, DURATION);
  if (duration === undefined) return bad("duration_s must be a whole number of seconds ≥ 0");
  if (duration > MOST_DURATION_S)
    return bad(`duration_s ${duration} is longer than a month (at most ${MOST_DURATION_S})`);
  const bytesUp = wholeOrEmpty(f, BYTES_UP);
  const bytesDown = wholeOrEmpty(f, BYTES_DOWN);
  if (bytesUp === undefined || bytesDown === undefined) return bad("bytes_up and bytes_down must be whole numbers ≥ 0");
  if (bytesUp > MOST_BYTES || bytesDown > MOST_BYTES)
    return bad(`bytes_up and bytes_down are at most ${MOST_BYTES} a record (10 TB)`);
  if (service === "voice" && fieldEmpty(f, DURATION)) return bad("duration_s is required for voice");
  if (service !== "voice" && duration !== 0) return bad(`duration_s must be empty or 0 for ${service}`);
  if (service === "data" && (fieldEmpty(f, BYTES_UP) || fieldEmpty(f, BYTES_DOWN))) {
    return bad("bytes_up and bytes_down are required for data");
  }
  if (service !== "data" && (bytesUp !== 0 || bytesDown !== 0)) {
    return bad(`bytes_up and bytes_down must be empty or 0 for ${service}`);
  }
  const areaFrom = f.starts[VISITED] as number;
  const areaTo = f.ends[VISITED] as number;
  if (areaFrom === areaTo ? service === "voice" : !allDigits(f.text, areaFrom, areaTo)) {
    return bad(`visited_area ${quoted(f, VISITED)} is not an area code`);
  }
  return ok({
    recordId: fieldText(f, RECORD_ID),
    msisdn: fieldText(f, CDR_MSISDN),
    service,
    direction,
    otherParty: fieldText(f, OTHER_PARTY),
    startMs,
    durationS: duration,
    bytesUp,
    bytesDown,
    visitedArea: f.text.slice(areaFrom, areaTo),
  });
}

/** One plan period per formats.md; rules across rows are checked by checkPlanPeriods. */
export function parseSubscriberRow(row: Row): Parsed<PlanPeriod> {
  const msisdn = row.msisdn ?? "";
  if (!MSISDN.test(msisdn)) return bad(`msisdn ${JSON.stringify(msisdn)} is not an 11-digit mobile number`);
  const accountId = row.account_id ?? "";
  if (accountId === "") return bad("account_id is empty");
  if (accountId.length > MOST_ID) return bad(`account_id is longer than ${MOST_ID} characters`);
  const planId = row.plan_id ?? "";
  if (planId === "") return bad("plan_id is empty");
  if (planId.length > MOST_ID) return bad(`plan_id is longer than ${MOST_ID} characters`);
  const activeFrom = row.active_from ?? "";
  const from = parseDate(activeFrom);
  if (from === undefined) return bad(`active_from ${JSON.stringify(activeFrom)} is not a date YYYY-MM-DD`);
  const activeTo = row.active_to ?? "";
  if (activeTo !== "") {
    const to = parseDate(activeTo);
    if (to === undefined) return bad(`active_to ${JSON.stringify(activeTo)} is not a date YYYY-MM-DD`);
    if (to <= from) return bad("active_to must be after active_from");
  }
  if ((row.vpmn_group ?? "").length > MOST_ID) return bad(`vpmn_group is longer than ${MOST_ID} characters`);
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

/**
 * formats.md's no-overlap rule across nights: each delivered period of one
 * msisdn against its stored ones. A stored period with a delivered one's
 * `active_from` is that period corrected (it is replaced, not checked).
 * Returns the reason each refused delivered period breaks it, by index.
 */
export function checkAgainstStored(
  delivered: readonly PlanPeriod[],
  stored: readonly PlanPeriod[],
): Map<number, string> {
  const refused = new Map<number, string>();
  const replaced = new Set(delivered.map((p) => p.activeFrom));
  const standing = stored.filter((s) => !replaced.has(s.activeFrom));
  delivered.forEach((d, i) => {
    const s = standing.find(
      (s) => d.activeFrom < (s.activeTo ?? "9999-12-31") && s.activeFrom < (d.activeTo ?? "9999-12-31"),
    );
    if (s) refused.set(i, `overlaps the stored period of ${d.msisdn} from ${s.activeFrom} (${s.planId})`);
  });
  return refused;
}

export function parseSubscriptionRow(row: Row): Parsed<Subscription> {
  const msisdn = row.msisdn ?? "";
  if (!MSISDN.test(msisdn)) return bad(`msisdn ${JSON.stringify(msisdn)} is not an 11-digit mobile number`);
  const productId = row.product_id ?? "";
  if (productId === "") return bad("product_id is empty");
  if (productId.length > MOST_ID) return bad(`product_id is longer than ${MOST_ID} characters`);
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
  return parseBillFields(spansOfRow(row, BILL_COLUMNS));
}

/** A BOSS bill line per formats.md, its fields the spans of BILL_COLUMNS. */
export function parseBillFields(f: FieldSpans): Parsed<BillLine> {
  const billMonth = fieldText(f, BILL_MONTH);
  if (!parseMonth(billMonth)) return bad(`bill_month ${JSON.stringify(billMonth)} is not YYYY-MM`);
  if (!isMsisdnField(f, BILL_MSISDN)) return bad(`msisdn ${quoted(f, BILL_MSISDN)} is not an 11-digit mobile number`);
  if (fieldEmpty(f, ITEM_KEY)) return bad("item_key is empty");
  const cents = centsAt(f.text, f.starts[AMOUNT] as number, f.ends[AMOUNT] as number);
  if (cents === undefined) return bad(`amount ${quoted(f, AMOUNT)} is not yuan ≥ 0 with at most two decimals`);
  if (cents > MOST_LINE_CENTS)
    return bad(`amount ${quoted(f, AMOUNT)} is more than a bill line can be (at most 99999999.99)`);
  if (fieldLength(f, ITEM_KEY) > MOST_ITEM_KEY) return bad(`item_key is longer than ${MOST_ITEM_KEY} characters`);
  return ok({ billMonth, msisdn: fieldText(f, BILL_MSISDN), itemKey: fieldText(f, ITEM_KEY), cents });
}
