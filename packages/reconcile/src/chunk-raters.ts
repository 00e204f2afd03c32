import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ChunkWorkerData } from "./chunk-worker.js";
import { rangeReader } from "./delivered.js";
import { type ChunkInput, type ChunkOutput, type ChunkRatingContext, rateChunk, type VpmnSpans } from "./rate-chunk.js";
import type { SpillLocation } from "./spill-usage.js";

/** Rates chunks on worker threads (piscina), or on this thread when `threads` is 0. */
export interface ChunkRaters {
  rate(input: ChunkInput): Promise<ChunkOutput>;
  close(): Promise<void>;
}

/** Raters of a run's chunks, each reading the run's delivery from its spills. */
export function chunkRaters(
  ctx: ChunkRatingContext,
  catalogueText: string,
  vpmn: VpmnSpans,
  spills: readonly SpillLocation[],
  threads: number,
): ChunkRaters {
  if (threads === 0) {
    const delivered = rangeReader(spills);
    return {
      rate: async (input) => rateChunk(ctx, input, delivered(input.billMonth, input.range)),
      close: async () => {},
    };
  }
  const pool = new Piscina<ChunkInput, ChunkOutput>({
    filename: fileURLToPath(new URL("./chunk-worker.js", import.meta.url)),
    workerData: {
      catalogueText,
      vpmn,
      spills,
      runId: ctx.runId,
      cdrFiles: ctx.cdrFiles,
      cdrColumns: ctx.cdrColumns,
      billFiles: ctx.billFiles,
      billColumns: ctx.billColumns,
    } satisfies ChunkWorkerData,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  return { rate: (input) => pool.run(input), close: () => pool.destroy() };
}
