import { type Actor, caseDocument, casesOf, openDispute, viewOf } from "@billing/disputes";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ServiceContext } from "../context.js";
import { asApiErrors } from "../dispute-errors.js";
import * as schema from "../schemas.js";
import type { Session } from "../sessions.js";
import { queryableMonths } from "../window.js";

/** The actor of a customer's request: the kiosk it came through, or the web. */
export function customerActor(request: FastifyRequest): Actor {
  const session = request.session as Session;
  return request.kioskId
    ? { channel: "kiosk", kioskId: request.kioskId, sessionId: session.id, clientAddress: request.ip }
    : { channel: "web", sessionId: session.id, clientAddress: request.ip };
}

/** The signed-in customer's disputes (disputes.md): open one on an item of a queryable month, and see them. */
export async function disputeRoutes(api: FastifyInstance, ctx: ServiceContext): Promise<void> {
  const security: Record<string, string[]>[] = [{ session: [], kioskId: [], kioskKey: [] }, { session: [] }];

  api.get(
    "/disputes",
    {
      preHandler: ctx.signedIn,
      schema: {
        summary: "The customer's cases of the queryable months, with answers and refunds",
        security,
        querystring: schema.noQuery,
        response: {
          200: { type: "object", properties: { disputes: { type: "array", items: schema.dispute } } },
          ...schema.errorsOf(...schema.SIGNED_IN),
        },
      },
    },
    async (request) => {
      const { msisdn } = request.session as Session;
      const now = ctx.now();
      const views = await casesOf(ctx.database, { msisdn, months: queryableMonths(now) }, customerActor(request), now);
      return { disputes: views.map(caseDocument) };
    },
  );

  api.post(
    "/disputes",
    {
      preHandler: ctx.signedIn,
      schema: {
        summary:
          "Question a charge: one record, FEE: or VAS: line, or the month. 201 with a new case, 200 with the open " +
          "case on the same item; a value-added line is refunded twice at once",
        security,
        body: schema.openDisputeBody,
        response: {
          200: schema.dispute,
          201: schema.dispute,
          ...schema.errorsOf(...schema.A_MONTH, "unknown_item", "busy"),
        },
      },
    },
    async (request, reply) => {
      const { msisdn } = request.session as Session;
      const body = request.body as { month: string; item?: string | null; reason: string; text?: string };
      const month = ctx.queryableMonth(body.month);
      const now = ctx.now();
      const opened = await asApiErrors(() =>
        openDispute(ctx.database, {
          msisdn,
          billMonth: month,
          itemKey: body.item ?? null,
          reason: body.reason,
          words: body.text ?? "",
          actor: customerActor(request),
          nowMs: now,
        }),
      );
      const view = await viewOf(ctx.database, opened.case, now);
      return reply.status(opened.created ? 201 : 200).send(caseDocument(view));
    },
  );
}
