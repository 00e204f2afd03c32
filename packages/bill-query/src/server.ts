import { readFileSync } from "node:fs";
import { type BillingDatabase, ping } from "@billing/db";
import type { Service } from "@billing/rating";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { type AccessEntry, accessLogWriter } from "./access-log.js";
import { ApiError } from "./api-error.js";
import { isSubscriber, kioskVerifier, storedPasswordHash } from "./credentials.js";
import { DEFAULT_LOCK_POLICY, Lockout, type LockPolicy, type LockScope, type LockSubject } from "./lockout.js";
import { logSmsSender, OneTimeCodes, type SmsSender } from "./one-time-codes.js";
import { verifyNothing, verifyPassword } from "./passwords.js";
import * as schema from "./schemas.js";
import { type Session, SessionStore } from "./sessions.js";
import { CursorError, pageOf, type Statement } from "./statement.js";
import { statementCache } from "./statement-cache.js";
import { statementCsv } from "./statement-csv.js";
import { checkMonth, queryableMonths } from "./window.js";

export interface ServerOptions {
  readonly database: BillingDatabase;
  /** Milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
  /** Where one-time codes go; by default the development sender, which logs them. */
  readonly sms?: SmsSender;
  /** Idle minutes after which a session ends (default 3). */
  readonly sessionIdleMs?: number;
  /** How long a rated statement may be reused while the stored data is unchanged (default 10 min). */
  readonly statementMaxAgeMs?: number;
  readonly lockPolicy?: Readonly<Record<LockScope, LockPolicy>>;
  /** Pino logging (default on at info). */
  readonly logger?: boolean | { level: string };
}

const KIOSK_DIR = new URL("../kiosk/", import.meta.url);
const KIOSK_FILES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "kiosk.js": "text/javascript; charset=utf-8",
  "kiosk.css": "text/css; charset=utf-8",
};

declare module "fastify" {
  interface FastifyRequest {
    kioskId: string | null;
    session: Session | null;
  }
}

