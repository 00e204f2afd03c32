/** What a command touches outside itself, so tests can run it in-process. */
export interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
  stdout(text: string): void;
  stderr(text: string): void;
  readonly stderrIsTty: boolean;
  /** All of standard input, for secrets that must not be arguments. */
  stdin(): Promise<string>;
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
};
