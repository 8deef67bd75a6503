/// <reference lib="dom" />
// Functions passed to page.evaluate() run in the browser, so this file sees the DOM types too.
import type { APIRequestContext, Browser, Page } from 'playwright-core';
import type { Course } from '../../server/content/catalogue';
import { loadCatalogue } from '../../server/content/loader';
import { contentDir } from '../../server/paths';
import { buildTestApp } from '../helpers/app';
import { rightAnswer } from '../helpers/learner';
import { routeTable } from '../helpers/routes';
import { ADMIN, axeViolations, launchBrowser, startServer, type Server, importStaff } from './harness';

/*
 * Phones: every page type at 320 and 390 px wide, with invented names, e-mail addresses and departments
 * of 60 unbroken characters. On each page: no sideways scrolling, the first thing in <main> clear of
 * the header bar, and zero axe (WCAG 2.1 AA) violations. The page types come from the app's own GET
 * routes: a route added later fails the last test until it is visited here or excluded with a reason.
 */

const WIDTHS = [320, 390] as const;
const PASSWORD = 'quiet harbor maple 2027';
const course: Course = loadCatalogue(contentDir).get('hipaa-social-media')!;
const unbroken = (seed: string) => seed.repeat(Math.ceil(60 / seed.length)).slice(0, 60);
const LONG = {
  learner: `Tamsin ${unbroken('Brandvoldkristiansenhaugerudfjellstadmoentorvaldshagenberg')}`,
  learnerEmail: `${unbroken('tamsin.brandvoldkristiansenhaugerud')}@riverside.example`,
  manager: `Osric ${unbroken('Vanderhoevenoosterbroekhuizenkerkhovenbleijenberg')}`,
  managerEmail: `${unbroken('osric.vanderhoevenoosterbroekhuizen')}@riverside.example`,
  department: unbroken('Cardiothoracicintensivecareandextracorporealmembrane'),
  employeeId: unbroken('EMP0123456789'),
};

/** GET routes that are not pages a person reads, and why they are left out. */
const EXCLUDED: Record<string, string> = {
  'GET /healthz': 'a JSON health probe for load balancers, not a page',
  'GET /certificates/:id.pdf': 'a PDF download; the link to it is checked for visibility on the transcript',
  'GET /reports/export.csv': 'a CSV download',
  'GET /reports/certificates.zip': 'a ZIP download',
  'GET /reports/evidence.pdf': 'a PDF download',
  'GET /reports/evidence.csv': 'a CSV download',
  'GET /admin/exemptions/:id/evidence': 'an exemption\'s evidence file, sent as a download',
  'GET /settings/logo': 'the logo image itself; the header that shows it is checked on every page',
  'GET /admin/policies/:slug/versions/:id': 'a policy version\'s exact text as a Markdown download',
  'GET /admin/policies/:slug/export.csv': 'a CSV download',
  'GET /reports/policies/:slug/export.csv': 'a CSV download',
  'GET /auth/oidc/login': 'a redirect to the OpenID provider (test/integration/oidc-sign-in.test.ts, oidc.e2e.test.ts)',
  'GET /auth/oidc/callback': 'the OpenID provider\'s answer: a redirect, or the plain message page (checked here as other messages are) with the refusal',
  'GET /resume': 'shown once, after signing in again when a form was refused because the session had ended (test/unit/signed-out.test.ts, quiz-answers e2e); otherwise a redirect',
};

