import { type Price, parsePrice } from "./money.js";
import { parseDate, parseMonth } from "./time.js";

export const VOICE_CATEGORIES = [
  "intl_out",
  "special",
  "vpmn",
  "roam_out",
  "local_out",
  "ld_out",
  "roam_in",
  "local_in",
] as const;
export type VoiceCategory = (typeof VOICE_CATEGORIES)[number];

export interface Rate {
  readonly price: Price;
  readonly unitS: number;
}

export interface OffPeak {
  readonly from: string;
  readonly to: string;
  /** Seconds of the UTC+8 day; the window is [fromS, toS), wrapping midnight when fromS > toS. */
  readonly fromS: number;
  readonly toS: number;
  readonly voice: Partial<Record<VoiceCategory, Rate>>;
}

export interface PlanVersion {
  readonly planId: string;
  readonly name: string;
  /** The published Chinese name shown to customers (formats.md `name_zh`); null without one. */
  readonly nameZh: string | null;
  /** `YYYY-MM-DD`, always the first day of a month; it names the version. */
  readonly effectiveFrom: string;
  readonly monthlyFee: Price;
  readonly included: {
    readonly voiceMinutes: number;
    readonly voiceCategories: ReadonlySet<VoiceCategory>;
    readonly sms: number;
    readonly dataMb: number;
  };
  readonly voice: Readonly<Record<VoiceCategory, Rate>>;
  readonly offPeak: OffPeak | null;
  readonly sms: { readonly domestic: Price; readonly international: Price };
  readonly data: { readonly pricePerMb: Price; readonly monthlyCap: Price | null };
}

export interface VasVersion {
  readonly productId: string;
  readonly name: string;
  readonly nameZh: string | null;
  /** The content provider the charge is collected for (代收费) and its service code, when the catalogue names them. */
  readonly provider: string | null;
  readonly providerCode: string | null;
  readonly effectiveFrom: string;
  readonly monthlyPrice: Price;
  readonly requiresConfirmation: boolean;
  readonly freeFirstMonth: boolean;
}

export interface NumberPlan {
  readonly countryCode: string;
  readonly internationalPrefix: string;
  readonly areas: ReadonlyMap<string, string>;
  /** Area codes, longest first, for longest-prefix matching of fixed numbers. */
  readonly areaCodesByLength: readonly string[];
  readonly mobilePrefixes: ReadonlyMap<string, string>;
  readonly specialNumbers: ReadonlySet<string>;
}

export interface Catalogue {
  readonly numberPlan: NumberPlan;
  /** Versions of each plan, latest `effectiveFrom` first. */
  readonly plans: ReadonlyMap<string, readonly PlanVersion[]>;
  readonly vas: ReadonlyMap<string, readonly VasVersion[]>;
}

export interface CatalogueProblem {
  /** Where in the JSON document, e.g. `plans[0].voice.ld_out.price`. */
  readonly path: string;
  readonly reason: string;
}

export type CatalogueResult =
  | { readonly ok: true; readonly catalogue: Catalogue }
  | { readonly ok: false; readonly problems: readonly CatalogueProblem[] };

/** The version in force for a bill month: latest `effectiveFrom` on or before the month's first day. */
export function versionInForce<T extends { readonly effectiveFrom: string }>(
  versions: readonly T[] | undefined,
  month: string,
): T | undefined {
  if (!versions) return undefined;
  const firstDay = `${month}-01`;
  return versions.find((v) => v.effectiveFrom <= firstDay);
}

export function planInForce(catalogue: Catalogue, planId: string, month: string): PlanVersion | undefined {
  return versionInForce(catalogue.plans.get(planId), month);
}

export function vasInForce(catalogue: Catalogue, productId: string, month: string): VasVersion | undefined {
  return versionInForce(catalogue.vas.get(productId), month);
}

/** Parses catalogue text; a JSON syntax error is one problem at the root. */
export function parseCatalogueText(text: string): CatalogueResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [{ path: "$", reason: `not valid JSON: ${(error as Error).message}` }] };
  }
  return parseCatalogue(json);
}

