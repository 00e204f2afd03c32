import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type Catalogue,
  type Directory,
  type PlanPeriod,
  parseCatalogueText,
  parseDate,
  parseTimestamp,
  type Service,
  type Subscription,
  type UsageRecord,
} from "../src/index.js";

export const TEST_DATA = fileURLToPath(new URL("../../../test-data/", import.meta.url));

/** Rows of a committed fixture CSV (no quoted fields in these fixtures). */
export function readRows(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const names = (header as string).split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], v])));
}

export function loadCatalogue(path: string): Catalogue {
  const result = parseCatalogueText(readFileSync(path, "utf8"));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.catalogue;
}

export function toPeriod(r: Record<string, string>): PlanPeriod {
  return {
    msisdn: r.msisdn as string,
    accountId: r.account_id as string,
    planId: r.plan_id as string,
    activeFrom: r.active_from as string,
    activeTo: r.active_to || null,
    homeArea: r.home_area as string,
    vpmnGroup: r.vpmn_group || null,
    payment: r.payment as "prepaid" | "postpaid",
  };
}

export function toSubscription(r: Record<string, string>): Subscription {
  const ms = (t: string | undefined) => (t ? (parseTimestamp(t) as number) : null);
  return {
    msisdn: r.msisdn as string,
    productId: r.product_id as string,
    orderedMs: ms(r.ordered_at) as number,
    confirmedMs: ms(r.confirmed_at),
    cancelledMs: ms(r.cancelled_at),
  };
}

export function toRecord(r: Record<string, string>): UsageRecord {
  return {
    recordId: r.record_id as string,
    msisdn: r.msisdn as string,
    service: r.service as Service,
    direction: (r.direction || null) as UsageRecord["direction"],
    otherParty: r.other_party ?? "",
    startMs: parseTimestamp(r.start_time as string) as number,
    durationS: Number(r.duration_s || 0),
    bytesUp: Number(r.bytes_up || 0),
    bytesDown: Number(r.bytes_down || 0),
    visitedArea: r.visited_area ?? "",
  };
}

export function directoryOf(periods: readonly PlanPeriod[]): Directory {
  return {
    vpmnGroupAt(msisdn, day) {
      for (const p of periods) {
        if (p.msisdn !== msisdn || p.vpmnGroup === null) continue;
        const from = parseDate(p.activeFrom) as number;
        const to = p.activeTo === null ? Number.POSITIVE_INFINITY : (parseDate(p.activeTo) as number);
        if (day >= from && day < to) return p.vpmnGroup;
      }
      return null;
    },
  };
}
