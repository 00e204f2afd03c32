import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DATABASE_KINDS, scratchDatabase } from "@billing/db/testing";
import { InputError } from "@billing/formats";
import { reconcile } from "@billing/nightly";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seeded } from "./fuzz/mutations.js";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));
const SEED = Number(process.env.FUZZ_SEED ?? 2026);
const LEAVES = Number(process.env.FUZZ_TARIFF_LEAVES ?? 16);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every leaf of a JSON document, by path in the catalogue's notation (`plans[0].voice.ld_out.price`). */
function leaves(value: Json, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => leaves(v, path === "" ? k : `${path}.${k}`));
  return [path];
}

function setAt(doc: Json, path: string, value: Json): void {
  const steps = path.match(/[^.[\]]+/g) ?? [];
  let at = doc as Record<string, Json>;
  for (const step of steps.slice(0, -1)) at = at[step] as Record<string, Json>;
  at[steps[steps.length - 1] as string] = value;
}

function getAt(doc: Json, path: string): Json {
  let at = doc;
  for (const step of path.match(/[^.[\]]+/g) ?? []) at = (at as Record<string, Json>)[step] as Json;
  return at;
}

/** A value that breaks the leaf's type or range: a string for a number, a number for a string, below zero, huge. */
function broken(value: Json, pick: (n: number) => number): Json {
  if (typeof value === "number") return [String(value), -1 - value, 1e300, null, {}][pick(5)] as Json;
  if (typeof value === "string") {
    if (/^\d+(\.\d+)?$/.test(value))
      return [`-${value}`, `${"9".repeat(40)}.00`, Number(value), "1,5", ""][pick(5)] as Json;
    return [7, null, [], {}][pick(4)] as Json;
  }
  return "yes";
}

// formats.md: a catalogue that breaks the rules is refused as a whole, every problem listed; nothing is stored or credited.
describe.each(DATABASE_KINDS)("tariffs.json mutated (seed %s), on %s".replace("%s", String(SEED)), (kind) => {
  let work: string;
  let text: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "billing-fuzz-tariffs-"));
    text = readFileSync(join(EXAMPLE, "tariffs.json"), "utf8");
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const refused = async (name: string, bytes: Buffer) => {
    const input = join(work, name);
    cpSync(EXAMPLE, input, { recursive: true });
    writeFileSync(join(input, "tariffs.json"), bytes);
    const scratch = await scratchDatabase(kind);
    try {
      const run = reconcile({ inDir: input, outDir: `${input}-out`, database: scratch.database, runId: name });
      const error = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(InputError);
      expect((error as InputError).code).toBe("catalogue_refused");
      expect(existsSync(join(`${input}-out`, "credits.csv")), "no credits.csv").toBe(false);
      const credits = await scratch.database.db
        .selectFrom("credit_ledger")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(credits.n)).toBe(0);
      return error as InputError;
    } finally {
      await scratch.drop();
    }
  };

  it("a leaf of the wrong type or out of range: refused, the problem named by its path", async () => {
    const pick = seeded(SEED + (kind === "postgres" ? 1 : 0));
    const doc = JSON.parse(text) as Json;
    const all = leaves(doc);
    const missed: string[] = [];
    // One database for every mutation: a refused catalogue writes nothing, so its ledger stays empty throughout.
    const scratch = await scratchDatabase(kind);
    try {
      for (let i = 0; i < LEAVES; i++) {
        const path = all[pick(all.length)] as string;
        const mutated = JSON.parse(text) as Json;
        const value = broken(getAt(mutated, path), pick);
        setAt(mutated, path, value);
        const input = join(work, `leaf-${i}`);
        cpSync(EXAMPLE, input, { recursive: true });
        writeFileSync(join(input, "tariffs.json"), JSON.stringify(mutated, null, 2));
        const error = await reconcile({
          inDir: input,
          outDir: `${input}-out`,
          database: scratch.database,
          runId: `leaf-${i}`,
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        const named =
          error instanceof InputError && error.details.some((d) => d.includes(path.split(".")[0] as string));
        if (!(error instanceof InputError && error.code === "catalogue_refused" && named))
          missed.push(`${path} = ${JSON.stringify(value)}: ${error ? (error as Error).message : "accepted"}`);
      }
      const credits = await scratch.database.db
        .selectFrom("credit_ledger")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      expect(Number(credits.n)).toBe(0);
    } finally {
      await scratch.drop();
    }
    expect(missed).toEqual([]);
  }, 120_000);

  it.each([
    ["a NUL byte in a name", (t: string) => Buffer.from(t.replace('"name": "', '"name": "\u0000'), "utf8")],
    [
      "bytes that are not UTF-8",
      (t: string) => {
        const at = t.indexOf('"name": "') + 9;
        return Buffer.concat([Buffer.from(t.slice(0, at)), Buffer.from([0xff, 0xfe]), Buffer.from(t.slice(at))]);
      },
    ],
    ["a file cut in half", (t: string) => Buffer.from(t.slice(0, t.length >> 1))],
    ["an empty file", () => Buffer.alloc(0)],
  ])("%s: refused with its reason", async (name, mutate) => {
    const error = await refused(name.replace(/\W+/g, "-"), mutate(text));
    expect(error.details.join("\n")).toMatch(/tariffs\.json/);
  });

  it("a UTF-8 BOM before the document is read past: the run goes on", async () => {
    const input = join(work, "bom");
    cpSync(EXAMPLE, input, { recursive: true });
    writeFileSync(join(input, "tariffs.json"), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    const scratch = await scratchDatabase(kind);
    try {
      const summary = await reconcile({
        inDir: input,
        outDir: `${input}-out`,
        database: scratch.database,
        runId: "bom",
      });
      expect(summary.cdrs.adds_up).toBe(true);
    } finally {
      await scratch.drop();
    }
  });
});
