import type { Discrepancy } from "@billing/reconciliation";
import { accountFor, creditId, idempotencyKey, planCredits, type RefundKey } from "@billing/reconciliation";
import { describe, expect, it } from "vitest";

const d = (itemKey: string, refundCents: number, occurrence = 1): Discrepancy => ({
  service: "voice",
  billMonth: "2026-09",
  msisdn: "13805710001",
  itemKey,
  occurrence,
  class: occurrence > 1 ? "duplicate_billing" : "overcharge",
  billedCents: refundCents / 2,
  expectedCents: 0,
  differenceCents: refundCents / 2,
  refundCents,
  explanation: "",
});
const key = (itemKey: string, occurrence = 1): RefundKey => ({
  msisdn: "13805710001",
  billMonth: "2026-09",
  itemKey,
  occurrence,
});
const account = { accountId: "A1", settleTo: "next_bill" as const, planId: "P" };

describe("the credit ledger plan: owed minus issued", () => {
  it("issues each owed refund once, as two equal halves", () => {
    const plan = planCredits([d("V1", 38), d("V2", 0), d("V3", 44, 2)], new Map(), account);
    expect(
      plan.credits.map((c) => [c.key.itemKey, c.key.occurrence, c.overchargeCents, c.refundCents, c.issueSeq]),
    ).toEqual([
      ["V1", 1, 19, 38, 1],
      ["V3", 2, 22, 44, 1],
    ]);
    expect(plan.credits[0]?.creditId).toBe(creditId(idempotencyKey(key("V1")), 1));
  });

  it("issues nothing when the ledger already holds it (a rerun)", () => {
    const issued = new Map([[idempotencyKey(key("V1")), { key: key("V1"), totalCents: 38, lastSeq: 1 }]]);
    expect(planCredits([d("V1", 38)], issued, account).credits).toEqual([]);
  });

  it("tops up when the owed amount rose, with the next issue number", () => {
    const issued = new Map([[idempotencyKey(key("V1")), { key: key("V1"), totalCents: 38, lastSeq: 1 }]]);
    const [credit] = planCredits([d("V1", 50)], issued, account).credits;
    expect(credit).toMatchObject({ refundCents: 12, overchargeCents: 6, issueSeq: 2, owedTotalCents: 50 });
  });

  it("reports over-credited keys and never claws back", () => {
    const issued = new Map([
      [idempotencyKey(key("V1")), { key: key("V1"), totalCents: 38, lastSeq: 1 }],
      [idempotencyKey(key("V9")), { key: key("V9"), totalCents: 10, lastSeq: 1 }],
    ]);
    const plan = planCredits([d("V1", 20)], issued, account);
    expect(plan.credits).toEqual([]);
    expect(plan.overCredited.map((o) => [o.key.itemKey, o.owedCents, o.issuedCents])).toEqual([
      ["V1", 20, 38],
      ["V9", 0, 10],
    ]);
  });

  it("holds back refunds with no account to settle to", () => {
    const plan = planCredits([d("V1", 38)], new Map(), null);
    expect(plan.credits).toEqual([]);
    expect(plan.noAccount).toHaveLength(1);
  });

  it("keys are stable hashes of (msisdn, bill month, item key, occurrence)", () => {
    expect(idempotencyKey(key("V1"))).toBe(idempotencyKey(key("V1")));
    expect(idempotencyKey(key("V1"))).not.toBe(idempotencyKey(key("V1", 2)));
    expect(idempotencyKey(key("V1"))).toMatch(/^[0-9a-f]{64}$/);
  });

  it("settles prepaid to the balance and postpaid to the next bill, from the month's period", () => {
    const p = (from: string, to: string | null, payment: "prepaid" | "postpaid", accountId: string) => ({
      msisdn: "1",
      accountId,
      planId: "P",
      activeFrom: from,
      activeTo: to,
      homeArea: "0571",
      vpmnGroup: null,
      payment,
    });
    const periods = [p("2024-01-01", "2026-09-01", "postpaid", "OLD"), p("2026-09-01", null, "prepaid", "NEW")];
    expect(accountFor(periods, "2026-09")).toEqual({ accountId: "NEW", settleTo: "balance", planId: "P" });
    expect(accountFor(periods, "2026-08")).toEqual({ accountId: "OLD", settleTo: "next_bill", planId: "P" });
    expect(accountFor(periods, "2023-01")).toBeNull();
  });
});
