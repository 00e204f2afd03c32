/** Why a dispute cannot be opened, answered or shown: a stable code and a one-line reason. */
export type DisputeErrorCode =
  | "invalid_reason"
  | "invalid_outcome"
  | "invalid_item"
  | "words_too_long"
  | "unknown_msisdn"
  | "no_data"
  | "no_catalogue"
  | "unknown_item"
  | "not_found"
  | "already_answered"
  | "refund_owed"
  | "no_refund_owed"
  | "unknown_staff"
  | "busy";

export class DisputeError extends Error {
  override readonly name = "DisputeError";
  constructor(
    readonly code: DisputeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
