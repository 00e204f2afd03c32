export { MigrationError, migrate } from "./migrations.js";
export {
  type BillingDatabase,
  chooseTarget,
  type DatabaseKind,
  type DatabaseTarget,
  DEFAULT_DATA_DIR,
  openDatabase,
} from "./open.js";
export { copyRows, inTransaction, type RawSession, type SqlValue } from "./raw.js";
export type * from "./schema.js";
