import type { AssignmentRule, Audience, PersonPeriod } from '../../server/assignments/rules';
import { BEGINNING } from '../../server/assignments/rules';
import { obligationsOn, type ExemptionFacts, type PersonObligationFacts, type RuleBook } from '../../server/assignments/obligations';
import { obligationAssignment, statusOn, type CyclePolicy } from '../../server/training/status';

// The due-date function over assignment rules: roll-out, hire after roll-out, transfers, exemptions and
// several rules, each with the sentence the person reads.

const policy: CyclePolicy = { onboardingDays: 30, annual: { mode: 'rolling' }, windowDays: 60, graceDays: 0, validityDays: 365 };
const NURSING = 10;
const ICU = 11;
const PHARMACY = 20;
const names = new Map([[NURSING, 'Nursing'], [ICU, 'ICU'], [PHARMACY, 'Pharmacy']]);
const everyone: Audience = { everyone: true, departmentIds: [], roles: [], jobCodes: [] };
const nursing: Audience = { everyone: false, departmentIds: [NURSING], roles: [], jobCodes: [] };

const rule = (id: number, audience: Audience, over: Partial<AssignmentRule> = {}): AssignmentRule => ({
  id, name: `Rule ${id}`, target: { type: 'course', id: 'privacy' }, audience, startsOn: '2026-12-02', rolloutDays: 60, endsOn: null, ...over,
});
const book = (rules: AssignmentRule[]): RuleBook => ({
  rules, defaultCourseIds: ['privacy'], defaultPolicyIds: [], onboardingDays: 30,
  parents: new Map<number, number | null>([[NURSING, null], [ICU, NURSING], [PHARMACY, null]]), departmentName: (id) => names.get(id),
});
const inDept = (departmentId: number, from = BEGINNING): PersonPeriod => ({ from, facts: { departmentId, role: 'learner', jobCode: 'RN2' } });
/** A person whose record was added on their start date unless said otherwise (addedOn: an import weeks or years later). */
const person = (startOn: string, periods: PersonPeriod[], exemptions: ExemptionFacts[] = [], addedOn = startOn): PersonObligationFacts => ({ startOn, addedOn, hasHireDate: true, periods, exemptions });

/** The one obligation for the course on a day, with status and sentence from the due-date function. */
function due(b: RuleBook, p: PersonObligationFacts, today: string, completions: string[] = []) {
  const list = obligationsOn(b, p, today);
  if (list.length === 0) return undefined;
  expect(list).toHaveLength(1);
  const o = list[0]!;
  const a = obligationAssignment(policy, today, o.start, completions.map((completedOn) => ({ completedOn })), () => false, o.exemption);
  return { since: o.start.since, dueOn: a.dueOn, status: a.status, reason: a.reason, ids: o.assignmentIds };
}

