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

const MONEY_PATTERN = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

/** Parses a billed amount: non-negative, at most two decimals, into cents. */
export function parseCents(text: string): number | undefined {
  const match = MONEY_PATTERN.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
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
