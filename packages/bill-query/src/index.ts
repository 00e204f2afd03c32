export { checkMonth, type MonthCheck, QUERYABLE_MONTHS, queryableMonths } from "./window.js";
