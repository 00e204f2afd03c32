import { DATABASE_KINDS } from "@billing/db/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerKiosk, STATEMENT_CSV_HEADER } from "../src/index.js";
import { SEPTEMBER_RECORD_IDS, SEPTEMBER_V02 } from "./example-answers.js";
import { ALICE, BOB, CAROL, call, type Served, serveExample, signIn, storeSms } from "./serve-fixture.js";

const MONTHS = ["2026-10", "2026-09", "2026-08", "2026-07", "2026-06", "2026-05"];

describe.each(DATABASE_KINDS)("the bill-query API on %s", (kind) => {
  let served: Served;
  beforeAll(async () => {
    served = await serveExample(kind);
  });
  afterAll(async () => {
    await served?.close();
  });

  it("answers health and readiness, and describes itself in OpenAPI", async () => {
    expect((await call(served, "GET", "/v1/health")).body).toEqual({ status: "ok" });
    expect((await call(served, "GET", "/v1/ready")).body).toEqual({ status: "ready", database: kind });
    const openapi = await call(served, "GET", "/v1/openapi.json");
    expect(openapi.body.openapi).toBe("3.1.0");
    expect(Object.keys(openapi.body.paths).sort()).toEqual([
      "/v1/disputes",
      "/v1/health",
      "/v1/months",
      "/v1/months/{month}",
      "/v1/months/{month}/records",
      "/v1/months/{month}/records.csv",
      "/v1/ready",
      "/v1/sessions",
      "/v1/sessions/current",
      "/v1/sign-in/codes",
      "/v1/staff/disputes",
      "/v1/staff/disputes/{id}",
      "/v1/staff/disputes/{id}/answer",
      "/v1/tariffs",
    ]);
    expect(
      openapi.body.paths["/v1/months/{month}/records"].get.parameters.map((p: { name: string }) => p.name),
    ).toEqual(expect.arrayContaining(["month", "service", "cursor", "limit"]));
    // Every response has its schema; every error response names its codes; the CSV is described as CSV.
    type Operation = { responses: Record<string, { content?: unknown; description?: string }> };
    for (const [path, methods] of Object.entries(openapi.body.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, operation] of Object.entries(methods)) {
        const responses = Object.entries(operation.responses);
        expect(responses.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, response] of responses) {
          if (status === "204") continue;
          expect(response.content, `${method} ${path} ${status}`).toBeDefined();
          if (Number(status) >= 400)
            expect(response.description, `${method} ${path} ${status}`).toMatch(/^error codes: [a-z_]+/);
        }
      }
    }
    const csv = openapi.body.paths["/v1/months/{month}/records.csv"].get.responses["200"];
    expect(Object.keys(csv.content)).toEqual(["text/csv"]);
    const answer = openapi.body.paths["/v1/staff/disputes/{id}/answer"].post.responses["409"];
    expect(answer.description).toBe("error codes: already_answered, refund_owed, no_refund_owed");
    const docs = await fetch(`${served.base}/docs`, { redirect: "follow" });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("swagger-ui");
  });

  // bill-query.md, Published tariffs: no customer session, but a kiosk must be a registered one.
  it("publishes the tariffs in force without sign-in, in Chinese, and refuses an unknown kiosk", async () => {
    const r = await call(served, "GET", "/v1/tariffs?month=2026-09", { kiosk: "K01" });
    expect(r.status).toBe(200);
    expect(r.body.month).toBe("2026-09");
    const gt58 = r.body.plans.find((p: { planId: string }) => p.planId === "GT58");
    expect(gt58).toMatchObject({ name: "全球通58元套餐", monthlyFee: "58.00" });
    expect(gt58.voice.map((v: { category: string }) => v.category)).toContain("长途");
    expect(r.body.valueAdded.find((v: { productId: string }) => v.productId === "RING5")).toMatchObject({
      name: "彩铃",
      provider: "咪咕音乐",
      monthlyPrice: "5.00",
    });
    expect((await call(served, "GET", "/v1/tariffs")).status).toBe(200);
    const stranger = await call(served, "GET", "/v1/tariffs", { kiosk: "K99" });
    expect([stranger.status, stranger.body.error.code]).toEqual([401, "unknown_kiosk"]);
    const bad = await call(served, "GET", "/v1/tariffs?month=2026-13", { kiosk: "K01" });
    expect([bad.status, bad.body.error.code]).toEqual([400, "invalid_month"]);
  });

  it("lists the six queryable months with their summaries", async () => {
    const token = await signIn(served, ALICE, "K01");
    const r = await call(served, "GET", "/v1/months", { token, kiosk: "K01" });
    expect(r.status).toBe(200);
    expect(r.body.months.map((m: { month: string }) => m.month)).toEqual(MONTHS);
    const september = r.body.months[1].summary;
    expect(september).toMatchObject({ month: "2026-09", monthlyFee: "58.00", credits: "6.88", total: "67.94" });
    expect(september.usage.voice).toEqual({
      records: 10,
      charge: "2.84",
      billed: "2.87",
      allowance: { included: 3, used: 3, left: 0, unit: "min" },
      allowanceZh: "已用 3分钟，剩余 0分钟",
    });
    // October so far: the fee and the two subscriptions, no usage yet.
    expect(r.body.months[0].summary.total).toBe("66.00");
    const one = await call(served, "GET", "/v1/months/2026-09", { token, kiosk: "K01" });
    expect(one.body).toEqual(september);
  });

  it("pages through a month's records in start-time order, filtered by service", async () => {
    const token = await signIn(served, ALICE);
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `limit=4${cursor ? `&cursor=${cursor}` : ""}`;
      const r = await call(served, "GET", `/v1/months/2026-09/records?${query}`, { token });
      expect(r.status).toBe(200);
      ids.push(...r.body.records.map((x: { recordId: string }) => x.recordId));
      cursor = r.body.next;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(5);
    expect(ids).toEqual(SEPTEMBER_RECORD_IDS);
    const data = await call(served, "GET", "/v1/months/2026-09/records?service=data", { token });
    expect(data.body.records.map((x: { recordId: string }) => x.recordId)).toEqual(["D01", "D02", "D03", "D04"]);
    expect(data.body.next).toBeNull();
    const v02 = (await call(served, "GET", "/v1/months/2026-09/records?limit=2", { token })).body.records[1];
    expect(v02).toEqual(SEPTEMBER_V02);
  });

  it("exports the month as CSV: Chinese headers, UTF-8 with a byte order mark, the columns of the screen", async () => {
    const token = await signIn(served, ALICE);
    const r = await call(served, "GET", "/v1/months/2026-09/records.csv", { token });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/csv; charset=utf-8");
    const bytes = new Uint8Array(
      await (
        await fetch(`${served.base}/v1/months/2026-09/records.csv`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).arrayBuffer(),
    );
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = r.text.replace(/^\uFEFF/, "").split("\r\n");
    expect(lines[0]).toBe(STATEMENT_CSV_HEADER.join(","));
    expect(lines[0]).toBe(
      "起始时间,业务,通信方式,通信地点,对方号码,通信时长/流量,通信类型,套餐优惠,应收(元),实收(元),计费说明",
    );
    expect(lines).toHaveLength(1 + 17 + 1);
    expect(lines[2]).toBe(
      "2026-09-01 10:00:00,语音,主叫,杭州,01066668888,1分1秒,长途,,0.50,0.50,长途 杭州→北京 2分钟 × 0.25元 = 0.50元（套餐内分钟已用完）",
    );
  });

  it.each([
    ["/v1/months/2026-04", 400, "month_out_of_window"],
    ["/v1/months/2026-11", 400, "month_out_of_window"],
    ["/v1/months/2026-9", 400, "invalid_month"],
    ["/v1/months/2026-13/records", 400, "invalid_month"],
    ["/v1/months/September", 400, "invalid_month"],
    ["/v1/months/2026-09/records?limit=0", 400, "invalid_request"],
    ["/v1/months/2026-09/records?limit=101", 400, "invalid_request"],
    ["/v1/months/2026-09/records?service=fax", 400, "invalid_request"],
    ["/v1/months/2026-09/records?cursor=bm9wZQ", 400, "invalid_cursor"],
    ["/v1/months/2026-09/records?msisdn=13805710001", 400, "invalid_request"],
    ["/v1/nothing-here", 404, "not_found"],
  ])("answers %s with %i %s as JSON, no stack trace", async (path, status, code) => {
    const token = await signIn(served, ALICE);
    const r = await call(served, "GET", path, { token });
    expect([r.status, r.body?.error?.code]).toEqual([status, code]);
    expect(typeof r.body.error.message).toBe("string");
    expect(r.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    if (code === "month_out_of_window") expect(r.body.error.queryable).toEqual(MONTHS);
  });

  it("says there is no bill for a queryable month before the subscriber joined", async () => {
    const token = await signIn(served, CAROL);
    const r = await call(served, "GET", "/v1/months/2026-08/records", { token });
    expect([r.status, r.body.error.code]).toEqual([404, "no_bill"]);
    const months = (await call(served, "GET", "/v1/months", { token })).body.months;
    expect(months.map((m: { summary: unknown }) => m.summary !== null)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it("refuses malformed bodies and unknown kiosks with JSON errors", async () => {
    const broken = await call(served, "POST", "/v1/sessions", { body: "{not json" });
    expect([broken.status, broken.body.error.code]).toEqual([400, "invalid_request"]);
    const both = await call(served, "POST", "/v1/sessions", { body: { ...ALICE, code: "123456" } });
    expect([both.status, both.body.error.code]).toEqual([400, "invalid_request"]);
    const stranger = await call(served, "POST", "/v1/sessions", { kiosk: "K99", body: ALICE });
    expect([stranger.status, stranger.body.error.code]).toEqual([401, "unknown_kiosk"]);
    const wrongKey = await call(served, "GET", "/v1/months", { kiosk: "K01", kioskKey: served.kiosks.K02 });
    expect([wrongKey.status, wrongKey.body.error.code]).toEqual([401, "unknown_kiosk"]);
    const anonymous = await call(served, "GET", "/v1/months/2026-09");
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, "unauthenticated"]);
  });

  it("never shows one msisdn's data to another's session, whatever the request says", async () => {
    const token = await signIn(served, BOB, "K01");
    const alice = await signIn(served, ALICE, "K01");
    const aliceCursor = (
      await call(served, "GET", "/v1/months/2026-09/records?limit=3", { token: alice, kiosk: "K01" })
    ).body.next as string;
    const attempts = [
      ["GET", "/v1/months"],
      ["GET", "/v1/months?msisdn=13805710001"],
      ["GET", "/v1/months/2026-09"],
      ["GET", "/v1/months/2026-09?msisdn=13805710001"],
      ["GET", "/v1/months/13805710001"],
      ["GET", "/v1/months/2026-09/records"],
      ["GET", "/v1/months/2026-09/records?msisdn=13805710001"],
      ["GET", `/v1/months/2026-09/records?cursor=${aliceCursor}`],
      ["GET", "/v1/months/2026-09/records.csv"],
      ["GET", "/v1/months/2026-09/records.csv?msisdn=13805710001"],
      ["GET", "/v1/months/2026-09/../13805710001/records"],
      ["GET", "/v1/13805710001/months/2026-09/records"],
      ["GET", "/v1/months/2026-09/records/13805710001"],
      ["GET", "/v1/months/2026-09%2F..%2F13805710001"],
    ] as const;
    for (const [method, path] of attempts) {
      const tries: Record<string, string>[] = [{}, { "x-msisdn": ALICE.msisdn }, { cookie: `msisdn=${ALICE.msisdn}` }];
      for (const headers of tries) {
        const r = await call(served, method, path, { token, kiosk: "K01", headers });
        expect(r.text, `${method} ${path}`).not.toContain(ALICE.msisdn);
        expect(r.text, `${method} ${path}`).not.toMatch(/"V0\d"|\bV0\d,|"S0\d"|"D0\d"/);
      }
    }
    const months = await call(served, "GET", "/v1/months", { token, kiosk: "K01" });
    expect(months.body.months[1].summary).toMatchObject({ total: "58.00", usage: { voice: { records: 0 } } });
    const body = await call(served, "GET", "/v1/months", { token, kiosk: "K01", body: undefined });
    expect(body.status).toBe(200);
    // A session opened at one kiosk is refused at another, and on the web.
    expect((await call(served, "GET", "/v1/months", { token, kiosk: "K02" })).body.error.code).toBe("unauthenticated");
    expect((await call(served, "GET", "/v1/months", { token })).body.error.code).toBe("unauthenticated");
    // Another's token is another's session: Bob cannot sign in as Alice with his own password.
    const cross = await call(served, "POST", "/v1/sessions", {
      body: { msisdn: ALICE.msisdn, password: BOB.password },
    });
    expect(cross.body.error.code).toBe("invalid_credentials");
  });

  it("ends a session after three idle minutes, and a sign-out at once", async () => {
    const token = await signIn(served, ALICE);
    served.clock.now += 170_000;
    expect((await call(served, "GET", "/v1/months/2026-09", { token })).status).toBe(200);
    served.clock.now += 170_000;
    expect((await call(served, "GET", "/v1/months/2026-09", { token })).status).toBe(200);
    served.clock.now += 181_000;
    const late = await call(served, "GET", "/v1/months/2026-09", { token });
    expect([late.status, late.body.error.code]).toEqual([401, "unauthenticated"]);
    const again = await signIn(served, ALICE);
    expect((await call(served, "DELETE", "/v1/sessions/current", { token: again })).status).toBe(204);
    expect((await call(served, "GET", "/v1/months", { token: again })).status).toBe(401);
  });

  it("locks an msisdn after five wrong passwords, for fifteen minutes, whatever the kiosk", async () => {
    const wrong = { msisdn: BOB.msisdn, password: "000000" };
    for (let i = 0; i < 4; i++) {
      const r = await call(served, "POST", "/v1/sessions", { kiosk: "K01", body: wrong });
      expect(r.body.error.code).toBe("invalid_credentials");
    }
    const fifth = await call(served, "POST", "/v1/sessions", { kiosk: "K01", body: wrong });
    expect([fifth.status, fifth.body.error.code, fifth.body.error.scope]).toEqual([429, "locked", "msisdn"]);
    const right = await call(served, "POST", "/v1/sessions", { kiosk: "K02", body: BOB });
    expect([right.status, right.body.error.code]).toEqual([429, "locked"]);
    expect(right.body.error.retryAfterSeconds).toBeGreaterThan(800);
    served.clock.now += 15 * 60_000 + 1000;
    expect((await call(served, "POST", "/v1/sessions", { kiosk: "K02", body: BOB })).status).toBe(201);
  });

  it("locks a kiosk after twenty wrong answers, any numbers, while other kiosks go on", async () => {
    for (let i = 0; i < 20; i++) {
      await call(served, "POST", "/v1/sessions", {
        kiosk: "K02",
        body: { msisdn: `1390000${String(i).padStart(4, "0")}`, password: "111111" },
      });
    }
    const r = await call(served, "POST", "/v1/sessions", { kiosk: "K02", body: ALICE });
    expect([r.status, r.body.error.code, r.body.error.scope]).toEqual([429, "locked", "kiosk"]);
    expect((await call(served, "POST", "/v1/sessions", { kiosk: "K01", body: ALICE })).status).toBe(201);
    served.clock.now += 15 * 60_000 + 1000;
    expect((await call(served, "POST", "/v1/sessions", { kiosk: "K02", body: ALICE })).status).toBe(201);
  });

  it("signs in with a one-time SMS code, once, and sends codes at most once a minute", async () => {
    const sent = served.sms.length;
    const ask = await call(served, "POST", "/v1/sign-in/codes", { kiosk: "K01", body: { msisdn: ALICE.msisdn } });
    expect(ask.status).toBe(202);
    expect(served.sms).toHaveLength(sent + 1);
    const code = /验证码 (\d{6})/.exec(served.sms.at(-1)?.text ?? "")?.[1] as string;
    const soon = await call(served, "POST", "/v1/sign-in/codes", { kiosk: "K01", body: { msisdn: ALICE.msisdn } });
    expect([soon.status, soon.body.error.code]).toEqual([429, "code_too_soon"]);
    const ok = await call(served, "POST", "/v1/sessions", { kiosk: "K01", body: { msisdn: ALICE.msisdn, code } });
    expect(ok.status).toBe(201);
    const reused = await call(served, "POST", "/v1/sessions", { kiosk: "K01", body: { msisdn: ALICE.msisdn, code } });
    expect(reused.body.error.code).toBe("invalid_credentials");
    // A number that is not a subscriber gets the same answer, and no SMS.
    const stranger = await call(served, "POST", "/v1/sign-in/codes", { body: { msisdn: "13700000000" } });
    expect(stranger.status).toBe(202);
    expect(served.sms).toHaveLength(sent + 1);
  });

  it("shows new stored data within a second of a run, and not before", async () => {
    const token = await signIn(served, CAROL);
    const count = async () =>
      (await call(served, "GET", "/v1/months/2026-09/records", { token })).body.records.length as number;
    const before = await count();
    const db = served.scratch.database.db;
    await storeSms(served.scratch.database, "2026-09", CAROL.msisdn, "010", [
      { recordId: "LATE1", at: "2026-09-20T08:00:00+08:00", line: 2 },
    ]);
    expect(await count()).toBe(before);
    await sql`insert into runs (run_id, shard, started_at, finished_at, status, input_digests)
      values ('late', '1/1', now(), now(), 'finished', '{}')`.execute(db);
    served.clock.now += 1_001;
    expect(await count()).toBe(before + 1);
  });

  it("writes every bill read to the access log: who, which month, when, from which kiosk", async () => {
    const token = await signIn(served, ALICE, "K01");
    await call(served, "GET", "/v1/months/2026-09/records?limit=2", { token, kiosk: "K01" });
    await call(served, "GET", "/v1/months/2026-08/records.csv", { token, kiosk: "K01" });
    const rows = await served.scratch.database.db
      .selectFrom("access_log")
      .selectAll()
      .where("msisdn", "=", ALICE.msisdn)
      .orderBy("id", "desc")
      .limit(3)
      .execute();
    expect(rows.map((r) => [r.action, r.bill_month, r.kiosk_id, r.at.getTime()])).toEqual([
      ["csv", "2026-08", "K01", served.clock.now],
      ["records", "2026-09", "K01", served.clock.now],
      ["sign_in", null, "K01", served.clock.now],
    ]);
    expect(new Set(rows.map((r) => r.session_id)).size).toBe(1);
    expect(rows[0]?.session_id).not.toBe(token);
    expect(rows[0]?.client_address).toBe("127.0.0.1");
  });

  it("checks at most five of a burst of fifty wrong passwords, and refuses the right one in or after the burst", async () => {
    const wrong = { msisdn: CAROL.msisdn, password: "000000" };
    const burst = Array.from({ length: 50 }, (_, i) =>
      call(served, "POST", "/v1/sessions", { kiosk: "K01", body: i === 10 || i === 30 ? CAROL : wrong }),
    );
    const answers = await Promise.all(burst);
    const codes = answers.map((r) => r.body?.error?.code ?? r.status);
    expect(codes.filter((c) => c === "invalid_credentials").length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 201)).toEqual([]);
    expect(codes.every((c) => c === "invalid_credentials" || c === "locked")).toBe(true);
    const after = await call(served, "POST", "/v1/sessions", { kiosk: "K02", body: CAROL });
    expect([after.status, after.body.error.code]).toEqual([429, "locked"]);
    served.clock.now += 15 * 60_000 + 1000;
    expect((await call(served, "POST", "/v1/sessions", { kiosk: "K02", body: CAROL })).status).toBe(201);
  });

  it("rotates a kiosk's key at once: the old key is refused, the new one taken", async () => {
    const old = served.kiosks.K02 as string;
    const fresh = await registerKiosk(served.scratch.database, "K02", "Hangzhou West Lake hall");
    const stale = await call(served, "POST", "/v1/sessions", { kiosk: "K02", kioskKey: old, body: ALICE });
    expect([stale.status, stale.body.error.code]).toEqual([401, "unknown_kiosk"]);
    expect((await call(served, "POST", "/v1/sessions", { kiosk: "K02", kioskKey: fresh, body: ALICE })).status).toBe(
      201,
    );
  });

  it("answers what the framework refuses before routing in the product's error shape", async () => {
    const long = await call(served, "GET", `/v1/months/${"9".repeat(150)}`);
    expect([long.status, long.body.error.code]).toEqual([414, "uri_too_long"]);
    const badEscape = await call(served, "GET", "/v1/months/%zz");
    expect([badEscape.status, badEscape.body.error.code]).toEqual([400, "invalid_request"]);
  });
});
