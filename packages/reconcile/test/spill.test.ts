import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { removeAbandonedSpills } from "../src/spill.js";

it("removes the spill folders of this host's processes that are gone, and only those", () => {
  const dir = mkdtempSync(join(tmpdir(), "spill-test-"));
  try {
    // Pids above the kernel's limit (4,194,304) never run.
    const names = [
      `billing-spill-${hostname()}-${process.pid}-aaaaaa`,
      `billing-spill-${hostname()}-99999999-bbbbbb`,
      `billing-spill-another-host-99999999-cccccc`,
      "billing-crash-dddddd",
    ];
    for (const name of names) mkdirSync(join(dir, name));
    removeAbandonedSpills(dir);
    expect(readdirSync(dir).sort()).toEqual([names[3], names[2], names[0]].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
