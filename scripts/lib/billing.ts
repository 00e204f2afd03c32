import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** The built `billing` command (`pnpm build` first). */
export const BILLING_CLI = fileURLToPath(new URL("../../../packages/cli/dist/main.js", import.meta.url));

/** The node flags of the command's shebang (`#!/usr/bin/env -S node --flag …`): its heap sizes. */
const SHEBANG_FLAGS = (readFileSync(BILLING_CLI, "utf8").split("\n")[0] ?? "")
  .split(" ")
  .filter((w) => w.startsWith("--"));

/**
 * Runs `billing` to completion with the flags of its shebang, on the
 * embedded database unless `env` names a server; throws with its stderr when it fails.
 */
export function runBilling(args: readonly string[], env: NodeJS.ProcessEnv = {}): void {
  const result = spawnSync(process.execPath, [...SHEBANG_FLAGS, BILLING_CLI, ...args], {
    env: { ...process.env, DATABASE_URL: "", ...env },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`billing ${args[0]} failed: ${result.stderr}`);
}

/** The JSON array of a usage_months row's records, in SQL: the records of StoredUsage, or the whole value of a row stored before it. */
export const STORED_RECORDS = `(CASE WHEN json_typeof(records::json) = 'array' THEN records::json ELSE records::json -> 'records' END)`;

/** Generates into `dir` `subscribers` with about `perSubscriber` CDRs a month each, over `months` (in order). */
export function generateInput(
  dir: string,
  subscribers: number,
  perSubscriber: number,
  { months = ["2026-09"], seed = "1" }: { months?: readonly string[]; seed?: string } = {},
): void {
  runBilling([
    "generate",
    "--out",
    dir,
    "--subscribers",
    String(subscribers),
    "--months",
    months.join(","),
    "--seed",
    seed,
    "--records-per-subscriber",
    String(perSubscriber),
  ]);
}

/**
 * Runs `use` on a new database `name` of the server of `adminUrl` (given its
 * URL and the pid of the server process that created it), and drops the
 * database afterwards.
 */
export async function withServerDatabase<T>(
  adminUrl: string,
  name: string,
  use: (url: string, adminBackend: number | undefined) => Promise<T>,
): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const { rows } = await admin.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    return await use(url.toString(), rows[0]?.pid);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
