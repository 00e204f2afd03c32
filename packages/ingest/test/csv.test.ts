import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CsvEntry, halves, readCsv } from "@billing/ingest";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "csv-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;

/**
 * Reads a file as text, or through onFieldBytes as well ("bytes"): that takes
 * every other record it is offered, so both ways in and the switches between
 * them are read; what it takes is decoded here into the entry readCsv would give.
 */
async function read(
  text: string,
  way: "text" | "bytes" = "text",
): Promise<{ header: readonly string[] | null; entries: CsvEntry[] } | "refused"> {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, text);
  let header: readonly string[] | null = null;
  const entries: CsvEntry[] = [];
  let offered = 0;
  try {
    await readCsv({
      path,
      file: "f.csv",
      required: [],
      onHeader: (h) => {
        header = h;
      },
      onEntry: (e) => {
        entries.push(e);
        return entries.length % 7 === 0 ? Promise.resolve() : undefined;
      },
      ...(way === "bytes" && {
        onFieldBytes: (bytes: Buffer, text: string, starts: Int32Array, line: number) => {
          offered += 1;
          // The text is the bytes as Latin-1, a character a byte, at the same places.
          const [start, end] = [starts[0] as number, (starts.at(-1) as number) - 1];
          if (text.slice(start, end) !== bytes.toString("latin1", start, end)) throw new Error("text is not the bytes");
          if (offered % 2 === 0) return false;
          const fields = [...starts.subarray(1)].map((end, i) => bytes.toString("utf8", starts[i], end - 1));
          entries.push({ line, fields, raw: bytes.toString("utf8", starts[0], (starts.at(-1) as number) - 1) });
          return true;
        },
      }),
    });
  } catch {
    return "refused";
  }
  return { header, entries };
}

/**
 * The records formats.md makes of a text, read a character at a time: every
 * CRLF, LF or CR ends a line, a line is a record, and a line whose quote is
 * still open at its end (or with text after a closing quote) is broken (null).
 */
function reference(text: string): (string[] | null)[] {
  const records: (string[] | null)[] = [];
  let fields: string[] = [];
  let field = "";
  let state: "start" | "plain" | "quoted" | "closed" | "broken" = "start";
  const endLine = () => {
    if (state === "quoted" || state === "broken") records.push(null);
    else records.push([...fields, field]);
    fields = [];
    field = "";
    state = "start";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "\r" || c === "\n") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endLine();
      continue;
    }
    if (state === "broken") continue;
    if (state === "quoted") {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') state = "closed";
      else field += c;
    } else if (c === ",") {
      fields.push(field);
      field = "";
      state = "start";
    } else if (state === "closed") state = "broken";
    else if (c === '"' && state === "start") state = "quoted";
    else {
      field += c;
      state = "plain";
    }
  }
  if (text.length > 0 && !/[\r\n]$/.test(text)) endLine();
  return records;
}

async function expectSame(text: string, got: Awaited<ReturnType<typeof read>>) {
  const records = reference(text);
  if (records.length === 0 || records[0] === null) {
    expect(got).toBe("refused");
    return;
  }
  if (got === "refused") throw new Error("refused a file the reference reads");
  const [header, ...rows] = records as [string[], ...(string[] | null)[]];
  expect(got.header).toEqual(header);
  expect(got.entries.map((e) => e.line)).toEqual(rows.map((_, i) => i + 2));
  got.entries.forEach((entry, i) => {
    const fields = rows[i];
    if (fields && fields.length === header.length) expect(entry.fields).toEqual(fields);
    else expect(entry.fields).toBeNull();
    if (!fields) return;
    // A record without quotes is its fields joined by commas (what the spill relies on).
    if (!entry.raw.includes('"')) expect(entry.raw.split(",")).toEqual(fields);
  });
}

const piece = fc.constantFrom("a", "b", "13800000000", ",", ",", '"', '""', "\n", "\n", "\r\n", "\r", "中", " ");
const csvText = fc.array(piece, { maxLength: 60 }).map((p) => p.join(""));

