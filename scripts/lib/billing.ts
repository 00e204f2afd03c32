import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built `billing` command (`pnpm build` first). */
export const BILLING_CLI = fileURLToPath(new URL("../../../packages/cli/dist/main.js", import.meta.url));

/**
 * Runs `billing` to completion with the heap bound of its shebang, on the
 * embedded database unless `env` names a server; throws with its stderr when it fails.
 */
export function runBilling(args: readonly string[], env: NodeJS.ProcessEnv = {}): void {
  const result = spawnSync(process.execPath, ["--max-old-space-size=768", BILLING_CLI, ...args], {
    env: { ...process.env, DATABASE_URL: "", ...env },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`billing ${args[0]} failed: ${result.stderr}`);
}

/** The JSON array of a usage_months row's records, in SQL: the records of StoredUsage, or the whole value of a row stored before it. */
export const STORED_RECORDS = `(CASE WHEN json_typeof(records::json) = 'array' THEN records::json ELSE records::json -> 'records' END)`;
