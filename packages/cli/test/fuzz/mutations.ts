/**
 * Single-field mutations of the input files (formats.md), as bytes: every
 * file is handled as Latin-1 text so that a NUL or a byte that is not UTF-8
 * is written exactly as generated. Each mutation of a column makes its row
 * break a rule of formats.md and says what the quarantine reason must name.
 */

export type Kind =
  | "empty"
  | "long"
  | "type"
  | "negative"
  | "huge"
  | "nul"
  | "utf8"
  | "bom"
  | "quoted"
  | "open"
  | "impossible"
  | "decimals";

/** UTF-8 text as the Latin-1 string of its bytes. */
export const bytes = (text: string): string => Buffer.from(text, "utf8").toString("latin1");

const BOM = bytes("\ufeff");

/** What a kind makes of a field's original value, for a column of a given type. */
type ColumnType = "id" | "text" | "msisdn" | "enum" | "digits" | "count" | "time" | "date" | "month" | "area" | "money";

const IMPOSSIBLE: Partial<Record<ColumnType, readonly string[]>> = {
  time: [
    "2026-09-31T10:00:00+08:00",
    "2026-09-01T24:30:00+08:00",
    "2026-09-01T10:61:00+08:00",
    "2026-09-01T10:00:00+25:00",
    "1999-12-31T23:59:59+08:00",
    "2026-02-29T10:00:00+08:00",
  ],
  date: ["2026-02-30", "2026-13-01", "2026-00-10", "2100-01-01", "1999-12-31", "2026-9-1"],
  month: ["2026-13", "2026-00", "1999-12", "2026-9"],
};

const TYPE_JUNK: Record<ColumnType, string> = {
  id: "",
  text: "",
  msisdn: "1380571000x",
  enum: "fax",
  digits: "12a",
  count: "12.5",
  time: "yesterday",
  date: "2026/09/01",
  month: "Sept",
  area: "Hangzhou",
  money: "5yuan",
};

/** The kinds that break a column of this type (a required one also breaks when empty). */
function kindsFor(type: ColumnType, required: boolean): Kind[] {
  const always: Kind[] = ["nul", "utf8", "open"];
  const emptied: Kind[] = required ? ["empty"] : [];
  switch (type) {
    case "id":
      return [...emptied, "long", ...always];
    case "text":
      return [...emptied, ...always];
    case "msisdn":
      return [...emptied, "long", "type", "negative", "huge", "bom", "quoted", ...always];
    case "enum":
    case "area":
      return [...emptied, "type", "bom", "quoted", ...always];
    case "digits":
      return [...emptied, "type", "negative", "bom", "quoted", ...always];
    case "count":
      return [...emptied, "type", "negative", "huge", "bom", "quoted", ...always];
    case "time":
    case "date":
    case "month":
      return [...emptied, "type", "negative", "impossible", "bom", "quoted", ...always];
    case "money":
      return [...emptied, "type", "negative", "huge", "decimals", "bom", "quoted", ...always];
  }
}

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  /** The longest value formats.md allows, for `long` (ids). */
  readonly most?: number;
  /** Rows this column is mutated in, by their fields (e.g. voice rows only for duration_s). */
  readonly rows?: (fields: Record<string, string>) => boolean;
  /** What the reason names, when not the column's name. */
  readonly named?: RegExp;
}

export interface FileSpec {
  readonly file: string;
  readonly msisdn: string;
  readonly columns: readonly Column[];
}

const calls = (f: Record<string, string>) => f.service === "voice" || f.service === "sms";
const voice = (f: Record<string, string>) => f.service === "voice";
const data = (f: Record<string, string>) => f.service === "data";

export const FILES = (cdrFile: string, billFile: string): readonly FileSpec[] => [
  {
    file: cdrFile,
    msisdn: "msisdn",
    columns: [
      { name: "record_id", type: "id", required: true, most: 64 },
      { name: "msisdn", type: "msisdn", required: true },
      { name: "service", type: "enum", required: true },
      { name: "direction", type: "enum", required: true, rows: calls },
      { name: "other_party", type: "digits", required: true, rows: calls },
      { name: "start_time", type: "time", required: true },
      { name: "duration_s", type: "count", required: true, rows: voice },
      { name: "bytes_up", type: "count", required: false, rows: data, named: /bytes_up/ },
      { name: "bytes_down", type: "count", required: false, rows: data, named: /bytes_down/ },
      { name: "visited_area", type: "area", required: true, rows: voice },
    ],
  },
  {
    file: billFile,
    msisdn: "msisdn",
    columns: [
      { name: "bill_month", type: "month", required: true },
      { name: "msisdn", type: "msisdn", required: true },
      { name: "item_key", type: "id", required: true, most: 128 },
      { name: "amount", type: "money", required: true },
    ],
  },
  {
    file: "subscribers.csv",
    msisdn: "msisdn",
    columns: [
      { name: "msisdn", type: "msisdn", required: true },
      { name: "account_id", type: "id", required: true, most: 64 },
      { name: "plan_id", type: "id", required: true, most: 64 },
      { name: "active_from", type: "date", required: true },
      { name: "active_to", type: "date", required: false },
      { name: "home_area", type: "area", required: true },
      { name: "vpmn_group", type: "id", required: false, most: 64 },
      { name: "payment", type: "enum", required: true },
    ],
  },
  {
    file: "subscriptions.csv",
    msisdn: "msisdn",
    columns: [
      { name: "msisdn", type: "msisdn", required: true },
      { name: "product_id", type: "id", required: true, most: 64 },
      { name: "ordered_at", type: "time", required: true },
      { name: "confirmed_at", type: "time", required: false },
      { name: "cancelled_at", type: "time", required: false },
    ],
  },
];

export function kindsOf(column: Column): Kind[] {
  return kindsFor(column.type, column.required);
}

/** The mutated field (Latin-1 bytes) for a kind; `pick` chooses among variants. */
export function mutateField(column: Column, kind: Kind, value: string, pick: (n: number) => number): string {
  switch (kind) {
    case "empty":
      return "";
    case "long":
      return column.type === "msisdn" ? "1".repeat(300) : "L".repeat((column.most ?? 64) + 1 + pick(1 << 16));
    case "type":
      return TYPE_JUNK[column.type];
    case "negative":
      return `-${value}`;
    case "huge":
      return "9".repeat(16 + pick(40));
    case "nul":
      return `${value.slice(0, 1)}\u0000${value.slice(1)}`;
    case "utf8":
      return [`${value}\xff`, `\xc3${value}`, `${value.slice(0, 1)}\xe6\x9d${value.slice(1)}`][pick(3)] as string;
    case "bom":
      return `${BOM}${value}`;
    case "quoted":
      return `"${value},1"`;
    case "open":
      return `"${value}`;
    case "impossible": {
      const options = IMPOSSIBLE[column.type] ?? [];
      return options[pick(options.length)] as string;
    }
    case "decimals":
      return `${value}1`;
  }
}

/** What a quarantine reason for this mutation must name. */
export function reasonFor(column: Column, kind: Kind): RegExp {
  if (kind === "nul") return /NUL byte/;
  if (kind === "utf8") return /not valid UTF-8/;
  if (kind === "open") return /quote/;
  return column.named ?? new RegExp(column.name);
}

/** mulberry32: a small seeded generator, so a failing seed replays exactly. */
export function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}
