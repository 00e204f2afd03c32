import type { Progress } from "@billing/nightly";
import cliProgress from "cli-progress";
import type { Io } from "./io.js";

const LABELS = { ingest: "reading inputs   ", reconcile: "rating, crediting" } as const;

/**
 * A progress bar on stderr with rate and ETA while a run works (cli.md: when
 * stderr is a terminal, quiet otherwise). Returns the callback for the run
 * and a function that clears the bar.
 */
export function progressBar(io: Io): { onProgress?: (p: Progress) => void; stop: () => void } {
  if (!io.stderrIsTty) return { stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: "{phase} [{bar}] {percentage}% | {rate} | ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase: Progress["phase"] | null = null;
  let started = 0;
  return {
    onProgress(p) {
      if (p.phase !== phase) {
        if (phase !== null) bar.stop();
        phase = p.phase;
        started = performance.now();
        bar.start(p.total, 0, { phase: LABELS[p.phase], rate: "" });
      }
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      const unit = p.phase === "ingest" ? "rows/s" : "subscriber-months/s";
      const rate = `${Math.round((p.rows ?? 0) / seconds).toLocaleString("en-US")} ${unit}`;
      bar.update(p.done, { rate });
    },
    stop: () => {
      if (phase !== null) bar.stop();
    },
  };
}
