import type { VoiceCategory } from "./catalogue.js";
import type { Direction, Service } from "./records.js";

/** Why an item's correct charge is zero. */
export type ZeroReason =
  | "zero_duration"
  | "zero_volume"
  | "allowance"
  | "free_rate"
  | "special_number"
  | "incoming"
  | "cap_reached"
  | "rounded_to_zero"
  | "free_first_month"
  | "unconfirmed";

export interface PlanRef {
  readonly planId: string;
  /** `effective_from` of the version in force. */
  readonly version: string;
}

/** Allowance used by this item and what is left of the pool after it. */
export interface AllowanceUse {
  /** The month's pool (after proration). */
  readonly included: number;
  readonly used: number;
  readonly left: number;
}

export interface VoiceExplanation {
  readonly kind: "voice";
  readonly plan: PlanRef;
  readonly direction: Direction;
  readonly category: VoiceCategory;
  readonly otherParty: string;
  /** Area of the other party when number analysis found one. */
  readonly otherArea: string | null;
  readonly visitedArea: string;
  readonly homeArea: string;
  readonly vpmnGroup: string | null;
  readonly timeBand: "peak" | "off_peak";
  readonly durationS: number;
  readonly unitS: number;
  readonly price: string;
  /** Charged units of `unitS` seconds. */
  readonly units: number;
  /** Included minutes, when the category draws on them; `null` otherwise. */
  readonly allowanceMinutes: AllowanceUse | null;
  readonly zeroReason: ZeroReason | null;
}

export interface SmsExplanation {
  readonly kind: "sms";
  readonly plan: PlanRef;
  readonly direction: Direction;
  readonly category: "domestic" | "international" | "special" | "incoming";
  readonly otherParty: string;
  readonly price: string;
  readonly units: number;
  /** Included messages, for domestic outgoing messages; `null` otherwise. */
  readonly allowanceMessages: AllowanceUse | null;
  readonly zeroReason: ZeroReason | null;
}

export interface DataExplanation {
  readonly kind: "data";
  readonly plan: PlanRef;
  /** The session was in an area other than the subscriber's home area. */
  readonly roaming: boolean;
  readonly bytes: number;
  readonly kb: number;
  readonly allowanceKb: AllowanceUse;
  readonly chargedKb: number;
  readonly pricePerMb: string;
  /** The session's charge before the cap. */
  readonly uncapped: string;
  /** The monthly cap, when the plan has one, and the charges before this session. */
  readonly cap: { readonly cap: string; readonly spentBefore: string; readonly applied: boolean } | null;
  readonly zeroReason: ZeroReason | null;
}

export interface FeeExplanation {
  readonly kind: "fee";
  readonly plan: PlanRef;
  readonly planName: string;
  /** The plan's published Chinese name, when the catalogue gives one. */
  readonly planNameZh: string | null;
  readonly monthlyFee: string;
  readonly activeFrom: string;
  readonly activeTo: string | null;
  readonly activeDays: number;
  readonly daysInMonth: number;
  /** The month's included allowances of this period, after proration. */
  readonly included: { readonly voiceMinutes: number; readonly sms: number; readonly dataMb: number };
}

export interface VasExplanation {
  readonly kind: "vas";
  readonly productId: string;
  readonly productName: string;
  readonly productNameZh: string | null;
  /** Who the charge is collected for (代收费), when the catalogue names them. */
  readonly provider: string | null;
  readonly version: string;
  readonly monthlyPrice: string;
  readonly orderedAt: number;
  readonly confirmedAt: number | null;
  readonly cancelledAt: number | null;
  readonly zeroReason: ZeroReason | null;
}

export interface DuplicateExplanation {
  readonly kind: "duplicate_usage";
  readonly service: Service;
  /** The record of the same event that is rated. */
  readonly duplicateOf: string;
}

export interface UnratableExplanation {
  readonly kind: "unratable";
  readonly reason: "unknown_destination" | "no_plan" | "no_tariff";
  readonly detail: string;
}

export type Explanation =
  | VoiceExplanation
  | SmsExplanation
  | DataExplanation
  | FeeExplanation
  | VasExplanation
  | DuplicateExplanation
  | UnratableExplanation;
