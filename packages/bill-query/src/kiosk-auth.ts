import type { FastifyInstance } from "fastify";
import { ApiError } from "./api-error.js";
import type { ServiceContext } from "./context.js";

/**
 * Within the context it is registered in: a request naming a kiosk must be a
 * registered kiosk with its key; one naming none is a web request.
 */
export function kioskAuthentication(api: FastifyInstance, ctx: ServiceContext): void {
  api.addHook("onRequest", async (request) => {
    const id = request.headers["x-kiosk-id"];
    const key = request.headers["x-kiosk-key"];
    if (id === undefined && key === undefined) return;
    if (typeof id !== "string" || typeof key !== "string" || !(await ctx.kioskOk(id, key))) {
      throw new ApiError("unknown_kiosk", "this kiosk is not registered, or its key is wrong");
    }
    request.kioskId = id;
  });
}
