import { withSchemaFields } from './schema-fields';
import { locationOf, must, one } from './types';
import { asAdmin, asLearner, ATTEST_NAME, ids, learners, t, uniq } from './world';

// Issue 16: publishing a policy version (with its preview) and a learner signing one.

const SLUG = 'forms-policy';
let shownVersion = '';

export const POLICY_SPECS = withSchemaFields({
  'POST /admin/policies': {
    target: asAdmin,
    values: () => ['social-media', 'Social Media', 'Social Media Policy', '2', '2024.1', 'v 2', '# Heading\n\nNever post photos.', '<script>alert(1)</script>',
      'material', 'correction', 'preview', 'publish', 'Adds messaging apps.', '60', '3601', '-1', ' ', ''],
    bases: async () => {
      const n = uniq();
      return [[['slug', n % 3 ? 'forms-admin-policy' : `forms-admin-${n}`], ['title', 'Forms Policy'], ['label', `${n}`], ['text', `Version ${n}.\n\nNo photos of patients.`],
        ['change_kind', n % 2 ? 'material' : 'correction'], ['change_note', 'A change.'], ['min_read_seconds', n % 2 ? '' : '30'], ['intent', n % 4 ? 'publish' : 'preview']]];
    },
    effect: async ({ app, res, events }) => {
      if (res.status === 200) {
        must(events.length === 0, 'a preview wrote audit events');
        return;
      }
      const [published] = one(events, 'policy.published');
      must(published, 'a publish answered success without an audit event');
      const d = JSON.parse(published!.details) as { slug: string; version_id: number; text_hash: string };
      must(locationOf(res) === `/admin/policies/${d.slug}`, `unexpected redirect ${locationOf(res)}`);
      const v = await app.db.selectFrom('policy_versions').selectAll().where('id', '=', d.version_id).executeTakeFirst();
      must(v?.text_hash === d.text_hash, 'the audited version is not the one stored');
    },
    notice: true,
  },
  'POST /policies/:slug/acknowledge': {
    target: asLearner('attest'),
    values: () => ['yes', 'no', ATTEST_NAME, ATTEST_NAME.toUpperCase(), 'Someone Else', '1', '0', '99999999999'],
    // A new material version each run, opened by the learner, so a run can sign it.
    params: async () => {
      const n = uniq();
      const r = await t.services.policies.publish({ id: ids.admin, label: 'test' }, { slug: SLUG, title: 'Forms Policy', label: `${n}`, text: `Version ${n}.`, kind: 'material', note: 'Run.', minReadSeconds: null });
      shownVersion = String(r.versionId);
      await learners.get('attest')!.get(`/policies/${SLUG}`);
      return { slug: SLUG };
    },
    bases: async () => [[['agree', 'yes'], ['typed_name', ATTEST_NAME], ['version_id', shownVersion]]],
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === '/', `unexpected redirect ${locationOf(res)}`);
      const [signed] = one(events, 'policy.acknowledged');
      if (!signed) return;
      const d = JSON.parse(signed.details) as { ack_hash: string };
      const ack = await app.db.selectFrom('policy_acknowledgements').selectAll().where('ack_hash', '=', d.ack_hash).executeTakeFirst();
      must(ack?.user_id === ids.attest, 'an acknowledgement was audited but is not stored for the learner');
    },
    notice: true,
  },
});
