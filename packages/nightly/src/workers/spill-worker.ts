/** A worker thread that reads second halves of usage files into spills of their own (spillPart). */
import type { MessagePort } from "node:worker_threads";
import { type SpillPartData, spillPart } from "@billing/ingest";

export interface SpillTask {
  readonly data: SpillPartData;
  /** Where progress, malformed rows and the outcome are posted, in order. */
  readonly port: MessagePort;
}

export default async function readPart({ data, port }: SpillTask): Promise<void> {
  try {
    await spillPart(data, (message) => port.postMessage(message));
  } finally {
    port.close();
  }
}
