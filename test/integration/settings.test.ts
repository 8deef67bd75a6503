import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { PLAIN_SVG, solidPng } from '../helpers/images';
import { completeCourse, passCourseQuiz } from '../helpers/learner';
import { downloadPdf } from '../helpers/pdf';
import { pixelAt } from '../helpers/raster';

// Issue 14: settings in the app. An admin changes the organisation name, logo, contacts, the policy
// text signed at attestation and the public address; pages, certificates and evidence packs follow at
// once, every change is audited, bad input changes nothing, and nobody else may open the page.

let t: TestApp;
let admin: Agent;

const tokenOn = async (agent: Agent, page = '/admin/settings') => csrfFrom((await agent.get(page)).text);
const settingsForm = (over: Record<string, string> = {}) => ({
  org_name: 'Riverside General', privacy_officer_name: '', privacy_officer_email: '', privacy_officer_phone: '', hotline: '', base_url: '', ...over,
});
const events = (action: string) => t.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();
/** Every table's row count and the settings rows: "nothing changed" is checked against all of it. */
const state = async () => JSON.stringify({
  settings: await t.db.selectFrom('settings').selectAll().orderBy('key').execute(),
  logo: await t.db.selectFrom('organisation_logo').select(['sha256']).execute(),
  policies: await t.db.selectFrom('policy_texts').select(['version']).execute(),
  audit: (await t.db.selectFrom('audit_events').select('id').execute()).length,
});
const uploadLogo = async (agent: Agent, data: Buffer, filename: string, type = 'application/octet-stream') =>
  agent.post('/admin/settings/logo').field('_csrf', await tokenOn(agent)).attach('file', data, { filename, contentType: type });

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
});
afterAll(async () => { await t.close(); });

describe('settings page access', () => {
  test('learners, managers and auditors get 403 on the page and on every settings form; anonymous visitors are sent to sign in', async () => {
    for (const role of ['learner', 'manager', 'auditor'] as const) {
      await createPerson(t.db, t.clock, { email: `${role}.s@riverside.example`, role });
      const agent = newAgent(t.app);
      await signIn(agent, `${role}.s@riverside.example`, GOOD_PASSWORD);
      expect((await agent.get('/admin/settings')).status).toBe(403);
      const token = await tokenOn(agent, '/transcript');
      for (const url of ['/admin/settings', '/admin/settings/policy', '/admin/settings/logo', '/admin/settings/logo/remove']) {
        const res = await agent.post(url).type('form').send({ _csrf: token, ...settingsForm({ org_name: 'Hijacked' }), policy_title: 'X', policy_text: 'Y', remove: 'yes' });
        expect([role, url, res.status]).toEqual([role, url, 403]);
      }
      expect((await agent.get('/')).text).not.toContain('href="/admin/settings"');
    }
    expect(await t.db.selectFrom('settings').selectAll().execute()).toEqual([]);
    const anon = await newAgent(t.app).get('/admin/settings');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fadmin%2Fsettings');
    expect((await admin.get('/')).text).toContain('href="/admin/settings"');
  });
});

