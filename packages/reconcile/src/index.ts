export { canonicalJson, seal } from "./canonical.js";
export { csvLine } from "./csv.js";
export {
  DISCREPANCY_CLASSES,
  type Discrepancy,
  type DiscrepancyClass,
  diffSubscriberMonth,
  REFUNDING_CLASSES,
} from "./diff.js";
export { InputError } from "./errors.js";
export { writeEvidence } from "./evidence.js";
export {
  type GenerateOptions,
  type GenerateSummary,
  generate,
  INJECTED_COLUMNS,
  MAX_SUBSCRIBERS,
} from "./generate/index.js";
export { accountFor, creditId, idempotencyKey, planCredits } from "./ledger.js";
export { type CreditProvenance, issueCredits } from "./ledger-store.js";
export {
  computeReplay,
  loadReplayInputs,
  type Replay,
  type ReplayDocument,
  ReplayError,
  type ReplayInputs,
  rateReplayInputs,
} from "./replay.js";
export { type Progress, type ReconcileOptions, reconcile } from "./run.js";
export { formatShard, inShard, msisdnHash, parseShard, type Shard, WHOLE_RUN } from "./shard.js";
export { byStartThenId, parseStoredRecords, type StoredRecord, storedRecordsText } from "./stored-usage.js";
export type { Summary } from "./summary.js";
