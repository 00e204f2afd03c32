import { csvLine } from "@billing/formats";
import type { Statement } from "./statement.js";

export const STATEMENT_CSV_HEADER = [
  "start_time",
  "service",
  "direction",
  "other_party",
  "visited_area",
  "category",
  "quantity",
  "unit",
  "allowance_used",
  "charge",
  "rule",
] as const;

/** A month's itemized records as RFC 4180 CSV (CRLF, like every file this product writes). */
export function statementCsv(statement: Statement): string {
  let out = csvLine(STATEMENT_CSV_HEADER);
  for (const r of statement.records) {
    out += csvLine([
      r.startTime,
      r.service,
      r.direction ?? "",
      r.otherParty ?? "",
      r.visitedArea ?? "",
      r.category ?? "",
      String(r.quantity.value),
      r.quantity.unit,
      r.allowanceUsed ?? "",
      r.charge ?? "",
      r.rule,
    ]);
  }
  return out;
}
