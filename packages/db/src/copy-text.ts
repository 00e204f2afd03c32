/**
 * Rows as COPY text: fields split by tabs, NULL as \N, backslashes, tabs
 * and line ends escaped. Not CSV: JSON values hold quotes and commas, which
 * CSV would quote and double, and the server parse again, byte by byte.
 */
export function copyRows(rows: readonly (readonly (string | number | null)[])[]): string {
  let text = "";
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) text += "\t";
      const value = row[i];
      if (value === null || value === undefined) text += "\\N";
      else text += typeof value === "number" ? String(value) : copyText(value);
    }
    text += "\n";
  }
  return text;
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A string as one COPY text field. */
export function copyText(s: string): string {
  return SPECIAL.test(s) ? s.replace(SPECIALS, (c) => ESCAPES[c] as string) : s;
}
