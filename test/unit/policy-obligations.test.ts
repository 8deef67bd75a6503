import type { PolicyVersion } from '../../server/db/schema';
import { isObligated, policyObligation } from '../../server/policies/obligations';
import { policyStates, signatureCounts, type VersionRow } from '../../server/policies/versions';

// Issue 16: who must sign which version, by when and why (the adapter until s16-core's assignments
// land), and which signatures count after corrections and material changes.

const ctx = { onboardingDays: 30, dayOf: (iso: string) => iso.slice(0, 10) };
const required = { slug: 'conduct', label: '2', publishedOn: '2026-12-02' };

describe('policyObligation (the adapter: everyone active, due like onboarding)', () => {
  test('someone employed before the version was published is due the onboarding days after its publication', () => {
    expect(policyObligation({ status: 'active', hire_date: '2015-06-01', created_at: '2026-01-01T00:00:00Z' }, required, ctx)).toEqual({
      assignmentIds: [], target: { type: 'policy', id: 'conduct' }, since: '2026-12-02', dueOn: '2027-01-01',
      reason: 'Due 1 Jan 2027: 30 days after version 2 was published on 2 Dec 2026.',
    });
  });

  test('a new hire after publication is due the onboarding days after their start date; without one, after their account was made', () => {
    expect(policyObligation({ status: 'active', hire_date: '2027-01-10', created_at: '2026-12-20T00:00:00Z' }, required, ctx, 'their'))
      .toMatchObject({ since: '2027-01-10', dueOn: '2027-02-09', reason: 'Due 9 Feb 2027: 30 days after their start date.' });
    expect(policyObligation({ status: 'active', hire_date: null, created_at: '2026-12-05T10:00:00Z' }, required, ctx))
      .toMatchObject({ since: '2026-12-05', dueOn: '2027-01-04', reason: 'Due 4 Jan 2027: 30 days after your account was created.' });
  });

  test('a publication on the start day itself counts from the start date', () => {
    expect(policyObligation({ status: 'active', hire_date: '2026-12-02', created_at: '2026-12-01T00:00:00Z' }, required, ctx).reason)
      .toBe('Due 1 Jan 2027: 30 days after your start date.');
  });

  test('only active people are obligated', () => {
    expect(isObligated({ status: 'active', hire_date: null, created_at: '' })).toBe(true);
    expect(isObligated({ status: 'deactivated', hire_date: null, created_at: '' })).toBe(false);
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
