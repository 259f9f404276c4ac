/**
 * CSV cells as spreadsheets read them safely. A cell that starts with `=`, `+`, `-`, `@`, a tab or
 * a carriage return is taken for a formula by Excel, LibreOffice and Google Sheets (CSV injection,
 * OWASP): a class name like `=HYPERLINK(…)` would run when someone opens labels.csv. Such a cell
 * gets a leading `'`, which the spreadsheet shows as text and does not display. (No CSV writer
 * existed elsewhere in Studio to share this with.)
 */
const FORMULA_START = /^[=+\-@\t\r]/

export function csvCell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value)
  if (FORMULA_START.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s
}

/** One CSV text: a header and rows, CRLF-terminated (RFC 4180), UTF-8 without a byte-order mark. */
export function csvText(header: string[], rows: (string | number | null)[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',') + '\r\n').join('')
}
