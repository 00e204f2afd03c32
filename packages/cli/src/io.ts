/** What a command touches outside itself, so tests can run it in-process. */
export interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
  stdout(text: string): void;
  stderr(text: string): void;
  readonly stderrIsTty: boolean;
  /** All of standard input, for secrets that must not be arguments. */
  stdin(): Promise<string>;
  /** A secret's line: asked with `prompt` and not echoed on a terminal, else the first line of standard input. */
  secret(prompt: string): Promise<string>;
}

export const processIo: Io = {
  env: process.env,
  now: () => new Date(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: Boolean(process.stderr.isTTY),
  async stdin() {
    let text = "";
    for await (const chunk of process.stdin) text += chunk;
    return text;
  },
  async secret(prompt) {
    if (!process.stdin.isTTY) return (await processIo.stdin()).split(/\r?\n/)[0] ?? "";
    return hiddenLine(prompt);
  },
};

/** Reads a line from the terminal in raw mode, echoing nothing; Ctrl-C or Ctrl-D gives up. */
function hiddenLine(prompt: string): Promise<string> {
  const input = process.stdin;
  // Echo off before the prompt: whatever is typed once the prompt shows is never echoed.
  input.setRawMode(true);
  process.stderr.write(prompt);
  input.resume();
  return new Promise((resolve, reject) => {
    let line = "";
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off("data", onData);
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(line);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003" || ch === "\u0004") return done(new Error("no password given"));
        if (ch === "\u007f" || ch === "\b") line = line.slice(0, -1);
        else line += ch;
      }
    };
    input.on("data", onData);
  });
}
