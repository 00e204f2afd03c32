/** Small helpers shared by the benchmarks: timing, a seeded generator, printing. */

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
