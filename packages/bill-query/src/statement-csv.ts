import { csvLine } from "@billing/formats";
import type { Statement } from "./statement.js";

/** The columns of the itemized bill, in Chinese, as on screen and in print (bill-query.md). */
export const STATEMENT_CSV_HEADER = [
  "起始时间",
  "业务",
  "通信方式",
  "通信地点",
  "对方号码",
  "通信时长/流量",
  "通信类型",
  "套餐优惠",
  "应收(元)",
  "实收(元)",
  "计费说明",
] as const;

/** A byte order mark first, so that a spreadsheet program opens the file as UTF-8 Chinese. */
const BOM = "\uFEFF";

/** A month's itemized records as RFC 4180 CSV (CRLF, like every file this product writes), UTF-8 with a BOM. */
export function statementCsv(statement: Statement): string {
  let out = BOM + csvLine(STATEMENT_CSV_HEADER);
  for (const r of statement.records) {
    out += csvLine([
      r.startTime.slice(0, 19).replace("T", " "),
      r.serviceZh,
      r.directionZh,
      r.visitedAreaName ?? "",
      r.otherParty ?? "",
      r.quantityZh,
      r.categoryZh ?? "",
      r.allowanceZh ?? "",
      r.duplicateOf !== null ? "不收费" : (r.charge ?? "待核实"),
      r.billed ?? "",
      r.ruleZh,
    ]);
  }
  return out;
}
