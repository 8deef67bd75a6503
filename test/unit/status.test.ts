import fc from 'fast-check';
import { addDays, dayInZone, monthDayIn } from '../../server/dates';
import { assignmentFor, nextAnnual, type CyclePolicy, type TrainingStatus } from '../../server/training/status';

const rolling: CyclePolicy = { onboardingDays: 30, annual: { mode: 'rolling' }, windowDays: 60, graceDays: 0, validityDays: 365 };
const fixed: CyclePolicy = { ...rolling, annual: { mode: 'fixed', monthDay: '01-31' } };
const never = () => false;
const always = () => true;

type Row = [string, CyclePolicy, string /* today */, string /* start */, string[] /* completions */, boolean, TrainingStatus, string /* due */, string /* cycle */];

describe('assignmentFor: status and due date', () => {
  const rows: Row[] = [
    // Onboarding
    ['new hire, day one', rolling, '2026-11-14', '2026-11-14', [], false, 'not-started', '2026-12-14', 'onboarding'],
    ['new hire, started', rolling, '2026-11-20', '2026-11-14', [], true, 'in-progress', '2026-12-14', 'onboarding'],
    ['new hire, on the due date', rolling, '2026-12-14', '2026-11-14', [], false, 'not-started', '2026-12-14', 'onboarding'],
    ['new hire, a day late', rolling, '2026-12-15', '2026-11-14', [], false, 'overdue', '2026-12-14', 'onboarding'],
    ['new hire, late even if started', rolling, '2026-12-15', '2026-11-14', [], true, 'overdue', '2026-12-14', 'onboarding'],
    ['hire dated in the future', rolling, '2026-11-28', '2027-01-04', [], false, 'not-started', '2027-02-03', 'onboarding'],
    ['hire across a year end', rolling, '2026-12-20', '2026-12-15', [], false, 'not-started', '2027-01-14', 'onboarding'],
    ['hire across a leap day', rolling, '2028-02-10', '2028-02-01', [], false, 'not-started', '2028-03-02', 'onboarding'],
    ['hire across February, no leap day', rolling, '2027-02-10', '2027-02-01', [], false, 'not-started', '2027-03-03', 'onboarding'],
    // Rolling refresher
    ['rolling: just completed', rolling, '2026-03-16', '2025-01-01', ['2026-03-15'], false, 'completed', '2027-03-15', 'annual-2027'],
    ['rolling: window not yet open', rolling, '2027-01-13', '2025-01-01', ['2026-03-15'], false, 'completed', '2027-03-15', 'annual-2027'],
    ['rolling: window opens 60 days before', rolling, '2027-01-14', '2025-01-01', ['2026-03-15'], false, 'due-soon', '2027-03-15', 'annual-2027'],
    ['rolling: refresher started', rolling, '2027-02-01', '2025-01-01', ['2026-03-15'], true, 'in-progress', '2027-03-15', 'annual-2027'],
    ['rolling: due date itself still counts', rolling, '2027-03-15', '2025-01-01', ['2026-03-15'], false, 'due-soon', '2027-03-15', 'annual-2027'],
    ['rolling: expired the next day', rolling, '2027-03-16', '2025-01-01', ['2026-03-15'], true, 'expired', '2027-03-15', 'annual-2027'],
    ['rolling: completed on a leap day', rolling, '2028-03-01', '2025-01-01', ['2028-02-29'], false, 'completed', '2029-02-28', 'annual-2029'],
    ['rolling: the latest completion counts', rolling, '2027-06-01', '2024-01-01', ['2025-03-01', '2026-06-01'], false, 'due-soon', '2027-06-01', 'annual-2027'],
    ['rolling: grace keeps it due, then expired', { ...rolling, graceDays: 14 }, '2027-03-29', '2025-01-01', ['2026-03-15'], false, 'due-soon', '2027-03-15', 'annual-2027'],
    ['rolling: past grace, certificate already lapsed', { ...rolling, graceDays: 14 }, '2027-03-30', '2025-01-01', ['2026-03-15'], false, 'expired', '2027-03-15', 'annual-2027'],
    // Fixed deadline (31 Jan, window 60 days: opens 2 Dec)
    ['fixed: completed in July, due next January', fixed, '2026-08-01', '2026-06-01', ['2026-07-15'], false, 'completed', '2027-01-31', 'annual-2027'],
    ['fixed: window opens 2 Dec', fixed, '2026-12-02', '2026-06-01', ['2026-07-15'], false, 'due-soon', '2027-01-31', 'annual-2027'],
    ['fixed: first-year hire trained in the window is not asked again', fixed, '2027-01-15', '2026-12-01', ['2026-12-20'], false, 'completed', '2028-01-31', 'annual-2028'],
    ['fixed: a completion on the deadline counts for it', fixed, '2027-02-01', '2025-06-01', ['2027-01-31'], false, 'completed', '2028-01-31', 'annual-2028'],
    ['fixed: missed the deadline → expired', fixed, '2027-02-01', '2025-06-01', ['2026-01-20'], false, 'expired', '2027-01-31', 'annual-2027'],
    ['fixed: grace keeps the certificate valid', { ...fixed, graceDays: 10 }, '2027-02-05', '2025-06-01', ['2026-01-20'], false, 'due-soon', '2027-01-31', 'annual-2027'],
    ['fixed: leap-day deadline in a common year', { ...fixed, annual: { mode: 'fixed', monthDay: '02-29' } }, '2026-12-01', '2025-06-01', ['2026-03-10'], false, 'completed', '2027-02-28', 'annual-2027'],
    ['fixed: year-end deadline', { ...fixed, annual: { mode: 'fixed', monthDay: '12-31' } }, '2026-11-01', '2025-06-01', ['2025-12-30'], true, 'in-progress', '2026-12-31', 'annual-2026'],
  ];

  test.each(rows)('%s', (_name, policy, today, start, completions, started, status, due, cycle) => {
    const a = assignmentFor(policy, today, start, true, completions.map((c) => ({ completedOn: c })), started ? always : never);
    expect({ status: a.status, due: a.dueOn, cycle: a.cycle }).toEqual({ status, due, cycle });
  });

  test('explains the due date in a sentence', () => {
    expect(assignmentFor(rolling, '2026-11-14', '2026-11-14', true, [], never).reason).toBe('Due 14 Dec 2026: 30 days after your start date.');
    expect(assignmentFor(rolling, '2026-11-14', '2026-11-14', false, [], never).reason).toBe('Due 14 Dec 2026: 30 days after your account was created.');
    expect(assignmentFor(fixed, '2026-12-05', '2026-06-01', true, [{ completedOn: '2026-07-15' }], never).reason).toBe("Due 31 Jan 2027: your organisation's annual deadline.");
    expect(assignmentFor(rolling, '2027-02-01', '2025-01-01', true, [{ completedOn: '2026-03-15' }], never).reason).toBe('Due 15 Mar 2027: your certificate from 15 Mar 2026 is valid for 365 days.');
  });

  test('the started check is asked about the current cycle', () => {
    const asked: string[] = [];
    assignmentFor(rolling, '2027-02-01', '2025-01-01', true, [{ completedOn: '2026-03-15' }], (c) => { asked.push(c); return false; });
    expect(asked).toEqual(['annual-2027']);
  });

  test('certificate validity: rolling is completion + validity days; fixed lasts to the next deadline plus grace', () => {
    expect(nextAnnual(rolling, '2026-03-15')).toEqual({ dueOn: '2027-03-15', validUntil: '2027-03-15' });
    expect(nextAnnual({ ...fixed, graceDays: 7 }, '2026-07-15')).toEqual({ dueOn: '2027-01-31', validUntil: '2027-02-07' });
  });
});

