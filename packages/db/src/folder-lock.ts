import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** Another process holds the embedded database's folder: PGlite is one process's, and two corrupt it. */
export class DatabaseInUse extends Error {
  override readonly name = "DatabaseInUse";
  readonly code = "database_in_use";
}

interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly since: string;
}

const LOCK = "billing.lock";

/**
 * Takes the folder for this process (a lock file naming it), or refuses at
 * once, before any work, naming the process that holds it and what to do
 * instead. A lock left by a process that no longer runs is taken over.
 */
export function lockFolder(dataDir: string): () => void {
  const path = join(dataDir, LOCK);
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    command: ["billing", ...process.argv.slice(2, 3)].join(" "),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(path);
    if (holder && holder.host === me.host && processAlive(holder.pid)) {
      throw new DatabaseInUse(
        `the embedded database ${dataDir} is in use by process ${holder.pid} (${holder.command}, since ${holder.since}): ` +
          "stop it first, or run both on a PostgreSQL server with --database postgres://… (README, Sharing one machine)",
      );
    }
    if (holder && holder.host !== me.host) {
      throw new DatabaseInUse(
        `the embedded database ${dataDir} is held by process ${holder.pid} on host ${holder.host}: ` +
          `stop it there, or remove ${path} if that host is gone`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new DatabaseInUse(`the embedded database ${dataDir} is being taken by another process: try again`);
}

function readHolder(path: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Holder;
  } catch {
    return undefined;
  }
}

// Ingest has the same check for spill folders; db and ingest share no package below them that may do I/O.
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
