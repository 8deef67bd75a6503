import { IMPORT_COLUMNS } from '../../../server/users/import';
import { mustShowLiveLinks } from './checks';
import { locationOf, must, one } from './types';
import { withSchemaFields } from './schema-fields';
import { asAdmin, csvLine, deactivated, ids, invitationKeys, uniq } from './world';

// The admin's people forms: a person, their status and password link, departments, the people CSV import.

/** The people CSV import's columns, as the server names them (the form fields come from the request schemas). */
const USER_FIELDS = [...IMPORT_COLUMNS];
export const USER_VALUES = ['learner', 'manager', 'admin', 'auditor', 'LEARNER', 'Nursing/ICU', 'Nursing / ICU ', 'Pharmacy', 'A/B/C/D/E/F/G/H/I', 'Nia New',
  'new.person@riverside.example', 'victim@riverside.example', 'admin@riverside.example', 'a@b.c', 'E5001', 'V1001', '2026-01-15', '2026-02-30', '15/01/2026',
  '0000-01-01', '9999-12-31', '2026-11-03', 'yes', 'on'];

export const PEOPLE_SPECS = withSchemaFields({
  'POST /admin/users': {
    target: asAdmin,
    values: () => USER_VALUES,
    bases: async () => {
      const n = uniq();
      return [[['employee_id', `N${n}`], ['email', `new${n}@riverside.example`], ['name', `Nia New ${n}`], ['role', 'learner'], ['department', 'Nursing/ICU'], ['manager_email', ''], ['hire_date', '2026-01-15'], ['untimed_lessons', n % 2 ? 'yes' : '']]];
    },
    effect: async ({ app, res, events, delta }) => {
      must(res.status === 201, `a success answered ${res.status}, not the page with the new link`);
      must(delta('users') === 1, `a success added ${delta('users')} people`);
      const id = Number(/href="\/admin\/users\/(\d+)"/.exec(res.text)?.[1]);
      must(await app.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst(), `the answer leads on to person ${id}, who does not exist`);
      must(one(events, 'user.created').some((e) => e.subject_id === String(id)), 'no user.created event for the new person');
      must(one(events, 'user.password_link_issued').some((e) => e.subject_id === String(id)), 'the new person got no set-password link');
      await mustShowLiveLinks(app, res.text, 1);
    },
    notice: true,
  },
  'POST /admin/users/:id': {
    target: asAdmin,
    values: () => USER_VALUES,
    params: async () => ({ id: String(ids.victim) }),
    bases: async () => {
      const n = uniq();
      return [[['employee_id', 'V1001'], ['email', 'victim@riverside.example'], ['name', `Victor Ames ${n % 3}`], ['role', n % 2 ? 'learner' : 'manager'], ['department', 'Nursing/ICU'], ['manager_email', 'admin@riverside.example'], ['hire_date', ''], ['untimed_lessons', n % 2 ? '' : 'yes']]];
    },
    effect: ({ res, params }) => {
      must(locationOf(res) === `/admin/users/${params.id}`, `unexpected redirect ${locationOf(res)}`);
    },
    notice: true,
  },
  'POST /admin/users/:id/deactivate': {
    target: asAdmin, values: () => [], params: async () => ({ id: String(ids.victim) }),
    effect: async ({ app, params, events }) => {
      if (!one(events, 'user.deactivated').length) return;
      const user = await app.db.selectFrom('users').selectAll().where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(user.status === 'deactivated' && user.deactivated_at, 'deactivation audited but the person is still active');
      must(!(await app.db.selectFrom('sessions').select('sid').where('user_id', '=', user.id).executeTakeFirst()), 'a deactivated person kept a session');
      must(!(await app.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', user.id).where('used_at', 'is', null).executeTakeFirst()), 'a deactivated person kept a live password link');
    },
    notice: true,
  },
  'POST /admin/users/:id/reactivate': {
    target: asAdmin, values: () => [], params: async () => ({ id: String(await deactivated(ids.goner)) }),
    effect: async ({ app, params, events }) => {
      if (!one(events, 'user.reactivated').length) return;
      const user = await app.db.selectFrom('users').selectAll().where('id', '=', Number(params.id)).executeTakeFirstOrThrow();
      must(user.status === 'active' && user.deactivated_at === null, 'reactivation audited but the person is not active');
    },
    notice: true,
  },
  'POST /admin/users/:id/password-link': {
    target: asAdmin, values: () => [], params: async () => ({ id: String(ids.victim) }),
    effect: async ({ app, res, params, events }) => {
      if (!one(events, 'user.password_link_issued').length) return;
      const live = await app.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', Number(params.id)).where('used_at', 'is', null).execute();
      must(live.length === 1, `expected exactly one live link, found ${live.length}`);
      await mustShowLiveLinks(app, res.text, 1);
    },
    notice: true,
  },
  'POST /admin/users/:id/invitation': {
    target: asAdmin, values: () => ['1', '2', '3', '0', '-1', '9999', '2.5'], params: async () => ({ id: String(ids.invitee) }),
    bases: async () => {
      const sofar = await invitationKeys(ids.invitee);
      return [[['number', String(sofar.length + 1)]], [['number', String(Math.max(1, sofar.length))]]];
    },
    effect: async ({ app, res, params, events, delta }) => {
      must(locationOf(res) === `/admin/users/${params.id}`, `unexpected redirect ${locationOf(res)}`);
      const resent = one(events, 'user.invitation_resent');
      must(resent.length === delta('outbox'), `${resent.length} resend events for ${delta('outbox')} new outbox rows`);
      if (!resent.length) return;
      const n = (JSON.parse(resent[0]!.details) as { number: number }).number;
      const row = await app.db.selectFrom('outbox').select(['key', 'to_address', 'text_body']).where('key', '=', n === 1 ? `invitation:${params.id}` : `invitation:${params.id}:${n}`).executeTakeFirst();
      must(row?.to_address === 'invitee@riverside.example', `invitation ${n} is not in the outbox for the invitee`);
      must(!/\/password\/[A-Za-z0-9_-]{43}/.test(row!.text_body), 'a queued invitation holds a working link');
    },
    notice: true,
  },
  'POST /admin/departments': {
    target: asAdmin,
    values: () => ['Nursing/ICU', 'Radiology', 'Radiology / MRI', 'A/B/C/D/E/F/G/H', 'A/B/C/D/E/F/G/H/I', 'a//b', '/', ' ', 'Ünïcödé/部門'],
    bases: async () => [[['path', `Dept ${uniq()}/Unit`]]],
    effect: ({ events }) => {
      must(events.every((e) => e.action === 'department.created'), 'a department form wrote other events');
    },
    notice: true,
  },
  'POST /admin/import': {
    target: asAdmin,
    values: () => USER_VALUES,
    csv: {
      columns: USER_FIELDS,
      cells: () => USER_VALUES,
      bulkRow: (i) => [`B${i}`, `bulk${i}@riverside.example`, `Bulk ${i}`, 'learner', 'Bulk', '', '', i % 2 ? 'RN2' : '', ''],
    },
    bases: async () => {
      const n = uniq();
      return [[['csv', [USER_FIELDS.join(','), csvLine([`I${n}`, `imp${n}@riverside.example`, `Ida Import ${n}`, 'learner', 'Nursing/ICU', 'victim@riverside.example', '2026-03-01', 'RN2', 'Registered nurse']),
        csvLine([`J${n}`, `imp${n}b@riverside.example`, `Jo Import ${n}`, 'manager', '', '', '', '', ''])].join('\r\n')]]];
    },
    effect: async ({ app, res, events, delta }) => {
      must(res.status === 200 && res.text.includes('Import finished'), `a success answered ${res.status} ${locationOf(res)}, not the done page`);
      const [imported] = one(events, 'users.imported');
      must(imported, 'an import answered success without its users.imported event');
      const details = JSON.parse(imported!.details) as { created: number };
      await mustShowLiveLinks(app, res.text, details.created);
      must(one(events, 'user.created').length === details.created && delta('users') === details.created, 'created count, new people and user.created events disagree');
      const created = one(events, 'user.created').map((e) => Number(e.subject_id));
      for (const id of created) {
        must(await app.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', id).executeTakeFirst(), `imported person ${id} got no set-password link`);
      }
    },
    notice: true,
  },
});
