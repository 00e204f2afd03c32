/**
 * Rates generated records in memory, one subscriber-month at a time, and
 * prints records per second beside a baseline loop that only reads the same
 * records. Usage: node scripts/dist/bench-rating.js [records] [records-per-subscriber]
 */
import { readFileSync } from "node:fs";
import {
  type Directory,
  type PlanPeriod,
  parseCatalogueText,
  parseTimestamp,
  rateSubscriberMonth,
  type UsageRecord,
} from "@billing/rating";
import { best, fmt, peakRssMb, seeded } from "./lib/measure.js";

const total = Number(process.argv[2] ?? 2_000_000);
const perSubscriber = Number(process.argv[3] ?? 100);
const parsed = parseCatalogueText(readFileSync(new URL("../../test-data/basic/tariffs.json", import.meta.url), "utf8"));
if (!parsed.ok) throw new Error("sample catalogue refused");
const catalogue = parsed.catalogue;

const random = seeded(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
const monthStart = parseTimestamp("2026-09-01T00:00:00+08:00") as number;
const parties = [
  "88012345",
  "01066668888",
  "13905710002",
  "13500101234",
  "+85291234567",
  "10086",
  "13605741234",
  "0014155550100",
];
const subscribers = Math.ceil(total / perSubscriber);
const groups: { msisdn: string; periods: PlanPeriod[]; records: UsageRecord[] }[] = [];
let made = 0;
for (let s = 0; s < subscribers; s++) {
  const msisdn = `1380571${String(s).padStart(4, "0")}`;
  const periods: PlanPeriod[] = [
    {
      msisdn,
      accountId: `A${s}`,
      planId: s % 2 === 0 ? "GT58" : "EZ18",
      activeFrom: "2024-01-01",
      activeTo: null,
      homeArea: "0571",
      vpmnGroup: s % 5 === 0 ? "G1" : null,
      payment: s % 3 === 0 ? "prepaid" : "postpaid",
    },
  ];
  const records: UsageRecord[] = [];
  for (let i = 0; i < perSubscriber && made < total; i++, made++) {
    const kind = random();
    const service = kind < 0.5 ? "voice" : kind < 0.7 ? "sms" : "data";
    records.push({
      recordId: `R${s}-${i}`,
      msisdn,
      service,
      direction: service === "data" ? null : random() < 0.7 ? "out" : "in",
      otherParty: service === "data" ? "" : pick(parties),
      startMs: monthStart + Math.floor(random() * 30 * 86_400) * 1000,
      durationS: service === "voice" ? Math.floor(random() * 600) : 0,
      bytesUp: service === "data" ? Math.floor(random() * 2_000_000) : 0,
      bytesDown: service === "data" ? Math.floor(random() * 8_000_000) : 0,
      visitedArea: random() < 0.9 ? "0571" : "021",
    });
  }
  groups.push({ msisdn, periods, records });
}
const directory: Directory = { vpmnGroupAt: (m) => (m === "13905710002" ? "G1" : null) };

let sink = 0;
const baseline = best(3, () => {
  for (const g of groups) {
    for (const r of g.records) sink += r.durationS + r.bytesUp + r.bytesDown + r.otherParty.length + r.startMs;
  }
});
let items = 0;
const rating = best(3, () => {
  items = 0;
  for (const g of groups) {
    const month = rateSubscriberMonth({
      billMonth: "2026-09",
      msisdn: g.msisdn,
      periods: g.periods,
      subscriptions: [],
      records: g.records,
      catalogue,
      directory,
    });
    items += month.items.length;
  }
});

console.log(
  `bench-rating: ${fmt(made)} records, ${fmt(subscribers)} subscriber-months, ${fmt(items)} items (best of 3, one core)`,
);
console.log(`  baseline (read every record):  ${fmt(made / baseline)} records/s  (${baseline.toFixed(3)} s)`);
console.log(`  rating (rateSubscriberMonth): ${fmt(made / rating)} records/s  (${rating.toFixed(3)} s)`);
console.log(`  rating / baseline time ratio: ${(rating / baseline).toFixed(1)}×   target ≥ 2,000,000 records/s`);
console.log(`  peak RSS: ${fmt(peakRssMb())} MB${sink === -1 ? "" : ""}`);