describe('dates', () => {
  test('today is read in the organisation time zone', () => {
    const instant = new Date('2027-01-01T04:30:00Z');
    expect(dayInZone(instant, 'America/Chicago')).toBe('2026-12-31');
    expect(dayInZone(instant, 'UTC')).toBe('2027-01-01');
    expect(dayInZone(new Date('2026-11-28T10:30:00Z'), 'Pacific/Kiritimati')).toBe('2026-11-29');
    // A daylight-saving change does not move calendar arithmetic.
    expect(addDays('2026-03-07', 2)).toBe('2026-03-09');
    expect(addDays('2026-11-01', 1)).toBe('2026-11-02');
  });

  test('the remembered answer for the last second never differs from a fresh reading, even across midnight', () => {
    const zones = ['America/Chicago', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'];
    fc.assert(fc.property(fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2040-01-01') }), fc.constantFrom(...zones), fc.integer({ min: -1500, max: 1500 }), (ms, zone, step) => {
      // Two readings close together (often in the same second, sometimes either side of midnight).
      for (const t of [ms, ms + step]) {
        const fresh = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(t));
        expect(dayInZone(new Date(t), zone)).toBe(fresh);
      }
    }), { seed: 7, numRuns: 2000 });
    // Exactly at a zone's midnight: the second before and the second of.
    expect(dayInZone(new Date('2026-12-31T17:59:59.999Z'), 'Asia/Kathmandu')).toBe('2026-12-31');
    expect(dayInZone(new Date('2026-12-31T18:15:00.000Z'), 'Asia/Kathmandu')).toBe('2027-01-01');
    expect(dayInZone(new Date('2026-12-31T18:14:59.999Z'), 'Asia/Kathmandu')).toBe('2026-12-31');
  });

  test('02-29 falls on 28 February in common years and stays in leap years', () => {
    expect(monthDayIn(2027, '02-29')).toBe('2027-02-28');
    expect(monthDayIn(2028, '02-29')).toBe('2028-02-29');
  });
});