/**
 * Validates a catalogue document per formats.md. A catalogue with any problem
 * is refused as a whole, with every problem listed: tariffs are never half loaded.
 */
export function parseCatalogue(json: unknown): CatalogueResult {
  const problems: CatalogueProblem[] = [];
  const v = new Validator(problems);
  const root = v.object(json, "$");
  if (!root) return { ok: false, problems };
  const numberPlan = parseNumberPlan(v, root.number_plan, "number_plan");
  const plans = groupVersions(
    v,
    v.array(root.plans, "plans").map((p, i) => parsePlan(v, p, `plans[${i}]`)),
    "plans",
    (p) => p.planId,
  );
  const vas = groupVersions(
    v,
    v.array(root.vas_products ?? [], "vas_products").map((p, i) => parseVas(v, p, `vas_products[${i}]`)),
    "vas_products",
    (p) => p.productId,
  );
  if (problems.length > 0 || !numberPlan) return { ok: false, problems };
  return { ok: true, catalogue: { numberPlan, plans, vas } };
}

type Json = Record<string, unknown>;

class Validator {
  constructor(private readonly problems: CatalogueProblem[]) {}

  fail(path: string, reason: string): undefined {
    this.problems.push({ path, reason });
    return undefined;
  }

  object(value: unknown, path: string): Json | undefined {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Json;
    return this.fail(path, value === undefined ? "missing" : "must be an object");
  }

  array(value: unknown, path: string): unknown[] {
    if (Array.isArray(value)) return value;
    this.fail(path, value === undefined ? "missing" : "must be an array");
    return [];
  }

  string(value: unknown, path: string, pattern?: RegExp, what?: string): string | undefined {
    if (typeof value !== "string" || value.length === 0) {
      return this.fail(path, value === undefined ? "missing" : "must be a non-empty string");
    }
    if (pattern && !pattern.test(value)) return this.fail(path, `must be ${what}`);
    return value;
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (typeof value === "boolean") return value;
    return this.fail(path, value === undefined ? "missing" : "must be true or false");
  }

  count(value: unknown, path: string, positive = false): number | undefined {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= (positive ? 1 : 0)) return value;
    return this.fail(path, `must be a ${positive ? "positive" : "non-negative"} whole number`);
  }

  price(value: unknown, path: string): Price | undefined {
    if (typeof value !== "string") {
      return this.fail(path, value === undefined ? "missing" : 'must be a decimal string such as "0.19"');
    }
    return parsePrice(value) ?? this.fail(path, "must be a non-negative decimal with at most four decimals");
  }

  firstOfMonth(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    if (parseDate(text) === undefined) return this.fail(path, "must be a date YYYY-MM-DD");
    if (!text.endsWith("-01") || !parseMonth(text.slice(0, 7))) {
      return this.fail(path, "must be the first day of a month (tariffs change from a month's start)");
    }
    return text;
  }

  clock(value: unknown, path: string): number | undefined {
    const text = this.string(value, path, /^([01]\d|2[0-3]):[0-5]\d$/, "a clock time HH:MM");
    if (text === undefined) return undefined;
    return (Number(text.slice(0, 2)) * 60 + Number(text.slice(3))) * 60;
  }
}

const DIGITS = /^\d+$/;

