import { sql, type RawBuilder } from 'kysely';
import type { TrainingStatus } from '../training/status';

/**
 * statusOn() (training/status.ts) as a SQL expression over status_index, so reports can filter,
 * count and sort by status in the database. Plain CASE and string comparison of ISO dates: the same
 * SQL runs on SQLite and PostgreSQL. test/integration/status-sql.test.ts checks it against statusOn
 * on every boundary.
 */
export function statusSql(date: string): RawBuilder<TrainingStatus> {
  // The date is written into the SQL as a literal, not a parameter: reports GROUP BY this expression,
  // and PostgreSQL matches a grouped expression to the selected one by its text, which differs when
  // each copy has its own numbered parameter ($1 … $5 vs $6 … $10). Only a checked ISO date is inlined.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`statusSql needs a YYYY-MM-DD date, not ${JSON.stringify(date)}.`);
  const today = sql.lit(date);
  return sql<TrainingStatus>`(case
    when status_index.exempt_from is not null and ${today} >= status_index.exempt_from
      and (status_index.exempt_until is null or ${today} <= status_index.exempt_until) then 'exempt'
    when status_index.kind = 'onboarding' then
      (case when ${today} > status_index.grace_until then 'overdue'
            when status_index.started = 1 then 'in-progress' else 'not-started' end)
    when ${today} < status_index.opens_on then 'completed'
    when ${today} <= status_index.grace_until then
      (case when status_index.started = 1 then 'in-progress' else 'due-soon' end)
    when ${today} > status_index.valid_until then 'expired'
    else 'overdue' end)`;
}
