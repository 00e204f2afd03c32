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
export { checkMonth, type MonthCheck, QUERYABLE_MONTHS, queryableMonths } from "./window.js";
