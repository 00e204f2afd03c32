import type { QuarantineEntry } from "@billing/formats";
import type { InputFiles } from "./inputs.js";
import type { ReadContext } from "./read-rows.js";

/** Where malformed rows go as they are read: the nightly run keeps them in the database. */
export interface QuarantineSink {
  /** Takes a row; a promise when the reader should wait before the next. */
  add(entry: QuarantineEntry): Promise<void> | undefined;
  /** Makes every row taken so far readable (rating reads them). */
  flush(): Promise<void>;
}

/** What reading a run's inputs needs: its files, its share, its quarantine and its counts. */
export interface IngestContext extends ReadContext {
  readonly inputs: InputFiles;
  readonly quarantine: QuarantineSink;
}
