import { BILL_COLUMNS, CDR_COLUMNS, parseBillRow, rowOf } from "@billing/formats";
import { usageCoverage } from "@billing/ingest";
import fc from "fast-check";
import { expect, it } from "vitest";

// Few msisdns and record ids, so that ids repeat across subscribers and bill lines repeat.
const msisdn = fc.constantFrom("13800000001", "13800000002", "13900000003");
const id = fc.constantFrom("r1", "r2", "r3", "r4", "r10", "x");
const cdr = fc.record({ msisdn, id });
const bill = fc.record({
  msisdn,
  itemKey: fc.oneof(id, fc.constantFrom("FEE:P1", "VAS:V1", "")),
  amount: fc.constantFrom("1.00", "0", "x", "12.345"),
});

/** Lines as a spill holds them (R form: the row as read), split between one or two spills. */
function spills<T>(rows: readonly T[], cut: number, line: (row: T, n: number) => string) {
  const text = (part: readonly T[], from: number) => part.map((r, i) => line(r, from + i)).join("");
  const at = Math.min(cut, rows.length);
  return [
    { text: text(rows.slice(0, at), 2), latin1: true },
    { text: text(rows.slice(at), at + 2), latin1: false },
  ];
}

it("counts the billed usage lines no delivered CDR of the same msisdn has, as a plain reading of the rule does", () => {
  fc.assert(
    fc.property(fc.array(cdr, { maxLength: 40 }), fc.array(bill, { maxLength: 40 }), fc.nat(40), (cdrs, bills, cut) => {
      const cdrLine = (c: { msisdn: string; id: string }, n: number) =>
        `${c.msisdn}\t0\t${n}\tR${c.id},${c.msisdn},voice,out,13900000000,2026-09-01T10:00:00+08:00,60,0,0,Beijing\n`;
      const billLine = (b: { msisdn: string; itemKey: string; amount: string }, n: number) =>
        `${b.msisdn}\t0\t${n}\tR2026-09,${b.msisdn},${b.itemKey},${b.amount}\n`;
      const got = usageCoverage(spills(cdrs, cut, cdrLine), spills(bills, cut, billLine), {
        cdrColumns: [CDR_COLUMNS.map((_, i) => i)],
        billColumns: [BILL_COLUMNS.map((_, i) => i)],
      });
      // The plain reading: every bill line checked whole; a usage line is covered by a CDR of its msisdn with its record_id.
      const valid = bills.filter(
        (b) => parseBillRow(rowOf(["2026-09", b.msisdn, b.itemKey, b.amount], BILL_COLUMNS, [0, 1, 2, 3])).ok,
      );
      const usage = valid.filter((b) => !b.itemKey.startsWith("FEE:") && !b.itemKey.startsWith("VAS:"));
      const missing = usage.filter((b) => !cdrs.some((c) => c.msisdn === b.msisdn && c.id === b.itemKey));
      expect(got.billedUsage).toBe(usage.length);
      expect(got.billedVas).toBe(valid.filter((b) => b.itemKey.startsWith("VAS:")).length);
      const flat = got.uncovered.flatMap(([m, keys]) => keys.map((k) => `${m} ${k}`)).sort();
      expect(flat).toEqual(missing.map((b) => `${b.msisdn} ${b.itemKey}`).sort());
    }),
    { numRuns: 300 },
  );
});
