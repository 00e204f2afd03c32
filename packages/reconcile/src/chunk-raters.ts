import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ChunkWorkerData } from "./chunk-worker.js";
import { type ChunkInput, type ChunkOutput, type ChunkRatingContext, rateChunk, type VpmnSpans } from "./rate-chunk.js";

/** Rates chunks on worker threads (piscina), or on this thread when `threads` is 0. */
export interface ChunkRaters {
  rate(input: ChunkInput): Promise<ChunkOutput>;
  close(): Promise<void>;
}

export function chunkRaters(
  ctx: ChunkRatingContext,
  catalogueText: string,
  vpmn: VpmnSpans,
  threads: number,
): ChunkRaters {
  if (threads === 0) {
    return { rate: async (input) => rateChunk(ctx, input), close: async () => {} };
  }
  const pool = new Piscina<ChunkInput, ChunkOutput>({
    filename: fileURLToPath(new URL("./chunk-worker.js", import.meta.url)),
    workerData: {
      catalogueText,
      vpmn,
      runId: ctx.runId,
      cdrFiles: ctx.cdrFiles,
      cdrColumns: ctx.cdrColumns,
    } satisfies ChunkWorkerData,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  return { rate: (input) => pool.run(input), close: () => pool.destroy() };
}
