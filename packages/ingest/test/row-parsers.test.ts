import { type BILL_COLUMNS, CDR_COLUMNS, parseBillRow, parseCdrRow, type Row } from "@billing/formats";
import { parseCents, parseMonth, parseTimestamp } from "@billing/rating";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { spilledReader } from "../src/spill-lines.js";

const cdr = (fields: Partial<Record<(typeof CDR_COLUMNS)[number], string>>): Row => ({
  record_id: "C1",
  msisdn: "13800000000",
  service: "voice",
  direction: "out",
  other_party: "+8613900000000",
  start_time: "2026-09-01T08:00:00+08:00",
  duration_s: "61",
  bytes_up: "",
  bytes_down: "",
  visited_area: "010",
  ...fields,
});

const bill = (fields: Partial<Record<(typeof BILL_COLUMNS)[number], string>>): Row => ({
  bill_month: "2026-09",
  msisdn: "13800000000",
  item_key: "C1",
  amount: "1.90",
  ...fields,
});

describe("a CDR row per formats.md", () => {
  it.each([
    ["a voice call", {}, null],
    ["sms with duration 0", { service: "sms", duration_s: "0" }, null],
    [
      "data with bytes",
      { service: "data", direction: "", other_party: "", duration_s: "", bytes_up: "0", bytes_down: "9" },
      null,
    ],
    [
      "data visited area empty",
      {
        service: "data",
        direction: "",
        other_party: "",
        duration_s: "",
        bytes_up: "1",
        bytes_down: "2",
        visited_area: "",
      },
      null,
    ],
    ["a 64-character record_id", { record_id: "x".repeat(64) }, null],
    ["an empty record_id", { record_id: "" }, "record_id must be 1-64 characters"],
    ["a 65-character record_id", { record_id: "x".repeat(65) }, "record_id must be 1-64 characters"],
    ["a 10-digit msisdn", { msisdn: "1380000000" }, 'msisdn "1380000000" is not an 11-digit mobile number'],
    [
      "an msisdn not starting with 1",
      { msisdn: "23800000000" },
      'msisdn "23800000000" is not an 11-digit mobile number',
    ],
    ["an unknown service", { service: "mms" }, 'service "mms" is not voice, sms or data'],
    ["a capitalised service", { service: "Voice" }, 'service "Voice" is not voice, sms or data'],
    [
      "data with a direction",
      { service: "data", direction: "out", other_party: "" },
      "direction must be empty for data",
    ],
    [
      "data with another party",
      { service: "data", direction: "", other_party: "1" },
      "other_party must be empty for data",
    ],
    ["voice without direction", { direction: "" }, 'direction "" is not in or out'],
    ["another party with a letter", { other_party: "12a" }, 'other_party "12a" is not digits with an optional +'],
    ["another party of a plus alone", { other_party: "+" }, 'other_party "+" is not digits with an optional +'],
    [
      "a start without offset",
      { start_time: "2026-09-01T08:00:00" },
      'start_time "2026-09-01T08:00:00" is not ISO 8601 with an offset, in 2000-2099',
    ],
    [
      "a start in year 0999",
      { start_time: "0999-09-01T10:00:00+08:00" },
      'start_time "0999-09-01T10:00:00+08:00" is not ISO 8601 with an offset, in 2000-2099',
    ],
    [
      "a start in year 2100",
      { start_time: "2100-01-01T00:00:00+08:00" },
      'start_time "2100-01-01T00:00:00+08:00" is not ISO 8601 with an offset, in 2000-2099',
    ],
    [
      "a duration longer than a month",
      { duration_s: "2678401" },
      "duration_s 2678401 is longer than a month (at most 2678400)",
    ],
    [
      "more bytes than a record can carry",
      { service: "data", direction: "", other_party: "", duration_s: "", bytes_up: "10000000000001", bytes_down: "0" },
      "bytes_up and bytes_down are at most 10000000000000 a record (10 TB)",
    ],
    ["a negative duration", { duration_s: "-1" }, "duration_s must be a whole number of seconds ≥ 0"],
    ["a 16-digit duration", { duration_s: "1".repeat(16) }, "duration_s must be a whole number of seconds ≥ 0"],
    ["a fractional byte count", { bytes_up: "1.5" }, "bytes_up and bytes_down must be whole numbers ≥ 0"],
    ["voice without duration", { duration_s: "" }, "duration_s is required for voice"],
    ["sms with a duration", { service: "sms", duration_s: "3" }, "duration_s must be empty or 0 for sms"],
    [
      "data without bytes_down",
      { service: "data", direction: "", other_party: "", duration_s: "", bytes_up: "1", bytes_down: "" },
      "bytes_up and bytes_down are required for data",
    ],
    ["voice with bytes", { bytes_up: "5" }, "bytes_up and bytes_down must be empty or 0 for voice"],
    ["voice without visited area", { visited_area: "" }, 'visited_area "" is not an area code'],
    ["a visited area with a letter", { visited_area: "01a" }, 'visited_area "01a" is not an area code'],
  ] as const)("%s", (_name, fields, reason) => {
    const parsed = parseCdrRow(cdr(fields));
    expect(parsed.ok ? null : parsed.reason).toBe(reason);
  });

  it("gives the record's values", () => {
    expect(parseCdrRow(cdr({}))).toEqual({
      ok: true,
      value: {
        recordId: "C1",
        msisdn: "13800000000",
        service: "voice",
        direction: "out",
        otherParty: "+8613900000000",
        startMs: Date.UTC(2026, 8, 1, 0, 0, 0),
        durationS: 61,
        bytesUp: 0,
        bytesDown: 0,
        visitedArea: "010",
      },
    });
  });
});

