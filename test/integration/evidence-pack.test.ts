import type { User } from '../../server/db/schema';
import { recordInPerson } from '../../server/training/record';
import { formatDateTime } from '../../server/dates';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { newAgent, signIn, type Agent } from '../helpers/http';
import { inventName } from '../helpers/names';
import { fontsOf, plainText } from '../helpers/poppler';

// The department evidence pack as a manager downloads it: every page carries lines (not only its page
// footer), and the time it was generated is the organisation's local time, in the pages' style.
let t: TestApp;
let admin: User;

async function pdfOf(agent: Agent, url: string): Promise<Buffer> {
  const res = await agent.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  expect(res.status).toBe(200);
  return res.body as Buffer;
}

beforeAll(async () => {
  t = await buildTestApp({ TIME_ZONE: 'America/New_York' });
  admin = await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2020-01-01' });
  const course = t.catalogue.courses[0]!;
  const scripts = ['latin', 'vietnamese', 'chinese', 'japanese', 'korean', 'arabic', 'hebrew'] as const;
  for (let i = 0; i < 24; i += 1) {
    const name = inventName(scripts[i % scripts.length]!, 6 + (i % 4) * 20, i + 11);
    const p = await createPerson(t.db, t.clock, { email: `p${i}@riverside.example`, name, department: 'Nursing/ICU', hireDate: '2025-01-01', employeeId: `E-${i}` });
    if (i % 3 !== 2) {
      await recordInPerson(t.training, { id: admin.id, label: 'test' }, p, course, { course_id: course.id, completed_on: '2026-10-03', trainer: 'Aisha Rahman', reason: 'Test history' });
    }
  }
});

afterAll(async () => { await t.close(); });

test('the department evidence PDF has no page without lines and says when it was made in local time', async () => {
  const a = newAgent(t.app);
  await signIn(a, 'admin@riverside.example', GOOD_PASSWORD);
  const dept = (await t.db.selectFrom('departments').select('id').where('path_key', '=', 'nursing').executeTakeFirstOrThrow()).id;
  const pdf = await pdfOf(a, `/reports/evidence.pdf?department=${dept}`);
  const pages = (await plainText(pdf)).split('\f').slice(0, -1);
  expect(pages.length).toBeGreaterThan(1);
  pages.forEach((page, i) => {
    // Leave out the footer ("Page 2 · 2 Nov 2026"): what remains must be lines of the pack.
    const body = page.replace(/Page \d+ · \d{1,2} \w{3} \d{4}/, '').trim();
    expect([i + 1, body.length > 0]).toEqual([i + 1, true]);
  });
  const text = pages.join(' ').replace(/\s+/g, ' ');
  expect(text).toContain(`Generated ${formatDateTime(t.clock.now().toISOString(), 'America/New_York')} by Ada Admin`);
  expect(text).not.toContain('UTC');
  expect(text).toContain(`lines on ${pages.length} pages`);
  for (const f of await fontsOf(pdf)) expect(f).toMatchObject({ embedded: true });
});
