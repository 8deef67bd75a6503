import { addDays } from '../../server/dates';
import { recordInPerson } from '../../server/training/record';
import type { User } from '../../server/db/schema';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn } from '../helpers/http';
import { playLesson } from '../helpers/learner';
import { startSmtpPeer, type SmtpPeer, type Received } from '../helpers/smtp-peer';

// Issue 17 "done when": the manager digest and the reminders as a real SMTP server receives them,
// parsed back with mailparser. A manager of Nursing (and its sub-departments) who also has a direct
// report in Pharmacy; people in every status, one deactivated and one outside the scope. The run is
// at 20:00 in Chicago on Monday 2 Nov 2026, when it is already Tuesday 3 Nov in UTC: every date and
// day count must be the organisation's.

const sys = { id: null, label: 'test' };
let peer: SmtpPeer;
let t: TestApp;
const who: Record<string, User> = {};
const TODAY = '2026-11-02';

beforeAll(async () => {
  peer = await startSmtpPeer();
  t = await buildTestApp({ SMTP_URL: peer.url, MAIL_FROM: 'training@riverside.example' });
  const course = t.catalogue.courses[0]!;
  // One rule for one course, so each person has one obligation, and an exemption can name it.
  const rule = await t.services.assignments.create(sys, {
    name: 'Everyone', target: { type: 'course', id: course.id }, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] }, startsOn: '2026-01-01', rolloutDays: 60, endsOn: null,
  });
  // Under a rule, onboarding is due 30 days after the person's record was added: people are added
  // on the days that put them where the test needs them, the clock moved back and forth for it.
  const DAY = 86_400_000;
  const addedDaysAgo = async (days: number, people: [string, string, string | null, string?][]) => {
    t.clock.advance(-days * DAY);
    for (const [key, name, department, managerEmail] of people) {
      who[key] = await createPerson(t.db, t.clock, { name, email: `${key}@riverside.example`, department, role: key === 'boss' ? 'manager' : 'learner', ...(managerEmail ? { managerEmail } : {}) });
    }
    t.clock.advance(days * DAY);
  };
  await addedDaysAgo(40, [
    ['boss', 'Morgan Lead', 'Nursing'], ['overdue', 'Olive Overdue', 'Nursing'], ['done', 'Dana Done', 'Nursing'], ['exempt', 'Ezra Exempt', 'Nursing'],
    ['gone', 'Gus Gone', 'Nursing'], ['outside', 'Otto Outside', 'Pharmacy'], ['direct', 'Dee Direct', 'Pharmacy', 'boss@riverside.example'],
  ]);
  await addedDaysAgo(16, [['soon', 'Sam Soon', 'Nursing/ICU']]);
  await addedDaysAgo(5, [['started', 'Ines Progress', 'Nursing/ICU']]);
  await recordInPerson(t.training, sys, who.done!, course, { course_id: course.id, completed_on: addDays(TODAY, -3), trainer: 'Aisha Rahman', reason: 'Ward session' });
  await t.services.assignments.grantExemption(sys, 'Ann Admin', { userId: who.exempt!.id, assignmentId: rule, reason: 'Trained at Lakeside General.', until: null });
  const learner = newAgent(t.app);
  await signIn(learner, 'started@riverside.example', GOOD_PASSWORD);
  await playLesson(learner, course, course.lessons[0]!.id, t.clock);
  const admin = await createPerson(t.db, t.clock, { email: 'hr@riverside.example', role: 'admin', name: 'Hana Admin' });
  const adminAgent = newAgent(t.app);
  await signIn(adminAgent, admin.email, GOOD_PASSWORD);
  const page = await adminAgent.get(`/admin/users/${who.gone!.id}`);
  expect((await adminAgent.post(`/admin/users/${who.gone!.id}/deactivate`).type('form').send({ _csrf: csrfFrom(page.text) })).status).toBe(303);
  // Send hours until midnight, then 20:00 in Chicago (02:00 UTC the next day).
  const { stages } = await t.services.notificationSettings.current();
  await t.services.notificationSettings.saveStages(sys, { ...stages, sendUntil: 24 });
  t.clock.advance(Date.parse('2026-11-03T02:00:00.000Z') - t.clock.now().getTime());
  // Invitations are not what this test reads.
  await t.db.deleteFrom('outbox').execute();
});
afterAll(async () => {
  await t.close();
  await peer.close();
});

async function statusOf(key: string): Promise<string> {
  return (await t.training.assignment(who[key]!, t.catalogue.courses[0]!)).status;
}

let received: Received[] = [];

