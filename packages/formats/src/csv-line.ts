/** One CSV record per RFC 4180, ending in CRLF. */
export function csvLine(fields: readonly string[]): string {
  return `${csvRecord(fields)}\r\n`;
}

/** One CSV record per RFC 4180, without a line end. */
export function csvRecord(fields: readonly string[]): string {
  let line = "";
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    if (i > 0) line += ",";
    line += /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
  }
  return line;
}
