import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Response } from 'supertest';
import { verifyAuditChain } from '../../../server/audit/service';
import { findLiveToken } from '../../../server/auth/tokens';
import type { AuditEvent, User } from '../../../server/db/schema';
import type { TestApp } from '../app';
import type { RunGen } from './generators';
import { locationOf, must } from './types';

// ---------------------------------------------------------------------------------------------------
// Checks.

export type Snapshot = Map<string, string>;

/** Every table but sessions and rate_limit_hits: row count and a hash of all rows (sorted, so the order of reading does not matter). */
export async function snapshot(app: TestApp, loginNoise: boolean): Promise<Snapshot> {
  // Kysely's introspection lists the tables on either engine (and leaves out its own migration tables).
  const tables = (await app.db.introspection.getTables()).map((t) => t.name).sort()
    .filter((n) => n !== 'sessions' && n !== 'rate_limit_hits' && !(loginNoise && ['sign_in_throttle', 'sign_in_devices'].includes(n)));
  const out: Snapshot = new Map();
  for (const name of tables) {
    let query = `SELECT * FROM "${name}"`;
    // POST /login: failed sign-ins are recorded by design (see the header).
    if (loginNoise && name === 'audit_events') query += " WHERE action NOT IN ('auth.login_failed', 'auth.locked', 'auth.device_forgotten')";
    const { rows } = await sql.raw<Record<string, unknown>>(query).execute(app.db);
    const skip = new Set(loginNoise && name === 'users' ? ['failed_logins', 'locked_until'] : []);
    const lines = rows.map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => (skip.has(k) ? null : v)))).sort();
    out.set(name, `${lines.length}:${crypto.createHash('sha256').update(lines.join('\n')).digest('hex')}`);
  }
  return out;
}

export function changedTables(a: Snapshot, b: Snapshot): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
}

export const lastAuditId = async (app: TestApp): Promise<number> =>
  Number((await app.db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0);
export const eventsAfter = (app: TestApp, id: number): Promise<AuditEvent[]> =>
  app.db.selectFrom('audit_events').selectAll().where('id', '>', id).orderBy('id').execute();

/** A number field of a JSON text column, compared with a number column, in each engine's JSON functions. */
function jsonNumberIs(app: TestApp, column: string, key: string, other: string): string {
  return app.database.engine === 'postgres' ? `(${column})::jsonb -> '${key}' = to_jsonb(${other})` : `json_extract(${column}, '$.${key}') = ${other}`;
}
function jsonTextIs(app: TestApp, column: string, key: string, other: string): string {
  return app.database.engine === 'postgres' ? `(${column})::jsonb ->> '${key}' = ${other}` : `json_extract(${column}, '$.${key}') = ${other}`;
}

/** The text of the page's message for the person (error page, alert, or a field's error), if any. */
export function humanMessage(res: Response): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    const e = (res.body as { error?: unknown }).error;
    return typeof e === 'string' && e.length > 10 ? e : undefined;
  }
  if (!type.includes('text/html')) return undefined;
  const found = [...res.text.matchAll(/<p class="lead">([\s\S]*?)<\/p>|role="alert"[^>]*>([\s\S]*?)<\/div>|class="error-text"[^>]*>([\s\S]*?)<\/p>/g)]
    .map((m) => (m[1] ?? m[2] ?? m[3] ?? '').replace(/<[^>]+>/g, ' ').replace(/Error: /, '').replace(/\s+/g, ' ').trim());
  return found.find((text) => text.length >= 12 && /\p{L}{3,}/u.test(text));
}

/** The page shows exactly `count` set-password links, each one live (a page cannot show a link that does not work). */
export async function mustShowLiveLinks(app: TestApp, html: string, count: number): Promise<void> {
  const shown = [...html.matchAll(/\/password\/([A-Za-z0-9_-]{43})/g)].map((m) => m[1]!);
  must(shown.length === count, `the page shows ${shown.length} set-password links, expected ${count}`);
  for (const token of shown) must(await findLiveToken(app.db, app.clock, 'set-password', token), 'the page shows a link that does not work');
}

/** A flash or notice on a page someone was redirected to (or answered with). */
export function noticeOn(html: string): string | undefined {
  const m = /class="notice notice-(?:success|info|error)"[^>]*>([\s\S]*?)<\/(?:div|section)>/.exec(html);
  const text = m?.[1]?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return text && /\p{L}{3,}/u.test(text) ? text : undefined;
}

