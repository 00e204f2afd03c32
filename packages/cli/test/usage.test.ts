import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

describe("billing usage (cli.md)", () => {
  it("--help lists every subcommand of the spec and exits 0", async () => {
    const { code, stdout } = await runCli(["--help"]);
    expect(code).toBe(0);
    for (const command of ["reconcile", "replay", "serve", "generate"]) expect(stdout).toContain(command);
  });

  it.each([["reconcile"], ["replay"], ["serve"], ["generate"]])("billing %s --help exits 0", async (command) => {
    const { code, stdout } = await runCli([command, "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: billing ${command}`);
  });

  it.each([
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["reconcile", "--out", "x"], /required option '--in <dir>' not specified/],
    [["reconcile", "--in", "test-data/basic", "--out", "x", "--bogus"], /unknown option '--bogus'/],
    [["reconcile", "--in", "a", "--out", "b", "--shard", "3/2"], /--shard.*invalid/],
    [["replay", "--msisdn", "123", "--month", "2026-09"], /--msisdn.*invalid/],
    [["replay", "--msisdn", "13805710001", "--month", "2026-13"], /--month.*invalid/],
    [["generate", "--out", "x", "--error-rate", "2"], /--error-rate.*invalid/],
    [["serve", "--port", "http"], /--port.*invalid/],
  ])("bad usage %j exits 2 with a one-line reason", async (args, reason) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")[0]).toMatch(reason);
  });

  // Every I/O error names its file, in one line, before any work.
  it.each([
    [
      ["--in", "test-data/basic", "--out", "README.md"],
      /^billing: README\.md: already exists as a file, where a folder was expected/,
    ],
    [["--in", "packages/cli/test/fixtures/input-is-folder", "--out", "x"], /input-is-folder\/tariffs\.json: a folder/],
    [["--in", "nowhere", "--out", "x"], /cannot read input folder nowhere/],
  ])("reconcile %j exits 1 naming the file", async (args, reason) => {
    const { code, stderr } = await runCli(["reconcile", ...args], { BILLING_DATA_DIR: "memory://" });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr.trim()).toMatch(reason);
  });

  it("no subcommand is bad usage", async () => {
    expect((await runCli([])).code).toBe(2);
  });
});
