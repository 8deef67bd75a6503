import net from 'node:net';
import { buildTestApp } from '../helpers/app';
import { useMailApp } from '../helpers/mail-app';
import { enqueue, messageIdLocalPart, type NewMessage } from '../../server/notifications/outbox';
import { outboxStore } from '../../server/notifications/store';

const mail = useMailApp();
let n = 0;

async function queue(over: Partial<NewMessage> = {}): Promise<string> {
  n += 1;
  const key = `due-soon:${n}:course:hipaa:annual-2027`;
  await mail.t.uow((trx) => enqueue(trx, [{
    key, userId: null, to: `ana${n}@riverside.example`, stage: 'due-soon', subject: `Reminder ${n}`,
    text: 'Your HIPAA refresher is due on 15 March 2027.', html: '<p>Your HIPAA refresher is due on 15 March 2027.</p>', ...over,
  }], mail.t.clock.now()));
  return key;
}

const row = (key: string) => mail.t.db.selectFrom('outbox').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
const marked = (address: string) => mail.t.db.selectFrom('mail_addresses').selectAll().where('address', '=', address.toLowerCase()).executeTakeFirst();

describe('OutboxSender over a real SMTP server', () => {
  test('sends a queued message with a stable Message-ID, the VERP return address and the automatic-mail headers', async () => {
    const key = await queue({ cc: ['Boss@riverside.example'] });
    const report = await mail.sender().runOnce();
    expect(report).toMatchObject({ claimed: 1, sent: 1 });
    const [got] = await mail.peer.waitFor(1);
    const mid = messageIdLocalPart(key);
    expect(got!.mail.messageId).toBe(`<${mid}@riverside.example>`);
    expect(got!.envelopeFrom).toBe(`training+b-${mid}@riverside.example`);
    expect(got!.envelopeTo).toEqual([`ana${n}@riverside.example`, 'Boss@riverside.example']);
    expect(got!.mail.subject).toBe(`Reminder ${n}`);
    expect(got!.mail.text?.trim()).toBe('Your HIPAA refresher is due on 15 March 2027.');
    expect(got!.mail.html).toContain('<p>Your HIPAA refresher is due on 15 March 2027.</p>');
    expect(got!.mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(got!.mail.headerLines.find((h) => h.key === 'list-id')?.line).toBe('List-ID: Riverside General training <training.riverside.example>');
    expect(got!.mail.from?.value[0]).toMatchObject({ address: 'training@riverside.example', name: 'Riverside General' });
    const r = await row(key);
    expect(r).toMatchObject({ state: 'sent', attempts: 1, last_error: null, claim_token: null, sent_at: mail.t.clock.now().toISOString() });
  });

  test('421 leads to a retry after the back-off and then success, sent once', async () => {
    const key = await queue();
    mail.peer.answers.data.push({ code: 421, text: 'Service busy, try again later' });
    const s = mail.sender();
    expect(await s.runOnce()).toMatchObject({ claimed: 1, retrying: 1, sent: 0 });
    let r = await row(key);
    expect(r.state).toBe('queued');
    expect(r.attempts).toBe(1);
    expect(r.last_error).toMatch(/asked to try again later .*421/);
    expect(Date.parse(r.next_attempt_at) - mail.t.clock.now().getTime()).toBe(60_000);
    // Not before the back-off has passed.
    expect(await s.runOnce()).toMatchObject({ claimed: 0 });
    mail.t.clock.advance(60_000);
    expect(await s.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    r = await row(key);
    expect(r).toMatchObject({ state: 'sent', attempts: 2, last_error: null });
    expect(mail.peer.received).toHaveLength(1);
  });

  test('a server that never answers is a timeout, retried later', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const other = await buildTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'training@riverside.example' });
    try {
      await other.uow((trx) => enqueue(trx, [{ key: 'timeout:1', userId: null, to: 'ana@riverside.example', stage: 'due-soon', subject: 's', text: 't', html: 'h' }], other.clock.now()));
      expect(await mail.sender({ timeoutMs: 300 }, other).runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      const r = await other.db.selectFrom('outbox').selectAll().executeTakeFirstOrThrow();
      expect(r.state).toBe('queued');
      expect(r.last_error).toBe('the mail server did not answer in time.');
    } finally {
      await other.close();
      silent.close();
    }
  });

  test('550 for one recipient marks that address undeliverable and the others still get it', async () => {
    mail.peer.answers.rcpt.set('gone@riverside.example', { code: 550, text: '5.1.1 No such user' });
    const key = await queue({ cc: ['gone@riverside.example'] });
    expect(await mail.sender().runOnce()).toMatchObject({ sent: 1 });
    const [got] = await mail.peer.waitFor(1);
    expect(got!.envelopeTo).toEqual([`ana${n}@riverside.example`]);
    const r = await row(key);
    expect(r.state).toBe('sent');
    expect(JSON.parse(r.delivered_to)).toEqual([`ana${n}@riverside.example`]);
    expect(r.last_error).toMatch(/^gone@riverside\.example: the mail server refused it for good \(550 5\.1\.1 No such user\)/);
    expect(await marked('gone@riverside.example')).toMatchObject({ source: 'smtp-5xx' });
  });

  test('a refused only recipient makes the message undeliverable, and later messages to the address are not tried', async () => {
    mail.peer.answers.rcpt.set('left@riverside.example', { code: 550, text: 'Mailbox unavailable' });
    const first = await queue({ to: 'left@riverside.example' });
    expect(await mail.sender().runOnce()).toMatchObject({ undeliverable: 1 });
    expect((await row(first)).state).toBe('undeliverable');
    expect(await marked('LEFT@riverside.example')).toBeDefined();
    mail.peer.answers.rcpt.clear();
    const second = await queue({ to: 'Left@Riverside.example' });
    expect(await mail.sender().runOnce()).toMatchObject({ undeliverable: 1 });
    expect((await row(second)).state).toBe('undeliverable');
    expect(mail.peer.received).toHaveLength(0);
  });

  test('a temporary refusal of one recipient retries that recipient only', async () => {
    mail.peer.answers.rcpt.set('grey@riverside.example', { code: 450, text: 'Greylisted, come back later' });
    const key = await queue({ cc: ['grey@riverside.example'] });
    expect(await mail.sender().runOnce()).toMatchObject({ retrying: 1 });
    mail.peer.answers.rcpt.clear();
    mail.t.clock.advance(60_000);
    expect(await mail.sender().runOnce()).toMatchObject({ sent: 1 });
    const got = await mail.peer.waitFor(2);
    expect(got.map((g) => g.envelopeTo)).toEqual([[`ana${n}@riverside.example`], ['grey@riverside.example']]);
    expect(got[0]!.mail.messageId).toBe(got[1]!.mail.messageId);
    expect((await row(key)).state).toBe('sent');
  });

  test('a lease that runs out mid-send lets another sender send again, with the same Message-ID, and the row ends sent once', async () => {
    const key = await queue();
    // The first sender's lease ends while the server is still taking its message: before the server
    // answers, time passes the lease and a second sender takes the row over and sends it again.
    const late = mail.sender({ leaseMs: 600_000 });
    const other = mail.sender({ leaseMs: 600_000 });
    let takeover: unknown;
    mail.peer.answers.beforeOk = async () => {
      mail.t.clock.advance(600_001);
      takeover = await other.runOnce();
    };
    const first = await late.runOnce();
    expect(takeover).toMatchObject({ claimed: 1, sent: 1 });
    // The first sender's outcome no longer counts: the row is the second sender's.
    expect(first).toMatchObject({ claimed: 1, sent: 0 });
    const got = await mail.peer.waitFor(2);
    expect(got[0]!.mail.messageId).toBe(`<${messageIdLocalPart(key)}@riverside.example>`);
    expect(got[1]!.mail.messageId).toBe(got[0]!.mail.messageId);
    const r = await row(key);
    expect(r).toMatchObject({ state: 'sent', attempts: 2 });
  });

  test('a row claimed by a sender that died is sent by another once the lease ends', async () => {
    const key = await queue();
    const now = mail.t.clock.now();
    await outboxStore(mail.t.db).claim(now.toISOString(), new Date(now.getTime() + 600_000).toISOString(), 'dead-sender', 10);
    const s = mail.sender();
    expect(await s.runOnce()).toMatchObject({ claimed: 0 });
    mail.t.clock.advance(600_000);
    expect(await s.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
    const [got] = await mail.peer.waitFor(1);
    expect(got!.mail.messageId).toBe(`<${messageIdLocalPart(key)}@riverside.example>`);
    expect((await row(key)).attempts).toBe(2);
  });

  test('without SMTP_URL nothing is sent and messages stay queued', async () => {
    const quiet = await buildTestApp();
    try {
      await quiet.uow((trx) => enqueue(trx, [{ key: 'wait:1', userId: null, to: 'ana@riverside.example', stage: 'due-soon', subject: 's', text: 't', html: 'h' }], quiet.clock.now()));
      const s = mail.sender({}, quiet);
      expect(s.configured).toBe(false);
      expect(await s.runOnce()).toMatchObject({ claimed: 0 });
      expect((await quiet.db.selectFrom('outbox').select('state').executeTakeFirstOrThrow()).state).toBe('queued');
    } finally {
      await quiet.close();
    }
  });
});

describe('two sender processes on one database file', () => {
  test('send each message exactly once', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 60; i += 1) keys.push(await queue());
    const children = ['a', 'b'].map(() => mail.senderProcess(mail.t.clock.now(), 3));
    type Msg = { ready?: true; report?: { sent: number }; error?: string };
    const next = (c: (typeof children)[number]) => new Promise<Msg>((resolve, reject) => {
      c.once('message', (m) => resolve(m as Msg));
      c.once('exit', (code) => reject(new Error(`sender exited with ${code}`)));
    });
    await Promise.all(children.map(next));
    const reports = children.map(next);
    for (const c of children) c.send('go');
    const done = await Promise.all(reports);
    expect(done.map((d) => d.error)).toEqual([undefined, undefined]);
    expect(done.reduce((s, d) => s + d.report!.sent, 0)).toBe(60);
    await mail.peer.waitFor(60);
    const ids = mail.peer.received.map((r) => r.mail.messageId);
    expect(new Set(ids).size).toBe(60);
    expect(ids).toHaveLength(60);
    const rows = await mail.t.db.selectFrom('outbox').select(['state', 'attempts']).where('key', 'in', keys).execute();
    expect(rows.every((r) => r.state === 'sent' && r.attempts === 1)).toBe(true);
  }, 60_000);
});