function parseNumberPlan(v: Validator, value: unknown, path: string): NumberPlan | undefined {
  const o = v.object(value, path);
  if (!o) return undefined;
  const countryCode = v.string(o.country_code, `${path}.country_code`, DIGITS, "digits");
  const internationalPrefix = v.string(o.international_prefix, `${path}.international_prefix`, DIGITS, "digits");
  const areas = new Map<string, string>();
  const areasJson = v.object(o.areas, `${path}.areas`) ?? {};
  for (const [code, name] of Object.entries(areasJson)) {
    if (!/^0\d+$/.test(code)) v.fail(`${path}.areas.${code}`, "an area code is digits with its leading 0");
    else if (typeof name !== "string") v.fail(`${path}.areas.${code}`, "must be the area's name");
    else areas.set(code, name);
  }
  const mobilePrefixes = new Map<string, string>();
  const mobileJson = v.object(o.mobile_prefixes, `${path}.mobile_prefixes`) ?? {};
  for (const [prefix, area] of Object.entries(mobileJson)) {
    const at = `${path}.mobile_prefixes.${prefix}`;
    if (!/^1[3-9]\d{5}$/.test(prefix)) v.fail(at, "a mobile prefix is the first seven digits of a mobile number");
    else if (typeof area !== "string" || !areasJson[area]) v.fail(at, "must name an area code listed in areas");
    else mobilePrefixes.set(prefix, area);
  }
  const specialNumbers = new Set<string>();
  v.array(o.special_numbers, `${path}.special_numbers`).forEach((n, i) => {
    const text = v.string(n, `${path}.special_numbers[${i}]`, DIGITS, "digits");
    if (text !== undefined) specialNumbers.add(text);
  });
  if (countryCode === undefined || internationalPrefix === undefined) return undefined;
  const areaCodesByLength = [...areas.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return { countryCode, internationalPrefix, areas, areaCodesByLength, mobilePrefixes, specialNumbers };
}

function parseRate(v: Validator, value: unknown, path: string): Rate | undefined {
  const o = v.object(value, path);
  if (!o) return undefined;
  const price = v.price(o.price, `${path}.price`);
  const unitS = v.count(o.unit_s, `${path}.unit_s`, true);
  return price && unitS !== undefined ? { price, unitS } : undefined;
}

function parsePlan(v: Validator, value: unknown, path: string): PlanVersion | undefined {
  const o = v.object(value, path);
  if (!o) return undefined;
  const planId = v.string(o.plan_id, `${path}.plan_id`, /^[^\s:]+$/, "an id without spaces or ':'");
  const name = v.string(o.name, `${path}.name`);
  const effectiveFrom = v.firstOfMonth(o.effective_from, `${path}.effective_from`);
  const monthlyFee = v.price(o.monthly_fee, `${path}.monthly_fee`);

  const inc = o.included === undefined ? {} : v.object(o.included, `${path}.included`);
  const voiceCategories = new Set<VoiceCategory>();
  v.array(inc?.voice_categories ?? [], `${path}.included.voice_categories`).forEach((c, i) => {
    if (VOICE_CATEGORIES.includes(c as VoiceCategory)) voiceCategories.add(c as VoiceCategory);
    else v.fail(`${path}.included.voice_categories[${i}]`, `must be one of ${VOICE_CATEGORIES.join(", ")}`);
  });
  const included = {
    voiceMinutes: v.count(inc?.voice_minutes ?? 0, `${path}.included.voice_minutes`) ?? 0,
    voiceCategories,
    sms: v.count(inc?.sms ?? 0, `${path}.included.sms`) ?? 0,
    dataMb: v.count(inc?.data_mb ?? 0, `${path}.included.data_mb`) ?? 0,
  };

  const voiceJson = v.object(o.voice, `${path}.voice`);
  const voice: Partial<Record<VoiceCategory, Rate>> = {};
  if (voiceJson) {
    for (const category of VOICE_CATEGORIES) {
      if (voiceJson[category] === undefined) {
        v.fail(`${path}.voice.${category}`, "missing: every voice category a plan can meet must have a rate");
      } else {
        const rate = parseRate(v, voiceJson[category], `${path}.voice.${category}`);
        if (rate) voice[category] = rate;
      }
    }
    for (const key of Object.keys(voiceJson)) {
      if (!VOICE_CATEGORIES.includes(key as VoiceCategory)) v.fail(`${path}.voice.${key}`, "not a voice category");
    }
  }

  let offPeak: OffPeak | null = null;
  if (o.off_peak !== undefined) {
    const op = v.object(o.off_peak, `${path}.off_peak`);
    if (op) {
      const fromS = v.clock(op.from, `${path}.off_peak.from`);
      const toS = v.clock(op.to, `${path}.off_peak.to`);
      if (fromS !== undefined && fromS === toS) v.fail(`${path}.off_peak`, "from and to must differ");
      const rates: Partial<Record<VoiceCategory, Rate>> = {};
      const opVoice = op.voice === undefined ? {} : v.object(op.voice, `${path}.off_peak.voice`);
      for (const [key, rateJson] of Object.entries(opVoice ?? {})) {
        if (!VOICE_CATEGORIES.includes(key as VoiceCategory)) {
          v.fail(`${path}.off_peak.voice.${key}`, "not a voice category");
          continue;
        }
        const rate = parseRate(v, rateJson, `${path}.off_peak.voice.${key}`);
        if (rate) rates[key as VoiceCategory] = rate;
      }
      if (fromS !== undefined && toS !== undefined) {
        offPeak = { from: op.from as string, to: op.to as string, fromS, toS, voice: rates };
      }
    }
  }

  const smsJson = v.object(o.sms, `${path}.sms`);
  const domestic = smsJson && v.price(smsJson.domestic, `${path}.sms.domestic`);
  const international = smsJson && v.price(smsJson.international, `${path}.sms.international`);
  const dataJson = v.object(o.data, `${path}.data`);
  const pricePerMb = dataJson && v.price(dataJson.price_per_mb, `${path}.data.price_per_mb`);
  const monthlyCap =
    dataJson?.monthly_cap === undefined ? null : (v.price(dataJson.monthly_cap, `${path}.data.monthly_cap`) ?? null);

  if (
    planId === undefined ||
    name === undefined ||
    effectiveFrom === undefined ||
    !monthlyFee ||
    Object.keys(voice).length !== VOICE_CATEGORIES.length ||
    !domestic ||
    !international ||
    !pricePerMb
  ) {
    return undefined;
  }
  return {
    planId,
    name,
    nameZh: optionalText(v, o.name_zh, `${path}.name_zh`),
    effectiveFrom,
    monthlyFee,
    included,
    voice: voice as Record<VoiceCategory, Rate>,
    offPeak,
    sms: { domestic, international },
    data: { pricePerMb, monthlyCap },
  };
}

function parseVas(v: Validator, value: unknown, path: string): VasVersion | undefined {
  const o = v.object(value, path);
  if (!o) return undefined;
  const productId = v.string(o.product_id, `${path}.product_id`, /^[^\s:]+$/, "an id without spaces or ':'");
  const name = v.string(o.name, `${path}.name`);
  const effectiveFrom = v.firstOfMonth(o.effective_from, `${path}.effective_from`);
  const monthlyPrice = v.price(o.monthly_price, `${path}.monthly_price`);
  const requiresConfirmation = v.boolean(o.requires_confirmation, `${path}.requires_confirmation`);
  const freeFirstMonth = v.boolean(o.free_first_month, `${path}.free_first_month`);
  if (
    productId === undefined ||
    name === undefined ||
    effectiveFrom === undefined ||
    !monthlyPrice ||
    requiresConfirmation === undefined ||
    freeFirstMonth === undefined
  ) {
    return undefined;
  }
  return {
    productId,
    name,
    nameZh: optionalText(v, o.name_zh, `${path}.name_zh`),
    provider: optionalText(v, o.provider, `${path}.provider`),
    providerCode: optionalText(v, o.provider_code, `${path}.provider_code`),
    effectiveFrom,
    monthlyPrice,
    requiresConfirmation,
    freeFirstMonth,
  };
}

/** An optional text field: absent is null; present, it must be a non-empty string. */
function optionalText(v: Validator, value: unknown, path: string): string | null {
  if (value === undefined) return null;
  return v.string(value, path, /\S/, "a non-empty text") ?? null;
}

function groupVersions<T extends { readonly effectiveFrom: string }>(
  v: Validator,
  versions: readonly (T | undefined)[],
  path: string,
  idOf: (version: T) => string,
): Map<string, T[]> {
  const byId = new Map<string, T[]>();
  versions.forEach((version, i) => {
    if (!version) return;
    const id = idOf(version);
    const list = byId.get(id) ?? [];
    if (list.some((other) => other.effectiveFrom === version.effectiveFrom)) {
      v.fail(`${path}[${i}]`, `${id} has two versions effective from ${version.effectiveFrom}`);
    }
    list.push(version);
    byId.set(id, list);
  });
  for (const list of byId.values()) list.sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1));
  return byId;
}
