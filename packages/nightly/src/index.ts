// The nightly run: its phases, the scheduling of ranges and chunks on one worker-pool mechanism, its outputs and report.

export { CsvOutput } from "./csv-output.js";
export { writeEvidence } from "./evidence-pack.js";
export { parallelism } from "./parallelism.js";
export { yuan } from "./report.js";
export { type Progress, type ReconcileOptions, reconcile } from "./run.js";
export type { Summary } from "./summary.js";
