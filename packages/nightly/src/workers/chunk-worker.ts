/**
 * A worker thread that rates chunks (rateChunk) for the run on the main
 * thread, which keeps the database and the outputs. Started by ChunkRaters.
 */

import { deliveryReader, type SpillLocation, type UsageCoverage } from "@billing/ingest";
import { parseCatalogueText } from "@billing/rating";
import { directoryOfTable, type VpmnTable } from "@billing/reconciliation";
import { workerData } from "piscina";
import {
  type ChunkInput,
  type ChunkOutput,
  type ChunkRatingContext,
  type CoverageTask,
  rateChunk,
} from "../rate-chunk.js";

/** What a worker is started with: what rating needs of the run besides each chunk, cloned once. */
export interface ChunkWorkerData extends Omit<ChunkRatingContext, "catalogue" | "directory"> {
  readonly catalogueText: string;
  /** Shared with this thread, not copied (VpmnTable). */
  readonly vpmn: VpmnTable;
  /** Where the run's delivery was spilled. */
  readonly spills: readonly SpillLocation[];
}

const data = workerData as ChunkWorkerData;
const parsed = parseCatalogueText(data.catalogueText);
if (!parsed.ok) throw new Error("the run's catalogue no longer validates in a worker thread");
const ctx: ChunkRatingContext = {
  catalogue: parsed.catalogue,
  directory: directoryOfTable(data.vpmn),
  runId: data.runId,
  cdrFiles: data.cdrFiles,
  cdrColumns: data.cdrColumns,
  billFiles: data.billFiles,
  billColumns: data.billColumns,
  quarantinedIds: data.quarantinedIds,
  periodsQuarantined: data.periodsQuarantined,
};
const delivery = deliveryReader(data.spills);

export default function rate(task: ChunkInput | CoverageTask): ChunkOutput | UsageCoverage {
  if ("coverage" in task) return delivery.coverage(task.billMonth, task.range, ctx);
  return rateChunk(ctx, task, delivery.range(task.billMonth, task.range));
}
