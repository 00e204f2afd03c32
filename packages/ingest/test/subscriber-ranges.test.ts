import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inShard, type Shard, SUBSCRIBER_COLUMNS, WHOLE_RUN } from "@billing/formats";
import { MsisdnRanges, subscriberRanges } from "@billing/ingest";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "subscriber-ranges-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;

/** subscriberRanges over a subscribers.csv of these msisdns' rows, in this order. */
function rangesOf(msisdns: readonly string[], count: number, sampleMost: number, shard: Shard = WHOLE_RUN) {
  const subscribers = `subscribers-${files++}.csv`;
  const rows = msisdns.map((m) => `${m},A1,P1,2026-01-01,,571,,postpaid`);
  writeFileSync(join(dir, subscribers), `${[SUBSCRIBER_COLUMNS.join(","), ...rows].join("\n")}\n`);
  return subscriberRanges({ inputs: { dir, subscribers }, shard }, count, sampleMost);
}

/** `n` distinct msisdns, in order. */
const msisdns = (n: number, from = 13_500_000_000) => Array.from({ length: n }, (_, i) => String(from + i * 7));

describe("msisdn ranges from a sample of subscribers.csv", () => {
  it("up to the sample's size, are those of every subscriber", async () => {
    const all = msisdns(900);
    const ranges = await rangesOf([...all].reverse(), 7, 1000);
    expect(ranges.starts).toEqual(MsisdnRanges.evenly(all, 7).starts);
  });

  it("counts an msisdn of several rows once, and skips malformed ones and other shares'", async () => {
    const all = msisdns(300);
    const shard = { index: 2, count: 3 };
    const mine = all.filter((m) => inShard(m, shard));
    const ranges = await rangesOf([...all, ...all, "12345", "not a number"], 4, 1000, shard);
    expect(ranges.starts).toEqual(MsisdnRanges.evenly(mine, 4).starts);
  });

  it("beyond it, do not depend on the order of the rows", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: 3000, maxLength: 3000 }), async (keys) => {
        const all = msisdns(3000);
        const shuffled = all.map((m, i) => ({ m, k: keys[i] as number })).sort((a, b) => a.k - b.k);
        const a = await rangesOf(all, 10, 500);
        const b = await rangesOf(
          shuffled.map((x) => x.m),
          10,
          500,
        );
        expect(b.starts).toEqual(a.starts);
      }),
      { numRuns: 5 },
    );
  });

  it("beyond it, hold about equal numbers of subscribers", async () => {
    const all = msisdns(40_000, 13_900_000_000);
    const count = 16;
    const ranges = await rangesOf(all, count, 2000);
    expect(ranges.count).toBe(count);
    const sizes = new Array<number>(count).fill(0);
    for (const m of all) sizes[ranges.rangeOf(m)] = (sizes[ranges.rangeOf(m)] as number) + 1;
    // A sample of 1,000 to 2,000 gives each range some 60 to 125 of it: well within a factor of 2.
    for (const size of sizes) {
      expect(size).toBeGreaterThan(all.length / count / 2);
      expect(size).toBeLessThan((all.length / count) * 2);
    }
  });
});