/** Each page route and the name under which this file checks it. */
const VISITED: Record<string, string> = {
  'GET /': 'home',
  'GET /login': 'login',
  'GET /password/forgot': 'forgot-password',
  'GET /password/:token': 'set-password',
  'GET /setup/:token': 'setup',
  'GET /courses/:courseId': 'course',
  'GET /courses/:courseId/lessons/:lessonId': 'lesson',
  'GET /courses/:courseId/lessons/:lessonId/play': 'scene',
  'GET /courses/:courseId/lessons/:lessonId/answers/:answerId': 'feedback',
  'GET /courses/:courseId/quiz': 'quiz-start',
  'GET /courses/:courseId/quiz/attempts/:attemptId': 'quiz',
  'GET /courses/:courseId/quiz/attempts/:attemptId/result': 'result',
  'GET /courses/:courseId/attest/:attemptId': 'attestation',
  'GET /transcript': 'transcript',
  'GET /account/email': 'email-preference',
  'GET /verify': 'verify-form',
  'GET /verify/:code': 'verify',
  'GET /team': 'team',
  'GET /reports': 'report',
  'GET /team/people/:id': 'team-person',
  'GET /admin/users': 'people-list',
  'GET /admin/users/new': 'person-form',
  'GET /admin/users/:id': 'admin-person',
  'GET /admin/departments': 'departments',
  'GET /admin/import': 'import',
  'GET /admin/completions/import': 'completions-import',
  'GET /admin/audit': 'audit-log',
  'GET /admin/settings': 'settings',
  'GET /admin/notifications': 'notifications',
  'GET /admin/notifications/templates/:stage': 'notification-template',
  'GET /admin/assignments': 'assignments',
  'GET /admin/assignments/:id/edit': 'assignment-edit',
  'GET /admin/users/:id/assignments': 'person-assignments',
  'GET /admin/policies': 'policies',
  'GET /admin/outbox': 'outbox',
  'GET /admin/policies/new': 'policy-form',
  'GET /admin/policies/:slug': 'policy',
  'GET /policies/:slug': 'policy-read',
  'GET /reports/policies/:slug': 'policy-report',
};

/** Page states that no GET route names on its own: answers to a POST, and the error pages. */
const STATES = ['import-errors', 'import-done', 'error-404', 'setup-gone', 'quiz-question', 'policy-preview'];

let server: Server;
let browser: Browser;
let links: Map<string, string>;
const checked = new Set<string>();

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: WIDTHS[0], height: 800 } });
  return context.newPage();
}

/** The layout facts the checks need, measured in the page at its current width. */
function measure(page: Page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    const header = document.querySelector('.site-header')!.getBoundingClientRect();
    const first = document.querySelector('main')!.firstElementChild;
    return {
      overflow: root.scrollWidth - root.clientWidth,
      // The widest element, to name the culprit when the page does overflow.
      widest: [...document.querySelectorAll('main *, header *')].map((el) => ({ el, right: el.getBoundingClientRect().right }))
        .filter((x) => x.right > root.clientWidth).slice(-1).map((x) => `${x.el.tagName.toLowerCase()}.${x.el.className} ${x.el.textContent?.slice(0, 40)}`)[0] ?? '',
      gap: first ? Math.round(first.getBoundingClientRect().top - header.bottom) : 0,
      // Wide tables must be marked to become cards, with a label on every cell, and be cards here.
      wideTables: [...document.querySelectorAll('main table:not(.cards-sm)')].filter((t) => (t.querySelector('tr')?.children.length ?? 0) > 3).length,
      unlabeled: document.querySelectorAll('table.cards-sm > tbody > tr > td:not([data-label])').length,
      notCards: [...document.querySelectorAll('table.cards-sm > tbody > tr')].filter((tr) => getComputedStyle(tr).display !== 'block').length,
    };
  });
}

/** Every width: no sideways scroll, content clear of the header bar, zero axe violations. */
async function check(page: Page, name: string) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    const m = await measure(page);
    expect({ name, width, overflow: m.overflow > 0 ? `${m.overflow}px, e.g. ${m.widest}` : 0 }).toEqual({ name, width, overflow: 0 });
    // 1.5rem of padding above the first thing in <main>; the heading used to touch the header (0 px).
    expect({ name, width, clearOfHeader: m.gap >= 20 }).toEqual({ name, width, clearOfHeader: true });
    expect({ name, width, wideTables: m.wideTables, unlabeled: m.unlabeled, notCards: m.notCards }).toEqual({ name, width, wideTables: 0, unlabeled: 0, notCards: 0 });
    expect({ name, width, violations: await axeViolations(page) }).toEqual({ name, width, violations: [] });
  }
  checked.add(name);
}

