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
  const text = catalogueText(await readFile(join(inputs.dir, inputs.tariffs)), inputs.tariffs);
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

const BOM = "\ufeff";

/** The catalogue's text: strict UTF-8 (a byte that is not refuses it), a leading BOM read past. */
function catalogueText(bytes: Buffer, file: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new InputError("catalogue_refused", `${file} refused: 1 problem(s)`, [
      `${file} $: not valid UTF-8 (byte ${at} of ${bytes.length})`,
    ]);
  }
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/** About where decoding failed, for the refusal's message: the bytes before the first replacement character. */
function firstInvalidUtf8(bytes: Buffer): number {
  const loose = bytes.toString("utf8");
  return Buffer.byteLength(loose.slice(0, Math.max(0, loose.indexOf("\ufffd"))), "utf8");
}
