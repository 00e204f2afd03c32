import type { UsageRecord } from "./records.js";

/**
 * Records sorted chronologically (start time, then record_id). Two records of
 * one event share every field but the id, so they are neighbours within a
 * run of equal start times; each later one maps to the earliest id of its event.
 */
export function findDuplicateEvents(sorted: readonly UsageRecord[]): Map<string, string> {
  const duplicateOf = new Map<string, string>();
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i] as UsageRecord;
    if (duplicateOf.has(a.recordId)) continue;
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j] as UsageRecord;
      if (b.startMs !== a.startMs) break;
      if (!duplicateOf.has(b.recordId) && sameEvent(a, b)) duplicateOf.set(b.recordId, a.recordId);
    }
  }
  return duplicateOf;
}

export function sameEvent(a: UsageRecord, b: UsageRecord): boolean {
  return (
    a.msisdn === b.msisdn &&
    a.service === b.service &&
    a.direction === b.direction &&
    a.otherParty === b.otherParty &&
    a.startMs === b.startMs &&
    a.durationS === b.durationS &&
    a.bytesUp === b.bytesUp &&
    a.bytesDown === b.bytesDown
  );
}

export function compareChronologically(a: UsageRecord, b: UsageRecord): number {
  if (a.startMs !== b.startMs) return a.startMs - b.startMs;
  return a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0;
}
