import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  addToSet,
  BILL_COLUMNS,
  CDR_COLUMNS,
  SUBSCRIBER_COLUMNS,
  SUBSCRIPTION_COLUMNS,
  subscriberFields,
  subscriptionFields,
} from "@billing/formats";
import { CsvOutput } from "@billing/nightly";
import {
  formatCents,
  type MonthSpan,
  type PlanPeriod,
  parseCatalogue,
  parseMonth,
  rateSubscriberMonth,
} from "@billing/rating";
import { DISCREPANCY_CLASSES, directoryOf } from "@billing/reconciliation";
import { bossBill, type InjectedError } from "./bill.js";
import { generatedCatalogue } from "./catalogue.js";
import { blocksFor, generatePopulation, subscriberOf, subscriberText } from "./population.js";
import { seededRandom } from "./random.js";
import { cdrFields, generateUsage } from "./usage.js";

export { MAX_SUBSCRIBERS } from "./population.js";

export interface GenerateOptions {
  readonly outDir: string;
  readonly subscribers: number;
  /** `YYYY-MM`, in order. */
  readonly months: readonly string[];
  readonly seed: string;
  /** Share of bill lines given an injected error. */
  readonly errorRate: number;
  /** Average usage records per subscriber-month. */
  readonly recordsPerSubscriber?: number;
}

export const INJECTED_COLUMNS = [
  "bill_month",
  "msisdn",
  "item_key",
  "occurrence",
  "class",
  "billed",
  "expected",
] as const;

export interface GenerateSummary {
  readonly subscribers: number;
  readonly months: readonly string[];
  readonly cdrRows: number;
  readonly records: number;
  /** Rows reconcile must quarantine: repeated record_ids and malformed rows. */
  readonly quarantinable: number;
  readonly billLines: number;
  readonly injected: Readonly<Record<string, number>>;
}

/**
 * Writes a realistic input DIR for `billing reconcile` (cli.md, `billing
 * generate`): tariffs, subscribers, subscriptions, one CDR file and one BOSS
 * bill per month, and `injected-errors.csv`, the discrepancies a correct run
 * must report, with `generated.json` counting what was written. The same
 * options and seed always write the same bytes.
 */
export async function generate(options: GenerateOptions): Promise<GenerateSummary> {
  const spans = options.months.map((m) => {
    const span = parseMonth(m);
    if (!span) throw new RangeError(`not a month: ${m}`);
    return span;
  });
  const random = seededRandom(options.seed);
  const perSubscriber = options.recordsPerSubscriber ?? 40;
  await mkdir(options.outDir, { recursive: true });
  const catalogueJson = generatedCatalogue(blocksFor(options.subscribers));
  await writeFile(join(options.outDir, "tariffs.json"), `${JSON.stringify(catalogueJson, null, 2)}\n`);
  const parsed = parseCatalogue(catalogueJson);
  if (!parsed.ok) throw new Error(`generated catalogue refused: ${JSON.stringify(parsed.problems)}`);
  const catalogue = parsed.catalogue;

  /*
   * Each subscriber is held as compact text (subscriberText) and read again
   * when its turn comes: as objects, some 690 bytes each, 1,000,000
   * subscribers did not fit the 768 MB heap of `billing`.
   */
  const population: string[] = [];
  const memberPeriods = new Map<string, readonly PlanPeriod[]>();
  const subscribersOut = new CsvOutput(join(options.outDir, "subscribers.csv"), SUBSCRIBER_COLUMNS);
  const subscriptionsOut = new CsvOutput(join(options.outDir, "subscriptions.csv"), SUBSCRIPTION_COLUMNS);
  // Each VPMN group's members in the order first met.
  const members = new Map<string, Set<string>>();
  for (const s of generatePopulation(random, options.subscribers, spans)) {
    population.push(subscriberText(s));
    for (const p of s.periods) {
      await subscribersOut.write(subscriberFields(p));
      if (p.vpmnGroup) {
        addToSet(members, p.vpmnGroup, p.msisdn);
        memberPeriods.set(p.msisdn, s.periods);
      }
    }
    for (const sub of s.subscriptions) {
      await subscriptionsOut.write(subscriptionFields(sub));
    }
  }
  await subscribersOut.close();
  await subscriptionsOut.close();
  const groups = new Map([...members].map(([group, set]) => [group, [...set]]));
  const directory = directoryOf(memberPeriods);
  memberPeriods.clear();

  const injectedOut = new CsvOutput(join(options.outDir, "injected-errors.csv"), INJECTED_COLUMNS);
  const injected = new Map<string, number>(DISCREPANCY_CLASSES.map((c) => [c, 0]));
  let cdrRows = 0;
  let records = 0;
  let quarantinable = 0;
  let billLines = 0;
  let sequence = 0;
  for (const span of spans) {
    const compact = span.month.replace("-", "");
    const cdrOut = new CsvOutput(join(options.outDir, `cdr-${compact}.csv`), CDR_COLUMNS);
    const billOut = new CsvOutput(join(options.outDir, `boss-bill-${compact}.csv`), BILL_COLUMNS);
    const nextId = () => `C${compact}${(sequence++).toString(36).toUpperCase().padStart(7, "0")}`;
    const monthErrors: InjectedError[] = [];
    for (const text of population) {
      const subscriber = subscriberOf(text);
      const mates = subscriber.periods[0]?.vpmnGroup ? (groups.get(subscriber.periods[0].vpmnGroup) ?? []) : [];
      const usage = generateUsage(random, subscriber, span, perSubscriber, nextId, mates);
      for (const row of usage.rows) {
        cdrRows += 1;
        if (row.kind === "record") await cdrOut.write(cdrFields(row.record, row.startText));
        else await cdrOut.write(row.fields);
      }
      records += usage.records.length;
      quarantinable += usage.rows.length - usage.records.length;
      const month = rateSubscriberMonth({
        billMonth: span.month,
        msisdn: subscriber.msisdn,
        periods: subscriber.periods,
        subscriptions: subscriber.subscriptions,
        records: usage.records,
        catalogue,
        directory,
      });
      const bill = bossBill(random, month, options.errorRate);
      for (const line of bill.lines) {
        billLines += 1;
        await billOut.write([span.month, subscriber.msisdn, line.itemKey, formatCents(line.cents)]);
      }
      monthErrors.push(...bill.errors);
    }
    await cdrOut.close();
    await billOut.close();
    for (const e of monthErrors) {
      injected.set(e.class, (injected.get(e.class) ?? 0) + 1);
      await injectedOut.write([
        e.billMonth,
        e.msisdn,
        e.itemKey,
        String(e.occurrence),
        e.class,
        e.billedCents === null ? "" : formatCents(e.billedCents),
        e.expectedCents === null ? "" : formatCents(e.expectedCents),
      ]);
    }
  }
  await injectedOut.close();
  const summary: GenerateSummary = {
    subscribers: population.length,
    months: spans.map((s: MonthSpan) => s.month),
    cdrRows,
    records,
    quarantinable,
    billLines,
    injected: Object.fromEntries(injected),
  };
  await writeFile(join(options.outDir, "generated.json"), `${JSON.stringify({ ...options, ...summary }, null, 2)}\n`);
  return summary;
}
