import { addDays, dayInZone } from '../../server/dates';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, submitForm, type Agent } from '../helpers/http';

// The admin pages for notifications: the stage settings and template words they save are what the
// scheduler plans and writes with; a preview saves nothing; only admins reach them.
let t: TestApp;
let admin: Agent;
let sam: number;
const STAGES_FORM = {
  send_from: '8', send_until: '18', invitation: 'yes', due_soon: 'yes', due_soon_days: '10, 3', due_today: 'yes', overdue: 'yes', overdue_every_days: '7',
  overdue_max: '6', escalation: 'yes', escalate_from: '3', refresher_open: 'yes', certificate_issued: 'yes', lockout: 'yes', digest: '', digest_weekday: '1',
};

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', hireDate: '2020-01-01' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  const today = dayInZone(t.clock.now(), t.config.timeZone);
  sam = (await createPerson(t.db, t.clock, { name: 'Sam Soon', email: 'sam@riverside.example', hireDate: addDays(today, -20) })).id;
});
afterAll(async () => { await t.close(); });

test('a learner may not open the notification settings', async () => {
  await createPerson(t.db, t.clock, { email: 'lee@riverside.example', hireDate: '2020-01-01' });
  const lee = newAgent(t.app);
  await signIn(lee, 'lee@riverside.example', GOOD_PASSWORD);
  expect((await lee.get('/admin/notifications')).status).toBe(403);
  expect((await lee.get('/admin/notifications/templates/due-soon')).status).toBe(403);
});

test('saved stage settings are audited and decide what the scheduler plans', async () => {
  const bad = await submitForm(admin, '/admin/notifications', '/admin/notifications', { ...STAGES_FORM, due_soon_days: '10, zero', send_until: '7' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('Enter up to 5 numbers of days from 1 to 180');
  expect(bad.text).toContain('The send hours must end after they start.');
  expect(await t.db.selectFrom('settings').selectAll().where('key', '=', 'notification_stages').executeTakeFirst()).toBeUndefined();

  const res = await submitForm(admin, '/admin/notifications', '/admin/notifications', STAGES_FORM);
  expect(res.status).toBe(303);
  const audit = await t.db.selectFrom('audit_events').select(['action', 'details']).where('action', '=', 'settings.notifications_changed').execute();
  expect(audit).toHaveLength(1);
  expect(JSON.parse(audit[0]!.details)).toEqual({ dueSoonDays: { from: [14, 3], to: [10, 3] }, digest: { from: true, to: false } });
  const page = await admin.get('/admin/notifications');
  expect(page.text).toContain('value="10, 3"');

  // Sam's onboarding is due in 10 days: with 10 and 3 days, that is the 10-day reminder.
  const r = await t.services.notifications.run({ dryRun: true });
  expect(r.messages.filter((m) => m.to === 'sam@riverside.example').map((m) => m.key.replace(/:course:[^:]+:/, ':course:*:')))
    .toEqual(t.catalogue.courses.map(() => `due-soon:${sam}:course:*:onboarding:10`));
  expect(r.messages.some((m) => m.stage === 'digest')).toBe(false);
});

test('a template preview shows the sample data and saves nothing; saved words are what the scheduler writes; reset goes back', async () => {
  const url = '/admin/notifications/templates/due-soon';
  const preview = await submitForm(admin, url, url, { intent: 'preview', subject: 'Heads up, {{name}}', body: 'Hi {{name}}: {{title}} by {{due_date}}. <b>{{link}}</b>' });
  expect(preview.status).toBe(200);
  expect(preview.text).toContain('Heads up, Jordan Sample');
  expect(preview.text).toContain('Hi Jordan Sample: Sample course by 15 Mar 2027. &lt;b&gt;');
  expect(await t.db.selectFrom('settings').selectAll().where('key', '=', 'notification_template:due-soon').executeTakeFirst()).toBeUndefined();

  const unknown = await submitForm(admin, url, url, { intent: 'save', subject: 'x', body: '{{quiz_answers}}' });
  expect(unknown.status).toBe(400);
  expect(unknown.text).toContain('Unknown placeholder {{quiz_answers}}.');

  expect((await submitForm(admin, url, url, { intent: 'save', subject: 'Heads up, {{name}}', body: 'Hi {{name}}: {{title}} by {{due_date}}.\n{{reason}}\n{{link}}' })).status).toBe(303);
  await t.services.notifications.run();
  const row = await t.db.selectFrom('outbox').selectAll().where('user_id', '=', sam).where('stage', '=', 'due-soon').executeTakeFirstOrThrow();
  expect(row.subject).toBe('Heads up, Sam Soon');
  expect(row.text_body).toMatch(/^Hi Sam Soon: .+ by \d+ \w{3} \d{4}\.\nDue .+: 30 days after your start date\.\nhttp:\/\/127\.0\.0\.1:3000\/courses\//);

  expect((await submitForm(admin, url, url, { intent: 'reset', subject: '', body: '' })).status).toBe(303);
  expect((await admin.get(url)).text).toContain('This message uses the default words.');
  const actions = (await t.db.selectFrom('audit_events').select('action').where('action', '=', 'settings.template_changed').execute()).length;
  expect(actions).toBe(2);
});

test('"send me a test" queues the message with sample data to the admin, audited', async () => {
  const url = '/admin/notifications/templates/digest';
  const res = await submitForm(admin, url, `${url}/test`, {});
  expect(res.status).toBe(303);
  const row = await t.db.selectFrom('outbox').selectAll().where('key', 'like', 'test:digest:%').executeTakeFirstOrThrow();
  expect(row.to_address).toBe('admin@riverside.example');
  expect(row.subject).toBe('[Test] Weekly training digest for your team');
  expect(row.text_body).toContain('Riley Example');
});

test('a person who chooses the weekly summary gets one summary instead of individual reminders', async () => {
  const agent = newAgent(t.app);
  await t.db.updateTable('users').set({ password_hash: (await t.db.selectFrom('users').select('password_hash').where('email', '=', 'admin@riverside.example').executeTakeFirstOrThrow()).password_hash }).where('id', '=', sam).execute();
  await signIn(agent, 'sam@riverside.example', GOOD_PASSWORD);
  const bad = await submitForm(agent, '/account/email', '/account/email', { weekly_summary: 'sure' });
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('Tick the box or leave it empty.');
  const res = await submitForm(agent, '/account/email', '/account/email', { weekly_summary: 'yes' });
  expect(res.status).toBe(303);
  expect((await agent.get('/account/email')).text).toMatch(/name="weekly_summary" value="yes" checked/);
  expect(await t.db.selectFrom('audit_events').select('action').where('action', '=', 'notifications.preference_changed').execute()).toHaveLength(1);
  const r = await t.services.notifications.run({ dryRun: true });
  expect(r.messages.filter((m) => m.to === 'sam@riverside.example').map((m) => m.stage)).toEqual(['summary']);
});
