import { deliveryReader, type SpillLocation, type UsageCoverage } from "@billing/ingest";
import type { VpmnTable } from "@billing/reconciliation";
import {
  type ChunkInput,
  type ChunkOutput,
  type ChunkRatingContext,
  type CoverageTask,
  rateChunk,
} from "./rate-chunk.js";
import { workerPool } from "./worker-pool.js";
import type { ChunkWorkerData } from "./workers/chunk-worker.js";

/**
 * Rates chunks in lanes: worker threads, or this thread when there are none.
 * A lane rates every chunk of the msisdn ranges given to it (laneOf), so that
 * it reads each range's spill once.
 */
export interface ChunkRaters {
  readonly lanes: number;
  laneOf(range: number): number;
  rate(input: ChunkInput): Promise<ChunkOutput>;
  /** The coverage of a range's delivered bill by its delivered CDRs, on the range's lane. */
  coverage(billMonth: string, range: number): Promise<UsageCoverage>;
  close(): Promise<void>;
}

/** Raters of a run's chunks, each reading the run's delivery from its spills; `threads` lanes, or one on this thread. */
export function chunkRaters(
  ctx: ChunkRatingContext,
  catalogueText: string,
  vpmn: VpmnTable,
  spills: readonly SpillLocation[],
  threads: number,
): ChunkRaters {
  if (threads === 0) {
    const delivery = deliveryReader(spills);
    return {
      lanes: 1,
      laneOf: () => 0,
      rate: async (input) => rateChunk(ctx, input, delivery.range(input.billMonth, input.range)),
      coverage: async (billMonth, range) => delivery.coverage(billMonth, range, ctx),
      close: async () => {},
    };
  }
  const workerData: ChunkWorkerData = {
    catalogueText,
    vpmn,
    spills,
    runId: ctx.runId,
    cdrFiles: ctx.cdrFiles,
    cdrColumns: ctx.cdrColumns,
    billFiles: ctx.billFiles,
    billColumns: ctx.billColumns,
    quarantinedIds: ctx.quarantinedIds,
    periodsQuarantined: ctx.periodsQuarantined,
  };
  // A pool a lane: a lane's ranges always go to the thread that has read their spills.
  const pools = Array.from({ length: threads }, () =>
    workerPool<ChunkInput | CoverageTask, ChunkOutput | UsageCoverage>("chunk-worker", { workerData }),
  );
  const laneOf = (range: number) => range % threads;
  return {
    lanes: threads,
    laneOf,
    rate: (input) => (pools[laneOf(input.range)] as (typeof pools)[number]).run(input) as Promise<ChunkOutput>,
    coverage: (billMonth, range) =>
      (pools[laneOf(range)] as (typeof pools)[number]).run({
        coverage: true,
        billMonth,
        range,
      }) as Promise<UsageCoverage>,
    close: async () => {
      await Promise.all(pools.map((pool) => pool.destroy()));
    },
  };
}
