import type { AssignmentVersionRow } from '../../server/db/schema';
import type { AssignmentRule } from '../../server/assignments/rules';
import { rulesInForce } from '../../server/assignments/versions';

// Which values each rule had on a day, for the "as of" report: the version recorded last among those in
// effect by then; a rule made before versions existed has its current values from the day it was made.

const dayOf = (iso: string) => iso.slice(0, 10);
const everyone = { everyone: true, departmentIds: [], roles: [], jobCodes: [] };

function rule(id: number, over: Partial<AssignmentRule> = {}): AssignmentRule {
  return { id, name: `Rule ${id}`, target: { type: 'course', id: 'c1' }, audience: everyone, startsOn: '2026-01-01', rolloutDays: 60, endsOn: null, createdAt: '2026-01-01T15:00:00.000Z', ...over };
}

let nextId = 0;
function version(assignmentId: number, effectiveOn: string, over: Partial<AssignmentVersionRow> = {}): AssignmentVersionRow {
  nextId += 1;
  return {
    id: nextId, assignment_id: assignmentId, effective_on: effectiveOn, change: 'edited', name: `Rule ${assignmentId} from ${effectiveOn}`, target_type: 'course', target_id: 'c1',
    audience: JSON.stringify(everyone), starts_on: '2026-01-01', rollout_days: 60, ends_on: null, recorded_at: `${effectiveOn}T15:00:00.000Z`, recorded_by: 1, ...over,
  };
}

const names = (rules: AssignmentRule[]) => rules.map((r) => `${r.id}:${r.name}:${r.target.type}/${r.target.id}:${r.endsOn ?? '-'}`);

test('each day answers with the version in effect then; days before the first version leave the rule out', () => {
  const vs = [version(1, '2026-03-01', { change: 'created' }), version(1, '2026-05-10', { target_type: 'policy', target_id: 'phones' }), version(1, '2026-05-10', { name: 'Renamed the same day' })];
  const current = [rule(1, { name: 'Renamed the same day' })];
  expect(names(rulesInForce(current, vs, '2026-02-28', dayOf))).toEqual([]);
  expect(names(rulesInForce(current, vs, '2026-03-01', dayOf))).toEqual(['1:Rule 1 from 2026-03-01:course/c1:-']);
  expect(names(rulesInForce(current, vs, '2026-05-09', dayOf))).toEqual(['1:Rule 1 from 2026-03-01:course/c1:-']);
  // Two changes on one day: the later one stands from that day.
  expect(names(rulesInForce(current, vs, '2026-05-10', dayOf))).toEqual(['1:Renamed the same day:course/c1:-']);
});

test('an end recorded later for an earlier last day overrides edits recorded before it, from the day after that last day', () => {
  const vs = [version(2, '2026-03-01', { change: 'created' }), version(2, '2026-06-01', { name: 'Edited in June' }), version(2, '2026-05-21', { change: 'ended', ends_on: '2026-05-20' })];
  const current = [rule(2)];
  expect(names(rulesInForce(current, vs, '2026-05-20', dayOf))).toEqual(['2:Rule 2 from 2026-03-01:course/c1:-']);
  expect(names(rulesInForce(current, vs, '2026-05-21', dayOf))).toEqual(['2:Rule 2 from 2026-05-21:course/c1:2026-05-20']);
  expect(names(rulesInForce(current, vs, '2026-06-15', dayOf))).toEqual(['2:Rule 2 from 2026-05-21:course/c1:2026-05-20']);
});

test('a rule without versions has its current values from the day it was made; a versioned rule never falls back to them', () => {
  const current = [rule(3, { name: 'Made before versions', createdAt: '2026-02-01T15:00:00.000Z' }), rule(4, { name: 'Current values' })];
  const vs = [version(4, '2026-04-01', { change: 'created', name: 'First values' })];
  expect(names(rulesInForce(current, vs, '2026-01-31', dayOf))).toEqual([]);
  expect(names(rulesInForce(current, vs, '2026-02-01', dayOf))).toEqual(['3:Made before versions:course/c1:-']);
  expect(names(rulesInForce(current, vs, '2026-04-01', dayOf))).toEqual(['3:Made before versions:course/c1:-', '4:First values:course/c1:-']);
});
