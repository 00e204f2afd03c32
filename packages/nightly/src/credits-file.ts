import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { CREDIT_HEADER, type CreditRow, creditFields } from "@billing/formats";
import { CsvOutput } from "./csv-output.js";

/**
 * credits.csv, written as `credits.csv.partial` until the run completes: a
 * run that dies leaves no credits.csv, and the next run lists the credits it
 * issued (reconcile.md: each credit delivered once). `delivered` are the
 * credits listed, which the run records as delivered when it completes.
 */
export class CreditsFile {
  readonly delivered: string[] = [];
  private readonly partial: string;
  private readonly out: CsvOutput;

  constructor(private readonly outDir: string) {
    this.partial = join(outDir, "credits.csv.partial");
    this.out = new CsvOutput(this.partial, CREDIT_HEADER);
  }

  write(credit: CreditRow): Promise<void> | undefined {
    this.delivered.push(credit.creditId);
    return this.out.write(creditFields(credit));
  }

  close(): Promise<void> {
    return this.out.close();
  }

  /** The file under its name, once every row is written. */
  async publish(): Promise<void> {
    await rename(this.partial, join(this.outDir, "credits.csv"));
  }

  /** A run that failed delivers nothing: its credits go to the next run's file. */
  async discard(): Promise<void> {
    await this.out.close().catch(() => {});
    await rm(this.partial, { force: true });
  }
}
