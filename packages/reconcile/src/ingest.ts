import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BillingDatabase, inTransaction } from "@billing/db";
import { type Catalogue, type PlanPeriod, parseCatalogueText, type Subscription } from "@billing/rating";
import { readCsv } from "./csv.js";
import { InputError } from "./errors.js";
import type { InputFiles } from "./inputs.js";
import type { QuarantineSink } from "./quarantine.js";
import { type ByteRoute, billByteRoute, billRoute, cdrByteRoute, cdrRoute, type Route } from "./routes.js";
import {
  BILL_COLUMNS,
  CDR_COLUMNS,
  checkPlanPeriods,
  columnIndexes,
  MSISDN,
  type Parsed,
  parseBillRow,
  parseCdrRow,
  parseSubscriberRow,
  parseSubscriptionRow,
  type Row,
  rowOf,
  SUBSCRIBER_COLUMNS,
  SUBSCRIPTION_COLUMNS,
} from "./row-parsers.js";
import { formatShard, inShard, type Shard } from "./shard.js";
import { MsisdnRanges, RANGE_INPUT_BYTES, SpillFiles } from "./spill.js";

export interface FileCount {
  read: number;
  quarantined: number;
  /** CDR rows whose record_id was already read in this run (quarantined as well, counted apart). */
  duplicateIds: number;
  /** Rows another process of a sharded run takes (rates or quarantines). */
  otherShards: number;
}

export interface IngestContext {
  readonly database: BillingDatabase;
  readonly runId: string;
  readonly inputs: InputFiles;
  readonly shard: Shard;
  readonly quarantine: QuarantineSink;
  readonly counts: Map<string, FileCount>;
  /** Bytes of a usage file read so far, for progress. */
  readonly onBytes?: (file: string, bytesRead: number) => void;
}