/** The bill-query service (bill-query.md): the /v1 JSON API, its OpenAPI description and the kiosk page. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { database } = options;
  const now = options.now ?? Date.now;
  const app = Fastify({
    logger: options.logger ?? { level: "info" },
    // Reject what the schemas do not name (an `msisdn` in the query, say) instead of dropping it quietly.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true } },
    trustProxy: false,
  });
  const sessions = new SessionStore(options.sessionIdleMs ?? 3 * 60_000, now);
  const lockout = new Lockout(database, options.lockPolicy ?? DEFAULT_LOCK_POLICY);
  const codes = new OneTimeCodes(options.sms ?? logSmsSender((message) => app.log.info(message)), now);
  const kioskOk = kioskVerifier(database, now);
  const statementOf = statementCache(database, {
    maxAgeMs: options.statementMaxAgeMs ?? 10 * 60_000,
    pollMs: 1_000,
    maxEntries: 20_000,
    now,
  });
  const writeAccess = accessLogWriter(database);

  app.decorateRequest("kioskId", null);
  app.decorateRequest("session", null);

  app.setErrorHandler((error: unknown, request, reply) => {
    if (error instanceof ApiError) return reply.status(error.status).send(error.body());
    if (error instanceof CursorError)
      return reply.status(400).send(new ApiError("invalid_cursor", error.message).body());
    const e = error as { validation?: unknown; statusCode?: number; message?: string; code?: string };
    if (e.validation || (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)) {
      const status = e.validation ? 400 : (e.statusCode as number);
      return reply.status(status).send(new ApiError("invalid_request", e.message ?? "malformed request").body());
    }
    request.log.error(error);
    return reply.status(500).send(new ApiError("internal", "internal error; it has been logged").body());
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).send(new ApiError("not_found", "no such resource; /v1/openapi.json lists them").body()),
  );

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Itemized-bill query service",
        version: "1.0.0",
        description:
          "The current month and the five before it (UTC+8), for the signed-in subscriber only. " +
          "Kiosks send X-Kiosk-Id and X-Kiosk-Key; sessions send Authorization: Bearer <token>.",
      },
      components: {
        securitySchemes: {
          session: { type: "http", scheme: "bearer" },
          kioskId: { type: "apiKey", in: "header", name: "X-Kiosk-Id" },
          kioskKey: { type: "apiKey", in: "header", name: "X-Kiosk-Key" },
        },
      },
    },
  });

  const errors = { 400: schema.errorBody, 401: schema.errorBody, 404: schema.errorBody, 429: schema.errorBody };

  app.get("/v1/health", { schema: { querystring: schema.noQuery } }, async () => ({ status: "ok" }));
  app.get("/v1/ready", { schema: { querystring: schema.noQuery } }, async (_request, reply) => {
    try {
      await ping(database);
      return { status: "ready", database: database.dialect };
    } catch {
      return reply.status(503).send(new ApiError("not_ready", "the database does not answer").body());
    }
  });
  app.get("/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  for (const [file, type] of Object.entries(KIOSK_FILES)) {
    const body = readFileSync(new URL(file, KIOSK_DIR));
    const path = file === "index.html" ? "/kiosk/" : `/kiosk/${file}`;
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.header("content-type", type).header("cache-control", "no-store").send(body),
    );
  }
  app.get("/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/kiosk/"));

  // Every API call but health, readiness and the description comes from a known kiosk or the web.
  app.addHook("onRequest", async (request) => {
    if (!request.url.startsWith("/v1/") || /^\/v1\/(health|ready|openapi\.json)(\?|$)/.test(request.url)) return;
    const id = request.headers["x-kiosk-id"];
    const key = request.headers["x-kiosk-key"];
    if (id === undefined && key === undefined) return;
    if (typeof id !== "string" || typeof key !== "string" || !(await kioskOk(id, key))) {
      throw new ApiError("unknown_kiosk", "this kiosk is not registered, or its key is wrong");
    }
    request.kioskId = id;
  });

  const lockSubjects = (request: FastifyRequest, msisdn: string): LockSubject[] => [
    { scope: "msisdn", subject: msisdn },
    request.kioskId ? { scope: "kiosk", subject: request.kioskId } : { scope: "client", subject: request.ip },
  ];

  async function refuseIfLocked(request: FastifyRequest, msisdn: string): Promise<void> {
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
  }

  const audit = (request: FastifyRequest, entry: Pick<AccessEntry, "msisdn" | "billMonth" | "action">) =>
    writeAccess({
      ...entry,
      atMs: now(),
      kioskId: request.kioskId,
      sessionId: request.session?.id ?? null,
      clientAddress: request.ip,
    });

  app.post(
    "/v1/sign-in/codes",
    {
      schema: {
        summary: "Send a one-time sign-in code by SMS",
        body: schema.codeBody,
        response: {
          202: { type: "object", properties: { sent: { type: "boolean" }, validSeconds: { type: "integer" } } },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { msisdn } = request.body as { msisdn: string };
      await refuseIfLocked(request, msisdn);
      const wait = codes.waitSeconds(msisdn);
      if (wait > 0)
        throw new ApiError("code_too_soon", `a code was just sent; ask again in ${wait} s`, {
          retryAfterSeconds: wait,
        });
      // The same answer for a number that is not ours, so the endpoint does not tell who is a subscriber.
      if (await isSubscriber(database, msisdn)) await codes.send(msisdn);
      return reply.status(202).send({ sent: true, validSeconds: OneTimeCodes.VALID_MS / 1000 });
    },
  );

  app.post(
    "/v1/sessions",
    {
      schema: {
        summary: "Sign in with the service password or a one-time code",
        body: schema.signInBody,
        response: { 201: schema.sessionBody, ...errors },
      },
    },
    async (request, reply) => {
      const body = request.body as { msisdn: string; password?: string; code?: string };
      if ((body.password === undefined) === (body.code === undefined)) {
        throw new ApiError("invalid_request", "give either password or code");
      }
      await refuseIfLocked(request, body.msisdn);
      let ok: boolean;
      if (body.password !== undefined) {
        const stored = await storedPasswordHash(database, body.msisdn);
        ok = stored ? await verifyPassword(body.password, stored) : await verifyNothing(body.password);
      } else {
        ok = codes.check(body.msisdn, body.code as string);
      }
      if (!ok) {
        await lockout.fail(lockSubjects(request, body.msisdn), now());
        await audit(request, { msisdn: body.msisdn, billMonth: null, action: "sign_in_failed" });
        await refuseIfLocked(request, body.msisdn);
        throw new ApiError("invalid_credentials", "the number and password (or code) do not match");
      }
      await lockout.succeed(body.msisdn, now());
      const { token, session } = sessions.open(body.msisdn, request.kioskId);
      request.session = session;
      await audit(request, { msisdn: body.msisdn, billMonth: null, action: "sign_in" });
      return reply.status(201).send({ token, msisdn: body.msisdn, idleSeconds: sessions.idleSeconds });
    },
  );

  const bearer = (request: FastifyRequest) => {
    const header = request.headers.authorization;
    return typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : null;
  };

  const signedIn = async (request: FastifyRequest) => {
    const token = bearer(request);
    const session = token ? sessions.touch(token, request.kioskId) : null;
    if (!session)
      throw new ApiError("unauthenticated", "sign in first (or again: sessions end after a few idle minutes)");
    request.session = session;
  };

  app.delete(
    "/v1/sessions/current",
    { preHandler: signedIn, schema: { summary: "Sign out", querystring: schema.noQuery } },
    async (request, reply) => {
      const session = request.session as Session;
      sessions.close(bearer(request) as string);
      await audit(request, { msisdn: session.msisdn, billMonth: null, action: "sign_out" });
      return reply.status(204).send();
    },
  );

  const monthOf = (request: FastifyRequest): string => {
    const check = checkMonth((request.params as { month: string }).month, now());
    if (check.ok) return check.month;
    throw new ApiError(
      check.code,
      check.code === "invalid_month"
        ? "a month is written YYYY-MM"
        : `only the current month and the five before it can be queried: ${check.queryable.join(", ")}`,
      { queryable: check.queryable },
    );
  };

  const statementFor = async (msisdn: string, month: string): Promise<Statement> => {
    const statement = await statementOf(msisdn, month);
    if (!statement) throw new ApiError("no_bill", `there is no bill for ${month}`, { month });
    return statement;
  };

  const secured = { preHandler: signedIn };
  const security: Record<string, string[]>[] = [{ session: [], kioskId: [], kioskKey: [] }, { session: [] }];

  app.get(
    "/v1/months",
    {
      ...secured,
      schema: {
        summary: "The queryable months, newest first, each with its summary (null when there is no bill)",
        security,
        querystring: schema.noQuery,
        response: {
          200: {
            type: "object",
            properties: {
              months: {
                type: "array",
                items: {
                  type: "object",
                  properties: { month: { type: "string" }, summary: { anyOf: [schema.summary, { type: "null" }] } },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { msisdn } = request.session as Session;
      const months = queryableMonths(now());
      const statements = await Promise.all(months.map((m) => statementOf(msisdn, m)));
      await audit(request, { msisdn, billMonth: null, action: "months" });
      return { months: months.map((month, i) => ({ month, summary: statements[i]?.summary ?? null })) };
    },
  );

  app.get(
    "/v1/months/:month",
    {
      ...secured,
      schema: {
        summary: "One month's bill summary",
        security,
        params: schema.monthParams,
        querystring: schema.noQuery,
        response: { 200: schema.summary, ...errors },
      },
    },
    async (request) => {
      const { msisdn } = request.session as Session;
      const month = monthOf(request);
      const statement = await statementFor(msisdn, month);
      await audit(request, { msisdn, billMonth: month, action: "summary" });
      return statement.summary;
    },
  );

  app.get(
    "/v1/months/:month/records",
    {
      ...secured,
      schema: {
        summary: "A page of the month's itemized records in start-time order",
        security,
        params: schema.monthParams,
        querystring: schema.recordsQuery,
        response: {
          200: {
            type: "object",
            properties: {
              month: { type: "string" },
              records: { type: "array", items: schema.record },
              next: { type: ["string", "null"], description: "cursor of the next page; null on the last" },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { msisdn } = request.session as Session;
      const month = monthOf(request);
      const query = request.query as { service?: Service; cursor?: string; limit: number };
      const statement = await statementFor(msisdn, month);
      const page = pageOf(statement.records, {
        service: query.service,
        after: query.cursor ?? null,
        limit: query.limit,
      });
      await audit(request, { msisdn, billMonth: month, action: "records" });
      return { month, records: page.records, next: page.next };
    },
  );

  app.get(
    "/v1/months/:month/records.csv",
    {
      ...secured,
      schema: {
        summary: "The month's itemized records as CSV",
        security,
        params: schema.monthParams,
        querystring: schema.noQuery,
        produces: ["text/csv"],
      },
    },
    async (request, reply: FastifyReply) => {
      const { msisdn } = request.session as Session;
      const month = monthOf(request);
      const statement = await statementFor(msisdn, month);
      await audit(request, { msisdn, billMonth: month, action: "csv" });
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="bill-${month}.csv"`)
        .send(statementCsv(statement));
    },
  );

  return app;
}
