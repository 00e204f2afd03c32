import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DATABASE_KINDS, scratchDatabase } from "@billing/db/testing";
import { reconcile } from "@billing/nightly";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const EXAMPLE = fileURLToPath(new URL("../../../test-data/basic", import.meta.url));
const CDRS = "cdr-20260930.csv";
const BILL = "boss-bill-202609.csv";
const LONG_ID = "X".repeat(65);

/** The worked example with one CDR line changed by `mutate` (and the bill, when given), reconciled on a fresh database. */
async function reconciled(
  kind: (typeof DATABASE_KINDS)[number],
  work: string,
  name: string,
  mutate: (cdrs: string) => string,
  bill: (lines: string) => string = (l) => l,
): Promise<Record<string, string>[]> {
  const input = join(work, name);
  cpSync(EXAMPLE, input, { recursive: true });
  writeFileSync(join(input, CDRS), mutate(readFileSync(join(input, CDRS), "utf8")));
  writeFileSync(join(input, BILL), bill(readFileSync(join(input, BILL), "utf8")));
  const scratch = await scratchDatabase(kind);
  try {
    await reconcile({ inDir: input, outDir: join(work, `${name}-out`), database: scratch.database, runId: name });
  } finally {
    await scratch.drop();
  }
  const [header, ...rows] = readFileSync(join(work, `${name}-out`, "discrepancies.csv"), "utf8")
    .trim()
    .split("\r\n");
  const columns = (header as string).split(",");
  return rows.map((r) => Object.fromEntries(r.split(",").map((v, i) => [columns[i], v])));
}

// reconcile.md: a bill line is unverifiable, never a phantom charge, when its record may be one the run could not read.
describe.each(DATABASE_KINDS)("no refund on broken evidence, on %s", (kind) => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "billing-unverifiable-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each([
    ["a CDR whose msisdn is malformed", "V02", (c: string) => c.replace("V02,13805710001,", "V02,1380571000x,")],
    ["a CDR whose record_id is empty", "V02", (c: string) => c.replace("V02,13805710001,", ",13805710001,")],
    [
      "a CDR of the wrong width",
      "V02",
      (c: string) => c.replace("V02,13805710001,voice,", "V02,13805710001,voice,extra,"),
    ],
  ])("%s: its bill line is unverifiable, not refunded", async (name, key, mutate) => {
    const rows = await reconciled(kind, work, name.replace(/\W+/g, "-"), mutate);
    const line = rows.find((r) => r.item_key === key);
    expect(line?.class).toBe("unverifiable");
    expect(rows.filter((r) => r.class === "phantom_charge").map((r) => r.item_key)).toEqual(["V99"]);
  });

  it("a record_id of 65 characters: the bill line naming it is unverifiable", async () => {
    const rows = await reconciled(
      kind,
      work,
      "long-id",
      (c) => c.replace("V02,13805710001,", `${LONG_ID},13805710001,`),
      (b) => b.replace(",13805710001,V02,", `,13805710001,${LONG_ID},`),
    );
    expect(rows.find((r) => r.item_key === LONG_ID)?.class).toBe("unverifiable");
    expect(rows.filter((r) => r.class === "phantom_charge").map((r) => r.item_key)).toEqual(["V99"]);
  });
});
