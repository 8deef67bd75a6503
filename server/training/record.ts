import { z } from 'zod';
import { appendAudit, type Actor } from '../audit/service';
import type { Catalogue, Course } from '../content/catalogue';
import { readCsv, type RowError } from '../csv';
import type { User } from '../db/schema';
import { touch } from '../db/unit-of-work';
import { fail } from '../errors';
import { hasControlChars } from '../text';
import { isRealDate } from '../dates';
import { userStore } from '../users/store';
import { issueCertificate } from '../certificates/service';
import type { Training } from './service';
import { nextAnnual } from './status';
import { completionStore } from './store';
import { Pacer } from '../pacer';

const text = (label: string, max: number) => z.string().trim().min(1, `Enter the ${label}.`).max(max, `The ${label} is longer than ${max} characters.`)
  .refine((s) => !hasControlChars(s), `The ${label} contains control characters.`);

/**
 * No HIPAA privacy training predates the Privacy Rule (published December 2000): an earlier date is a
 * typing mistake (0026 for 2026), and years before 1000 cannot even be written as YYYY.
 */
export const EARLIEST_TRAINING_DAY = '2000-01-01';

export const inPersonFields = z.object({
  course_id: z.string().min(1, 'Choose a course.'),
  completed_on: z.string().refine(isRealDate, 'Enter the session date as YYYY-MM-DD.')
    .refine((d) => d >= EARLIEST_TRAINING_DAY, `The session date must be in ${EARLIEST_TRAINING_DAY.slice(0, 4)} or later.`),
  trainer: text('trainer\'s name', 200),
  reason: text('reason', 500),
});

/** Midday UTC on a calendar day: the same day in every zone an organisation is likely to use. */
const noonOf = (day: string) => `${day}T12:00:00.000Z`;

/**
 * An in-person session recorded by an admin: the same completion and certificate as an online one,
 * flagged as admin-recorded, for the person's open cycle.
 */
export async function recordInPerson(
  training: Training, actor: Actor, user: User, course: Course, fields: z.output<typeof inPersonFields>,
): Promise<number> {
  if (fields.completed_on > training.today()) fail('invalid', 'The session date cannot be in the future.');
  return training.uow(async (trx) => {
    const assignment = await training.assignment(user, course, trx);
    if (assignment.status === 'completed') fail('conflict', `${user.name} is already up to date with this course.`);
    const completedAt = noonOf(fields.completed_on);
    const completionId = await completionStore(trx).insertOnce({
      user_id: user.id, course_id: course.id, cycle: assignment.cycle, due_on: assignment.dueOn, content_hash: null, attempt_id: null,
      attestation_id: null, score: null, completed_at: completedAt, valid_until: nextAnnual(training.policy(course), fields.completed_on).validUntil,
      source: 'in-person', recorded_by: actor.id, details: JSON.stringify({ trainer: fields.trainer, reason: fields.reason }), created_at: training.clock.now().toISOString(),
    });
    if (completionId === undefined) fail('conflict', `${user.name} already has a completion for this cycle.`);
    await appendAudit(trx, training.clock, actor, {
      action: 'completion.recorded', subjectType: 'user', subjectId: user.id,
      details: { completion: completionId, course: course.id, cycle: assignment.cycle, source: 'in-person', date: fields.completed_on, trainer: fields.trainer, reason: fields.reason },
    });
    await issueCertificate(trx, training.clock, actor, completionId, user.name, course);
    touch(trx, user.id);
    return completionId;
  });
}

export const HISTORY_COLUMNS = ['employee_id', 'course_id', 'completed_at', 'source'] as const;
export const HISTORY_OPTIONAL = ['expires_at'] as const;

interface HistoryRow {
  line: number;
  user: User;
  course: Course;
  completedOn: string;
  validUntil: string;
  source: string;
}

/** Validates a file of earlier completions against the people and courses that exist; all rows or none. */
export async function parseHistory(training: Training, catalogue: Catalogue, csvText: string): Promise<{ rows: HistoryRow[]; errors: RowError[] }> {
  const csv = await readCsv(csvText, HISTORY_COLUMNS, HISTORY_OPTIONAL, 100_000);
  const errors = [...csv.errors];
  const rows: HistoryRow[] = [];
  const today = training.today();
  const pacer = new Pacer();
  const people = new Map((await userStore(training.db).byEmployeeIds([...new Set(csv.rows.map((r) => r.values.employee_id!.trim()))])).map((u) => [u.employee_id!, u]));
  for (const { line, values } of csv.rows) {
    await pacer.pace();
    const v = Object.fromEntries(Object.entries(values).map(([k, x]) => [k, x.trim()]));
    const bad = (column: string, reason: string) => errors.push({ line, column, reason });
    const user = people.get(v.employee_id!);
    const course = catalogue.get(v.course_id!);
    const completedOn = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(v.completed_at!) ? v.completed_at!.slice(0, 10) : '';
    if (!user) bad('employee_id', v.employee_id ? `No person has employee ID ${v.employee_id}.` : 'Enter the employee ID.');
    if (!course) bad('course_id', `No course has the id "${v.course_id}".`);
    if (!isRealDate(completedOn)) bad('completed_at', 'Write the completion date as YYYY-MM-DD.');
    else if (completedOn > today) bad('completed_at', 'The completion date is in the future.');
    else if (completedOn < EARLIEST_TRAINING_DAY) bad('completed_at', `The completion date must be in ${EARLIEST_TRAINING_DAY.slice(0, 4)} or later.`);
    if (v.expires_at && (!isRealDate(v.expires_at) || v.expires_at <= completedOn)) bad('expires_at', 'Write expires_at as YYYY-MM-DD, after the completion date, or leave it empty.');
    if (!v.source || v.source.length > 100 || hasControlChars(v.source)) bad('source', 'Name the system or session the record comes from (up to 100 characters).');
    if (user && course && isRealDate(completedOn) && completedOn >= EARLIEST_TRAINING_DAY && completedOn <= today) {
      rows.push({ line, user, course, completedOn, source: v.source!, validUntil: v.expires_at || nextAnnual(training.policy(course), completedOn).validUntil });
    }
  }
  return { rows, errors: errors.sort((a, b) => a.line - b.line) };
}

/** Imports earlier completions in one transaction; a row already imported is counted, not duplicated. */
export async function importHistory(training: Training, actor: Actor, rows: HistoryRow[], sourceLabel: string): Promise<{ added: number; present: number }> {
  return training.uow(async (trx) => {
    let added = 0;
    // A slice at a time (see Pacer), so the server keeps answering during a large history import.
    const pacer = new Pacer();
    for (const r of rows) {
      await pacer.pace();
      const id = await completionStore(trx).insertOnce({
        user_id: r.user.id, course_id: r.course.id, cycle: `imported-${r.completedOn}`, due_on: null, content_hash: null, attempt_id: null,
        attestation_id: null, score: null, completed_at: noonOf(r.completedOn), valid_until: r.validUntil, source: 'import',
        recorded_by: actor.id, details: JSON.stringify({ source: r.source }), created_at: training.clock.now().toISOString(),
      });
      if (id !== undefined) added += 1;
    }
    touch(trx, rows.map((r) => r.user.id));
    await appendAudit(trx, training.clock, actor, { action: 'completions.imported', subjectType: 'import', details: { source: sourceLabel, rows: rows.length, added, present: rows.length - added } });
    return { added, present: rows.length - added };
  });
}
