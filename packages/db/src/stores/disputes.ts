import {
  caseId,
  type DisputeChannel,
  type DisputeOutcome,
  type DisputeReason,
  DUE_SOON_MS,
  dueAt,
} from "@billing/reconciliation";
import { type Selectable, sql } from "kysely";
import type { BillingDatabase, RawSession } from "../dialect.js";
import type { DisputesTable } from "../schema.js";

/** A dispute case as stored (disputes.md): its opening, its clock and, once given, its answer. */
export interface DisputeCase extends NewDispute {
  readonly caseId: string;
  readonly dueMs: number;
  readonly status: "open" | "answered";
  readonly answer: DisputeAnswer | null;
}

export interface DisputeAnswer {
  readonly outcome: DisputeOutcome;
  /** Staff's words to the customer. */
  readonly text: string | null;
  readonly explanationZh: string | null;
  readonly answeredMs: number;
  readonly staffId: string;
  /** Answered after `due_at`: marked, never hidden. */
  readonly late: boolean;
  /** The digest of the replay the answer was decided on. */
  readonly replaySha256: string;
  readonly creditIds: readonly string[];
}

/** What opens a case. */
export interface NewDispute {
  readonly msisdn: string;
  readonly billMonth: string;
  readonly itemKey: string | null;
  readonly reason: DisputeReason;
  readonly words: string;
  readonly channel: DisputeChannel;
  readonly channelId: string | null;
  readonly openedMs: number;
}

type Row = Selectable<DisputesTable>;

function toCase(r: Row): DisputeCase {
  return {
    caseId: r.case_id,
    msisdn: r.msisdn,
    billMonth: r.bill_month,
    itemKey: r.item_key,
    reason: r.reason as DisputeReason,
    words: r.words,
    channel: r.channel,
    channelId: r.channel_id,
    openedMs: r.opened_at.getTime(),
    dueMs: r.due_at.getTime(),
    status: r.status,
    answer:
      r.status === "answered" && r.outcome && r.answered_at && r.answered_by && r.replay_sha256
        ? {
            outcome: r.outcome,
            text: r.answer_text,
            explanationZh: r.explanation_zh,
            answeredMs: r.answered_at.getTime(),
            staffId: r.answered_by,
            late: r.late === true,
            replaySha256: r.replay_sha256,
            creditIds: r.credit_ids ?? [],
          }
        : null,
  };
}

/**
 * Opens a case in the session's transaction, or returns the open case on the
 * same item: the partial unique index makes concurrent openings one case.
 */
export async function openCase(
  session: RawSession,
  dispute: NewDispute,
): Promise<{ readonly case: DisputeCase; readonly created: boolean }> {
  const openOne = async () => {
    const rows = await session.query<Row>(
      `SELECT * FROM disputes WHERE msisdn = $1 AND bill_month = $2 AND coalesce(item_key, '') = $3 AND status = 'open'`,
      [dispute.msisdn, dispute.billMonth, dispute.itemKey ?? ""],
    );
    return rows[0] ? toCase(rows[0]) : null;
  };
  const existing = await openOne();
  if (existing) return { case: existing, created: false };
  const [seq] = await session.query<{ seq: string }>(`SELECT nextval('dispute_seq')::text AS seq`);
  const id = caseId(dispute.openedMs, Number(seq?.seq));
  const inserted = await session.query<Row>(
    `INSERT INTO disputes (case_id, msisdn, bill_month, item_key, reason, words, channel, channel_id,
       opened_at, due_at, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open')
     ON CONFLICT DO NOTHING RETURNING *`,
    [
      id,
      dispute.msisdn,
      dispute.billMonth,
      dispute.itemKey,
      dispute.reason,
      dispute.words,
      dispute.channel,
      dispute.channelId,
      new Date(dispute.openedMs).toISOString(),
      new Date(dueAt(dispute.openedMs)).toISOString(),
    ],
  );
  if (inserted[0]) return { case: toCase(inserted[0]), created: true };
  // Another opening of the same item committed first.
  const raced = await openOne();
  if (!raced) throw new Error(`dispute ${id} conflicted with no open case`);
  return { case: raced, created: false };
}

