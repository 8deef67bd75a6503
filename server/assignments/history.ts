import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { BEGINNING, type PersonFacts } from './rules';
import { assignmentStore } from './store';

/**
 * Records that a person's department, role or job code changed from a day on. The first change also
 * writes the facts before it (from the beginning), so the history always covers a person's whole time;
 * rows from that day on are replaced (a correction of a move made the same day, or a backdated move).
 * Completions are never touched: obligations follow from the history, records stay.
 */
export async function recordPersonChange(trx: Kysely<DB>, userId: number, before: PersonFacts, after: PersonFacts, effectiveOn: string, by: number | null, now: string): Promise<void> {
  if (before.departmentId === after.departmentId && before.role === after.role && (before.jobCode ?? null) === (after.jobCode ?? null)) return;
  const store = assignmentStore(trx);
  const history = await store.historyOf([userId]);
  const row = (day: string, f: PersonFacts) => ({ user_id: userId, effective_on: day, department_id: f.departmentId, role: f.role, job_code: f.jobCode, recorded_at: now, recorded_by: by });
  if (history.length === 0) {
    if (effectiveOn > BEGINNING) await store.insertHistory(row(BEGINNING, before));
  } else {
    await store.deleteHistoryFrom(userId, effectiveOn);
  }
  await store.insertHistory(row(effectiveOn, after));
}
