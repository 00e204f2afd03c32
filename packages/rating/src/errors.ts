/** The caller broke a precondition of the pure core (ingest should have caught it). */
export class RatingInputError extends Error {
  override readonly name = "RatingInputError";
  constructor(
    readonly code: "record_outside_month" | "duplicate_record_id" | "invalid_month",
    message: string,
  ) {
    super(message);
  }
}
