/** The stable codes a client can act on (bill-query.md, Errors). */
export type ApiErrorCode =
  | "invalid_request"
  | "invalid_month"
  | "month_out_of_window"
  | "invalid_cursor"
  | "unauthenticated"
  | "invalid_credentials"
  | "locked"
  | "code_too_soon"
  | "unknown_kiosk"
  | "no_bill"
  | "not_found"
  | "uri_too_long"
  | "not_ready"
  | "unknown_staff"
  | "unknown_item"
  | "already_answered"
  | "refund_owed"
  | "no_refund_owed"
  | "busy"
  | "internal";

const STATUS: Record<ApiErrorCode, number> = {
  invalid_request: 400,
  invalid_month: 400,
  month_out_of_window: 400,
  invalid_cursor: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  unknown_kiosk: 401,
  locked: 429,
  code_too_soon: 429,
  no_bill: 404,
  not_found: 404,
  uri_too_long: 414,
  not_ready: 503,
  unknown_staff: 401,
  unknown_item: 404,
  already_answered: 409,
  refund_owed: 409,
  no_refund_owed: 409,
  busy: 503,
  internal: 500,
};

/** The HTTP status a code is answered with. */
export const statusOf = (code: ApiErrorCode): number => STATUS[code];

/** An answer the service gives on purpose: `{ error: { code, message, ...details } }`. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }

  body() {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}
