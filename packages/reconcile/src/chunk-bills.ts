import type { BilledLine } from "./diff.js";
import type { StoredBillLine } from "./stored-usage.js";

/**
 * A chunk's bill lines to diff, by msisdn, as flat arrays for the rating
 * thread: sent as JSON text, a bill cost more to write, pass and parse than
 * to diff. Month i has the next `counts[i]` lines; a line's item key is the
 * next `keyLengths` characters of `keys`.
 */
export interface ChunkBills {
  readonly msisdns: readonly string[];
  readonly counts: readonly number[];
  readonly keys: string;
  readonly keyLengths: readonly number[];
  readonly occurrences: readonly number[];
  readonly cents: readonly number[];
}

export class ChunkBillsBuilder {
  private readonly msisdns: string[] = [];
  private readonly counts: number[] = [];
  private readonly keys: string[] = [];
  private readonly keyLengths: number[] = [];
  private readonly occurrences: number[] = [];
  private readonly cents: number[] = [];

  add(msisdn: string, lines: readonly StoredBillLine[]): void {
    this.msisdns.push(msisdn);
    this.counts.push(lines.length);
    for (const [itemKey, occurrence, cents] of lines) {
      this.keys.push(itemKey);
      this.keyLengths.push(itemKey.length);
      this.occurrences.push(occurrence);
      this.cents.push(cents);
    }
  }

  build(): ChunkBills {
    const { msisdns, counts, keyLengths, occurrences, cents } = this;
    return { msisdns, counts, keys: this.keys.join(""), keyLengths, occurrences, cents };
  }
}

/** The bill lines of each msisdn of a chunk. */
export function billedLines(bills: ChunkBills): Map<string, BilledLine[]> {
  const byMsisdn = new Map<string, BilledLine[]>();
  let line = 0;
  let at = 0;
  for (let m = 0; m < bills.msisdns.length; m++) {
    const lines: BilledLine[] = [];
    for (const end = line + (bills.counts[m] as number); line < end; line++) {
      const length = bills.keyLengths[line] as number;
      lines.push({
        itemKey: bills.keys.slice(at, at + length),
        occurrence: bills.occurrences[line] as number,
        cents: bills.cents[line] as number,
      });
      at += length;
    }
    byMsisdn.set(bills.msisdns[m] as string, lines);
  }
  return byMsisdn;
}
