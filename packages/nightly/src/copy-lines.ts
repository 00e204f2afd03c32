/**
 * COPY text lines gathered as UTF-8 bytes, written in as each line is made.
 * Kept as strings until their COPY, lines (and the fields sliced from the
 * input they point to) held whole megabytes of input alive and made every
 * young-generation collection copy them.
 */
export class CopyLines {
  private bytes: Buffer;
  private used = 0;
  count = 0;

  constructor(private readonly initialBytes = 1 << 20) {
    this.bytes = Buffer.allocUnsafe(initialBytes);
  }

  add(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (line.length * 3 > this.bytes.length - this.used) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + line.length * 3));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes.write(line, this.used);
    this.count += 1;
  }

  /** The lines so far, leaving this empty. */
  take(): Uint8Array {
    const lines = this.bytes.subarray(0, this.used);
    this.bytes = Buffer.allocUnsafe(this.initialBytes);
    this.used = 0;
    this.count = 0;
    return lines;
  }
}
