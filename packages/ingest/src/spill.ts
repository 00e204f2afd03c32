import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { rowLineBytes, type SpilledText, spilledText, writeRowLine } from "./spill-lines.js";

/** The lines of a spill's text, each ending in a line feed (SpillFiles.append), without it. */
export function* spilledTextLines(text: string): Generator<string> {
  for (let at = 0; at < text.length; ) {
    const end = text.indexOf("\n", at);
    yield text.slice(at, end);
    at = end + 1;
  }
}

/** Bytes of input an msisdn range holds: read into memory whole when its turn comes (about 4× that as objects). */
export const RANGE_INPUT_BYTES = 8 << 20;
/** A key's buffer, until a folder's keys together would pass BUFFERS_BYTES; then all are halved, down to MIN_BUFFER_BYTES. */
const BUFFER_BYTES = 1 << 18;
const BUFFERS_BYTES = 32 << 20;
const MIN_BUFFER_BYTES = 1 << 14;

/** A spill folder's name: the host and process that own it, then mkdtemp's suffix. */
const hostPrefix = () => `billing-spill-${hostname()}-`;

/** Whether a process of this host still runs (the owner of a spill folder, or of a run in `runs`). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the spill folders that processes of this host left behind when
 * they were killed (a 2M-CDR run leaves about 200 MB); a folder whose process
 * still runs is another run's, and stays.
 */
export function removeAbandonedSpills(dir = tmpdir()): void {
  const prefix = hostPrefix();
  for (const name of readdirSync(dir)) {
    const pid = name.startsWith(prefix) ? /^(\d+)-/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid !== undefined && !processAlive(Number(pid))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Lines split into files by key, in a folder of the run's own: the input of
 * a run, split by (bill month, msisdn range), so that each part can be read
 * into memory whole while the whole input never is. Writes go out when a
 * key's buffer fills; the folder is removed by `remove()`, or by the next
 * run on the host if this one is killed first.
 */
export class SpillFiles {
  private readonly open = new Map<string, { fd: number; bytes: Buffer; used: number }>();
  private readonly written: Set<string>;
  /** The size of a new key's buffer: the more keys a run spills to, the smaller (room). */
  private bufferBytes = BUFFER_BYTES;

  /** A new folder; or, given one, the files that another thread of this process spilled there (`keys`), to read. */
  constructor(
    readonly dir = SpillFiles.newFolder(),
    keys: readonly string[] = [],
  ) {
    this.written = new Set(keys);
  }

  private static newFolder(): string {
    return mkdtempSync(join(tmpdir(), `${hostPrefix()}${process.pid}-`));
  }

  /** Bytes of the buffers it holds now. */
  bufferedBytes(): number {
    let bytes = 0;
    for (const file of this.open.values()) bytes += file.bytes.length;
    return bytes;
  }

  /** The keys appended to. */
  keys(): string[] {
    return [...this.written];
  }

  /**
   * Appends a line (ending in a line feed). It goes into its key's buffer as
   * UTF-8 at once: kept as strings until written, lines outlived the young
   * generation and every collection copied them.
   */
  append(key: string, line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const file = this.room(key, line.length * 3);
    file.used += file.bytes.write(line, file.used);
  }

  /** Appends a row as bytes with its head (rowLine), then a line feed. */
  appendRow(key: string, head: readonly (string | number)[], bytes: Buffer, starts: Int32Array): void {
    const file = this.room(key, rowLineBytes(head, starts));
    file.used = writeRowLine(file.bytes, file.used, head, bytes, starts);
  }

  /** Key's file, with room for `bytes` more in its buffer (written out first when there is not). */
  private room(key: string, bytes: number): { fd: number; bytes: Buffer; used: number } {
    let file = this.open.get(key);
    if (!file) {
      this.shrinkForOneMore();
      file = { fd: openSync(join(this.dir, key), "a"), bytes: Buffer.allocUnsafe(this.bufferBytes), used: 0 };
      this.open.set(key, file);
      this.written.add(key);
    }
    if (bytes > file.bytes.length - file.used) {
      this.write(file);
      if (bytes > file.bytes.length) file.bytes = Buffer.allocUnsafe(bytes);
    }
    return file;
  }

  /**
   * Halves the buffers until one more key's fits in BUFFERS_BYTES (or they
   * are MIN_BUFFER_BYTES), writing out what they held. A run spills to a key
   * per bill month, msisdn range and kind (and their msisdns): at 256 KB
   * each, a night of 250 ranges would buffer 256 MB in each reader.
   */
  private shrinkForOneMore(): void {
    const before = this.bufferBytes;
    while ((this.open.size + 1) * this.bufferBytes > BUFFERS_BYTES && this.bufferBytes > MIN_BUFFER_BYTES)
      this.bufferBytes /= 2;
    if (this.bufferBytes === before) return;
    for (const file of this.open.values()) {
      if (file.bytes.length <= this.bufferBytes) continue;
      this.write(file);
      file.bytes = Buffer.allocUnsafe(this.bufferBytes);
    }
  }

  /** Writes out what is buffered and closes the files (appending again reopens one); call before reading. */
  flush(): void {
    for (const file of this.open.values()) {
      this.write(file);
      closeSync(file.fd);
    }
    this.open.clear();
  }

  private write(file: { fd: number; bytes: Buffer; used: number }): void {
    if (file.used > 0) writeSync(file.fd, file.bytes, 0, file.used);
    file.used = 0;
  }

  /**
   * The lines of one key, in the order appended, each ending in a line feed
   * (empty when nothing was); `latin1` when every byte was ASCII, so that a
   * place in the text is the same place in the bytes written.
   */
  read(key: string): SpilledText {
    if (!this.written.has(key)) return { text: "", latin1: true };
    return spilledText(readFileSync(join(this.dir, key)));
  }

  remove(): void {
    for (const file of this.open.values()) closeSync(file.fd);
    this.open.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Contiguous msisdn ranges of about equal numbers of subscribers. Buckets in
 * order hold msisdns in order, so a run that takes them one after the other
 * writes its outputs in msisdn order.
 */
export class MsisdnRanges {
  /** `starts[i]` is the first msisdn of range i + 1. */
  constructor(readonly starts: readonly string[]) {}

  /** `count` ranges (fewer when there are fewer msisdns) of about equal numbers of `sortedMsisdns`. */
  static evenly(sortedMsisdns: readonly string[], count: number): MsisdnRanges {
    const starts: string[] = [];
    const n = Math.min(count, sortedMsisdns.length);
    for (let i = 1; i < n; i++) starts.push(sortedMsisdns[Math.floor((i * sortedMsisdns.length) / n)] as string);
    return new MsisdnRanges(starts);
  }

  get count(): number {
    return this.starts.length + 1;
  }

  /** The msisdns of a range: from `first` on (inclusive) and before `end`; a missing bound is open. */
  bounds(range: number): { readonly first?: string; readonly end?: string } {
    const first = this.starts[range - 1];
    const end = this.starts[range];
    return { ...(first !== undefined && { first }), ...(end !== undefined && { end }) };
  }

  rangeOf(msisdn: string): number {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.starts[mid] as string) <= msisdn) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
