import type { Service } from "@billing/rating";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ServiceContext } from "../context.js";
import * as schema from "../schemas.js";
import type { Session } from "../sessions.js";
import { pageOf } from "../statement.js";
import { statementCsv } from "../statement-csv.js";
import { queryableMonths } from "../window.js";

/** The signed-in subscriber's months: summaries, record pages and the CSV export. */
export async function billRoutes(api: FastifyInstance, ctx: ServiceContext): Promise<void> {
  const errors = schema.errorResponses;
  const security: Record<string, string[]>[] = [{ session: [], kioskId: [], kioskKey: [] }, { session: [] }];

  api.get(
    "/months",
    {
      preHandler: ctx.signedIn,
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
      const months = queryableMonths(ctx.now());
      const statements = await Promise.all(months.map((m) => ctx.statementOf(msisdn, m)));
      await ctx.audit(request, { msisdn, billMonth: null, action: "months" });
      return { months: months.map((month, i) => ({ month, summary: statements[i]?.summary ?? null })) };
    },
  );

  api.get(
    "/months/:month",
    {
      preHandler: ctx.signedIn,
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
      const month = ctx.monthOf(request);
      const statement = await ctx.statementFor(msisdn, month);
      await ctx.audit(request, { msisdn, billMonth: month, action: "summary" });
      return statement.summary;
    },
  );

  api.get(
    "/months/:month/records",
    {
      preHandler: ctx.signedIn,
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
      const month = ctx.monthOf(request);
      const query = request.query as { service?: Service; cursor?: string; limit: number };
      const statement = await ctx.statementFor(msisdn, month);
      const page = pageOf(statement.records, {
        service: query.service,
        after: query.cursor ?? null,
        limit: query.limit,
      });
      await ctx.audit(request, { msisdn, billMonth: month, action: "records" });
      return { month, records: page.records, next: page.next };
    },
  );

  api.get(
    "/months/:month/records.csv",
    {
      preHandler: ctx.signedIn,
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
      const month = ctx.monthOf(request);
      const statement = await ctx.statementFor(msisdn, month);
      await ctx.audit(request, { msisdn, billMonth: month, action: "csv" });
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="bill-${month}.csv"`)
        .send(statementCsv(statement));
    },
  );
}
