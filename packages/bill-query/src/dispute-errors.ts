import { DisputeError, type DisputeErrorCode } from "@billing/disputes";
import { ApiError, type ApiErrorCode } from "./api-error.js";

const CODES: Readonly<Record<DisputeErrorCode, ApiErrorCode>> = {
  invalid_reason: "invalid_request",
  invalid_outcome: "invalid_request",
  invalid_item: "invalid_request",
  words_too_long: "invalid_request",
  unknown_msisdn: "no_bill",
  no_data: "no_bill",
  no_catalogue: "no_bill",
  unknown_item: "unknown_item",
  not_found: "not_found",
  already_answered: "already_answered",
  refund_owed: "refund_owed",
  no_refund_owed: "no_refund_owed",
  unknown_staff: "unknown_staff",
  busy: "busy",
};

/** The dispute workflow's refusals in the API's shape; anything else goes on unchanged. */
export async function asApiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DisputeError) throw new ApiError(CODES[error.code], error.message);
    throw error;
  }
}
