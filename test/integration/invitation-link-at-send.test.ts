import fs from 'node:fs';
import { csrfFrom, newAgent, submitForm } from '../helpers/http';
import { useMailApp } from '../helpers/mail-app';
import { enqueue, LINK_TOKEN_PLACEHOLDER, messageIdLocalPart } from '../../server/notifications/outbox';
import { outboxStore } from '../../server/notifications/store';
import { sql } from 'kysely';

// Issue 17 follow-up: an invitation's outbox row holds no set-password token. The row keeps a
// placeholder; the sender makes a fresh link when it sends and puts it in the message in memory. Here a
// real SMTP server receives the invitation, mailparser reads the link back, and the link is used over
// real HTTP: it works once. A resend (at-least-once) carries a new working link under the same Message-ID.

const mail = useMailApp({ admin: 'hr-admin@riverside.example' });

const TOKEN_IN_LINK = /\/password\/([A-Za-z0-9_-]{43})/;

/** Adds a person on the admin screen; returns their id and the token of the link the admin is shown. */
async function addPerson(name: string, email: string): Promise<{ id: number; shown: string }> {
  const res = await submitForm(mail.admin, '/admin/users/new', '/admin/users', {
    name, email, role: 'learner', employee_id: '', department: '', manager_email: '', hire_date: '', job_code: '', job_title: '',
  });
  expect(res.status).toBe(201);
  expect(res.text).toContain('also e-mailed an invitation with a link of its own. Only one link works at a time');
  const shown = TOKEN_IN_LINK.exec(res.text)![1]!;
  const user = await mail.t.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  return { id: user.id, shown };
}

