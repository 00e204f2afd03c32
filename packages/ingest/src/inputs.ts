import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "@billing/formats";

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
  const inputs: InputFiles = {
    dir,
    tariffs: "tariffs.json",
    subscribers: "subscribers.csv",
    subscriptions: names.includes("subscriptions.csv") ? "subscriptions.csv" : null,
    cdrs: names.filter((n) => /^cdr-.*\.csv$/.test(n)),
    bills: names.filter((n) => /^boss-bill-.*\.csv$/.test(n)),
  };
  // Each input a file that opens, named in one line before any work: not a folder, not a broken link.
  for (const name of allInputNames(inputs)) {
    const path = join(dir, name);
    const found = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (found instanceof Error) {
      const why = found.code === "ENOENT" ? "a link to a file that does not exist" : found.message;
      throw new InputError("unreadable_input", `${path}: ${why}`);
    }
    if (!found.isFile()) throw new InputError("unreadable_input", `${path}: a folder (or device), not a file`);
  }
  return inputs;
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
