import { stringify } from 'csv-stringify';
import type { Writable } from 'node:stream';
import type { ReportRow } from './store';

/** The export's columns, in order; README documents each. */
export const EXPORT_COLUMNS = [
  'employee_id', 'name', 'email', 'department', 'manager_email', 'role', 'cycle', 'status', 'due_on', 'completed_on',
  'expires_on', 'score', 'certificate_code', 'content_version', 'recorded_by',
] as const;

/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return that hides one) as a
 * formula. Such values get a leading apostrophe, which Excel and LibreOffice show as text.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export interface ExportContext {
  departmentPath: (id: number | null) => string;
  recordedBy: (row: ReportRow) => string;
}

export function exportRecord(r: ReportRow, ctx: ExportContext): string[] {
  const values = [
    r.employeeId ?? '', r.name, r.email, ctx.departmentPath(r.departmentId), r.managerEmail ?? '', r.role, r.cycle, r.status, r.dueOn,
    r.completedOn ?? '', r.validUntil ?? '', r.score === null ? '' : String(r.score), r.certificateCode ?? '',
    r.contentHash ? r.contentHash.slice(0, 12) : '', ctx.recordedBy(r),
  ];
  return values.map(neutralise);
}

/** Streams rows as UTF-8 CSV with a header (and a BOM so Excel reads the accents); resolves with the row count. */
export async function writeCsv(rows: AsyncIterable<ReportRow>, ctx: ExportContext, out: Writable, extraHeader: readonly string[] = [], extra?: (r: ReportRow) => string[]): Promise<number> {
  const csv = stringify({ header: false, record_delimiter: '\r\n' });
  csv.pipe(out);
  out.write('\uFEFF');
  const write = (record: string[]) => new Promise<void>((resolve) => {
    if (csv.write(record)) resolve();
    else csv.once('drain', () => resolve());
  });
  await write([...EXPORT_COLUMNS, ...extraHeader]);
  let n = 0;
  for await (const r of rows) {
    await write([...exportRecord(r, ctx), ...(extra ? extra(r).map(neutralise) : [])]);
    n += 1;
  }
  await new Promise<void>((resolve) => { csv.end(() => resolve()); });
  return n;
}
