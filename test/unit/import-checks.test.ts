import { cycleProblems, duplicateProblems } from '../../server/users/import-checks';
import { Pacer } from '../../server/pacer';
import type { CsvRow } from '../../server/csv';

const row = (line: number, email: string, manager = '', employeeId = ''): CsvRow => ({
  line, values: { email, manager_email: manager, employee_id: employeeId, name: `Person ${line}` },
});

/** Resolves with whether a timer due at once ran before `work` finished: proof the event loop had a turn. */
async function loopRanDuring<T>(work: () => Promise<T>): Promise<{ result: T; ran: boolean }> {
  let ran = false;
  const timer = setTimeout(() => { ran = true; }, 0);
  const result = await work();
  clearTimeout(timer);
  return { result, ran };
}

describe('checks across the rows of a people file', () => {
  test('duplicates: each later row names the first line with the same e-mail (any case) or employee ID', async () => {
    const rows = [row(2, 'a@x.example', '', 'E1'), row(3, 'B@x.example'), row(4, 'A@X.example'), row(5, 'c@x.example', '', 'E1'), row(6, 'b@x.example')];
    expect(await duplicateProblems(rows, async () => undefined)).toEqual([
      { line: 4, column: 'email', reason: 'Same email as line 2.' },
      { line: 5, column: 'employee_id', reason: 'Same employee ID as line 2.' },
      { line: 6, column: 'email', reason: 'Same email as line 3.' },
    ]);
  });

  test('cycles: every row on a cycle is named once; a row leading into it and a chain without one are not', async () => {
    const rows = [
      row(2, 'a@x.example', 'b@x.example'), row(3, 'b@x.example', 'c@x.example'), row(4, 'c@x.example', 'a@x.example'),
      row(5, 'd@x.example', 'a@x.example'), row(6, 'e@x.example', 'e@x.example'), row(7, 'f@x.example', 'g@x.example'), row(8, 'g@x.example'),
    ];
    const problems = await cycleProblems(rows, async () => undefined);
    const cycle = 'Reporting cycle: a@x.example → b@x.example → c@x.example → a@x.example. Someone in it must report to a person outside it.';
    expect(problems).toEqual([
      { line: 2, column: 'manager_email', reason: cycle },
      { line: 3, column: 'manager_email', reason: cycle },
      { line: 4, column: 'manager_email', reason: cycle },
      { line: 6, column: 'manager_email', reason: 'A person cannot be their own manager.' },
    ]);
  });

  test('over 20,000 rows both checks let the event loop run while they work, and find the same problems', async () => {
    // The import's shape: 50 managers, everyone else reporting to one of them; one duplicate and one cycle added.
    const rows: CsvRow[] = [];
    for (let i = 0; i < 20_000; i += 1) rows.push(row(i + 2, i < 50 ? `m${i}@x.example` : `p${i}@x.example`, i < 50 ? '' : `m${i % 50}@x.example`));
    rows.push(row(20_002, 'p77@x.example'), row(20_003, 'm0@x.example', 'p50@x.example'), row(20_004, 'q1@x.example', 'q2@x.example'), row(20_005, 'q2@x.example', 'q1@x.example'));
    const pacer = new Pacer(1); // slices of 1 ms: many turns of the event loop during each check
    const paced = await loopRanDuring(async () => [await duplicateProblems(rows, () => pacer.pace()), await cycleProblems(rows, () => pacer.pace())]);
    expect(paced.ran).toBe(true);
    const [duplicates, cycles] = paced.result;
    expect(duplicates).toEqual([
      { line: 20_002, column: 'email', reason: 'Same email as line 79.' },
      { line: 20_003, column: 'email', reason: 'Same email as line 2.' },
    ]);
    // m0's own row (line 2) has no manager, and the later m0 row is a duplicate, reported on its own: no cycle there.
    const cycle = 'Reporting cycle: q1@x.example → q2@x.example → q1@x.example. Someone in it must report to a person outside it.';
    expect(cycles).toEqual([{ line: 20_004, column: 'manager_email', reason: cycle }, { line: 20_005, column: 'manager_email', reason: cycle }]);
    const unpaced = await loopRanDuring(() => duplicateProblems(rows, async () => undefined));
    expect(unpaced.ran).toBe(false); // the check above did not get its turn from anything but the pacing
  });
});
