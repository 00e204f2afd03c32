/** Small helpers shared by the benchmarks: timing, CPU time, a seeded generator, printing. */
import { readdirSync, readFileSync } from "node:fs";

export function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Runs `fn` `times` times and returns the fastest wall-clock seconds. */
export function best(times: number, fn: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    fn();
    fastest = Math.min(fastest, seconds(start));
  }
  return fastest;
}

/** mulberry32: a tiny seeded generator, so every run benchmarks the same data. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** The p-th percentile (nearest rank) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Linux's clock ticks per second in /proc (USER_HZ), the same on every architecture Node runs on. */
const TICKS = 100;

/** utime, stime, cutime, cstime of a process from /proc, in seconds, or null where /proc cannot tell. */
function procTimes(pid: number | "self"): { own: number; children: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command, which may hold spaces, in parentheses.
    const f = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    return {
      own: ((f[11] ?? 0) + (f[12] ?? 0)) / TICKS,
      children: ((f[13] ?? 0) + (f[14] ?? 0)) / TICKS,
      ppid: f[1] ?? 0,
    };
  } catch {
    return null;
  }
}

/** CPU seconds spent so far by this process's children that have ended (the runs it spawned and waited for). */
export function childCpuSeconds(): number {
  return procTimes("self")?.children ?? 0;
}

/**
 * CPU seconds spent so far by a local PostgreSQL server: its postmaster (the
 * parent of `backendPid`), its running processes, and those that have ended
 * (a run's connections, once closed). Null when the server is not on this
 * machine or /proc cannot tell.
 */
export function serverCpuSeconds(backendPid: number): number | null {
  const postmaster = procTimes(backendPid)?.ppid;
  const main = postmaster ? procTimes(postmaster) : null;
  if (!postmaster || !main) return null;
  let total = main.own + main.children;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const p = procTimes(Number(name));
    if (p?.ppid === postmaster) total += p.own;
  }
  return total;
}
