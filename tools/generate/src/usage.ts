import { formatDate, formatTimestamp, type MonthSpan, startOfDayMs, type UsageRecord } from "@billing/rating";
import { AREAS, MOBILE_PREFIXES, SPECIAL_NUMBERS, UNKNOWN_PREFIXES } from "./catalogue.js";
import type { GeneratedSubscriber } from "./population.js";
import type { Random } from "./random.js";

const AREA_CODES = Object.keys(AREAS);
const PREFIXES = Object.keys(MOBILE_PREFIXES);

/** How a generated CDR row is written: a good record, or one of the feed's defects. */
export type CdrRow =
  | { readonly kind: "record"; readonly record: UsageRecord; readonly startText: string }
  | { readonly kind: "malformed"; readonly fields: readonly string[]; readonly reason: string };

export interface MonthUsage {
  /** Good records of the month, including second deliveries of one event. */
  readonly records: UsageRecord[];
  /** Rows as written to the file, in order: records, repeated ids and malformed rows. */
  readonly rows: CdrRow[];
}

/**
 * One subscriber's usage in one month: calls, messages and data sessions at
 * random times of the days the subscriber is active (and a rare one before
 * activation), with the defects of a real feed: an event delivered twice, a
 * row repeated with the same id, a malformed row, an unknown prefix.
 */
export function generateUsage(
  random: Random,
  subscriber: GeneratedSubscriber,
  span: MonthSpan,
  perSubscriber: number,
  nextId: () => string,
  groupMates: readonly string[],
): MonthUsage {
  const active = activeDays(subscriber, span);
  const records: UsageRecord[] = [];
  const rows: CdrRow[] = [];
  if (active.length === 0) return { records, rows };
  const count = random.int(Math.floor(perSubscriber / 2), Math.ceil((perSubscriber * 3) / 2));
  for (let i = 0; i < count; i++) {
    const beforeActivation = random.chance(0.005) && active[0] !== span.firstDay;
    const day = beforeActivation ? span.firstDay : random.pick(active);
    const startMs = startOfDayMs(day) + random.int(0, 86_399) * 1000;
    const record = generateRecord(random, subscriber, startMs, nextId(), groupMates);
    records.push(record);
    rows.push({ kind: "record", record, startText: startText(random, startMs) });
    if (random.chance(0.004)) {
      const twin = { ...record, recordId: `${record.recordId}R` };
      records.push(twin);
      rows.push({ kind: "record", record: twin, startText: startText(random, startMs) });
    }
    if (random.chance(0.002)) rows.push({ kind: "record", record, startText: startText(random, startMs) });
    if (random.chance(0.002)) rows.push(malformed(random, record, startMs));
  }
  return { records, rows };
}

function activeDays(subscriber: GeneratedSubscriber, span: MonthSpan): number[] {
  const days: number[] = [];
  for (let day = span.firstDay; day < span.endDay; day++) {
    const date = formatDate(day);
    if (subscriber.periods.some((p) => p.activeFrom <= date && (p.activeTo === null || p.activeTo > date)))
      days.push(day);
  }
  return days;
}

/** Half of the times are written in UTC, as some switches do. */
function startText(random: Random, ms: number): string {
  return random.chance(0.5) ? formatTimestamp(ms) : new Date(ms).toISOString().replace(".000Z", "Z");
}

function generateRecord(
  random: Random,
  subscriber: GeneratedSubscriber,
  startMs: number,
  recordId: string,
  groupMates: readonly string[],
): UsageRecord {
  const roll = random.next();
  const service = roll < 0.5 ? "voice" : roll < 0.7 ? "sms" : "data";
  const roaming = random.chance(0.08);
  const visitedArea = roaming ? random.pick(AREA_CODES.filter((a) => a !== subscriber.homeArea)) : subscriber.homeArea;
  if (service === "data") {
    const bytes = random.chance(0.03)
      ? 0
      : random.int(0, 1) === 0
        ? random.int(1, 200_000)
        : random.int(200_000, 30_000_000);
    const up = Math.floor(bytes * random.next() * 0.3);
    return base(subscriber, recordId, "data", null, "", startMs, 0, up, bytes - up, visitedArea);
  }
  const direction = random.chance(service === "voice" ? 0.7 : 0.8) ? "out" : "in";
  const otherParty = pickParty(random, subscriber, groupMates);
  const durationS =
    service === "sms" ? 0 : random.chance(0.03) ? 0 : random.chance(0.7) ? random.int(1, 180) : random.int(181, 3600);
  return base(subscriber, recordId, service, direction, otherParty, startMs, durationS, 0, 0, visitedArea);
}

function pickParty(random: Random, subscriber: GeneratedSubscriber, groupMates: readonly string[]): string {
  const roll = random.next();
  const mobile = (prefix: string) => `${prefix}${String(random.int(0, 9999)).padStart(4, "0")}`;
  if (roll < 0.25) return String(random.int(20_000_000, 89_999_999));
  if (roll < 0.55) return mobile(random.pick(PREFIXES));
  if (roll < 0.65) return `${random.pick(AREA_CODES)}${random.int(20_000_000, 89_999_999)}`;
  if (roll < 0.7) return `+86${mobile(random.pick(PREFIXES))}`;
  if (roll < 0.75)
    return random.chance(0.5)
      ? `+852${random.int(20_000_000, 99_999_999)}`
      : `001415${random.int(2_000_000, 9_999_999)}`;
  if (roll < 0.8) return random.pick(SPECIAL_NUMBERS);
  if (roll < 0.805) return mobile(random.pick(UNKNOWN_PREFIXES));
  const mates = groupMates.filter((m) => m !== subscriber.msisdn);
  return mates.length > 0 ? random.pick(mates) : mobile(random.pick(PREFIXES));
}

function base(
  subscriber: GeneratedSubscriber,
  recordId: string,
  service: UsageRecord["service"],
  direction: UsageRecord["direction"],
  otherParty: string,
  startMs: number,
  durationS: number,
  bytesUp: number,
  bytesDown: number,
  visitedArea: string,
): UsageRecord {
  return {
    recordId,
    msisdn: subscriber.msisdn,
    service,
    direction,
    otherParty,
    startMs,
    durationS,
    bytesUp,
    bytesDown,
    visitedArea,
  };
}

function malformed(random: Random, record: UsageRecord, startMs: number): CdrRow {
  const fields = cdrFields(record, formatTimestamp(startMs));
  const which = random.int(0, 2);
  // A broken second copy of a record delivered whole: quarantined, and no record of the month is missing.
  const id = record.recordId;
  if (which === 0)
    return {
      kind: "malformed",
      fields: [id, ...fields.slice(1, 5), `${formatTimestamp(startMs).slice(0, 7)}-45T99:00:00`, ...fields.slice(6)],
      reason: "start_time",
    };
  if (which === 1)
    return { kind: "malformed", fields: [id, fields[1] as string, "video", ...fields.slice(3)], reason: "service" };
  return { kind: "malformed", fields: [id, "1380", ...fields.slice(2)], reason: "msisdn" };
}

/** A record as the fields of a cdr-*.csv row, in CDR_COLUMNS order. */
export function cdrFields(r: UsageRecord, startText: string): string[] {
  const isVoice = r.service === "voice";
  const isData = r.service === "data";
  return [
    r.recordId,
    r.msisdn,
    r.service,
    r.direction ?? "",
    r.otherParty,
    startText,
    isVoice ? String(r.durationS) : "",
    isData ? String(r.bytesUp) : "",
    isData ? String(r.bytesDown) : "",
    r.visitedArea,
  ];
}