describe('organisation name, contacts and base URL', () => {
  test('bad input (bad URL, bad email, bad phone, empty name) gets a message beside the field and changes nothing', async () => {
    const before = await state();
    const cases: [Record<string, string>, string][] = [
      [{ base_url: 'training.riverside.example' }, 'Enter the address staff open'],
      [{ base_url: 'javascript:alert(1)' }, 'Enter the address staff open'],
      [{ base_url: 'https://user:pw@training.riverside.example' }, 'without ?, # or a user name'],
      [{ privacy_officer_email: 'privacy at riverside' }, 'Enter a valid email address'],
      [{ privacy_officer_phone: 'call me maybe' }, 'Enter a phone number'],
      [{ org_name: '   ' }, 'Enter the organisation'],
    ];
    for (const [over, message] of cases) {
      const res = await admin.post('/admin/settings').type('form').send({ _csrf: await tokenOn(admin), ...settingsForm(over) });
      expect([over, res.status]).toEqual([over, 400]);
      expect(res.text).toContain(message);
      expect(res.text).toContain('aria-invalid="true"');
    }
    expect(await state()).toBe(before);
  });

  test('a new organisation name shows on the next page, the certificate and the evidence pack; the QR link uses the new base URL; the change is audited', async () => {
    const course = t.catalogue.courses[0]!;
    const learner = await createPerson(t.db, t.clock, { email: 'lena@riverside.example', name: 'Lena Learner', department: 'Nursing' });
    const agent = newAgent(t.app);
    await signIn(agent, 'lena@riverside.example', GOOD_PASSWORD);
    await completeCourse(agent, course, 'Lena Learner', t.clock);
    admin = newAgent(t.app); // the lessons took longer than the idle limit on the test clock
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    const cert = await t.db.selectFrom('certificates').select(['id', 'code']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const before = await downloadPdf(admin, `/certificates/${cert.id}.pdf`);
    expect(before.text).toContain('Riverside General');
    expect(before.text).toContain(`http://127.0.0.1:3000/verify/${cert.code}`);

    const saved = await admin.post('/admin/settings').type('form').send({
      _csrf: await tokenOn(admin),
      ...settingsForm({ org_name: 'Lakeside Regional Health', privacy_officer_name: 'Priya Officer', privacy_officer_email: 'privacy@lakeside.example',
        privacy_officer_phone: '+1 555 0100 x12', hotline: '1-800-555-0199', base_url: 'https://training.lakeside.example/' }),
    });
    expect(saved.status).toBe(303);
    const page = await admin.get('/admin/settings');
    expect(page.text).toContain('Saved: organisation name, privacy officer, privacy officer email');
    expect(page.text).toMatch(/<span class="org">· Lakeside Regional Health<\/span>/);
    expect(page.text).toContain('value="https://training.lakeside.example"');
    // The learner's next page, in another session, already shows it, with the privacy contact in the footer.
    const learnerPage = (await agent.get('/transcript')).text;
    expect(learnerPage).toContain('· Lakeside Regional Health</span>');
    expect(learnerPage).toContain('Privacy questions or a concern to report: Priya Officer, Privacy Officer · <a href="mailto:privacy@lakeside.example">privacy@lakeside.example</a> · ' +
      '<a href="tel:+15550100">+1 555 0100 x12</a> · Anonymous hotline: 1-800-555-0199');
    expect((await newAgent(t.app).get('/login')).text).not.toContain('Privacy questions');

    const after = await downloadPdf(admin, `/certificates/${cert.id}.pdf`);
    expect(after.text).toContain('Lakeside Regional Health');
    expect(after.text).not.toContain('Riverside General');
    expect(after.text).toContain(`https://training.lakeside.example/verify/${cert.code}`);
    const pack = await downloadPdf(admin, `/reports/evidence.pdf?person=${learner.id}`);
    expect(pack.status).toBe(200);
    expect(pack.text).toContain('Lakeside Regional Health');
    expect(pack.text).not.toContain('Riverside General');

    const [event] = await events('settings.updated');
    expect(event!.actor_label).toBe('admin@riverside.example');
    expect(JSON.parse(event!.details)).toEqual({
      org_name: { from: 'Riverside General', to: 'Lakeside Regional Health' },
      privacy_officer_name: { from: '', to: 'Priya Officer' },
      privacy_officer_email: { from: '', to: 'privacy@lakeside.example' },
      privacy_officer_phone: { from: '', to: '+1 555 0100 x12' },
      hotline: { from: '', to: '1-800-555-0199' },
      base_url: { from: '', to: 'https://training.lakeside.example' },
    });
    // The same values again change nothing and write no event.
    const again = await admin.post('/admin/settings').type('form').send({
      _csrf: await tokenOn(admin),
      ...settingsForm({ org_name: 'Lakeside Regional Health', privacy_officer_name: 'Priya Officer', privacy_officer_email: 'privacy@lakeside.example',
        privacy_officer_phone: '+1 555 0100 x12', hotline: '1-800-555-0199', base_url: 'https://training.lakeside.example' }),
    });
    expect(again.status).toBe(303);
    expect((await admin.get('/admin/settings')).text).toContain('Nothing was changed.');
    expect(await events('settings.updated')).toHaveLength(1);
    // Password links follow the base URL too.
    const linked = await admin.post(`/admin/users/${learner.id}/password-link`).type('form').send({ _csrf: await tokenOn(admin) });
    expect(linked.text).toMatch(/https:\/\/training\.lakeside\.example\/password\/[A-Za-z0-9_-]{43}/);
  }, 60_000);
});

describe('logo', () => {
  test('an oversized file, a non-image named .png, an SVG with a script and an empty upload are refused with a message and change nothing', async () => {
    const before = await state();
    const big = Buffer.concat([solidPng(4, 4), Buffer.alloc(201 * 1024, 0x20)]);
    const cases: [Buffer, string, string][] = [
      [big, 'logo.png', 'the largest allowed is 200 KB'],
      [Buffer.from('name,email\nAda,ada@example.org\n'), 'logo.png', 'not a PNG or SVG image'],
      [Buffer.from('GIF89a\x01\x00\x01\x00'), 'logo.svg', 'not a PNG or SVG image'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'logo.svg', 'contains a script'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'), 'logo.svg', 'an event attribute'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>'), 'logo.svg', 'a link to another file or site'],
    ];
    for (const [data, name, message] of cases) {
      const res = await uploadLogo(admin, data, name, name.endsWith('.png') ? 'image/png' : 'image/svg+xml');
      expect([name, message, res.status]).toEqual([name, message, 400]);
      expect(res.text).toContain(message);
    }
    const empty = await admin.post('/admin/settings/logo').field('_csrf', await tokenOn(admin));
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Choose the logo file');
    expect(await state()).toBe(before);
    expect((await newAgent(t.app).get('/settings/logo')).status).toBe(404);
  });

  test('a PNG logo shows in the header of the next page, is served by content (not by its file name), and is audited; an SVG replaces it and is served sandboxed', async () => {
    const png = solidPng(64, 32);
    // Named .svg and sent as text/plain: the content decides.
    const res = await uploadLogo(admin, png, 'logo.svg', 'text/plain');
    expect(res.status).toBe(303);
    const page = await admin.get('/admin/settings');
    expect(page.text).toContain('The logo was saved (PNG)');
    const src = /<img class="brand-logo" src="([^"]+)" alt="">/.exec(page.text)?.[1];
    expect(src).toMatch(/^\/settings\/logo\?v=[0-9a-f]{16}$/);
    // The sign-in page (no one signed in) shows it too.
    expect((await newAgent(t.app).get('/login')).text).toContain(`src="${src}"`);
    const served = await newAgent(t.app).get(src!).buffer(true);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(served.body as Buffer, png)).toBe(0);
    const [changed] = await events('settings.logo_changed');
    expect(JSON.parse(changed!.details)).toMatchObject({ type: 'png', bytes: png.length, previous: null });
    // What the PDF renderers are handed: the name and the very bytes uploaded.
    expect(await t.services.settings.organisation()).toEqual({ orgName: 'Lakeside Regional Health', logo: { type: 'png', data: png } });

    expect((await uploadLogo(admin, Buffer.from(PLAIN_SVG), 'logo.png', 'image/png')).status).toBe(303);
    const svg = await newAgent(t.app).get('/settings/logo').buffer(true);
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.headers['content-security-policy']).toContain('sandbox');
    expect(svg.headers['content-security-policy']).toContain("default-src 'none'");
    expect(svg.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.from(svg.body as Buffer).toString('utf8')).toBe(PLAIN_SVG);
    const [, second] = await events('settings.logo_changed');
    expect(JSON.parse(second!.details)).toMatchObject({ type: 'svg', previous: JSON.parse(changed!.details).sha256 });
    const newSrc = /<img class="brand-logo" src="([^"]+)"/.exec((await admin.get('/')).text)?.[1];
    expect(newSrc).not.toBe(src);

    const removed = await admin.post('/admin/settings/logo/remove').type('form').send({ _csrf: await tokenOn(admin) });
    expect(removed.status).toBe(303);
    expect((await admin.get('/admin/settings')).text).toContain('The logo was removed.');
    expect((await admin.get('/')).text).not.toContain('brand-logo');
    expect(await t.services.settings.organisation()).toEqual({ orgName: 'Lakeside Regional Health' });
    expect(await events('settings.logo_removed')).toHaveLength(1);
  });

  test('a logo uploaded in settings prints at the top of the next certificate and evidence pack', async () => {
    const cert = await t.db.selectFrom('certificates').select(['id']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const learner = await t.db.selectFrom('users').select('id').where('email', '=', 'lena@riverside.example').executeTakeFirstOrThrow();
    const orange: [number, number, number] = [240, 120, 20];
    const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 8);
    const certificate = async () => (await downloadPdf(admin, `/certificates/${cert.id}.pdf`)).bytes;
    const pack = async () => (await downloadPdf(admin, `/reports/evidence.pdf?person=${learner.id}`)).bytes;
    // Before: white where the logo goes (the certificate's logo box is centred at the top, the pack's at its top left).
    expect(near(await pixelAt(await certificate(), 396, 72), orange)).toBe(false);
    expect(near(await pixelAt(await pack(), 100, 58), orange)).toBe(false);
    expect((await uploadLogo(admin, solidPng(40, 20, orange), 'logo.png', 'image/png')).status).toBe(303);
    expect(near(await pixelAt(await certificate(), 396, 72), orange)).toBe(true);
    expect(near(await pixelAt(await pack(), 100, 58), orange)).toBe(true);
  });
});

