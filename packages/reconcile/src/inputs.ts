import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { InputError } from "./errors.js";

export interface InputFiles {
  readonly dir: string;
  readonly tariffs: string;
  readonly subscribers: string;
  /** Optional: a run without value-added subscriptions may leave it out. */
  readonly subscriptions: string | null;
  /** `cdr-*.csv`, by name. */
  readonly cdrs: readonly string[];
  /** `boss-bill-*.csv`, by name. */
  readonly bills: readonly string[];
}

/** Finds the inputs of a run in DIR (cli.md). Other files in DIR are left alone. */
export async function findInputs(dir: string): Promise<InputFiles> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new InputError("missing_input", `cannot read input folder ${dir}: ${(error as Error).message}`);
  }
  for (const required of ["tariffs.json", "subscribers.csv"]) {
    if (!names.includes(required)) throw new InputError("missing_input", `${join(dir, required)} is missing`);
  }
  return {
    dir,
    tariffs: "tariffs.json",
    subscribers: "subscribers.csv",
    subscriptions: names.includes("subscriptions.csv") ? "subscriptions.csv" : null,
    cdrs: names.filter((n) => /^cdr-.*\.csv$/.test(n)),
    bills: names.filter((n) => /^boss-bill-.*\.csv$/.test(n)),
  };
}

export function allInputNames(inputs: InputFiles): string[] {
  return [
    inputs.tariffs,
    inputs.subscribers,
    ...(inputs.subscriptions ? [inputs.subscriptions] : []),
    ...inputs.cdrs,
    ...inputs.bills,
  ];
}

/**
 * Hashes files (SHA-256, hex) on a thread of its own, each streamed a megabyte
 * at a time (in the default 64 KB chunks, a run spent as long reading its
 * input as hashing it). Plain CommonJS, run by `eval`, so that it needs no
 * built module of this package.
 */
const DIGEST_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { createReadStream } = require("node:fs");
const digest = (path) =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
Promise.all(workerData.map(digest)).then((digests) => parentPort.postMessage(digests));
`;

/**
 * Digests of every input, by file name, for the run record and every credit
 * it issues: computed on another thread, so that this one reads the reference
 * data meanwhile (each took some 0.25 s of a 2M-CDR run).
 */
export function inputDigests(inputs: InputFiles): Promise<Record<string, string>> {
  const names = allInputNames(inputs);
  return new Promise((resolve, reject) => {
    const worker = new Worker(DIGEST_THREAD, { eval: true, workerData: names.map((n) => join(inputs.dir, n)) });
    worker.once("message", (digests: string[]) =>
      resolve(Object.fromEntries(names.map((n, i) => [n, digests[i] as string]))),
    );
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the input digest thread stopped (exit code ${code})`)));
  });
}