describe("readCsv", () => {
  it.each([
    ["h,i\na,b\n", [["a", "b"]]],
    ["h,i\na,b", [["a", "b"]]],
    ["h,i\r\na,b\r\n", [["a", "b"]]],
    ['h,i\na,"b,""c""",d\n', [null]],
    ['h,i\na,"b,""c"""\n', [["a", 'b,"c"']]],
    // formats.md: any line end ends a row, and an open quote breaks only its own line.
    ['h,i\na,"b,\n""c"""\ne,f\n', [null, null, ["e", "f"]]],
    [
      "h,i\r\na,b\nc,d\re,f",
      [
        ["a", "b"],
        ["c", "d"],
        ["e", "f"],
      ],
    ],
    ["h,i\n\na,b\n", [null, ["a", "b"]]],
  ])("reads %j", async (text, expected) => {
    const got = await read(text);
    if (got === "refused") throw new Error("refused");
    expect(got.entries.map((e) => e.fields)).toEqual(expected);
  });

  it("refuses an empty file and a header without a required column", async () => {
    const path = join(dir, "empty.csv");
    writeFileSync(path, "");
    const reading = { path, file: "empty.csv", onEntry: () => undefined };
    await expect(readCsv({ ...reading, required: [] })).rejects.toThrow("empty.csv line 1: empty file");
    writeFileSync(path, "a,b\n1,2\n");
    await expect(readCsv({ ...reading, required: ["c"] })).rejects.toThrow("missing column c");
  });

  it.each(["text", "bytes"] as const)("reads any text as formats.md reads it (%s)", async (way) => {
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => await expectSame(text, await read(text, way))),
      { numRuns: 400 },
    );
  });

  it.each(["text", "bytes"] as const)(
    "reads as formats.md across chunks, with quotes and mixed line ends after a chunk of plain lines (%s)",
    async (way) => {
      // Over a chunk (1 MiB) of plain lines first, so records and line ends straddle chunk ends.
      const lines = (end: string) => Array.from({ length: 40_000 }, (_, i) => `${i},x${"y".repeat(i % 23)}`).join(end);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom("\n", "\r\n", "\r"), csvText, async (end, tail) => {
          const text = `h,i${end}${lines(end)}${end}${tail}`;
          await expectSame(text, await read(text, way));
        }),
        { numRuns: 6 },
      );
    },
  );

  /** The entries of a file read whole, and read in two halves (halves), the second before the first. */
  async function wholeAndHalves(text: string, way: "text" | "bytes", minBytes: number) {
    const path = join(dir, `f${files++}.csv`);
    writeFileSync(path, text);
    const entries = async (span: { end?: number; part?: NonNullable<Awaited<ReturnType<typeof halves>>>["part"] }) => {
      const got: CsvEntry[] = [];
      await readCsv({
        path,
        file: "f.csv",
        required: [],
        onEntry: (e) => {
          got.push(e);
          return undefined;
        },
        ...(way === "bytes" && {
          onFieldBytes: (bytes: Buffer, _text: string, starts: Int32Array, line: number) => {
            got.push({ line, fields: [], raw: bytes.toString("utf8", starts[0], (starts.at(-1) as number) - 1) });
            return true;
          },
        }),
        ...span,
      });
      return got.map((e) => [e.line, e.raw]);
    };
    const whole = await entries({}).catch(() => "refused");
    const cut = await halves(path, minBytes);
    if (!cut) return { whole, cut };
    const second = await entries({ part: cut.part });
    const first = await entries({ end: cut.end });
    return { whole, cut, halves: [...first, ...second] };
  }

  it.each(["text", "bytes"] as const)("reads a file in two halves as it reads it whole (%s)", async (way) => {
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => {
        const got = await wholeAndHalves(`h,i\n${text}`, way, 0);
        if (got.cut) expect(got.halves).toEqual(got.whole);
      }),
      { numRuns: 400 },
    );
    const lines = (end: string) => Array.from({ length: 150_000 }, (_, i) => `${i},x${"y".repeat(i % 23)}`).join(end);
    for (const end of ["\n", "\r\n", "\r"]) {
      const got = await wholeAndHalves(`h,i${end}${lines(end)}${end}`, way, 1 << 20);
      expect(got.cut).toBeDefined();
      expect(got.halves).toEqual(got.whole);
    }
    // A CRLF across the border of the first two chunks (1 MiB) is one line end, counted once.
    const head = `h,i\r\n${lines("\r\n").slice(0, 100_000)}\r\n`;
    const border = `${head}a,${"x".repeat((1 << 20) - head.length - 3)}\r\n${lines("\r\n")}\r\n`;
    expect(border.indexOf("\r\n", head.length)).toBe((1 << 20) - 1);
    const across = await wholeAndHalves(border, way, 1 << 20);
    expect(across.cut).toBeDefined();
    expect(across.halves).toEqual(across.whole);
    expect((await wholeAndHalves(`h,i\n${lines("\n")}\n`, way, 10 << 20)).cut).toBeUndefined();
    // A quote never spans lines, so a file with quotes is cut too; one whose header holds a quote is not.
    const quoted = await wholeAndHalves(`h,i\n"a",b\n${lines("\n")}\n`, way, 0);
    expect(quoted.halves).toEqual(quoted.whole);
    expect((await wholeAndHalves(`"h",i\n${lines("\n")}\n`, way, 0)).cut).toBeUndefined();
  });
});
