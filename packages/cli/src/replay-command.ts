import { randomBytes } from "node:crypto";
import { chooseTarget, issueCredits, loadReplayInputs, openDatabase } from "@billing/db";
import { writeEvidence } from "@billing/nightly";
import { computeReplay, type ReplayDocument, ReplayError } from "@billing/reconciliation";
import { EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";

export interface ReplayArgs {
  readonly msisdn: string;
  readonly month: string;
  readonly json?: boolean;
  readonly wide?: boolean;
  readonly evidence?: string;
  readonly issue?: boolean;
  readonly database?: string;
}

/**
 * An auditor's replay of one subscriber-month (reconcile.md, Replay): reads
 * only stored inputs, recomputes, and changes the ledger only with --issue.
 */
export async function replayCommand(args: ReplayArgs, io: Io): Promise<number> {
  const database = await openDatabase(chooseTarget(args.database, io.env));
  try {
    let inputs = await loadReplayInputs(database, args.msisdn, args.month);
    let replay = computeReplay(inputs);
    let issuedNow = 0;
    if (args.issue && replay.owed.length > 0) {
      const before = replay.sha256;
      const issued = await database.transaction((session) =>
        issueCredits(session, replay.owed, {
          runId: `replay-${io
            .now()
            .toISOString()
            .replace(/[-:]/g, "")
            .replace(/\.\d+Z$/, "Z")}-${randomBytes(3).toString("hex")}`,
          inputDigests: { "replay.sha256": before },
          catalogueDigest: inputs.catalogueDigest,
        }),
      );
      issuedNow = issued.length;
      inputs = await loadReplayInputs(database, args.msisdn, args.month);
      replay = computeReplay(inputs);
    }
    if (args.evidence) await writeEvidence(args.evidence, inputs, replay);
    io.stdout(args.json ? `${replay.json}\n` : humanReplay(replay.document, replay.sha256, args.wide));
    if (args.issue) io.stderr(`billing replay: issued ${issuedNow} credit(s) still owed\n`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ReplayError) {
      io.stderr(`billing replay: ${error.message}\n`);
      return EXIT.problems;
    }
    throw error;
  } finally {
    await database.close();
  }
}

const COLUMNS = [
  ["time", "start_time"],
  ["item", "item_key"],
  ["service", "service"],
  ["other party", "other_party"],
  ["category", "category"],
  ["units", "units"],
  ["allowance", "allowance_used"],
  ["correct", "expected"],
  ["billed", "billed"],
  ["class", "class"],
  ["refund owed", "refund_owed"],
  ["issued", "refund_issued"],
  ["rule", "rule"],
] as const;
type Key = (typeof COLUMNS)[number][1];

/** The narrow table's first line of an item; the rest go on its second line, so a row fits 120 columns. */
const NARROW: readonly Key[] = [
  "start_time",
  "item_key",
  "category",
  "expected",
  "billed",
  "class",
  "refund_owed",
  "refund_issued",
];
const DETAIL: readonly Key[] = ["service", "other_party", "units", "allowance_used", "rule"];

/** A readable table of every item (two lines each; one wide line with `wide`), then the totals and the digest. */
export function humanReplay(doc: ReplayDocument, sha256: string, wide = false): string {
  const cell = (row: Record<string, unknown>, key: string) => {
    const value = row[key];
    if (value === null || value === undefined) return "";
    if (key === "start_time") return String(value).slice(5, 19).replace("T", " ");
    if (key === "item_key" && (row.occurrence as number) > 1) return `${value} #${row.occurrence}`;
    return String(value);
  };
  const shown = wide ? COLUMNS.map(([, key]) => key) : NARROW;
  const titles = shown.map((key) => COLUMNS.find(([, k]) => k === key)?.[0] as string);
  const rows = doc.items.map((r) => shown.map((key) => cell(r, key)));
  const widths = shown.map((_, i) =>
    wide && i === shown.length - 1
      ? 0
      : Math.max((titles[i] as string).length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (/^-?\d+\.\d\d$/.test(c) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  // The item's details under it; the rule on a line of its own when both would pass 120 columns.
  const detail = (r: Record<string, unknown>) => {
    const facts = DETAIL.filter((key) => key !== "rule" && cell(r, key) !== "")
      .map((key) => `${key === "allowance_used" ? "allowance" : key.replace("_", " ")} ${cell(r, key)}`)
      .join("; ");
    const rule = cell(r, "rule");
    const one = `    ${[facts, rule].filter((t) => t !== "").join("; ")}`;
    return one.length <= 120 || facts === "" ? [one] : [`    ${facts}`, `    ${rule}`];
  };
  const table = wide
    ? [line(titles), ...rows.map(line)]
    : [line(titles), ...doc.items.flatMap((r, i) => [line(rows[i] as string[]), ...detail(r)])];
  const t = doc.totals;
  const account = doc.account
    ? `account ${doc.account.account_id}, plan ${doc.account.plan_id}, credits to ${doc.account.settle_to}`
    : "no account";
  return [
    `Replay of ${doc.msisdn} in ${doc.bill_month} (${account}); times in UTC+8`,
    `inputs: ${doc.inputs.cdrs} CDRs, ${doc.inputs.bill_lines} bill lines, ${doc.inputs.plan_periods} plan periods, ${doc.inputs.subscriptions} subscriptions, ${doc.inputs.credits} credits issued; catalogue ${doc.catalogue_sha256.slice(0, 12)}`,
    "",
    ...table,
    "",
    `correct total ${t.expected}, billed total ${t.billed}, ${t.discrepancies} discrepancies`,
    `double refunds owed ${t.refund_owed}, already issued ${t.refund_issued}, still owed ${t.refund_still_owed}` +
      (t.over_credited_keys > 0 ? `; ${t.over_credited_keys} key(s) over-credited, for review` : ""),
    `sha256 ${sha256}`,
    "",
  ].join("\n");
}
