import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseKind } from "@billing/db";
import { DATABASE_KINDS, scratchDatabase } from "@billing/db/testing";
import { generate } from "@billing/generate";
import { halves } from "@billing/ingest";
import { type ReconcileOptions, reconcile, type Summary } from "@billing/nightly";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputFile } from "./fuzz/input-file.js";
import {
  type Column,
  FILES,
  type FileSpec,
  type Kind,
  kindsOf,
  mutateField,
  reasonFor,
  seeded,
} from "./fuzz/mutations.js";
import { readCsv } from "./generated.js";

// Reproducible: FUZZ_SEED and FUZZ_ROUNDS replay or widen a run (each round mutates every column of every file once).
const SEED = Number(process.env.FUZZ_SEED ?? 2026);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 2);
// Small enough that the CDR and bill files are each read in two halves, with faults put at the cut.
const SPLIT: ReconcileOptions["splitReading"] = { minBytes: 64 << 10, inline: true };

interface Mutation {
  readonly file: string;
  /** 0-based line index (the header is 0); quarantine.csv numbers it index + 1. */
  readonly index: number;
  readonly msisdn: string;
  readonly what: string;
  /** What the quarantine reason must name; undefined when the row must be read as before (a line end changed). */
  readonly reason?: RegExp;
}

interface Outcome {
  readonly summary: Summary;
  readonly discrepancies: Record<string, string>[];
  readonly credits: Record<string, string>[];
  readonly quarantine: Record<string, string>[];
}

async function run(kind: DatabaseKind, inDir: string, outDir: string, runId: string): Promise<Outcome> {
  const scratch = await scratchDatabase(kind);
  try {
    const summary = await reconcile({ inDir, outDir, database: scratch.database, runId, splitReading: SPLIT });
    const read = (name: string) => readCsv(join(outDir, name));
    return {
      summary,
      discrepancies: read("discrepancies.csv"),
      credits: read("credits.csv"),
      quarantine: read("quarantine.csv"),
    };
  } finally {
    await scratch.drop();
  }
}

