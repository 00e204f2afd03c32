import { analyseNumber, type Catalogue, dayOf, formatDate, type PlanPeriod, type RatedItem } from "@billing/rating";
import type { QuarantineEvidence } from "./quarantine-evidence.js";

/**
 * Items whose correct charge the run cannot be sure of, with why (decision
 * 19): a record the run could not read would have drawn on the month's
 * allowance or cap before them, or the call's VPMN rate hangs on the other
 * party's plan period, which was quarantined. Such an item is never refunded
 * as an overcharge: it is unverifiable.
 */
export function uncertainItems(
  items: readonly RatedItem[],
  periods: readonly PlanPeriod[],
  catalogue: Catalogue,
  quarantined: QuarantineEvidence,
  billedKeys: readonly string[] = [],
): Map<string, string> {
  const uncertain = new Map<string, string>();
  const rated = new Set(items.map((i) => i.itemKey));
  // A quarantined row whose record was delivered again since is no missing record; one whose
  // msisdn could not be read is the subscriber's when the bill names its record_id.
  let missing =
    quarantined.usageRows.find(([id]) => id === null || !rated.has(id))?.[1] ??
    billedKeys.map((k) => (rated.has(k) ? undefined : quarantined.recordReason(k))).find((r) => r !== undefined);
  let missingWhy = "a record of the month may be missing";
  for (const item of items) {
    const record = item.record;
    if (record === null || record.service !== "voice" || record.direction !== "out") continue;
    const group = groupAt(periods, formatDate(dayOf(record.startMs)));
    if (group === null) continue;
    const number = analyseNumber(record.otherParty, catalogue.numberPlan);
    if (number.kind !== "mobile") continue;
    const reason = quarantined.otherPartyReason(number.number);
    if (reason === undefined) continue;
    uncertain.set(item.itemKey, `VPMN rate unknown: a plan period of ${number.number} was quarantined: ${reason}`);
    if (missing === undefined) {
      missing = reason;
      missingWhy = `the VPMN rate of a call to ${number.number} is unknown`;
    }
  }
  if (missing === undefined) return uncertain;
  for (const item of items) {
    if (uncertain.has(item.itemKey) || !drawsOnPool(item)) continue;
    uncertain.set(item.itemKey, `draws on the month's allowance or cap, and ${missingWhy}: ${missing}`);
  }
  return uncertain;
}

function groupAt(periods: readonly PlanPeriod[], day: string): string | null {
  for (const p of periods) if (p.activeFrom <= day && (p.activeTo === null || day < p.activeTo)) return p.vpmnGroup;
  return null;
}

/** Whether an item's charge depends on what other records of the month used: an allowance or the data cap. */
function drawsOnPool(item: RatedItem): boolean {
  const e = item.explanation;
  if (e.kind === "voice") return e.allowanceMinutes !== null;
  if (e.kind === "sms") return e.allowanceMessages !== null;
  if (e.kind === "data") return e.allowanceKb.included > 0 || e.cap !== null;
  return false;
}
