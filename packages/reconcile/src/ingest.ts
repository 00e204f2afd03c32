import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BillingDatabase, inTransaction } from "@billing/db";
import { type Catalogue, type PlanPeriod, parseCatalogueText, type Subscription } from "@billing/rating";
import { readCsv } from "./csv.js";
import { InputError } from "./errors.js";
import { addTo, groupBy } from "./group.js";
import type { InputFiles } from "./inputs.js";
import type { QuarantineSink } from "./quarantine.js";
import { countFor, quarantineRow, type ReadContext, readRows } from "./read-rows.js";
import {
  checkPlanPeriods,
  columnIndexes,
  MSISDN,
  type Parsed,
  parseSubscriberRow,
  parseSubscriptionRow,
  type Row,
  rowOf,
  SUBSCRIBER_COLUMNS,
  SUBSCRIPTION_COLUMNS,
} from "./row-parsers.js";
import { formatShard, inShard } from "./shard.js";

export interface IngestContext extends ReadContext {
  readonly database: BillingDatabase;
  readonly runId: string;
  readonly inputs: InputFiles;
  readonly quarantine: QuarantineSink;
}

/** Loads and validates the catalogue; a refused catalogue stops the run with every problem listed. */
export async function loadCatalogue(
  ctx: IngestContext,
): Promise<{ catalogue: Catalogue; digest: string; text: string }> {
  const text = await readFile(join(ctx.inputs.dir, ctx.inputs.tariffs), "utf8");
  const result = parseCatalogueText(text);
  if (!result.ok) {
    throw new InputError(
      "catalogue_refused",
      `${ctx.inputs.tariffs} refused: ${result.problems.length} problem(s)`,
      result.problems.map((p) => `${ctx.inputs.tariffs} ${p.path}: ${p.reason}`),
    );
  }
  const digest = createHash("sha256").update(text).digest("hex");
  await ctx.database.db
    .insertInto("catalogues")
    .values({ digest, document: text })
    .onConflict((oc) => oc.column("digest").doNothing())
    .execute();
  return { catalogue: result.catalogue, digest, text };
}

/** Reads one input file as readRows does, each row parsed: a malformed one quarantined with its reason, a good one handed on. */
function readParsed<T>(
  ctx: IngestContext,
  file: string,
  columns: readonly string[],
  parse: (row: Row) => Parsed<T>,
  onValue: (value: T, entry: { line: number; raw: string }) => Promise<void> | undefined,
): Promise<number> {
  return readRows(ctx, file, {
    columns,
    onRow: (fields, indexes, entry) => {
      const row = rowOf(fields, columns, indexes);
      const result = parse(row);
      if (!result.ok) return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, row);
      return onValue(result.value, entry);
    },
  });
}

const UPSERT_ROWS = 10_000;

/**
 * Inserts or updates reference rows (objects keyed by column), many to one
 * statement through json_populate_recordset: a statement of 1,000 rows'
 * parameters each took the server longer to parse and plan than to store them.
 */
async function upsertRows(
  ctx: IngestContext,
  table: "subscriber_periods" | "subscriptions",
  rows: readonly Record<string, string | null>[],
  key: readonly string[],
  update: readonly string[],
): Promise<void> {
  // One statement may not update a row twice: of rows repeating a key, the last stands, as it did row by row.
  const unique = [...new Map(rows.map((r) => [key.map((c) => r[c]).join("\t"), r])).values()];
  const columns = Object.keys(unique[0] ?? {}).join(", ");
  const set = update.map((c) => `${c} = excluded.${c}`).join(", ");
  // A night's rows are mostly those stored the night before: an unchanged one is left as it is, not written again.
  const changed = `(${update.map((c) => `${table}.${c}`).join(", ")}) IS DISTINCT FROM (${update.map((c) => `excluded.${c}`).join(", ")})`;
  for (let i = 0; i < unique.length; i += UPSERT_ROWS) {
    await inTransaction(ctx.database, (session) =>
      session.query(
        `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json)
         ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${set} WHERE ${changed}`,
        [JSON.stringify(unique.slice(i, i + UPSERT_ROWS))],
      ),
    );
  }
}

/**
 * Reads subscribers.csv whole (one row per plan period; small beside the CDRs),
 * checks the rules across each msisdn's periods, and returns the accepted
 * periods by msisdn (storeReferenceData stores them): this share's
 * subscribers', and those of the other shares' subscribers that were ever in
 * a VPMN group, whose membership rating needs when they are called. A share
 * of a sharded run finds those first (vpmnMembersElsewhere), then reads, checks
 * and holds only the periods it keeps; every row of another share's
 * subscriber is counted as other_shards once, as CDRs are, and quarantined
 * by its own share.
 */
