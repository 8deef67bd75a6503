import crypto from 'node:crypto';
import fs from 'node:fs';
import { buildTestApp, type TestApp } from '../helpers/app';
import { copyFixture, mutateYaml } from '../helpers/content';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';
import { answer, passCourseQuiz, sceneIdOn } from '../helpers/learner';
import type { Course } from '../../server/content/catalogue';

// Issue 15: course text names the organisation's contacts by placeholder, filled from the settings when
// a page is shown; unset contacts read neutrally (with a marker for admins); the policy is kept as signed.
// The fixture course gets the placeholders here, so nothing depends on the shipped course's wording.

type Doc = Record<string, unknown>;
type Scene = { narrative: string; choices: { id: string; outcome: string; feedback: string }[] };

let t: TestApp;
let dir: string;
let course: Course;
let admin: Agent;
let people = 0;

beforeAll(async () => {
  dir = copyFixture();
  mutateYaml(dir, 'lessons/one.yaml', (d: Doc) => {
    d.intro = '{{privacy_officer}} answers questions at {{privacy_officer_phone}} or {{privacy_officer_email}}. {{hotline}} takes anonymous reports for {{organisation}}.';
    const scene = (d.scenes as Scene[])[0]!;
    scene.narrative = 'A colleague asks about a patient in the lift. Later you will tell {{privacy_officer}}.';
    scene.choices.find((c) => c.outcome === 'best')!.feedback = 'Good. If anything was overheard, call {{ hotline }}.';
  });
  mutateYaml(dir, 'course.yaml', (d: Doc) => {
    (d.policy as Doc).text = 'Keep patient information private.\n\nReport every concern to {{privacy_officer}} at {{privacy_officer_phone}}.';
  });
  t = await buildTestApp({ CONTENT_DIR: dir });
  course = t.catalogue.get('mini')!;
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function saveContacts(values: Record<string, string>): Promise<void> {
  const page = await admin.get('/admin/settings');
  const res = await admin.post('/admin/settings').type('form').send({
    _csrf: csrfFrom(page.text), org_name: 'Riverside General', privacy_officer_name: '', privacy_officer_email: '', privacy_officer_phone: '', hotline: '', base_url: '', ...values,
  });
  expect(res.status).toBe(303);
}

async function newLearner(role: 'learner' | 'admin' = 'learner'): Promise<Agent> {
  people += 1;
  await createPerson(t.db, t.clock, { email: `learner${people}@riverside.example`, name: `Lee Learner${people}`, role });
  const agent = newAgent(t.app);
  await signIn(agent, `learner${people}@riverside.example`, GOOD_PASSWORD);
  return agent;
}

/** The lesson intro, the first scene and the best choice's feedback, as this person sees them. */
async function lessonPages(agent: Agent): Promise<string> {
  const intro = (await agent.get('/courses/mini/lessons/one')).text;
  const scene = (await agent.get('/courses/mini/lessons/one/play')).text;
  expect(sceneIdOn(scene)).toBe('start');
  const { res } = await answer(agent, course, 'one', 'best');
  const feedback = (await agent.get(res.headers.location!.replace('#feedback', ''))).text;
  return [intro, scene, feedback].join('\n');
}

const ATTESTED_HASH = (title: string, version: string, html: string) => crypto.createHash('sha256').update(`${title}\n${version}\n${html}`).digest('hex');

describe('contacts in course text', () => {
  test('unset contacts read neutrally for a learner, with a "not configured" link to the settings for an admin', async () => {
    const learner = await lessonPages(await newLearner());
    expect(learner).toContain('<p>Your privacy officer answers questions at your privacy officer\'s phone number or your privacy officer\'s email address. The privacy hotline takes anonymous reports for Riverside General.</p>');
    expect(learner).toContain('Later you will tell your privacy officer.');
    expect(learner).toContain('If anything was overheard, call the privacy hotline.');
    expect(learner).not.toContain('{{');
    expect(learner).not.toContain('not configured');

    const forAdmin = await lessonPages(await newLearner('admin'));
    expect(forAdmin).toContain('Your privacy officer <a class="not-configured" href="/admin/settings">(not configured<span class="visually-hidden">: set it in the settings</span>)</a> answers questions');
    expect(forAdmin).toContain('call the privacy hotline <a class="not-configured" href="/admin/settings">(not configured<span class="visually-hidden">: set it in the settings</span>)</a>.');
    expect(forAdmin).not.toContain('{{');
  });

  test('configured contacts appear in the lesson, escaped, with the phone numbers as tel: links and the email as mailto:', async () => {
    await saveContacts({
      privacy_officer_name: 'Noor <b>Haddad</b> & "team"', privacy_officer_phone: '+1 (555) 010-0199 x12', privacy_officer_email: 'privacy@lakeside.example',
      hotline: '1-800-555-0199', org_name: 'Lakeside <Regional>',
    });
    for (const agent of [await newLearner(), await newLearner('admin')]) {
      const pages = await lessonPages(agent);
      expect(pages).toContain('<p>Noor &lt;b&gt;Haddad&lt;/b&gt; &amp; &quot;team&quot; answers questions at <a href="tel:+15550100199">+1 (555) 010-0199 x12</a> or '
        + '<a href="mailto:privacy@lakeside.example">privacy@lakeside.example</a>. <a href="tel:18005550199">1-800-555-0199</a> takes anonymous reports for Lakeside &lt;Regional&gt;.</p>');
      expect(pages).toContain('call <a href="tel:18005550199">1-800-555-0199</a>.');
      expect(pages).not.toContain('<b>Haddad');
      expect(pages).not.toContain('not configured');
    }
    // A hotline that is not a phone number (a web form, a name) is plain text.
    await saveContacts({ hotline: 'the Ethics Line <web form>' });
    const pages = await lessonPages(await newLearner());
    expect(pages).toContain('call the Ethics Line &lt;web form&gt;.');
  });

  test('the policy shows the configured contacts; the text as signed is kept with its hash, and a later change of contact does not rewrite it', async () => {
    await saveContacts({ privacy_officer_name: 'Noor Haddad', privacy_officer_phone: '555-0100' });
    const first = await newLearner();
    const attemptId = await passCourseQuiz(first, course, t.clock);
    const page = await first.get(`/courses/mini/attest/${attemptId}`);
    expect(page.text).toContain('<p>Report every concern to Noor Haddad at <a href="tel:5550100">555-0100</a>.</p>');
    expect((await first.post(`/courses/mini/attest/${attemptId}`).type('form').send({ _csrf: csrfFrom(page.text), agree: 'yes', typed_name: `Lee Learner${people}` })).status).toBe(303);

    const signed = async () => t.db.selectFrom('signed_policy_texts').selectAll().orderBy('first_signed_at').orderBy('policy_hash').execute();
    const attestations = async () => t.db.selectFrom('attestations').select(['policy_hash']).orderBy('id').execute();
    const [row] = await signed();
    expect(row).toMatchObject({ title: 'Test policy', version: '1.0' });
    expect(row!.text_html).toBe('<p>Keep patient information private.</p>\n<p>Report every concern to Noor Haddad at <a href="tel:5550100">555-0100</a>.</p>\n');
    expect(row!.policy_hash).toBe(ATTESTED_HASH(row!.title, row!.version, row!.text_html));
    expect((await attestations()).map((a) => a.policy_hash)).toEqual([row!.policy_hash]);

    // The officer changes: the next signer reads and signs the new text; the first signer's text stays as it was.
    await saveContacts({ privacy_officer_name: 'Sam Ortiz', privacy_officer_phone: '555-0142' });
    const second = await newLearner();
    const secondAttempt = await passCourseQuiz(second, course, t.clock);
    const secondPage = await second.get(`/courses/mini/attest/${secondAttempt}`);
    expect(secondPage.text).toContain('Report every concern to Sam Ortiz at <a href="tel:5550142">555-0142</a>.');
    expect((await second.post(`/courses/mini/attest/${secondAttempt}`).type('form').send({ _csrf: csrfFrom(secondPage.text), agree: 'yes', typed_name: `Lee Learner${people}` })).status).toBe(303);
    const rows = await signed();
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.policy_hash === row!.policy_hash)).toEqual(row);
    const newer = rows.find((r) => r.policy_hash !== row!.policy_hash)!;
    expect(newer.text_html).toContain('Sam Ortiz');
    expect((await attestations()).map((a) => a.policy_hash)).toEqual([row!.policy_hash, newer.policy_hash]);
  });

  test('a policy page opened before a contact changed cannot sign the changed text', async () => {
    await saveContacts({ privacy_officer_name: 'Noor Haddad', privacy_officer_phone: '555-0100' });
    const agent = await newLearner();
    const attemptId = await passCourseQuiz(agent, course, t.clock);
    const stale = await agent.get(`/courses/mini/attest/${attemptId}`);
    await saveContacts({ privacy_officer_name: 'Noor Haddad', privacy_officer_phone: '555-0199' });
    const refused = await agent.post(`/courses/mini/attest/${attemptId}`).type('form')
      .send({ _csrf: csrfFrom(stale.text), agree: 'yes', typed_name: `Lee Learner${people}`, policy_shown: /name="policy_shown" value="([^"]+)"/.exec(stale.text)![1]! });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('555-0199');
  });

  test('an unset contact in the policy reads neutrally, is signed that way, and admins are told it is not configured', async () => {
    await saveContacts({});
    const learner = await newLearner();
    const attemptId = await passCourseQuiz(learner, course, t.clock);
    const page = await learner.get(`/courses/mini/attest/${attemptId}`);
    expect(page.text).toContain('Report every concern to your privacy officer at your privacy officer\'s phone number.');
    expect(page.text).not.toContain('not configured');

    const adminAttempt = await passCourseQuiz(admin, course, t.clock);
    const adminPage = await admin.get(`/courses/mini/attest/${adminAttempt}`);
    expect(adminPage.text).toContain('This policy names contacts that are not configured (privacy_officer, privacy_officer_phone)');
    expect(adminPage.text).toMatch(/<a class="not-configured" href="\/admin\/settings">Set them in the settings<\/a>/);
    // The signed text itself carries no admin marker: it is the text a learner reads.
    expect(adminPage.text).toContain('Report every concern to your privacy officer at your privacy officer\'s phone number.</p>');
  });

  test('a policy saved in settings may use the placeholders; an unknown one is refused and nothing is saved', async () => {
    // Each course has its own policy (issue 16): the form names its course in a hidden course_id field.
    const save = async (text: string, fields: Record<string, string> = { course_id: course.id }) => admin.post('/admin/settings/policy').type('form')
      .send({ _csrf: csrfFrom((await admin.get(`/admin/settings?course=${course.id}`)).text), policy_title: 'Lakeside Policy', policy_text: text, ...fields });
    const noCourse = await save('Call {{hotline}} today.', {});
    expect(noCourse.status).toBe(400);
    expect(noCourse.text).toContain('Choose the course whose policy this is.');
    const bad = await save('Call {{privacy_oficer_phone}} today.');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Unknown placeholder {{privacy_oficer_phone}}');
    expect(await t.db.selectFrom('policy_texts').selectAll().execute()).toEqual([]);
    expect((await save('Call {{hotline}} today.')).status).toBe(303);
    await saveContacts({ hotline: '555-0111' });
    const agent = await newLearner();
    const attemptId = await passCourseQuiz(agent, course, t.clock);
    expect((await agent.get(`/courses/mini/attest/${attemptId}`)).text).toContain('<p>Call <a href="tel:5550111">555-0111</a> today.</p>');
  });
});

describe('course page', () => {
  test('says the people and places are invented, and shows minutes per lesson and in all', async () => {
    const agent = await newLearner();
    const page = (await agent.get('/courses/mini')).text;
    expect(page).toContain('The people, places and situations in this course are invented. The enforcement cases are real and are named as such.');
    expect(page).toContain(`About ${5 + 4} minutes in all: 2 lessons, then the quiz.`);
    expect(page).toContain('about 5 min');
    expect(page).toContain('about 4 min');
    expect((await agent.get('/courses/mini/lessons/one')).text).toContain('The people and places in this lesson are invented');
  });
});
