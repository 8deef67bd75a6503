import type { Browser, Page } from 'playwright-core';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer';
import { ADMIN, axeViolations, launchBrowser, startServer, type Server } from './harness';

// Issue 17, "forgot password", in the browser (Debian's Chromium, the production build on the real
// clock): from the sign-in page to the e-mail (received by a real SMTP server, read back with
// mailparser), sent at once by the running server, to a new password through the e-mailed link, which
// then no longer works.

let server: Server;
let browser: Browser;
let peer: SmtpPeer;

beforeAll(async () => {
  peer = await startSmtpPeer();
  server = await startServer({ SMTP_URL: peer.url, MAIL_FROM: 'training@riverside.example' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await peer?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

test('forgot password: the link on the sign-in page, the e-mail sent at once, a new password through its link, once', async () => {
  const page = await newPage();
  await page.goto(`${server.baseUrl}/login`);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL('**/password/forgot');
  expect(await axeViolations(page)).toEqual([]);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  const notice = page.getByRole('status').first();
  await notice.waitFor();
  expect(await notice.innerText()).toContain('If an active account has that email address, an email with a link to choose a new password is on its way.');
  expect(await axeViolations(page)).toEqual([]);

  const [got] = await peer.waitFor(1, 20_000);
  expect(got!.envelopeTo).toEqual([ADMIN.email]);
  expect(got!.mail.subject).toBe('Reset your Riverside General training password');
  const link = new RegExp(`${server.baseUrl}/password/[A-Za-z0-9_-]{43}`).exec(got!.mail.text!)![0];

  const NEW = 'violet harbour compass 42';
  await page.goto(link);
  await page.getByLabel('New password').fill(NEW);
  await page.getByLabel('Type the password again').fill(NEW);
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.waitForURL('**/login?passwordSet=1');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(NEW);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));

  const again = await (await newPage()).goto(link);
  expect(again!.status()).toBe(410);
  expect(await again!.text()).toContain('This password link has already been used or has expired');
});