/** Records and their evidence hang together: what a success must leave behind, whatever the route. */
export async function wholeness(app: TestApp): Promise<string[]> {
  const problems: string[] = [];
  const all = async (query: string) => (await sql.raw<Record<string, unknown>>(query).execute(app.db)).rows.map((r) => Object.values(r)[0]);
  // SQLite checks its file and its foreign keys on request; PostgreSQL enforces both on every write.
  if (app.database.engine === 'sqlite') {
    const s = app.database.sqlite;
    const integrity = s.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
    const fk = s.pragma('foreign_key_check') as unknown[];
    if (fk.length) problems.push(`foreign_key_check: ${JSON.stringify(fk)}`);
  }
  const chain = await verifyAuditChain(app.db);
  if (!chain.ok) problems.push(`audit chain broken at event ${chain.brokenAt}: ${chain.reason}`);
  const orphans: [string, string][] = [
    ['certificate without certificate.issued', `SELECT c.id FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'certificate.issued' AND a.subject_id = CAST(c.id AS TEXT))`],
    ['quiz or in-person completion without a certificate', `SELECT id FROM completions c WHERE source IN ('quiz', 'in-person')
      AND NOT EXISTS (SELECT 1 FROM certificates WHERE completion_id = c.id)`],
    ['completion without completion.recorded', `SELECT id FROM completions c WHERE source IN ('quiz', 'in-person') AND NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'completion.recorded' AND ${jsonNumberIs(app, 'a.details', 'completion', 'c.id')})`],
    ['quiz completion without its attestation', `SELECT c.id FROM completions c WHERE source = 'quiz' AND NOT EXISTS (SELECT 1 FROM attestations t
      WHERE t.id = c.attestation_id AND t.user_id = c.user_id AND t.attempt_id = c.attempt_id)`],
    ['attestation without a completion', 'SELECT id FROM attestations t WHERE NOT EXISTS (SELECT 1 FROM completions WHERE attestation_id = t.id)'],
    ['person without user.created', `SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'user.created' AND a.subject_id = CAST(u.id AS TEXT))`],
    ['graded attempt without a quiz event', `SELECT q.id FROM quiz_attempts q WHERE q.submitted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action IN ('quiz.passed', 'quiz.failed') AND ${jsonNumberIs(app, 'a.details', 'attempt', 'q.id')})`],
    ['graded attempt without score', 'SELECT id FROM quiz_attempts WHERE submitted_at IS NOT NULL AND (score IS NULL OR passed IS NULL OR answers IS NULL)'],
    ['revoked certificate without certificate.revoked', `SELECT c.id FROM certificates c WHERE c.status = 'revoked' AND NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'certificate.revoked' AND a.subject_id = CAST(c.id AS TEXT))`],
    ['replaced certificate without its replacement', `SELECT c.id FROM certificates c WHERE c.status = 'replaced' AND (c.replaced_by IS NULL OR NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'certificate.reissued' AND a.subject_id = CAST(c.id AS TEXT)))`],
    ['finished lesson without lesson.completed', `SELECT p.lesson_id FROM lesson_progress p WHERE p.completed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a
      WHERE a.action = 'lesson.completed' AND a.subject_id = CAST(p.user_id AS TEXT) AND ${jsonTextIs(app, 'a.details', 'lesson', 'p.lesson_id')}
      AND ${jsonTextIs(app, 'a.details', 'cycle', 'p.cycle')})`],
    ['scene answer without progress', `SELECT s.id FROM scene_answers s WHERE NOT EXISTS (SELECT 1 FROM lesson_progress p
      WHERE p.user_id = s.user_id AND p.course_id = s.course_id AND p.cycle = s.cycle AND p.lesson_id = s.lesson_id)`],
  ];
  for (const [what, sql] of orphans) {
    const rows = await all(sql);
    if (rows.length) problems.push(`${what}: ${JSON.stringify(rows.slice(0, 5))}`);
  }
  const departments = Number((await all('SELECT count(*) FROM departments'))[0]);
  const created = Number((await all("SELECT count(*) FROM audit_events WHERE action = 'department.created'"))[0]);
  if (created < departments) problems.push(`${departments} departments but ${created} department.created events`);
  // The status index reports read must agree with the records it summarises.
  for (const user of await app.db.selectFrom('users').selectAll().where('status', '=', 'active').execute() as User[]) {
    for (const c of app.catalogue.courses) {
      const indexed = await app.training.statusIndex.read(app.db, user, c);
      if (!indexed) continue;
      const real = await app.training.assignment(user, c);
      if (indexed.cycle !== real.cycle || indexed.status !== real.status || indexed.dueOn !== real.dueOn) {
        problems.push(`status index for person ${user.id} says ${indexed.cycle}/${indexed.status}/${indexed.dueOn}, records say ${real.cycle}/${real.status}/${real.dueOn}`);
      }
    }
  }
  return problems;
}

export const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype] as const;
export const pristine = PROTOTYPES.map((p) => Object.getOwnPropertyDescriptors(p));

export function pollution(): string[] {
  const out: string[] = [];
  PROTOTYPES.forEach((p, i) => {
    const now = Object.getOwnPropertyDescriptors(p);
    const before = pristine[i]!;
    // Every own key, built-in (non-enumerable) and symbol ones included: replacing toString counts too.
    for (const key of new Set([...Reflect.ownKeys(before), ...Reflect.ownKeys(now)])) {
      const a = Reflect.get(before, key) as PropertyDescriptor | undefined;
      const b = Reflect.get(now, key) as PropertyDescriptor | undefined;
      if (!a || !b || a.value !== b.value || a.get !== b.get || a.set !== b.set) out.push(`${['Object', 'Array', 'Function', 'String'][i]}.prototype.${String(key)}`);
    }
  });
  for (const k of ['role', 'x', 'y', 'admin', 'polluted']) if ((({}) as Record<string, unknown>)[k] !== undefined) out.push(`({}).${k}`);
  return out;
}

export function describeRun(route: string, url: string, g: RunGen, res?: Response): string {
  const body = g.body.kind === 'form' ? `form(${g.body.encoding}) base=${g.body.base} swap=${JSON.stringify(g.body.swap)} pairs=${JSON.stringify(g.body.pairs.map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v]))} junk=${JSON.stringify(g.body.junk)}`
    : g.body.kind === 'many' ? `${g.body.count} parameters`
      : `multipart(${g.body.breakage}) base=${g.body.base} parts=${JSON.stringify(g.body.parts.map((p) => [p.name, p.filename, p.data.kind]))}`;
  const answer = res ? `\n  answer: ${res.status} ${String(res.headers['content-type'] ?? '')} ${locationOf(res)} ${res.text?.replace(/\s+/g, ' ').slice(0, 600) ?? ''}` : '';
  return `${route}\n  url: ${url.length > 200 ? `${url.slice(0, 200)}…` : url}\n  body: ${body}${answer}`;
}