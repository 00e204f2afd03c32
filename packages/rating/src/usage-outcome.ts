import type { DataExplanation, SmsExplanation, VoiceExplanation } from "./explanation.js";

/** What rating one usage record gives: a charge with its explanation, or an unknown destination. */
export type UsageOutcome =
  | {
      readonly status: "ok";
      readonly cents: number;
      readonly explanation: VoiceExplanation | SmsExplanation | DataExplanation;
    }
  | { readonly status: "unknown_destination"; readonly detail: string };