export function countFor(ctx: Pick<IngestContext, "counts">, file: string): FileCount {
  let c = ctx.counts.get(file);
  if (!c) {
    c = { read: 0, quarantined: 0, duplicateIds: 0, otherShards: 0 };
    ctx.counts.set(file, c);
  }
  return c;
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

/**
 * Quarantines a malformed row. With several processes sharing a run, each row
 * is quarantined by one of them: the share of its msisdn when it has a valid
 * one, else the first, so the shares' counts add up to the whole.
 */
function quarantineRow(ctx: IngestContext, file: string, line: number, reason: string, raw: string, row: Row | null) {
  const msisdn = row?.msisdn && MSISDN.test(row.msisdn) ? row.msisdn : null;
  const owner = msisdn === null ? ctx.shard.index === 1 : inShard(msisdn, ctx.shard);
  const count = countFor(ctx, file);
  if (!owner) {
    count.otherShards += 1;
    return undefined;
  }
  count.quarantined += 1;
  return ctx.quarantine.add({
    file,
    line,
    reason,
    raw,
    recordId: row?.record_id || null,
    msisdn,
  });
}

/**
 * Reads one input file row by row: every row is counted, one with the wrong
 * number of fields quarantined, and each other handed on as its fields with
 * where `columns` are in them (columnIndexes of the file's header). Given
 * `onFieldBytes`, a row it takes as bytes (readCsv) is counted and not decoded.
 */
function readRows(
  ctx: IngestContext,
  file: string,
  columns: readonly string[],
  onRow: (
    fields: readonly string[],
    indexes: readonly number[],
    entry: { line: number; raw: string },
  ) => Promise<void> | undefined,
  onHeader?: (indexes: readonly number[]) => void,
  onFieldBytes?: (bytes: Buffer, starts: Int32Array, indexes: readonly number[], line: number) => boolean,
): Promise<number> {
  const count = countFor(ctx, file);
  let indexes: number[] = [];
  return readCsv({
    path: join(ctx.inputs.dir, file),
    file,
    required: columns,
    onHeader: (header) => {
      indexes = columnIndexes(header, columns);
      onHeader?.(indexes);
    },
    onEntry: (entry) => {
      count.read += 1;
      if (!entry.fields) return quarantineRow(ctx, file, entry.line, entry.reason, entry.raw, null);
      return onRow(entry.fields, indexes, entry);
    },
    ...(onFieldBytes && {
      onFieldBytes: (bytes, starts, line) => {
        const took = onFieldBytes(bytes, starts, indexes, line);
        if (took) count.read += 1;
        return took;
      },
    }),
    onBytes: (bytes) => ctx.onBytes?.(file, bytes),
  });
}

/** Reads one input file as readRows does, each row parsed: a malformed one quarantined with its reason, a good one handed on. */
function readParsed<T>(
  ctx: IngestContext,
  file: string,
  columns: readonly string[],
  parse: (row: Row) => Parsed<T>,
  onValue: (value: T, entry: { line: number; raw: string }) => Promise<void> | undefined,
): Promise<number> {
  return readRows(ctx, file, columns, (fields, indexes, entry) => {
    const row = rowOf(fields, columns, indexes);
    const result = parse(row);
    if (!result.ok) return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, row);
    return onValue(result.value, entry);
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
  for (let i = 0; i < unique.length; i += UPSERT_ROWS) {
    await inTransaction(ctx.database, (session) =>
      session.query(
        `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json)
         ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${set}`,
        [JSON.stringify(unique.slice(i, i + UPSERT_ROWS))],
      ),
    );
  }
}

/**
 * Reads subscribers.csv whole (one row per plan period; small beside the CDRs),
 * checks the rules across each msisdn's periods, stores them, and returns the
 * accepted periods by msisdn. Every subscriber is kept, not only this shard's:
 * VPMN membership needs the other party's group.
 */
export async function loadSubscribers(ctx: IngestContext): Promise<Map<string, PlanPeriod[]>> {
  const file = ctx.inputs.subscribers;
  const parsed: { line: number; raw: string; period: PlanPeriod }[] = [];
  await readParsed(ctx, file, SUBSCRIBER_COLUMNS, parseSubscriberRow, (period, entry) => {
    parsed.push({ line: entry.line, raw: entry.raw, period });
    return undefined;
  });
  const byMsisdn = new Map<string, typeof parsed>();
  for (const p of parsed) {
    const list = byMsisdn.get(p.period.msisdn) ?? [];
    list.push(p);
    byMsisdn.set(p.period.msisdn, list);
  }
  const accepted = new Map<string, PlanPeriod[]>();
  const refusedLines: { line: number; raw: string; reason: string; msisdn: string }[] = [];
  for (const [msisdn, list] of byMsisdn) {
    const refused = checkPlanPeriods(list.map((p) => p.period));
    list.forEach((p, i) => {
      const reason = refused.get(i);
      if (reason) refusedLines.push({ line: p.line, raw: p.raw, reason, msisdn });
      else accepted.set(msisdn, [...(accepted.get(msisdn) ?? []), p.period]);
    });
  }
  refusedLines.sort((a, b) => a.line - b.line);
  for (const r of refusedLines) await quarantineRow(ctx, file, r.line, r.reason, r.raw, { msisdn: r.msisdn });
  const rows = [...accepted.values()].flat().map((p) => ({
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
  return accepted;
}

export async function loadSubscriptions(ctx: IngestContext): Promise<Map<string, Subscription[]>> {
  const bySubscriber = new Map<string, Subscription[]>();
  const file = ctx.inputs.subscriptions;
  if (!file) return bySubscriber;
  const rows: Subscription[] = [];
  await readParsed(ctx, file, SUBSCRIPTION_COLUMNS, parseSubscriptionRow, (subscription) => {
    rows.push(subscription);
    bySubscriber.set(subscription.msisdn, [...(bySubscriber.get(subscription.msisdn) ?? []), subscription]);
    return undefined;
  });
  const t = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  await upsertRows(
    ctx,
    "subscriptions",
    rows.map((s) => ({
      msisdn: s.msisdn,
      product_id: s.productId,
      ordered_at: t(s.orderedMs),
      confirmed_at: t(s.confirmedMs),
      cancelled_at: t(s.cancelledMs),
    })),
    ["msisdn", "product_id", "ordered_at"],
    ["confirmed_at", "cancelled_at"],
  );
  return bySubscriber;
}

/**
 * Spilled lines, one per row, in file and line order: `msisdn TAB file index
 * TAB line TAB row`, the row as read (see spilledRow). Rows are only routed
 * here, by msisdn and bill month; they are checked whole when rated, on the
 * rating thread.
 */
export interface SpilledInput {
  readonly spill: SpillFiles;
  readonly ranges: MsisdnRanges;
  /** The msisdns with CDRs or bill lines in this run, by bill month. */
  readonly msisdns: Map<string, Set<string>>;
  /** Where CDR_COLUMNS and BILL_COLUMNS are in each CDR and bill file, by file index. */
  readonly cdrColumns: number[][];
  readonly billColumns: number[][];
}

export function spillKey(kind: "cdr" | "bill", billMonth: string, range: number): string {
  return `${billMonth}.${range}.${kind}`;
}

/** A row as spilled: `R` and the record when it splits on commas into its fields, else `J` and JSON [record, fields]. */
export function spilledRow(text: string): { raw: string; fields: readonly string[] } {
  if (text[0] === "R") {
    const raw = text.slice(1);
    return { raw, fields: raw.split(",") };
  }
  const [raw, fields] = JSON.parse(text.slice(1)) as [string, string[]];
  return { raw, fields };
}

function spillRow(raw: string, fields: readonly string[]): string {
  return raw.includes('"') || raw.includes("\n") ? `J${JSON.stringify([raw, fields])}` : `R${raw}`;
}

/** How rows of one kind of usage file are read: its columns, its routes and its full check. */
interface UsageKind {
  readonly kind: "cdr" | "bill";
  readonly columns: readonly string[];
  readonly route: Route;
  readonly byteRoute: () => ByteRoute;
  readonly parse: (row: Row) => Parsed<unknown>;
}

const CDR_USAGE: UsageKind = {
  kind: "cdr",
  columns: CDR_COLUMNS,
  route: cdrRoute,
  byteRoute: cdrByteRoute,
  parse: parseCdrRow,
};
const BILL_USAGE: UsageKind = {
  kind: "bill",
  columns: BILL_COLUMNS,
  route: billRoute,
  byteRoute: billByteRoute,
  parse: parseBillRow,
};

/**
 * Streams usage files (CDRs or bills) into the spill files: every row is
 * counted; one of another share counted apart; one with a valid msisdn and
 * bill month appended, as read, to the file of its bill month and msisdn
 * range; any other quarantined with the reason its full check gives. Most
 * rows are routed and copied as bytes, never decoded (ByteRoute).
 */
async function spillFiles(
  ctx: IngestContext,
  input: SpilledInput,
  usage: UsageKind,
  files: readonly string[],
): Promise<void> {
  const { kind, columns, route, parse } = usage;
  const byteRoute = usage.byteRoute();
  const byFile = kind === "cdr" ? input.cdrColumns : input.billColumns;
  const keysOf = new Map<string, string[]>();
  for (const [fileSeq, file] of files.entries()) {
    const count = countFor(ctx, file);
    /** The spill file of a routed row, or undefined when the row is another share's. */
    const keyOf = (to: { msisdn: string; billMonth: string }): string | undefined => {
      if (!inShard(to.msisdn, ctx.shard)) {
        count.otherShards += 1;
        return undefined;
      }
      let seen = input.msisdns.get(to.billMonth);
      if (!seen) {
        seen = new Set();
        input.msisdns.set(to.billMonth, seen);
      }
      seen.add(to.msisdn);
      const range = input.ranges.rangeOf(to.msisdn);
      let keys = keysOf.get(to.billMonth);
      if (!keys) {
        keys = [];
        keysOf.set(to.billMonth, keys);
      }
      // The same string each time: SpillFiles finds its file faster by a string it has hashed.
      keys[range] ??= spillKey(kind, to.billMonth, range);
      return keys[range];
    };
    const onRow = (fields: readonly string[], indexes: readonly number[], entry: { line: number; raw: string }) => {
      const to = route(fields, indexes);
      if (!to) {
        const row = rowOf(fields, columns, indexes);
        const result = parse(row);
        if (result.ok) throw new Error(`${file} line ${entry.line}: a valid row without msisdn and bill month`);
        return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, row);
      }
      const key = keyOf(to);
      if (key !== undefined)
        input.spill.append(key, `${to.msisdn}\t${fileSeq}\t${entry.line}\t${spillRow(entry.raw, fields)}\n`);
      return undefined;
    };
    const onFieldBytes = (bytes: Buffer, starts: Int32Array, indexes: readonly number[], line: number) => {
      const to = byteRoute(bytes, starts, indexes);
      if (!to) return false;
      const key = keyOf(to);
      // As spillRow writes a row without quotes or line feeds: `R` and the row as read.
      const end = (starts[starts.length - 1] as number) - 1;
      if (key !== undefined)
        input.spill.appendBytes(key, `${to.msisdn}\t${fileSeq}\t${line}\tR`, bytes, starts[0] as number, end);
      return true;
    };
    await readRows(
      ctx,
      file,
      columns,
      onRow,
      (indexes) => {
        byFile[fileSeq] = [...indexes];
      },
      onFieldBytes,
    );
  }
}

/**
 * Reads the CDR and bill files of the run (`inputBytes` in all) into spill
 * files, split into enough msisdn ranges that each range's input is about `rangeBytes`.
 * Memory holds one chunk of a file at a time.
 */
export async function spillUsage(
  ctx: IngestContext,
  subscribers: Iterable<string>,
  inputBytes: number,
  rangeBytes = RANGE_INPUT_BYTES,
): Promise<SpilledInput> {
  const mine = [...subscribers].filter((m) => inShard(m, ctx.shard)).sort();
  const ranges = new MsisdnRanges(mine, Math.ceil(inputBytes / ctx.shard.count / rangeBytes));
  const input: SpilledInput = {
    spill: new SpillFiles(),
    ranges,
    msisdns: new Map(),
    cdrColumns: [],
    billColumns: [],
  };
  try {
    await spillFiles(ctx, input, CDR_USAGE, ctx.inputs.cdrs);
    await spillFiles(ctx, input, BILL_USAGE, ctx.inputs.bills);
    input.spill.flush();
    // Rating reads what was quarantined; the rows of the last batch must be there too.
    await ctx.quarantine.flush();
    return input;
  } catch (error) {
    input.spill.remove();
    throw error;
  }
}

/** Drops what an earlier attempt of this share of the run quarantined: this attempt quarantines again. */
export async function clearEarlierAttempt(ctx: IngestContext): Promise<void> {
  await ctx.database.db
    .deleteFrom("quarantined_rows")
    .where("run_id", "=", ctx.runId)
    .where("shard", "=", formatShard(ctx.shard))
    .execute();
}
