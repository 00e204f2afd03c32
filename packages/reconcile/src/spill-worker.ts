/**
 * A worker thread that reads second halves of usage files, each into a
 * spill of its own (spillUsage), while the thread that started it reads the
 * first halves. It posts its progress, the malformed rows it finds, and its spill.
 */
import { parentPort } from "node:worker_threads";
import { InputError } from "./errors.js";
import type { QuarantineEntry } from "./quarantine.js";
import { countFor, type FileCount } from "./read-rows.js";
import { MsisdnRanges, SpillFiles } from "./spill.js";
import { type SpillPartData, type SpillPartMessage, spillFile } from "./spill-usage.js";

const post = (message: SpillPartMessage) => parentPort?.postMessage(message);
const QUARANTINE_BATCH = 1000;

/** Reads one second half (SpillPartData) and posts what it found; one at a time, as spillUsage asks. */
async function readPart(data: SpillPartData): Promise<void> {
  const spill = new SpillFiles();
  const counts = new Map<string, FileCount>();
  const months = new Set<string>();
  let quarantined: QuarantineEntry[] = [];
  try {
    await spillFile(
      {
        inputs: { dir: data.dir },
        shard: data.shard,
        quarantine: {
          add(entry) {
            quarantined.push(entry);
            if (quarantined.length >= QUARANTINE_BATCH) {
              post({ quarantined });
              quarantined = [];
            }
            return undefined;
          },
        },
        counts,
        onBytes: (file, bytes) => post({ bytes, rows: countFor({ counts }, file).read }),
      },
      { spill, ranges: new MsisdnRanges(data.rangeStarts), months, columns: [] },
      data.kind,
      data.fileSeq,
      data.file,
      { part: data.part },
    );
    spill.flush();
    if (quarantined.length > 0) post({ quarantined });
    post({
      done: {
        dir: spill.dir,
        keys: spill.keys(),
        count: countFor({ counts }, data.file),
        months: [...months],
      },
    });
  } catch (error) {
    spill.remove();
    const code = error instanceof InputError ? error.code : undefined;
    post({ failed: { message: (error as Error).message, ...(code && { code }) } });
  }
}

parentPort?.on("message", (data: SpillPartData) => void readPart(data));
