import { type BillingDatabase, storedPeriodsIn, storeReferenceData } from "@billing/db";
import { checkAgainstStored } from "@billing/formats";
import {
  type IngestContext,
  type MsisdnRanges,
  periodKey,
  quarantineRow,
  type RefusedPeriod,
  rangeReference,
  type SpillFiles,
} from "@billing/ingest";
import type { PlanPeriod } from "@billing/rating";
import { type VpmnTable, VpmnTableBuilder } from "@billing/reconciliation";

/**
 * Checks the reference data range by range: quarantines this share's
 * refused plan periods, stores what it keeps (its own subscribers' periods
 * and subscriptions, and other shares' VPMN members' periods: replay of its
 * subscribers needs their group mates), and returns every subscriber's VPMN
 * spans, which rating needs whole. On a server the run does this while it
 * reads the usage files: the server works while the run reads.
 */
export async function storeReference(
  database: BillingDatabase,
  ctx: IngestContext,
  spill: SpillFiles,
  ranges: MsisdnRanges,
): Promise<StoredReference> {
  const vpmn = new VpmnTableBuilder();
  const overlapping = new Set<string>();
  for (let range = 0; range < ranges.count; range++) {
    const reference = rangeReference(spill, range, ctx.shard, true);
    for (const r of reference.refused) await quarantinePeriod(ctx, r);
    // formats.md's no-overlap rule holds across nights: a period overlapping a stored one is refused too.
    const stored = await storedPeriodsIn(database, ranges.bounds(range));
    const kept = new Map<string, PlanPeriod[]>();
    const pending: RefusedPeriod[] = [];
    for (const [msisdn, list] of [...reference.periods, ...reference.mates]) {
      const refused = checkAgainstStored(list, stored.get(msisdn) ?? []);
      const lines = reference.lines.get(msisdn) ?? [];
      const accepted = list.filter((p, i) => {
        const reason = refused.get(i);
        if (reason === undefined) return true;
        const line = lines[i] as { line: number; raw: string };
        overlapping.add(periodKey(msisdn, line.line));
        if (reference.periods.has(msisdn))
          pending.push({ line: line.line, raw: line.raw, reason, msisdn, planId: p.planId });
        return false;
      });
      if (accepted.length > 0) kept.set(msisdn, accepted);
    }
    for (const r of pending) await quarantinePeriod(ctx, r);
    await storeReferenceData(database, kept, reference.subscriptions);
    vpmn.add(kept);
  }
  return { vpmn: vpmn.build(), overlapping };
}

/** What storing the reference data found: every subscriber's VPMN spans, and the periods refused against stored ones. */
export interface StoredReference {
  readonly vpmn: VpmnTable;
  /** periodKey of each delivered period refused for overlapping a stored one: rating leaves them out too. */
  readonly overlapping: ReadonlySet<string>;
}

function quarantinePeriod(ctx: IngestContext, r: RefusedPeriod) {
  return quarantineRow(ctx, ctx.inputs.subscribers, r.line, r.reason, r.raw, { msisdn: r.msisdn, plan_id: r.planId });
}
