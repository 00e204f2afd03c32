/**
 * Where a usage row goes before it is checked: its msisdn and bill month,
 * read from the few fields that name them.
 */

import { MSISDN } from "@billing/formats";
import { billMonthOf, dayOf, monthOfDay, parseMonth, parseTimestamp, timestampAt } from "@billing/rating";

/** The msisdn and bill month of a row, from its fields at `indexes` (columnIndexes of the file's kind), if both are valid. */
export type Route = (
  fields: readonly string[],
  indexes: readonly number[],
) => { msisdn: string; billMonth: string } | undefined;

/**
 * A Route on a quote-free row as read (readCsv's onFieldBytes): what the
 * Route gives for the row decoded, or undefined to have it decoded. The row
 * is the Latin-1 text of its bytes, its fields at `starts`: for the ASCII a
 * valid msisdn, time or month holds that is its UTF-8 too, and any other
 * byte fails the check either way.
 */
export type ByteRoute = (
  text: string,
  starts: Int32Array,
  indexes: readonly number[],
) => { msisdn: string; billMonth: string } | undefined;

const fieldStart = (starts: Int32Array, index: number) => starts[index] as number;
const fieldEnd = (starts: Int32Array, index: number) => (starts[index + 1] as number) - 1;

/**
 * Reads a field as MSISDN accepts it (1 then 10 digits), else undefined; the
 * string of an msisdn is made once for each a reader meets, and found again
 * by its digits' value: a string a row cost more to make and hash than
 * routing the rest of the row.
 */
function msisdnReader(): (text: string, starts: Int32Array, index: number) => string | undefined {
  const made = new Map<number, string>();
  return (text, starts, index) => {
    const start = fieldStart(starts, index);
    const end = fieldEnd(starts, index);
    if (end - start !== 11 || text.charCodeAt(start) !== 0x31) return undefined;
    let value = 1;
    for (let i = start + 1; i < end; i++) {
      const d = text.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) return undefined;
      value = value * 10 + d;
    }
    let msisdn = made.get(value);
    if (msisdn === undefined) {
      msisdn = text.slice(start, end);
      made.set(value, msisdn);
    }
    return msisdn;
  };
}

export const cdrRoute: Route = (fields, indexes) => {
  const msisdn = fields[indexes[1] as number] ?? "";
  if (!MSISDN.test(msisdn)) return undefined;
  const startMs = parseTimestamp(fields[indexes[5] as number] ?? "");
  return startMs === undefined ? undefined : { msisdn, billMonth: billMonthOf(startMs) };
};

/** cdrRoute on a row as read (ByteRoute); bill months are remembered by day, as every row makes one. */
export function cdrByteRoute(): ByteRoute {
  const months = new Map<number, string>();
  const msisdnAt = msisdnReader();
  return (text, starts, indexes) => {
    const msisdn = msisdnAt(text, starts, indexes[1] as number);
    if (msisdn === undefined) return undefined;
    const time = indexes[5] as number;
    // Read where it lies: cut out of the row, the time cost as much again as reading it.
    const startMs = timestampAt(text, fieldStart(starts, time), fieldEnd(starts, time));
    if (startMs === undefined) return undefined;
    const day = dayOf(startMs);
    let billMonth = months.get(day);
    if (billMonth === undefined) {
      billMonth = monthOfDay(day);
      months.set(day, billMonth);
    }
    return { msisdn, billMonth };
  };
}

export const billRoute: Route = (fields, indexes) => {
  const billMonth = fields[indexes[0] as number] ?? "";
  const msisdn = fields[indexes[1] as number] ?? "";
  return parseMonth(billMonth) && MSISDN.test(msisdn) ? { msisdn, billMonth } : undefined;
};

/** billRoute on a row as read (ByteRoute); the valid bill months are remembered. */
export function billByteRoute(): ByteRoute {
  const valid = new Set<string>();
  const msisdnAt = msisdnReader();
  return (text, starts, indexes) => {
    const month = indexes[0] as number;
    const billMonth = text.slice(fieldStart(starts, month), fieldEnd(starts, month));
    if (!valid.has(billMonth)) {
      if (!parseMonth(billMonth)) return undefined;
      valid.add(billMonth);
    }
    const msisdn = msisdnAt(text, starts, indexes[1] as number);
    return msisdn === undefined ? undefined : { msisdn, billMonth };
  };
}
