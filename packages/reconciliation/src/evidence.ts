import { createHash } from "node:crypto";
import {
  BILL_COLUMNS,
  CDR_COLUMNS,
  csvLine,
  SUBSCRIBER_COLUMNS,
  SUBSCRIPTION_COLUMNS,
  subscriberFields,
  subscriptionFields,
} from "@billing/formats";
import { formatCents, formatTimestamp } from "@billing/rating";
import type { ReplayInputs } from "./replay-inputs.js";

const csv = (header: readonly string[], rows: readonly (readonly string[])[]) =>
  [header, ...rows].map((r) => csvLine(r)).join("");

/**
 * The stored inputs a replay read, as the files of an input folder of
 * `billing reconcile` (so the month can be re-checked with the tool itself or
 * by hand), with the credits already issued and the quarantined record ids.
 * Their bytes are what `inputs_sha256` of the replay hashes.
 */
export function evidenceFiles(inputs: ReplayInputs): Record<string, string> {
  const month = inputs.billMonth.replace("-", "");
  const periods = [...inputs.periods, ...inputs.groupPeriods];
  return {
    "tariffs.json": inputs.catalogueText,
    "subscribers.csv": csv(SUBSCRIBER_COLUMNS, periods.map(subscriberFields)),
    "subscriptions.csv": csv(SUBSCRIPTION_COLUMNS, inputs.subscriptions.map(subscriptionFields)),
    [`cdr-${inputs.msisdn}-${month}.csv`]: csv(CDR_COLUMNS, evidenceCdrRows(inputs)),
    [`boss-bill-${month}-${inputs.msisdn}.csv`]: csv(
      BILL_COLUMNS,
      inputs.billLines.map((l) => [inputs.billMonth, inputs.msisdn, l.itemKey, formatCents(l.cents)]),
    ),
    "credits-issued.csv": csv(
      ["credit_id", "idempotency_key", "issue_seq", "item_key", "occurrence", "class", "refund", "run_id"],
      inputs.credits.map((c) => [
        c.creditId,
        c.idempotencyKey,
        String(c.issueSeq),
        c.itemKey,
        String(c.occurrence),
        c.class,
        formatCents(c.refundCents),
        c.runId,
      ]),
    ),
    "quarantined-records.csv": csv(
      ["record_id", "reason"],
      [
        ...inputs.quarantined.entries(),
        ...(inputs.unreadableQuarantined === null ? [] : [["", inputs.unreadableQuarantined] as [string, string]]),
        ...inputs.referenceQuarantined.map((r) => [r.item, r.reason] as [string, string]),
      ],
    ),
  };
}

/** SHA-256 over the evidence files, by name: what `inputs_sha256` is. */
export function evidenceDigest(files: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256");
  for (const name of Object.keys(files).sort()) hash.update(`${name}\u0000${files[name]}\u0000`);
  return hash.digest("hex");
}

/** The CDR rows of the evidence, in the columns of formats.md. */
export function evidenceCdrRows(inputs: ReplayInputs): string[][] {
  return inputs.records.map((r) => [
    r.recordId,
    r.msisdn,
    r.service,
    r.direction ?? "",
    r.otherParty,
    formatTimestamp(r.startMs),
    r.service === "voice" ? String(r.durationS) : "",
    r.service === "data" ? String(r.bytesUp) : "",
    r.service === "data" ? String(r.bytesDown) : "",
    r.visitedArea,
  ]);
}

/** The evidence pack's README: how a second person re-checks the replay. */
export function evidenceReadme(inputs: ReplayInputs, sha256: string): string {
  return [
    `Evidence of the replay of ${inputs.msisdn} in ${inputs.billMonth}, sha256 ${sha256}.`,
    "",
    "tariffs.json, subscribers.csv, subscriptions.csv, cdr-*.csv and boss-bill-*.csv are the stored inputs the",
    "replay read, in the formats of the specification. subscribers.csv also holds the periods of the",
    "subscriber's VPMN group mates, which decide the group category of calls.",
    "",
    "To re-check: `billing reconcile --in <this folder> --out <dir>` on an empty database recomputes the",
    `month; its discrepancies.csv lists, for ${inputs.msisdn}, the same discrepancies as replay.json (rows of`,
    "group mates are theirs to ignore: only their plan periods are here, not their bills; credits-issued.csv",
    "and quarantined-records.csv are what the ledger and earlier runs held, which a fresh database does not).",
    "To check the digests: inputs_sha256 in replay.json is the SHA-256 over every other file here but",
    "replay.json and README.txt, by name in code-unit order, each as name, NUL, content, NUL; sha256 is the",
    "SHA-256 of replay.json without its last field.",
    "",
  ].join("\n");
}
