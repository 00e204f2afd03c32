import { parseShard, type Shard } from "@billing/formats";
import { parseMonth } from "@billing/rating";
import { InvalidArgumentError } from "commander";

export function monthOption(value: string): string {
  if (!parseMonth(value)) throw new InvalidArgumentError("expected a month YYYY-MM.");
  return value;
}

export function monthsOption(value: string): string[] {
  return value.split(",").map((m) => monthOption(m.trim()));
}

export function shardOption(value: string): Shard {
  const shard = parseShard(value);
  if (!shard) throw new InvalidArgumentError("expected i/n with 1 ≤ i ≤ n, e.g. 1/2.");
  return shard;
}

export function positiveIntOption(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("expected a positive whole number.");
  return Number(value);
}

export function portOption(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError("expected a port 0-65535.");
  return Number(value);
}

export function rateOption(value: string): number {
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || n < 0 || n > 1) throw new InvalidArgumentError("expected a rate from 0 to 1.");
  return n;
}

export function msisdnOption(value: string): string {
  if (!/^1\d{10}$/.test(value)) throw new InvalidArgumentError("expected an 11-digit mobile number.");
  return value;
}
