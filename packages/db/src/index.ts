// The only package with SQL and drivers: the two dialects behind BillingDatabase, the schema, and stores by role.
export { copyRows, copyText } from "./copy-text.js";
export type { BillingDatabase, Capabilities, RawSession, SqlValue } from "./dialect.js";
export { DatabaseInUse } from "./folder-lock.js";
export { MigrationError, migrate } from "./migrations.js";
export { chooseTarget, type DatabaseKind, type DatabaseTarget, DEFAULT_DATA_DIR, openDatabase } from "./open.js";
export type * from "./schema.js";
export * from "./stores/access-log.js";
export * from "./stores/catalogues.js";
export * from "./stores/credentials.js";
export * from "./stores/disputes.js";
export * from "./stores/ledger.js";
export * from "./stores/quarantine.js";
export * from "./stores/reference.js";
export * from "./stores/replay-inputs.js";
export * from "./stores/runs.js";
export * from "./stores/sign-in-failures.js";
export * from "./stores/subscriber-months.js";