export async function loadSubscribers(ctx: IngestContext): Promise<Map<string, PlanPeriod[]>> {
  const file = ctx.inputs.subscribers;
  const mates = ctx.shard.count > 1 ? await vpmnMembersElsewhere(ctx, file) : new Set<string>();
  const count = countFor(ctx, file);
  const parsed: { line: number; raw: string; period: PlanPeriod }[] = [];
  const one = interner();
  await readParsed(ctx, file, SUBSCRIBER_COLUMNS, parseSubscriberRow, (p, entry) => {
    if (!inShard(p.msisdn, ctx.shard)) {
      count.otherShards += 1;
      if (!mates.has(p.msisdn)) return undefined;
    }
    const period: PlanPeriod = {
      ...p,
      planId: one(p.planId),
      activeFrom: one(p.activeFrom),
      activeTo: p.activeTo === null ? null : one(p.activeTo),
      homeArea: one(p.homeArea),
      vpmnGroup: p.vpmnGroup === null ? null : one(p.vpmnGroup),
      payment: p.payment === "prepaid" ? "prepaid" : "postpaid",
    };
    parsed.push({ line: entry.line, raw: entry.raw, period });
    return undefined;
  });
  const byMsisdn = groupBy(parsed, (p) => p.period.msisdn);
  const accepted = new Map<string, PlanPeriod[]>();
  const refusedLines: { line: number; raw: string; reason: string; msisdn: string }[] = [];
  for (const [msisdn, list] of byMsisdn) {
    const refused = checkPlanPeriods(list.map((p) => p.period));
    const mine = inShard(msisdn, ctx.shard);
    list.forEach((p, i) => {
      const reason = refused.get(i);
      if (!reason) addTo(accepted, msisdn, p.period);
      else if (mine) refusedLines.push({ line: p.line, raw: p.raw, reason, msisdn });
    });
    if (!mine && !accepted.get(msisdn)?.some((p) => p.vpmnGroup !== null)) accepted.delete(msisdn);
  }
  refusedLines.sort((a, b) => a.line - b.line);
  for (const r of refusedLines) await quarantineRow(ctx, file, r.line, r.reason, r.raw, { msisdn: r.msisdn });
  return accepted;
}

/**
 * The msisdns of other shares' subscribers with a row naming a VPMN group
 * (any such row, checked or not: a superset of the members), found by a
 * first reading of the file that counts and quarantines nothing.
 */
async function vpmnMembersElsewhere(ctx: IngestContext, file: string): Promise<Set<string>> {
  const members = new Set<string>();
  let msisdn = 0;
  let group = 0;
  await readCsv({
    path: join(ctx.inputs.dir, file),
    file,
    required: SUBSCRIBER_COLUMNS,
    onHeader: (header) => {
      [msisdn, group] = columnIndexes(header, ["msisdn", "vpmn_group"]) as [number, number];
    },
    onEntry: ({ fields }) => {
      const m = fields?.[msisdn];
      if (m !== undefined && fields?.[group] && MSISDN.test(m) && !inShard(m, ctx.shard)) members.add(m);
      return undefined;
    },
  });
  return members;
}

/*
 * The reference data a share keeps stays in memory all run, so it is
 * held tightly: one string for each of the few plan ids, dates, areas and
 * products (parsed, each row had its own), and lists made by addTo. At
 * 130,000 subscribers, some 40 MB less to hold and mark.
 */

/** The one string of each value seen. */
function interner(): (value: string) => string {
  const seen = new Map<string, string>();
  return (value) => {
    const one = seen.get(value);
    if (one !== undefined) return one;
    seen.set(value, value);
    return value;
  };
}

/** Reads subscriptions.csv: the subscriptions of this share's subscribers, by msisdn (others count as other_shards). */
export async function loadSubscriptions(ctx: IngestContext): Promise<Map<string, Subscription[]>> {
  const bySubscriber = new Map<string, Subscription[]>();
  const file = ctx.inputs.subscriptions;
  if (!file) return bySubscriber;
  const count = countFor(ctx, file);
  const one = interner();
  await readParsed(ctx, file, SUBSCRIPTION_COLUMNS, parseSubscriptionRow, (s) => {
    if (inShard(s.msisdn, ctx.shard)) addTo(bySubscriber, s.msisdn, { ...s, productId: one(s.productId) });
    else count.otherShards += 1;
    return undefined;
  });
  return bySubscriber;
}

/**
 * Stores the accepted plan periods and the subscriptions (replay and the
 * bill query read them; a run itself holds them in memory). On a server the
 * run does this while it reads the usage files: the server works while the
 * run reads, where before the run waited for it (some 1.3 s of 50,000 subscribers).
 */
export async function storeReferenceData(
  ctx: IngestContext,
  periods: ReadonlyMap<string, readonly PlanPeriod[]>,
  subscriptions: ReadonlyMap<string, readonly Subscription[]>,
): Promise<void> {
  const rows = [...periods.values()].flat().map((p) => ({
    msisdn: p.msisdn,
    account_id: p.accountId,
    plan_id: p.planId,
    active_from: p.activeFrom,
    active_to: p.activeTo,
    home_area: p.homeArea,
    vpmn_group: p.vpmnGroup,
    payment: p.payment,
  }));
  await upsertRows(
    ctx,
    "subscriber_periods",
    rows,
    ["msisdn", "active_from"],
    ["account_id", "plan_id", "active_to", "home_area", "vpmn_group", "payment"],
  );
  const t = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  // By msisdn, each one's in file order: of rows repeating a key, the last in the file still stands.
  await upsertRows(
    ctx,
    "subscriptions",
    [...subscriptions.values()].flat().map((s) => ({
      msisdn: s.msisdn,
      product_id: s.productId,
      ordered_at: t(s.orderedMs),
      confirmed_at: t(s.confirmedMs),
      cancelled_at: t(s.cancelledMs),
    })),
    ["msisdn", "product_id", "ordered_at"],
    ["confirmed_at", "cancelled_at"],
  );
}

/** Drops what an earlier attempt of this share of the run quarantined: this attempt quarantines again. */
export async function clearEarlierAttempt(ctx: IngestContext): Promise<void> {
  await ctx.database.db
    .deleteFrom("quarantined_rows")
    .where("run_id", "=", ctx.runId)
    .where("shard", "=", formatShard(ctx.shard))
    .execute();
}
