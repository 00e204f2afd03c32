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
  /**
   * A plan period or subscription row: the bill item it may stand behind,
   * `FEE:<plan_id>` or `VAS:<product_id>` as read, the bare prefix when the id
   * could not be read; null for a usage row.
   */
  readonly referenceItem: string | null;
}

/** Longest record_id kept as read for the unverifiable rule; a longer one counts as unreadable. */
export const RECORD_ID_AS_READ_MOST = 256;

/**
 * A record_id (or plan or product id) as read, or null when it could not be
 * read at all: empty, too long to be one, holding a NUL or bytes that were
 * not UTF-8 (U+FFFD), or opening a quote its row never closed.
 */
export function recordIdAsRead(id: string): string | null {
  if (id === "" || id.length > RECORD_ID_AS_READ_MOST || id.startsWith('"')) return null;
  return id.includes("\u0000") || id.includes("\ufffd") ? null : id;
}

/** Which bill items a reference file's rows stand behind, by file. */
export type ReferenceFile = "subscribers" | "subscriptions";

/**
 * What a malformed row tells of the record behind a bill line, from its
 * fields by column name (`Row`): a CDR row its record_id as read and the
 * bill month of its start time, a bill row its bill month, a reference row
 * the item it may stand behind (`reference`: the file it is a row of).
 */
export function quarantineEvidence(
  row: Row | null,
  reference?: ReferenceFile,
): Pick<QuarantineEntry, "recordId" | "billMonth" | "recordUnreadable" | "referenceItem"> {
  if (reference !== undefined) {
    const [prefix, id] = reference === "subscribers" ? ["FEE:", row?.plan_id] : ["VAS:", row?.product_id];
    const asRead = recordIdAsRead(id ?? "");
    return { recordId: null, billMonth: null, recordUnreadable: false, referenceItem: prefix + (asRead ?? "") };
  }
  if (row === null) return { recordId: null, billMonth: null, recordUnreadable: false, referenceItem: null };
  if ("record_id" in row) {
    const recordId = recordIdAsRead(row.record_id ?? "");
    const startText = row.start_time ?? "";
    const startMs = parseTimestamp(startText);
    // A start time that does not parse still names its month when it begins with one.
    const monthAsRead = parseMonth(startText.slice(0, 7)) ? startText.slice(0, 7) : null;
    return {
      recordId,
      billMonth: startMs === undefined ? monthAsRead : billMonthOf(startMs),
      recordUnreadable: recordId === null,
      referenceItem: null,
    };
  }
  const month = row.bill_month ?? "";
  return {
    recordId: null,
    billMonth: "item_key" in row && parseMonth(month) ? month : null,
    recordUnreadable: false,
    referenceItem: null,
  };
}

/** The columns of quarantine.csv. */
export const QUARANTINE_HEADER = ["file", "line", "reason", "raw"] as const;

/** A quarantine reason without its quoted values, for the summary's count by reason. */
export function reasonKind(reason: string): string {
  return reason.replace(/".*?"/g, "…").replace(/^duplicate record_id .*/, "duplicate record_id");
}
