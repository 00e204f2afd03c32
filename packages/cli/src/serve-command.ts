import { buildServer } from "@billing/bill-query";
import { chooseTarget, openDatabase } from "@billing/db";
import { EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";

export interface ServeArgs {
  readonly port: number;
  readonly host: string;
  readonly database?: string;
}

/** `billing serve`: runs the query service and the kiosk page until SIGINT or SIGTERM. */
export async function serveCommand(args: ServeArgs, io: Io): Promise<number> {
  const database = await openDatabase(chooseTarget(args.database, io.env));
  const app = await buildServer({ database, logger: { level: io.env.LOG_LEVEL || "info" } });
  const address = await app.listen({ port: args.port, host: args.host });
  io.stderr(`billing serve: ${database.label}; kiosk page ${address}/kiosk/, API ${address}/v1/openapi.json\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await app.close();
  await database.close();
  return EXIT.ok;
}
