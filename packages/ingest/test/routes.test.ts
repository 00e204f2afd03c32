import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ByteRoute, billByteRoute, cdrByteRoute } from "../src/byte-rows.js";
import { billRoute, cdrRoute, type Route } from "../src/routes.js";

/** Fields as readCsv offers a row as bytes: the row's UTF-8 and where each field starts (one past the last field's end last). */
/** A row as readCsv offers it: the Latin-1 text of its UTF-8 bytes, and where its fields start. */
function asRead(fields: readonly string[]): { text: string; starts: Int32Array } {
  const bytes = Buffer.from(`>${fields.join(",")}<`);
  const starts = new Int32Array(fields.length + 1);
  starts[0] = 1;
  fields.forEach((f, i) => {
    starts[i + 1] = (starts[i] as number) + Buffer.byteLength(f) + 1;
  });
  return { text: bytes.toString("latin1"), starts };
}

const msisdn = fc.oneof(
  fc.stringMatching(/^1\d{10}$/),
  fc.constantFrom(
    "",
    "1380000000",
    "138000000001",
    "23800000000",
    "1380000000a",
    "1380000000:",
    "138000/0000",
    "1380000000٣",
    "１3800000000",
  ),
);
const time = fc.oneof(
  fc
    .date({ min: new Date("1999-12-01T00:00:00Z"), max: new Date("2100-01-31T00:00:00Z"), noInvalidDate: true })
    .map((d) => d.toISOString().replace(/\.\d+Z$/, "Z")),
  fc.constantFrom(
    "2026-09-30T23:59:59+08:00",
    "2026-09-30T16:00:00Z",
    "2026-09-30T15:59:59.999Z",
    "2026-08-31T16:00:00-00:00",
    "2026-02-29T10:00:00+08:00",
    "2026-09-01T00:00:00",
    "2026-09-01T00:00:00+0800",
    "2026-09-01T00:00:00+08:00 ",
    "2026-09-01T00:00:00＋08:00",
    "",
  ),
);
const month = fc.oneof(
  fc
    .integer({ min: 0, max: 9999 })
    .chain((y) => fc.integer({ min: 0, max: 13 }).map((m) => `${y}-${String(m).padStart(2, "0")}`)),
  fc.constantFrom("2026-09", "2026-9", "2026-09 ", "２026-09", ""),
);
const other = fc.string({ maxLength: 6 }).filter((s) => !/[",\n]/.test(s));

/** The byte route gives what the route gives, or leaves the row to it; for a row of ASCII it never leaves it. */
function expectSameRoute(route: Route, byteRoute: ByteRoute, fields: string[], indexes: number[]) {
  const { text, starts } = asRead(fields);
  const byBytes = byteRoute(text, starts, indexes);
  const byText = route(fields, indexes);
  if (byBytes !== undefined || /^[\x20-\x7e]*$/.test(fields.join(""))) expect(byBytes).toEqual(byText);
}

describe("byte routes", () => {
  it("route a CDR as cdrRoute does", () => {
    // Columns in a file's own order: msisdn and start_time anywhere among the others.
    const indexes = [0, 3, 0, 0, 0, 1, 0, 0, 0, 0];
    const byteRoute = cdrByteRoute();
    fc.assert(
      fc.property(msisdn, time, other, other, (m, t, a, b) => {
        expectSameRoute(cdrRoute, byteRoute, [a, t, b, m], indexes);
      }),
      { numRuns: 3000 },
    );
  });

  it("route a bill line as billRoute does", () => {
    const indexes = [2, 0, 1, 3];
    const byteRoute = billByteRoute();
    fc.assert(
      fc.property(msisdn, month, other, (m, bm, a) => {
        expectSameRoute(billRoute, byteRoute, [m, a, bm, "1.00"], indexes);
      }),
      { numRuns: 3000 },
    );
  });
});
