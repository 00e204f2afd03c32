import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type BillingDatabase,
  cdrPartitionName,
  copyText,
  ensureCdrPartitions,
  inTransaction,
  type RawSession,
} from "@billing/db";
import {
  type Catalogue,
  formatCents,
  type PlanPeriod,
  parseCatalogueText,
  type Subscription,
  type UsageRecord,
} from "@billing/rating";
import { CopyLines } from "./copy-lines.js";
import { readCsv } from "./csv.js";
import { InputError } from "./errors.js";
import type { InputFiles } from "./inputs.js";
import type { QuarantineSink } from "./quarantine.js";
import {
  BILL_COLUMNS,
  CDR_COLUMNS,
  checkPlanPeriods,
  type Parsed,
  parseBillRow,
  parseCdrRow,
  parseSubscriberRow,
  parseSubscriptionRow,
  type Row,
  SUBSCRIBER_COLUMNS,
  SUBSCRIPTION_COLUMNS,
} from "./row-parsers.js";
import { formatShard, inShard, type Shard } from "./shard.js";

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

function countFor(ctx: IngestContext, file: string): FileCount {
  let c = ctx.counts.get(file);
  if (!c) {
    c = { read: 0, quarantined: 0, duplicateIds: 0, otherShards: 0 };
    ctx.counts.set(file, c);
  }
  return c;
}

/** Loads and validates the catalogue; a refused catalogue stops the run with every problem listed. */
export async function loadCatalogue(ctx: IngestContext): Promise<{ catalogue: Catalogue; digest: string }> {
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
  return { catalogue: result.catalogue, digest };
}

/**
 * Quarantines a malformed row. With several processes sharing a run, each row
 * is quarantined by one of them: the share of its msisdn when it has a valid
 * one, else the first, so the shares' counts add up to the whole.
 */
