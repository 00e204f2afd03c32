import { type BillingDatabase, ping } from "@billing/db";
import type { FastifyInstance } from "fastify";
import { ApiError } from "../api-error.js";
import * as schema from "../schemas.js";

/** Health, readiness and the OpenAPI description: open to anyone, no kiosk or session. */
export async function systemRoutes(app: FastifyInstance, { database }: { database: BillingDatabase }): Promise<void> {
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
}
