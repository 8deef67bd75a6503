import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { formatDateTime } from '../../server/dates';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer';
import { DEFAULT_STAGE_SETTINGS } from '../../server/notifications/stages';

// Issue 17: when failed sign-ins lock a person's account, they are e-mailed once per lock: how many
// failures, until when in the organisation's time zone, and the "forgot password" link. Real SMTP server
// read back with mailparser; real HTTP sign-ins; the clock moved by hand (it starts 2026-11-02 14:00 UTC).

let peer: SmtpPeer;
let t: TestApp;
let admin: Agent;
const ADMIN = { id: null, label: 'test' };

beforeAll(async () => { peer = await startSmtpPeer(); });
afterAll(async () => { await peer.close(); });
beforeEach(async () => {
  peer.received.length = 0;
  t = await buildTestApp({ SMTP_URL: peer.url, MAIL_FROM: 'training@riverside.example', LOGIN_ACCOUNT_RATE_LIMIT: '1000', TIME_ZONE: 'America/Chicago' });
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
});
afterEach(async () => { await t.close(); });

const fail = async (email: string, times: number) => {
  const agent = newAgent(t.app);
  for (let i = 0; i < times; i += 1) expect((await signIn(agent, email, `wrong password ${i}`)).status).toBe(401);
  // The lock e-mail is queued after the answer has gone.
  await t.services.auth.idle();
};
const lockoutRows = () => t.db.selectFrom('outbox').select(['key', 'to_address', 'user_id', 'state']).where('stage', '=', 'lockout').orderBy('id').execute();

test('a lock sends exactly one e-mail, with the failures, the local end of the pause and the forgot-password link; audited', async () => {
  const chen = await createPerson(t.db, t.clock, { email: 'chen@riverside.example', name: 'Chen Lock' });
  await fail('chen@riverside.example', 4);
  expect(await lockoutRows()).toEqual([]);
  await fail('chen@riverside.example', 1);
  // Failures during the pause do not count and start no new lock.
  await fail('chen@riverside.example', 3);
  expect(await lockoutRows()).toEqual([{ key: `lockout:${chen.id}:2026-11-02T14:01:00.000Z`, to_address: 'chen@riverside.example', user_id: chen.id, state: 'queued' }]);
  expect(await t.services.outboxSender.runOnce()).toMatchObject({ sent: 1 });
  const [got] = await peer.waitFor(1);
  const localEnd = formatDateTime('2026-11-02T14:01:00.000Z', 'America/Chicago');
  expect(localEnd).toMatch(/^2 Nov 2026, 08:01 /);
  expect(got!.envelopeTo).toEqual(['chen@riverside.example']);
  expect(got!.mail.subject).toBe('Sign-in to your Riverside General training account is paused');
  expect(got!.mail.text).toContain(`After 5 failed sign-in attempts in a row, sign-in to your Riverside General training account is paused until ${localEnd} on computers and phones`);
  expect(got!.mail.text).toContain('http://127.0.0.1:3000/password/forgot');
  expect(got!.mail.html).toContain('<a href="http://127.0.0.1:3000/password/forgot">');
  const events = await t.db.selectFrom('audit_events').select(['action', 'details']).where('subject_id', '=', String(chen.id)).where('action', '=', 'notifications.lockout_queued').execute();
  expect(events.map((e) => JSON.parse(e.details) as unknown)).toEqual([{ failures: 5, until: '2026-11-02T14:01:00.000Z' }]);
  // The next lock (after the pause, one more failure: 2 minutes now) is a message of its own, with its own time.
  t.clock.advanceMinutes(2);
  await fail('chen@riverside.example', 1);
  expect((await lockoutRows()).map((r) => r.key)).toEqual([`lockout:${chen.id}:2026-11-02T14:01:00.000Z`, `lockout:${chen.id}:2026-11-02T14:04:00.000Z`]);
  await t.services.outboxSender.runOnce();
  const second = (await peer.waitFor(2))[1]!;
  expect(second.mail.text).toContain(`After 6 failed sign-in attempts in a row, sign-in to your Riverside General training account is paused until ${formatDateTime('2026-11-02T14:04:00.000Z', 'America/Chicago')}`);
  expect(peer.received).toHaveLength(2);
});

