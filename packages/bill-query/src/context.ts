import type { BillingDatabase } from "@billing/db";
import type { FastifyRequest } from "fastify";
import { type AccessEntry, accessLogWriter } from "./access-log.js";
import { ApiError } from "./api-error.js";
import { kioskVerifier } from "./credentials.js";
import { DEFAULT_LOCK_POLICY, Lockout, type LockPolicy, type LockScope, type LockSubject } from "./lockout.js";
import { logSmsSender, OneTimeCodes, type SmsSender } from "./one-time-codes.js";
import { type Session, SessionStore } from "./sessions.js";
import type { Statement } from "./statement.js";
import { statementCache } from "./statement-cache.js";
import { checkMonth } from "./window.js";

declare module "fastify" {
  interface FastifyRequest {
    kioskId: string | null;
    session: Session | null;
  }
}

/** What the service's routes share: the database, the clock, sessions, locks, codes, statements and the access log. */
export interface ServiceContext {
  readonly database: BillingDatabase;
  readonly now: () => number;
  readonly sessions: SessionStore;
  readonly lockout: Lockout;
  readonly codes: OneTimeCodes;
  readonly kioskOk: (kioskId: string, key: string) => Promise<boolean>;
  readonly statementOf: (msisdn: string, month: string) => Promise<Statement | null>;
  lockSubjects(request: FastifyRequest, msisdn: string): LockSubject[];
  refuseIfLocked(request: FastifyRequest, msisdn: string): Promise<void>;
  audit(request: FastifyRequest, entry: Pick<AccessEntry, "msisdn" | "billMonth" | "action">): Promise<void>;
  /** A preHandler: the request's session, or `unauthenticated`. */
  signedIn(request: FastifyRequest): Promise<void>;
  monthOf(request: FastifyRequest): string;
  /** The month if it may be queried now, else the `invalid_month` or `month_out_of_window` answer. */
  queryableMonth(month: string): string;
  statementFor(msisdn: string, month: string): Promise<Statement>;
}

export interface ContextOptions {
  readonly database: BillingDatabase;
  readonly now: () => number;
  readonly sessionIdleMs?: number;
  readonly lockPolicy?: Readonly<Record<LockScope, LockPolicy>>;
  readonly sms: SmsSender | ((message: string) => void);
  readonly statementMaxAgeMs?: number;
}

export const bearerToken = (request: FastifyRequest) => {
  const header = request.headers.authorization;
  return typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : null;
};

export function serviceContext(options: ContextOptions): ServiceContext {
  const { database, now } = options;
  const sessions = new SessionStore(options.sessionIdleMs ?? 3 * 60_000, now);
  const lockout = new Lockout(database, options.lockPolicy ?? DEFAULT_LOCK_POLICY);
  const sms = typeof options.sms === "function" ? logSmsSender(options.sms) : options.sms;
  const codes = new OneTimeCodes(sms, now);
  const statementOf = statementCache(database, {
    maxAgeMs: options.statementMaxAgeMs ?? 10 * 60_000,
    pollMs: 1_000,
    maxEntries: 20_000,
    now,
  });
  const writeAccess = accessLogWriter(database);
  const lockSubjects = (request: FastifyRequest, msisdn: string): LockSubject[] => [
    { scope: "msisdn", subject: msisdn },
    request.kioskId ? { scope: "kiosk", subject: request.kioskId } : { scope: "client", subject: request.ip },
  ];
  const queryableMonth = (month: string): string => {
    const check = checkMonth(month, now());
    if (check.ok) return check.month;
    throw new ApiError(
      check.code,
      check.code === "invalid_month"
        ? "a month is written YYYY-MM"
        : `only the current month and the five before it can be queried: ${check.queryable.join(", ")}`,
      { queryable: check.queryable },
    );
  };
  return {
    database,
    now,
    sessions,
    lockout,
    codes,
    kioskOk: kioskVerifier(database, now),
    statementOf,
    lockSubjects,
    async refuseIfLocked(request, msisdn) {
      const lock = await lockout.lockedUntil(lockSubjects(request, msisdn), now());
      if (!lock) return;
      const retryAfterSeconds = Math.ceil((lock.until - now()) / 1000);
      throw new ApiError(
        "locked",
        lock.scope === "msisdn"
          ? "too many wrong answers for this number; try again later"
          : "too many wrong answers at this kiosk; try again later",
        { scope: lock.scope === "msisdn" ? "msisdn" : "kiosk", retryAfterSeconds },
      );
    },
    audit: (request, entry) =>
      writeAccess({
        ...entry,
        atMs: now(),
        kioskId: request.kioskId,
        sessionId: request.session?.id ?? null,
        clientAddress: request.ip,
      }),
    async signedIn(request) {
      const token = bearerToken(request);
      const session = token ? sessions.touch(token, request.kioskId) : null;
      if (!session)
        throw new ApiError("unauthenticated", "sign in first (or again: sessions end after a few idle minutes)");
      request.session = session;
    },
    monthOf(request) {
      return queryableMonth((request.params as { month: string }).month);
    },
    queryableMonth,
    async statementFor(msisdn, month) {
      const statement = await statementOf(msisdn, month);
      if (!statement) throw new ApiError("no_bill", `there is no bill for ${month}`, { month });
      return statement;
    },
  };
}