/** Plans one round: every column of every file once (a kind picked per column), line ends changed, faults at the cuts. */
async function planRound(
  dir: string,
  specs: readonly FileSpec[],
  baseQuarantined: Set<string>,
  pick: (n: number) => number,
) {
  const files = new Map(specs.map((s) => [s.file, new InputFile(join(dir, s.file))]));
  const touched = new Set<string>();
  const mutations: Mutation[] = [];
  const cdrFile = specs[0]?.file as string;
  const recordIds = new Map<string, number>();
  const cdr = files.get(cdrFile) as InputFile;
  for (let i = 1; i < cdr.lines.length; i++) {
    const id = cdr.fields(i)?.record_id;
    if (id !== undefined) recordIds.set(id, (recordIds.get(id) ?? 0) + 1);
  }
  const mutated = new Set<string>();
  /** A row whose outcome no other row's depends on: read cleanly before, its record_id its own. */
  const readable = (spec: FileSpec, index: number): Record<string, string> | undefined => {
    const fields = files.get(spec.file)?.fields(index);
    const where = `${spec.file}:${index + 1}`;
    if (!fields || baseQuarantined.has(where) || mutated.has(where)) return undefined;
    if (spec.file === cdrFile && recordIds.get(fields.record_id as string) !== 1) return undefined;
    return fields;
  };
  const usable = (spec: FileSpec, index: number, column?: Column): boolean => {
    const fields = readable(spec, index);
    return !!fields && !touched.has(fields[spec.msisdn] as string) && (!column?.rows || column.rows(fields));
  };
  const kindOf = (column: Column) => {
    const kinds = kindsOf(column);
    return kinds[pick(kinds.length)] as Kind;
  };
  /** Mutates one field; returns how to undo it. */
  const mutate = (spec: FileSpec, index: number, column: Column, kind: Kind, where = "") => {
    const file = files.get(spec.file) as InputFile;
    const fields = file.fields(index) as Record<string, string>;
    const msisdn = fields[spec.msisdn] as string;
    const wasTouched = touched.has(msisdn);
    touched.add(msisdn);
    mutated.add(`${spec.file}:${index + 1}`);
    const line = file.lines[index] as string;
    file.setField(index, column.name, mutateField(column, kind, fields[column.name] as string, pick));
    mutations.push({
      file: spec.file,
      index,
      msisdn,
      what: `${spec.file}:${index + 1} ${column.name} ${kind}${where}`,
      reason: reasonFor(column, kind),
    });
    return () => {
      file.lines[index] = line;
      mutations.pop();
      mutated.delete(`${spec.file}:${index + 1}`);
      if (!wasTouched) touched.delete(msisdn);
    };
  };

  // Every column of every file, each on a row of a subscriber of its own.
  for (const spec of specs) {
    const file = files.get(spec.file) as InputFile;
    const last = file.lines.length - 1;
    for (const column of spec.columns) {
      let index = 1 + pick(last);
      for (let tries = 0; !usable(spec, index, column) && tries < last; tries++) index = 1 + (index % last);
      mutate(spec, index, column, kindOf(column));
    }
    // A row whose CRLF becomes LF or CR: read as before.
    let index = 1 + pick(last - 1);
    while (!usable(spec, index)) index = 1 + (index % (last - 1));
    const fields = file.fields(index) as Record<string, string>;
    touched.add(fields[spec.msisdn] as string);
    mutated.add(`${spec.file}:${index + 1}`);
    file.ends[index] = pick(2) === 0 ? "\n" : "\r";
    mutations.push({
      file: spec.file,
      index,
      msisdn: fields[spec.msisdn] as string,
      what: `${spec.file}:${index + 1} line end`,
    });
  }

  // A UTF-8 BOM before one file's header (as spreadsheets write): read past, nothing changes.
  const withBom = files.get(specs[pick(specs.length)]?.file as string) as InputFile;
  withBom.lines[0] = `\xef\xbb\xbf${withBom.lines[0]}`;

  // Last, so nothing moves the cut after: a fault in the row on either side of each usage file's cut.
  for (const spec of specs.slice(0, 2)) {
    const file = files.get(spec.file) as InputFile;
    const side = pick(2) - 1;
    /** The 0-based index of the first line of the second half. */
    const secondHalf = async () => {
      file.write();
      const cut = await halves(file.path, SPLIT?.minBytes as number);
      if (!cut) throw new Error(`${spec.file} is not read in two halves`);
      return cut.part.firstLine - 1;
    };
    let index = (await secondHalf()) + side;
    for (let attempt = 0; attempt < 8; attempt++) {
      const fields = readable(spec, index);
      const columns = spec.columns.filter((c) => fields && (!c.rows || c.rows(fields)));
      if (!fields || columns.length === 0) {
        index += side < 0 ? -1 : 1;
        continue;
      }
      const column = columns[pick(columns.length)] as Column;
      const undo = mutate(spec, index, column, kindOf(column), " at the cut");
      const second = await secondHalf();
      if (index === second || index === second - 1) break;
      undo();
      index = second + side;
    }
  }
  for (const file of files.values()) file.write();
  return { mutations, touched };
}

/**
 * Subscribers whose rating hangs on a mutated plan period row: in a VPMN
 * group and calling its msisdn, or calling anyone when the row's msisdn is
 * what was mutated (the row may then be anyone's).
 */
function dependents(dir: string, specs: readonly FileSpec[], mutations: readonly Mutation[]): Set<string> {
  const periods = mutations.filter((m) => m.file === "subscribers.csv" && m.reason);
  if (periods.length === 0) return new Set();
  const anyone = periods.some((m) => / msisdn /.test(m.what));
  const called = new Set(periods.map((m) => m.msisdn));
  const subscribers = new InputFile(join(dir, "subscribers.csv"));
  const grouped = new Set<string>();
  for (let i = 1; i < subscribers.lines.length; i++) {
    const f = subscribers.fields(i);
    if (f?.vpmn_group) grouped.add(f.msisdn as string);
  }
  const cdrs = new InputFile(join(dir, specs[0]?.file as string));
  const out = new Set<string>();
  for (let i = 1; i < cdrs.lines.length; i++) {
    const f = cdrs.fields(i);
    if (f?.service !== "voice" || f.direction !== "out" || !grouped.has(f.msisdn as string)) continue;
    if (anyone || called.has((f.other_party ?? "").replace(/\D/g, "").slice(-11))) out.add(f.msisdn as string);
  }
  return out;
}

/** The msisdn a quarantined row names in its raw text, by the file's header. */
function msisdnOf(row: Record<string, string>, headers: Map<string, readonly string[]>): string {
  const header = headers.get(row.file as string) ?? [];
  return (row.raw ?? "").split(",")[header.indexOf("msisdn")] ?? "";
}

