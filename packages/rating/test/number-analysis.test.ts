import { describe, expect, it } from "vitest";
import { analyseNumber } from "../src/index.js";
import { catalogue } from "./builders.js";

const plan = catalogue().numberPlan;

describe("number analysis (rating.md, in order)", () => {
  it.each([
    // 1. +86, 0086, and 86 before an 11-digit number beginning with 1 are removed
    ["+8613805712345", "mobile", "0571"],
    ["008613805712345", "mobile", "0571"],
    ["8613805712345", "mobile", "0571"],
    ["86138057123", "local", null], // 11 digits in all: not a country code
    // 2. what still begins with + or 00 is international
    ["+85291234567", "international", null],
    ["0014155550100", "international", null],
    // 3. special numbers, exactly
    ["10086", "special", null],
    ["+8610086", "special", null],
    ["100861", "local", null],
    // 4. mobile: 11 digits, 1, second digit 3-9; area from the first seven digits
    ["13500101234", "mobile", "010"],
    ["13711112222", "unknown", null],
    ["12345678901", "local", null], // second digit 2: not mobile
    // 5. fixed with area code: the longest area code that prefixes it
    ["057112345678", "fixed", "0571"],
    ["057312345678", "fixed", "057"],
    ["01066668888", "fixed", "010"],
    ["09912345678", "unknown", null],
    // a fixed number written internationally gets its trunk 0 back (docs/decisions.md)
    ["+861066668888", "fixed", "010"],
    ["+8657112345678", "fixed", "0571"],
    // 6. anything else is a local number of the visited area
    ["88012345", "local", null],
  ])("%s is %s (%s)", (raw, kind, area) => {
    const result = analyseNumber(raw, plan);
    expect(result.kind).toBe(kind);
    expect("area" in result ? result.area : null).toBe(area);
  });
});
