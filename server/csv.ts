import { parse } from 'csv-parse';
import { Pacer } from './pacer';

/** One problem in an uploaded file: the line it is on, the column, and why. */
export interface RowError {
  line: number;
  column: string;
  reason: string;
}

export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

type CsvRecord = { record: string[]; info: { lines: number } };

/** Text fed to the parser at a time: small enough that parsing one piece is a short slice of work. */
const PIECE = 32 * 1024;

/**
 * Parses the whole text a piece at a time, letting the event loop run between pieces: a 20,000-row
 * file parsed in one call held every other request for the whole parse.
 */
async function parseRecords(text: string, pacer: Pacer): Promise<CsvRecord[]> {
  // With info: true each record comes with its source line (csv-parse's typings do not follow the option).
  const parser = parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: false });
  const records: CsvRecord[] = [];
  parser.on('data', (r: CsvRecord) => { records.push(r); });
  const ended = new Promise<void>((resolve, reject) => { parser.once('end', resolve); parser.once('error', reject); });
  ended.catch(() => undefined); // observed below; a failed parse must not also be an unhandled rejection
  let failed = false;
  parser.once('error', () => { failed = true; });
  for (let at = 0; at < text.length && !failed;) {
    let end = Math.min(text.length, at + PIECE);
    // Never split a surrogate pair: each piece is encoded to UTF-8 on its own.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += 1;
    const piece = text.slice(at, end);
    await new Promise<void>((resolve) => { parser.write(piece, () => resolve()); });
    at = end;
    await pacer.pace();
  }
  if (!failed) parser.end();
  await ended;
  return records;
}

/**
 * Reads a CSV file whose first row names its columns (any order, any case). BOM, CRLF and quoted
 * fields are handled. Every structural problem is reported; rows come back keyed by column name.
 */
export async function readCsv(
  text: string, required: readonly string[], optional: readonly string[], maxRows: number, pacer = new Pacer(),
): Promise<{ rows: CsvRow[]; errors: RowError[] }> {
  let records: CsvRecord[];
  try {
    records = await parseRecords(text, pacer);
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    return { rows: [], errors: [{ line: err.lines ?? 1, column: '', reason: `The file is not valid CSV: ${err.message ?? 'unreadable'}` }] };
  }
  if (records.length === 0) return { rows: [], errors: [{ line: 1, column: '', reason: 'The file is empty.' }] };

  const header = records[0]!.record.map((h) => h.trim().toLowerCase());
  // Spreadsheets set to a European locale save "CSV" with semicolons: the header is then one column.
  if (header.length === 1 && header[0]!.includes(';')) {
    return { rows: [], errors: [{ line: 1, column: '', reason: 'This file uses \';\' — save it as comma-separated CSV (in Excel: Save As, "CSV UTF-8 (Comma delimited)") and upload it again.' }] };
  }
  const known = [...required, ...optional];
  const missing = required.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !known.includes(h));
  const dupes = header.filter((h, i) => header.indexOf(h) !== i);
  const errors: RowError[] = [];
  const columnList = `${required.join(',')}${optional.length ? ` (and, if you have them, ${optional.join(',')})` : ''}`;
  if (missing.length) errors.push({ line: 1, column: missing.join(', '), reason: `Missing column(s). The header must name: ${columnList}` });
  if (unknown.length) errors.push({ line: 1, column: unknown.join(', '), reason: `Unknown column(s). Known columns: ${known.join(',')}` });
  if (dupes.length) errors.push({ line: 1, column: dupes.join(', '), reason: 'Column appears more than once.' });
  // Without a required column, or with one twice, the rows cannot be read; an unknown column is
  // reported and its values ignored, so the rows' own problems are listed in the same answer.
  if (missing.length || dupes.length) return { rows: [], errors };
  if (records.length - 1 > maxRows) {
    return { rows: [], errors: [{ line: 1, column: '', reason: `The file has ${(records.length - 1).toLocaleString('en-US')} rows. At most ${maxRows.toLocaleString('en-US')} rows per file; split the file.` }] };
  }

  const rows: CsvRow[] = [];
  for (const { record, info } of records.slice(1)) {
    await pacer.pace();
    if (record.length !== header.length) {
      errors.push({ line: info.lines, column: '', reason: `Expected ${header.length} values, found ${record.length}.` });
      continue;
    }
    const values: Record<string, string> = {};
    for (const c of known) values[c] = '';
    header.forEach((h, i) => { if (known.includes(h)) values[h] = record[i] ?? ''; });
    rows.push({ line: info.lines, values });
  }
  return { rows, errors };
}

/** Decodes an upload as UTF-8, refusing anything else rather than guessing. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
