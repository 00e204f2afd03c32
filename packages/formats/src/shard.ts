/** A share of a run: process `index` (1-based) of `count` takes the msisdns that hash to it. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export const WHOLE_RUN: Shard = { index: 1, count: 1 };

export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index >= 1 && index <= count ? { index, count } : undefined;
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** FNV-1a of the msisdn: stable across processes, machines and versions of Node. */
export function msisdnHash(msisdn: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < msisdn.length; i++) {
    hash ^= msisdn.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function inShard(msisdn: string, shard: Shard): boolean {
  return shard.count === 1 || msisdnHash(msisdn) % shard.count === shard.index - 1;
}
