import type { Kysely } from 'kysely';
import type { AssignmentVersionRow, DB } from '../db/schema';
import { parseAudience, type AssignmentRule } from './rules';
import { versionStore } from './versions-store';

// Rule versions: which values each assignment rule had on a past day, for the report "as of" that day.

export function ruleOfVersion(v: AssignmentVersionRow): AssignmentRule {
  return {
    id: v.assignment_id, name: v.name, target: v.target_type === 'policy' ? { type: 'policy', id: v.target_id } : { type: 'course', id: v.target_id },
    audience: parseAudience(v.audience), startsOn: v.starts_on, rolloutDays: v.rollout_days, endsOn: v.ends_on,
  };
}

/**
 * The rules in force on `day`: for each rule, the version recorded last among those that had taken
 * effect by then. "Recorded last" rather than "effective last" so that an end recorded today for an
 * earlier last day (the CLI's --on) overrides edits recorded before it from its effective day on. A rule
 * without versions (made before migration 0019 and never changed since) has its current values from
 * the day it was made; a rule made after `day` is not in force.
 */
export function rulesInForce(current: readonly AssignmentRule[], versions: readonly AssignmentVersionRow[], day: string, dayOf: (iso: string) => string): AssignmentRule[] {
  const versioned = new Set(versions.map((v) => v.assignment_id));
  const latest = new Map<number, AssignmentVersionRow>();
  for (const v of versions) {
    if (v.effective_on > day) continue;
    const seen = latest.get(v.assignment_id);
    if (!seen || v.id > seen.id) latest.set(v.assignment_id, v);
  }
  const out: AssignmentRule[] = [];
  for (const rule of current) {
    const v = latest.get(rule.id);
    if (v) out.push(ruleOfVersion(v));
    else if (!versioned.has(rule.id) && (rule.createdAt === undefined || dayOf(rule.createdAt) <= day)) out.push(rule);
  }
  return out;
}

/**
 * The rules in force on a day, from the current rules and every version. The versions are all read
 * (not only those up to the day) so that a rule whose first version is later than the day is known as
 * versioned, and left out, rather than taken at its current values.
 */
export async function rulesOn(db: Kysely<DB>, current: readonly AssignmentRule[], day: string, dayOf: (iso: string) => string): Promise<AssignmentRule[]> {
  return rulesInForce(current, await versionStore(db).all(), day, dayOf);
}

/**
 * Before a rule's first change is recorded, the values it had until then are stored as its first
 * version (from the day it was made) if none is: rules made before versions existed keep their past.
 */
export async function keepFirstVersion(db: Kysely<DB>, rule: AssignmentRule, dayOf: (iso: string) => string, now: string): Promise<void> {
  const store = versionStore(db);
  if (await store.count(rule.id) > 0) return;
  await store.insert(rule.id, rule, dayOf(rule.createdAt ?? now), 'first', null, now);
}
