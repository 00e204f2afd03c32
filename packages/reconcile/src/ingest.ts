import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BillingDatabase, ensureCdrPartition } from "@billing/db";
import {
  type Catalogue,
  formatCents,
  type PlanPeriod,
  parseCatalogueText,
  type Subscription,
  type UsageRecord,
} from "@billing/rating";
import { sql } from "kysely";
import { readCsv } from "./csv.js";
import { InputError } from "./errors.js";
import type { InputFiles } from "./inputs.js";
import type { QuarantineSink } from "./quarantine.js";
import {
  BILL_COLUMNS,
  type BillLine,
  CDR_COLUMNS,
  checkPlanPeriods,
  parseBillRow,
  parseCdrRow,
  parseSubscriberRow,
  parseSubscriptionRow,
  type Row,
  SUBSCRIBER_COLUMNS,
  SUBSCRIPTION_COLUMNS,
} from "./row-parsers.js";
import { inShard, type Shard } from "./shard.js";

export interface FileCount {
  read: number;
  quarantined: number;
  /** CDR rows whose record_id was already read in this run (quarantined as well, counted apart). */
  duplicateIds: number;
}

export interface IngestContext {
  readonly database: BillingDatabase;
  readonly inputs: InputFiles;
  readonly shard: Shard;
  readonly quarantine: QuarantineSink;
  readonly counts: Map<string, FileCount>;
}

