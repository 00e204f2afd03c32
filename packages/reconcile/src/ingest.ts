import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { BillingDatabase } from "@billing/db";
import { type Catalogue, parseCatalogueText } from "@billing/rating";
import { InputError } from "./errors.js";
import type { InputFiles } from "./inputs.js";
import type { QuarantineSink } from "./quarantine.js";
import type { ReadContext } from "./read-rows.js";
import { formatShard } from "./shard.js";

export interface IngestContext extends ReadContext {
  readonly database: BillingDatabase;
  readonly runId: string;
  readonly inputs: InputFiles;
  readonly quarantine: QuarantineSink;
}

/** Loads and validates the catalogue; a refused catalogue stops the run with every problem listed. */
export async function loadCatalogue(
  ctx: IngestContext,
): Promise<{ catalogue: Catalogue; digest: string; text: string }> {
  const text = await readFile(join(ctx.inputs.dir, ctx.inputs.tariffs), "utf8");
  const result = parseCatalogueText(text);
  if (!result.ok) {
    throw new InputError(
      "catalogue_refused",
      `${ctx.inputs.tariffs} refused: ${result.problems.length} problem(s)`,
      result.problems.map((p) => `${ctx.inputs.tariffs} ${p.path}: ${p.reason}`),
    );
  }
  const digest = createHash("sha256").update(text).digest("hex");
  await ctx.database.db
    .insertInto("catalogues")
    .values({ digest, document: text })
    .onConflict((oc) => oc.column("digest").doNothing())
    .execute();
  return { catalogue: result.catalogue, digest, text };
}

/** Drops what an earlier attempt of this share of the run quarantined: this attempt quarantines again. */
export async function clearEarlierAttempt(ctx: IngestContext): Promise<void> {
  await ctx.database.db
    .deleteFrom("quarantined_rows")
    .where("run_id", "=", ctx.runId)
    .where("shard", "=", formatShard(ctx.shard))
    .execute();
}
