import { createHash } from "node:crypto";

/**
 * Canonical JSON: object keys sorted by code unit at every depth, no
 * whitespace, and only strings, whole numbers, booleans and null as values
 * (money is always a fixed decimal string). The same value always gives the
 * same bytes, on any machine and in any time zone.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON holds whole numbers only, not ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) text += (i > 0 ? "," : "") + canonicalJson(value[i]);
    return `${text}]`;
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    let text = "{";
    for (const key of sortedKeys(record)) {
      const v = record[key];
      if (v === undefined) continue;
      text += `${text.length > 1 ? "," : ""}${JSON.stringify(key)}:${canonicalJson(v)}`;
    }
    return `${text}}`;
  }
  throw new TypeError(`cannot put ${typeof value} in canonical JSON`);
}

// Documents repeat a few object shapes thousands of times: sort each shape's keys once.
const SHAPES = new Map<string, string[]>();

function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  const shape = keys.join("\u0000");
  let sorted = SHAPES.get(shape);
  if (!sorted) {
    sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (SHAPES.size < 1_000) SHAPES.set(shape, sorted);
  }
  return sorted;
}

/**
 * Seals a document: its canonical form with a last field `sha256`, the
 * SHA-256 of the canonical form without it. To check one, drop the last
 * field, re-canonicalise, hash, compare.
 */
export function seal(document: Record<string, unknown>): { text: string; sha256: string } {
  const body = canonicalJson(document);
  const sha256 = createHash("sha256").update(body).digest("hex");
  return { text: `${body.slice(0, -1)},"sha256":${JSON.stringify(sha256)}}`, sha256 };
}