describe("a BOSS bill row per formats.md", () => {
  it.each([
    ["a usage line", {}, null],
    ["a fee line of a whole amount", { item_key: "FEE:P38", amount: "38" }, null],
    ["a bill month of 13", { bill_month: "2026-13" }, 'bill_month "2026-13" is not YYYY-MM'],
    ["an msisdn of letters", { msisdn: "1380000000x" }, 'msisdn "1380000000x" is not an 11-digit mobile number'],
    ["an empty item_key", { item_key: "" }, "item_key is empty"],
    ["three decimals", { amount: "1.234" }, 'amount "1.234" is not yuan ≥ 0 with at most two decimals'],
    ["a negative amount", { amount: "-1.00" }, 'amount "-1.00" is not yuan ≥ 0 with at most two decimals'],
  ] as const)("%s", (_name, fields, reason) => {
    const parsed = parseBillRow(bill(fields));
    expect(parsed.ok ? null : parsed.reason).toBe(reason);
  });
});

/** The CDR rules as formats.md words them, by regular expression: the reference the parser is held to. */
function referenceCdrCheck(row: Row): string | null {
  const v = (name: string) => row[name] ?? "";
  if (v("record_id").length < 1 || v("record_id").length > 64) return "record_id";
  if (!/^1\d{10}$/.test(v("msisdn"))) return "msisdn";
  const service = v("service");
  if (!["voice", "sms", "data"].includes(service)) return "service";
  if (service === "data") {
    if (v("direction") !== "") return "direction";
    if (v("other_party") !== "") return "other_party";
  } else {
    if (v("direction") !== "in" && v("direction") !== "out") return "direction";
    if (!/^\+?\d+$/.test(v("other_party"))) return "other_party";
  }
  if (parseTimestamp(v("start_time")) === undefined) return "start_time";
  const whole = (name: string) => v(name) === "" || /^\d{1,15}$/.test(v(name));
  if (!whole("duration_s")) return "duration_s";
  if (Number(v("duration_s")) > 31 * 86_400) return "duration_s";
  if (!whole("bytes_up") || !whole("bytes_down")) return "bytes";
  if (Number(v("bytes_up")) > 1e13 || Number(v("bytes_down")) > 1e13) return "bytes";
  if (service === "voice" && v("duration_s") === "") return "duration_s";
  if (service !== "voice" && Number(v("duration_s")) !== 0) return "duration_s";
  if (service === "data" && (v("bytes_up") === "" || v("bytes_down") === "")) return "bytes";
  if (service !== "data" && (Number(v("bytes_up")) !== 0 || Number(v("bytes_down")) !== 0)) return "bytes";
  if (v("visited_area") === "" ? service === "voice" : !/^\d+$/.test(v("visited_area"))) return "visited_area";
  return null;
}

const reasonField: Record<string, string> = {
  record_id: "record_id",
  msisdn: "msisdn",
  service: "service",
  direction: "direction",
  other_party: "other_party",
  start_time: "start_time",
  duration_s: "duration_s",
  bytes_up: "bytes",
  visited_area: "visited_area",
};

/** Field values near the rules' edges, in characters that CSV, JSON and UTF-16 treat specially. */
const near = (...values: string[]) =>
  fc.oneof(
    fc.constantFrom(...values),
    fc.string({ unit: fc.constantFrom("1", "0", "9", "/", ":", "+", "a", "\u00e9", '"', " ", "\\") }),
  );

