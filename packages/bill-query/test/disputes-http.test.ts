import { registerStaff } from "@billing/disputes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE, BOB, call, type Served, serveExample, signIn } from "./serve-fixture.js";

const HOUR = 3_600_000;

describe("disputes over HTTP: customers at a kiosk and on the web, staff apart", () => {
  let served: Served;
  let staffKey: string;
  const staff = (key = staffKey) => ({ headers: { "x-staff-id": "S01", "x-staff-key": key } });

  beforeAll(async () => {
    served = await serveExample("postgres");
    staffKey = await registerStaff(served.scratch.database, "S01", "Wang");
  });
  afterAll(() => served.close());

  it("a customer opens a case on a value-added line: case id and due time at once, refunded twice at once", async () => {
    const token = await signIn(served, ALICE, "K01");
    const body = { month: "2026-09", item: "VAS:RING5", reason: "never_ordered", text: "没订过" };
    const opened = await call(served, "POST", "/v1/disputes", { token, kiosk: "K01", body });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      msisdn: ALICE.msisdn,
      bill_month: "2026-09",
      item_key: "VAS:RING5",
      channel: "kiosk",
      channel_id: "K01",
      status: "open",
      clock: "open",
      refund: "10.00",
      due_at: "2026-10-17T12:00:00+08:00",
    });
    expect(opened.body.case_id).toMatch(/^TS20261015-\d{6}$/);
    expect(opened.body.credits).toEqual([expect.objectContaining({ class: "vas_dispute", refund: "10.00" })]);
    const again = await call(served, "POST", "/v1/disputes", { token, kiosk: "K01", body });
    expect(again.status).toBe(200);
    expect(again.body.case_id).toBe(opened.body.case_id);
    const mine = await call(served, "GET", "/v1/disputes", { token, kiosk: "K01" });
    expect(mine.status).toBe(200);
    expect(mine.body.disputes.map((d: { case_id: string }) => d.case_id)).toEqual([opened.body.case_id]);
    // Another customer sees none of it.
    const bob = await signIn(served, BOB);
    expect((await call(served, "GET", "/v1/disputes", { token: bob })).body.disputes).toEqual([]);
  });

  it("refuses a month out of the window, an unknown item, a reason not on the list", async () => {
    const token = await signIn(served, ALICE);
    const post = (body: unknown) => call(served, "POST", "/v1/disputes", { token, body });
    expect((await post({ month: "2025-09", reason: "other" })).body.error.code).toBe("month_out_of_window");
    expect((await post({ month: "2026-09", item: "VAS:NOPE", reason: "other" })).body.error.code).toBe("unknown_item");
    expect((await post({ month: "2026-09", reason: "angry" })).status).toBe(400);
    expect((await call(served, "POST", "/v1/disputes", { body: { month: "2026-09", reason: "other" } })).status).toBe(
      401,
    );
  });

  it("staff are authenticated apart: no customer session or kiosk key reaches the staff API", async () => {
    const token = await signIn(served, ALICE, "K01");
    expect((await call(served, "GET", "/v1/staff/disputes", { token })).body.error.code).toBe("unknown_staff");
    expect((await call(served, "GET", "/v1/staff/disputes", { kiosk: "K01" })).status).toBe(401);
    expect((await call(served, "GET", "/v1/staff/disputes", staff("wrong"))).status).toBe(401);
    // And a staff key is no customer session: the bill routes refuse it.
    expect((await call(served, "GET", "/v1/months/2026-09", staff())).status).toBe(401);
  });

  it("staff list by due time, read a case with its replay, answer it; the customer reads the answer", async () => {
    const opened = await call(served, "POST", "/v1/staff/disputes", {
      ...staff(),
      body: { msisdn: ALICE.msisdn, month: "2026-09", item: "FEE:GT58", reason: "wrong_rate" },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ channel: "staff", channel_id: "S01" });
    served.clock.now += 37 * HOUR;
    const list = await call(served, "GET", "/v1/staff/disputes?open=true", staff());
    expect(list.body.disputes.map((d: { clock: string }) => d.clock)).toEqual(["due_soon", "due_soon"]);
    served.clock.now += 12 * HOUR;
    const overdue = await call(served, "GET", "/v1/staff/disputes?overdue=true", staff());
    expect(overdue.body.disputes).toHaveLength(2);
    const shown = await call(served, "GET", `/v1/staff/disputes/${opened.body.case_id}`, staff());
    expect(shown.status).toBe(200);
    expect(shown.body.replay.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(shown.body.replay.items.length).toBeGreaterThan(0);
    const wrong = await call(served, "POST", `/v1/staff/disputes/${opened.body.case_id}/answer`, {
      ...staff(),
      body: { outcome: "error_found" },
    });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.code).toBe("no_refund_owed");
    const answered = await call(served, "POST", `/v1/staff/disputes/${opened.body.case_id}/answer`, {
      ...staff(),
      body: { outcome: "no_error", text: "月租按套餐收取" },
    });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: "answered", clock: "answered_late" });
    expect(answered.body.answer).toMatchObject({ outcome: "no_error", late: true, staff_id: "S01" });
    expect(answered.body.answer.explanation_zh).toContain("未发现多收");
    expect(answered.body.answer.replay_sha256).toBe(shown.body.replay.sha256);
    const token = await signIn(served, ALICE);
    const mine = await call(served, "GET", "/v1/disputes", { token });
    const fee = mine.body.disputes.find((d: { item_key: string }) => d.item_key === "FEE:GT58");
    expect(fee.answer.outcome).toBe("no_error");
    expect((await call(served, "GET", "/v1/staff/disputes/TS20000101-000000", staff())).status).toBe(404);
  });
});
