import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { evidenceFiles, evidenceReadme, type Replay, type ReplayInputs } from "@billing/reconciliation";

/** Writes the evidence pack: the input files, the result, and how to re-check both. */
export async function writeEvidence(dir: string, inputs: ReplayInputs, replay: Replay): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {
    ...evidenceFiles(inputs),
    "replay.json": `${replay.json}\n`,
    "README.txt": evidenceReadme(inputs, replay.sha256),
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return Object.keys(files);
}