/** Records the answer of an open case; false when it was answered meanwhile (nothing changed). */
export async function recordAnswer(session: RawSession, id: string, answer: DisputeAnswer): Promise<boolean> {
  const rows = await session.query<{ case_id: string }>(
    `UPDATE disputes SET status = 'answered', outcome = $2, answer_text = $3, explanation_zh = $4,
       answered_at = $5, answered_by = $6, late = $5::timestamptz > due_at, replay_sha256 = $7, credit_ids = $8::jsonb
     WHERE case_id = $1 AND status = 'open' RETURNING case_id`,
    [
      id,
      answer.outcome,
      answer.text,
      answer.explanationZh,
      new Date(answer.answeredMs).toISOString(),
      answer.staffId,
      answer.replaySha256,
      JSON.stringify(answer.creditIds),
    ],
  );
  return rows.length === 1;
}

export async function disputeById(database: BillingDatabase, id: string): Promise<DisputeCase | null> {
  const row = await database.db.selectFrom("disputes").selectAll().where("case_id", "=", id).executeTakeFirst();
  return row ? toCase(row as Row) : null;
}

export interface DisputeFilter {
  readonly msisdn?: string;
  readonly months?: readonly string[];
  readonly open?: boolean;
  /** Open cases past their due time at `nowMs`. */
  readonly overdueAt?: number;
}

/** Cases by due time, earliest first (staff's list), then case id. */
export async function listDisputes(database: BillingDatabase, filter: DisputeFilter = {}): Promise<DisputeCase[]> {
  let query = database.db.selectFrom("disputes").selectAll();
  if (filter.msisdn !== undefined) query = query.where("msisdn", "=", filter.msisdn);
  if (filter.months !== undefined) {
    if (filter.months.length === 0) return [];
    query = query.where("bill_month", "in", filter.months);
  }
  if (filter.open || filter.overdueAt !== undefined) query = query.where("status", "=", "open");
  if (filter.overdueAt !== undefined) query = query.where("due_at", "<", new Date(filter.overdueAt));
  const rows = await query.orderBy("due_at").orderBy("case_id").execute();
  return rows.map((r) => toCase(r as Row));
}

export interface DisputeCounts {
  readonly open: number;
  readonly dueSoon: number;
  readonly overdue: number;
  readonly answeredLateLast30Days: number;
}

/** What the nightly report shows of the disputes at `nowMs`. */
export async function disputeCounts(database: BillingDatabase, nowMs: number): Promise<DisputeCounts> {
  const now = new Date(nowMs);
  const row = await database.db
    .selectFrom("disputes")
    .select([
      sql<string>`count(*) FILTER (WHERE status = 'open')`.as("open"),
      sql<string>`count(*) FILTER (WHERE status = 'open' AND due_at >= ${now} AND due_at <= ${new Date(nowMs + DUE_SOON_MS)})`.as(
        "due_soon",
      ),
      sql<string>`count(*) FILTER (WHERE status = 'open' AND due_at < ${now})`.as("overdue"),
      sql<string>`count(*) FILTER (WHERE late AND answered_at > ${new Date(nowMs - 30 * 86_400_000)})`.as("late"),
    ])
    .executeTakeFirstOrThrow();
  return {
    open: Number(row.open),
    dueSoon: Number(row.due_soon),
    overdue: Number(row.overdue),
    answeredLateLast30Days: Number(row.late),
  };
}

/** Registers a staff member, or gives them a new key digest. */
export async function storeStaff(database: BillingDatabase, staffId: string, keyHash: string, name: string) {
  await database.db
    .insertInto("staff")
    .values({ staff_id: staffId, key_hash: keyHash, name })
    .onConflict((oc) => oc.column("staff_id").doUpdateSet({ key_hash: keyHash, name }))
    .execute();
}

export async function staffKeyHash(database: BillingDatabase, staffId: string): Promise<string | null> {
  const row = await database.db
    .selectFrom("staff")
    .select("key_hash")
    .where("staff_id", "=", staffId)
    .executeTakeFirst();
  return row?.key_hash ?? null;
}
