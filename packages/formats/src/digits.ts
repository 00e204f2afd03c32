/**
 * Writes a whole number 0 ≤ n ≤ 2⁵³ − 1 as ASCII digits into `into` at
 * `at` (16 bytes at most, the caller's room), and returns where they end.
 * Written in parts under 10⁹, each as 32-bit integers: % on a larger number
 * (a start in ms has 13 digits) is a floating-point remainder, many times slower.
 */
export function writeWhole(into: Uint8Array, at: number, n: number): number {
  if (n < 1e9) return writeDigits(into, at, n, 1);
  const high = Math.floor(n / 1e9);
  return writeDigits(into, writeDigits(into, at, high, 1), n - high * 1e9, 9);
}

/** The digits of n (0 ≤ n < 10⁹), zero-padded to at least `width`. */
function writeDigits(into: Uint8Array, at: number, n: number, width: number): number {
  let rest = n | 0;
  let count = 1;
  for (let p = 10; p <= rest; p *= 10) count++;
  if (count < width) count = width;
  for (let i = at + count - 1; i >= at; i--) {
    into[i] = 0x30 + (rest % 10);
    rest = (rest / 10) | 0;
  }
  return at + count;
}