function quarantineRow(ctx: IngestContext, file: string, line: number, reason: string, raw: string, row: Row | null) {
  const msisdn = row?.msisdn && /^1\d{10}$/.test(row.msisdn) ? row.msisdn : null;
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
 * Reads one input file row by row: every row is counted, a malformed one
 * quarantined with its reason, and each good one handed on parsed (its
 * handler may return a promise to hold the reader back).
 */
function readParsed<T>(
  ctx: IngestContext,
  file: string,
  required: readonly string[],
  parse: (row: Row) => Parsed<T>,
  onValue: (value: T, entry: { line: number; raw: string; row: Row }) => Promise<void> | undefined,
): Promise<number> {
  const count = countFor(ctx, file);
  return readCsv(
    join(ctx.inputs.dir, file),
    file,
    required,
    (entry) => {
      count.read += 1;
      if (!entry.row) return quarantineRow(ctx, file, entry.line, entry.reason, entry.raw, null);
      const result = parse(entry.row);
      if (!result.ok) return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, entry.row);
      return onValue(result.value, entry);
    },
    (bytes) => ctx.onBytes?.(file, bytes),
  );
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
  const rows = [...accepted.values()].flat();
  for (let i = 0; i < rows.length; i += 1000) {
    await ctx.database.db
      .insertInto("subscriber_periods")
      .values(
        rows.slice(i, i + 1000).map((p) => ({
          msisdn: p.msisdn,
          account_id: p.accountId,
          plan_id: p.planId,
          active_from: p.activeFrom,
          active_to: p.activeTo,
          home_area: p.homeArea,
          vpmn_group: p.vpmnGroup,
          payment: p.payment,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["msisdn", "active_from"]).doUpdateSet((eb) => ({
          account_id: eb.ref("excluded.account_id"),
          plan_id: eb.ref("excluded.plan_id"),
          active_to: eb.ref("excluded.active_to"),
          home_area: eb.ref("excluded.home_area"),
          vpmn_group: eb.ref("excluded.vpmn_group"),
          payment: eb.ref("excluded.payment"),
        })),
      )
      .execute();
  }
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
  for (let i = 0; i < rows.length; i += 1000) {
    await ctx.database.db
      .insertInto("subscriptions")
      .values(
        rows.slice(i, i + 1000).map((s) => ({
          msisdn: s.msisdn,
          product_id: s.productId,
          ordered_at: new Date(s.orderedMs),
          confirmed_at: s.confirmedMs === null ? null : new Date(s.confirmedMs),
          cancelled_at: s.cancelledMs === null ? null : new Date(s.cancelledMs),
        })),
      )
      .onConflict((oc) =>
        oc.columns(["msisdn", "product_id", "ordered_at"]).doUpdateSet((eb) => ({
          confirmed_at: eb.ref("excluded.confirmed_at"),
          cancelled_at: eb.ref("excluded.cancelled_at"),
        })),
      )
      .execute();
  }
  return bySubscriber;
}

const COPY_BATCH = 10_000;

const STAGING_HEAD = ["run_id", "shard", "file", "file_seq", "line"];
const CDR_STAGING_COLUMNS = [
  ...STAGING_HEAD,
  "bill_month",
  "record_id",
  "msisdn",
  "service",
  "direction",
  "other_party",
  "start_ms",
  "duration_s",
  "bytes_up",
  "bytes_down",
  "visited_area",
  "raw",
];
const BILL_STAGING_COLUMNS = [...STAGING_HEAD, ...BILL_COLUMNS];

/**
 * COPY CSV lines for a staging table, COPY_BATCH at a time, double buffered:
 * the reader goes on parsing the next batch while one COPY is in flight, and
 * waits only when a second batch is full before the first is in.
 */
function stager(ctx: IngestContext, table: string, columns: readonly string[]) {
  const lines = new CopyLines(1 << 22);
  let inflight: Promise<void> | null = null;
  const copy = (batch: Uint8Array, previous: Promise<void> | null) => {
    const next = (async () => {
      if (previous) await previous;
      await inTransaction(ctx.database, (s) => s.copy(table, columns, batch));
    })();
    next.catch(() => {}); // awaited by the reader or by done(); never left unhandled
    return next;
  };
  return {
    add(line: string): Promise<void> | undefined {
      lines.add(line);
      if (lines.count < COPY_BATCH) return undefined;
      const previous = inflight;
      inflight = copy(lines.take(), previous);
      return previous ?? undefined;
    },
    async done(): Promise<void> {
      if (lines.count > 0) inflight = copy(lines.take(), inflight);
      await inflight;
    },
  };
}

/**
 * Streams usage files (CDRs or bills) into a staging table: every row is
 * counted, a malformed one quarantined with its reason, one of another share
 * counted apart, and the rest COPYed in batches. `toLine` gets the staging
 * columns every row of the file shares, as COPY CSV ending in a comma.
 */
async function stageFiles<T extends { readonly msisdn: string }>(
  ctx: IngestContext,
  files: readonly string[],
  required: readonly string[],
  parse: (row: Row) => Parsed<T>,
  table: string,
  columns: readonly string[],
  toLine: (value: T, head: string, entry: { line: number; raw: string }) => string,
): Promise<void> {
  const shard = formatShard(ctx.shard);
  const staging = stager(ctx, table, columns);
  for (const [fileSeq, file] of files.entries()) {
    const head = `${copyText(ctx.runId)},${copyText(shard)},${copyText(file)},${fileSeq},`;
    await readParsed(ctx, file, required, parse, (value, entry) => {
      if (!inShard(value.msisdn, ctx.shard)) {
        countFor(ctx, file).otherShards += 1;
        return undefined;
      }
      return staging.add(toLine(value, head, entry));
    });
  }
  await staging.done();
}

/**
 * A parsed CDR as a COPY CSV line of cdr_staging. Fields the parser has
 * checked to be digits or a fixed word go as they are; empty text is quoted
 * (an empty string, not NULL) and only `direction` of data is NULL. The raw
 * row always holds commas, so it is always quoted: copyText's test for that
 * cost 0.6 s of the 7 s a 2M-CDR file takes to stage.
 */
function cdrStagingLine(r: UsageRecord & { billMonth: string }, head: string, at: { line: number; raw: string }) {
  return (
    `${head}${at.line},${r.billMonth},${copyText(r.recordId)},${r.msisdn},${r.service},${r.direction ?? ""},` +
    `"${r.otherParty}",${r.startMs},${r.durationS},${r.bytesUp},${r.bytesDown},"${r.visitedArea}",` +
    `"${at.raw.includes('"') ? at.raw.replaceAll('"', '""') : at.raw}"\n`
  );
}

/** Drops this share's staging: before a run (what a crashed attempt left) and after it. */
export async function clearStaging(ctx: IngestContext): Promise<void> {
  await inTransaction(ctx.database, async (s) => {
    for (const table of ["cdr_staging", "bill_staging"]) {
      await s.query(`DELETE FROM ${table} WHERE run_id = $1 AND shard = $2`, [ctx.runId, formatShard(ctx.shard)]);
      // Staging of runs killed more than a day ago will never be merged.
      await s.query(
        `DELETE FROM ${table} WHERE run_id IN (SELECT run_id FROM runs WHERE started_at < now() - interval '1 day')`,
      );
    }
  });
}

/** A staged start (milliseconds since the epoch) as a timestamp, in exact integer arithmetic. */
const START_TIME = "timestamptz '1970-01-01T00:00:00Z' + s.start_ms * interval '1 millisecond'";

/**
 * Streams the CDR files into staging with COPY, for mergeCdrs to merge in
 * the database: a repeated record_id is quarantined (the first row, by file and line,
 * stands), the rest is upserted into the month partitions (a record delivered
 * again by a later run replaces the stored one). Memory holds one COPY batch.
 * The staged rows stay until the run ends (clearStaging): they name the
 * records this run delivered, for its counts, even when another run delivers
 * the same records again meanwhile.
 */
export async function stageCdrs(ctx: IngestContext): Promise<void> {
  await stageFiles(ctx, ctx.inputs.cdrs, CDR_COLUMNS, parseCdrRow, "cdr_staging", CDR_STAGING_COLUMNS, cdrStagingLine);
}

/** Merges this share's staged CDRs into `cdrs` (see stageCdrs); returns their bill months. */
export async function mergeCdrs(ctx: IngestContext): Promise<string[]> {
  const shard = formatShard(ctx.shard);
  const params = [ctx.runId, shard];
  const staged = await inTransaction(ctx.database, (s) =>
    s.query<{ bill_month: string }>(
      "SELECT DISTINCT bill_month FROM cdr_staging WHERE run_id = $1 AND shard = $2 ORDER BY bill_month",
      params,
    ),
  );
  const months = staged.map((m) => m.bill_month);
  await ensureCdrPartitions(ctx.database, months);
  await analyze(ctx, ["cdr_staging"]);
  await inTransaction(ctx.database, async (s) => {
    // Shares of one run merge into the same partitions: one at a time, so a
    // record_id two shares both deliver is inserted once and then updated.
    await takeMergeTurn(ctx, s, "cdrs merge");
    const repeated = await s.query<{ file: string; n: number }>(
      `WITH q AS (
         INSERT INTO quarantined_rows (run_id, shard, file, line, reason, raw, record_id, msisdn, bill_month)
         SELECT run_id, shard, file, line, 'duplicate record_id ' || record_id, raw, NULL, NULL, NULL
         FROM (SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY file_seq, line) AS rn
               FROM cdr_staging WHERE run_id = $1 AND shard = $2) r
         WHERE rn > 1
         RETURNING file)
       SELECT file, count(*)::int AS n FROM q GROUP BY file`,
      params,
    );
    for (const { file, n } of repeated) {
      const count = countFor(ctx, file);
      count.quarantined += n;
      count.duplicateIds += n;
    }
    if (repeated.length > 0) {
      await s.query(
        `DELETE FROM cdr_staging s USING quarantined_rows q
         WHERE q.run_id = $1 AND q.shard = $2 AND q.reason LIKE 'duplicate record_id %'
           AND s.run_id = q.run_id AND s.shard = q.shard AND s.file = q.file AND s.line = q.line`,
        params,
      );
    }
    // A re-delivered record replaces the stored one. Updating the few stored
    // ones and inserting the rest in key order is cheaper than INSERT … ON
    // CONFLICT DO UPDATE, which inserts every row speculatively (2M new
    // records on the server: 9 s against 14 s).
    await s.query(
      `UPDATE cdrs c SET
         msisdn = s.msisdn, service = s.service, direction = s.direction, other_party = s.other_party,
         start_time = ${START_TIME}, duration_s = s.duration_s, bytes_up = s.bytes_up, bytes_down = s.bytes_down,
         visited_area = s.visited_area, source_file = s.file, source_line = s.line, run_id = s.run_id
       FROM cdr_staging s
       WHERE s.run_id = $1 AND s.shard = $2 AND c.bill_month = s.bill_month AND c.record_id = s.record_id`,
      params,
    );
    await s.query(
      `INSERT INTO cdrs (bill_month, record_id, msisdn, service, direction, other_party, start_time, duration_s,
         bytes_up, bytes_down, visited_area, source_file, source_line, run_id)
       SELECT bill_month, record_id, msisdn, service, direction, other_party, ${START_TIME}, duration_s,
         bytes_up, bytes_down, visited_area, file, line, run_id
       FROM cdr_staging s
       WHERE s.run_id = $1 AND s.shard = $2
         AND NOT EXISTS (SELECT 1 FROM cdrs c WHERE c.bill_month = s.bill_month AND c.record_id = s.record_id)
       ORDER BY bill_month, record_id`,
      params,
    );
  });
  await analyze(ctx, months.map(cdrPartitionName));
  return months;
}

/**
 * Streams the BOSS bills into staging with COPY, then replaces, for every
 * (bill month, msisdn) they contain, the stored bill with these lines,
 * numbering repeated lines of one item key (occurrence 1, 2, …) in file and
 * line order. Returns the bill months.
 */
export async function ingestBills(ctx: IngestContext): Promise<string[]> {
  const shard = formatShard(ctx.shard);
  await stageFiles(
    ctx,
    ctx.inputs.bills,
    BILL_COLUMNS,
    parseBillRow,
    "bill_staging",
    BILL_STAGING_COLUMNS,
    (l, head, at) => `${head}${at.line},${l.billMonth},${l.msisdn},${copyText(l.itemKey)},${formatCents(l.cents)}\n`,
  );
  const billMonths = await inTransaction(ctx.database, async (s) => {
    const params = [ctx.runId, shard];
    // One replacement at a time: two runs replacing one subscriber's bill at
    // once would each delete, then both insert the same lines.
    await takeMergeTurn(ctx, s, "bill_lines merge");
    await s.query(
      `DELETE FROM bill_lines b USING (SELECT DISTINCT bill_month, msisdn FROM bill_staging WHERE run_id = $1 AND shard = $2) s
       WHERE b.bill_month = s.bill_month AND b.msisdn = s.msisdn`,
      params,
    );
    await s.query(
      `INSERT INTO bill_lines (bill_month, msisdn, item_key, occurrence, amount, source_file, source_line)
       SELECT bill_month, msisdn, item_key,
         row_number() OVER (PARTITION BY bill_month, msisdn, item_key ORDER BY file_seq, line), amount, file, line
       FROM bill_staging WHERE run_id = $1 AND shard = $2`,
      params,
    );
    const months = await s.query<{ bill_month: string }>(
      "SELECT DISTINCT bill_month FROM bill_staging WHERE run_id = $1 AND shard = $2 ORDER BY bill_month",
      params,
    );
    await s.query("DELETE FROM bill_staging WHERE run_id = $1 AND shard = $2", params);
    return months.map((m) => m.bill_month);
  });
  await analyze(ctx, ["bill_lines"]);
  return billMonths;
}

/**
 * Waits for this transaction's turn at a set-based merge (a transaction-level
 * advisory lock), and gives its sorts room in memory on the server; PGlite's
 * memory is the process's own, so it keeps its default.
 */
async function takeMergeTurn(ctx: IngestContext, session: RawSession, merge: string): Promise<void> {
  await session.query("SELECT pg_advisory_xact_lock(hashtext($1))", [merge]);
  if (ctx.database.kind === "postgres") await session.query("SET LOCAL work_mem = '64MB'");
}

/**
 * Fresh statistics after a bulk load (staging included, before its merge):
 * until autovacuum gets to them the planner takes the tables for nearly empty
 * and scans them whole for every chunk's lookup (or, in the merge, every
 * quarantined duplicate's), which made reconciliation grow faster than its input.
 */
async function analyze(ctx: IngestContext, tables: readonly string[]): Promise<void> {
  for (const table of tables) await inTransaction(ctx.database, (s) => s.query(`ANALYZE ${table}`));
}
