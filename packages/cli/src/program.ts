import { Command, CommanderError, Option } from "commander";
import { EXIT, UsageError } from "./exit-codes.js";
import type { Io } from "./io.js";
import {
  monthOption,
  monthsOption,
  msisdnOption,
  portOption,
  positiveIntOption,
  rateOption,
  shardOption,
} from "./options.js";

const databaseOption = () =>
  new Option(
    "--database <url>",
    "PostgreSQL server URL (default: DATABASE_URL, else embedded PGlite in BILLING_DATA_DIR)",
  );

/** The commands; each loads its module only when it runs (a run of one loaded them all, some 0.1 s). */
function buildProgram(io: Io, run: (action: () => Promise<number>) => void): Command {
  const program = new Command("billing")
    .description(
      "Billing accuracy: recompute bills from CDRs and tariffs, reconcile with BOSS, double-refund overcharges.",
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showSuggestionAfterError(true);

  program
    .command("reconcile")
    .description("the nightly run: load DIR, rate, reconcile, issue credits, write the outputs into --out")
    .requiredOption(
      "--in <dir>",
      "input folder: tariffs.json, subscribers.csv, subscriptions.csv, cdr-*.csv, boss-bill-*.csv",
    )
    .requiredOption("--out <dir>", "output folder: discrepancies.csv, credits.csv, summary.json, quarantine.csv")
    .addOption(databaseOption())
    .option(
      "--shard <i/n>",
      "take share i of n of the run's subscribers (msisdn hash), for several processes",
      shardOption,
    )
    .option("--run-id <id>", "name of the run; processes sharing one run pass the same id")
    .option("--chunk-size <n>", "subscribers rated and credited per database transaction", positiveIntOption, 500)
    .option(
      "--accept-incomplete <YYYY-MM,...>",
      "reconcile these bill months even when their feed looks incomplete (checked by an analyst)",
      monthsOption,
    )
    .action((opts) => run(async () => (await import("./reconcile-command.js")).reconcileCommand(opts, io)));

  program
    .command("replay")
    .description("an auditor's replay of one subscriber-month from the stored inputs")
    .requiredOption("--msisdn <n>", "the subscriber", msisdnOption)
    .requiredOption("--month <YYYY-MM>", "the bill month", monthOption)
    .option("--json", "canonical JSON whose last field is its SHA-256 digest")
    .option("--wide", "the table on one line per item (about 260 columns), not two")
    .option("--evidence <dir>", "write the inputs used and the result into DIR")
    .option("--issue", "issue any credit still owed, through the same ledger as the nightly run")
    .addOption(databaseOption())
    .action((opts) => run(async () => (await import("./replay-command.js")).replayCommand(opts, io)));

  program
    .command("serve")
    .description("the six-month itemized-bill query service and the kiosk page")
    .option("--port <p>", "port to listen on", portOption, 8080)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .addOption(databaseOption())
    .action((opts) => run(async () => (await import("./serve-command.js")).serveCommand(opts, io)));

  program
    .command("set-password")
    .description("set a subscriber's service password (six digits, read from standard input)")
    .requiredOption("--msisdn <n>", "the subscriber", msisdnOption)
    .addOption(databaseOption())
    .action((opts) => run(async () => (await import("./credential-commands.js")).setPasswordCommand(opts, io)));

  program
    .command("register-kiosk")
    .description("register a kiosk (or give it a new key); prints the key once")
    .requiredOption("--id <id>", "kiosk id: letters, digits, - or _")
    .requiredOption("--name <name>", "where it stands, e.g. a business hall")
    .addOption(databaseOption())
    .action((opts) => run(async () => (await import("./credential-commands.js")).registerKioskCommand(opts, io)));

  const disputes = program
    .command("disputes")
    .description("staff's side of customer disputes: open, list, show, answer (answered within 48 hours)");
  const load = () => import("./disputes-command.js");
  disputes
    .command("open")
    .description("open a case on a customer's behalf (any stored month); a value-added line is refunded at once")
    .requiredOption("--msisdn <n>", "the subscriber", msisdnOption)
    .requiredOption("--month <YYYY-MM>", "the bill month", monthOption)
    .option("--item <key>", "a record_id, FEE:<plan_id> or VAS:<product_id> (default: the month as a whole)")
    .addOption(
      new Option("--reason <r>", "why the customer doubts it")
        .choices(["not_made", "wrong_quantity", "wrong_rate", "never_ordered", "other"])
        .makeOptionMandatory(),
    )
    .option("--text <t>", "the customer's words (at most 500 characters)")
    .requiredOption("--staff <id>", "the registered staff id opening it")
    .addOption(databaseOption())
    .action((opts) => run(async () => (await load()).disputesOpenCommand(opts, io)));
  disputes
    .command("list")
    .description("cases by due time, earliest first, with where each stands on its clock")
    .option("--open", "only cases not answered yet")
    .option("--overdue", "only open cases past their due time")
    .option("--msisdn <n>", "only this subscriber's cases", msisdnOption)
    .option("--json", "a JSON array")
    .addOption(databaseOption())
    .action((opts) => run(async () => (await load()).disputesListCommand(opts, io)));
  disputes
    .command("show")
    .description("a case and the replay of its month: items, billed, refunds owed and issued, digest")
    .argument("<id>", "the case id, e.g. TS20260915-000123")
    .option("--json", "the case and the replay's canonical document")
    .addOption(databaseOption())
    .action((id, opts) => run(async () => (await load()).disputesShowCommand({ ...opts, id }, io)));
  disputes
    .command("answer")
    .description("answer a case from its replay; error_found issues what is still owed, once")
    .argument("<id>", "the case id")
    .addOption(
      new Option("--outcome <o>", "the answer").choices(["error_found", "no_error", "withdrawn"]).makeOptionMandatory(),
    )
    .requiredOption("--staff <id>", "the registered staff id answering it")
    .option("--text <t>", "words to the customer")
    .addOption(databaseOption())
    .action((id, opts) => run(async () => (await load()).disputesAnswerCommand({ ...opts, id }, io)));

  program
    .command("register-staff")
    .description("register a member of complaint staff (or give them a new key); prints the key once")
    .requiredOption("--id <id>", "staff id: letters, digits, - or _")
    .requiredOption("--name <name>", "their name")
    .addOption(databaseOption())
    .action((opts) => run(async () => (await load()).registerStaffCommand(opts, io)));

  program
    .command("generate")
    .description("write a realistic input DIR with known billing errors injected, and the list of them")
    .requiredOption("--out <dir>", "folder to write")
    .option("--subscribers <n>", "how many subscribers", positiveIntOption, 1000)
    .option("--months <m1,m2>", "bill months to generate (default: last month)", monthsOption)
    .option("--seed <s>", "random seed", "1")
    .option("--error-rate <r>", "share of bill lines given an injected error", rateOption, 0.02)
    .option("--records-per-subscriber <n>", "average usage records per subscriber-month", positiveIntOption, 40)
    .action((opts) => run(async () => (await import("./generate-command.js")).generateCommand(opts, io)));

  requiredAfterUnknown(program);
  return program;
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "not permitted",
  EISDIR: "a folder, where a file was expected",
  ENOTDIR: "not a folder, where a folder was expected",
  EEXIST: "already exists as a file, where a folder was expected",
  ENOSPC: "no space left on the device",
  EROFS: "on a read-only file system",
};

/** A file system error in one line that names the file: `out: already exists as a file, where a folder was expected`. */
function fileErrorText(error: unknown): string | undefined {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code !== "string" || typeof e.path !== "string") return undefined;
  return `${e.path}: ${ERRNO_WORDS[e.code] ?? e.message.replace(/^[A-Z]+: /, "")} (${e.syscall ?? "io"})`;
}

/**
 * Commander checks required options before unknown ones, so `reconcile
 * --bogus` said "--in required": the required options are checked after
 * parsing instead, and an unknown option is named first.
 */
function requiredAfterUnknown(program: Command): void {
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program).slice(1)) {
    const required = command.options.filter((o) => o.mandatory);
    for (const option of required) option.mandatory = false;
    command.hook("preAction", (_, action) => {
      const missing = required.find((o) => action.getOptionValue(o.attributeName()) === undefined);
      if (missing) throw new UsageError(`${action.name()}: required option '${missing.flags}' not specified`);
    });
  }
}

/** Runs `billing` with argv (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let pending: Promise<number> | undefined;
  const program = buildProgram(io, (action) => {
    pending = action();
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    if (!pending) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
    return await pending;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
      if (error.code === "commander.help") return EXIT.usage;
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr(`billing: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`billing: ${fileErrorText(error) ?? (error as Error).message ?? String(error)}\n`);
    return EXIT.problems;
  }
}
