/** The inputs of rating, already parsed and validated by ingest. */

export type Service = "voice" | "sms" | "data";
export type Direction = "in" | "out";
export type Payment = "prepaid" | "postpaid";

export interface UsageRecord {
  readonly recordId: string;
  readonly msisdn: string;
  readonly service: Service;
  /** `null` for data. */
  readonly direction: Direction | null;
  /** The dialled or calling number as written; `""` for data. */
  readonly otherParty: string;
  /** Epoch milliseconds. */
  readonly startMs: number;
  readonly durationS: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Area code where the subscriber was; may be `""` for data. */
  readonly visitedArea: string;
}

/** One plan period of a subscriber (a row of subscribers.csv). */
export interface PlanPeriod {
  readonly msisdn: string;
  readonly accountId: string;
  readonly planId: string;
  /** `YYYY-MM-DD`, inclusive. */
  readonly activeFrom: string;
  /** `YYYY-MM-DD`, exclusive; `null` while still active. */
  readonly activeTo: string | null;
  readonly homeArea: string;
  readonly vpmnGroup: string | null;
  readonly payment: Payment;
}

/** A value-added (包月) subscription (a row of subscriptions.csv). */
export interface Subscription {
  readonly msisdn: string;
  readonly productId: string;
  readonly orderedMs: number;
  readonly confirmedMs: number | null;
  readonly cancelledMs: number | null;
}

/** Who belongs to which VPMN group on a given day, for the `vpmn` category. */
export interface Directory {
  /** The group of `msisdn` on UTC+8 day number `day`, or null. */
  vpmnGroupAt(msisdn: string, day: number): string | null;
}
