import type { ParsedReportQuery } from './filters';

// Download names say what is inside and when it was made, so a folder of exports can be told apart
// without opening them. The day is written YYYY-MM-DD: names then sort by date in any file manager.
// Every name passes through http/content-disposition.ts, which makes it safe for the header.

/** The parts of a name joined with "-"; spaces inside a part ("Mary Ann") become "-" too. */
function joined(parts: readonly string[]): string {
  return parts.filter((p) => p.length > 0).map((p) => p.trim().replace(/\s*\/\s*/g, '-').replace(/\s+/g, '-')).join('-');
}

/** `evidence-Nursing-ICU-2026-12-02.pdf`, `evidence-Maria-Lopez-2026-12-02.csv`. */
export function evidenceFileName(about: string, day: string, ext: 'pdf' | 'csv'): string {
  return `${joined(['evidence', about, day])}.${ext}`;
}

export interface ReportNameFacts {
  /** Shown only when the catalogue has more than one course. */
  courseId?: string;
  /** The department filter's path, e.g. "Nursing/ICU". */
  department?: string;
  query: ParsedReportQuery;
  /** The report's day: "compliant as of" or today. */
  day: string;
}

/** What a report export holds, in words for its name: the filters given, or "all". */
function filterWords(f: ReportNameFacts): string {
  const q = f.query;
  const words = joined([
    f.courseId ?? '', f.department ?? '', q.statuses.join('-'), q.role ?? '', q.cycle ?? '',
    q.dueFrom ? `due-from-${q.dueFrom}` : '', q.dueTo ? `due-to-${q.dueTo}` : '', q.search ? `matching-${q.search}` : '',
    q.asOf ? 'as-of' : '',
  ]);
  return words || 'all';
}

/** `training-report-Nursing-ICU-overdue-2026-12-02.csv`. */
export function reportCsvFileName(f: ReportNameFacts): string {
  return `training-report-${filterWords(f)}-${f.day}.csv`;
}

/** `certificates-Nursing-ICU-2026-12-02.zip`. */
export function certificatesZipFileName(f: ReportNameFacts): string {
  return `certificates-${filterWords(f)}-${f.day}.zip`;
}
