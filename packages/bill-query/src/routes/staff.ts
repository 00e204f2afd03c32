import {
  type Actor,
  answerDispute,
  caseDocument,
  casesOf,
  openDispute,
  showDispute,
  staffKeyOk,
  viewOf,
} from "@billing/disputes";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../api-error.js";
import type { ServiceContext } from "../context.js";
import { asApiErrors } from "../dispute-errors.js";
import * as schema from "../schemas.js";

declare module "fastify" {
  interface FastifyRequest {
    staffId: string | null;
  }
}

const staffOf = (request: FastifyRequest): Actor => ({
  channel: "staff",
  staffId: request.staffId as string,
  clientAddress: request.ip,
});

/**
 * Complaint staff's API (disputes.md), in a context of its own: a staff id
 * and key on every request, never a kiosk or a customer session. A customer's
 * month is read only through a case that names the customer.
 */
export async function staffRoutes(api: FastifyInstance, ctx: ServiceContext): Promise<void> {
  api.decorateRequest("staffId", null);
  api.addHook("onRequest", async (request) => {
    const id = request.headers["x-staff-id"];
    const key = request.headers["x-staff-key"];
    if (typeof id !== "string" || typeof key !== "string" || !(await staffKeyOk(ctx.database, id, key)))
      throw new ApiError("unknown_staff", "staff requests carry a registered X-Staff-Id and its X-Staff-Key");
    request.staffId = id;
  });
  const security = [{ staffId: [], staffKey: [] }];

  api.get(
    "/disputes",
    {
      schema: {
        summary: "Cases by due time, earliest first; open, overdue or one subscriber's",
        security,
        querystring: schema.staffListQuery,
        response: {
          200: { type: "object", properties: { disputes: { type: "array", items: schema.dispute } } },
          ...schema.errorsOf("unknown_staff"),
        },
      },
    },
    async (request) => {
      const q = request.query as { open?: boolean; overdue?: boolean; msisdn?: string };
      const now = ctx.now();
      const views = await casesOf(
        ctx.database,
        {
          ...(q.msisdn !== undefined && { msisdn: q.msisdn }),
          ...(q.open && { open: true }),
          ...(q.overdue && { overdueAt: now }),
        },
        staffOf(request),
        now,
      );
      return { disputes: views.map(caseDocument) };
    },
  );

  api.get(
    "/disputes/:id",
    {
      schema: {
        summary: "A case and the replay of its month (items, billed, refunds owed and issued, digest)",
        security,
        params: schema.caseParams,
        response: {
          200: {
            type: "object",
            properties: {
              dispute: schema.dispute,
              replay: { type: "object", additionalProperties: true, description: "the replay's canonical document" },
            },
          },
          ...schema.errorsOf("unknown_staff", "not_found", "no_bill"),
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const shown = await asApiErrors(() => showDispute(ctx.database, id, staffOf(request), ctx.now()));
      return { dispute: caseDocument(shown), replay: { ...shown.replay.document, sha256: shown.replay.sha256 } };
    },
  );

  api.post(
    "/disputes",
    {
      schema: {
        summary: "Open a case on a customer's behalf (counter, hotline): any month the stored data holds",
        security,
        body: schema.staffOpenBody,
        response: {
          200: schema.dispute,
          201: schema.dispute,
          ...schema.errorsOf("unknown_staff", "no_bill", "unknown_item", "busy"),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as {
        msisdn: string;
        month: string;
        item?: string | null;
        reason: string;
        text?: string;
      };
      const now = ctx.now();
      const opened = await asApiErrors(() =>
        openDispute(ctx.database, {
          msisdn: body.msisdn,
          billMonth: body.month,
          itemKey: body.item ?? null,
          reason: body.reason,
          words: body.text ?? "",
          actor: staffOf(request),
          nowMs: now,
        }),
      );
      return reply.status(opened.created ? 201 : 200).send(caseDocument(await viewOf(ctx.database, opened.case, now)));
    },
  );

  api.post(
    "/disputes/:id/answer",
    {
      schema: {
        summary:
          "Answer a case from its replay: error_found issues what is owed and not yet issued; no_error carries the " +
          "replay's explanation in Chinese; 409 when the replay contradicts the outcome",
        security,
        params: schema.caseParams,
        body: schema.answerBody,
        response: {
          200: schema.dispute,
          ...schema.errorsOf(
            "unknown_staff",
            "not_found",
            "no_bill",
            "already_answered",
            "refund_owed",
            "no_refund_owed",
            "busy",
          ),
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const body = request.body as { outcome: string; text?: string };
      const now = ctx.now();
      const answered = await asApiErrors(() =>
        answerDispute(ctx.database, {
          caseId: id,
          outcome: body.outcome,
          staffId: request.staffId as string,
          ...(body.text !== undefined && { text: body.text }),
          nowMs: now,
          clientAddress: request.ip,
        }),
      );
      return caseDocument(await viewOf(ctx.database, answered.case, now));
    },
  );
}
