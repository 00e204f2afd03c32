import { type BillingDatabase, storeReferenceData } from "@billing/db";
import { type IngestContext, type MsisdnRanges, quarantineRow, rangeReference, type SpillFiles } from "@billing/ingest";
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
): Promise<VpmnTable> {
  const vpmn = new VpmnTableBuilder();
  for (let range = 0; range < ranges.count; range++) {
    const reference = rangeReference(spill, range, ctx.shard, true);
    for (const r of reference.refused)
      await quarantineRow(ctx, ctx.inputs.subscribers, r.line, r.reason, r.raw, { msisdn: r.msisdn });
    const kept = new Map([...reference.periods, ...reference.mates]);
    await storeReferenceData(database, kept, reference.subscriptions);
    vpmn.add(kept);
  }
  return vpmn.build();
}
