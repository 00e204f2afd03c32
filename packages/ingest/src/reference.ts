import { join } from "node:path";
import {
  addTo,
  checkPlanPeriods,
  columnIndexes,
  inShard,
  MSISDN,
  msisdnHash,
  type Parsed,
  parseSubscriberRow,
  parseSubscriptionRow,
  type Row,
  rowOf,
  type Shard,
  SUBSCRIBER_COLUMNS,
  SUBSCRIPTION_COLUMNS,
} from "@billing/formats";
import type { PlanPeriod, Subscription } from "@billing/rating";
import type { IngestContext } from "./context.js";
import { readCsv } from "./csv.js";
import { countFor, quarantineRow, readRows } from "./read-rows.js";
import { MsisdnRanges, SpillFiles, spilledTextLines } from "./spill.js";

/*
 * The reference data (subscribers.csv and subscriptions.csv) is read as the
 * usage files are: into a spill by msisdn range, then checked, stored and
 * rated a range at a time. Held whole, it cost some 1.2 MB of peak RSS per
 * 1,000 subscribers, and a run of 550,000 passed 1 GB.
 */

/** Most msisdns the sample of subscriberRanges holds: some 10 MB, whatever the number of subscribers. */
const SAMPLE_MOST = 1 << 17;

/** murmur3's finaliser over msisdnHash: a second hash, not tied to the share an msisdn falls in. */
function sampleHash(msisdn: string): number {
  let h = msisdnHash(msisdn);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * `count` msisdn ranges of about equal numbers of this share's subscribers,
 * from a first reading of subscribers.csv that keeps a sample of them: the
 * msisdns whose sampleHash is under a bound, halved whenever more than
 * `sampleMost` are kept. The sample does not depend on the order of the rows,
 * and up to `sampleMost` subscribers it is all of them.
 */
export async function subscriberRanges(
  ctx: { readonly inputs: { readonly dir: string; readonly subscribers: string }; readonly shard: Shard },
  count: number,
  sampleMost = SAMPLE_MOST,
): Promise<MsisdnRanges> {
  let bound = 2 ** 32;
  let kept = new Set<string>();
  let column = 0;
  await readCsv({
    path: join(ctx.inputs.dir, ctx.inputs.subscribers),
    file: ctx.inputs.subscribers,
    required: SUBSCRIBER_COLUMNS,
    onHeader: (header) => {
      [column] = columnIndexes(header, ["msisdn"]) as [number];
    },
    onEntry: ({ fields }) => {
      const m = fields?.[column];
      if (m === undefined || !MSISDN.test(m) || !inShard(m, ctx.shard) || sampleHash(m) >= bound) return undefined;
      kept.add(m);
      while (kept.size > sampleMost) {
        bound /= 2;
        kept = new Set([...kept].filter((k) => sampleHash(k) < bound));
      }
      return undefined;
    },
  });
  return MsisdnRanges.evenly([...kept].sort(), count);
}

const periodsKey = (range: number) => `periods.${range}`;
const subscriptionsKey = (range: number) => `subscriptions.${range}`;

/** Reads one input file as readRows does, each row parsed: a malformed one quarantined with its reason, a good one handed on. */
function readParsed<T>(
  ctx: IngestContext,
  file: string,
  columns: readonly string[],
  parse: (row: Row) => Parsed<T>,
  onValue: (value: T, entry: { line: number; raw: string }) => Promise<void> | undefined,
): Promise<number> {
  return readRows(ctx, file, {
    columns,
    onRow: (fields, indexes, entry) => {
      const row = rowOf(fields, columns, indexes);
      const result = parse(row);
      if (!result.ok) return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, row);
      return onValue(result.value, entry);
    },
  });
}

/**
 * Reads subscribers.csv and subscriptions.csv into a spill of their own, by
 * msisdn range: every row is counted, a malformed one quarantined, and every
 * other spilled as parsed (a plan period with its line and text, for the
 * check across an msisdn's periods). Another share's rows are counted as
 * other_shards; its subscriptions go no further, but its plan periods are
 * spilled too: rating needs its subscribers' VPMN membership, which only
 * their checked periods give.
 */