test('no e-mail for an address without an account, a deactivated person, or with the stage turned off', async () => {
  await fail('nobody.here@riverside.example', 5);
  const gus = await createPerson(t.db, t.clock, { email: 'gus@riverside.example' });
  await t.db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', gus.id).execute();
  await fail('gus@riverside.example', 5);
  await t.services.notificationSettings.saveStages(ADMIN, { ...DEFAULT_STAGE_SETTINGS, lockout: false });
  await createPerson(t.db, t.clock, { email: 'dee@riverside.example' });
  await fail('dee@riverside.example', 5);
  expect(await t.db.selectFrom('audit_events').select('id').where('action', '=', 'auth.locked').execute()).toHaveLength(3);
  expect(await lockoutRows()).toEqual([]);
  // Turned on again, the next lock is e-mailed.
  await t.services.notificationSettings.saveStages(ADMIN, { ...DEFAULT_STAGE_SETTINGS, lockout: true });
  t.clock.advanceMinutes(2);
  await fail('dee@riverside.example', 1);
  expect((await lockoutRows()).map((r) => r.to_address)).toEqual(['dee@riverside.example']);
});

test('an admin\'s words for the lockout e-mail are used, and its preview shows sample data', async () => {
  const saved = await t.services.notificationSettings.saveTemplate(ADMIN, 'lockout', { subject: 'Locked: {{name}}', body: 'Paused until {{until}} after {{failures}} tries. New password: {{forgot_link}}' });
  expect(saved).toBe(true);
  await createPerson(t.db, t.clock, { email: 'chen@riverside.example', name: 'Chen Lock' });
  await fail('chen@riverside.example', 5);
  await t.services.outboxSender.runOnce();
  const [got] = await peer.waitFor(1);
  expect(got!.mail.subject).toBe('Locked: Chen Lock');
  expect(got!.mail.text).toContain(`Paused until ${formatDateTime('2026-11-02T14:01:00.000Z', 'America/Chicago')} after 5 tries. New password: http://127.0.0.1:3000/password/forgot`);
  const preview = await admin.get('/admin/notifications/templates/lockout');
  expect(preview.status).toBe(200);
  expect(preview.text).toContain('Paused until 15 Mar 2027, 14:30 after 5 tries.');
  const reset = await admin.get('/admin/notifications/templates/password-reset');
  expect(reset.status).toBe(200);
  expect(reset.text).toContain('choose a new password with this link (it works once and expires 1 hour after this message was sent)');
  // A placeholder the lockout e-mail does not have is refused.
  await expect(t.services.notificationSettings.saveTemplate(ADMIN, 'lockout', { subject: 'x', body: '{{link}}' })).rejects.toThrow('Unknown placeholder {{link}}.');
});

test('"forgot password" ends a lock: the new password signs in at once on a browser never used before', async () => {
  const chen = await createPerson(t.db, t.clock, { email: 'chen@riverside.example', name: 'Chen Lock' });
  await fail('chen@riverside.example', 5);
  expect((await signIn(newAgent(t.app), 'chen@riverside.example', GOOD_PASSWORD)).status).toBe(401);
  const agent = newAgent(t.app);
  const page = await agent.get('/password/forgot');
  const asked = await agent.post('/password/forgot').type('form').send({ _csrf: csrfFrom(page.text), email: 'chen@riverside.example' });
  expect(asked.status).toBe(200);
  expect(await t.services.resetMail.runOnce()).toMatchObject({ queued: 1 });
  const mail = peer.received.find((r) => r.mail.subject?.startsWith('Reset your'))!;
  const token = /\/password\/([A-Za-z0-9_-]{43})/.exec(mail.mail.text!)![1]!;
  const form = await agent.get(`/password/${token}`);
  const set = await agent.post(`/password/${token}`).type('form').send({ _csrf: csrfFrom(form.text), username: '', password: 'harbour lantern quiet 77', confirm: 'harbour lantern quiet 77' });
  expect(set.headers.location).toBe('/login?passwordSet=1');
  expect((await signIn(newAgent(t.app), 'chen@riverside.example', 'harbour lantern quiet 77')).headers.location).toBe('/');
  const actions = (await t.db.selectFrom('audit_events').select('action').where('subject_id', '=', String(chen.id)).orderBy('id').execute()).map((e) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['auth.locked', 'notifications.lockout_queued', 'auth.password_reset_requested', 'user.password_link_emailed', 'auth.password_set', 'auth.login_succeeded']));
});
