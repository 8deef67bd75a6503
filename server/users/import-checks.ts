import type { CsvRow, RowError } from '../csv';

/*
 * Checks across the rows of one people file, run on the raw values of every row (even a row with a bad
 * hire date still names its e-mail and manager), so the first upload lists every problem at once. They
 * run a slice at a time: over 20,000 rows the two checks together held the event loop for 50-190 ms.
 */

const key = (s: string | undefined) => (s ?? '').trim().toLowerCase();

/** Lets the event loop run between slices of a check (a Pacer's pace); the checks call it once per row. */
export type Pace = () => Promise<void>;

/** The same e-mail address (any case) or employee ID on two rows: each later row names the first. */
export async function duplicateProblems(rows: CsvRow[], pace: Pace): Promise<RowError[]> {
  const out: RowError[] = [];
  const seenEmail = new Map<string, number>();
  const seenId = new Map<string, number>();
  for (const { line, values } of rows) {
    await pace();
    const email = key(values.email);
    if (email) {
      const first = seenEmail.get(email);
      if (first !== undefined) out.push({ line, column: 'email', reason: `Same email as line ${first}.` });
      else seenEmail.set(email, line);
    }
    const id = (values.employee_id ?? '').trim();
    if (id) {
      const first = seenId.get(id);
      if (first !== undefined) out.push({ line, column: 'employee_id', reason: `Same employee ID as line ${first}.` });
      else seenId.set(id, line);
    }
  }
  return out;
}

/**
 * Reporting cycles inside the file (A reports to B, B reports to A), each row of a cycle named once. A
 * cycle has no one to save first, so without this check it surfaced as a misleading "no such manager".
 */
export async function cycleProblems(rows: CsvRow[], pace: Pace): Promise<RowError[]> {
  const lineOf = new Map<string, number>();
  const managerOf = new Map<string, string>();
  for (const { line, values } of rows) {
    await pace();
    const email = key(values.email);
    if (!email || lineOf.has(email)) continue; // duplicates are reported on their own
    lineOf.set(email, line);
    const manager = key(values.manager_email);
    if (manager) managerOf.set(email, manager);
  }
  const out: RowError[] = [];
  const state = new Map<string, 'open' | 'done'>();
  for (const start of lineOf.keys()) {
    await pace();
    const path: string[] = [];
    let at: string | undefined = start;
    while (at !== undefined && lineOf.has(at) && !state.has(at)) {
      state.set(at, 'open');
      path.push(at);
      at = managerOf.get(at);
    }
    if (at !== undefined && state.get(at) === 'open') {
      const cycle = path.slice(path.indexOf(at));
      const reason = cycle.length === 1 ? 'A person cannot be their own manager.'
        : `Reporting cycle: ${[...cycle, at].join(' → ')}. Someone in it must report to a person outside it.`;
      for (const email of cycle) out.push({ line: lineOf.get(email)!, column: 'manager_email', reason });
    }
    for (const email of path) state.set(email, 'done');
  }
  return out;
}

/**
 * Reporting cycles after the rows were saved, walked from each saved person (line by user id) through
 * everyone's manager: catches a cycle through people who are only in the database. A cycle inside the
 * file was already reported by cycleProblems and its rows were not saved, so it is not found twice.
 */
export async function databaseCycles(
  links: { id: number; email: string; manager_id: number | null }[], savedLines: Map<number, number>, pace: Pace,
): Promise<RowError[]> {
  const managerOf = new Map(links.map((l) => [l.id, l.manager_id]));
  const emailOf = new Map(links.map((l) => [l.id, l.email]));
  const out: RowError[] = [];
  const settled = new Set<number>();
  for (const [start, line] of savedLines) {
    await pace();
    const path: number[] = [];
    let at: number | null | undefined = start;
    while (at != null && !settled.has(at) && !path.includes(at)) {
      path.push(at);
      at = managerOf.get(at);
    }
    const cycle = at != null && path.includes(at) ? path.slice(path.indexOf(at)) : [];
    // Reported on the rows that are on the cycle; a row merely leading into one is not at fault.
    if (cycle.includes(start)) {
      out.push({ line, column: 'manager_email', reason: `Reporting cycle: ${[...cycle, start].map((id) => emailOf.get(id)).join(' → ')}. Someone in it must report to a person outside it.` });
    }
    // Only a chain without a cycle is settled: every saved person on a cycle gets their own line reported.
    if (at == null || settled.has(at)) for (const id of path) settled.add(id);
  }
  return out;
}

/** Problems with the same line, column and reason are listed once; then in line order. */
export function orderProblems(errors: RowError[]): RowError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.line}\u0000${e.column}\u0000${e.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  }).sort((a, b) => a.line - b.line);
}
