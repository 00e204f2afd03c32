import fc from "fast-check";
import { type PlanPeriod, parseTimestamp, type UsageRecord, VOICE_CATEGORIES } from "../src/index.js";
import { GROUP_MATE, ME, planJson } from "./builders.js";

/** A decimal string with zero to four decimals, as tariffs publish them. */
export const priceText = (maxE4 = 99_999) =>
  fc.tuple(fc.integer({ min: 0, max: maxE4 }), fc.integer({ min: 0, max: 4 })).map(([e4, decimals]) => {
    const whole = Math.floor(e4 / 10_000);
    const fraction = String(e4 % 10_000)
      .padStart(4, "0")
      .slice(0, decimals);
    return decimals === 0 ? String(whole) : `${whole}.${fraction}`;
  });

const rate = fc.record({ price: priceText(20_000), unit_s: fc.constantFrom(1, 6, 30, 60, 90) });
const clock = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30))
  .map(([h, m]) => `${String(h).padStart(2, "0")}:${m === 0 ? "00" : "30"}`);

export const planArb = fc
  .record({
    voice: fc.tuple(...VOICE_CATEGORIES.map(() => rate)),
    included: fc.record({
      voice_minutes: fc.integer({ min: 0, max: 20 }),
      voice_categories: fc.subarray([...VOICE_CATEGORIES]),
      sms: fc.integer({ min: 0, max: 5 }),
      data_mb: fc.integer({ min: 0, max: 3 }),
    }),
    offPeak: fc.option(fc.record({ from: clock, to: clock, local: rate, ld: fc.option(rate) })),
    sms: fc.record({ domestic: priceText(5_000), international: priceText(20_000) }),
    data: fc.record({ price_per_mb: priceText(30_000), cap: fc.option(priceText(500_000)) }),
    fee: priceText(2_000_000),
  })
  .map((p) =>
    planJson({
      monthly_fee: p.fee,
      voice: Object.fromEntries(VOICE_CATEGORIES.map((c, i) => [c, p.voice[i]])),
      included: p.included,
      ...(p.offPeak && p.offPeak.from !== p.offPeak.to
        ? {
            off_peak: {
              from: p.offPeak.from,
              to: p.offPeak.to,
              voice: { local_out: p.offPeak.local, ...(p.offPeak.ld ? { ld_out: p.offPeak.ld } : {}) },
            },
          }
        : {}),
      sms: p.sms,
      data: { price_per_mb: p.data.price_per_mb, ...(p.data.cap ? { monthly_cap: p.data.cap } : {}) },
    }),
  );

export const periodArb: fc.Arbitrary<PlanPeriod> = fc
  .record({
    from: fc.integer({ min: 0, max: 29 }),
    to: fc.option(fc.integer({ min: 1, max: 30 })),
    started: fc.boolean(),
  })
  .map(({ from, to, started }) => {
    const fromDay = started ? 1 : from + 1;
    const toDay = to === null || to + 1 <= fromDay ? null : to + 1;
    const d = (n: number) => `2026-09-${String(n).padStart(2, "0")}`;
    return {
      msisdn: ME,
      accountId: "A1",
      planId: "P1",
      activeFrom: started ? "2024-01-01" : d(fromDay),
      activeTo: toDay === null ? null : toDay === 31 ? "2026-10-01" : d(toDay),
      homeArea: "0571",
      vpmnGroup: "G1",
      payment: "postpaid",
    };
  });

const SEPTEMBER_START = parseTimestamp("2026-09-01T00:00:00+08:00") as number;
const SEPTEMBER_MS = 30 * 86_400_000;

const parties = fc.constantFrom(
  "88012345",
  "01066668888",
  "057188880000",
  "13805719999",
  "13500101234",
  GROUP_MATE,
  "+85291234567",
  "0014155550100",
  "10086",
  "13711112222",
  "+8613605740000",
);

const recordArb = fc
  .record({
    service: fc.constantFrom("voice", "voice", "sms", "data"),
    direction: fc.constantFrom("in", "out", "out"),
    otherParty: parties,
    offset: fc.integer({ min: 0, max: SEPTEMBER_MS / 1000 - 1 }),
    duration: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 7200 })),
    bytes: fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 0, max: 5_000_000 })),
    visited: fc.constantFrom("0571", "0571", "021"),
  })
  .map(
    (r): Omit<UsageRecord, "recordId"> => ({
      msisdn: ME,
      service: r.service as UsageRecord["service"],
      direction: r.service === "data" ? null : (r.direction as UsageRecord["direction"]),
      otherParty: r.service === "data" ? "" : r.otherParty,
      startMs: SEPTEMBER_START + r.offset * 1000,
      durationS: r.service === "voice" ? r.duration : 0,
      bytesUp: r.service === "data" ? r.bytes : 0,
      bytesDown: 0,
      visitedArea: r.visited,
    }),
  );

/** A month of records of ME with unique ids, some events delivered twice, some sharing a start time. */
export const recordsArb: fc.Arbitrary<UsageRecord[]> = fc
  .tuple(fc.array(recordArb, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 4 }))
  .map(([records, twins]) => {
    const withTwins = [...records];
    for (const t of twins)
      if (records.length > 0) withTwins.push({ ...(records[t % records.length] as (typeof records)[0]) });
    return withTwins.map((r, i) => ({ ...r, recordId: `R${String(i).padStart(3, "0")}` }));
  });
