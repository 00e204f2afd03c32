import { createWriteStream, type WriteStream } from "node:fs";
import type { Schema } from "@billing/db";
import type { Kysely } from "kysely";
import { closeStream, csvLine, writeLine } from "./csv.js";

export interface QuarantineEntry {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
  readonly recordId: string | null;
  readonly msisdn: string | null;
  readonly billMonth: string | null;
}

const BATCH = 500;

/** Where malformed rows go: `quarantine.csv` (file, line, reason, raw) and the database, in arrival order. */
export class QuarantineSink {
  private readonly out: WriteStream;
  private pending: QuarantineEntry[] = [];
  readonly byReason = new Map<string, number>();
  count = 0;

  constructor(
    path: string,
    private readonly db: Kysely<Schema>,
    private readonly runId: string,
  ) {
    this.out = createWriteStream(path);
    this.out.write(csvLine(["file", "line", "reason", "raw"]));
  }

  /** Records a row; returns a promise when a batch is being written, so the reader can wait. */
  add(entry: QuarantineEntry): Promise<void> | undefined {
    this.count += 1;
    const kind = entry.reason.replace(/".*?"/g, "…");
    this.byReason.set(kind, (this.byReason.get(kind) ?? 0) + 1);
    this.pending.push(entry);
    const written = this.out.write(
      csvLine([entry.file, String(entry.line), entry.reason, entry.raw.replace(/\r\n$/, "")]),
    );
    if (this.pending.length >= BATCH || !written) return this.flush();
    return undefined;
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      await this.db
        .insertInto("quarantined_rows")
        .values(
          batch.map((e) => ({
            run_id: this.runId,
            file: e.file,
            line: e.line,
            reason: e.reason,
            raw: e.raw,
            record_id: e.recordId,
            msisdn: e.msisdn,
            bill_month: e.billMonth,
          })),
        )
        .onConflict((oc) => oc.columns(["run_id", "file", "line"]).doNothing())
        .execute();
    }
    if (this.out.writableNeedDrain) await writeLine(this.out, "");
  }

  async close(): Promise<void> {
    await this.flush();
    await closeStream(this.out);
  }
}
