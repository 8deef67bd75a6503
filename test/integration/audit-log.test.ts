import fs from 'node:fs';
import path from 'node:path';
import { ACTION_WORDS, describeEvent } from '../../server/audit/present';
import { appendAudit } from '../../server/audit/service';
import { AUDIT_PAGE_SIZE } from '../../server/audit/routes';
import type { User } from '../../server/db/schema';
import { buildTestApp, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, submitForm, type Agent } from '../helpers/http';

// Issue 14: the audit log in words (who, what, about whom, when), paged, filterable, JSON on request.

const SERVER_DIR = path.join(__dirname, '..', '..', 'server');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? sourceFiles(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

/**
 * The actions the server writes, read from its source: string literals shaped like "family.action" on
 * a line that passes an action (`action: …`, including `action: x ? 'a.b' : 'a.c'`) or calls a local
 * `audit('…')` helper.
 */
function writtenActions(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(SERVER_DIR)) {
    if (file.endsWith(path.join('audit', 'present.ts'))) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!/\baction:|\baudit\('/.test(line)) continue;
      for (const m of line.matchAll(/'([a-z]+\.[a-z][a-z_.-]*)'/g)) found.set(m[1]!, path.relative(SERVER_DIR, file));
    }
  }
  return found;
}

let t: TestApp;
let admin: User;
let learner: User;
let adminAgent: Agent;

beforeAll(async () => {
  t = await buildTestApp();
  admin = await createPerson(t.db, t.clock, { email: 'ada@riverside.example', role: 'admin', name: 'Ada Admin' });
  learner = await createPerson(t.db, t.clock, { email: 'sam@riverside.example', name: 'Sam Park', department: 'Nursing' });
  await createPerson(t.db, t.clock, { email: 'aud@riverside.example', role: 'auditor', name: 'Aud Itor' });
  await createPerson(t.db, t.clock, { email: 'mgr@riverside.example', role: 'manager', name: 'Nora Manager', department: 'Nursing' });
  adminAgent = newAgent(t.app);
  await signIn(adminAgent, 'ada@riverside.example', GOOD_PASSWORD);
  await signIn(newAgent(t.app), 'sam@riverside.example', 'not the password at all');
  await submitForm(adminAgent, `/admin/users/${learner.id}`, `/admin/users/${learner.id}/deactivate`, {});
}, 30_000);
afterAll(async () => { await t.close(); });

