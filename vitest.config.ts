import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@billing/rating": src("rating"),
      "@billing/db/testing": fileURLToPath(new URL("./packages/db/src/testing.ts", import.meta.url)),
      "@billing/db": src("db"),
      "@billing/reconcile": src("reconcile"),
      "@billing/bill-query": src("bill-query"),
    },
  },
  test: {
    reporters: ["default", "./scripts/vitest-closing-line.ts"],
    include: ["packages/*/test/**/*.test.ts", "scripts/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
