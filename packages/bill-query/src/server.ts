import type { BillingDatabase } from "@billing/db";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { ApiError } from "./api-error.js";
import { serviceContext } from "./context.js";
import { kioskAuthentication } from "./kiosk-auth.js";
import type { LockPolicy, LockScope } from "./lockout.js";
import type { SmsSender } from "./one-time-codes.js";
import { billRoutes } from "./routes/bills.js";
import { disputeRoutes } from "./routes/disputes.js";
import { kioskPage } from "./routes/kiosk-page.js";
import { signInRoutes } from "./routes/sign-in.js";
import { staffRoutes } from "./routes/staff.js";
import { systemRoutes } from "./routes/system.js";
import { tariffRoutes } from "./routes/tariffs.js";
import { CursorError } from "./statement.js";

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

/**
 * The bill-query service (bill-query.md): the /v1 JSON API, its OpenAPI
 * description and the kiosk page, as plugins. Kiosk authentication is a hook
 * of the API's own context, so it applies to exactly the routes inside it.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { database } = options;
  const now = options.now ?? Date.now;
  const app = Fastify({
    logger: options.logger ?? { level: "info" },
    // Reject what the schemas do not name (an `msisdn` in the query, say) instead of dropping it quietly.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true } },
    trustProxy: false,
    // What the framework refuses before routing (a malformed escape, a path parameter too long) answers in the
    // product's shape too.
    frameworkErrors: (error, _request, reply) => {
      const tooLong = (error as { statusCode?: number }).statusCode === 414;
      const answer = tooLong
        ? new ApiError("uri_too_long", "a path parameter is longer than 100 characters")
        : new ApiError("invalid_request", `malformed request: ${error.message}`);
      void (reply as unknown as FastifyReply).status(answer.status).send(answer.body());
    },
  });
  const ctx = serviceContext({
    database,
    now,
    sms: options.sms ?? ((message: string) => app.log.info(message)),
    ...(options.sessionIdleMs !== undefined && { sessionIdleMs: options.sessionIdleMs }),
    ...(options.statementMaxAgeMs !== undefined && { statementMaxAgeMs: options.statementMaxAgeMs }),
    ...(options.lockPolicy !== undefined && { lockPolicy: options.lockPolicy }),
  });

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
          staffId: { type: "apiKey", in: "header", name: "X-Staff-Id" },
          staffKey: { type: "apiKey", in: "header", name: "X-Staff-Key" },
        },
      },
    },
  });
  // The description to read and try out in a browser (Swagger UI), served from the package, nothing fetched.
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list", tryItOutEnabled: false } });
  await app.register(systemRoutes, { database });
  await app.register(kioskPage);
  await app.register(
    async (api) => {
      kioskAuthentication(api, ctx);
      await api.register(signInRoutes, ctx);
      await api.register(billRoutes, ctx);
      await api.register(tariffRoutes, ctx);
      await api.register(disputeRoutes, ctx);
    },
    { prefix: "/v1" },
  );
  // Staff are authenticated apart from kiosks and customers: a sibling context, not under the kiosk hook.
  await app.register(staffRoutes, { ...ctx, prefix: "/v1/staff" } as typeof ctx & { prefix: string });
  return app;
}
