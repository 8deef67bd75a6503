import { parse } from 'csv-parse/sync';
import type { User } from '../../server/db/schema';
import { policyTextHash } from '../../server/policies/hash';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, html, newAgent, signIn, type Agent } from '../helpers/http';
import { plainText } from '../helpers/poppler';

// Issue 16: policies people read and sign. An admin previews and publishes versions (material changes
// and corrections); the learner's dashboard shows what to read and sign, the server holds the minimum
// reading time, the per-policy page says who has signed, and the hash chain catches a changed text.

let t: TestApp;
let admin: Agent;
let learner: Agent;
let nurse: User;

const tokenOn = async (agent: Agent, page: string) => csrfFrom((await agent.get(page)).text);
const publishForm = (over: Record<string, string> = {}) => ({
  slug: 'social-media', title: 'Social Media Policy', label: '1', text: '# Posting at work\n\nNever post photos taken on a ward.',
  change_kind: 'material', change_note: 'First version.', min_read_seconds: '60', intent: 'publish', ...over,
});
const publish = async (over: Record<string, string> = {}) =>
  admin.post('/admin/policies').type('form').send({ _csrf: await tokenOn(admin, '/admin/policies/new'), ...publishForm(over) });
const counts = async () => ({
  versions: (await t.db.selectFrom('policy_versions').select('id').execute()).length,
  acks: (await t.db.selectFrom('policy_acknowledgements').select('id').execute()).length,
  audit: (await t.db.selectFrom('audit_events').select('id').execute()).length,
});
/** The policy card of the dashboard: its heading and the sentence beside its status. */
const dashboardCard = async () => {
  const page = (await learner.get('/')).text;
  const card = /<div class="card">\s*<h3><a href="\/policies\/social-media">([^<]*)<\/a><\/h3>\s*<p class="assignment">([\s\S]*?)<\/p>/.exec(page);
  return card ? { heading: card[1]!, line: card[2]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() } : undefined;
};
const sign = async (name = 'Nia Okafor', agree = 'yes') => {
  const page = (await learner.get('/policies/social-media')).text;
  const versionId = /name="version_id" value="(\d+)"/.exec(page)?.[1] ?? '';
  return learner.post('/policies/social-media/acknowledge').type('form').send({ _csrf: csrfFrom(page), agree, typed_name: name, version_id: versionId });
};
/** The row for a person on the per-policy page: "Not signed" or "Version 1 on 2 Nov 2026". */
const signedCell = async (name: string) => {
  const page = (await admin.get('/admin/policies/social-media')).text;
  const row = new RegExp(`<td data-label="Name">${name}</td>[\\s\\S]*?<td data-label="Signed">([^<]*)</td>`).exec(page);
  return row?.[1];
};