/** The raw bytes of the database file and its WAL, as they lie on disk now. */
async function bytesAtRest(): Promise<Buffer> {
  // PostgreSQL's files are the server's, not ours to read: there every row of every table stands for them.
  if (mail.t.database.engine === 'postgres') {
    const tables = (await mail.t.db.introspection.getTables()).map((x) => x.name);
    const rows = await Promise.all(tables.map(async (name) => (await sql.raw(`select * from "${name}"`).execute(mail.t.db)).rows));
    return Buffer.from(JSON.stringify(rows));
  }
  const db = mail.t.config.databasePath;
  return Buffer.concat([db, `${db}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}

const invitation = (userId: number) => mail.t.db.selectFrom('outbox').selectAll().where('key', '=', `invitation:${userId}`).executeTakeFirstOrThrow();

/** Uses a link over HTTP as the person would: opens it, then posts a new password from the page's form. */
async function setPassword(token: string): Promise<number> {
  const agent = newAgent(mail.t.app);
  const page = await agent.get(`/password/${token}`);
  if (page.status !== 200) return page.status;
  const res = await agent.post(`/password/${token}`).type('form').send({ _csrf: csrfFrom(page.text), username: '', password: 'harbour lantern quiet 77', confirm: 'harbour lantern quiet 77' });
  return res.status;
}

test('an invitation row holds a placeholder and no token: not in its columns, not in the database file or its WAL', async () => {
  const { id, shown } = await addPerson('Nia Brooks', 'nia@riverside.example');
  const row = await invitation(id);
  expect(row.text_body).toContain(`http://127.0.0.1:3000/password/${LINK_TOKEN_PLACEHOLDER}`);
  expect(row.html_body).toContain(`<a href="http://127.0.0.1:3000/password/${LINK_TOKEN_PLACEHOLDER}">`);
  expect(`${row.subject}${row.text_body}${row.html_body}`).not.toMatch(TOKEN_IN_LINK);
  const bytes = await bytesAtRest();
  // The placeholder really is on disk (so finding no token there means something) and no link with a token is.
  expect(bytes.includes(`/password/${LINK_TOKEN_PLACEHOLDER}`)).toBe(true);
  expect(bytes.includes(shown)).toBe(false);
  expect(bytes.toString('latin1')).not.toMatch(TOKEN_IN_LINK);
});

test('the sender makes the link at send time: the e-mailed link works once over HTTP, and the link the admin was shown stops working', async () => {
  const { id, shown } = await addPerson('Omar Diaz', 'omar@riverside.example');
  expect(await mail.sender().runOnce()).toMatchObject({ sent: 2 });
  const got = (await mail.peer.waitFor(2)).find((r) => r.envelopeTo.includes('omar@riverside.example'))!;
  expect(got.mail.messageId).toBe(`<${messageIdLocalPart(`invitation:${id}`)}@riverside.example>`);
  const emailed = TOKEN_IN_LINK.exec(got.mail.text!)![1]!;
  expect(got.mail.html).toContain(`<a href="http://127.0.0.1:3000/password/${emailed}">`);
  expect(got.mail.text).not.toContain(LINK_TOKEN_PLACEHOLDER);
  expect(emailed).not.toBe(shown);
  // The row still holds only the placeholder; neither token is anywhere in the file or the WAL.
  const row = await invitation(id);
  expect(row.state).toBe('sent');
  expect(row.text_body).toContain(LINK_TOKEN_PLACEHOLDER);
  const bytes = await bytesAtRest();
  expect(bytes.includes(emailed)).toBe(false);
  expect(bytes.includes(shown)).toBe(false);
  // The newest link is the one that works: the e-mailed one replaced the one the admin was shown.
  expect(await setPassword(shown)).toBe(410);
  expect(await setPassword(emailed)).toBe(303);
  expect((await mail.t.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash).not.toBeNull();
  // Once.
  expect(await setPassword(emailed)).toBe(410);
  const audit = await mail.t.db.selectFrom('audit_events').select(['action', 'actor_label']).where('subject_id', '=', String(id)).where('action', '=', 'user.password_link_emailed').execute();
  expect(audit).toEqual([{ action: 'user.password_link_emailed', actor_label: 'outbox' }]);
});

test('a resend after the first copy was handed over (lease lost mid-send) carries a new working link under the same Message-ID', async () => {
  const { id, shown } = await addPerson('Lee Park', 'lee@riverside.example');
  const late = mail.sender({ leaseMs: 600_000 });
  const other = mail.sender({ leaseMs: 600_000 });
  // The SMTP server has the first copy but has not said "250 OK" when the lease runs out: another
  // sender takes the row over and sends it again, as a restarted process would after a crash.
  let takeover: unknown;
  mail.peer.answers.beforeOk = async () => {
    mail.t.clock.advance(600_001);
    takeover = await other.runOnce();
  };
  await late.runOnce();
  expect(takeover).toMatchObject({ claimed: 1, sent: 1 });
  const copies = (await mail.peer.waitFor(2)).filter((r) => r.envelopeTo.includes('lee@riverside.example'));
  expect(copies).toHaveLength(2);
  expect(copies[1]!.mail.messageId).toBe(copies[0]!.mail.messageId);
  expect(copies[0]!.mail.messageId).toBe(`<${messageIdLocalPart(`invitation:${id}`)}@riverside.example>`);
  const [first, second] = copies.map((c) => TOKEN_IN_LINK.exec(c.mail.text!)![1]!);
  expect(second).not.toBe(first);
  expect((await invitation(id)).state).toBe('sent');
  // The newest link works; the first copy's and the admin's do not.
  expect(await setPassword(first!)).toBe(410);
  expect(await setPassword(shown)).toBe(410);
  expect(await setPassword(second!)).toBe(303);
  expect((await bytesAtRest()).includes(second!)).toBe(false);
});

test('the admin\'s link used while the invitation is being sent ends the e-mailed link: one use in all', async () => {
  const { id, shown } = await addPerson('Kai Moss', 'kai@riverside.example');
  // Both links are live for a moment: the e-mailed one is made, the server has the message, and the
  // person uses the link the admin gave them before the server says "250 OK".
  let used = 0;
  mail.peer.answers.beforeOk = async () => { used = await setPassword(shown); };
  expect(await mail.sender().runOnce()).toMatchObject({ sent: 1 });
  expect(used).toBe(303);
  const got = mail.peer.received.find((r) => r.envelopeTo.includes('kai@riverside.example'))!;
  const emailed = TOKEN_IN_LINK.exec(got.mail.text!)![1]!;
  expect(await setPassword(emailed)).toBe(410);
  expect(await mail.t.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', id).where('used_at', 'is', null).execute()).toEqual([]);
});

test('a message that is not delivered takes nothing away: the admin\'s link keeps working and the unsent link never does', async () => {
  const { id, shown } = await addPerson('Ada Quinn', 'ada@riverside.example');
  mail.peer.answers.data.push({ code: 451, text: 'Try again later' });
  expect(await mail.sender().runOnce()).toMatchObject({ retrying: 1, sent: 0 });
  expect((await invitation(id)).state).toBe('queued');
  expect((await newAgent(mail.t.app).get(`/password/${shown}`)).status).toBe(200);
  expect(await mail.t.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', id).where('used_at', 'is', null).execute()).toHaveLength(1);
});

test('an invitation to a person who has chosen a password meanwhile is not sent and makes no link', async () => {
  const { id, shown } = await addPerson('Ben Ruiz', 'ben@riverside.example');
  expect(await setPassword(shown)).toBe(303);
  const before = await mail.t.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', id).execute();
  mail.t.clock.advance(3_600_000);
  await mail.sender().runOnce();
  expect(mail.peer.received.filter((r) => r.envelopeTo.includes('ben@riverside.example'))).toEqual([]);
  const row = await invitation(id);
  // Its own state, not 'failed': nothing went wrong, and admins filtering for failures do not see it.
  expect(row.state).toBe('cancelled');
  expect(row.last_error).toBe('Not sent: Ben Ruiz has already chosen a password, so the link is not needed.');
  expect(await mail.t.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', id).execute()).toEqual(before);
});

test('sent bodies are blanked after their days (invitations sooner); the row and its key stay, so nothing is queued again', async () => {
  const s = mail.sender({ keepSentDays: 30, keepSentInvitationDays: 2 });
  await mail.t.uow((trx) => enqueue(trx, [{ key: 'due-soon:blank-test', userId: null, to: 'ana@riverside.example', stage: 'due-soon', subject: 'Reminder', text: 'Due on 15 Mar 2027.', html: '<p>Due on 15 Mar 2027.</p>' }], mail.t.clock.now()));
  await s.runOnce();
  const invitations = await mail.t.db.selectFrom('outbox').select('id').where('state', '=', 'sent').where('stage', '=', 'invitation').execute();
  expect(invitations.length).toBeGreaterThan(0);
  expect(await s.blankOldBodies()).toBe(0);
  mail.t.clock.advance(2 * 86_400_000 + 60_000);
  expect(await s.blankOldBodies()).toBe(invitations.length);
  const rows = await mail.t.db.selectFrom('outbox').select(['key', 'stage', 'text_body', 'html_body', 'message_id']).where('state', '=', 'sent').execute();
  for (const r of rows.filter((x) => x.stage === 'invitation')) expect(r).toMatchObject({ text_body: '', html_body: '', message_id: messageIdLocalPart(r.key) });
  // Other messages keep their text for 30 days.
  const reminder = () => mail.t.db.selectFrom('outbox').select(['text_body', 'html_body', 'state']).where('key', '=', 'due-soon:blank-test').executeTakeFirstOrThrow();
  expect(await reminder()).toEqual({ text_body: 'Due on 15 Mar 2027.', html_body: '<p>Due on 15 Mar 2027.</p>', state: 'sent' });
  mail.t.clock.advance(28 * 86_400_000);
  expect(await s.blankOldBodies()).toBe(1);
  expect(await reminder()).toEqual({ text_body: '', html_body: '', state: 'sent' });
  // A bounce that comes back after that makes it undeliverable; it cannot be retried without its text.
  const id = (await mail.t.db.selectFrom('outbox').select('id').where('key', '=', 'due-soon:blank-test').executeTakeFirstOrThrow()).id;
  await outboxStore(mail.t.db).bounced(id, 'mailbox gone', true);
  const actor = { id: null, label: 'test' };
  await expect(mail.t.services.outbox.retry(actor, id)).rejects.toThrow('The text of that message is no longer kept, so it cannot be sent again.');
  expect((await reminder()).state).toBe('undeliverable');
  // The scheduler's invitation for the same person is a no-op on the key that stays.
  const invite = (await mail.t.services.notifications.inviter())!;
  const omar = await mail.t.db.selectFrom('users').select(['id', 'name', 'email']).where('email', '=', 'omar@riverside.example').executeTakeFirstOrThrow();
  expect(await mail.t.uow((trx) => invite(trx, [omar]))).toBe(0);
});

test('the outbox page, the invitation preview and the test message show no token', async () => {
  // The clock moved days ahead above: the admin's session has ended.
  await mail.signInAdmin();
  const outbox = await mail.admin.get('/admin/outbox?stage=invitation');
  expect(outbox.status).toBe(200);
  expect(outbox.text).toContain('omar@riverside.example');
  expect(outbox.text).not.toMatch(TOKEN_IN_LINK);
  const preview = await mail.admin.get('/admin/notifications/templates/invitation');
  expect(preview.status).toBe(200);
  expect(preview.text).toContain('/password/sample-link');
  expect(preview.text).not.toMatch(TOKEN_IN_LINK);
  // "Send me a test" of the invitation: sample data, so the sender makes no link for the admin.
  const tokens = () => mail.t.db.selectFrom('one_time_tokens').select('id').execute();
  const before = await tokens();
  const res = await submitForm(mail.admin, '/admin/notifications/templates/invitation', '/admin/notifications/templates/invitation/test', {});
  expect(res.status).toBe(303);
  mail.peer.received.length = 0;
  await mail.sender().runOnce();
  const got = (await mail.peer.waitFor(1)).find((r) => r.mail.subject?.startsWith('[Test]'));
  expect(got!.mail.text).toContain('/password/sample-link');
  expect(await tokens()).toEqual(before);
});

test('an invitation left unsent because its lease would run out mid-send makes no live link; after the lease it goes with a new one', async () => {
  await addPerson('Uma Early', 'uma@riverside.example');
  const b = await addPerson('Vic Later', 'vic@riverside.example');
  // One connection, one batch holding both: while the first is being sent, the clock moves to within
  // three timeouts of the lease's end, so the second is not started.
  const s = mail.sender({ batchSize: 2, connections: 1, leaseMs: 600_000, timeoutMs: 3000 });
  mail.peer.answers.beforeOk = async () => { mail.t.clock.advance(600_000 - 5000); };
  const live = (id: number) => mail.t.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', id).where('used_at', 'is', null).execute();
  expect(await s.runOnce()).toMatchObject({ claimed: 2, sent: 1 });
  const to = (address: string) => mail.peer.received.filter((r) => r.envelopeTo.includes(address));
  expect(to('uma@riverside.example')).toHaveLength(1);
  expect(to('vic@riverside.example')).toEqual([]);
  // Vic keeps only the link the admin was shown: the one made for the unsent message was ended.
  expect(await live(b.id)).toHaveLength(1);
  expect((await newAgent(mail.t.app).get(`/password/${b.shown}`)).status).toBe(200);
  expect((await invitation(b.id)).state).toBe('sending');
  mail.t.clock.advance(10_000);
  expect(await s.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
  const emailed = TOKEN_IN_LINK.exec(mail.peer.received.find((r) => r.envelopeTo.includes('vic@riverside.example'))!.mail.text!)![1]!;
  expect(await live(b.id)).toHaveLength(1);
  expect(await setPassword(emailed)).toBe(303);
});
