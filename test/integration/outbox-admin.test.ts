import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer';
import { enqueue, type NewMessage } from '../../server/notifications/outbox';

let peer: SmtpPeer;
let t: TestApp;
let admin: Agent;
let learner: Agent;
let nurse: { id: number; email: string };

const msg = (key: string, to: string, over: Partial<NewMessage> = {}): NewMessage => ({
  key, userId: null, to, stage: 'due-soon', subject: `Subject ${key}`, text: 'Due soon.', html: '<p>Due soon.</p>', ...over,
});

beforeAll(async () => {
  peer = await startSmtpPeer();
  t = await buildTestApp({ SMTP_URL: peer.url, MAIL_FROM: 'training@riverside.example' });
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  await createPerson(t.db, t.clock, { email: 'lee@riverside.example', name: 'Lee Learner' });
  const n = await createPerson(t.db, t.clock, { email: 'Nora.Nurse@riverside.example', name: 'Nora Nurse' });
  nurse = { id: n.id, email: n.email };
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  learner = newAgent(t.app);
  await signIn(learner, 'lee@riverside.example', GOOD_PASSWORD);
  // Nora's mailbox is gone: the server refuses her address for good. The others are delivered.
  peer.answers.rcpt.set('nora.nurse@riverside.example', { code: 550, text: '5.1.1 User unknown' });
  await t.uow((trx) => enqueue(trx, [
    msg('due-soon:nora', nurse.email, { userId: nurse.id }),
    msg('overdue:lee', 'lee@riverside.example', { stage: 'overdue' }),
    msg('invitation:sam', 'sam@riverside.example', { stage: 'invitation' }),
  ], t.clock.now()));
  await t.services.outboxSender.runOnce();
});
afterAll(async () => {
  await t.close();
  await peer.close();
});

describe('GET /admin/outbox', () => {
  test('lists every message with its state and the last SMTP error in words', async () => {
    const res = await admin.get('/admin/outbox');
    expect(res.status).toBe(200);
    expect(res.text).toContain('3 messages');
    expect(res.text).toContain('Subject due-soon:nora');
    expect(res.text).toContain(html('Nora.Nurse@riverside.example: the mail server refused it for good (550 5.1.1 User unknown).'));
    expect(res.text).toContain('<a href="/admin/users/' + nurse.id + '">Nora Nurse</a>');
  });

  test('filters by state, stage and person', async () => {
    const undeliverable = await admin.get('/admin/outbox?state=undeliverable');
    expect(undeliverable.text).toContain('1 message<');
    expect(undeliverable.text).toContain('Subject due-soon:nora');
    const overdue = await admin.get('/admin/outbox?stage=overdue');
    expect(overdue.text).toContain('1 message<');
    expect(overdue.text).toContain('Subject overdue:lee');
    const person = await admin.get('/admin/outbox?person=NORA');
    expect(person.text).toContain('1 message<');
    const byAddress = await admin.get('/admin/outbox?person=sam%40');
    expect(byAddress.text).toContain('Subject invitation:sam');
    expect(byAddress.text).not.toContain('Subject overdue:lee');
    // "%" typed into the box matches itself only.
    expect((await admin.get('/admin/outbox?person=%25')).text).toContain('0 messages');
  });

  test('a filter it cannot use is a message, not a 500', async () => {
    const res = await admin.get('/admin/outbox?state=exploded&page=0');
    expect(res.status).toBe(400);
    expect(res.text).toContain('State: choose one from the list.');
    expect(res.text).toContain('Page: a whole number from 1.');
  });

  test('is for admins only', async () => {
    expect((await learner.get('/admin/outbox')).status).toBe(403);
  });
});

describe('the person page', () => {
  test('shows an undeliverable address', async () => {
    const res = await admin.get(`/admin/users/${nurse.id}`);
    expect(res.text).toMatch(/<strong>Undeliverable<\/strong> since .*, after a refusal by the mail server: Nora\.Nurse@riverside\.example: the mail server refused it for good/);
    const other = await admin.get(`/admin/users/${(await t.db.selectFrom('users').select('id').where('email', '=', 'lee@riverside.example').executeTakeFirstOrThrow()).id}`);
    expect(other.text).not.toContain('Undeliverable');
  });
});

describe('POST /admin/outbox/:id/retry', () => {
  const nora = () => t.db.selectFrom('outbox').selectAll().where('key', '=', 'due-soon:nora').executeTakeFirstOrThrow();

  test('without the CSRF token changes nothing', async () => {
    const row = await nora();
    const res = await admin.post(`/admin/outbox/${row.id}/retry`).type('form').send({});
    expect(res.status).toBe(403);
    expect((await nora()).state).toBe('undeliverable');
  });

  test('re-queues the message, clears the address mark, is audited, and the message then goes out', async () => {
    const row = await nora();
    const page = await admin.get('/admin/outbox');
    const res = await admin.post(`/admin/outbox/${row.id}/retry`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/outbox#message-${row.id}`);
    expect(await nora()).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await t.db.selectFrom('mail_addresses').selectAll().execute()).toEqual([]);
    const event = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'outbox.retried').executeTakeFirstOrThrow();
    expect(JSON.parse(event.details)).toMatchObject({ message: row.id, was: 'undeliverable', cleared: ['nora.nurse@riverside.example'] });
    expect(event.subject_id).toBe(String(nurse.id));
    // The mailbox is back.
    peer.answers.rcpt.clear();
    await t.services.outboxSender.runOnce();
    expect((await nora()).state).toBe('sent');
    expect(peer.received.map((r) => r.envelopeTo[0])).toContain(nurse.email);
  });

  test('a sent message or an unknown number is refused with a message and nothing changes', async () => {
    const row = await nora();
    const token = csrfFrom((await admin.get('/admin/outbox')).text);
    const sent = await admin.post(`/admin/outbox/${row.id}/retry`).type('form').send({ _csrf: token });
    expect(sent.status).toBe(409);
    expect(sent.text).toContain('That message has been sent already.');
    expect((await nora()).state).toBe('sent');
    expect((await admin.post('/admin/outbox/999999/retry').type('form').send({ _csrf: token })).status).toBe(404);
    expect((await admin.post('/admin/outbox/abc/retry').type('form').send({ _csrf: token })).status).toBe(404);
  });
});