/** A person's line in the policy report's CSV (the same columns as a course's), parsed back. */
const reportLine = async (name: string) => {
  const res = await admin.get('/reports/policies/social-media/export.csv');
  expect(res.status).toBe(200);
  const rows = parse(res.text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
  const row = rows.find((r) => r.name === name);
  return row && { status: row.status, course_id: row.course_id, policy_version: row.policy_version, cycle: row.cycle, completed_on: row.completed_on, due_on: row.due_on };
};

/** Moves the clock on by whole days; sessions idle that long have ended, so both sign in again. */
const daysLater = async (days: number) => {
  t.clock.advance(days * 86_400_000);
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  learner = newAgent(t.app);
  await signIn(learner, 'nia@riverside.example', GOOD_PASSWORD);
};

beforeAll(async () => {
  t = await buildTestApp();
  await createPerson(t.db, t.clock, { email: 'admin@riverside.example', role: 'admin', name: 'Ada Admin', hireDate: '2020-01-01' });
  nurse = await createPerson(t.db, t.clock, { email: 'nia@riverside.example', name: 'Nia Okafor', hireDate: '2019-03-01' });
  admin = newAgent(t.app);
  await signIn(admin, 'admin@riverside.example', GOOD_PASSWORD);
  learner = newAgent(t.app);
  await signIn(learner, 'nia@riverside.example', GOOD_PASSWORD);
});
afterAll(async () => { await t.close(); });

describe('publishing and signing', () => {
  test('learners get 403 on the admin pages; auditors read them but may not publish', async () => {
    await createPerson(t.db, t.clock, { email: 'audrey@riverside.example', role: 'auditor' });
    const auditor = newAgent(t.app);
    await signIn(auditor, 'audrey@riverside.example', GOOD_PASSWORD);
    expect((await learner.get('/admin/policies')).status).toBe(403);
    expect((await learner.get('/admin/policies/new')).status).toBe(403);
    expect((await auditor.get('/admin/policies')).status).toBe(200);
    expect((await auditor.get('/admin/policies/new')).status).toBe(403);
    const before = await counts();
    const res = await auditor.post('/admin/policies').type('form').send({ _csrf: await tokenOn(auditor, '/admin/policies'), ...publishForm() });
    expect(res.status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  test('a preview renders the Markdown with raw HTML as text and saves nothing; bad input gets a message and saves nothing', async () => {
    const before = await counts();
    const preview = await publish({ intent: 'preview', text: '# Posting\n\n<script>alert(1)</script> **never**' });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<h1>Posting</h1>');
    expect(preview.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; <strong>never</strong>');
    for (const [over, message] of [
      [{ slug: 'Social Media' }, 'Use lower-case letters'],
      [{ change_kind: 'sideways' }, 'Choose whether this is a material change'],
      [{ change_kind: 'correction' }, 'The first version of a policy is one everyone must sign'],
      [{ min_read_seconds: 'a minute' }, 'whole number of seconds'],
      [{ change_note: ' ' }, 'Say in a sentence what changed'],
      [{ text: '' }, 'Enter the policy text'],
    ] as [Record<string, string>, string][]) {
      const res = await publish(over);
      expect([over, res.status]).toEqual([over, 400]);
      expect(res.text).toContain(html(message));
    }
    expect(await counts()).toEqual(before);
  });

  test('a published policy shows on the dashboard with its due sentence; signing before the minimum reading time is refused by the server', async () => {
    const res = await publish();
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/policies/social-media');
    const card = await dashboardCard();
    expect(card?.heading).toBe('Read and sign: Social Media Policy v1');
    // Hired long before the policy: due the onboarding days after it was published (2 Nov 2026 + 30).
    expect(card?.line).toBe('Not started Due 2 Dec 2026: 30 days after version 1 was published on 2 Nov 2026.');
    expect(await signedCell('Nia Okafor')).toBe('Not signed');

    const before = await counts();
    expect((await learner.get('/policies/social-media')).text).toContain('Reading it takes at least 1 minute');
    t.clock.advance(30_000);
    const early = await sign();
    expect(early.status).toBe(400);
    expect(early.text).toContain('This policy takes at least 1 minute to read. You opened it 30 seconds ago');
    expect(await counts()).toEqual(before);
    const wrongName = await sign('Nina Okafor');
    expect(wrongName.status).toBe(400);
    expect(wrongName.text).toContain('Type your full name exactly as it is on your record');
    // Opening the page again does not restart the time: 31 more seconds make the 61 since the first opening.
    t.clock.advance(31_000);
    const form = (await learner.get('/policies/social-media')).text;
    const ok = await sign('nia  okafor');
    expect(ok.status).toBe(303);
    const ack = await t.db.selectFrom('policy_acknowledgements').selectAll().executeTakeFirstOrThrow();
    expect(ack).toMatchObject({ user_id: nurse.id, typed_name: 'nia  okafor' });
    expect(Date.parse(ack.acknowledged_at) - Date.parse(ack.opened_at)).toBe(61_000);
    const event = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'policy.acknowledged').executeTakeFirstOrThrow();
    expect(JSON.parse(event.details)).toMatchObject({ policy: 'social-media', label: '1', ack_hash: ack.ack_hash });
    expect((await dashboardCard())?.line).toBe('Completed Signed on 2 Nov 2026.');
    expect(await signedCell('Nia Okafor')).toBe('Version 1 on 2 Nov 2026');
    expect(await signedCell('Ada Admin')).toBe('Not signed');
    // The same form sent twice (a double click, the back button) writes nothing more.
    const again = await counts();
    const twice = await learner.post('/policies/social-media/acknowledge').type('form')
      .send({ _csrf: csrfFrom(form), agree: 'yes', typed_name: 'Nia Okafor', version_id: /name="version_id" value="(\d+)"/.exec(form)![1]! });
    expect(twice.status).toBe(303);
    expect(await counts()).toEqual(again);
  });

  test('a correction keeps the signature: the dashboard stays completed and the report counts it', async () => {
    await daysLater(1);
    const res = await publish({ label: '1.1', change_kind: 'correction', change_note: 'Typo in the heading.', text: '# Posting at work\n\nNever post photos taken on a ward or in a clinic.' });
    expect(res.status).toBe(303);
    const card = await dashboardCard();
    expect(card?.heading).toBe('Read and sign: Social Media Policy v1.1');
    expect(card?.line).toBe('Completed Signed on 2 Nov 2026.');
    expect(await signedCell('Nia Okafor')).toBe('Version 1 on 2 Nov 2026');
    expect(await reportLine('Nia Okafor')).toEqual({ status: 'completed', course_id: 'social-media', policy_version: '1', cycle: '1', completed_on: '2026-11-02', due_on: expect.any(String) });
    const page = (await learner.get('/policies/social-media')).text;
    expect(page).toContain('You signed version 1 on');
    expect(page).not.toContain('name="typed_name"');
  });

  test('a material change needs a new signature: the dashboard asks again and the report shows them unsigned', async () => {
    await daysLater(1);
    const same = await publish({ label: '2', change_note: 'Same text.', text: '# Posting at work\n\nNever post photos taken on a ward or in a clinic.' });
    expect(same.status).toBe(400);
    expect(same.text).toContain('The title and text are the same as version 1.1');
    const taken = await publish({ label: '1.1' });
    expect(taken.status).toBe(400);
    expect(taken.text).toContain('Version 1.1 of this policy already exists');
    const res = await publish({ label: '2', change_note: 'Adds messaging apps.', min_read_seconds: '', text: '# Posting at work\n\nNever post photos. This covers messaging apps too.' });
    expect(res.status).toBe(303);
    const card = await dashboardCard();
    expect(card?.heading).toBe('Read and sign: Social Media Policy v2');
    expect(card?.line).toBe('Not started Due 4 Dec 2026: 30 days after version 2 was published on 4 Nov 2026.');
    expect(await signedCell('Nia Okafor')).toBe('Not signed');
    expect(await reportLine('Nia Okafor')).toEqual({ status: 'not-started', course_id: 'social-media', policy_version: '2', cycle: '2', completed_on: '', due_on: '2026-12-04' });
    // With no assignment rules everyone active must sign: after a material change nobody has.
    const active = (await t.db.selectFrom('users').select('id').where('status', '=', 'active').execute()).length;
    const reportPage = (await admin.get('/reports/policies/social-media?status=not-started')).text;
    expect(reportPage).toContain('Nia Okafor');
    expect(reportPage).toContain(`<span class="count-chip">Not started: ${active}</span>`);
    expect(reportPage).not.toContain('count-chip">Completed');
    // The old signature is kept, and now counts for nothing.
    expect(await t.db.selectFrom('policy_acknowledgements').select('policy_version_id').execute()).toHaveLength(1);
    expect((await sign()).status).toBe(303);
    expect(await signedCell('Nia Okafor')).toBe('Version 2 on 4 Nov 2026');
    expect(await reportLine('Nia Okafor')).toMatchObject({ status: 'completed', policy_version: '2', completed_on: '2026-11-04' });
    expect((await t.db.selectFrom('policy_versions').select(['label', 'superseded_at', 'acks_lapse_at']).orderBy('seq').execute()).map((v) => [v.label, !!v.superseded_at, !!v.acks_lapse_at]))
      .toEqual([['1', true, true], ['1.1', true, true], ['2', false, false]]);
  });

  test('a page opened before a material change refuses to sign the new version unread', async () => {
    const other = await createPerson(t.db, t.clock, { email: 'omar@riverside.example', name: 'Omar Reyes', hireDate: '2018-01-01' });
    const omar = newAgent(t.app);
    await signIn(omar, 'omar@riverside.example', GOOD_PASSWORD);
    const page = (await omar.get('/policies/social-media')).text;
    const shown = /name="version_id" value="(\d+)"/.exec(page)![1]!;
    t.clock.advance(60_000);
    expect((await publish({ label: '3', change_note: 'Adds a hotline.', text: '# Posting at work\n\nNever post photos. Call the hotline.' })).status).toBe(303);
    const res = await omar.post('/policies/social-media/acknowledge').type('form').send({ _csrf: csrfFrom(page), agree: 'yes', typed_name: 'Omar Reyes', version_id: shown });
    expect(res.status).toBe(400);
    expect(res.text).toContain('The policy was changed (it is now version 3) while this page was open');
    expect(await t.db.selectFrom('policy_acknowledgements').selectAll().where('user_id', '=', other.id).execute()).toEqual([]);
  });
});

describe('the exact text, the hash chain and the evidence pack', () => {
  test('every version\'s exact text downloads as published, and the export lists every version with its hash', async () => {
    const versions = await t.db.selectFrom('policy_versions').selectAll().orderBy('seq').execute();
    const first = await admin.get(`/admin/policies/social-media/versions/${versions[0]!.id}`);
    expect(first.status).toBe(200);
    expect(first.text).toBe('# Posting at work\n\nNever post photos taken on a ward.');
    expect((await admin.get('/admin/policies/social-media/versions/99999')).status).toBe(404);
    expect((await admin.get('/admin/policies/no-such-policy')).status).toBe(404);
    const csv = await admin.get('/admin/policies/social-media/export.csv');
    const rows = parse(csv.text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.version, r.change, r.text_sha256, r.text])).toEqual(versions.map((v) => [v.label, v.change_kind, v.text_hash, v.text]));
    expect(await t.db.selectFrom('audit_events').select('id').where('action', '=', 'policy.exported').execute()).toHaveLength(1);
  });

  test('the evidence pack carries every version and the person\'s acknowledgements, parsed back', async () => {
    const res = await admin.get(`/reports/evidence.csv?person=${nurse.id}`);
    expect(res.status).toBe(200);
    const records = parse(res.text.replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];
    const at = (mark: string) => records.findIndex((r) => r[0]!.startsWith(mark));
    const versionsAt = at('# Policy versions');
    const acksAt = at('# Policy acknowledgements');
    expect(versionsAt).toBeGreaterThan(0);
    const header = records[versionsAt + 1]!;
    const versions = records.slice(versionsAt + 2, acksAt).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    expect(versions.map((v) => [v.policy, v.version, v.change])).toEqual([['social-media', '1', 'material'], ['social-media', '1.1', 'correction'], ['social-media', '2', 'material'], ['social-media', '3', 'material']]);
    expect(versions[0]!.text).toBe('# Posting at work\n\nNever post photos taken on a ward.');
    const ackHeader = records[acksAt + 1]!;
    const outstandingAt = at('# Policy signatures outstanding');
    const acks = records.slice(acksAt + 2, outstandingAt).map((r) => Object.fromEntries(ackHeader.map((h, i) => [h, r[i]])));
    // Version 3 was a material change she has not signed: the pack says so, with the version to sign and why.
    const outHeader = records[outstandingAt + 1]!;
    const outstanding = records.slice(outstandingAt + 2).map((r) => Object.fromEntries(outHeader.map((h, i) => [h, r[i]])));
    expect(outstanding.map((o) => [o.name, o.policy, o.version_to_sign, o.status])).toEqual([['Nia Okafor', 'social-media', '3', 'not-started']]);
    expect(outstanding[0]!.reason).toMatch(/^Due \d+ \w+ 2026: 30 days after version 3 was published on \d+ Nov 2026\.$/);
    const stored = await t.db.selectFrom('policy_acknowledgements').selectAll().where('user_id', '=', nurse.id).orderBy('id').execute();
    expect(acks.map((a) => [a.name, a.version, a.acknowledgement_sha256])).toEqual([['Nia Okafor', '1', stored[0]!.ack_hash], ['Nia Okafor', '2', stored[1]!.ack_hash]]);
    expect(acks[1]!.text_sha256).toBe(versions[2]!.text_sha256);
  });

  test('the evidence PDF prints the acknowledgements with their hashes and every version\'s text', async () => {
    const res = await admin.get(`/reports/evidence.pdf?person=${nurse.id}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    const text = (await plainText(res.body as Buffer)).replace(/\s+/g, ' ');
    const stored = await t.db.selectFrom('policy_acknowledgements').selectAll().where('user_id', '=', nurse.id).orderBy('id').execute();
    expect(text).toContain('Policy acknowledgements');
    expect(text).toContain('Nia Okafor');
    expect(text).toContain('signed social-media version 2 as "Nia Okafor"');
    for (const a of stored) expect(text).toContain(a.ack_hash);
    expect(text).toMatch(/Policy signatures outstanding Nia Okafor \(E\d+\) has not signed social-media version 3 \(not-started\)\. Due \d+ \w+ 2026: 30 days after version 3 was published/);
    expect(text).toContain('Social Media Policy, version 1.1 (social-media): correction');
    expect(text).toContain('Never post photos taken on a ward or in a clinic.');
    expect(text).toMatch(/End of the evidence: \d+ lines on \d+ pages\./);
  });

  test('the hash chain verifies, and shows a version text changed afterwards and an edited signature', async () => {
    expect((await t.services.policies.verify())).toMatchObject({ ok: true, versions: 4, acknowledgements: 2, problems: [] });
    expect((await admin.get('/admin/policies')).text).toContain('Hash chain intact: 4 versions and 2 acknowledgements checked.');
    const v1 = await t.db.selectFrom('policy_versions').selectAll().where('label', '=', '1').executeTakeFirstOrThrow();
    await t.db.updateTable('policy_versions').set({ text: v1.text.replace('Never', 'You may') }).where('id', '=', v1.id).execute();
    const broken = await t.services.policies.verify();
    expect(broken.ok).toBe(false);
    // The version's own hash and the signature chained to it both break.
    expect(broken.problems).toEqual(['social-media version 1: the stored text does not match its hash.', expect.stringMatching(/^Acknowledgement \d+ by Nia Okafor: its hash does not match/)]);
    expect((await admin.get('/admin/policies')).text).toContain('The hash chain is BROKEN');
    await t.db.updateTable('policy_versions').set({ text: v1.text }).where('id', '=', v1.id).execute();
    // Rewriting the text and its hash together still shows: the signature was chained to the old hash.
    await t.db.updateTable('policy_versions').set({ text: 'Anything goes.', text_hash: policyTextHash({ title: v1.title, label: v1.label, text: 'Anything goes.' }) }).where('id', '=', v1.id).execute();
    expect((await t.services.policies.verify()).problems).toEqual([expect.stringMatching(/^Acknowledgement \d+ by Nia Okafor/)]);
    await t.db.updateTable('policy_versions').set({ text: v1.text, text_hash: v1.text_hash }).where('id', '=', v1.id).execute();
    const ack = await t.db.selectFrom('policy_acknowledgements').selectAll().where('policy_version_id', '=', v1.id).executeTakeFirstOrThrow();
    await t.db.updateTable('policy_acknowledgements').set({ acknowledged_at: '2026-10-01T00:00:00.000Z' }).where('id', '=', ack.id).execute();
    expect((await t.services.policies.verify()).ok).toBe(false);
    await t.db.updateTable('policy_acknowledgements').set({ acknowledged_at: ack.acknowledged_at }).where('id', '=', ack.id).execute();
    expect((await t.services.policies.verify()).ok).toBe(true);
  });

  test('every publication and signature is in the audit log in words', async () => {
    const page = (await admin.get('/admin/audit')).text;
    expect(page).toContain('published version 1.1 of the policy “Social Media Policy” as a correction');
    expect(page).toContain('read and signed version 2 of the policy “social-media”');
  });
});
