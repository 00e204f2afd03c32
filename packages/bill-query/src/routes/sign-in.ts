import type { FastifyInstance } from "fastify";
import { ApiError } from "../api-error.js";
import { bearerToken, type ServiceContext } from "../context.js";
import { isSubscriber, storedPasswordHash } from "../credentials.js";
import { OneTimeCodes } from "../one-time-codes.js";
import { verifyNothing, verifyPassword } from "../passwords.js";
import * as schema from "../schemas.js";
import type { Session } from "../sessions.js";

/** Sign-in by password or one-time code, and sign-out (bill-query.md, Who can see it). */
export async function signInRoutes(api: FastifyInstance, ctx: ServiceContext): Promise<void> {
  api.post(
    "/sign-in/codes",
    {
      schema: {
        summary: "Send a one-time sign-in code by SMS",
        body: schema.codeBody,
        response: {
          202: { type: "object", properties: { sent: { type: "boolean" }, validSeconds: { type: "integer" } } },
          ...schema.errorsOf("unknown_kiosk", "locked", "code_too_soon"),
        },
      },
    },
    async (request, reply) => {
      const { msisdn } = request.body as { msisdn: string };
      await ctx.refuseIfLocked(request, msisdn);
      const wait = ctx.codes.waitSeconds(msisdn);
      if (wait > 0)
        throw new ApiError("code_too_soon", `a code was just sent; ask again in ${wait} s`, {
          retryAfterSeconds: wait,
        });
      // The same answer for a number that is not ours, so the endpoint does not tell who is a subscriber.
      if (await isSubscriber(ctx.database, msisdn)) await ctx.codes.send(msisdn);
      return reply.status(202).send({ sent: true, validSeconds: OneTimeCodes.VALID_MS / 1000 });
    },
  );

  api.post(
    "/sessions",
    {
      schema: {
        summary: "Sign in with the service password or a one-time code",
        body: schema.signInBody,
        response: {
          201: schema.sessionBody,
          ...schema.errorsOf("unknown_kiosk", "invalid_credentials", "locked"),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { msisdn: string; password?: string; code?: string };
      if ((body.password === undefined) === (body.code === undefined)) {
        throw new ApiError("invalid_request", "give either password or code");
      }
      await ctx.refuseIfLocked(request, body.msisdn);
      // An attempt is taken before the answer is checked: a burst is checked as far as the limit, no further.
      const subjects = ctx.lockSubjects(request, body.msisdn);
      if (!(await ctx.lockout.admit(subjects, ctx.now()))) {
        await ctx.refuseIfLocked(request, body.msisdn);
        throw new ApiError("locked", "too many answers at once for this number or kiosk; try again shortly", {
          scope: "msisdn",
          retryAfterSeconds: 1,
        });
      }
      let ok: boolean;
      if (body.password !== undefined) {
        const stored = await storedPasswordHash(ctx.database, body.msisdn);
        ok = stored ? await verifyPassword(body.password, stored) : await verifyNothing(body.password);
      } else {
        ok = ctx.codes.check(body.msisdn, body.code as string);
      }
      if (!ok) {
        const triesLeft = await ctx.lockout.fail(subjects, ctx.now());
        await ctx.audit(request, { msisdn: body.msisdn, billMonth: null, action: "sign_in_failed" });
        await ctx.refuseIfLocked(request, body.msisdn);
        // The same count for a number that is not ours: the answer does not tell who is a subscriber.
        throw new ApiError("invalid_credentials", "the number and password (or code) do not match", {
          triesLeft,
          lockMinutes: ctx.lockout.lockMinutes("msisdn"),
        });
      }
      // The right answer is refused too while the burst it came in has locked the number.
      await ctx.refuseIfLocked(request, body.msisdn);
      await ctx.lockout.succeed(subjects, body.msisdn, ctx.now());
      const { token, session } = ctx.sessions.open(body.msisdn, request.kioskId);
      request.session = session;
      await ctx.audit(request, { msisdn: body.msisdn, billMonth: null, action: "sign_in" });
      return reply.status(201).send({ token, msisdn: body.msisdn, idleSeconds: ctx.sessions.idleSeconds });
    },
  );

  api.delete(
    "/sessions/current",
    {
      preHandler: ctx.signedIn,
      schema: {
        summary: "Sign out",
        querystring: schema.noQuery,
        response: { 204: { type: "null", description: "signed out" }, ...schema.errorsOf(...schema.SIGNED_IN) },
      },
    },
    async (request, reply) => {
      const session = request.session as Session;
      ctx.sessions.close(bearerToken(request) as string);
      await ctx.audit(request, { msisdn: session.msisdn, billMonth: null, action: "sign_out" });
      return reply.status(204).send();
    },
  );
}
