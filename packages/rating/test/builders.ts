import {
  type Catalogue,
  type Directory,
  formatCents,
  type PlanPeriod,
  parseCatalogue,
  parseTimestamp,
  type RatedItem,
  type RatedMonth,
  rateSubscriberMonth,
  type Subscription,
  type UsageRecord,
} from "../src/index.js";

export const ME = "13805710001";
export const GROUP_MATE = "13905710002";

/** A plan in catalogue JSON; every case overrides only what it is about. */
export function planJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    plan_id: "P1",
    name: "Test plan",
    effective_from: "2026-01-01",
    monthly_fee: "30.00",
    voice: {
      local_out: { price: "0.19", unit_s: 60 },
      ld_out: { price: "0.25", unit_s: 60 },
      intl_out: { price: "0.30", unit_s: 6 },
      roam_out: { price: "0.39", unit_s: 60 },
      roam_in: { price: "0.25", unit_s: 60 },
      local_in: { price: "0.00", unit_s: 60 },
      vpmn: { price: "0.05", unit_s: 60 },
      special: { price: "0.00", unit_s: 60 },
    },
    sms: { domestic: "0.10", international: "1.00" },
    data: { price_per_mb: "0.29" },
    ...overrides,
  };
}

export function catalogueJson(plans: Record<string, unknown>[] = [planJson()], vas: unknown[] = []) {
  return {
    number_plan: {
      country_code: "86",
      international_prefix: "00",
      areas: { "010": "Beijing", "021": "Shanghai", "0571": "Hangzhou", "057": "Zhejiang (short)", "0574": "Ningbo" },
      mobile_prefixes: { "1380571": "0571", "1390571": "0571", "1350010": "010", "1360574": "0574" },
      special_numbers: ["10086", "12580"],
    },
    plans,
    vas_products: vas,
  };
}

export function catalogue(plans?: Record<string, unknown>[], vas?: unknown[]): Catalogue {
  const result = parseCatalogue(catalogueJson(plans, vas));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.catalogue;
}

export function period(overrides: Partial<PlanPeriod> = {}): PlanPeriod {
  return {
    msisdn: ME,
    accountId: "A1",
    planId: "P1",
    activeFrom: "2024-01-01",
    activeTo: null,
    homeArea: "0571",
    vpmnGroup: "G1",
    payment: "postpaid",
    ...overrides,
  };
}

export const groupDirectory: Directory = {
  vpmnGroupAt: (msisdn) => (msisdn === GROUP_MATE || msisdn === ME ? "G1" : null),
};

let seq = 0;
/** A record of ME in September 2026 unless told otherwise; times are UTC+8 unless they carry Z. */
export function record(overrides: Partial<UsageRecord> & { at?: string } = {}): UsageRecord {
  const { at, ...rest } = overrides;
  seq += 1;
  return {
    recordId: `R${String(seq).padStart(6, "0")}`,
    msisdn: ME,
    service: "voice",
    direction: "out",
    otherParty: "88012345",
    startMs: parseTimestamp(at ?? "2026-09-10T10:00:00+08:00") as number,
    durationS: 60,
    bytesUp: 0,
    bytesDown: 0,
    visitedArea: "0571",
    ...rest,
  };
}

export const voice = (durationS: number, overrides: Partial<UsageRecord> & { at?: string } = {}) =>
  record({ durationS, ...overrides });
export const sms = (otherParty: string, overrides: Partial<UsageRecord> & { at?: string } = {}) =>
  record({ service: "sms", otherParty, durationS: 0, ...overrides });
export const data = (bytes: number, overrides: Partial<UsageRecord> & { at?: string } = {}) =>
  record({ service: "data", direction: null, otherParty: "", durationS: 0, bytesUp: bytes, ...overrides });

export interface RateOptions {
  plans?: Record<string, unknown>[];
  vas?: unknown[];
  periods?: PlanPeriod[];
  subscriptions?: Subscription[];
  month?: string;
}

export function rate(records: UsageRecord[], options: RateOptions = {}): RatedMonth {
  return rateSubscriberMonth({
    billMonth: options.month ?? "2026-09",
    msisdn: ME,
    periods: options.periods ?? [period()],
    subscriptions: options.subscriptions ?? [],
    records,
    catalogue: catalogue(options.plans, options.vas),
    directory: groupDirectory,
  });
}

/** The item of a record in a rated month. */
export function itemOf(month: RatedMonth, r: UsageRecord | string): RatedItem {
  const key = typeof r === "string" ? r : r.recordId;
  const item = month.items.find((i) => i.itemKey === key);
  if (!item) throw new Error(`no item ${key}`);
  return item;
}

export function amountOf(month: RatedMonth, r: UsageRecord | string): string | null {
  const cents = itemOf(month, r).cents;
  return cents === null ? null : formatCents(cents);
}

/** The voice category of a record's item. */
export function categoryOf(month: RatedMonth, r: UsageRecord): string {
  const e = itemOf(month, r).explanation;
  if (e.kind !== "voice") throw new Error(`not a voice item: ${e.kind}`);
  return e.category;
}
