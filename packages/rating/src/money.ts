/**
 * Exact money. Tariff prices have at most four decimals, so they are held as
 * whole numbers of 0.0001 yuan ("e4"); item amounts are whole cents. Every
 * operation here is integer arithmetic, with a BigInt path when a product
 * would leave the range where doubles are exact. Property tests prove it equal
 * to the same computation in decimal.js.
 */

/** A published price: its text as written and its value in 0.0001 yuan. */
export interface Price {
  readonly text: string;
  readonly e4: number;
}

const PRICE_PATTERN = /^(\d{1,12})(?:\.(\d{1,4}))?$/;

/** Parses a non-negative decimal string with at most four decimals. */
export function parsePrice(text: string): Price | undefined {
  const match = PRICE_PATTERN.exec(text);
  if (!match) return undefined;
  const whole = match[1] as string;
  const fraction = (match[2] ?? "").padEnd(4, "0");
  return { text, e4: Number(whole) * 10_000 + Number(fraction) };
}

/** Parses a billed amount: non-negative, at most two decimals, into cents. */
export function parseCents(text: string): number | undefined {
  return centsAt(text, 0, text.length);
}

/**
 * The cents of `text[from, to)` read as parseCents reads a text: 1-12 digits,
 * then a point and 1-2 digits or nothing. Read digit by digit, not by a regular
 * expression: every bill line's amount is, and a match cost more than the rest of the line.
 */
export function centsAt(text: string, from: number, to: number): number | undefined {
  let whole = 0;
  let i = from;
  for (; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    whole = whole * 10 + d;
  }
  if (i === from || i - from > 12) return undefined;
  if (i === to) return whole * 100;
  const decimals = to - i - 1;
  if (text.charCodeAt(i) !== 46 || decimals < 1 || decimals > 2) return undefined;
  const tenths = text.charCodeAt(i + 1) - 48;
  const hundredths = decimals === 2 ? text.charCodeAt(i + 2) - 48 : 0;
  if (tenths < 0 || tenths > 9 || hundredths < 0 || hundredths > 9) return undefined;
  return whole * 100 + tenths * 10 + hundredths;
}

/** round_half_up(a × b / d) for non-negative integers a, b and positive d. */
export function mulDivHalfUp(a: number, b: number, d: number): number {
  const product = a * b;
  if (product <= Number.MAX_SAFE_INTEGER) {
    const q = Math.floor(product / d);
    const r = product - q * d;
    return 2 * r >= d ? q + 1 : q;
  }
  const big = BigInt(a) * BigInt(b);
  const bd = BigInt(d);
  const q = big / bd;
  const r = big - q * bd;
  return Number(2n * r >= bd ? q + 1n : q);
}

/** ceil(a / b) for a non-negative integer a and positive b. */
export function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** Cents as a decimal string with two places: 37 → "0.37", -60 → "-0.60". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const fraction = abs - whole * 100;
  return `${sign}${whole}.${fraction < 10 ? "0" : ""}${fraction}`;
}

/** A 0.0001-yuan amount as the shortest decimal string with at least two places. */
export function formatE4(e4: number): string {
  const whole = Math.floor(e4 / 10_000);
  let fraction = String(e4 - whole * 10_000).padStart(4, "0");
  while (fraction.length > 2 && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  return `${whole}.${fraction}`;
}