describe('obligations and due dates under assignment rules', () => {
  test('no rules at all: every course to everyone from their start, as before', () => {
    expect(due(book([]), person('2026-11-14', [inDept(NURSING)]), '2026-11-20')).toEqual({
      since: '2026-11-14', dueOn: '2026-12-14', status: 'not-started', ids: [], reason: 'Due 14 Dec 2026: 30 days after your start date.',
    });
  });

  test('roll-out: someone employed since 2015 is due 60 days after the start, not overdue on day one', () => {
    const b = book([rule(1, nursing)]);
    const p = person('2015-06-01', [inDept(NURSING)]);
    expect(due(b, p, '2026-12-02')).toEqual({
      since: '2026-12-02', dueOn: '2027-01-31', status: 'not-started', ids: [1], reason: 'Due 31 Jan 2027: 60 days after this training was rolled out to Nursing on 2 Dec 2026.',
    });
    expect(due(b, p, '2027-01-31')!.status).toBe('not-started');
    expect(due(b, p, '2027-02-01')!.status).toBe('overdue');
    // Before the rule starts there is nothing to do.
    expect(due(b, p, '2026-12-01')).toBeUndefined();
  });

  test('imported after the roll-out with a 2010 hire date: the window counts from the day the record was added, never overdue on day one', () => {
    const b = book([rule(1, nursing)]);
    // Added on 1 Apr 2027, after the roll-out's window (due 31 Jan 2027) had passed.
    const p = person('2010-05-03', [inDept(NURSING)], [], '2027-04-01');
    expect(due(b, p, '2027-04-01')).toEqual({
      since: '2027-04-01', dueOn: '2027-05-31', status: 'not-started', ids: [1],
      reason: 'Due 31 May 2027: 60 days after your record was added on 1 Apr 2027, after this training was rolled out.',
    });
    // Added during the window: still the full window from the day they were added.
    expect(due(b, person('2010-05-03', [inDept(NURSING)], [], '2026-12-20'), '2026-12-20')!.dueOn).toBe('2027-02-18');
    // Added before the roll-out: the roll-out decides, as for everyone else.
    expect(due(b, person('2010-05-03', [inDept(NURSING)], [], '2026-11-01'), '2026-12-02')!.dueOn).toBe('2027-01-31');
  });

  test('a new hire entered weeks after their start date gets the onboarding days from the day they were added', () => {
    const b = book([rule(1, nursing)]);
    expect(due(b, person('2027-01-04', [inDept(NURSING)], [], '2027-02-15'), '2027-02-15')).toMatchObject({
      since: '2027-02-15', dueOn: '2027-03-17', status: 'not-started', reason: 'Due 17 Mar 2027: 30 days after your record was added on 15 Feb 2027, after this training was rolled out.',
    });
  });

  test('roll-out reaches sub-departments and names the audience as the rule does', () => {
    const b = book([rule(1, nursing)]);
    expect(due(b, person('2020-01-01', [inDept(ICU)]), '2026-12-10')!.reason).toBe('Due 31 Jan 2027: 60 days after this training was rolled out to Nursing on 2 Dec 2026.');
    expect(due(b, person('2020-01-01', [inDept(PHARMACY)]), '2026-12-10')).toBeUndefined();
  });

  test('a certificate that lapsed years before the roll-out does not make anyone overdue on day one', () => {
    const b = book([rule(1, everyone)]);
    const d = due(b, person('2010-01-01', [inDept(PHARMACY)]), '2026-12-02', ['2016-05-01']);
    expect(d).toEqual({ since: '2026-12-02', dueOn: '2027-01-31', status: 'due-soon', ids: [1], reason: 'Due 31 Jan 2027: 60 days after this training was rolled out to everyone on 2 Dec 2026.' });
  });

  test('a certificate still valid at the roll-out keeps its own annual date when that is later', () => {
    const d = due(book([rule(1, everyone)]), person('2010-01-01', [inDept(PHARMACY)]), '2026-12-02', ['2026-06-01']);
    expect(d).toMatchObject({ dueOn: '2027-06-01', status: 'completed', reason: 'Next due 1 Jun 2027: your certificate from 1 Jun 2026 is valid for 365 days.' });
  });

  test('hire after the roll-out keeps the onboarding rule', () => {
    expect(due(book([rule(1, nursing)]), person('2027-01-10', [inDept(NURSING)]), '2027-01-10')).toEqual({
      since: '2027-01-10', dueOn: '2027-02-09', status: 'not-started', ids: [1], reason: 'Due 9 Feb 2027: 30 days after your start date.',
    });
  });

  test('hired on the roll-out day itself counts as a new hire', () => {
    expect(due(book([rule(1, nursing)]), person('2026-12-02', [inDept(NURSING)]), '2026-12-02')!.dueOn).toBe('2027-01-01');
  });

  test('a department move mid-cycle adds the obligation from the day of the move, with its own window', () => {
    const p = person('2018-03-01', [inDept(PHARMACY), inDept(NURSING, '2027-03-01')]);
    const b = book([rule(1, nursing)]);
    expect(due(b, p, '2027-02-28')).toBeUndefined();
    expect(due(b, p, '2027-03-01')).toEqual({
      since: '2027-03-01', dueOn: '2027-04-30', status: 'not-started', ids: [1], reason: 'Due 30 Apr 2027: 60 days after you joined Nursing on 1 Mar 2027.',
    });
  });

  test('moving out of the audience removes the obligation from the day of the move', () => {
    const p = person('2018-03-01', [inDept(NURSING), inDept(PHARMACY, '2027-03-01')]);
    const b = book([rule(1, nursing)]);
    expect(due(b, p, '2027-02-28')!.dueOn).toBe('2027-01-31');
    expect(due(b, p, '2027-03-01')).toBeUndefined();
  });

  test('a move within the audience (Nursing to its ICU) keeps the roll-out date', () => {
    const p = person('2018-03-01', [inDept(NURSING), inDept(ICU, '2027-01-15')]);
    expect(due(book([rule(1, nursing)]), p, '2027-01-20')).toMatchObject({ since: '2026-12-02', dueOn: '2027-01-31' });
  });

  test('an exemption counts as exempt while it lasts, and its end brings a fresh due date', () => {
    const ex: ExemptionFacts = { id: 7, assignmentId: 1, reason: 'Trained at Lakeside General in October.', startsOn: '2026-12-10', until: '2027-02-28', approverName: 'Dana Okafor' };
    const p = person('2015-06-01', [inDept(NURSING)], [ex]);
    const b = book([rule(1, nursing)]);
    expect(due(b, p, '2026-12-09')!.status).toBe('not-started');
    expect(due(b, p, '2026-12-10')).toMatchObject({ status: 'exempt', reason: 'Exempt until 28 Feb 2027: Trained at Lakeside General in October.' });
    expect(due(b, p, '2027-02-28')!.status).toBe('exempt');
    expect(due(b, p, '2027-03-01')).toEqual({
      since: '2027-03-01', dueOn: '2027-04-30', status: 'not-started', ids: [1], reason: 'Due 30 Apr 2027: 60 days from 1 Mar 2027, the day after your exemption ended.',
    });
  });

  test('an open-ended exemption stays exempt and says who ends it', () => {
    const ex: ExemptionFacts = { id: 8, assignmentId: 1, reason: 'Agency contractor trained by the agency.', startsOn: '2026-12-02', until: null, approverName: 'Dana Okafor' };
    const d = due(book([rule(1, nursing)]), person('2015-06-01', [inDept(NURSING)], [ex]), '2030-01-01');
    expect(d).toMatchObject({ status: 'exempt', reason: 'Exempt: Agency contractor trained by the agency. You are exempt until an administrator ends it.' });
  });

  test('several rules for the same course: the earliest due date decides and both are listed', () => {
    const b = book([rule(1, everyone, { rolloutDays: 90 }), rule(2, nursing, { rolloutDays: 30, startsOn: '2026-12-15' })]);
    expect(due(b, person('2015-06-01', [inDept(NURSING)]), '2026-12-20')).toEqual({
      since: '2026-12-15', dueOn: '2027-01-14', status: 'not-started', ids: [1, 2], reason: 'Due 14 Jan 2027: 30 days after this training was rolled out to Nursing on 15 Dec 2026.',
    });
    expect(due(b, person('2015-06-01', [inDept(PHARMACY)]), '2026-12-20')).toMatchObject({ dueOn: '2027-03-02', ids: [1] });
  });

  test('an exemption from one of two matching rules leaves the other in force', () => {
    const ex: ExemptionFacts = { id: 9, assignmentId: 2, reason: 'On leave.', startsOn: '2026-12-15', until: null, approverName: 'Dana Okafor' };
    const b = book([rule(1, everyone, { rolloutDays: 90 }), rule(2, nursing, { rolloutDays: 30 })]);
    expect(due(b, person('2015-06-01', [inDept(NURSING)], [ex]), '2026-12-20')).toMatchObject({ status: 'not-started', dueOn: '2027-03-02', ids: [1, 2] });
  });

  test('role and job-code audiences: admins and auditors are not assigned a learners-only rule', () => {
    const learners = rule(1, { everyone: false, departmentIds: [], roles: ['learner'], jobCodes: [] });
    const admin: PersonPeriod = { from: BEGINNING, facts: { departmentId: NURSING, role: 'admin', jobCode: null } };
    expect(due(book([learners]), person('2015-06-01', [admin]), '2026-12-20')).toBeUndefined();
    expect(due(book([learners]), person('2015-06-01', [inDept(NURSING)]), '2026-12-20')!.reason).toBe('Due 31 Jan 2027: 60 days after this training was rolled out to learners on 2 Dec 2026.');
    const rn = rule(1, { everyone: false, departmentIds: [NURSING], roles: [], jobCodes: ['rn2'] });
    expect(due(book([rn]), person('2015-06-01', [inDept(NURSING)]), '2026-12-20')!.reason).toContain('rolled out to Nursing staff with job code rn2 on');
  });

  test('a rule that has ended obligates nobody after its last day', () => {
    const b = book([rule(1, everyone, { endsOn: '2027-06-30' })]);
    expect(due(b, person('2015-06-01', [inDept(NURSING)]), '2027-06-30')).toBeDefined();
    expect(due(b, person('2015-06-01', [inDept(NURSING)]), '2027-07-01')).toBeUndefined();
  });

  test('statusOn: the exemption window wins on its first and last day only', () => {
    const th = { kind: 'onboarding' as const, opensOn: '2027-01-01', graceUntil: '2027-01-31', validUntil: '9999-12-31', started: false, exempt: { from: '2027-02-10', until: '2027-02-20' } };
    expect(['2027-02-09', '2027-02-10', '2027-02-20', '2027-02-21'].map((d) => statusOn(th, d))).toEqual(['overdue', 'exempt', 'exempt', 'overdue']);
  });
});
