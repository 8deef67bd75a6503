import type { Writable } from 'node:stream';
import type { ReportRow } from './store';

/**
 * The export's columns, in order; README documents each. A new column goes at the end: hospitals import
 * this file into spreadsheets that read the columns by position.
 */
export const EXPORT_COLUMNS = [
  'employee_id', 'name', 'email', 'department', 'manager_email', 'role', 'cycle', 'status', 'due_on', 'completed_on',
  'expires_on', 'score', 'certificate_code', 'content_version', 'recorded_by', 'pace',
  // Issue 16: which course, by which assignment rule(s), the policy version for policy rows, and why exempt.
  'course_id', 'assignment', 'policy_version', 'exempt_reason',
] as const;

// What may stand in front of a formula starter and still be skipped or folded away by a spreadsheet,
// an import dialog or a copy and paste: white space of any kind (tab, CR, LF, no-break spaces), the BOM,
// zero-width and other invisible format characters.
const INVISIBLE_LEAD = /^[\s\p{Cf}\p{Default_Ignorable_Code_Point}]*/u;
// = + - @ and their fullwidth and small forms (＝ ＋ － ＠ ﹦ ﹢ ﹣ ﹫), which NFKC folds to the plain ones
// and which spreadsheets in East Asian locales may take as a formula.
const FORMULA_START = /^[=+\-@]/;

/**
 * Spreadsheets run a cell that starts with = + - @ as a formula, and some do so when invisible or
 * white-space characters hide the starter, or when it is written in its fullwidth form. Such values
 * get a leading apostrophe, which Excel and LibreOffice show as text; the value itself is kept.
 */
export function neutralise(value: string): string {
  const lead = INVISIBLE_LEAD.exec(value)![0];
  if (lead.length > 0 && /[\t\r\n]/.test(lead)) return `'${value}`;
  const next = value.codePointAt(lead.length);
  if (next === undefined) return value;
  return FORMULA_START.test(String.fromCodePoint(next).normalize('NFKC')) ? `'${value}` : value;
}

export interface ExportContext {
  departmentPath: (id: number | null) => string;
  recordedBy: (row: ReportRow) => string;
}

function exportRecord(row: ReportRow, ctx: ExportContext): string[] {
  const values = [
    row.employeeId ?? '', row.name, row.email, ctx.departmentPath(row.departmentId), row.managerEmail ?? '', row.role, row.cycle, row.status, row.dueOn,
    row.completedOn ?? '', row.validUntil ?? '', row.score === null ? '' : String(row.score), row.certificateCode ?? '',
    row.contentHash ? row.contentHash.slice(0, 12) : '', ctx.recordedBy(row), row.pace ?? '',
    // A policy's report: course_id holds the policy's slug, and policy_version (empty for courses) the version signed or to sign.
    row.courseId, row.assignmentNames, row.targetType === 'policy' ? row.cycle : '', row.status === 'exempt' ? row.exemptReason ?? '' : '',
  ];
  return values.map(neutralise);
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV record (RFC 4180): a field is quoted when it holds a quote, a comma or a line break. */
export function csvLine(values: readonly string[]): string {
  return `${values.map((v) => (NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')}\r\n`;
}

export class ExportAborted extends Error {
  constructor() {
    super('The download was closed before the export finished.');
  }
}

/** Writes a chunk, waiting while the client's buffer is full; fails if the client has gone away. */
export async function send(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new ExportAborted();
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (ok: boolean) => () => {
      out.off('drain', drained);
      out.off('close', closed);
      if (ok) resolve(); else reject(new ExportAborted());
    };
    const drained = settle(true);
    const closed = settle(false);
    out.on('drain', drained);
    out.on('close', closed);
  });
}

/**
 * Streams rows as UTF-8 CSV with a header (and a BOM so Excel reads the accents); resolves with the row
 * count. Each batch of rows becomes one string and one write: a stream write per row cost more than
 * the query (csv-stringify's figure is in BENCHMARKS.md).
 */
export async function writeCsv(
  batches: AsyncIterable<readonly ReportRow[]>, ctx: ExportContext, out: Writable, extraHeader: readonly string[] = [], extra?: (row: ReportRow) => string[],
): Promise<number> {
  await send(out, `\uFEFF${csvLine([...EXPORT_COLUMNS, ...extraHeader])}`);
  let n = 0;
  for await (const rows of batches) {
    let chunk = '';
    for (const r of rows) chunk += csvLine(extra ? [...exportRecord(r, ctx), ...extra(r).map(neutralise)] : exportRecord(r, ctx));
    n += rows.length;
    await send(out, chunk);
  }
  out.end();
  return n;
}
