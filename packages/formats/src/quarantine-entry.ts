/** A row of an input file that breaks formats.md: kept with its place and reason, never dropped. */
export interface QuarantineEntry {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
  /** The row's record_id and msisdn as read, when it had them: what the unverifiable rule matches on. */
  readonly recordId: string | null;
  readonly msisdn: string | null;
}

/** The columns of quarantine.csv. */
export const QUARANTINE_HEADER = ["file", "line", "reason", "raw"] as const;

/** A quarantine reason without its quoted values, for the summary's count by reason. */
export function reasonKind(reason: string): string {
  return reason.replace(/".*?"/g, "…").replace(/^duplicate record_id .*/, "duplicate record_id");
}
