import { MessageChannel } from "node:worker_threads";
import { InputError } from "@billing/formats";
import {
  addCounts,
  countFor,
  type PartReader,
  type ReadContext,
  type SpilledInput,
  SpillFiles,
  type SpillPartData,
  type SpillPartMessage,
} from "@billing/ingest";
import { type WorkerPool, workerPool } from "./worker-pool.js";
import type { SpillTask } from "./workers/spill-worker.js";

/**
 * A PartReader on one worker thread, started at the first second half (some
 * 80 ms) and kept for the next ones, one at a time. It takes no reference
 * data: only the routes, the share and the msisdn ranges.
 */
export function workerParts(input: SpilledInput): PartReader {
  let pool: WorkerPool<SpillTask, void> | undefined;
  return {
    sequential: false,
    start(ctx: ReadContext, data: SpillPartData) {
      pool ??= workerPool<SpillTask, void>("spill-worker");
      const { port1, port2 } = new MessageChannel();
      let rows = 0;
      let quarantined = Promise.resolve();
      const outcome = new Promise<void>((resolve, reject) => {
        port1.on("message", (message: SpillPartMessage) => {
          if ("bytes" in message) {
            countFor(ctx, data.file).read += message.rows - rows;
            rows = message.rows;
            ctx.onBytes?.(data.file, message.bytes);
          } else if ("quarantined" in message) {
            quarantined = quarantined.then(async () => {
              for (const entry of message.quarantined) await ctx.quarantine.add(entry);
            });
          } else if ("done" in message) {
            const { dir, keys, count, months } = message.done;
            input.spills.push(new SpillFiles(dir, keys));
            addCounts(countFor(ctx, data.file), { ...count, read: count.read - rows });
            for (const month of months) input.months.add(month);
            resolve();
          } else {
            const { message: text, code } = message.failed;
            reject(code ? new InputError(code, text) : new Error(text));
          }
        });
      });
      const task = pool.run({ data, port: port2 }, { transferList: [port2] });
      return async () => {
        try {
          // The task ends after its last message is posted; a thread that dies posts no outcome.
          await Promise.race([outcome, task.then(() => outcome)]);
          await quarantined;
        } finally {
          port1.close();
        }
      };
    },
    close: async () => {
      await pool?.destroy();
    },
  };
}
