import { generate, MAX_SUBSCRIBERS } from "@billing/generate";
import { addMonths, billMonthOf } from "@billing/rating";
import { EXIT, UsageError } from "./exit-codes.js";
import type { Io } from "./io.js";

export interface GenerateArgs {
  readonly out: string;
  readonly subscribers: number;
  readonly months?: string[];
  readonly seed: string;
  readonly errorRate: number;
  readonly recordsPerSubscriber: number;
}

export async function generateCommand(args: GenerateArgs, io: Io): Promise<number> {
  if (args.subscribers > MAX_SUBSCRIBERS) throw new UsageError(`--subscribers: at most ${MAX_SUBSCRIBERS}`);
  const months = args.months ?? [addMonths(billMonthOf(io.now().getTime()), -1)];
  const summary = await generate({
    outDir: args.out,
    subscribers: args.subscribers,
    months,
    seed: args.seed,
    errorRate: args.errorRate,
    recordsPerSubscriber: args.recordsPerSubscriber,
  });
  const injected = Object.entries(summary.injected)
    .filter(([, n]) => n > 0)
    .map(([cls, n]) => `${n} ${cls}`)
    .join(", ");
  io.stdout(
    `generated ${args.out}: ${summary.subscribers} subscribers, months ${summary.months.join(", ")}, ` +
      `${summary.cdrRows} CDR rows (${summary.quarantinable} to be quarantined), ${summary.billLines} bill lines\n` +
      `injected errors (injected-errors.csv): ${injected || "none"}\n`,
  );
  return EXIT.ok;
}
