import type { NumberPlan } from "./catalogue.js";

/** What the other party of a call or message is (rating.md, Number analysis). */
export type NumberClass =
  | { readonly kind: "international"; readonly number: string }
  | { readonly kind: "special"; readonly number: string }
  | { readonly kind: "mobile"; readonly number: string; readonly area: string }
  | { readonly kind: "fixed"; readonly number: string; readonly area: string }
  | { readonly kind: "local"; readonly number: string }
  | { readonly kind: "unknown"; readonly number: string; readonly reason: string };

const MOBILE = /^1[3-9]\d{9}$/;

/**
 * Strips the country code per rule 1: `+86` and `0086` always, a bare `86`
 * only in front of an 11-digit number beginning with 1. Returns the national
 * number and whether a country code was removed.
 */
export function stripCountryCode(raw: string, plan: NumberPlan): { number: string; stripped: boolean } {
  const cc = plan.countryCode;
  for (const prefix of [`+${cc}`, `${plan.internationalPrefix}${cc}`]) {
    if (raw.startsWith(prefix)) return { number: raw.slice(prefix.length), stripped: true };
  }
  if (raw.length === cc.length + 11 && raw.startsWith(`${cc}1`))
    return { number: raw.slice(cc.length), stripped: true };
  return { number: raw, stripped: false };
}

/**
 * Classifies a dialled number, in the order of rating.md.
 *
 * Clarification (docs/decisions.md): a fixed number written internationally
 * (`+86 10 6666 8888`) loses its trunk `0`; after the country code is
 * stripped, a number that is neither mobile nor special gets it back, so it is
 * analysed as `010 6666 8888`, not as a local number of the visited area.
 */
export function analyseNumber(raw: string, plan: NumberPlan): NumberClass {
  const { number: national, stripped } = stripCountryCode(raw, plan);
  if (national.startsWith("+") || national.startsWith(plan.internationalPrefix)) {
    return { kind: "international", number: national };
  }
  if (plan.specialNumbers.has(national)) return { kind: "special", number: national };
  if (MOBILE.test(national)) {
    const area = plan.mobilePrefixes.get(national.slice(0, 7));
    return area === undefined
      ? { kind: "unknown", number: national, reason: `mobile prefix ${national.slice(0, 7)} is not in the number plan` }
      : { kind: "mobile", number: national, area };
  }
  const number = stripped && !national.startsWith("0") ? `0${national}` : national;
  if (number.startsWith("0")) {
    const area = plan.areaCodesByLength.find((code) => number.startsWith(code));
    return area === undefined
      ? { kind: "unknown", number, reason: `no area code of the number plan prefixes ${number}` }
      : { kind: "fixed", number, area };
  }
  return { kind: "local", number };
}
