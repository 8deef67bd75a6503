/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { compose, type Composed } from '../../server/compose';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/http/logging';
import { TestClock } from '../helpers/clock';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer';
import { ADMIN, launchBrowser, startServer, type Server } from './harness';

// Issue 17's invitation, end to end in Debian's Chromium against the production build: an admin adds a
// person on the admin screen; the outbox sender (this process, over the same database file, with an
// injected clock) sends the invitation to a real smtp-server; mailparser reads the link out of the
// message; the browser opens it, sets a password, signs in and lands on the learner's dashboard. The
// link then fails a second time. The server itself runs without SMTP_URL, so its own sender never races
// the one driven here.

let server: Server;
let browser: Browser;
let peer: SmtpPeer;
let mail: Composed;
const clock = new TestClock(new Date().toISOString());

beforeAll(async () => {
  peer = await startSmtpPeer();
  server = await startServer();
  browser = await launchBrowser();
  const config = loadConfig({ ...server.env, SMTP_URL: peer.url, MAIL_FROM: 'training@riverside.example', LOG_LEVEL: 'silent' } as Record<string, string>);
  mail = compose(config, { clock, log: createLogger('silent') });
});
afterAll(async () => {
  await mail?.close();
  await browser?.close();
  await server?.stop();
  await peer?.close();
});

async function newPage(): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
}

test('an admin adds a person; the e-mailed invitation link sets their password and leads to their dashboard; it works once', async () => {
  const admin = await newPage();
  await admin.goto(`${server.baseUrl}/login`);
  await admin.getByLabel('Email').fill(ADMIN.email);
  await admin.getByLabel('Password').fill(ADMIN.password);
  await admin.getByRole('button', { name: 'Sign in' }).click();
  await admin.waitForURL((u) => !u.pathname.startsWith('/login'));
  await admin.goto(`${server.baseUrl}/admin/users/new`);
  await admin.getByLabel('Full name').fill('Rosa Invited');
  await admin.getByLabel('Email', { exact: true }).fill('rosa@riverside.example');
  await admin.getByRole('button', { name: 'Add person' }).click();
  await admin.getByText('Rosa Invited was added.').waitFor();

  // The scheduler's part is done (the invitation was queued with the person); the sender runs a minute
  // later by its clock (the row is due from the moment the server queued it, on the real clock).
  clock.advance(Date.now() + 60_000 - clock.now().getTime());
  expect(await mail.outboxSender.runOnce()).toMatchObject({ sent: 1, failed: 0 });
  const [got] = await peer.waitFor(1);
  expect(got!.envelopeTo).toEqual(['rosa@riverside.example']);
  expect(got!.mail.subject).toBe('Your Riverside General training account');
  const link = /(http:\/\/127\.0\.0\.1:\d+\/password\/[A-Za-z0-9_-]{43})/.exec(got!.mail.text!)![1]!;
  expect(link.startsWith(`${server.baseUrl}/password/`)).toBe(true);
  expect(got!.mail.html).toContain(`<a href="${link}">`);

  const rosa = await newPage();
  await rosa.goto(link);
  const password = 'harbour lantern quiet 77';
  await rosa.getByLabel('New password').fill(password);
  await rosa.getByLabel('Type the password again').fill(password);
  await rosa.getByRole('button', { name: 'Set password' }).click();
  await rosa.waitForURL('**/login?passwordSet=1');
  await rosa.getByLabel('Email').fill('rosa@riverside.example');
  await rosa.getByLabel('Password').fill(password);
  await rosa.getByRole('button', { name: 'Sign in' }).click();
  await rosa.waitForURL(`${server.baseUrl}/`);
  expect(await rosa.getByRole('heading', { level: 1 }).innerText()).toBe('Welcome, Rosa Invited');

  // The same link a second time: refused, and it says why.
  const again = await (await newPage()).goto(link);
  expect(again!.status()).toBe(410);
  expect(await again!.text()).toContain('This password link has already been used or has expired');
});
