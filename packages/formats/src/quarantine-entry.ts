import { billMonthOf, parseMonth, parseTimestamp } from "@billing/rating";
import type { Row } from "./row-parsers.js";

/** A row of an input file that breaks formats.md: kept with its place and reason, never dropped. */
export interface QuarantineEntry {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
  /** The row's record_id as read (however malformed the rest) and its msisdn when valid: what the unverifiable rule matches on. */
  readonly recordId: string | null;
  readonly msisdn: string | null;
  /** The bill month the row's own fields name, when they name one. */
  readonly billMonth: string | null;
  /** A CDR row whose record_id could not be read at all: every unmatched usage line of its msisdn and month is unverifiable. */
  readonly recordUnreadable: boolean;
}

/** Longest record_id kept as read for the unverifiable rule; a longer one counts as unreadable. */
export const RECORD_ID_AS_READ_MOST = 256;

/** A record_id as read, or null when it could not be read at all (empty, too long to be one, or holding a NUL). */
export function recordIdAsRead(id: string): string | null {
  return id !== "" && id.length <= RECORD_ID_AS_READ_MOST && !id.includes("\u0000") ? id : null;
}

/**
 * What a malformed row tells of the record behind a bill line, from its
 * fields by column name (`Row`): a CDR row its record_id as read and the
 * bill month of its start time, a bill row its bill month; other rows nothing.
 */
export function quarantineEvidence(
  row: Row | null,
): Pick<QuarantineEntry, "recordId" | "billMonth" | "recordUnreadable"> {
  if (row === null) return { recordId: null, billMonth: null, recordUnreadable: false };
  if ("record_id" in row) {
    const recordId = recordIdAsRead(row.record_id ?? "");
    const startMs = parseTimestamp(row.start_time ?? "");
    return {
      recordId,
      billMonth: startMs === undefined ? null : billMonthOf(startMs),
      recordUnreadable: recordId === null,
    };
  }
  const month = row.bill_month ?? "";
  return { recordId: null, billMonth: "item_key" in row && parseMonth(month) ? month : null, recordUnreadable: false };
}

/** The columns of quarantine.csv. */
export const QUARANTINE_HEADER = ["file", "line", "reason", "raw"] as const;

/** A quarantine reason without its quoted values, for the summary's count by reason. */
export function reasonKind(reason: string): string {
  return reason.replace(/".*?"/g, "…").replace(/^duplicate record_id .*/, "duplicate record_id");
}
