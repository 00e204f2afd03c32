// Ingest: finding a run's inputs, reading their CSV, routing rows by msisdn range and bill month into spills.

export * from "./context.js";
export * from "./coverage.js";
export * from "./csv.js";
export * from "./delivered.js";
export * from "./inputs.js";
export * from "./read-rows.js";
export * from "./reference.js";
export * from "./spill.js";
export type { SpilledLines, SpilledRecord, SpilledText } from "./spill-lines.js";
export * from "./spill-part.js";
export * from "./spill-usage.js";
