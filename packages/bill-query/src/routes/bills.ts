import type { Service } from "@billing/rating";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { ServiceContext } from "../context.js";
import * as schema from "../schemas.js";
import type { Session } from "../sessions.js";
import { pageOf, type StatementRecord } from "../statement.js";
import { statementCsv } from "../statement-csv.js";
import { queryableMonths } from "../window.js";

const serialized = new WeakMap<StatementRecord, string>();
/** A record's JSON, made once per record object (records live as long as their cached statement). */
function recordJson(record: StatementRecord): string {
  let json = serialized.get(record);
  if (json === undefined) {
    json = JSON.stringify(record);
    serialized.set(record, json);
  }
  return json;
}

/** The signed-in subscriber's months: summaries, record pages and the CSV export. */
export async function billRoutes(api: FastifyInstance, ctx: ServiceContext): Promise<void> {
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
          ...schema.errorsOf(...schema.SIGNED_IN),
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
        response: { 200: schema.summary, ...schema.errorsOf(...schema.A_MONTH) },
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
              total: { type: "integer", description: "records the service filter selects in the month, all pages" },
              next: { type: ["string", "null"], description: "cursor of the next page; null on the last" },
            },
          },
          ...schema.errorsOf(...schema.A_MONTH, "invalid_cursor"),
        },
      },
    },
    async (request, reply) => {
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
      // Each record is serialized once while its statement is cached: a page is joined, not serialized again.
      const body = `{"month":${JSON.stringify(month)},"records":[${page.records.map(recordJson).join(",")}],"total":${page.total},"next":${JSON.stringify(page.next)}}`;
      return reply.type("application/json; charset=utf-8").send(body);
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
        response: {
          200: {
            description:
              "the records as CSV: UTF-8 with a byte order mark, CRLF lines, Chinese headers " +
              "起始时间,业务,通信方式,通信地点,对方号码,通信时长/流量,通信类型,套餐优惠,应收(元),实收(元),计费说明",
            content: { "text/csv": { schema: { type: "string" } } },
          },
          ...schema.errorsOf(...schema.A_MONTH),
        },
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