function countFor(ctx: IngestContext, file: string): FileCount {
  let c = ctx.counts.get(file);
  if (!c) {
    c = { read: 0, quarantined: 0, duplicateIds: 0 };
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

function quarantineRow(ctx: IngestContext, file: string, line: number, reason: string, raw: string, row: Row | null) {
  countFor(ctx, file).quarantined += 1;
  const msisdn = row?.msisdn && /^\d{11}$/.test(row.msisdn) ? row.msisdn : null;
  return ctx.quarantine.add({
    file,
    line,
    reason,
    raw,
    recordId: row?.record_id || null,
    msisdn,
    billMonth: null,
  });
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
  await readCsv(join(ctx.inputs.dir, file), file, SUBSCRIBER_COLUMNS, (entry) => {
    countFor(ctx, file).read += 1;
    if (!entry.row) return quarantineRow(ctx, file, entry.line, entry.reason, entry.raw, null);
    const result = parseSubscriberRow(entry.row);
    if (!result.ok) return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, entry.row);
    parsed.push({ line: entry.line, raw: entry.raw, period: result.value });
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
  await readCsv(join(ctx.inputs.dir, file), file, SUBSCRIPTION_COLUMNS, (entry) => {
    countFor(ctx, file).read += 1;
    if (!entry.row) return quarantineRow(ctx, file, entry.line, entry.reason, entry.raw, null);
    const result = parseSubscriptionRow(entry.row);
    if (!result.ok) return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, entry.row);
    rows.push(result.value);
    bySubscriber.set(result.value.msisdn, [...(bySubscriber.get(result.value.msisdn) ?? []), result.value]);
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

const CDR_BATCH = 2000;

/**
 * Streams the CDR files into the database. A repeated record_id is quarantined
 * (the first row stands); a record delivered again by a later run replaces the
 * stored one. Returns the bill months the CDRs touch.
 */
export async function ingestCdrs(
  ctx: IngestContext,
  months: Set<string>,
): Promise<{ ids: Set<string>; otherShards: number }> {
  const seen = new Set<string>();
  let otherShards = 0;
  const partitions = new Set<string>();
  let batch: (UsageRecord & { billMonth: string; file: string; line: number })[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    for (const month of new Set(rows.map((r) => r.billMonth))) {
      if (!partitions.has(month)) {
        await ensureCdrPartition(ctx.database.db as never, month);
        partitions.add(month);
      }
    }
    await ctx.database.db
      .insertInto("cdrs")
      .values(
        rows.map((r) => ({
          bill_month: r.billMonth,
          record_id: r.recordId,
          msisdn: r.msisdn,
          service: r.service,
          direction: r.direction,
          other_party: r.otherParty,
          start_time: new Date(r.startMs),
          duration_s: r.durationS,
          bytes_up: r.bytesUp,
          bytes_down: r.bytesDown,
          visited_area: r.visitedArea,
          source_file: r.file,
          source_line: r.line,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["bill_month", "record_id"]).doUpdateSet({
          msisdn: sql`excluded.msisdn`,
          service: sql`excluded.service`,
          direction: sql`excluded.direction`,
          other_party: sql`excluded.other_party`,
          start_time: sql`excluded.start_time`,
          duration_s: sql`excluded.duration_s`,
          bytes_up: sql`excluded.bytes_up`,
          bytes_down: sql`excluded.bytes_down`,
          visited_area: sql`excluded.visited_area`,
          source_file: sql`excluded.source_file`,
          source_line: sql`excluded.source_line`,
        }),
      )
      .execute();
  };
  for (const file of ctx.inputs.cdrs) {
    await readCsv(join(ctx.inputs.dir, file), file, CDR_COLUMNS, (entry) => {
      const count = countFor(ctx, file);
      count.read += 1;
      if (!entry.row) return quarantineRow(ctx, file, entry.line, entry.reason, entry.raw, null);
      const result = parseCdrRow(entry.row);
      if (!result.ok) return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, entry.row);
      const record = result.value;
      if (seen.has(record.recordId)) {
        count.duplicateIds += 1;
        return quarantineRow(ctx, file, entry.line, `duplicate record_id ${record.recordId}`, entry.raw, null);
      }
      seen.add(record.recordId);
      months.add(record.billMonth);
      if (!inShard(record.msisdn, ctx.shard)) {
        otherShards += 1;
        return undefined;
      }
      batch.push({ ...record, file, line: entry.line });
      return batch.length >= CDR_BATCH ? flush() : undefined;
    });
  }
  if (batch.length > 0) await flush();
  return { ids: seen, otherShards };
}

/**
 * Streams the BOSS bills into the database, numbering repeated lines of one
 * item key in a month (occurrence 1, 2, …) in file and line order.
 */
export async function ingestBills(ctx: IngestContext, months: Set<string>): Promise<void> {
  const occurrences = new Map<string, number>();
  let batch: (BillLine & { occurrence: number; file: string; line: number })[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    await ctx.database.db
      .insertInto("bill_lines")
      .values(
        rows.map((r) => ({
          bill_month: r.billMonth,
          msisdn: r.msisdn,
          item_key: r.itemKey,
          occurrence: r.occurrence,
          amount: formatCents(r.cents),
          source_file: r.file,
          source_line: r.line,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["bill_month", "msisdn", "item_key", "occurrence"]).doUpdateSet({
          amount: sql`excluded.amount`,
          source_file: sql`excluded.source_file`,
          source_line: sql`excluded.source_line`,
        }),
      )
      .execute();
  };
  for (const file of ctx.inputs.bills) {
    await readCsv(join(ctx.inputs.dir, file), file, BILL_COLUMNS, (entry) => {
      countFor(ctx, file).read += 1;
      if (!entry.row) return quarantineRow(ctx, file, entry.line, entry.reason, entry.raw, null);
      const result = parseBillRow(entry.row);
      if (!result.ok) return quarantineRow(ctx, file, entry.line, result.reason, entry.raw, null);
      const line = result.value;
      months.add(line.billMonth);
      if (!inShard(line.msisdn, ctx.shard)) return undefined;
      const key = `${line.billMonth}\u001f${line.msisdn}\u001f${line.itemKey}`;
      const occurrence = (occurrences.get(key) ?? 0) + 1;
      occurrences.set(key, occurrence);
      batch.push({ ...line, occurrence, file, line: entry.line });
      return batch.length >= CDR_BATCH ? flush() : undefined;
    });
  }
  if (batch.length > 0) await flush();
}
