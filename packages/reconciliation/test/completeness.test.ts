import { incompleteFeed } from "@billing/reconciliation";
import { describe, expect, it } from "vitest";

// reconcile.md, Completeness of the feed: more than 5 % of billed usage lines, and at least 50, without a record;
// or value-added lines with no subscription stored at all.
describe("a bill month's feed", () => {
  it.each([
    [1000, 50, 0, true, false],
    [1000, 51, 0, true, true],
    [100, 49, 0, true, false],
    [100, 50, 0, true, true],
    [40, 40, 0, true, false],
    [0, 0, 3, false, true],
    [0, 0, 3, true, false],
    [0, 0, 0, false, false],
  ])(
    "%i usage lines, %i without a record, %i value-added, subscriptions stored %s: incomplete %s",
    (billedUsage, missingRecords, billedVas, subscriptionsStored, incomplete) => {
      const reason = incompleteFeed({ billedUsage, missingRecords, billedVas, subscriptionsStored });
      expect(reason !== null).toBe(incomplete);
    },
  );

  it("names the count and the likely missing file", () => {
    expect(incompleteFeed({ billedUsage: 200, missingRecords: 200, billedVas: 0, subscriptionsStored: true })).toBe(
      "200 of 200 billed usage lines (100.0 %) have no usage record: is a CDR file missing?",
    );
    expect(incompleteFeed({ billedUsage: 0, missingRecords: 0, billedVas: 7, subscriptionsStored: false })).toBe(
      "the bill has 7 value-added line(s) but no subscription is stored: is subscriptions.csv missing?",
    );
  });
});
