import { copyText } from "@billing/db/copy-text";

/** A stored element's fields: a StoredRecord's or a StoredBillLine's. */
type Scalar = string | number | null;

/**
 * Subscriber-month rows of usage_months or bill_months (bill_month, msisdn,
 * the JSON array of its records or lines) as COPY text, written straight
 * into bytes: the bytes of copyRows([[billMonth, msisdn, JSON.stringify(elements)]]).
 * Built as strings, a record's text cost more to make, join, pass between
 * threads and encode again than to check and rate the record.
 */
export class MonthRowsWriter {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  /** The msisdns of the rows written, in order. */
  readonly msisdns: string[] = [];

  add(billMonth: string, msisdn: string, elements: readonly (readonly Scalar[])[]): void {
    this.escaped(billMonth);
    this.byte(0x09);
    this.escaped(msisdn);
    this.byte(0x09);
    this.byte(0x5b);
    for (let e = 0; e < elements.length; e++) {
      if (e > 0) this.byte(0x2c);
      const element = elements[e] as readonly Scalar[];
      this.byte(0x5b);
      for (let i = 0; i < element.length; i++) {
        if (i > 0) this.byte(0x2c);
        this.json(element[i] as Scalar);
      }
      this.byte(0x5d);
    }
    this.byte(0x5d);
    this.byte(0x0a);
    this.msisdns.push(msisdn);
  }

  /** The rows so far, as bytes of their own (a view of a larger buffer would send all of it to another thread). */
  rows(): Uint8Array {
    return new Uint8Array(this.bytes.buffer.slice(this.bytes.byteOffset, this.bytes.byteOffset + this.used));
  }

  private room(bytes: number): void {
    if (this.used + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.used + bytes));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }

  private byte(b: number): void {
    this.room(1);
    this.bytes[this.used++] = b;
  }

  private json(value: Scalar): void {
    if (value === null) this.ascii("null");
    else if (typeof value === "number") this.number(value);
    else this.string(value);
  }

  private number(n: number): void {
    if (!Number.isSafeInteger(n)) {
      this.ascii(JSON.stringify(n));
      return;
    }
    if (n < 0) this.byte(0x2d);
    const abs = Math.abs(n);
    // In two parts under 2³¹ (a start in ms has 13 digits): % on a larger number is a floating-point remainder, many times slower.
    if (abs < 1e9) {
      this.digits(abs, 1);
    } else {
      const high = Math.floor(abs / 1e9);
      this.digits(high, 1);
      this.digits(abs - high * 1e9, 9);
    }
  }

  /** The digits of n (0 ≤ n < 10⁹), zero-padded to at least `width`. */
  private digits(n: number, width: number): void {
    let rest = n | 0;
    let count = 1;
    for (let p = 10; p <= rest; p *= 10) count++;
    if (count < width) count = width;
    this.room(count);
    const bytes = this.bytes;
    for (let at = this.used + count - 1; at >= this.used; at--) {
      bytes[at] = 0x30 + (rest % 10);
      rest = (rest / 10) | 0;
    }
    this.used += count;
  }

  /** A JSON string: printable ASCII without `"` or `\` as it is, any other through JSON.stringify. */
  private string(s: string): void {
    this.room(s.length + 2);
    const bytes = this.bytes;
    let at = this.used;
    bytes[at++] = 0x22;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.escaped(JSON.stringify(s));
        return;
      }
      bytes[at++] = c;
    }
    bytes[at++] = 0x22;
    this.used = at;
  }

  /** Text as one COPY field, in UTF-8. */
  private escaped(text: string): void {
    const field = copyText(text);
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    this.room(field.length * 3);
    this.used += this.bytes.write(field, this.used);
  }

  private ascii(text: string): void {
    this.room(text.length);
    this.used += this.bytes.write(text, this.used, "latin1");
  }
}
