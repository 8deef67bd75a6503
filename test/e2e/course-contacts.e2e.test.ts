/// <reference lib="dom" />
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { copyFixture, mutateYaml } from '../helpers/content';
import { ADMIN, axeViolations, launchBrowser, startServer, type Server } from './harness';

// Issue 15 in the browser: the course page with its fiction notice and minutes, and a lesson whose
// text names contacts that are not configured (the admin's "not configured" marker), have no axe
// violations; the marker is visible and opens the settings page.

let server: Server;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = copyFixture();
  mutateYaml(dir, 'lessons/one.yaml', (d) => { d.intro = 'Questions go to {{privacy_officer}} at {{privacy_officer_phone}}. {{hotline}} is anonymous.'; });
  server = await startServer({ CONTENT_DIR: dir });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function signedInPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${server.baseUrl}/login`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

test('course page and a lesson with unset contacts: no axe violations; the admin marker is visible and opens the settings', async () => {
  const page = await signedInPage();
  await page.goto(`${server.baseUrl}/courses/mini`);
  expect(await page.locator('.fiction-notice').innerText()).toContain('are invented');
  expect(await page.locator('.course-minutes').innerText()).toBe('About 9 minutes in all: 2 lessons, then the quiz.');
  expect({ page: 'course', violations: await axeViolations(page) }).toEqual({ page: 'course', violations: [] });

  await page.goto(`${server.baseUrl}/courses/mini/lessons/one`);
  const markers = page.locator('.prose a.not-configured');
  expect(await markers.count()).toBe(3);
  expect(await markers.first().isVisible()).toBe(true);
  expect(await page.locator('.prose').first().innerText()).toMatch(/^Questions go to your privacy officer \(not configured[^)]*\) at your privacy officer's phone number \(not configured[^)]*\)\. The privacy hotline/);
  // Read out of its sentence (a screen reader's list of links), the marker says where it goes.
  expect(await page.getByRole('link', { name: /^\(not configured\s*: set it in the settings\s*\)$/ }).count()).toBe(3);
  expect({ page: 'lesson', violations: await axeViolations(page) }).toEqual({ page: 'lesson', violations: [] });
  await markers.first().click();
  await page.waitForURL('**/admin/settings');
});
