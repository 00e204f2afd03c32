/**
 * Writing discrepancies.csv-shaped rows: formats' csvLine into a file stream
 * (what the nightly run does) against fast-csv's formatter, in the same run.
 * Usage: node scripts/dist/bench-csv.js [rows=500000]
 */

import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { csvLine, DISCREPANCY_HEADER } from "@billing/formats";
import { format } from "fast-csv";
import { fmt } from "./lib/measure.js";

const rows = Number(process.argv[2] ?? 500_000);
const dir = mkdtempSync(join(tmpdir(), "bench-csv-"));
const row = (i: number) => [
  "2026-11",
  `138${String(i).padStart(8, "0")}`,
  `ACC${i}`,
  `R${i}`,
  "overcharge",
  "12.75",
  "0.19",
  "12.56",
  "25.12",
  'ld_out 1 min × 0.19, billed as intl_out, "roaming"',
];

async function ours(): Promise<number> {
  const start = performance.now();
  const out = createWriteStream(join(dir, "ours.csv"));
  out.write(csvLine(DISCREPANCY_HEADER));
  for (let i = 0; i < rows; i++) if (!out.write(csvLine(row(i)))) await once(out, "drain");
  out.end();
  await once(out, "finish");
  return (performance.now() - start) / 1000;
}

async function fastCsv(): Promise<number> {
  const start = performance.now();
  const out = createWriteStream(join(dir, "fast-csv.csv"));
  const stream = format({ headers: [...DISCREPANCY_HEADER], rowDelimiter: "\r\n", includeEndRowDelimiter: true });
  stream.pipe(out);
  for (let i = 0; i < rows; i++) if (!stream.write(row(i))) await once(stream, "drain");
  stream.end();
  await once(out, "finish");
  return (performance.now() - start) / 1000;
}

try {
  const times: { ours: number[]; fastCsv: number[] } = { ours: [], fastCsv: [] };
  for (let i = 0; i < 3; i++) {
    times.ours.push(await ours());
    times.fastCsv.push(await fastCsv());
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
  const a = median(times.ours);
  const b = median(times.fastCsv);
  console.log(`csvLine:  ${fmt(rows / a)} rows/s (${a.toFixed(2)} s)`);
  console.log(`fast-csv: ${fmt(rows / b)} rows/s (${b.toFixed(2)} s)`);
  console.log(`fast-csv takes ${(b / a).toFixed(1)}× as long as csvLine, medians of 3 alternating runs`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