const cdrFieldValues = {
  record_id: near("C1", "", "x".repeat(64), "x".repeat(65), 'C"1', "C\\1", "\u4e2d"),
  msisdn: near("13800000000", "1380000000", "138000000001", "23800000000"),
  service: near("voice", "sms", "data", "Voice", ""),
  direction: near("in", "out", "", "OUT"),
  other_party: near("13900000000", "+8613900000000", "+", ""),
  start_time: near(
    "2026-09-01T08:00:00+08:00",
    "2026-09-01T00:00:00Z",
    "2026-02-30T08:00:00+08:00",
    "2026-09-01T08:00:00.5-03:30",
  ),
  duration_s: near("", "0", "61", "-1", "1".repeat(15), "1".repeat(16), "1.5"),
  bytes_up: near("", "0", "9", "1".repeat(16)),
  bytes_down: near("", "0", "9", "x"),
  visited_area: near("010", "", "0755", "01a"),
};

/** Valid rows of each service with up to three fields replaced by values near the rules' edges. */
const cdrRows = fc
  .tuple(
    fc.constantFrom(
      cdr({}),
      cdr({ service: "sms", duration_s: "" }),
      cdr({ service: "data", direction: "", other_party: "", duration_s: "", bytes_up: "10", bytes_down: "20" }),
    ),
    fc.array(fc.oneof(...Object.entries(cdrFieldValues).map(([name, value]) => value.map((v) => [name, v] as const))), {
      maxLength: 3,
    }),
  )
  .map(([base, changes]): Row => ({ ...base, ...Object.fromEntries(changes) }));

/** A row as a CSV record, quoting what needs it. */
const csvRecord = (fields: readonly string[]) =>
  fields.map((f) => (/[",\n\r]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(",");

/** A spilled line as spillUsage writes it (spillRow), for a file whose header is `header`. */
function spilledLine(header: readonly string[], row: Row, line: number): string {
  const fields = header.map((c) => row[c] ?? "");
  const raw = csvRecord(fields);
  const body = /["\n]/.test(raw) ? `J${JSON.stringify([raw, fields])}` : `R${raw}`;
  return `${row.msisdn ?? ""}\t1\t${line}\t${body}`;
}

describe("reading spilled rows back", () => {
  it("parses a CDR as the rules of formats.md decide it", () => {
    fc.assert(
      fc.property(cdrRows, (row) => {
        const parsed = parseCdrRow(row);
        const expected = referenceCdrCheck(row);
        expect(parsed.ok ? null : reasonField[parsed.reason.split(" ")[0] as string]).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("reads the same fields from a spilled line as from the row, in any column order, with columns missing or extra", () => {
    const headers = fc
      .tuple(
        fc.shuffledSubarray([...CDR_COLUMNS], { minLength: 1 }),
        fc.array(fc.constantFrom("extra", "note"), { maxLength: 2 }),
      )
      .chain(([columns, extra]) =>
        fc.shuffledSubarray([...columns, ...extra], { minLength: columns.length + extra.length }),
      );
    fc.assert(
      fc.property(headers, cdrRows, fc.nat(1_000_000), (header, full, line) => {
        const row: Row = Object.fromEntries(header.map((c) => [c, full[c as keyof typeof full] ?? "note"]));
        const indexes = CDR_COLUMNS.map((c) => header.lastIndexOf(c));
        const read = spilledReader(CDR_COLUMNS, [[], indexes]);
        // Read where it lies among other lines, as a range's text holds it.
        const before = "13800000001\t0\t7\tRa,b,c\n";
        const text = `${before}${spilledLine(header, row, line)}\n13800000002\t0\t9\tRd,e\n`;
        const spilled = read(text, false, before.length);
        expect({ fileSeq: spilled.fileSeq, line: spilled.line }).toEqual({ fileSeq: 1, line });
        expect(spilled.raw()).toBe(csvRecord(header.map((c) => row[c] ?? "")));
        expect(spilled.msisdn()).toBe(row.msisdn ?? "");
        const byColumn = CDR_COLUMNS.map((_, c) =>
          spilled.fields.text.slice(spilled.fields.starts[c], spilled.fields.ends[c]),
        );
        expect(byColumn).toEqual(CDR_COLUMNS.map((c) => row[c] ?? ""));
      }),
      { numRuns: 2000 },
    );
  });

  it("reads a bill line's amount and month as parseCents and parseMonth do", () => {
    fc.assert(
      fc.property(near("2026-09", "2026-13", "26-09"), near("1.90", "38", "1.234", ".5", "0.00"), (month, amount) => {
        const parsed = parseBillRow(bill({ bill_month: month, amount }));
        const valid = parseMonth(month) !== undefined && parseCents(amount) !== undefined;
        expect(parsed.ok).toBe(valid);
        if (parsed.ok) expect(parsed.value.cents).toBe(parseCents(amount));
      }),
    );
  });
});
