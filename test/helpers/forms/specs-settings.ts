import { accountKey, accountKeySecret } from '../../../server/auth/throttle';
import { enqueue } from '../../../server/notifications/outbox';
import { newAgent, signIn } from '../http';
import { PLAIN_SVG, solidPng } from '../images';
import { withSchemaFields } from './schema-fields';
import { locationOf, must, one } from './types';
import { asAdmin, asLearner, ids, t, uniq } from './world';

// Issue 14: the settings forms (organisation and contacts, the logo upload, the policy text) and the
// person page's Unlock button (and its single sign-on unlink button).

export const SETTINGS_VALUES = ['Riverside General', 'Lakeside Regional Health', 'Priya Officer', 'privacy@riverside.example', 'privacy at riverside', '+1 555 0100 x12',
  '(555) 010-0199', 'call me', '1-800-555-0199', 'https://training.riverside.example', 'https://training.riverside.example/', 'http://localhost:3000',
  'training.riverside.example', 'javascript:alert(1)', 'https://u:p@x.example', 'https://x.example/?q=1', ''];

/** PNG bytes written as latin1 text survive the trip through the generator's text parts byte for byte. */
const PNG_TEXT = solidPng(8, 8).toString('latin1');

export const SETTINGS_SPECS = withSchemaFields({
  'POST /admin/settings': {
    target: asAdmin,
    values: () => SETTINGS_VALUES,
    bases: async () => {
      const n = uniq();
      return [[['org_name', `Riverside General ${n % 4}`], ['privacy_officer_name', 'Priya Officer'], ['privacy_officer_email', 'privacy@riverside.example'],
        ['privacy_officer_phone', '+1 555 0100'], ['hotline', '1-800-555-0199'], ['base_url', n % 2 ? 'https://training.riverside.example' : '']]];
    },
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === '/admin/settings', `unexpected redirect ${locationOf(res)}`);
      const [updated] = one(events, 'settings.updated');
      if (!updated) return;
      const rows = new Map((await app.db.selectFrom('settings').select(['key', 'value']).execute()).map((r) => [r.key, r.value]));
      for (const [key, change] of Object.entries(JSON.parse(updated.details) as Record<string, { to: string }>)) {
        must(key === 'base_url' && change.to === '' ? !rows.has(key) : rows.get(key) === change.to, `settings.updated says ${key} is now "${change.to}", the table says "${rows.get(key)}"`);
      }
    },
    notice: true,
  },
  'POST /admin/settings/policy': {
    target: asAdmin,
    values: () => ['Lakeside Privacy Policy', 'No photos of patients.', '**Bold** and\n\n- a list', '<script>alert(1)</script>', ' ', '', 'minimum-necessary-front-desk', 'no-such-course'],
    bases: async () => [[['course_id', 'hipaa-social-media'], ['policy_title', 'Lakeside Privacy Policy'], ['policy_text', `Version ${uniq()}.\n\nNo photos of patients.`]]],
    effect: async ({ app, res, events }) => {
      const [changed] = one(events, 'settings.policy_changed');
      const course = changed ? (JSON.parse(changed.details) as { course_id: string }).course_id : '';
      must(!changed || locationOf(res) === `/admin/settings?course=${course}`, `unexpected redirect ${locationOf(res)} after saving a policy for ${course}`);
      must(/^\/admin\/settings\?course=(hipaa-social-media|minimum-necessary-front-desk)$/.test(locationOf(res)), `unexpected redirect ${locationOf(res)}`);
      if (!changed) return;
      const version = (JSON.parse(changed.details) as { version: number }).version;
      const latest = await app.db.selectFrom('policy_texts').select('version').orderBy('version', 'desc').executeTakeFirstOrThrow();
      must(latest.version === version, `the audit names version ${version}, the newest saved is ${latest.version}`);
    },
    notice: true,
  },
  'POST /admin/settings/logo': {
    target: asAdmin,
    values: () => ['yes', 'no', PLAIN_SVG, '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', PNG_TEXT],
    // Random CSV files as the uploaded file: none is an image, each must be refused with a message.
    csv: { columns: ['name', 'email'], cells: () => ['Ada', 'ada@riverside.example', '<svg>', '\u0089PNG'], bulkRow: (i) => [`Bulk ${i}`, `bulk${i}@riverside.example`] },
    // The base "csv" value is sent as the file part of a multipart body: a real SVG logo.
    bases: async () => [[['csv', PLAIN_SVG]]],
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === '/admin/settings', `unexpected redirect ${locationOf(res)}`);
      const logo = await app.db.selectFrom('organisation_logo').select('sha256').executeTakeFirst();
      const [changed] = one(events, 'settings.logo_changed');
      if (changed) must(logo?.sha256 === (JSON.parse(changed.details) as { sha256: string }).sha256, 'the audited logo is not the one kept');
    },
    notice: true,
  },
  'POST /admin/settings/logo/remove': {
    target: asAdmin, values: () => [],
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === '/admin/settings', `unexpected redirect ${locationOf(res)}`);
      const logo = await app.db.selectFrom('organisation_logo').select('sha256').executeTakeFirst();
      if (one(events, 'settings.logo_removed').length) must(!logo, 'the logo removal was audited but a logo is kept');
    },
    notice: true,
  },
  // Issue 17: which notifications are sent when, and their words.
  'POST /admin/notifications': {
    target: asAdmin,
    values: () => ['yes', '', 'no', '8', '18', '0', '24', '25', '-1', '14, 3', '3,14,3', '30, 7, 1', '0, 3', '1,2,3,4,5,6', '7', '6', '3', '1', '8.5', 'abc'],
    bases: async () => [[['send_from', '8'], ['send_until', String(17 + (uniq() % 2))], ['invitation', 'yes'], ['due_soon', 'yes'], ['due_soon_days', '14, 3'],
      ['due_today', 'yes'], ['overdue', 'yes'], ['overdue_every_days', '7'], ['overdue_max', '6'], ['escalation', 'yes'], ['escalate_from', '3'],
      ['refresher_open', 'yes'], ['certificate_issued', 'yes'], ['digest', 'yes'], ['digest_weekday', '1']]],
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === '/admin/notifications', `unexpected redirect ${locationOf(res)}`);
      const [changed] = one(events, 'settings.notifications_changed');
      if (!changed) return;
      const row = await app.db.selectFrom('settings').select('value').where('key', '=', 'notification_stages').executeTakeFirst();
      const saved = JSON.parse(row?.value ?? '{}') as Record<string, unknown>;
      for (const [key, change] of Object.entries(JSON.parse(changed.details) as Record<string, { to: unknown }>)) {
        must(JSON.stringify(saved[key]) === JSON.stringify(change.to), `settings.notifications_changed says ${key} is now ${JSON.stringify(change.to)}, the table says ${JSON.stringify(saved[key])}`);
      }
    },
    notice: true,
  },
  'POST /admin/notifications/templates/:stage': {
    target: asAdmin,
    values: () => ['save', 'preview', 'reset', 'delete', 'Reminder: {{title}}', 'Hello {{name}},\n\n{{title}} is due {{due_date}}.\n{{link}}', '{{quiz_answers}}', '<b>bold</b>', ' ', ''],
    // Every stage has {{name}} and {{link}}; the random parameter values try stages that do not exist.
    params: async () => ({ stage: ['due-soon', 'overdue', 'invitation', 'digest'][uniq() % 4]! }),
    bases: async () => [[['intent', ['save', 'preview', 'reset'][uniq() % 3]!], ['subject', `Reminder ${uniq()} for {{name}}`], ['body', 'Hello {{name}},\n\n{{link}}']]],
    effect: async ({ app, res, params, events }) => {
      const [changed] = one(events, 'settings.template_changed');
      if (res.status === 200) return must(!changed, 'a preview saved the template');
      must(locationOf(res) === `/admin/notifications/templates/${params.stage}`, `unexpected redirect ${locationOf(res)}`);
      if (!changed) return;
      const row = await app.db.selectFrom('settings').select('value').where('key', '=', `notification_template:${params.stage}`).executeTakeFirst();
      const details = JSON.parse(changed.details) as { reset: boolean; subject: string | null };
      must(details.reset ? !row : (JSON.parse(row?.value ?? '{}') as { subject?: string }).subject === details.subject, 'the audited template is not the one kept');
    },
    notice: true,
  },
  'POST /admin/notifications/templates/:stage/test': {
    target: asAdmin, values: () => [],
    params: async () => ({ stage: ['due-soon', 'digest', 'certificate-issued'][uniq() % 3]! }),
    effect: async ({ res, params, events, delta }) => {
      must(locationOf(res) === `/admin/notifications/templates/${params.stage}`, `unexpected redirect ${locationOf(res)}`);
      must(one(events, 'notifications.test_queued').length === 1 && delta('outbox') === 1, 'a test was answered as queued but not queued and audited once');
    },
    notice: true,
  },
  'POST /account/email': {
    target: asLearner('scene'),
    values: () => ['yes', '', 'no', 'on', 'YES'],
    bases: async () => [[['weekly_summary', uniq() % 2 ? 'yes' : '']]],
    effect: async ({ app, res, events }) => {
      must(locationOf(res) === '/account/email', `unexpected redirect ${locationOf(res)}`);
      const [changed] = one(events, 'notifications.preference_changed');
      if (!changed) return;
      const row = await app.db.selectFrom('notification_preferences').select('weekly_summary').where('user_id', '=', ids.scene).executeTakeFirst();
      must((row?.weekly_summary === 1) === (JSON.parse(changed.details) as { weekly_summary: boolean }).weekly_summary, 'the audited choice is not the one kept');
    },
    notice: true,
  },
  'POST /admin/users/:id/unlock': {
    target: asAdmin, values: () => [],
    // A failed sign-in first, so each run has something to unlock.
    params: async () => {
      await signIn(newAgent(t.app), 'victim@riverside.example', 'not the password');
      return { id: String(ids.victim) };
    },
    effect: async ({ app, res, params, events }) => {
      must(locationOf(res) === `/admin/users/${params.id}`, `unexpected redirect ${locationOf(res)}`);
      if (!one(events, 'auth.unlocked').length) return;
      const key = accountKey(accountKeySecret(app.config.sessionSecret), 'victim@riverside.example');
      must(!(await app.db.selectFrom('sign_in_throttle').select('failures').where('account_key', '=', key).executeTakeFirst()), 'an unlock was audited but the failures are still counted');
    },
    notice: true,
  },
  // Issue 18: the person page's "Remove the single sign-on link" button, on a link made for each run.
  'POST /admin/users/:id/sso/:identity/unlink': {
    target: asAdmin, values: () => [],
    params: async () => {
      const row = await t.db.insertInto('sso_identities').values({
        user_id: ids.victim, protocol: 'oidc', issuer: `https://idp-${uniq()}.riverside.example`, subject: `sub-${uniq()}`,
        created_at: t.clock.now().toISOString(), last_sign_in_at: null,
      }).returning('id').executeTakeFirstOrThrow();
      return { id: String(ids.victim), identity: String(row.id) };
    },
    effect: async ({ app, res, params, events }) => {
      must(locationOf(res) === `/admin/users/${params.id}`, `unexpected redirect ${locationOf(res)}`);
      const left = await app.db.selectFrom('sso_identities').select('id').where('id', '=', Number(params.identity)).executeTakeFirst();
      must(one(events, 'sso.unlinked').length === (left ? 0 : 1), 'a link was removed without an sso.unlinked event, or an event was written for a link still there');
    },
    notice: true,
  },
  // Issue 17: the outbox's Retry button, on a message that failed (made for each run).
  'POST /admin/outbox/:id/retry': {
    target: asAdmin, values: () => [],
    params: async () => {
      const key = `forms-retry:${uniq()}`;
      await t.uow((trx) => enqueue(trx, [{ key, userId: ids.victim, to: 'victim@riverside.example', stage: 'due-soon', subject: 'Due', text: 'Due.', html: '<p>Due.</p>' }], t.clock.now()));
      const row = await t.db.updateTable('outbox').set({ state: 'failed', last_error: 'the mail server refused it for good (554).' }).where('key', '=', key).returning('id').executeTakeFirstOrThrow();
      return { id: String(row.id) };
    },
    effect: async ({ app, res, params, events }) => {
      must(locationOf(res) === `/admin/outbox#message-${params.id}`, `unexpected redirect ${locationOf(res)}`);
      const [retried] = one(events, 'outbox.retried');
      must(retried, 'a retry was answered with success but not audited');
      const row = await app.db.selectFrom('outbox').select(['state', 'attempts']).where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(row.state === 'queued' && row.attempts === 0, `after a retry the message is ${row.state} with ${row.attempts} attempts`);
    },
    notice: true,
  },
});
