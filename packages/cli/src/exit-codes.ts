/** cli.md: 0 success, 1 the work found problems it reports, 2 bad usage. */
export const EXIT = { ok: 0, problems: 1, usage: 2 } as const;

/** Bad usage found after parsing (a malformed value); the message is the one-line reason. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
