import { deserialize, serialize } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { billedLines, ChunkBillsBuilder } from "../src/chunk-bills.js";
import type { StoredBillLine } from "../src/stored-usage.js";

const line = fc.tuple(
  fc.string({ unit: fc.constantFrom("C", "9", ":", "\n", "中", "\u{1F600}"), minLength: 1, maxLength: 20 }),
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 0, max: 99_999_999_999_999 }),
  fc.constant("bill.csv"),
  fc.nat(),
);

describe("a chunk's bills sent to the rating thread", () => {
  it("give back every month's lines, in order, after a structured clone", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 11, maxLength: 11 }), fc.array(line, { maxLength: 8 })), {
          selector: ([msisdn]) => msisdn,
          maxLength: 6,
        }),
        (months) => {
          const builder = new ChunkBillsBuilder();
          for (const [msisdn, lines] of months) builder.add(msisdn, lines as StoredBillLine[]);
          const received = billedLines(deserialize(serialize(builder.build())));
          expect([...received.keys()]).toEqual(months.map(([msisdn]) => msisdn));
          for (const [msisdn, lines] of months) {
            expect(received.get(msisdn)).toEqual(
              lines.map(([itemKey, occurrence, cents]) => ({ itemKey, occurrence, cents })),
            );
          }
        },
      ),
    );
  });
});
