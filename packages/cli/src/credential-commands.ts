import { CredentialError, registerKiosk, setServicePassword } from "@billing/bill-query";
import { chooseTarget, openDatabase } from "@billing/db";
import { EXIT } from "./exit-codes.js";
import type { Io } from "./io.js";

/**
 * `billing set-password --msisdn N`: the password is asked for on a terminal
 * (not echoed) or read from standard input (first line), never from the
 * command line, where other users and the shell history would see it.
 */
export async function setPasswordCommand(args: { msisdn: string; database?: string }, io: Io): Promise<number> {
  // The database first: a folder in use refuses before the password is asked for.
  const database = await openDatabase(chooseTarget(args.database, io.env));
  try {
    const password = await io.secret(`service password for ${args.msisdn} (six digits, not shown): `);
    await setServicePassword(database, args.msisdn, password);
    io.stderr(`billing set-password: the service password of ${args.msisdn} is set\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    io.stderr(`billing set-password: ${error.message}\n`);
    return EXIT.problems;
  } finally {
    await database.close();
  }
}

/** `billing register-kiosk --id ID --name NAME`: prints the kiosk's new key, shown only this once. */
export async function registerKioskCommand(
  args: { id: string; name: string; database?: string },
  io: Io,
): Promise<number> {
  const database = await openDatabase(chooseTarget(args.database, io.env));
  try {
    const key = await registerKiosk(database, args.id, args.name);
    io.stdout(`${key}\n`);
    io.stderr(
      `billing register-kiosk: ${args.id} (${args.name}) registered; start its browser at ` +
        `http://<service>/kiosk/#kiosk=${encodeURIComponent(args.id)}&key=${key}\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof CredentialError)) throw error;
    io.stderr(`billing register-kiosk: ${error.message}\n`);
    return EXIT.usage;
  } finally {
    await database.close();
  }
}