async function visit(page: Page, path: string, name: string, status = 200) {
  const res = await page.goto(`${server.baseUrl}${path}`);
  expect({ path, status: res!.status() }).toEqual({ path, status });
  await check(page, name);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${server.baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

/** Plays every lesson over HTTP in the page's own session (its cookies), choosing the best answers. */
async function finishLessons(request: APIRequestContext) {
  for (const lesson of course.lessons) {
    for (let guard = 0; guard < 40; guard += 1) {
      const play = await request.get(`${server.baseUrl}/courses/${course.id}/lessons/${lesson.id}/play`);
      const sceneId = /\/scenes\/([^"/]+)(?:\/marks)?"/.exec(await play.text())?.[1];
      if (!sceneId) break; // the lesson page: nothing left to play
      const { path, body } = rightAnswer(lesson.scenes.find((s) => s.id === sceneId)!);
      const res = await request.post(`${server.baseUrl}/courses/${course.id}/lessons/${lesson.id}/scenes/${sceneId}${path}`, {
        data: `_csrf=${encodeURIComponent(csrfOf(await play.text()))}${body}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, maxRedirects: 0,
      });
      expect(res.status()).toBe(303);
    }
  }
}

beforeAll(async () => {
  server = await startServer();
  links = importStaff(server, [
    'employee_id,email,name,role,department,manager_email,hire_date',
    `${LONG.employeeId},${LONG.learnerEmail},${LONG.learner},learner,Nursing/${LONG.department},${LONG.managerEmail},2026-01-05`,
    `M1,${LONG.managerEmail},${LONG.manager},manager,Nursing,,2019-05-01`,
  ]);
  browser = await launchBrowser();
}, 120000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('phones: 320 and 390 px', () => {
  test('a learner with a 60-character surname: every learner page, and the certificate link in view', async () => {
    const page = await newPage();
    await visit(page, new URL(links.get(LONG.learnerEmail)!).pathname, 'set-password');
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Type the password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL('**/login?passwordSet=1');
    await check(page, 'login');
    await signIn(page, LONG.learnerEmail, PASSWORD);
    await check(page, 'home');
    await visit(page, `/courses/${course.id}`, 'course');
    const first = course.lessons[0]!;
    await visit(page, `/courses/${course.id}/lessons/${first.id}`, 'lesson');
    await visit(page, `/courses/${course.id}/lessons/${first.id}/play`, 'scene');
    await page.locator('input[name="choice"]').first().check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL('**/answers/**');
    await check(page, 'feedback');

    await finishLessons(page.request);
    await visit(page, `/courses/${course.id}/quiz`, 'quiz-start');
    await page.getByRole('button', { name: 'Start the quiz' }).click();
    await page.waitForURL(/\/quiz\/attempts\/\d+$/);
    await check(page, 'quiz');
    await visit(page, `${new URL(page.url()).pathname}?q=2`, 'quiz-question');
    // Submitted over HTTP with the right answers, so the result leads on to the attestation.
    const attemptPath = new URL(page.url()).pathname;
    const html = await (await page.request.get(`${server.baseUrl}${attemptPath}`)).text();
    const served = [...new Set([...html.matchAll(/name="q_([^"]+)"/g)].map((m) => m[1]!))];
    const body = new URLSearchParams({ _csrf: csrfOf(html) });
    for (const id of served) for (const c of course.questions.find((q) => q.id === id)!.choices.filter((x) => x.correct)) body.append(`q_${id}`, c.id);
    const submitted = await page.request.post(`${server.baseUrl}${attemptPath}`, {
      data: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, maxRedirects: 0,
    });
    expect(submitted.status()).toBe(303);
    await visit(page, `${attemptPath}/result`, 'result');
    await page.getByRole('link', { name: /confirm the policy/ }).click();
    await check(page, 'attestation');
    await page.getByRole('checkbox', { name: /I have read the/ }).check();
    await page.getByLabel('Type your full name as your signature').fill(LONG.learner);
    await page.getByRole('button', { name: 'Sign and finish' }).click();
    await page.waitForURL('**/transcript');
    await check(page, 'transcript');

    // The download sits inside the viewport at both widths: no sideways scrolling needed to reach it.
    const download = page.getByRole('link', { name: /Download PDF/ });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await download.scrollIntoViewIfNeeded();
      const box = (await download.boundingBox())!;
      const scrollX = await page.evaluate(() => window.scrollX);
      expect({ width, scrollX, inView: box.x >= 0 && box.x + box.width <= width }).toEqual({ width, scrollX: 0, inView: true });
    }
    const code = (await page.locator('td code').first().innerText()).trim();
    await visit(page, '/account/email', 'email-preference');
    const anon = await newPage();
    await visit(anon, `/verify/${code}`, 'verify');
    await expect(anon.getByText(LONG.learner).isVisible()).resolves.toBe(true);
    await visit(anon, '/verify', 'verify-form');
    await visit(anon, '/password/forgot', 'forgot-password');
    await visit(anon, '/no/such/page', 'error-404', 404);
    await visit(anon, '/setup/not-a-real-setup-token', 'setup-gone', 410);
    await anon.context().close();
    await page.context().close();
  });

  test('an admin: people, person pages, imports, reports and the audit log, with the long names in them', async () => {
    const page = await newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    await visit(page, '/admin/users', 'people-list');
    await expect(page.getByRole('link', { name: LONG.learner }).isVisible()).resolves.toBe(true);
    const learnerId = (await page.getByRole('link', { name: LONG.learner }).getAttribute('href'))!.split('/').pop()!;
    await visit(page, '/admin/users/new', 'person-form');
    await visit(page, `/admin/users/${learnerId}`, 'admin-person');
    await visit(page, `/team/people/${learnerId}`, 'team-person');
    await visit(page, '/admin/departments', 'departments');
    await visit(page, '/team', 'team');
    await visit(page, '/reports', 'report');
    await expect(page.getByRole('link', { name: LONG.manager }).isVisible()).resolves.toBe(true);
    await visit(page, '/admin/audit', 'audit-log');
    await visit(page, '/admin/outbox', 'outbox');
    await visit(page, '/admin/settings', 'settings');
    await visit(page, '/admin/notifications', 'notifications');
    await visit(page, '/admin/notifications/templates/digest', 'notification-template');
    await visit(page, '/admin/assignments', 'assignments');
    await visit(page, `/admin/users/${learnerId}/assignments`, 'person-assignments');
    await visit(page, '/admin/policies/new', 'policy-form');
    await page.getByLabel('Short name').fill('social-media');
    await page.getByLabel('Title').fill(`Social media and ${LONG.department}`);
    await page.getByLabel('Version label').fill('1');
    await page.getByLabel('Policy text').fill(`# Posting\n\nNever post photos from ${LONG.department}.\n\n- ${unbroken('Nophotosofpatients')}`);
    await page.getByLabel(/Material change/).check();
    await page.getByLabel('What changed and why').fill('First version.');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('heading', { name: /^Preview/ }).waitFor();
    await check(page, 'policy-preview');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL('**/admin/policies/social-media');
    await check(page, 'policy');
    await visit(page, '/admin/policies', 'policies');
    await visit(page, '/policies/social-media', 'policy-read');
    await visit(page, '/reports/policies/social-media', 'policy-report');
    await visit(page, '/admin/completions/import', 'completions-import');
    await visit(page, '/admin/import', 'import');
    const header = 'employee_id,email,name,role,department,manager_email,hire_date';
    const bad = `${header}\n${LONG.employeeId}X,not-an-email-${unbroken('x')},${LONG.learner},learner,${LONG.department},,2026-02-30\n`;
    await page.getByLabel('CSV file').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('alert').waitFor();
    await check(page, 'import-errors');
    const good = `${header}\nL2,${unbroken('second.longname')}@riverside.example,Ines ${unbroken('Scherbakovaandreyevnavasilchikova')},learner,${LONG.department},,\n`;
    await page.getByLabel('CSV file').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor();
    await check(page, 'import-done');
    // Last, as a rule replaces the default of every course to everyone: one saved with a long name, then its edit page (and versions).
    await visit(page, '/admin/assignments', 'assignments');
    await page.getByLabel('Name').fill(`Privacy for ${LONG.department}`);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL('**/admin/assignments');
    const edit = (await page.getByRole('link', { name: /^Edit/ }).first().getAttribute('href'))!;
    await visit(page, edit, 'assignment-edit');
    await page.context().close();
  });

  test('first start without an admin: the setup page', async () => {
    const fresh = await startServer({ ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
    try {
      const link = /\/setup\/[A-Za-z0-9_-]+/.exec(fresh.output())![0];
      const page = await newPage();
      const res = await page.goto(`${fresh.baseUrl}${link}`);
      expect(res!.status()).toBe(200);
      await check(page, 'setup');
      await page.context().close();
    } finally {
      await fresh.stop();
    }
  });

  test('every GET route is a page checked above or excluded with a reason', async () => {
    const t = await buildTestApp();
    try {
      const gets = routeTable(t.app).filter((r) => r.startsWith('GET '));
      expect(gets.filter((r) => !(r in VISITED) && !(r in EXCLUDED))).toEqual([]);
      expect([...Object.keys(VISITED), ...Object.keys(EXCLUDED)].filter((r) => !gets.includes(r))).toEqual([]);
      expect([...Object.values(VISITED), ...STATES].filter((name) => !checked.has(name))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
