import { createWriteStream } from "node:fs";
import { type BillingDatabase, copyRows, inTransaction } from "@billing/db";
import { CopyLines } from "./copy-lines.js";
import { closeStream, csvLine } from "./csv.js";

export interface QuarantineEntry {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
  readonly recordId: string | null;
  readonly msisdn: string | null;
}

const BATCH = 5_000;
const COLUMNS = ["run_id", "shard", "file", "line", "reason", "raw", "record_id", "msisdn", "bill_month"];

/**
 * Malformed rows go to the database (COPY, in batches) as they are read;
 * `quarantine.csv` is written from there at the end, in file and line order,
 * together with the repeated record_ids the database finds.
 */
export class QuarantineSink {
  private readonly pending = new CopyLines();

  constructor(
    private readonly database: BillingDatabase,
    private readonly runId: string,
    private readonly shard: string,
  ) {}

  /** Records a row; returns a promise when a batch is being written, so the reader can wait. */
  add(e: QuarantineEntry): Promise<void> | undefined {
    this.pending.add(copyRows([[this.runId, this.shard, e.file, e.line, e.reason, e.raw, e.recordId, e.msisdn, null]]));
    return this.pending.count >= BATCH ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.pending.count === 0) return;
    const batch = this.pending.take();
    await inTransaction(this.database, (s) => s.copy("quarantined_rows", COLUMNS, batch));
  }

  /** Writes `quarantine.csv` (file, line, reason, raw) from the database; returns the count by reason. */
  async writeCsv(path: string): Promise<Map<string, number>> {
    await this.flush();
    const out = createWriteStream(path);
    out.write(csvLine(["file", "line", "reason", "raw"]));
    const byReason = new Map<string, number>();
    let after: { file: string; line: number } = { file: "", line: 0 };
    for (;;) {
      const rows = await this.database.db
        .selectFrom("quarantined_rows")
        .select(["file", "line", "reason", "raw"])
        .where("run_id", "=", this.runId)
        .where("shard", "=", this.shard)
        .where((eb) =>
          eb.or([eb("file", ">", after.file), eb.and([eb("file", "=", after.file), eb("line", ">", after.line)])]),
        )
        .orderBy("file")
        .orderBy("line")
        .limit(BATCH)
        .execute();
      for (const r of rows) {
        const kind = r.reason.replace(/".*?"/g, "…").replace(/^duplicate record_id .*/, "duplicate record_id");
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
