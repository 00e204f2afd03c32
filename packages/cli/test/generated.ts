import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./run-cli.js";

/** Parses CSV (RFC 4180; CRLF or LF, as the spec's files mix both); fields may be quoted. */
export function readCsv(path: string): Record<string, string>[] {
  const text = readFileSync(path, "utf8");
  const rows: string[][] = [];
  let field = "";
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      if (ch === "\r") i++;
    } else field += ch;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  const [header, ...data] = rows;
  return data.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ""])));
}

/** The discrepancies as comparable strings, sorted. */
export function discrepancyKeys(rows: Record<string, string>[]): string[] {
  return rows.map((r) => [r.bill_month, r.msisdn, r.item_key, r.class, r.billed, r.expected].join("|")).sort();
}

export async function generateInto(dir: string, subscribers: number, months: string, seed = "7"): Promise<void> {
  const result = await runCli([
    "generate",
    "--out",
    dir,
    "--subscribers",
    String(subscribers),
    "--months",
    months,
    "--seed",
    seed,
    "--error-rate",
    "0.05",
  ]);
  if (result.code !== 0) throw new Error(`generate failed: ${result.stderr}`);
}

export function injectedKeys(dir: string): string[] {
  return discrepancyKeys(readCsv(join(dir, "injected-errors.csv")));
}

/** Sum of cents of a money column. */
export function sumCents(rows: readonly Record<string, unknown>[], column: string): number {
  return rows.reduce((n, r) => {
    const [whole = "0", fraction = "00"] = String(r[column] ?? "0").split(".");
    return n + Number(whole) * 100 + Number(fraction.padEnd(2, "0"));
  }, 0);
}
