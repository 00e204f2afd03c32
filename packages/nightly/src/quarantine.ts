import { createWriteStream } from "node:fs";
import { appendQuarantined, type BillingDatabase, copyRows, quarantinedPage } from "@billing/db";
import { csvLine, QUARANTINE_HEADER, type QuarantineEntry, reasonKind } from "@billing/formats";
import type { QuarantineSink } from "@billing/ingest";
import { CopyLines } from "./copy-lines.js";
import { closeStream } from "./csv-output.js";

const BATCH = 5_000;

/**
 * Malformed rows go to the database (COPY, in batches) as they are read;
 * `quarantine.csv` is written from there at the end, in file and line order,
 * together with the repeated record_ids the database finds.
 */
export class DatabaseQuarantine implements QuarantineSink {
  private readonly pending = new CopyLines();

  constructor(
    private readonly database: BillingDatabase,
    private readonly runId: string,
    private readonly shard: string,
  ) {}

  /** Records a row; returns a promise when a batch is being written, so the reader can wait. */
  add(e: QuarantineEntry): Promise<void> | undefined {
    // No database text holds a NUL: a row's NUL is kept as the symbol for it, ␀.
    const raw = e.raw.includes("\u0000") ? e.raw.replaceAll("\u0000", "\u2400") : e.raw;
    this.pending.add(
      copyRows([
        [
          this.runId,
          this.shard,
          e.file,
          e.line,
          e.reason.replaceAll("\u0000", "\u2400"),
          raw,
          e.recordId,
          e.msisdn,
          e.billMonth,
          e.recordUnreadable ? "t" : "f",
          e.referenceItem,
        ],
      ]),
    );
    return this.pending.count >= BATCH ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.pending.count === 0) return;
    await appendQuarantined(this.database, this.pending.take());
  }

  /** Writes `quarantine.csv` (file, line, reason, raw) from the database; returns the count by reason. */
  async writeCsv(path: string): Promise<Map<string, number>> {
    await this.flush();
    const out = createWriteStream(path);
    out.write(csvLine(QUARANTINE_HEADER));
    const byReason = new Map<string, number>();
    let after: { file: string; line: number } = { file: "", line: 0 };
    for (;;) {
      const rows = await quarantinedPage(this.database, this.runId, this.shard, after, BATCH);
      for (const r of rows) {
        const kind = reasonKind(r.reason);
        byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
        if (!out.write(csvLine([r.file, String(r.line), r.reason, r.raw]))) {
          await new Promise<void>((resolve) => out.once("drain", () => resolve()));
        }
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < BATCH) break;
      after = { file: last.file, line: last.line };
    }
    await closeStream(out);
    return byReason;
  }
}
