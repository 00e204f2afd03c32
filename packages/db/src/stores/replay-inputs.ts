import { ReplayError, type ReplayInputs } from "@billing/reconciliation";
import type { BillingDatabase } from "../dialect.js";
import { latestCatalogue } from "./catalogues.js";
import { creditsOfMonth } from "./ledger.js";
import {
  periodsQuarantined,
  quarantinedReasonsFor,
  referenceQuarantined,
  unreadableOf,
  usageQuarantined,
} from "./quarantine.js";
import { toPeriod } from "./reference.js";
import { anyMonthStored, storedBillOf, storedRecordsOf } from "./subscriber-months.js";

/** Reads the stored inputs of one subscriber-month: everything its replay (and the customer's statement) reconciles. */
export async function loadReplayInputs(
  database: BillingDatabase,
  msisdn: string,
  billMonth: string,
): Promise<ReplayInputs> {
  const db = database.db;
  const catalogue = await latestCatalogue(database);
  if (!catalogue) throw new ReplayError("no_catalogue", "no tariff catalogue is stored: run billing reconcile first");
  const periods = (
    await db.selectFrom("subscriber_periods").selectAll().where("msisdn", "=", msisdn).orderBy("active_from").execute()
  ).map(toPeriod);
  const groups = [...new Set(periods.map((p) => p.vpmnGroup).filter((g): g is string => g !== null))];
  const groupPeriods =
    groups.length === 0
      ? []
      : (
          await db
            .selectFrom("subscriber_periods")
            .selectAll()
            .where("vpmn_group", "in", groups)
            .where("msisdn", "<>", msisdn)
            .orderBy("msisdn")
            .orderBy("active_from")
            .execute()
        ).map(toPeriod);
  const subscriptions = (
    await db
      .selectFrom("subscriptions")
      .selectAll()
      .where("msisdn", "=", msisdn)
      .orderBy("product_id")
      .orderBy("ordered_at")
      .execute()
  ).map((s) => ({
    msisdn: s.msisdn,
    productId: s.product_id,
    orderedMs: s.ordered_at.getTime(),
    confirmedMs: s.confirmed_at ? s.confirmed_at.getTime() : null,
    cancelledMs: s.cancelled_at ? s.cancelled_at.getTime() : null,
  }));
  const records = await storedRecordsOf(database, msisdn, billMonth);
  const billLines = await storedBillOf(database, msisdn, billMonth);
  const quarantined = await quarantinedReasonsFor(database, [...new Set(billLines.map((l) => l.itemKey))], billMonth);
  const referenceQuarantinedRows = (await referenceQuarantined(database, [msisdn])).get(msisdn) ?? [];
  const usageRows = (await usageQuarantined(database, [msisdn], billMonth)).get(msisdn) ?? [];
  const unreadable = unreadableOf(usageRows);
  // The other parties' numbers as the last 11 digits dialled: a superset of the mobile numbers rating finds.
  const parties = [...new Set(records.map((r) => r.otherParty.replace(/\D/g, "").slice(-11)))];
  const periodRows = await periodsQuarantined(database, { msisdns: parties });
  const credits = await creditsOfMonth(database, msisdn, billMonth);
  if (periods.length === 0 && records.length === 0 && billLines.length === 0 && subscriptions.length === 0) {
    if (!(await anyMonthStored(database, msisdn)) && credits.length === 0) {
      throw new ReplayError(
        "unknown_msisdn",
        `unknown msisdn ${msisdn}: no plan period, record or bill line is stored for it`,
      );
    }
  }
  return {
    msisdn,
    billMonth,
    catalogueText: catalogue.document,
    catalogueDigest: catalogue.digest,
    periods,
    groupPeriods,
    subscriptions,
    records,
    billLines,
    quarantined,
    unreadableQuarantined: unreadable,
    referenceQuarantined: referenceQuarantinedRows,
    usageQuarantined: usageRows,
    periodsQuarantined: [...periodRows],
    credits,
  };
}
