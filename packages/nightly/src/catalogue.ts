import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BillingDatabase, storeCatalogue } from "@billing/db";
import { InputError } from "@billing/formats";
import type { InputFiles } from "@billing/ingest";
import { type Catalogue, parseCatalogueText } from "@billing/rating";

/** Loads, validates and stores the catalogue; a refused catalogue stops the run with every problem listed. */
export async function loadCatalogue(
  database: BillingDatabase,
  inputs: InputFiles,
): Promise<{ catalogue: Catalogue; digest: string; text: string }> {
  const text = await readFile(join(inputs.dir, inputs.tariffs), "utf8");
  const result = parseCatalogueText(text);
  if (!result.ok) {
    throw new InputError(
      "catalogue_refused",
      `${inputs.tariffs} refused: ${result.problems.length} problem(s)`,
      result.problems.map((p) => `${inputs.tariffs} ${p.path}: ${p.reason}`),
    );
  }
  const digest = createHash("sha256").update(text).digest("hex");
  await storeCatalogue(database, digest, text);
  return { catalogue: result.catalogue, digest, text };
}
