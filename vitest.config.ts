import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@billing/rating": src("rating"),
      "@billing/formats": src("formats"),
      "@billing/reconciliation": src("reconciliation"),
      "@billing/ingest": src("ingest"),
      "@billing/db/testing": fileURLToPath(new URL("./packages/db/src/testing.ts", import.meta.url)),
      "@billing/db": src("db"),
      "@billing/nightly": src("nightly"),
      "@billing/disputes": src("disputes"),
      "@billing/bill-query": src("bill-query"),
      "@billing/generate": fileURLToPath(new URL("./tools/generate/src/index.ts", import.meta.url)),
    },
  },
  test: {
    reporters: ["default", "./scripts/vitest-closing-line.ts"],
    include: ["packages/*/test/**/*.test.ts", "tools/*/test/**/*.test.ts", "scripts/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
