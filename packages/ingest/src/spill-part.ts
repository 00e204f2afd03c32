import { InputError, type QuarantineEntry } from "@billing/formats";
import { countFor, type FileCount } from "./read-rows.js";
import { MsisdnRanges, SpillFiles } from "./spill.js";
import { type SpillPartData, type SpillPartMessage, spillFile } from "./spill-usage.js";

const QUARANTINE_BATCH = 1000;

/**
 * Reads one second half of a usage file (SpillPartData) into a spill of its
 * own, posting its progress, the malformed rows it finds in batches, and last
 * its spill or why it failed: what a reader on another thread sends back.
 */
export async function spillPart(data: SpillPartData, post: (message: SpillPartMessage) => void): Promise<void> {
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
