/** An input the run cannot go on without: a refused catalogue, a missing file, a header without a required column. */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    readonly code: "catalogue_refused" | "missing_input" | "bad_header" | "unreadable_input",
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}