export async function spillReference(ctx: IngestContext, ranges: MsisdnRanges): Promise<SpillFiles> {
  const spill = new SpillFiles();
  try {
    const periods = countFor(ctx, ctx.inputs.subscribers);
    await readParsed(ctx, ctx.inputs.subscribers, SUBSCRIBER_COLUMNS, parseSubscriberRow, (p, entry) => {
      if (!inShard(p.msisdn, ctx.shard)) periods.otherShards += 1;
      // The msisdn first: rangeReference finds it without parsing the line (spilledMsisdnOf).
      const fields = [p.accountId, p.planId, p.activeFrom, p.activeTo, p.homeArea, p.vpmnGroup, p.payment];
      const line = JSON.stringify([p.msisdn, entry.line, entry.raw, ...fields]);
      spill.append(periodsKey(ranges.rangeOf(p.msisdn)), `${line}\n`);
      return undefined;
    });
    const file = ctx.inputs.subscriptions;
    if (file) {
      const subscriptions = countFor(ctx, file);
      await readParsed(ctx, file, SUBSCRIPTION_COLUMNS, parseSubscriptionRow, (s) => {
        if (!inShard(s.msisdn, ctx.shard)) subscriptions.otherShards += 1;
        else {
          const fields = [s.msisdn, s.productId, s.orderedMs, s.confirmedMs, s.cancelledMs];
          spill.append(subscriptionsKey(ranges.rangeOf(s.msisdn)), `${JSON.stringify(fields)}\n`);
        }
        return undefined;
      });
    }
    spill.flush();
    return spill;
  } catch (error) {
    spill.remove();
    throw error;
  }
}

/** A plan period that breaks a rule across its msisdn's periods (checkPlanPeriods). */
export interface RefusedPeriod {
  readonly line: number;
  readonly raw: string;
  readonly reason: string;
  readonly msisdn: string;
  readonly planId: string;
}

/** The reference data of one msisdn range, checked (rangeReference). */
export interface RangeReference {
  /** This share's subscribers' accepted plan periods, by msisdn, each one's in file order. */
  readonly periods: ReadonlyMap<string, readonly PlanPeriod[]>;
  /** The accepted periods of other shares' subscribers ever in a VPMN group. */
  readonly mates: ReadonlyMap<string, readonly PlanPeriod[]>;
  /** This share's refused periods. */
  readonly refused: readonly RefusedPeriod[];
  /** The line and text of each accepted period, by msisdn, in the order of `periods` and `mates`. */
  readonly lines: ReadonlyMap<string, readonly { readonly line: number; readonly raw: string }[]>;
  /** This share's subscriptions, by msisdn, each one's in file order. */
  readonly subscriptions: ReadonlyMap<string, readonly Subscription[]>;
}

/** The msisdn of a spilled plan period's line: the first string of its JSON array, `["1…",`. */
const spilledMsisdnOf = (text: string) => text.slice(2, text.indexOf('"', 2));

/**
 * A range's reference data from the spill (spillReference), its plan
 * periods checked across each msisdn's. Without `withMates`, other shares' plan
 * periods are passed over unparsed: rating needs only this share's.
 */
/** A delivered plan period by its msisdn and line: what storeReference refused against stored periods. */
export const periodKey = (msisdn: string, line: number) => `${msisdn}\t${line}`;

export function rangeReference(
  spill: SpillFiles,
  range: number,
  shard: Shard,
  withMates: boolean,
  leaveOut: ReadonlySet<string> = new Set(),
): RangeReference {
  const rows = new Map<string, { line: number; raw: string; period: PlanPeriod }[]>();
  for (const text of spilledTextLines(spill.read(periodsKey(range)).text)) {
    if (!withMates && !inShard(spilledMsisdnOf(text), shard)) continue;
    const [msisdn, line, raw, accountId, planId, activeFrom, activeTo, homeArea, vpmnGroup, payment] = JSON.parse(text);
    const period = { msisdn, accountId, planId, activeFrom, activeTo, homeArea, vpmnGroup, payment };
    addTo(rows, msisdn, { line, raw, period });
  }
  const periods = new Map<string, PlanPeriod[]>();
  const mates = new Map<string, PlanPeriod[]>();
  const refused: RefusedPeriod[] = [];
  const lines = new Map<string, { line: number; raw: string }[]>();
  for (const [msisdn, list] of rows) {
    const reasons = checkPlanPeriods(list.map((r) => r.period));
    const mine = inShard(msisdn, shard);
    const accepted: PlanPeriod[] = [];
    const acceptedLines: { line: number; raw: string }[] = [];
    list.forEach((r, i) => {
      const reason = reasons.get(i);
      if (reason !== undefined) {
        if (mine) refused.push({ line: r.line, raw: r.raw, reason, msisdn, planId: r.period.planId });
      } else if (!leaveOut.has(periodKey(msisdn, r.line))) {
        accepted.push(r.period);
        acceptedLines.push({ line: r.line, raw: r.raw });
      }
    });
    if (accepted.length === 0) continue;
    lines.set(msisdn, acceptedLines);
    if (mine) periods.set(msisdn, accepted);
    else if (accepted.some((p) => p.vpmnGroup !== null)) mates.set(msisdn, accepted);
  }
  const subscriptions = new Map<string, Subscription[]>();
  for (const text of spilledTextLines(spill.read(subscriptionsKey(range)).text)) {
    const [msisdn, productId, orderedMs, confirmedMs, cancelledMs] = JSON.parse(text);
    addTo(subscriptions, msisdn, { msisdn, productId, orderedMs, confirmedMs, cancelledMs });
  }
  return { periods, mates, refused, lines, subscriptions };
}