describe.each(DATABASE_KINDS)(
  "every column of every input, mutated (seed %s), on %s".replace("%s", String(SEED)),
  (kind) => {
    let work: string;
    let base: Outcome;
    let specs: readonly FileSpec[];
    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), "billing-fuzz-"));
      await generate({
        outDir: join(work, "in"),
        subscribers: 150,
        months: ["2026-09"],
        seed: "fuzz",
        errorRate: 0.05,
      });
      const names = readdirSync(join(work, "in"));
      specs = FILES(
        names.find((n) => n.startsWith("cdr-")) as string,
        names.find((n) => n.startsWith("boss-bill-")) as string,
      );
      base = await run(kind, join(work, "in"), join(work, "base-out"), "fuzz-base");
    }, 120_000);
    afterAll(() => process.env.FUZZ_DEBUG || rmSync(work, { recursive: true, force: true }));

    it.each(Array.from({ length: ROUNDS }, (_, i) => i))(
      "round %i: each faulty row quarantined with its reason, every other row as before, no refund the input does not owe",
      async (round) => {
        const pick = seeded(SEED * 7919 + round * 2 + (kind === "postgres" ? 1 : 0));
        const input = join(work, `round-${round}`);
        cpSync(join(work, "in"), input, { recursive: true });
        const baseQuarantined = new Set(base.quarantine.map((q) => `${q.file}:${q.line}`));
        const { mutations, touched } = await planRound(input, specs, baseQuarantined, pick);
        const outcome = await run(kind, input, `${input}-out`, `fuzz-${round}`);
        if (process.env.FUZZ_DEBUG) console.log(input, mutations.map((m) => `${m.what} ${m.msisdn}`).join("\n"));
        const headers = new Map(specs.map((s) => [s.file, new InputFile(join(input, s.file)).header]));

        // The faulty row, quarantined once, with a reason naming the problem; a changed line end quarantines nothing.
        const byLine = new Map(outcome.quarantine.map((q) => [`${q.file}:${q.line}`, q]));
        const wrong = mutations.flatMap((m) => {
          const row = byLine.get(`${m.file}:${m.index + 1}`);
          if (m.reason ? m.reason.test(row?.reason ?? "") : row === undefined) return [];
          return [`${m.what}: ${row ? `quarantined as "${row.reason}"` : "not quarantined"}`];
        });
        expect(wrong).toEqual([]);

        // Counts add up, file by file: each fault one more quarantined row, no row lost or gained.
        expect(outcome.summary.cdrs.adds_up).toBe(true);
        for (const spec of specs) {
          const before = base.summary.inputs[spec.file];
          const after = outcome.summary.inputs[spec.file];
          const faults = mutations.filter((m) => m.file === spec.file && m.reason).length;
          expect(after?.rows, spec.file).toBe(before?.rows);
          expect(after?.quarantined, spec.file).toBe((before?.quarantined ?? 0) + faults);
        }

        // No refund owed that the unmutated input does not owe.
        const owed = new Map(base.credits.map((c) => [c.idempotency_key, c.refund]));
        const unowed = outcome.credits.filter((c) => owed.get(c.idempotency_key) !== c.refund);
        const cause = (msisdn: string) =>
          mutations
            .filter((m) => m.msisdn === msisdn)
            .map((m) => m.what)
            .join("; ");
        expect(
          unowed.map((c) => `${c.msisdn} ${c.item_key} ${c.class} ${c.refund} (${cause(c.msisdn as string)})`),
        ).toEqual([]);

        // Every other row's outcome unchanged: its quarantine entry, and the discrepancies of untouched subscribers.
        const mutated = new Set(mutations.map((m) => `${m.file}:${m.index + 1}`));
        const others = (rows: Record<string, string>[]) =>
          rows
            .filter((q) => !mutated.has(`${q.file}:${q.line}`) && !touched.has(msisdnOf(q, headers)))
            .map((q) => `${q.file}:${q.line} ${q.reason}`)
            .sort();
        expect(others(outcome.quarantine)).toEqual(others(base.quarantine));
        // A call's VPMN rate hangs on the other party's plan period: its caller depends on a mutated subscribers.csv row.
        const dependent = dependents(input, specs, mutations);
        const untouched = (rows: Record<string, string>[]) =>
          rows
            .filter((d) => !touched.has(d.msisdn as string) && !dependent.has(d.msisdn as string))
            .map((d) => JSON.stringify(d));
        expect(untouched(outcome.discrepancies)).toEqual(untouched(base.discrepancies));
      },
      120_000,
    );
  },
);
