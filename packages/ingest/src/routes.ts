/**
 * Where a usage row goes before it is checked: its msisdn and bill month,
 * read from the few fields that name them.
 */

import { MSISDN } from "@billing/formats";
import { billMonthOf, parseMonth, parseTimestamp } from "@billing/rating";

/** The msisdn and bill month of a row, from its fields at `indexes` (columnIndexes of the file's kind), if both are valid. */
export type Route = (
  fields: readonly string[],
  indexes: readonly number[],
) => { msisdn: string; billMonth: string } | undefined;

export const cdrRoute: Route = (fields, indexes) => {
  const msisdn = fields[indexes[1] as number] ?? "";
  if (!MSISDN.test(msisdn)) return undefined;
  const startMs = parseTimestamp(fields[indexes[5] as number] ?? "");
  return startMs === undefined ? undefined : { msisdn, billMonth: billMonthOf(startMs) };
};

export const billRoute: Route = (fields, indexes) => {
  const billMonth = fields[indexes[0] as number] ?? "";
  const msisdn = fields[indexes[1] as number] ?? "";
  return parseMonth(billMonth) && MSISDN.test(msisdn) ? { msisdn, billMonth } : undefined;
};
