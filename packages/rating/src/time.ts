/**
 * Calendar arithmetic in the billing time zone, Asia/Shanghai: UTC+8 with no
 * daylight saving, so a fixed offset is exact. Days are counted from
 * 1970-01-01 (UTC+8); no Date object or machine time zone is involved.
 */

export const BILLING_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** The UTC+8 day number of an instant. */
export function dayOf(ms: number): number {
  return Math.floor((ms + BILLING_OFFSET_MS) / DAY_MS);
}

/** Seconds since UTC+8 midnight of an instant. */
export function secondOfDay(ms: number): number {
  return Math.floor((ms + BILLING_OFFSET_MS - dayOf(ms) * DAY_MS) / 1000);
}

/** Civil date of a day number (Howard Hinnant's days_from_civil, inverted). */
export function civilOf(day: number): { year: number; month: number; dayOfMonth: number } {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const dayOfMonth = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, dayOfMonth };
}

/** Day number of a civil date. */
export function dayOfCivil(year: number, month: number, dayOfMonth: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + dayOfMonth - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a `YYYY-MM-DD` date, or undefined when it is not a real date. */
export function parseDate(text: string): number | undefined {
  const m = DATE_PATTERN.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const dom = Number(m[3]);
  if (!inYears(year) || month < 1 || month > 12 || dom < 1 || dom > daysInMonth(year, month)) return undefined;
  return dayOfCivil(year, month, dom);
}

export function formatDate(day: number): string {
  const { year, month, dayOfMonth } = civilOf(day);
  return `${year}-${pad2(month)}-${pad2(dayOfMonth)}`;
}

/** A bill month: `YYYY-MM`, its first day and its length. */
export interface MonthSpan {
  readonly month: string;
  readonly firstDay: number;
  /** First day of the next month (exclusive end). */
  readonly endDay: number;
  readonly days: number;
}

/** The span of a `YYYY-MM` month; read digit by digit, not by a regular expression: every bill line is checked. */
export function parseMonth(text: string): MonthSpan | undefined {
  if (text.length !== 7 || text.charCodeAt(4) !== 45) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  if (!inYears(year) || month < 1 || month > 12) return undefined;
  const days = daysInMonth(year, month);
  const firstDay = dayOfCivil(year, month, 1);
  return { month: text, firstDay, endDay: firstDay + days, days };
}

/** The `YYYY-MM` bill month of a day number. */
export function monthOfDay(day: number): string {
  const { year, month } = civilOf(day);
  return `${year}-${pad2(month)}`;
}

/** The `YYYY-MM` bill month of an instant: its calendar month in UTC+8. */
export function billMonthOf(ms: number): string {
  return monthOfDay(dayOf(ms));
}

/** Epoch milliseconds of UTC+8 midnight starting a day. */
export function startOfDayMs(day: number): number {
  return day * DAY_MS - BILLING_OFFSET_MS;
}

/** The month `delta` months after `month` (negative for before). */
export function addMonths(month: string, delta: number): string {
  const span = parseMonth(month);
  if (!span) throw new RangeError(`not a month: ${month}`);
  const { year, month: m } = civilOf(span.firstDay);
  const index = year * 12 + (m - 1) + delta;
  return `${Math.floor(index / 12)}-${pad2((index % 12) + 1)}`;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Epoch milliseconds of an ISO 8601 time with an offset (`Z` accepted), or
 * undefined when it has no offset or is not a real time. Parsed by hand so
 * the machine's time zone can never leak in.
 */
export function parseTimestamp(text: string): number | undefined {
  return timestampAt(text, 0, text.length);
}

/** parseTimestamp of `text[from, to)`, read in place: a CDR's start is, without cutting it out of its row. */
export function timestampAt(text: string, from: number, to: number): number | undefined {
  const length = to - from;
  const common = length === 25 || length === 20 ? parseCommonTimestamp(text, from, length === 20) : undefined;
  const ms = common ?? parseAnyTimestamp(from === 0 && to === text.length ? text : text.slice(from, to));
  return ms !== undefined && ms >= FIRST_MS && ms < END_MS ? ms : undefined;
}

/** formats.md: dates, months and times are of the years 2000-2099 (in UTC+8); any other is malformed. */
export const YEARS = { first: 2000, last: 2099 } as const;
const inYears = (year: number) => year >= YEARS.first && year <= YEARS.last;
const FIRST_MS = Date.UTC(YEARS.first, 0, 1) - 8 * 3_600_000;
const END_MS = Date.UTC(YEARS.last + 1, 0, 1) - 8 * 3_600_000;

/** The digits of `text` from `at` to `at + count` as a number, or -1 if any is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SS±HH:MM` or `…SSZ`, the forms of nearly every CDR, without the
 * regular expression (a third of the time); undefined for any other text,
 * which parseAnyTimestamp then decides. A property test holds the two equal.
 */
function parseCommonTimestamp(text: string, at: number, utc: boolean): number | undefined {
  const sign = text.charCodeAt(at + 19);
  if (
    text.charCodeAt(at + 4) !== 45 ||
    text.charCodeAt(at + 7) !== 45 ||
    text.charCodeAt(at + 10) !== 84 ||
    text.charCodeAt(at + 13) !== 58 ||
    text.charCodeAt(at + 16) !== 58 ||
    (utc ? sign !== 90 : (sign !== 43 && sign !== 45) || text.charCodeAt(at + 22) !== 58)
  ) {
    return undefined;
  }
  const year = digitsAt(text, at, 4);
  const month = digitsAt(text, at + 5, 2);
  const dom = digitsAt(text, at + 8, 2);
  const hour = digitsAt(text, at + 11, 2);
  const minute = digitsAt(text, at + 14, 2);
  const second = digitsAt(text, at + 17, 2);
  const oh = utc ? 0 : digitsAt(text, at + 20, 2);
  const om = utc ? 0 : digitsAt(text, at + 23, 2);
  if ((year | month | dom | hour | minute | second | oh | om) < 0) return undefined;
  if (month < 1 || month > 12 || dom < 1 || dom > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || oh > 23 || om > 59) return undefined;
  const offsetMinutes = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  return dayOfCivil(year, month, dom) * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000;
}

function parseAnyTimestamp(text: string): number | undefined {
  const m = TIMESTAMP_PATTERN.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const dom = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || dom < 1 || dom > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const zone = m[8] as string;
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const digits = zone.replace(":", "");
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const day = dayOfCivil(year, month, dom);
  return day * DAY_MS + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis;
}

/** An instant as ISO 8601 in UTC+8: `2026-09-01T23:00:00+08:00`. */
export function formatTimestamp(ms: number): string {
  const day = dayOf(ms);
  const s = secondOfDay(ms);
  const frac = ((ms % 1000) + 1000) % 1000;
  const hh = pad2(Math.floor(s / 3600));
  const mm = pad2(Math.floor((s % 3600) / 60));
  const ss = pad2(s % 60);
  const millis = frac === 0 ? "" : `.${String(frac).padStart(3, "0")}`;
  return `${formatDate(day)}T${hh}:${mm}:${ss}${millis}+08:00`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
