import { appendAudit, SYSTEM_ACTOR } from '../audit/service';
import { hashPassword } from '../auth/password-hashing';
import { codeHash, newCertificateCode } from '../certificates/codes';
import type { Course } from '../content/catalogue';
import type { Role } from '../db/schema';
import { touch } from '../db/unit-of-work';
import { addDays } from '../dates';
import type { Training } from '../training/service';
import { nextAnnual } from '../training/status';
import { ensureDepartment } from '../users/departments';

// Demo data for trying the product and for the benchmarks: a department tree, managers, and people in
// every training status of every course given. Bulk inserts in one transaction (this module is its own
// small store). With no assignment rule every person must take every course (issue 16), so each course
// gets its own completions: a demo of several courses shows every status for each of them. Rules made
// later decide who must take what; the completions stay records either way.

const FIRST = ['Amara', 'Ben', 'Chen', 'Dana', 'Eve', 'Farah', 'Gus', 'Hana', 'Ivan', 'José', 'Kai', 'Lena', 'Mo', 'Nguyễn', 'Olu', 'Priya', 'Rosa', 'Sam', 'Tomás', 'Zoë'];
const LAST = ['Adeyemi', 'Brooks', 'Díaz', 'Evans', 'Fischer', 'Gómez', 'Haddad', 'Ivanova', 'Kowalski', 'Łukasiewicz', 'Mensah', 'Nakamura', 'Okafor', 'Patel', 'Rivera', 'Smith', 'Tran', 'Weber'];
const UNITS = ['Nursing', 'Surgery', 'Pharmacy', 'Radiology', 'Emergency', 'Laboratory', 'Administration', 'Food Services'];
const SUBS = ['Day shift', 'Night shift', 'Outpatient', 'Education'];

export interface SeedOptions {
  people: number;
  seed: number;
  /** Password for the demo accounts that can sign in (managers, an admin, a few learners); none when absent. */
  password?: string;
  /** How many learners get that password (person9 upwards); 11 unless given. */
  signInLearners?: number;
}

export interface SeedResult {
  people: number;
  /** Completions of all the courses together. */
  completions: number;
  courses: number;
  accounts: { email: string; role: Role }[];
  seconds: number;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}

export async function seedDemo(training: Training, courses: readonly Course[], options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const rand = rng(options.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const today = training.today();
  const now = training.clock.now().toISOString();
  const hash = options.password ? await hashPassword(options.password) : null;
  const domain = `demo${options.seed}.example`;
  const accounts: SeedResult['accounts'] = [];

  const result = await training.uow(async (trx) => {
    const leaves: number[] = [];
    const tops: number[] = [];
    for (const unit of UNITS) {
      tops.push((await ensureDepartment(trx, training.clock, [unit])).id);
      for (const sub of SUBS) leaves.push((await ensureDepartment(trx, training.clock, [unit, sub])).id);
    }
    const existing = Number((await trx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    type Row = { email: string; name: string; role: Role; dept: number; hire: string; sign: boolean };
    const rows: Row[] = [];
    rows.push({ email: `admin@${domain}`, name: 'Demo Administrator', role: 'admin', dept: tops[6]!, hire: addDays(today, -2000), sign: true });
    UNITS.forEach((unit, i) => rows.push({ email: `manager.${unit.toLowerCase().replace(/\s+/g, '-')}@${domain}`, name: `${pick(FIRST)} ${pick(LAST)}`, role: 'manager', dept: tops[i]!, hire: addDays(today, -1500), sign: true }));
    for (let i = rows.length; i < options.people; i += 1) {
      rows.push({ email: `person${existing + i}@${domain}`, name: `${pick(FIRST)} ${pick(LAST)}`, role: 'learner', dept: pick(leaves), hire: addDays(today, -Math.floor(rand() * 1460)), sign: i < 9 + (options.signInLearners ?? 11) });
    }
    for (let i = 0; i < rows.length; i += 400) {
      await trx.insertInto('users').values(rows.slice(i, i + 400).map((r, j) => ({
        employee_id: `D${options.seed}-${existing + i + j}`, email: r.email, email_normalized: r.email, name: r.name, role: r.role,
        department_id: r.dept, manager_id: null, hire_date: r.hire, password_hash: r.sign ? hash : null, locked_until: null, last_login_at: null,
        created_at: `${r.hire}T09:00:00.000Z`, updated_at: now,
      }))).onConflict((oc) => oc.doNothing()).execute();
    }
    for (const r of rows) if (r.sign && hash) accounts.push({ email: r.email, role: r.role });
    const ids = (await trx.selectFrom('users').select(['id', 'hire_date', 'email']).where('email', 'like', `%@${domain}`).orderBy('id').execute());

    // For each course, about 70% have completed it at some point (some long ago, so every status appears).
    let completions = 0;
    for (const course of courses) {
      const policy = training.policy(course);
      const batch: { user: number; on: string }[] = [];
      for (const u of ids) {
        if (rand() > 0.7) continue;
        const on = addDays(today, -Math.floor(rand() * Math.min(500, Math.max(1, Date.parse(today) / 86_400_000 - Date.parse(u.hire_date!) / 86_400_000))));
        if (on < u.hire_date!) continue;
        batch.push({ user: u.id, on });
      }
      for (let i = 0; i < batch.length; i += 300) {
        const chunk = batch.slice(i, i + 300);
        const inserted = await trx.insertInto('completions').values(chunk.map((c) => ({
          user_id: c.user, course_id: course.id, cycle: `imported-${c.on}`, due_on: null, content_hash: course.contentHash, attempt_id: null,
          attestation_id: null, score: 80 + Math.floor(rand() * 21), completed_at: `${c.on}T15:00:00.000Z`, valid_until: nextAnnual(policy, c.on).validUntil,
          source: 'quiz' as const, recorded_by: null, details: '{"demo":true}', created_at: now,
        }))).onConflict((oc) => oc.doNothing()).returning(['id', 'user_id']).execute();
        await trx.insertInto('certificates').values(inserted.map((c) => {
          const code = newCertificateCode();
          return { completion_id: c.id, code, code_hash: codeHash(code), learner_name: 'demo', course_title: course.title, course_version: course.version, issued_at: now };
        })).execute();
        completions += inserted.length;
      }
    }
    // Learner names on certificates as they were at issue.
    await trx.updateTable('certificates').set((eb) => ({
      learner_name: eb.selectFrom('completions').innerJoin('users', 'users.id', 'completions.user_id').select('users.name').whereRef('completions.id', '=', 'certificates.completion_id'),
    })).where('learner_name', '=', 'demo').execute();
    touch(trx, ids.map((u) => u.id));
    await appendAudit(trx, training.clock, SYSTEM_ACTOR, { action: 'demo.seeded', details: { people: ids.length, completions, courses: courses.map((c) => c.id), seed: options.seed } });
    return { people: ids.length, completions };
  });
  return { ...result, courses: courses.length, accounts, seconds: (Date.now() - started) / 1000 };
}
