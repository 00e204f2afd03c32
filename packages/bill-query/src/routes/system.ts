import { type BillingDatabase, ping } from "@billing/db";
import type { FastifyInstance } from "fastify";
import { ApiError } from "../api-error.js";
import * as schema from "../schemas.js";

/** Health, readiness and the OpenAPI description: open to anyone, no kiosk or session. */
export async function systemRoutes(app: FastifyInstance, { database }: { database: BillingDatabase }): Promise<void> {
  app.get(
    "/v1/health",
    {
      schema: {
        summary: "The process answers",
        querystring: schema.noQuery,
        response: { 200: { type: "object", properties: { status: { type: "string", enum: ["ok"] } } } },
      },
    },
    async () => ({ status: "ok" }),
  );
  app.get(
    "/v1/ready",
    {
      schema: {
        summary: "The process and its database answer",
        querystring: schema.noQuery,
        response: {
          200: {
            type: "object",
            properties: { status: { type: "string", enum: ["ready"] }, database: { type: "string" } },
          },
          ...schema.errorsOf("not_ready"),
        },
      },
    },
    async () => {
      try {
        await ping(database);
      } catch {
        throw new ApiError("not_ready", "the database does not answer");
      }
      return { status: "ready", database: database.dialect };
    },
  );
  app.get("/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
