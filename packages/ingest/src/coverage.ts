import { BILL_COLUMNS, CDR_COLUMNS, parseBillFields, RECORD_ID } from "@billing/formats";
import { type SpilledText, spilledReader } from "./spill-lines.js";

/** What of a range's delivered bill has usage behind it in the same delivery (reconcile.md, Completeness of the feed). */
export interface UsageCoverage {
  /** Usage lines (neither FEE: nor VAS:) of the delivered bill. */
  readonly billedUsage: number;
  /** Value-added (VAS:) lines of the delivered bill. */
  readonly billedVas: number;
  /** Usage lines with no record in this delivery: their item keys by msisdn, to look for among the stored records. */
  readonly uncovered: readonly (readonly [msisdn: string, itemKeys: readonly string[]])[];
}

/** Where CDR_COLUMNS and BILL_COLUMNS are in each CDR and bill file, by file index (columnIndexes). */
export interface DeliveryColumns {
  readonly cdrColumns: readonly (readonly number[])[];
  readonly billColumns: readonly (readonly number[])[];
}

/**
 * The coverage of a range's delivered bill lines by its delivered CDRs (as
 * spilled, unchecked: the rule asks only whether a record is there), read
 * from the spills' texts as they lie: a count needs no file and line order.
 * A CDR's record_id is looked up by a hash of its characters where they
 * lie, then compared, with its msisdn: as strings in sets, the count took
 * 1.6× as long (decision 25).
 */
export function usageCoverage(
  cdrTexts: readonly SpilledText[],
  billTexts: readonly SpilledText[],
  { cdrColumns, billColumns }: DeliveryColumns,
): UsageCoverage {
  let billedVas = 0;
  // The billed usage lines: item key, msisdn and the key's hash; `covered` says which a delivered CDR has.
  const keys: string[] = [];
  const msisdns: string[] = [];
  const hashes: number[] = [];
  const readBill = spilledReader(BILL_COLUMNS, billColumns);
  for (const spilled of billTexts)
    for (let at = 0, text = spilled.text; at < text.length; at = text.indexOf("\n", at) + 1) {
      const row = readBill(text, spilled.latin1, at);
      const parsed = parseBillFields(row.fields);
      if (!parsed.ok) continue;
      // The line's msisdn is the one it was spilled under: routing read the same field.
      const { itemKey, msisdn } = parsed.value;
      if (itemKey.startsWith("VAS:")) billedVas += 1;
      else if (!itemKey.startsWith("FEE:")) {
        keys.push(itemKey);
        msisdns.push(msisdn);
        hashes.push(hashOf(itemKey, 0, itemKey.length));
      }
    }
  const table = HashChains.of(hashes);
  const covered = new Uint8Array(keys.length);
  const readId = spilledReader(
    [CDR_COLUMNS[RECORD_ID] as string],
    cdrColumns.map((c) => [c[RECORD_ID] as number]),
  );
  for (const spilled of cdrTexts)
    for (let at = 0, text = spilled.text; at < text.length; at = text.indexOf("\n", at) + 1) {
      const msisdnEnd = text.indexOf("\t", at);
      const id = readId(text, spilled.latin1, at).fields;
      const from = id.starts[0] as number;
      const to = id.ends[0] as number;
      const hash = hashOf(text, from, to);
      for (let i = table.first(hash); i >= 0; i = table.next(i))
        if (
          covered[i] === 0 &&
          hashes[i] === hash &&
          sameChars(keys[i] as string, text, from, to) &&
          sameChars(msisdns[i] as string, text, at, msisdnEnd)
        )
          covered[i] = 1;
    }
  const uncovered = new Map<string, string[]>();
  for (let i = 0; i < keys.length; i++) {
    if (covered[i] === 1) continue;
    const msisdn = msisdns[i] as string;
    const list = uncovered.get(msisdn);
    if (list === undefined) uncovered.set(msisdn, [keys[i] as string]);
    else list.push(keys[i] as string);
  }
  return { billedUsage: keys.length, billedVas, uncovered: [...uncovered] };
}

/** FNV-1a of `text[from, to)`'s UTF-16 code units, in 30 bits, so that it stays a small integer. */
function hashOf(text: string, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** Whether `s` is `text[from, to)`; a loop, as startsWith took as long as the hashing. */
function sameChars(s: string, text: string, from: number, to: number): boolean {
  if (s.length !== to - from) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== text.charCodeAt(from + i)) return false;
  return true;
}

/** Indexes of a list of hashes chained by hash in a power-of-two table: first(h), then next(i), until -1. */
class HashChains {
  private constructor(
    private readonly heads: Int32Array,
    private readonly links: Int32Array,
  ) {}

  static of(hashes: readonly number[]): HashChains {
    let size = 16;
    while (size < 2 * hashes.length) size *= 2;
    const heads = new Int32Array(size).fill(-1);
    const links = new Int32Array(hashes.length);
    hashes.forEach((h, i) => {
      const slot = h & (size - 1);
      links[i] = heads[slot] as number;
      heads[slot] = i;
    });
    return new HashChains(heads, links);
  }

  first(hash: number): number {
    return this.heads[hash & (this.heads.length - 1)] as number;
  }

  next(i: number): number {
    return this.links[i] as number;
  }
}
