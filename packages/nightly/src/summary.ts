import type { FileCount } from "@billing/ingest";
import { formatCents } from "@billing/rating";
import {
  DISCREPANCY_CLASSES,
  type Discrepancy,
  type DiscrepancyClass,
  type OverCredited,
  type PlannedCredit,
} from "@billing/reconciliation";

/** Running totals of a run, turned into summary.json at the end. */
export class RunTotals {
  /** Of this run's CDR rows: rated (unratable outcomes included), and second deliveries of one event. */
  cdrRated = 0;
  cdrDuplicates = 0;
  readonly unratable = new Map<string, number>();
  itemsRated = 0;
  itemsMatched = 0;
  subscriberMonths = 0;
  readonly classes = new Map<
    DiscrepancyClass,
    { count: number; billed: number; expected: number; difference: number; refund: number }
  >();
  creditsIssued = 0;
  creditsRefund = 0;
  creditsOvercharge = 0;
  /** Credits earlier runs issued and never delivered, listed first in this run's credits.csv. */
  earlierCredits = 0;
  earlierRefund = 0;
  readonly overCredited: OverCredited[] = [];
  readonly noAccount: Discrepancy[] = [];

  addDiscrepancy(d: Discrepancy): void {
    const c = this.classes.get(d.class) ?? { count: 0, billed: 0, expected: 0, difference: 0, refund: 0 };
    c.count += 1;
    c.billed += d.billedCents ?? 0;
    c.expected += d.expectedCents ?? 0;
    c.difference += d.differenceCents ?? 0;
    c.refund += d.refundCents;
    this.classes.set(d.class, c);
  }

  addEarlierCredit(c: { readonly refundCents: number }): void {
    this.earlierCredits += 1;
    this.earlierRefund += c.refundCents;
  }

  addCredit(c: PlannedCredit): void {
    this.creditsIssued += 1;
    this.creditsRefund += c.refundCents;
    this.creditsOvercharge += c.overchargeCents;
  }
}

export interface SummaryContext {
  readonly runId: string;
  readonly shard: string;
  readonly database: string;
  readonly catalogueDigest: string;
  readonly inputDigests: Readonly<Record<string, string>>;
  readonly cdrFiles: readonly string[];
  readonly counts: ReadonlyMap<string, FileCount>;
  readonly quarantineByReason: ReadonlyMap<string, number>;
  readonly months: readonly string[];
  /** Bill months not reconciled, each with why (reconcile.md, Completeness of the feed). */
  readonly incompleteMonths: readonly { readonly month: string; readonly reason: string }[];
  readonly durationMs: number;
  /** Wall time of each phase, for operators and benchmarks. */
  readonly phasesMs: Readonly<Record<string, number>>;
}

export function buildSummary(ctx: SummaryContext, totals: RunTotals) {
  const files = Object.fromEntries(
    [...ctx.counts.entries()].map(([file, c]) => [
      file,
      { rows: c.read, quarantined: c.quarantined, other_shards: c.otherShards, sha256: ctx.inputDigests[file] ?? null },
    ]),
  );
  const cdrRead = ctx.cdrFiles.reduce((n, f) => n + (ctx.counts.get(f)?.read ?? 0), 0);
  const cdrQuarantined = ctx.cdrFiles.reduce((n, f) => n + (ctx.counts.get(f)?.quarantined ?? 0), 0);
  const cdrOtherShards = ctx.cdrFiles.reduce((n, f) => n + (ctx.counts.get(f)?.otherShards ?? 0), 0);
  const discrepancies = Object.fromEntries(
    DISCREPANCY_CLASSES.map((cls) => {
      const c = totals.classes.get(cls) ?? { count: 0, billed: 0, expected: 0, difference: 0, refund: 0 };
      return [
        cls,
        {
          count: c.count,
          billed: formatCents(c.billed),
          expected: formatCents(c.expected),
          difference: formatCents(c.difference),
          refund: formatCents(c.refund),
        },
      ];
    }),
  );
  const unratable = Object.fromEntries([...totals.unratable.entries()].sort());
  return {
    run_id: ctx.runId,
    shard: ctx.shard,
    database: ctx.database,
    catalogue_sha256: ctx.catalogueDigest,
    bill_months: ctx.months,
    incomplete_months: ctx.incompleteMonths,
    inputs: files,
    quarantine: {
      rows: [...ctx.counts.values()].reduce((n, c) => n + c.quarantined, 0),
      by_reason: Object.fromEntries([...ctx.quarantineByReason.entries()].sort()),
    },
    cdrs: {
      read: cdrRead,
      rated: totals.cdrRated,
      quarantined: cdrQuarantined,
      duplicates: totals.cdrDuplicates,
      other_shards: cdrOtherShards,
      unratable,
      adds_up: cdrRead === totals.cdrRated + cdrQuarantined + totals.cdrDuplicates + cdrOtherShards,
    },
    items: {
      subscriber_months: totals.subscriberMonths,
      rated: totals.itemsRated,
      matched: totals.itemsMatched,
      discrepancies: [...totals.classes.values()].reduce((n, c) => n + c.count, 0),
    },
    discrepancies,
    credits: {
      issued: totals.creditsIssued,
      overcharge: formatCents(totals.creditsOvercharge),
      refund: formatCents(totals.creditsRefund),
      /** Issued by earlier runs that never delivered them, delivered in this run's credits.csv too. */
      delivered_from_earlier_runs: { credits: totals.earlierCredits, refund: formatCents(totals.earlierRefund) },
      over_credited: totals.overCredited.map((o) => ({
        msisdn: o.key.msisdn,
        bill_month: o.key.billMonth,
        item_key: o.key.itemKey,
        occurrence: o.key.occurrence,
        idempotency_key: o.idempotencyKey,
        owed: formatCents(o.owedCents),
        issued: formatCents(o.issuedCents),
      })),
      no_account: totals.noAccount.map((d) => ({
        msisdn: d.msisdn,
        bill_month: d.billMonth,
        item_key: d.itemKey,
        refund: formatCents(d.refundCents),
      })),
    },
    duration_ms: ctx.durationMs,
    phases_ms: ctx.phasesMs,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

export type Summary = ReturnType<typeof buildSummary>;
