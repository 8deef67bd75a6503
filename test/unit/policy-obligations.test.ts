import type { PolicyVersion } from '../../server/db/schema';
import type { PersonObligation } from '../../server/assignments/obligations';
import { policyObligation, policyStatus } from '../../server/policies/obligations';
import { policyStates, signatureCounts, type VersionRow } from '../../server/policies/versions';

// Issue 16: by when a person must sign the version that counts, and why. Whether they must sign at all is
// the assignment rules' answer (a PersonObligation); the date counts from the later of the obligation's
// start and the publication of the version to sign.

const settings = { onboardingDays: 30, graceDays: 7 };
const required = { slug: 'conduct', label: '2', publishedOn: '2026-12-02' };
const hired = (since: string, hasHireDate = true): PersonObligation => ({
  target: { type: 'policy', id: 'conduct' }, assignmentIds: [], assignmentNames: [], start: { kind: 'hire', since, rolloutDays: 0, group: null, hasHireDate },
});
const started = (kind: 'rollout' | 'joined' | 'returned', since: string, group: string | null = 'Nursing'): PersonObligation => ({
  target: { type: 'policy', id: 'conduct' }, assignmentIds: [4], assignmentNames: ['Nursing conduct'], start: { kind, since, rolloutDays: 60, group, hasHireDate: true },
});

describe('policyObligation: the due date of signing a policy, with its sentence', () => {
  test('someone employed before the version was published is due the onboarding days after its publication', () => {
    expect(policyObligation(hired('2015-06-01'), required, settings)).toEqual({
      assignmentIds: [], target: { type: 'policy', id: 'conduct' }, since: '2026-12-02', dueOn: '2027-01-01',
      reason: 'Due 1 Jan 2027: 30 days after version 2 was published on 2 Dec 2026.',
    });
  });

  test('a new hire after publication is due the onboarding days after their start date; without one, after their account was made', () => {
    expect(policyObligation(hired('2027-01-10'), required, settings, 'their'))
      .toMatchObject({ since: '2027-01-10', dueOn: '2027-02-09', reason: 'Due 9 Feb 2027: 30 days after their start date.' });
    expect(policyObligation(hired('2026-12-05', false), required, settings))
      .toMatchObject({ since: '2026-12-05', dueOn: '2027-01-04', reason: 'Due 4 Jan 2027: 30 days after your account was created.' });
  });

  test('a publication on the start day itself counts from the start date', () => {
    expect(policyObligation(hired('2026-12-02'), required, settings).reason).toBe('Due 1 Jan 2027: 30 days after your start date.');
  });

  test('a rule rolled out after the version: the roll-out days from the roll-out, naming the audience', () => {
    expect(policyObligation(started('rollout', '2027-02-01'), required, settings)).toMatchObject({
      since: '2027-02-01', dueOn: '2027-04-02', assignmentIds: [4], reason: 'Due 2 Apr 2027: 60 days after this policy was rolled out to Nursing on 1 Feb 2027.',
    });
  });

  test('a material change after the roll-out: the roll-out days from the new version\'s publication', () => {
    expect(policyObligation(started('rollout', '2026-10-01'), required, settings).reason).toBe('Due 31 Jan 2027: 60 days after version 2 was published on 2 Dec 2026.');
  });

  test('joining the audience, and an exemption that ended, each say so, to the person and to an admin', () => {
    expect(policyObligation(started('joined', '2027-03-01', 'Pharmacy'), required, settings, 'their').reason)
      .toBe('Due 30 Apr 2027: 60 days after they joined Pharmacy on 1 Mar 2027.');
    expect(policyObligation(started('returned', '2027-03-01', null), required, settings).reason)
      .toBe('Due 30 Apr 2027: 60 days from 1 Mar 2027, the day after your exemption ended.');
  });
});

describe('policyStatus: the one status function read for a policy', () => {
  const p = policyObligation(hired('2015-06-01'), required, settings);
  test('unsigned: not started, in progress once opened, overdue only after the due date plus grace', () => {
    expect(policyStatus(p, false, false, settings, '2027-01-01').status).toBe('not-started');
    expect(policyStatus(p, false, true, settings, '2027-01-08').status).toBe('in-progress');
    expect(policyStatus(p, false, true, settings, '2027-01-09').status).toBe('overdue');
  });
  test('signed: completed, whatever the day', () => {
    expect(policyStatus(p, true, true, settings, '2031-01-01').status).toBe('completed');
  });
  test('exempt while the exemption lasts, with its sentence; the obligation\'s own sentence after', () => {
    const o = { ...hired('2015-06-01'), exemption: { id: 3, from: '2026-12-10', until: '2027-01-31', reason: 'On leave.', approverName: 'A' } };
    const q = policyObligation(o, required, settings);
    expect(policyStatus(q, false, false, settings, '2026-12-10')).toEqual({ status: 'exempt', reason: 'Exempt until 31 Jan 2027: On leave.' });
    expect(policyStatus(q, false, false, settings, '2027-02-01')).toEqual({ status: 'overdue', reason: q.reason });
  });
});

describe('policyStates and signatureCounts', () => {
  const v = (id: number, slug: string, seq: number, kind: 'material' | 'correction'): VersionRow => ({
    id, slug, seq, change_kind: kind, label: String(seq), policy_id: 1, title: 'T', text: 'x', text_hash: 'h', change_note: '', min_read_seconds: null,
    published_at: '2026-12-01T00:00:00Z', published_by: null, superseded_at: null, acks_lapse_at: null,
  } satisfies PolicyVersion & { slug: string });

  test('corrections keep the requirement at the last material change; a material change moves it', () => {
    const states = policyStates([v(3, 'a', 3, 'correction'), v(1, 'a', 1, 'material'), v(2, 'a', 2, 'correction'), v(10, 'b', 1, 'material'), v(11, 'b', 2, 'material')]);
    const a = states.get('a')!;
    expect([a.current.id, a.required.id]).toEqual([3, 1]);
    expect([1, 2, 3].map((id) => signatureCounts(a, id))).toEqual([true, true, true]);
    const b = states.get('b')!;
    expect([b.current.id, b.required.id]).toEqual([11, 11]);
    expect([10, 11, 99].map((id) => signatureCounts(b, id))).toEqual([false, true, false]);
  });
});
