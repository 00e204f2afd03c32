import { type Directory, type PlanPeriod, parseDate } from "@billing/rating";

/**
 * Every VPMN member's spans in its groups, by msisdn in ascending order, in
 * typed arrays on shared memory: a worker thread given it shares it, where
 * a Map of each member's span objects cost some 300 bytes a member in each
 * thread (every fifth generated subscriber is a member).
 */
export interface VpmnTable {
  /** The members' msisdns as numbers (11 digits are exact in a double), ascending. */
  readonly msisdns: Float64Array;
  /** Member i's spans are those from firstSpan[i] up to firstSpan[i + 1]. */
  readonly firstSpan: Int32Array;
  /** A span: the days from `from` up to `to` (Infinity while open) in the group `groups[group]`. */
  readonly from: Float64Array;
  readonly to: Float64Array;
  readonly group: Int32Array;
  readonly groups: readonly string[];
}

/** Builds a VpmnTable from the periods of subscribers given in ascending msisdn order, a batch at a time. */
export class VpmnTableBuilder {
  private readonly msisdns: number[] = [];
  private readonly firstSpan: number[] = [0];
  private readonly from: number[] = [];
  private readonly to: number[] = [];
  private readonly group: number[] = [];
  private readonly groups = new Map<string, number>();

  /** Adds the spans of each msisdn's periods that name a group, in period order; every msisdn after those added before. */
  add(periods: ReadonlyMap<string, readonly PlanPeriod[]>): this {
    for (const msisdn of [...periods.keys()].sort()) {
      const spans = (periods.get(msisdn) ?? []).filter((p) => p.vpmnGroup !== null);
      if (spans.length === 0) continue;
      const key = Number(msisdn);
      if (key <= (this.msisdns.at(-1) ?? Number.NEGATIVE_INFINITY)) throw new RangeError(`${msisdn} is out of order`);
      this.msisdns.push(key);
      for (const p of spans) {
        const name = p.vpmnGroup as string;
        let index = this.groups.get(name);
        if (index === undefined) {
          index = this.groups.size;
          this.groups.set(name, index);
        }
        this.from.push(parseDate(p.activeFrom) as number);
        this.to.push(p.activeTo === null ? Number.POSITIVE_INFINITY : (parseDate(p.activeTo) as number));
        this.group.push(index);
      }
      this.firstSpan.push(this.from.length);
    }
    return this;
  }

  build(): VpmnTable {
    const shared = <T extends Float64Array | Int32Array>(
      of: { new (buffer: SharedArrayBuffer): T; readonly BYTES_PER_ELEMENT: number },
      values: readonly number[],
    ): T => {
      const array = new of(new SharedArrayBuffer(values.length * of.BYTES_PER_ELEMENT));
      array.set(values);
      return array;
    };
    return {
      msisdns: shared(Float64Array, this.msisdns),
      firstSpan: shared(Int32Array, this.firstSpan),
      from: shared(Float64Array, this.from),
      to: shared(Float64Array, this.to),
      group: shared(Int32Array, this.group),
      groups: [...this.groups.keys()],
    };
  }
}

/** The VPMN table of every subscriber's periods, in one batch. */
export function vpmnTable(periods: ReadonlyMap<string, readonly PlanPeriod[]>): VpmnTable {
  return new VpmnTableBuilder().add(periods).build();
}

/** Directory of VPMN membership from every subscriber's periods. */
export function directoryOf(periods: ReadonlyMap<string, readonly PlanPeriod[]>): Directory {
  return directoryOfTable(vpmnTable(periods));
}

/** Who is in which VPMN group on a day, looked up in a table (binary search by msisdn, then its spans in order). */
export function directoryOfTable(table: VpmnTable): Directory {
  const { msisdns, firstSpan, from, to, group, groups } = table;
  return {
    vpmnGroupAt(msisdn, day) {
      const key = Number(msisdn);
      let low = 0;
      let high = msisdns.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((msisdns[mid] as number) < key) low = mid + 1;
        else high = mid;
      }
      if (msisdns[low] !== key) return null;
      for (let s = firstSpan[low] as number; s < (firstSpan[low + 1] as number); s++) {
        if (day >= (from[s] as number) && day < (to[s] as number)) return groups[group[s] as number] as string;
      }
      return null;
    },
  };
}
