import { reasonFor, sourceInWords, type SourceStyle } from '../../server/training/present';
import { assignmentFor, assignmentReason, type CyclePolicy } from '../../server/training/status';

const rolling: CyclePolicy = { onboardingDays: 30, annual: { mode: 'rolling' }, windowDays: 60, graceDays: 0, validityDays: 365 };
const fixed: CyclePolicy = { ...rolling, annual: { mode: 'fixed', monthDay: '01-31' } };
const never = () => false;

describe('sourceInWords: one vocabulary for how a completion came about', () => {
  const quiz = { source: 'quiz', score: 92 };
  const inPerson = { source: 'in-person', score: null, details: { trainer: 'Aisha Rahman' }, recorder: 'admin@riverside.example' };
  const imported = { source: 'import', score: null, details: { source: 'Old LMS' }, recorder: 'ada@riverside.example' };
  const importedWithScore = { source: 'import', score: 88, details: {} };
  const cases: [SourceStyle, string[]][] = [
    ['how', ['Quiz 92%', 'In person (Aisha Rahman)', 'Imported (Old LMS)', 'Imported ()']],
    ['result', ['92%', 'In person', '—', '88%']],
    ['recorded-by', ['self (quiz)', 'admin@riverside.example (in person)', 'ada@riverside.example (import)', 'admin (import)']],
    ['evidence', ['quiz', 'in-person', 'import', 'import']],
    ['certificate', ['Quiz score 92%', 'Recorded by an administrator for an in-person session', 'Imported from an earlier training record', 'Imported from an earlier training record']],
  ];
  test.each(cases)('%s', (style, expected) => {
    expect([quiz, inPerson, imported, importedWithScore].map((c) => sourceInWords(c, style))).toEqual(expected);
  });

  test('a report row without a completion says nothing', () => {
    expect(sourceInWords({ source: null }, 'recorded-by')).toBe('');
    expect(sourceInWords({ source: null }, 'evidence')).toBe('');
  });

  test('an in-person record without a trainer still says in person', () => {
    expect(sourceInWords({ source: 'in-person', details: {} }, 'how')).toBe('In person ()');
  });
});

describe('assignmentReason takes its audience', () => {
  test.each([
    ['your', 'Due 14 Dec 2026: 30 days after your start date.', 'Due 14 Dec 2026: 30 days after your account was created.',
      "Due 31 Jan 2027: your organisation's annual deadline.", 'Due 15 Mar 2027: your certificate from 15 Mar 2026 is valid for 365 days.'],
    ['their', 'Due 14 Dec 2026: 30 days after their start date.', 'Due 14 Dec 2026: 30 days after their account was created.',
      "Due 31 Jan 2027: their organisation's annual deadline.", 'Due 15 Mar 2027: their certificate from 15 Mar 2026 is valid for 365 days.'],
  ] as const)('%s', (audience, hired, created, fixedYear, rollingYear) => {
    expect(assignmentReason(rolling, { kind: 'onboarding', dueOn: '2026-12-14', hasHireDate: true }, audience)).toBe(hired);
    expect(assignmentReason(rolling, { kind: 'onboarding', dueOn: '2026-12-14', hasHireDate: false }, audience)).toBe(created);
    expect(assignmentReason(fixed, { kind: 'annual', dueOn: '2027-01-31', lastCompletedOn: '2026-07-15' }, audience)).toBe(fixedYear);
    expect(assignmentReason(rolling, { kind: 'annual', dueOn: '2027-03-15', lastCompletedOn: '2026-03-15' }, audience)).toBe(rollingYear);
  });

  test('reasonFor an assignment: the learner\'s own sentence, or the same sentence about them', () => {
    const onboarding = assignmentFor(rolling, '2026-11-14', '2026-11-14', false, [], never);
    const annual = assignmentFor(fixed, '2026-12-05', '2026-06-01', true, [{ completedOn: '2026-07-15' }], never);
    expect(reasonFor(rolling, onboarding, false, 'your')).toBe(onboarding.reason);
    expect(reasonFor(fixed, annual, true, 'your')).toBe(annual.reason);
    expect(reasonFor(rolling, onboarding, false, 'their')).toBe('Due 14 Dec 2026: 30 days after their account was created.');
    expect(reasonFor(fixed, annual, true, 'their')).toBe("Due 31 Jan 2027: their organisation's annual deadline.");
  });
});
