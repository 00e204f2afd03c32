import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_KINDS, type ScratchDatabase, scratchDatabase } from "@billing/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_MAIN, REPO, runCli } from "./run-cli.js";

describe.each(DATABASE_KINDS)("billing set-password, register-kiosk and serve, on %s", (kind) => {
  let dir: string;
  let scratch: ScratchDatabase | null = null;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "billing-serve-cli-"));
    if (kind === "postgres") {
      scratch = await scratchDatabase("postgres");
      await scratch.database.close();
    }
    env = kind === "postgres" ? { DATABASE_URL: scratch?.url ?? "" } : { BILLING_DATA_DIR: join(dir, "data") };
    const run = await runCli(["reconcile", "--in", "test-data/basic", "--out", join(dir, "out")], env);
    expect(run.code).toBe(0);
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sets a six-digit password from stdin, and refuses a weak one or an unknown msisdn", async () => {
    expect((await runCli(["set-password", "--msisdn", "13805710001"], env, "123456\n")).code).toBe(0);
    const weak = await runCli(["set-password", "--msisdn", "13805710001"], env, "abc\n");
    expect([weak.code, weak.stderr]).toEqual([1, "billing set-password: a service password is six digits\n"]);
    const stranger = await runCli(["set-password", "--msisdn", "13700000000"], env, "123456\n");
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain("unknown msisdn 13700000000");
    expect((await runCli(["set-password", "--msisdn", "12"], env, "123456\n")).code).toBe(2);
  });

  it("on a terminal, asks for the password and does not echo it", async () => {
    // util-linux `script` gives the command a terminal; the digits, typed once the prompt shows, must not come back.
    const command = `${process.execPath} ${CLI_MAIN} set-password --msisdn 13805710001`;
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], {
        cwd: REPO,
        env: { ...process.env, DATABASE_URL: "", ...env },
      });
      let out = "";
      let typed = false;
      child.stdout.on("data", (d) => {
        out += d;
        if (!typed && out.includes("not shown): ")) {
          typed = true;
          child.stdin.write("246802\r");
        }
      });
      child.on("error", reject);
      child.on("close", () => resolve({ stdout: out }));
    });
    expect(stdout).toContain("service password for 13805710001 (six digits, not shown):");
    expect(stdout).toContain("the service password of 13805710001 is set");
    expect(stdout).not.toContain("246802");
    expect((await runCli(["set-password", "--msisdn", "13805710001"], env, "123456\n")).code).toBe(0);
  });

  it("registers a kiosk, serves the API to it, and stops cleanly on SIGTERM", async () => {
    const registered = await runCli(["register-kiosk", "--id", "K01", "--name", "Wulin hall"], env);
    expect(registered.code).toBe(0);
    const key = registered.stdout.trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await runCli(["register-kiosk", "--id", "bad id!", "--name", "x"], env)).code).toBe(2);

    const child = spawn(process.execPath, [CLI_MAIN, "serve", "--port", "0"], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: "", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const base = await new Promise<string>((resolve, reject) => {
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
        const found = /kiosk page (http:\/\/[^/\s]+)\/kiosk\//.exec(stderr);
        if (found?.[1]) resolve(found[1]);
      });
      child.on("exit", () => reject(new Error(`serve exited: ${stderr}`)));
    });
    const kiosk = { "x-kiosk-id": "K01", "x-kiosk-key": key, "content-type": "application/json" };
    const signIn = await fetch(`${base}/v1/sessions`, {
      method: "POST",
      headers: kiosk,
      body: JSON.stringify({ msisdn: "13805710001", password: "123456" }),
    });
    expect(signIn.status).toBe(201);
    const { token } = (await signIn.json()) as { token: string };
    const months = await fetch(`${base}/v1/months`, { headers: { ...kiosk, authorization: `Bearer ${token}` } });
    expect(months.status).toBe(200);
    expect((await fetch(`${base}/kiosk/`)).headers.get("content-type")).toContain("text/html");
    if (kind === "pglite") {
      // A second process on the folder in use refuses at once, naming it and its holder; no success for a lost write.
      const beside = await runCli(["set-password", "--msisdn", "13805710001"], env, "246802\n");
      expect(beside.code).toBe(1);
      expect(beside.stdout).toBe("");
      expect(beside.stderr).toMatch(
        new RegExp(`^billing: the embedded database .*data is in use by process ${child.pid} \\(billing serve`),
      );
      const old = await fetch(`${base}/v1/sessions`, {
        method: "POST",
        headers: kiosk,
        body: JSON.stringify({ msisdn: "13805710001", password: "123456" }),
      });
      expect(old.status).toBe(201);
    }
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