test('the people are in the statuses the test means (the premise of what follows)', async () => {
  expect(Object.fromEntries(await Promise.all(['overdue', 'soon', 'started', 'done', 'exempt', 'gone', 'outside', 'direct'].map(async (k) => [k, await statusOf(k)]))))
    .toEqual({ overdue: 'overdue', soon: 'not-started', started: 'in-progress', done: 'completed', exempt: 'exempt', gone: 'overdue', outside: 'overdue', direct: 'overdue' });
});

test('the digest as received lists exactly the people in scope under the right headings, with links that work for the manager', async () => {
  const run = await t.services.notifications.run();
  expect(run.moment).toEqual({ day: TODAY, hour: 20 });
  await t.services.outboxSender.runOnce();
  received = [...peer.received];
  const digests = received.filter((r) => r.mail.subject === 'Weekly training digest for your team');
  expect(digests).toHaveLength(1);
  const digest = digests[0]!;
  expect(digest.envelopeTo).toEqual(['boss@riverside.example']);
  const course = t.catalogue.courses[0]!.title;
  const line = (key: string, due: string) => `- ${who[key]!.name}: ${course}, due ${due}\n  http://127.0.0.1:3000/team/people/${who[key]!.id}`;
  const list = [
    'Overdue:', line('overdue', '23 Oct 2026'), line('direct', '23 Oct 2026'), '',
    'Due soon:', line('soon', '16 Nov 2026'), '',
    'In progress:', line('started', '27 Nov 2026'),
  ].join('\n');
  const text = digest.mail.text!;
  expect(text).toContain(`Hello Morgan Lead,\n\nThese people in your team have training overdue, due soon or in progress:\n\n${list}\n\nSee your team's training here:\nhttp://127.0.0.1:3000/team\n`);
  for (const k of ['done', 'exempt', 'gone', 'outside']) expect(text).not.toContain(who[k]!.name);
  expect(text).not.toContain('- Morgan Lead');
  // The HTML part says the same, person by person, with the same links.
  const html = digest.mail.html as string;
  const htmlNames = [...html.matchAll(/- ([A-Z][a-z]+ [A-Z][a-z]+): /g)].map((m) => m[1]);
  expect(htmlNames).toEqual(['Olive Overdue', 'Dee Direct', 'Sam Soon', 'Ines Progress']);
  for (const h of ['Overdue:', 'Due soon:', 'In progress:']) expect(html).toContain(h);
  const links = [...html.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]!);
  expect(links).toEqual([...['overdue', 'direct', 'soon', 'started'].map((k) => `http://127.0.0.1:3000/team/people/${who[k]!.id}`), 'http://127.0.0.1:3000/team']);
  for (const k of ['done', 'exempt', 'gone', 'outside']) expect(html).not.toContain(who[k]!.name);
  // Each link opens for the manager; a person outside the scope does not.
  const manager = newAgent(t.app);
  await signIn(manager, 'boss@riverside.example', GOOD_PASSWORD);
  for (const url of links) {
    const res = await manager.get(new URL(url).pathname);
    expect(res.status).toBe(200);
  }
  expect((await manager.get(`/team/people/${who.outside!.id}`)).status).toBe(404);
});

test('a due-soon and an overdue reminder as received: dates in Chicago, the due-date sentence, the link', async () => {
  const to = (key: string) => received.filter((r) => r.envelopeTo.includes(`${key}@riverside.example`));
  const course = t.catalogue.courses[0]!;
  const [soon] = to('soon');
  // Not started, 14 days left in Chicago (13 in UTC, which has no reminder): the 14-day reminder.
  expect(soon!.mail.subject).toBe(`Reminder: ${course.title} is due in 14 days`);
  expect(soon!.mail.text).toContain(`${course.title} is due on 16 Nov 2026.\nDue 16 Nov 2026: 30 days after your account was created.\n`);
  // The same sentence as the learner's own dashboard gives.
  expect((await t.training.assignment(who.soon!, course)).reason).toBe('Due 16 Nov 2026: 30 days after your account was created.');
  expect(soon!.mail.html).toContain(`<a href="http://127.0.0.1:3000/courses/${course.id}">`);
  const [late] = to('overdue');
  expect(late!.mail.subject).toBe(`Overdue: ${course.title}`);
  // 10 days late: the second weekly overdue reminder.
  expect(late!.mail.text).toContain(`${course.title} was due on 23 Oct 2026 and is not complete yet (reminder 2).\nDue 23 Oct 2026: 30 days after your account was created.\n`);
  expect(late!.mail.html).toContain(`<a href="http://127.0.0.1:3000/courses/${course.id}">`);
  // No reminder for the exempt, the deactivated or someone in progress and not yet due soon; the one who is
  // done gets the certificate message only.
  for (const k of ['exempt', 'gone', 'started']) expect(to(k)).toEqual([]);
  expect(to('done').map((r) => r.mail.subject)).toEqual([`Your certificate: ${course.title}`]);
});
