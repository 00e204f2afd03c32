/** A worker thread that hashes input files (SHA-256, hex), each streamed a megabyte at a time. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

const digest = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const hash = createHash("sha256");
    // In the default 64 KB chunks, a run spent as long reading its input as hashing it.
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });

export default function digests(paths: readonly string[]): Promise<string[]> {
  return Promise.all(paths.map(digest));
}
