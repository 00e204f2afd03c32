// The reconciliation of reconcile.md, pure: diff and classes, the ledger's plan, one subscriber-month, the replay.
export * from "./completeness.js";
export * from "./diff.js";
export * from "./directory.js";
export * from "./disputes.js";
export * from "./evidence.js";
export * from "./ledger.js";
export * from "./quarantine-evidence.js";
export * from "./replay.js";
export * from "./replay-inputs.js";
export * from "./subscriber-month.js";
