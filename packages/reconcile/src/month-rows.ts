import { copyText } from "@billing/db/copy-text";
import { writeWhole } from "./digits.js";

/** A stored element's fields: a StoredRecord's or a StoredBillLine's. */
type Scalar = string | number | null;

/** Subscriber-month rows to store: their msisdns, and the rows as COPY text (MonthRowsWriter). */
export interface MonthRows {
  readonly msisdns: readonly string[];
  readonly rows: Uint8Array;
}

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
  private readonly msisdns: string[] = [];

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

  /** The rows written, their bytes copied out (a view of a larger buffer would send all of it to another thread). */
  rows(): MonthRows {
    const bytes = new Uint8Array(this.bytes.buffer.slice(this.bytes.byteOffset, this.bytes.byteOffset + this.used));
    return { msisdns: this.msisdns, rows: bytes };
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
    // A sign and 16 digits at most.
    this.room(17);
    if (n < 0) this.bytes[this.used++] = 0x2d;
    this.used = writeWhole(this.bytes, this.used, Math.abs(n));
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
