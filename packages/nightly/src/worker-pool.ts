import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TransferListItem } from "node:worker_threads";
import { Piscina } from "piscina";

/** Tasks run on worker threads, each by the default export of a module of ./workers. */
export interface WorkerPool<Task, Result> {
  run(task: Task, options?: { readonly transferList?: readonly TransferListItem[] }): Promise<Result>;
  destroy(): Promise<void>;
}

/**
 * The one way the nightly run starts threads: a piscina pool of `threads`
 * workers, kept until destroyed, each given `workerData` once. Run from
 * sources (the tests), where no built worker module exists, the worker's
 * function runs on this thread instead, so most of the suite needs no build.
 */
export function workerPool<Task, Result>(
  worker: string,
  options: { readonly threads?: number; readonly workerData?: unknown } = {},
): WorkerPool<Task, Result> {
  const built = fileURLToPath(new URL(`./workers/${worker}.js`, import.meta.url));
  if (!existsSync(built)) return onThisThread(new URL(`./workers/${worker}.ts`, import.meta.url).href);
  const threads = options.threads ?? 1;
  const pool = new Piscina<Task, Result>({
    filename: built,
    workerData: options.workerData,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  return {
    run: (task, runOptions) => pool.run(task, { transferList: runOptions?.transferList as TransferListItem[] }),
    destroy: () => pool.destroy(),
  };
}

function onThisThread<Task, Result>(module: string): WorkerPool<Task, Result> {
  let work: Promise<(task: Task) => Result | Promise<Result>> | undefined;
  return {
    async run(task) {
      work ??= import(module).then((m: { default: (task: Task) => Result | Promise<Result> }) => m.default);
      return (await work)(task);
    },
    destroy: async () => {},
  };
}
