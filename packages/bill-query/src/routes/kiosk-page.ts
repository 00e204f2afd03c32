import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** The kiosk page's files under /kiosk/, never cached (a kiosk shows a new release at once). */
export async function kioskPage(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL("../../kiosk/", import.meta.url)),
    prefix: "/kiosk/",
    cacheControl: false,
    etag: false,
    lastModified: false,
    setHeaders: (res) => res.setHeader("cache-control", "no-store"),
  });
  app.get("/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/kiosk/"));
}
