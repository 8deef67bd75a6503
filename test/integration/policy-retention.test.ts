import type { User } from '../../server/db/schema';
import { earliestAllowedCutoff, purgeBefore } from '../../server/training/retention';
import { buildTestApp, type TestApp } from '../helpers/app';
import { createPerson } from '../helpers/factories';

// Issue 16: a policy version is kept six years after it was last in effect, and a signature six years
// after it stopped counting (a correction carries signatures over, so only a material change ends them).
// The retention purge removes what is past that, and nothing inside it; the clock is the test's.

let t: TestApp;
let nia: User;
const ADMIN = { id: null, label: 'test' };
const DAY = 86_400_000;

const publish = (slug: string, label: string, kind: 'material' | 'correction') =>
  t.services.policies.publish(ADMIN, { slug, title: `Policy ${slug}`, label, text: `${slug} version ${label}.`, kind, note: 'Change.', minReadSeconds: null });
const sign = async (slug: string) => {
  const page = await t.services.policies.readingPage(nia, slug);
  return t.services.policies.acknowledge(ADMIN, nia, slug, page.versionId, 'Nia Okafor');
};
const kept = async () => ({
  versions: (await t.db.selectFrom('policy_versions').innerJoin('policies', 'policies.id', 'policy_versions.policy_id')
    .select(['policies.slug', 'policy_versions.label']).orderBy('policies.slug').orderBy('seq').execute()).map((v) => `${v.slug} ${v.label}`),
  acks: (await t.db.selectFrom('policy_acknowledgements').innerJoin('policy_versions', 'policy_versions.id', 'policy_acknowledgements.policy_version_id')
    .innerJoin('policies', 'policies.id', 'policy_versions.policy_id').select(['policies.slug', 'policy_versions.label']).orderBy('policy_acknowledgements.id').execute()).map((a) => `${a.slug} ${a.label}`),
});

beforeAll(async () => {
  t = await buildTestApp();
  nia = await createPerson(t.db, t.clock, { email: 'nia@riverside.example', name: 'Nia Okafor', hireDate: '2019-03-01' });
  // 2 Nov 2026: "conduct" 1 (signed), a correction 1.1 the next day, then a material change 2 a year on.
  await publish('conduct', '1', 'material');
  await sign('conduct');
  // "phones" 1 (signed), then only a correction: the signature of 1 still counts, for ever.
  await publish('phones', '1', 'material');
  await sign('phones');
  t.clock.advance(DAY);
  await publish('conduct', '1.1', 'correction');
  await publish('phones', '1.1', 'correction');
  t.clock.advance(365 * DAY);
  await publish('conduct', '2', 'material');
  await sign('conduct');
});
afterAll(async () => { await t.close(); });

test('the publication dates record when each version left effect and when its signatures stopped counting', async () => {
  const rows = await t.db.selectFrom('policy_versions').innerJoin('policies', 'policies.id', 'policy_versions.policy_id')
    .select(['policies.slug', 'label', 'superseded_at', 'acks_lapse_at']).orderBy('policies.slug').orderBy('seq').execute();
  expect(rows.map((r) => [r.slug, r.label, r.superseded_at?.slice(0, 10) ?? null, r.acks_lapse_at?.slice(0, 10) ?? null])).toEqual([
    ['conduct', '1', '2026-11-03', '2027-11-03'],
    ['conduct', '1.1', '2027-11-03', '2027-11-03'],
    ['conduct', '2', null, null],
    ['phones', '1', '2026-11-03', null],
    ['phones', '1.1', null, null],
  ]);
});

test('inside the six years nothing of a policy is purged, even when everything else that old is', async () => {
  // Six years less a month after conduct 1 and 1.1 stopped counting: the latest cutoff allowed is before that.
  t.clock.advance((6 * 365 - 30) * DAY);
  const before = await kept();
  const counts = await purgeBefore(t.training, ADMIN, earliestAllowedCutoff(t.training.today()));
  expect(counts).toMatchObject({ policyAcknowledgements: 0, policyVersions: 0 });
  expect(await kept()).toEqual(before);
  // Asking for a later cutoff is refused, as for every training record.
  await expect(purgeBefore(t.training, ADMIN, '2027-11-04')).rejects.toThrow(/kept six years/);
});

test('past the six years the lapsed signatures and the versions they were chained to go; the current versions and signatures that still count stay', async () => {
  t.clock.advance(60 * DAY);
  const cutoff = earliestAllowedCutoff(t.training.today());
  expect(cutoff > '2027-11-03').toBe(true);
  const counts = await purgeBefore(t.training, ADMIN, cutoff);
  expect(counts).toMatchObject({ policyAcknowledgements: 1, policyVersions: 2 });
  expect(await kept()).toEqual({
    versions: ['conduct 2', 'phones 1', 'phones 1.1'],
    // phones 1 was superseded six years ago, but a correction carried its signature over: it still counts, and its text stays with it.
    acks: ['phones 1', 'conduct 2'],
  });
  const event = await t.db.selectFrom('audit_events').selectAll().where('action', '=', 'retention.purged').orderBy('id', 'desc').executeTakeFirstOrThrow();
  expect(JSON.parse(event.details)).toMatchObject({ policyAcknowledgements: 1, policyVersions: 2 });
  // What is left still verifies, and the dashboard still counts the carried-over signature.
  expect((await t.services.policies.verify()).ok).toBe(true);
  const items = await t.services.policies.dashboardItems(nia);
  expect(items.map((i) => [i.slug, i.status])).toEqual([['conduct', 'completed'], ['phones', 'completed']]);
});
