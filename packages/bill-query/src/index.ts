export { ApiError, type ApiErrorCode } from "./api-error.js";
export { CredentialError, isSubscriber, registerKiosk, setServicePassword } from "./credentials.js";
export { DEFAULT_LOCK_POLICY, type LockPolicy, type LockScope } from "./lockout.js";
export { logSmsSender, OneTimeCodes, type SmsSender } from "./one-time-codes.js";
export { hashPassword, SERVICE_PASSWORD, verifyPassword } from "./passwords.js";
export { buildServer, type ServerOptions } from "./server.js";
export {
  type AllowanceView,
  type CategoryWord,
  CursorError,
  loadStatement,
  type MonthSummary,
  type Page,
  pageOf,
  type Statement,
  type StatementRecord,
} from "./statement.js";
export { STATEMENT_CSV_HEADER, statementCsv } from "./statement-csv.js";
export { checkMonth, type MonthCheck, QUERYABLE_MONTHS, queryableMonths } from "./window.js";
