import { type BillingDatabase, chooseTarget, openDatabase } from "@billing/db";
import {
  type Actor,
  answerDispute,
  type CaseView,
  caseDocument,
  casesOf,
  DisputeError,
  type DisputeErrorCode,
  isStaff,
  openDispute,
  registerStaff,
  showDispute,
} from "@billing/disputes";
import { formatCents, formatTimestamp } from "@billing/rating";
import { REASON_ZH } from "@billing/reconciliation";
import { EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";
import { humanReplay } from "./replay-command.js";

interface Common {
  readonly database?: string;
}

/** Refusals of the work itself exit 1 (cli.md); a malformed value is bad usage, exit 2. */
const USAGE_CODES: ReadonlySet<DisputeErrorCode> = new Set([
  "invalid_reason",
  "invalid_outcome",
  "invalid_item",
  "words_too_long",
]);

async function withDatabase(
  command: string,
  args: Common,
  io: Io,
  work: (database: BillingDatabase) => Promise<number>,
): Promise<number> {
  const database = await openDatabase(chooseTarget(args.database, io.env));
  try {
    return await work(database);
  } catch (error) {
    if (!(error instanceof DisputeError)) throw error;
    io.stderr(`billing disputes ${command}: ${error.message}\n`);
    return USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.problems;
  } finally {
    await database.close();
  }
}

async function staffActor(database: BillingDatabase, staffId: string): Promise<Actor> {
  if (!(await isStaff(database, staffId)))
    throw new DisputeError("unknown_staff", `unknown staff id ${staffId}: register it with billing register-staff`);
  return { channel: "staff", staffId };
}

/** UTC+8 minutes, as the customer's receipt shows them. */
const at = (ms: number) => formatTimestamp(ms).slice(0, 16).replace("T", " ");

export async function disputesOpenCommand(
  args: Common & { msisdn: string; month: string; item?: string; reason: string; text?: string; staff: string },
  io: Io,
): Promise<number> {
  return withDatabase("open", args, io, async (database) => {
    const actor = await staffActor(database, args.staff);
    const opened = await openDispute(database, {
      msisdn: args.msisdn,
      billMonth: args.month,
      itemKey: args.item ?? null,
      reason: args.reason,
      words: args.text ?? "",
      actor,
      nowMs: io.now().getTime(),
    });
    const c = opened.case;
    io.stdout(`${c.caseId}\n`);
    io.stderr(
      `billing disputes open: ${opened.created ? "opened" : "an open case on this item already exists:"} ${c.caseId} ` +
        `on ${c.msisdn} ${c.billMonth} ${c.itemKey ?? "(the month)"}, due ${at(c.dueMs)} (UTC+8)\n`,
    );
    for (const r of opened.refunds)
      io.stderr(`billing disputes open: refunded ${formatCents(r.refundCents)} at once (vas_dispute, ${r.creditId})\n`);
    return EXIT.ok;
  });
}

export async function disputesListCommand(
  args: Common & { open?: boolean; overdue?: boolean; msisdn?: string; json?: boolean },
  io: Io,
): Promise<number> {
  return withDatabase("list", args, io, async (database) => {
    const nowMs = io.now().getTime();
    const views = await casesOf(
      database,
      {
        ...(args.msisdn !== undefined && { msisdn: args.msisdn }),
        ...(args.open && { open: true }),
        ...(args.overdue && { overdueAt: nowMs }),
      },
      { channel: "staff", staffId: "cli" },
      nowMs,
    );
    if (args.json) {
      io.stdout(`${JSON.stringify(views.map(caseDocument), null, 2)}\n`);
      return EXIT.ok;
    }
    const rows = views.map((v) => [
      v.case.caseId,
      v.case.msisdn,
      v.case.billMonth,
      v.case.itemKey ?? "(month)",
      v.case.reason,
      at(v.case.openedMs),
      at(v.case.dueMs),
      v.clock,
      v.case.answer?.outcome ?? "",
    ]);
    const titles = ["case", "msisdn", "month", "item", "reason", "opened", "due (UTC+8)", "clock", "answer"];
    io.stdout(table(titles, rows));
    io.stderr(`billing disputes list: ${views.length} case(s)\n`);
    return EXIT.ok;
  });
}

export async function disputesShowCommand(args: Common & { id: string; json?: boolean }, io: Io): Promise<number> {
  return withDatabase("show", args, io, async (database) => {
    const shown = await showDispute(database, args.id, { channel: "staff", staffId: "cli" }, io.now().getTime());
    if (args.json) {
      io.stdout(
        `${JSON.stringify({ ...caseDocument(shown), replay: { ...shown.replay.document, sha256: shown.replay.sha256 } }, null, 2)}\n`,
      );
      return EXIT.ok;
    }
    io.stdout(`${caseText(shown)}\n${humanReplay(shown.replay.document, shown.replay.sha256)}`);
    return EXIT.ok;
  });
}

export async function disputesAnswerCommand(
  args: Common & { id: string; outcome: string; staff: string; text?: string },
  io: Io,
): Promise<number> {
  return withDatabase("answer", args, io, async (database) => {
    await staffActor(database, args.staff);
    const answered = await answerDispute(database, {
      caseId: args.id,
      outcome: args.outcome,
      staffId: args.staff,
      ...(args.text !== undefined && { text: args.text }),
      nowMs: io.now().getTime(),
    });
    const a = answered.case.answer;
    const issued = answered.issued.reduce((n, c) => n + c.refundCents, 0);
    io.stdout(`${answered.case.caseId} ${a?.outcome}${a?.late ? " (late)" : ""}\n`);
    io.stderr(
      `billing disputes answer: ${answered.case.caseId} answered ${a?.outcome}` +
        (a?.late ? ", after its due time (marked late)" : "") +
        `; issued ${formatCents(issued)} now; credits of the item: ${a?.creditIds.join(", ") || "none"}; ` +
        `replay sha256 ${a?.replaySha256}\n`,
    );
    return EXIT.ok;
  });
}

/** `billing register-staff --id ID --name NAME`: prints the staff key for the staff API, shown only this once. */
export async function registerStaffCommand(args: Common & { id: string; name: string }, io: Io): Promise<number> {
  return withDatabase("register-staff", args, io, async (database) => {
    const key = await registerStaff(database, args.id, args.name);
    io.stdout(`${key}\n`);
    io.stderr(`billing register-staff: ${args.id} (${args.name}) registered; send X-Staff-Id and X-Staff-Key\n`);
    return EXIT.ok;
  });
}

function caseText(v: CaseView): string {
  const c = v.case;
  const lines = [
    `Case ${c.caseId}: ${c.msisdn} ${c.billMonth} ${c.itemKey ?? "(the month as a whole)"}`,
    `reason ${c.reason} (${REASON_ZH[c.reason]})${c.words ? `: ${c.words}` : ""}`,
    `opened ${at(c.openedMs)} by ${c.channel}${c.channelId ? ` ${c.channelId}` : ""}, due ${at(c.dueMs)} (UTC+8); ${v.clock}`,
  ];
  if (c.answer) {
    lines.push(
      `answered ${c.answer.outcome} by ${c.answer.staffId} at ${at(c.answer.answeredMs)}${c.answer.late ? " (late)" : ""}; replay sha256 ${c.answer.replaySha256}`,
    );
    if (c.answer.text) lines.push(`answer: ${c.answer.text}`);
    if (c.answer.explanationZh) lines.push(`explanation: ${c.answer.explanationZh}`);
  }
  for (const k of v.credits) lines.push(`credit ${k.creditId} ${k.class} ${formatCents(k.refundCents)} (${k.runId})`);
  return `${lines.join("\n")}\n`;
}

function table(titles: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = titles.map((t, i) => Math.max(t.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return `${[line(titles), ...rows.map(line)].join("\n")}\n`;
}
