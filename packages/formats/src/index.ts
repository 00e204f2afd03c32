// formats.md in code: columns and row parsers of the inputs, the stored subscriber-month, the output rows.
export * from "./canonical.js";
export * from "./csv-line.js";
export * from "./digits.js";
export * from "./group.js";
export * from "./input-error.js";
export * from "./month-rows.js";
export * from "./output-rows.js";
export * from "./quarantine-entry.js";
export * from "./row-parsers.js";
export * from "./shard.js";
export * from "./stored-month.js";