describe('every action has words', () => {
  test('each action the server writes has a sentence, and every sentence belongs to an action it writes', () => {
    const written = writtenActions();
    // The scan must keep finding the kinds of call it is written for, or it would pass by finding nothing.
    expect([...written.keys()]).toEqual(expect.arrayContaining([
      'auth.login_succeeded', 'auth.locked', 'user.deactivated', 'user.reactivated', 'quiz.passed', 'quiz.failed', 'audit.chain-keyed', 'report.exported',
    ]));
    const missing = [...written].filter(([action]) => !Object.hasOwn(ACTION_WORDS, action)).map(([a, file]) => `${a} (${file})`);
    expect(missing).toEqual([]);
    expect(Object.keys(ACTION_WORDS).filter((a) => !written.has(a))).toEqual([]);
  });

  test.each(Object.keys(ACTION_WORDS))('%s reads as a sentence even with its details missing', (action) => {
    const e = describeEvent({
      id: 1, occurred_at: '2026-12-01T15:30:00.000Z', actor_id: null, actor_label: 'system', action, subject_type: null, subject_id: null,
      details: '{}', ip: null, prev_hash: '', hash: '', key_id: null,
    }, { personName: () => undefined, courseTitle: (id) => id, formatDateTime: () => '1 Dec 2026, 09:30 CST', formatDay: (d) => d });
    expect(e.sentence).toMatch(/^The system [a-z].*\.$/);
    expect(e.sentence).not.toMatch(/undefined|null|\[object|NaN/);
    expect(e.when).toBe('1 Dec 2026, 09:30 CST');
  });
});

describe('the audit page', () => {
  test('says who did what to whom and when, in words, with no raw JSON', async () => {
    const res = await adminAgent.get('/admin/audit');
    expect(res.status).toBe(200);
    expect(res.text).toContain('Ada Admin (ada@riverside.example)');
    expect(res.text).toContain('deactivated the person');
    expect(res.text).toContain(`<a href="/admin/users/${learner.id}">Sam Park</a>`);
    expect(res.text).toContain('failed to sign in (wrong password)');
    expect(res.text).toContain('2 Nov 2026, 08:00 CST');
    expect(res.text).not.toContain('{&#34;');
  });

  test('shows a fixed page of events, newest first, with a pager', async () => {
    await t.uow(async (trx) => {
      for (let i = 0; i < 2 * AUDIT_PAGE_SIZE; i += 1) {
        await appendAudit(trx, t.clock, { id: admin.id, label: admin.email }, { action: 'department.created', subjectType: 'department', details: { path: `Ward ${i}` } });
      }
    });
    const first = await adminAgent.get('/admin/audit');
    const rows = (html: string) => [...html.matchAll(/<tr id="event-(\d+)">/g)].map((m) => Number(m[1]));
    expect(rows(first.text)).toHaveLength(AUDIT_PAGE_SIZE);
    expect(rows(first.text)).toEqual([...rows(first.text)].sort((a, b) => b - a));
    expect(first.text).toContain('created the department “Ward 99”');
    const total = Number(/(\d+) events/.exec(first.text)![1]);
    expect(first.text).toContain(`page 1 of ${Math.ceil(total / AUDIT_PAGE_SIZE)}`);
    const second = await adminAgent.get('/admin/audit?page=2');
    expect(rows(second.text)).toHaveLength(AUDIT_PAGE_SIZE);
    expect(Math.max(...rows(second.text))).toBeLessThan(Math.min(...rows(first.text)));
  });

  test('filters by who, by action or family of actions, and by whom it was about', async () => {
    const byActor = await adminAgent.get('/admin/audit?actor=Sam&format=json');
    const who = (byActor.body as { events: { who: string }[] }).events.map((e) => e.who);
    expect(who.length).toBeGreaterThan(0);
    expect(new Set(who)).toEqual(new Set(['Sam Park (sam@riverside.example)']));
    const auth = (await adminAgent.get('/admin/audit?action=auth.&format=json')).body as { events: { action: string }[] };
    expect(auth.events.length).toBeGreaterThan(0);
    expect(auth.events.every((e) => e.action.startsWith('auth.'))).toBe(true);
    const exact = (await adminAgent.get('/admin/audit?action=user.deactivated&format=json')).body as { total: number; events: { sentence: string }[] };
    expect(exact.total).toBe(1);
    expect(exact.events[0]!.sentence).toBe('Ada Admin (ada@riverside.example) deactivated the person — Sam Park.');
    const about = (await adminAgent.get('/admin/audit?subject=park&format=json')).body as { events: { about: string; action: string }[] };
    expect(about.events.map((e) => e.action)).toEqual(expect.arrayContaining(['user.deactivated', 'user.created']));
    expect(new Set(about.events.map((e) => e.about))).toEqual(new Set(['Sam Park']));
  });

  test('filters by days of the organisation\'s time zone, not UTC\'s', async () => {
    // 04:00 UTC on 2 Nov is 23:00 on 1 Nov in Chicago.
    await t.uow((trx) => appendAudit(trx, new TestClock('2026-11-02T04:00:00.000Z'), { id: admin.id, label: admin.email }, {
      action: 'retention.purged', details: { before: '2020-11-01T00:00:00.000Z' },
    }));
    const on = async (q: string) => ((await adminAgent.get(`/admin/audit?action=retention.purged&format=json&${q}`)).body as { total: number }).total;
    expect(await on('from=2026-11-01&to=2026-11-01')).toBe(1);
    expect(await on('from=2026-11-02')).toBe(0);
    expect(await on('to=2026-10-31')).toBe(0);
  });

  test('answers in JSON when asked by ?format=json or by the Accept header', async () => {
    for (const res of [await adminAgent.get('/admin/audit?format=json'), await adminAgent.get('/admin/audit').set('Accept', 'application/json')]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('application/json');
      const body = res.body as { total: number; page: number; pageSize: number; timeZone: string; events: Record<string, unknown>[] };
      expect(body).toMatchObject({ page: 1, pageSize: AUDIT_PAGE_SIZE, timeZone: 'America/Chicago' });
      expect(body.events).toHaveLength(AUDIT_PAGE_SIZE);
      expect(Object.keys(body.events[0]!).sort()).toEqual(['about', 'aboutPersonId', 'action', 'actorId', 'at', 'id', 'ip', 'sentence', 'what', 'when', 'who']);
    }
  });

  test('filters that cannot be used are a 400 naming the field, in the page or in JSON, never a 500', async () => {
    const page = await adminAgent.get('/admin/audit?from=2026-13-01&to=2026-01-01');
    expect(page.status).toBe(400);
    expect(page.text).toContain('From: write a date as YYYY-MM-DD');
    const swapped = await adminAgent.get('/admin/audit?from=2026-12-01&to=2026-01-01&format=json');
    expect(swapped.status).toBe(400);
    expect(swapped.body).toEqual({ errors: { to: 'From is after To: swap the dates.' } });
  });

  test('is for auditors and admins only', async () => {
    for (const [email, status] of [['aud@riverside.example', 200], ['mgr@riverside.example', 403]] as const) {
      const a = newAgent(t.app);
      await signIn(a, email, GOOD_PASSWORD);
      expect((await a.get('/admin/audit?format=json')).status).toBe(status);
    }
  });
});

describe('a person\'s page', () => {
  test('lists the events about them in words', async () => {
    const res = await adminAgent.get(`/admin/users/${learner.id}`);
    expect(res.text).toMatch(/<td data-label="Who">Ada Admin \(ada@riverside\.example\)<\/td><td data-label="What">deactivated the person<\/td>/);
    expect(res.text).not.toContain('{&#34;');
  });
});
