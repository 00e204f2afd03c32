import { describe, expect, it } from "vitest";
import { parseCatalogue, parseCatalogueText, planInForce } from "../src/index.js";
import { catalogue, catalogueJson, planJson } from "./builders.js";

const problemsOf = (json: unknown) => {
  const result = parseCatalogue(json);
  if (result.ok) throw new Error("expected the catalogue to be refused");
  return result.problems.map((p) => `${p.path}: ${p.reason}`);
};

describe("catalogue validation", () => {
  it("accepts the test catalogue", () => {
    expect(parseCatalogue(catalogueJson()).ok).toBe(true);
  });

  it("refuses a bad catalogue as a whole, listing every problem with its path", () => {
    const voice = { ...(planJson().voice as Record<string, unknown>) };
    delete voice.vpmn;
    voice.ld_out = { price: "0.12345", unit_s: 0 };
    const bad = catalogueJson(
      [
        planJson({ effective_from: "2026-01-15", monthly_fee: 58, voice }),
        planJson({ plan_id: "P2", off_peak: { from: "25:00", to: "07:00" } }),
      ],
      [
        {
          product_id: "V",
          name: "v",
          effective_from: "2026-01-01",
          monthly_price: "1.00",
          requires_confirmation: "yes",
        },
      ],
    );
    expect(problemsOf(bad)).toEqual([
      "plans[0].effective_from: must be the first day of a month (tariffs change from a month's start)",
      'plans[0].monthly_fee: must be a decimal string such as "0.19"',
      "plans[0].voice.vpmn: missing: every voice category a plan can meet must have a rate",
      "plans[0].voice.ld_out.price: must be a non-negative decimal with at most four decimals",
      "plans[0].voice.ld_out.unit_s: must be a positive whole number",
      "plans[1].off_peak.from: must be a clock time HH:MM",
      "vas_products[0].requires_confirmation: must be true or false",
      "vas_products[0].free_first_month: missing",
    ]);
  });

  it("refuses two versions of one plan with the same effective_from", () => {
    expect(problemsOf(catalogueJson([planJson(), planJson()]))).toEqual([
      "plans[1]: P1 has two versions effective from 2026-01-01",
    ]);
  });

  it("refuses a mobile prefix mapped to an unknown area, and JSON that does not parse", () => {
    const json = catalogueJson();
    (json.number_plan.mobile_prefixes as Record<string, string>)["1880000"] = "0999";
    expect(problemsOf(json)).toEqual(["number_plan.mobile_prefixes.1880000: must name an area code listed in areas"]);
    const text = parseCatalogueText("{ not json");
    expect(text.ok).toBe(false);
  });

  it("selects the version in force: latest effective_from on or before the month's first day", () => {
    const cat = catalogue([
      planJson({ effective_from: "2026-03-01", monthly_fee: "2.00" }),
      planJson({ effective_from: "2026-01-01", monthly_fee: "1.00" }),
    ]);
    expect(planInForce(cat, "P1", "2025-12")).toBeUndefined();
    expect(planInForce(cat, "P1", "2026-01")?.monthlyFee.text).toBe("1.00");
    expect(planInForce(cat, "P1", "2026-02")?.monthlyFee.text).toBe("1.00");
    expect(planInForce(cat, "P1", "2026-03")?.monthlyFee.text).toBe("2.00");
    expect(planInForce(cat, "NOPE", "2026-03")).toBeUndefined();
  });
});