describe('policy text versions', () => {
  test('a policy change makes a new version: the next attestation signs it, earlier attestations keep theirs, and the change is audited', async () => {
    const course = t.catalogue.courses[0]!;
    const save = async (title: string, text: string) =>
      admin.post('/admin/settings/policy').type('form').send({ _csrf: await tokenOn(admin), course_id: course.id, policy_title: title, policy_text: text });
    const bad = await save('Lakeside Privacy Policy', '   ');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter the policy text');
    expect(await t.db.selectFrom('policy_texts').selectAll().execute()).toEqual([]);

    expect((await save('Lakeside Privacy Policy', 'Version one.\r\n\r\nNo photos of patients.')).status).toBe(303);
    expect((await admin.get('/admin/settings')).text).toContain(html(`Policy version 1 saved for ${course.title}.`));
    const first = await createPerson(t.db, t.clock, { email: 'first@riverside.example', name: 'Fern First' });
    const a = newAgent(t.app);
    await signIn(a, 'first@riverside.example', GOOD_PASSWORD);
    await completeCourse(a, course, 'Fern First', t.clock);

    admin = newAgent(t.app);
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    expect((await save('Lakeside Privacy Policy', 'Version two.\n\nNo photos of patients, and no posts about shifts.')).status).toBe(303);
    // The same text again is no new version.
    expect((await save('Lakeside Privacy Policy', 'Version two.\n\nNo photos of patients, and no posts about shifts.')).status).toBe(303);
    expect((await admin.get('/admin/settings')).text).toContain('nothing was changed');
    expect((await t.db.selectFrom('policy_texts').select('version').execute()).map((r) => r.version)).toEqual([1, 2]);

    await createPerson(t.db, t.clock, { email: 'second@riverside.example', name: 'Sid Second' });
    const b = newAgent(t.app);
    await signIn(b, 'second@riverside.example', GOOD_PASSWORD);
    const attemptId = await passCourseQuiz(b, course, t.clock);
    const attestPage = await b.get(`/courses/${course.id}/attest/${attemptId}`);
    expect(attestPage.text).toContain('no posts about shifts');
    expect(attestPage.text).toContain('(version 2)');
    expect(attestPage.text).not.toContain('Version one.');
    const done = await b.post(`/courses/${course.id}/attest/${attemptId}`).type('form').send({ _csrf: csrfFrom(attestPage.text), agree: 'yes', typed_name: 'Sid Second' });
    expect(done.status).toBe(303);

    const rows = await t.db.selectFrom('attestations').innerJoin('users', 'users.id', 'attestations.user_id')
      .select(['users.email', 'attestations.policy_title', 'attestations.policy_version', 'attestations.policy_text_version']).orderBy('attestations.id').execute();
    const mine = (email: string) => rows.find((r) => r.email === email);
    expect(mine('first@riverside.example')).toEqual({ email: 'first@riverside.example', policy_title: 'Lakeside Privacy Policy', policy_version: '1', policy_text_version: 1 });
    expect(mine('second@riverside.example')).toEqual({ email: 'second@riverside.example', policy_title: 'Lakeside Privacy Policy', policy_version: '2', policy_text_version: 2 });
    // Lena's attestation (the test above, before any settings version) keeps the course file's policy.
    expect(mine('lena@riverside.example')).toMatchObject({ policy_title: course.policy.title, policy_version: course.policy.version, policy_text_version: null });
    // The text each version signed is kept.
    expect((await t.db.selectFrom('policy_texts').select('text').where('version', '=', 1).executeTakeFirstOrThrow()).text).toBe('Version one.\n\nNo photos of patients.');

    admin = newAgent(t.app);
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    const certOf = async (userId: number) => (await t.db.selectFrom('certificates').innerJoin('completions', 'completions.id', 'certificates.completion_id')
      .select('certificates.id').where('completions.user_id', '=', userId).executeTakeFirstOrThrow()).id;
    const firstCert = await downloadPdf(admin, `/certificates/${await certOf(first.id)}.pdf`);
    expect(firstCert.text).toContain('Attested to the Lakeside Privacy Policy (version 1)');

    // A page opened before a change cannot sign the newer text: the person is told and reads it first.
    await createPerson(t.db, t.clock, { email: 'third@riverside.example', name: 'Tia Third' });
    const c = newAgent(t.app);
    await signIn(c, 'third@riverside.example', GOOD_PASSWORD);
    const thirdAttempt = await passCourseQuiz(c, course, t.clock);
    const stale = await c.get(`/courses/${course.id}/attest/${thirdAttempt}`);
    expect(stale.text).toContain('(version 2)');
    admin = newAgent(t.app);
    await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
    expect((await save('Lakeside Privacy Policy', 'Version three.\n\nNo posts about patients at all.')).status).toBe(303);
    const refused = await c.post(`/courses/${course.id}/attest/${thirdAttempt}`).type('form')
      .send({ _csrf: csrfFrom(stale.text), agree: 'yes', typed_name: 'Tia Third', policy_shown: /name="policy_shown" value="([^"]+)"/.exec(stale.text)![1]! });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('The policy was changed (it is now version 3) while this page was open.');
    expect(refused.text).toContain('No posts about patients at all.');
    const fresh = /name="policy_shown" value="([^"]+)"/.exec(refused.text)![1]!;
    expect((await c.post(`/courses/${course.id}/attest/${thirdAttempt}`).type('form')
      .send({ _csrf: csrfFrom(refused.text), agree: 'yes', typed_name: 'Tia Third', policy_shown: fresh })).status).toBe(303);
    expect(await t.db.selectFrom('attestations').innerJoin('users', 'users.id', 'attestations.user_id').select('attestations.policy_text_version')
      .where('users.email', '=', 'third@riverside.example').execute()).toEqual([{ policy_text_version: 3 }]);

    const changes = await events('settings.policy_changed');
    expect(changes.map((e) => JSON.parse(e.details)).map((d: { version: number; previous: number | null }) => [d.version, d.previous])).toEqual([[1, null], [2, 1], [3, 2]]);
    expect(changes.every((e) => e.actor_label === 'admin@riverside.example')).toBe(true);
  }, 90_000);
});
