import type { Explanation } from "./explanation.js";
import type { UsageRecord } from "./records.js";

export type ItemStatus = "ok" | "duplicate_usage" | "unconfirmed" | "unknown_destination" | "no_plan" | "no_tariff";

/** Statuses whose item has no correct charge: the record could not be rated. */
export const UNRATABLE_STATUSES: ReadonlySet<ItemStatus> = new Set(["unknown_destination", "no_plan", "no_tariff"]);

/**
 * An item, always made here with one fixed shape: items built by spreading a
 * base object into them cost more than the rating itself.
 */
export function ratedItem(
  billMonth: string,
  msisdn: string,
  itemKey: string,
  kind: RatedItem["kind"],
  record: UsageRecord | null,
  status: ItemStatus,
  cents: number | null,
  explanation: Explanation,
): RatedItem {
  return { billMonth, msisdn, itemKey, kind, record, status, cents, explanation };
}

/** The correct charge of one bill item, with the facts that produced it. */
export interface RatedItem {
  readonly billMonth: string;
  readonly msisdn: string;
  /** `record_id`, `FEE:<plan_id>` or `VAS:<product_id>`, as on the BOSS bill. */
  readonly itemKey: string;
  readonly kind: "usage" | "fee" | "vas";
  /** The usage record behind a usage item. */
  readonly record: UsageRecord | null;
  readonly status: ItemStatus;
  /** Correct charge in cents; null when the item cannot be rated. */
  readonly cents: number | null;
  readonly explanation: Explanation;
}

/** Included allowance of a month: what the plan period gave and what the month used. */
export interface AllowanceBalance {
  readonly planId: string;
  readonly voiceMinutes: { readonly included: number; readonly used: number };
  readonly sms: { readonly included: number; readonly used: number };
  readonly dataKb: { readonly included: number; readonly used: number };
}

export interface RatedMonth {
  readonly billMonth: string;
  readonly msisdn: string;
  /**
   * In bill order: monthly fees by period, subscriptions by product, then
   * usage in chronological order (start time, then record_id).
   */
  readonly items: readonly RatedItem[];
  /** One per plan period active in the month. */
  readonly allowances: readonly AllowanceBalance[];
}

export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
