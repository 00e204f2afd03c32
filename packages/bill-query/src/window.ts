import { addMonths, billMonthOf, parseMonth } from "@billing/rating";

/** How many months a customer can query: the current one and the five before it (bill-query.md). */
export const QUERYABLE_MONTHS = 6;

/** The queryable months at an instant, newest first, in UTC+8. The clock is the caller's. */
export function queryableMonths(nowMs: number): string[] {
  const current = billMonthOf(nowMs);
  return Array.from({ length: QUERYABLE_MONTHS }, (_, i) => addMonths(current, -i));
}

export type MonthCheck =
  | { readonly ok: true; readonly month: string }
  | {
      readonly ok: false;
      readonly code: "invalid_month" | "month_out_of_window";
      readonly queryable: readonly string[];
    };

/** Whether a requested month may be queried now, with the stable error code when not. */
export function checkMonth(requested: string, nowMs: number): MonthCheck {
  const queryable = queryableMonths(nowMs);
  if (!parseMonth(requested)) return { ok: false, code: "invalid_month", queryable };
  if (!queryable.includes(requested)) return { ok: false, code: "month_out_of_window", queryable };
  return { ok: true, month: requested };
}
