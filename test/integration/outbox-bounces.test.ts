import nodemailer from 'nodemailer';
import { buildTestApp, type TestApp } from '../helpers/app';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer';
import { createLogger } from '../../server/http/logging';
import { startBounceListener, type BounceListener } from '../../server/notifications/bounces';
import { enqueue, messageIdLocalPart } from '../../server/notifications/outbox';
import { bounceAddress } from '../../server/notifications/sender';

let peer: SmtpPeer;
let t: TestApp;
let listener: BounceListener;

beforeAll(async () => {
  peer = await startSmtpPeer();
  t = await buildTestApp({ SMTP_URL: peer.url, MAIL_FROM: 'training@riverside.example' });
  listener = await startBounceListener({ port: 0, host: '127.0.0.1', mail: t.config.mail, uow: t.uow, clock: t.clock, log: createLogger('silent') });
});
afterAll(async () => {
  await listener.close();
  await t.close();
  await peer.close();
});

/** A delivery status notification as Postfix writes one (RFC 3464), about `recipient`. */
function dsn(returnPath: string, recipient: string, action = 'failed', status = '5.1.1'): string {
  return [
    'From: MAILER-DAEMON@mx.riverside.example (Mail Delivery System)',
    'Subject: Undelivered Mail Returned to Sender',
    `To: ${returnPath}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="4Q1x.1733342400/mx.riverside.example"',
    'Message-Id: <20261204200000.4Q1x@mx.riverside.example>',
    '',
    'This is a MIME-encapsulated message.',
    '',
    '--4Q1x.1733342400/mx.riverside.example',
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'I\'m sorry to have to inform you that your message could not',
    'be delivered to one or more recipients. It\'s attached below.',
    '',
    '--4Q1x.1733342400/mx.riverside.example',
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.riverside.example',
    'X-Postfix-Queue-ID: 4Q1x',
    'Arrival-Date: Fri,  4 Dec 2026 20:00:00 +0000 (UTC)',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    'Remote-MTA: dns; mail.riverside.example',
    `Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: Recipient address`,
    '    rejected: User unknown in local recipient table',
    '',
    '--4Q1x.1733342400/mx.riverside.example',
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    '',
    'Subject: Your HIPAA refresher is due',
    '',
    '--4Q1x.1733342400/mx.riverside.example--',
    '',
  ].join('\r\n');
}

/** Sends raw mail to the listener the way an MTA relays a bounce: null sender, to the VERP address. */
async function deliver(to: string, raw: string) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listener.port, secure: false, ignoreTLS: true });
  try {
    return await transport.sendMail({ envelope: { from: '', to: [to] }, raw });
  } finally {
    transport.close();
  }
}

async function sentMessage(key: string, to: string, cc: string[] = []) {
  await t.uow((trx) => enqueue(trx, [{ key, userId: null, to, cc, stage: 'due-soon', subject: 'Due', text: 'Due.', html: '<p>Due.</p>' }], t.clock.now()));
  await t.services.outboxSender.runOnce();
  const row = await t.db.selectFrom('outbox').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
  expect(row.state).toBe('sent');
  return row;
}

const mark = (address: string) => t.db.selectFrom('mail_addresses').selectAll().where('address', '=', address.toLowerCase()).executeTakeFirst();
const rowOf = (key: string) => t.db.selectFrom('outbox').selectAll().where('key', '=', key).executeTakeFirstOrThrow();

describe('the bounce listener', () => {
  test('a DSN to a message\'s VERP address marks the bounced address undeliverable and the message with it', async () => {
    const row = await sentMessage('bounce:1', 'Gone@riverside.example', ['boss@riverside.example']);
    const verp = bounceAddress(t.config.mail, row.message_id);
    expect(verp).toBe(`training+b-${messageIdLocalPart('bounce:1')}@riverside.example`);
    await deliver(verp, dsn(verp, 'gone@riverside.example'));
    expect(await mark('gone@riverside.example')).toMatchObject({ source: 'dsn' });
    expect((await mark('gone@riverside.example'))!.reason).toMatch(/^Gone@riverside\.example: a bounce message said it could not be delivered \(5\.1\.1, 550 5\.1\.1/);
    expect(await mark('boss@riverside.example')).toBeUndefined();
    const after = await rowOf('bounce:1');
    expect(after.state).toBe('undeliverable');
    expect(after.last_error).toContain('a bounce message said');
  });

  test('a DSN about an address that was not among the message\'s recipients marks nothing', async () => {
    const row = await sentMessage('bounce:2', 'ana@riverside.example');
    const verp = bounceAddress(t.config.mail, row.message_id);
    await deliver(verp, dsn(verp, 'ceo@riverside.example'));
    expect(await mark('ceo@riverside.example')).toBeUndefined();
    expect((await rowOf('bounce:2')).state).toBe('sent');
  });

  test('a delay report (4.x.x) and an out-of-office reply are taken and change nothing', async () => {
    const row = await sentMessage('bounce:3', 'slow@riverside.example');
    const verp = bounceAddress(t.config.mail, row.message_id);
    await deliver(verp, dsn(verp, 'slow@riverside.example', 'delayed', '4.4.1'));
    await deliver(verp, 'From: slow@riverside.example\r\nTo: ' + verp + '\r\nSubject: Out of office\r\n\r\nI am away until Monday.\r\n');
    expect(await mark('slow@riverside.example')).toBeUndefined();
    expect((await rowOf('bounce:3')).state).toBe('sent');
  });

  test('mail to any other address is refused at RCPT TO', async () => {
    await expect(deliver('postmaster@riverside.example', dsn('postmaster@riverside.example', 'ana@riverside.example'))).rejects.toMatchObject({ responseCode: 550 });
    await expect(deliver('training+b-0123456789abcdef0123456789abcdef@elsewhere.example', 'Subject: x\r\n\r\nx\r\n')).rejects.toMatchObject({ responseCode: 550 });
  });
});
