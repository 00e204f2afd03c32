import type { UsageRecord } from "@billing/rating";
import { sql } from "kysely";

/**
 * The usage columns of a stored CDR as the leading elements of a SQL
 * `json_build_array(…)`. Readers aggregate a subscriber-month's records into
 * one JSON text: decoding thousands of rows one by one (each with a Date)
 * costs PGlite about 20 µs a row and cost the nightly run more than rating
 * them; one text value and JSON.parse do not.
 */
export const USAGE_JSON_FIELDS = sql.raw(
  "record_id, service, direction, other_party, (extract(epoch FROM start_time) * 1000)::bigint, duration_s, bytes_up, bytes_down, visited_area",
);

/** One record as built by USAGE_JSON_FIELDS, with whatever the reader added after them. */
export type UsageJson = [
  recordId: string,
  service: UsageRecord["service"],
  direction: UsageRecord["direction"],
  otherParty: string,
  startMs: number,
  durationS: number,
  bytesUp: number,
  bytesDown: number,
  visitedArea: string,
  ...rest: unknown[],
];

export function usageFromJson(msisdn: string, r: UsageJson): UsageRecord {
  return {
    recordId: r[0],
    msisdn,
    service: r[1],
    direction: r[2],
    otherParty: r[3],
    startMs: r[4],
    durationS: r[5],
    bytesUp: r[6],
    bytesDown: r[7],
    visitedArea: r[8],
  };
}
