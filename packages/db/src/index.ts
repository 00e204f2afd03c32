export { copyRows, copyText } from "./copy-text.js";
export { MigrationError, migrate } from "./migrations.js";
export {
  type BillingDatabase,
  chooseTarget,
  type DatabaseKind,
  type DatabaseTarget,
  DEFAULT_DATA_DIR,
  openDatabase,
} from "./open.js";
export { inTransaction, type RawSession, type SqlValue } from "./raw.js";
export type * from "./schema.js";
