/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { PLAIN_SVG, solidPng } from '../helpers/images';
import { ADMIN, axeViolations, launchBrowser, startServer, type Server } from './harness';

// Issue 14 in the browser (Debian's Chromium, the production build): the settings page and the person
// page with its Unlock button have no axe violations (WCAG 2.1 A/AA); a logo uploaded through the real
// form shows in the header; an admin unlocks a locked account with the button.

let server: Server;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return context.newPage();
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${server.baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const textOf = async (page: Page, role: 'alert' | 'status') => {
  const el = page.getByRole(role).first();
  await el.waitFor();
  return el.innerText();
};
/** The header logo's decoded width once loaded (a broken image stays at 0). */
const headerLogoWidth = async (page: Page) => {
  const img = page.locator('header img.brand-logo');
  await img.waitFor();
  return img.evaluate(async (el) => {
    const image = el as HTMLImageElement;
    await image.decode().catch(() => undefined);
    return image.naturalWidth;
  });
};

const noViolations = async (page: Page, name: string) => {
  expect({ name, violations: await axeViolations(page) }).toEqual({ name, violations: [] });
};

test('the settings page: no axe violations, before and after a logo upload and a refused file; the logo shows in the header', async () => {
  const page = await newPage();
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.waitForURL('**/admin/settings');
  await noViolations(page, 'settings');

  // A refused file: the message is announced, the page stays accessible.
  await page.getByLabel('Logo file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await page.getByRole('button', { name: 'Upload logo' }).click();
  expect(await textOf(page, 'alert')).toContain('not a PNG or SVG image');
  await noViolations(page, 'settings with a refused logo');

  await page.getByLabel('Logo file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: solidPng(96, 48) });
  await page.getByRole('button', { name: 'Upload logo' }).click();
  await page.waitForURL('**/admin/settings');
  expect(await textOf(page, 'status')).toContain('The logo was saved (PNG)');
  expect(await headerLogoWidth(page)).toBe(96);
  await noViolations(page, 'settings with a logo');

  await page.getByLabel('Organisation name').fill('Lakeside Regional Health');
  await page.getByLabel(/^Privacy officer \(optional\)$/).fill('Priya Officer');
  await page.getByLabel('Privacy officer email').fill('privacy@lakeside.example');
  await page.getByLabel('Privacy officer phone').fill('+1 555 0100 x12');
  await page.getByLabel('Anonymous hotline').fill('1-800-555-0199');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.waitForURL('**/admin/settings');
  expect(await page.locator('header .org').innerText()).toBe('· Lakeside Regional Health');
  // The footer now names the privacy contact; the page with it stays accessible.
  expect(await page.locator('footer .privacy-contact').innerText()).toContain('Priya Officer, Privacy Officer');
  await noViolations(page, 'settings with the privacy contact in the footer');

  // An SVG logo, served sandboxed, still renders as an image in the header.
  await page.getByLabel('Logo file').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(PLAIN_SVG) });
  await page.getByRole('button', { name: 'Upload logo' }).click();
  await page.waitForURL('**/admin/settings');
  expect(await headerLogoWidth(page)).toBe(40);
  await noViolations(page, 'settings with an SVG logo');
  await page.context().close();
});

test('the person page with the Unlock button: no axe violations; Unlock lets the person sign in at once', async () => {
  const admin = await newPage();
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.waitForURL((u) => !u.pathname.startsWith('/login'));

  // Five wrong passwords from another browser lock the address there.
  const stranger = await newPage();
  for (let i = 0; i < 5; i += 1) await signIn(stranger, ADMIN.email, `wrong password ${i}`);
  await signIn(stranger, ADMIN.email, ADMIN.password);
  expect(await textOf(stranger, 'alert')).toContain('This account is locked until');

  await admin.goto(`${server.baseUrl}/admin/users`);
  await admin.getByRole('link', { name: 'Ada Admin' }).first().click();
  await admin.getByText(/Locked until .* on devices not used before/).waitFor();
  await noViolations(admin, 'person page with Unlock');
  await admin.getByRole('button', { name: 'Unlock sign-in' }).click();
  expect(await textOf(admin, 'status')).toContain('is unlocked');
  await noViolations(admin, 'person page after unlocking');

  await signIn(stranger, ADMIN.email, ADMIN.password);
  await stranger.waitForURL((u) => !u.pathname.startsWith('/login'));
  await admin.context().close();
  await stranger.context().close();
});
