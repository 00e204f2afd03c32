import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { analyseNumber, parseCatalogue, parseMonth } from "@billing/rating";
import { describe, expect, it } from "vitest";
import {
  generatedCatalogue,
  MOBILE_PREFIXES,
  mobilePrefixes,
  PREFIX_BLOCKS,
  prefixInBlock,
  SPECIAL_NUMBERS,
  UNKNOWN_PREFIXES,
} from "../src/catalogue.js";
import { blocksFor, generatePopulation, MAX_SUBSCRIBERS, subscriberOf, subscriberText } from "../src/population.js";
import { seededRandom } from "../src/random.js";

const months = [parseMonth("2026-09") as NonNullable<ReturnType<typeof parseMonth>>];
// Numbers 1000-9999 of each prefix: the committed sample's end in 00xx.
const BLOCK = Object.keys(MOBILE_PREFIXES).length * 9_000;

describe("generated populations beyond one block of numbers", () => {
  it("keeps one block's tariffs as they were, and adds a block's prefixes only when a population reaches it", () => {
    expect(mobilePrefixes(1)).toEqual(MOBILE_PREFIXES);
    expect(blocksFor(1)).toBe(1);
    expect(blocksFor(BLOCK)).toBe(1);
    expect(blocksFor(BLOCK + 1)).toBe(2);
    expect(blocksFor(MAX_SUBSCRIBERS)).toBe(PREFIX_BLOCKS);
    expect(Object.keys(mobilePrefixes(PREFIX_BLOCKS))).toHaveLength(
      PREFIX_BLOCKS * Object.keys(MOBILE_PREFIXES).length,
    );
  });

  it("gives every block's prefixes their own numbers, clear of the unknown prefixes and special numbers", () => {
    const all = Object.keys(mobilePrefixes(PREFIX_BLOCKS));
    expect(new Set(all).size).toBe(all.length);
    for (const prefix of all) {
      expect(prefix).toMatch(/^1\d{6}$/);
      expect(UNKNOWN_PREFIXES.some((u) => u === prefix)).toBe(false);
      expect(SPECIAL_NUMBERS.some((s) => prefix.startsWith(s))).toBe(false);
    }
    for (const [prefix, area] of Object.entries(MOBILE_PREFIXES))
      for (let block = 0; block < PREFIX_BLOCKS; block++)
        expect(mobilePrefixes(PREFIX_BLOCKS)[prefixInBlock(prefix, block)]).toBe(area);
  });

  it("numbers subscribers past the first block uniquely, each in its area and in the tariffs' number plan", () => {
    const count = BLOCK + 20_000;
    const population = [...generatePopulation(seededRandom(3), count, months)];
    const msisdns = population.map((s) => s.msisdn);
    expect(new Set(msisdns).size).toBe(count);
    const parsed = parseCatalogue(generatedCatalogue(blocksFor(count)));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    for (const s of population.slice(BLOCK - 5, BLOCK + 5).concat(population.slice(-5))) {
      expect(s.msisdn).toMatch(/^1\d{10}$/);
      const analysed = analyseNumber(s.msisdn, parsed.catalogue.numberPlan);
      expect(analysed).toMatchObject({ kind: "mobile", area: s.homeArea });
    }
  });

  it("holds each subscriber as compact text that reads back as the same subscriber", () => {
    const twoMonths = [parseMonth("2026-08"), parseMonth("2026-09")] as NonNullable<ReturnType<typeof parseMonth>>[];
    const population = [...generatePopulation(seededRandom(5), 2_000, twoMonths)];
    // Of every kind: a plan change, a VPMN group, prepaid, several subscriptions.
    expect(population.some((s) => s.periods.length > 1)).toBe(true);
    expect(population.some((s) => s.periods[0]?.vpmnGroup !== null)).toBe(true);
    expect(population.some((s) => s.subscriptions.length > 1)).toBe(true);
    for (const s of population) expect(subscriberOf(subscriberText(s))).toEqual(s);
  });

  it("numbers a population of one block from 1000, apart from the committed sample's numbers", () => {
    const population = [...generatePopulation(seededRandom(3), 30, months)];
    expect(population.slice(0, 3).map((s) => s.msisdn)).toEqual(["13500101000", "13507551000", "13605741000"]);
    expect(population[13]?.msisdn).toBe("13500101001");
    const sample = readFileSync(
      fileURLToPath(new URL("../../../test-data/basic/subscribers.csv", import.meta.url)),
      "utf8",
    );
    const numbers = new Set(
      sample
        .split(/\r?\n/)
        .slice(1)
        .map((l) => l.split(",")[0]),
    );
    expect(population.filter((s) => numbers.has(s.msisdn))).toEqual([]);
  });
});
