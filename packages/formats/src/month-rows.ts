import { writeWhole } from "./digits.js";
import { billSourcesOf, type StoredBillLine, type StoredRecord, sourcesOf } from "./stored-month.js";

/** A stored element's fields: a StoredBillLine's, a StoredRecord's, or a month's sources. */
type Scalar = string | number | null;

/** Subscriber-month rows to store: their msisdns, and the rows as binary COPY tuples (MonthRowsWriter, RawSession.copyBinary). */
export interface MonthRows {
  readonly msisdns: readonly string[];
  readonly rows: Uint8Array;
}

/**
 * Subscriber-month rows of usage_months or bill_months (bill_month, msisdn,
 * the JSON of its records or lines) as binary COPY tuples, written straight
 * into bytes: three text fields, the last storedRecordsText(records) or
 * storedBillText(lines).
 * Built as strings, a record's text cost more to make, join, pass between
 * threads and encode again than to check and rate the record.
 */
export class MonthRowsWriter {
  private bytes = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  /** The msisdns of the rows written, in order. */
  private readonly msisdns: string[] = [];

  /** A row of bill_months: its lines as StoredBill, the bytes of storedBillText(lines). */
  addBill(billMonth: string, msisdn: string, lines: readonly StoredBillLine[]): void {
    const { sources, indexes } = billSourcesOf(lines);
    const json = this.key(billMonth, msisdn);
    this.ascii('{"sources":');
    this.element(sources, false);
    this.ascii(',"lines":[');
    for (let l = 0; l < lines.length; l++) {
      const line = lines[l] as StoredBillLine;
      this.element(line, l > 0, 3, indexes[l] as number, line[4]);
    }
    this.ascii("]}");
    this.end(msisdn, json);
  }

  /** A row of usage_months: its records as StoredUsage, the bytes of storedRecordsText(records). */
  addRecords(billMonth: string, msisdn: string, records: readonly StoredRecord[]): void {
    const { sources, indexes } = sourcesOf(records);
    const json = this.key(billMonth, msisdn);
    this.ascii('{"sources":[');
    for (let s = 0; s < sources.length; s++) this.element(sources[s] as readonly Scalar[], s > 0);
    this.ascii('],"records":[');
    for (let r = 0; r < records.length; r++) {
      const record = records[r] as StoredRecord;
      this.element(record, r > 0, 9, indexes[r] as number, record[10]);
    }
    this.ascii("]}");
    this.end(msisdn, json);
  }

  /** A tuple's field count and its first two fields; returns where the third's length goes, filled in by `end`. */
  private key(billMonth: string, msisdn: string): number {
    this.room(2);
    this.used = this.bytes.writeInt16BE(3, this.used);
    this.text(billMonth);
    this.text(msisdn);
    this.room(4);
    this.used += 4;
    return this.used - 4;
  }

  private end(msisdn: string, json: number): void {
    this.bytes.writeInt32BE(this.used - json - 4, json);
    this.msisdns.push(msisdn);
  }

  /** A text field: its length in UTF-8, then its bytes. */
  private text(value: string): void {
    const length = Buffer.byteLength(value);
    this.room(4 + length);
    this.used = this.bytes.writeInt32BE(length, this.used);
    this.used += this.bytes.write(value, this.used);
  }

  private ascii(text: string): void {
    this.room(text.length);
    this.used = writeAscii(this.bytes, this.used, text);
  }

  /**
   * An element as a JSON array, after a comma when `more`. Room is made once
   * for it as it nearly always is (strings with nothing to escape, numbers
   * whole), then its bytes are written in place: a call and a check per byte
   * cost more than the rest of writing it.
   */
  private element(element: readonly Scalar[], more: boolean, count = element.length, source = -1, line = 0): void {
    // A comma, brackets and commas, each value's bytes, and a record's source and line (a comma and 16 digits each).
    let need = 3 + count + (source >= 0 ? 34 : 0);
    for (let i = 0; i < count; i++) {
      const value = element[i];
      need += typeof value === "string" ? value.length + 2 : 24;
    }
    this.room(need);
    let bytes = this.bytes;
    let at = this.used;
    if (more) bytes[at++] = 0x2c;
    bytes[at++] = 0x5b;
    for (let i = 0; i < count; i++) {
      if (i > 0) bytes[at++] = 0x2c;
      const value = element[i] as Scalar;
      if (typeof value === "string") {
        const plain = writePlainString(bytes, at, value);
        if (plain >= 0) {
          at = plain;
          continue;
        }
      } else if (typeof value === "number" && Number.isSafeInteger(value)) {
        if (value < 0) bytes[at++] = 0x2d;
        at = writeWhole(bytes, at, Math.abs(value));
        continue;
      } else if (value === null) {
        at = writeAscii(bytes, at, "null");
        continue;
      }
      // The rare value with something to escape, or a number not whole: written with the room it takes.
      this.used = at;
      this.utf8(JSON.stringify(value));
      this.room(need);
      bytes = this.bytes;
      at = this.used;
    }
    // A record's source and line (addRecords), after its first `count` fields.
    if (source >= 0) {
      bytes[at++] = 0x2c;
      at = writeWhole(bytes, at, source);
      bytes[at++] = 0x2c;
      at = writeWhole(bytes, at, line);
    }
    bytes[at++] = 0x5d;
    this.used = at;
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

  private utf8(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    this.room(text.length * 3);
    this.used += this.bytes.write(text, this.used);
  }
}

/** `s` as a JSON string at `at` when it is printable ASCII without `"` or `\\`, returning where it ends; else -1. */
function writePlainString(bytes: Uint8Array, at: number, s: string): number {
  bytes[at] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    bytes[at + 1 + i] = c;
  }
  bytes[at + 1 + s.length] = 0x22;
  return at + s.length + 2;
}

function writeAscii(bytes: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
  return at + text.length;
}
