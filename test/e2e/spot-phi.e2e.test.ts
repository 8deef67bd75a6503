/// <reference lib="dom" />
// Functions passed to page.evaluate() run in the browser, so this file sees the DOM types too.
import type { Browser, Page } from 'playwright-core';
import type { Course, Scene } from '../../server/content/catalogue';
import { loadCatalogue } from '../../server/content/loader';
import { SPOT_FIXTURE_CONTENT } from '../helpers/content';
import { answerInBrowser, axeViolations, capture, importStaff, launchBrowser, startServer, type Server } from './harness';

// Issue 15, "Spot the PHI": a learner completes a spot-the-PHI scene with the keyboard alone (Tab, Space,
// Enter; no mouse), in Debian's Chromium against the production build, over the fixture course
// (test/fixtures/content-spot), so the test does not depend on the shipped lessons' wording. axe-core
// (WCAG 2.1 A/AA) must find nothing on the scene page and on both feedback pages.

const PASSWORD = 'amber kestrel window 31';
const EMAIL = 'spot.keys@riverside.example';
const MOUSE_EMAIL = 'spot.mouse@riverside.example';
const course: Course = loadCatalogue(SPOT_FIXTURE_CONTENT).get('spot')!;
const lesson = course.lessons[0]!;
const caption: Scene = lesson.scenes[0]!;
const phrases = caption.spot!.parts.flatMap((p) => ('phrase' in p ? [p.phrase] : []));

let server: Server;
let browser: Browser;
let links: Map<string, string>;

beforeAll(async () => {
  server = await startServer({ CONTENT_DIR: SPOT_FIXTURE_CONTENT });
  links = importStaff(server, ['employee_id,email,name,role,department,manager_email,hire_date', `S1,${EMAIL},Sky Keys,learner,Nursing,,`, `S2,${MOUSE_EMAIL},Max Mouse,learner,Nursing,,`]);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function axeClean(page: Page, name: string) {
  expect({ name, violations: await axeViolations(page) }).toEqual({ name, violations: [] });
  const { overflow320 } = await capture(page, name);
  expect({ name, overflow320 }).toEqual({ name, overflow320: 0 });
}

/** Sets the password from the import link and signs in, typing into the fields and submitting with Enter. */
async function setUpAndSignIn(page: Page, email: string) {
  await page.goto(links.get(email)!);
  await page.getByLabel('New password').fill(PASSWORD);
  await page.getByLabel('Type the password again').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/login?passwordSet=1');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

interface Focused { tag: string; text: string; type: string; value: string; label: string; checked: boolean }

test('a spot-the-PHI scene by keyboard only: tick boxes with Space, submit with Enter, wrong then right, with axe clean pages', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Account set-up and sign-in type into the fields and submit with Enter: no click anywhere.
  await setUpAndSignIn(page, EMAIL);

  const focused = () => page.evaluate((): Focused => {
    const el = document.activeElement as HTMLInputElement;
    const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent?.trim() ?? '' : '';
    return { tag: el.tagName, text: (el.textContent ?? '').trim(), type: el.type ?? '', value: el.value ?? '', label, checked: el.checked === true };
  });
  const focusVisible = () => page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return 'nothing focused';
    const s = getComputedStyle(el);
    const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    return visible ? 'visible' : `no focus style on ${el.tagName} ${el.textContent?.trim().slice(0, 40)}`;
  });
  const tabTo = async (match: (f: Focused) => boolean): Promise<Focused> => {
    for (let i = 0; i < 60; i += 1) {
      await page.keyboard.press('Tab');
      expect(await focusVisible()).toBe('visible');
      const f = await focused();
      if (match(f)) return f;
    }
    throw new Error('control not reached with Tab');
  };
  /** Tabs through the tick boxes in order, pressing Space on those in `tick`; returns the boxes met (value, label). */
  const tickByKeyboard = async (tick: Set<string>): Promise<[string, string][]> => {
    const met: [string, string][] = [];
    let f = await tabTo((x) => x.type === 'checkbox');
    while (f.type === 'checkbox') {
      met.push([f.value, f.label]);
      if (tick.has(f.value)) await page.keyboard.press('Space');
      expect((await focused()).checked).toBe(tick.has(f.value));
      await page.keyboard.press('Tab');
      expect(await focusVisible()).toBe('visible');
      f = await focused();
    }
    // Past the last tick box, the next stop is the submit button.
    expect(f).toMatchObject({ tag: 'BUTTON', text: 'Check my marks' });
    return met;
  };

  await page.goto(`${server.baseUrl}/courses/${course.id}/lessons/${lesson.id}`);
  await tabTo((f) => f.text === 'Start the lesson');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/play');
  // The scene page: the draft, and a group of tick boxes named by the prompt, one labelled box per phrase.
  expect(await page.getByRole('group', { name: caption.prompt }).getByRole('checkbox').count()).toBe(phrases.length);
  for (const p of phrases) expect(await page.getByRole('checkbox', { name: p.text, exact: true }).isVisible()).toBe(true);
  await axeClean(page, 'spot-scene');

  // First try: tick the phrase that does not identify anyone and miss the rest.
  const wrong = phrases.find((p) => !p.identifies)!;
  const met = await tickByKeyboard(new Set([wrong.id]));
  expect(met).toEqual(phrases.map((p) => [p.id, p.text]));
  await page.keyboard.press('Enter');
  await page.waitForURL('**/answers/**');
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Not yet');
  expect(await page.getByText('Not right.').count()).toBe(phrases.filter((p) => p.identifies).length + 1);
  await axeClean(page, 'spot-feedback-wrong');
  // Focus starts at the feedback: Tab reaches the way back to the draft.
  await tabTo((f) => f.tag === 'A' && f.text === 'Try again');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/play');

  // Second try: exactly the phrases that identify the patient.
  await tickByKeyboard(new Set(phrases.filter((p) => p.identifies).map((p) => p.id)));
  await page.keyboard.press('Enter');
  await page.waitForURL('**/answers/**');
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Every phrase marked right');
  expect(await page.getByText('Not right.').count()).toBe(0);
  await axeClean(page, 'spot-feedback-right');
  await tabTo((f) => f.tag === 'A' && f.text === 'Continue');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/play');
  // On to the scene after it: a choice scene with its options.
  expect(await page.getByRole('group', { name: lesson.scenes[1]!.prompt }).getByRole('radio').count()).toBe(lesson.scenes[1]!.choices.length);
  await context.close();
});

test('the browser helper other journeys use plays a lesson with spot scenes to its end, a wrong set of marks first', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await setUpAndSignIn(page, MOUSE_EMAIL);
  await page.goto(`${server.baseUrl}/courses/${course.id}/lessons/${lesson.id}/play`);
  const seen: string[] = [];
  for (let guard = 0; guard < 10 && !(await page.getByText('Lesson complete').isVisible()); guard += 1) {
    const action = (await page.locator('form[action*="/scenes/"]').getAttribute('action'))!;
    const scene = lesson.scenes.find((s) => new RegExp(`/scenes/${s.id}(/marks)?$`).test(action))!;
    seen.push(scene.id);
    if (seen.length === 1) {
      await answerInBrowser(page, scene, false);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Not yet');
      await page.getByRole('link', { name: 'Try again' }).click();
      await page.waitForURL('**/play');
    }
    await answerInBrowser(page, scene, true);
    await page.getByRole('link', { name: /^(Continue|Finish the lesson)$/ }).click();
    await page.waitForLoadState();
  }
  expect(seen).toEqual(['caption', 'reply', 'photo']);
  expect(await page.getByText('Lesson complete').isVisible()).toBe(true);
  await context.close();
});
