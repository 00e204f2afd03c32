import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyRange } from "../src/index.js";

describe("keyRange", () => {
  it.each([
    [["13800000001"], "13800000001", "13800000001"],
    [["13800000002", "13800000001", "13800000003"], "13800000001", "13800000003"],
    [["139", "1380000000"], "1380000000", "139"],
  ])("of %j is %s to %s", (msisdns, first, last) => {
    expect(keyRange(msisdns)).toEqual({ first, last });
  });

  it("bounds every msisdn of the chunk, in the order of the database's C collation", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^\d{1,15}$/), { minLength: 1, maxLength: 50 }), (msisdns) => {
        const sorted = [...msisdns].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(keyRange(msisdns)).toEqual({ first: sorted[0], last: sorted.at(-1) });
      }),
    );
  });
});
