import type { PlanPeriod, Subscription } from "@billing/rating";
import type { Selectable } from "kysely";
import type { BillingDatabase } from "../dialect.js";
import type { SubscriberPeriodsTable } from "../schema.js";

const UPSERT_ROWS = 10_000;

/** A stored plan period as the rating core's. */
export const toPeriod = (p: Selectable<SubscriberPeriodsTable>): PlanPeriod => ({
  msisdn: p.msisdn,
  accountId: p.account_id,
  planId: p.plan_id,
  activeFrom: p.active_from,
  activeTo: p.active_to,
  homeArea: p.home_area,
  vpmnGroup: p.vpmn_group,
  payment: p.payment,
});

/**
 * Inserts or updates reference rows (objects keyed by column), many to one
 * statement through json_populate_recordset: a statement of 1,000 rows'
 * parameters each took the server longer to parse and plan than to store them.
 */
async function upsertRows(
  database: BillingDatabase,
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
    await database.transaction((session) =>
      session.query(
        `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json)
         ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${set} WHERE ${changed}`,
        [JSON.stringify(unique.slice(i, i + UPSERT_ROWS))],
      ),
    );
  }
}

/**
 * Stores the accepted plan periods and the subscriptions (replay and the
 * bill query read them; a run reads them from its spill).
 */
export async function storeReferenceData(
  database: BillingDatabase,
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
    database,
    "subscriber_periods",
    rows,
    ["msisdn", "active_from"],
    ["account_id", "plan_id", "active_to", "home_area", "vpmn_group", "payment"],
  );
  const t = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  // By msisdn, each one's in file order: of rows repeating a key, the last in the file still stands.
  await upsertRows(
    database,
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

/** Whether any subscription is stored at all. */
export async function anySubscriptionStored(database: BillingDatabase): Promise<boolean> {
  const row = await database.db.selectFrom("subscriptions").select("msisdn").limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The stored plan periods of the msisdns in [first, end) (either open), by msisdn, each one's by active_from. */
export async function storedPeriodsIn(
  database: BillingDatabase,
  bounds: { readonly first?: string; readonly end?: string },
): Promise<Map<string, PlanPeriod[]>> {
  let query = database.db.selectFrom("subscriber_periods").selectAll();
  if (bounds.first !== undefined) query = query.where("msisdn", ">=", bounds.first);
  if (bounds.end !== undefined) query = query.where("msisdn", "<", bounds.end);
  const rows = await query.orderBy("msisdn").orderBy("active_from").execute();
  const byMsisdn = new Map<string, PlanPeriod[]>();
  for (const p of rows) {
    const list = byMsisdn.get(p.msisdn) ?? [];
    list.push(toPeriod(p));
    byMsisdn.set(p.msisdn, list);
  }
  return byMsisdn;
}
