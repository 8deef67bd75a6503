import { buildTestApp, type TestApp } from '../helpers/app';
import { enqueue } from '../../server/notifications/outbox';
import { createPerson, GOOD_PASSWORD } from '../helpers/factories';
import { csrfFrom, newAgent, signIn, type Agent } from '../helpers/http';
import { PLAIN_SVG } from '../helpers/images';
import { completeCourse } from '../helpers/learner';
import { routeTable } from '../helpers/routes';

// Every route × every role, from the app's own route table: a route added without a rule here fails.

type Role = 'anonymous' | 'learner' | 'otherLearner' | 'managerInScope' | 'managerOutOfScope' | 'admin' | 'auditor';
const ROLES: Role[] = ['anonymous', 'learner', 'otherLearner', 'managerInScope', 'managerOutOfScope', 'admin', 'auditor'];

/** Who may use a route: everything else is refused (sign-in redirect, 403, or 404 where existence is private). */
type Rule = 'public' | 'signed-in' | 'owner' | 'certificate' | 'staff' | 'staff-in-scope' | 'admin-or-auditor' | 'admin';
const RULES: Record<string, Rule> = {
  'GET /healthz': 'public', 'GET /verify': 'public', 'GET /verify/:code': 'public', 'GET /login': 'public', 'POST /login': 'public',
  'POST /logout': 'public', 'GET /setup/:token': 'public', 'POST /setup/:token': 'public', 'GET /password/:token': 'public', 'POST /password/:token': 'public',
  'GET /': 'signed-in', 'GET /transcript': 'signed-in', 'GET /courses/:courseId': 'signed-in', 'GET /courses/:courseId/lessons/:lessonId': 'signed-in',
  'GET /courses/:courseId/lessons/:lessonId/play': 'signed-in', 'POST /courses/:courseId/lessons/:lessonId/scenes/:sceneId': 'signed-in',
  'POST /courses/:courseId/lessons/:lessonId/scenes/:sceneId/marks': 'signed-in',
  'GET /courses/:courseId/quiz': 'signed-in', 'POST /courses/:courseId/quiz/attempts': 'signed-in',
  'GET /courses/:courseId/lessons/:lessonId/answers/:answerId': 'owner', 'GET /courses/:courseId/quiz/attempts/:attemptId': 'owner',
  'POST /courses/:courseId/quiz/attempts/:attemptId': 'owner', 'GET /courses/:courseId/quiz/attempts/:attemptId/result': 'owner',
  'POST /courses/:courseId/quiz/attempts/:attemptId/answers': 'owner', 'GET /resume': 'signed-in',
  'GET /courses/:courseId/attest/:attemptId': 'owner', 'POST /courses/:courseId/attest/:attemptId': 'owner',
  'GET /certificates/:id.pdf': 'certificate',
  'GET /team': 'staff', 'GET /reports': 'staff', 'GET /reports/export.csv': 'staff', 'GET /reports/certificates.zip': 'staff',
  'GET /reports/evidence.pdf': 'staff-in-scope', 'GET /reports/evidence.csv': 'staff-in-scope', 'GET /team/people/:id': 'staff-in-scope',
  'GET /admin/users': 'admin-or-auditor', 'GET /admin/users/:id': 'admin-or-auditor', 'GET /admin/departments': 'admin-or-auditor', 'GET /admin/audit': 'admin-or-auditor',
  'GET /admin/users/new': 'admin', 'POST /admin/users': 'admin', 'POST /admin/users/:id': 'admin', 'POST /admin/users/:id/deactivate': 'admin',
  'POST /admin/users/:id/reactivate': 'admin', 'POST /admin/users/:id/password-link': 'admin', 'POST /admin/departments': 'admin',
  'GET /admin/import': 'admin', 'POST /admin/import': 'admin', 'POST /admin/users/:id/completions': 'admin',
  'GET /admin/completions/import': 'admin', 'POST /admin/completions/import': 'admin', 'POST /admin/certificates/:id/revoke': 'admin',
  'POST /admin/certificates/:id/reissue': 'admin',
  'GET /admin/settings': 'admin', 'POST /admin/settings': 'admin', 'POST /admin/settings/policy': 'admin', 'POST /admin/settings/logo': 'admin', 'POST /admin/settings/logo/remove': 'admin',
  'POST /admin/users/:id/unlock': 'admin', 'GET /settings/logo': 'public', 'POST /admin/users/:id/sso/:identity/unlink': 'admin',
  'GET /reports/policies/:slug': 'staff', 'GET /reports/policies/:slug/export.csv': 'staff',
  'GET /admin/assignments/:id/edit': 'admin', 'POST /admin/assignments/:id/edit': 'admin',
  'GET /admin/assignments': 'admin', 'POST /admin/assignments': 'admin', 'POST /admin/assignments/:id/end': 'admin',
  'GET /admin/users/:id/assignments': 'admin', 'POST /admin/exemptions': 'admin', 'POST /admin/exemptions/:id/end': 'admin',
  'GET /admin/exemptions/:id/evidence': 'admin', 'POST /admin/users/:id/move': 'admin',
  'GET /policies/:slug': 'signed-in', 'POST /policies/:slug/acknowledge': 'signed-in',
  'GET /admin/policies': 'admin-or-auditor', 'GET /admin/policies/:slug': 'admin-or-auditor', 'GET /admin/policies/:slug/versions/:id': 'admin-or-auditor',
  'GET /admin/policies/:slug/export.csv': 'admin-or-auditor', 'GET /admin/policies/new': 'admin', 'POST /admin/policies': 'admin',
  'GET /admin/outbox': 'admin', 'POST /admin/outbox/:id/retry': 'admin',
  'GET /admin/notifications': 'admin', 'POST /admin/notifications': 'admin', 'GET /admin/notifications/templates/:stage': 'admin',
  'POST /admin/notifications/templates/:stage': 'admin', 'POST /admin/notifications/templates/:stage/test': 'admin',
  'GET /account/email': 'signed-in', 'POST /account/email': 'signed-in',
};

type Outcome = 'allowed' | 'sign-in' | 'forbidden' | 'not-found';

function expected(rule: Rule, role: Role): Outcome[] {
  if (rule === 'public') return ['allowed'];
  if (role === 'anonymous') return ['sign-in'];
  const staff = ['managerInScope', 'managerOutOfScope', 'admin', 'auditor'].includes(role);
  switch (rule) {
    case 'signed-in': return ['allowed'];
    case 'owner': return role === 'learner' ? ['allowed'] : ['not-found'];
    case 'certificate': return ['learner', 'managerInScope', 'admin', 'auditor'].includes(role) ? ['allowed'] : ['not-found'];
    case 'staff': return staff ? ['allowed'] : ['forbidden'];
    // A person outside a manager's scope answers like a missing id (issue 12): existence stays private.
    case 'staff-in-scope': return role === 'managerOutOfScope' ? ['not-found'] : staff ? ['allowed'] : ['forbidden'];
    case 'admin-or-auditor': return role === 'admin' || role === 'auditor' ? ['allowed'] : ['forbidden'];
    case 'admin': return role === 'admin' ? ['allowed'] : ['forbidden'];
  }
}

function outcome(status: number, location: string | undefined): Outcome | `error ${number}` {
  if (status >= 500) return `error ${status}`;
  if (status === 303 && location?.startsWith('/login?next=')) return 'sign-in';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  return 'allowed';
}

let t: TestApp;
const agents = new Map<Role, Agent>();
const params: Record<string, string> = {};

beforeAll(async () => {
  t = await buildTestApp();
  const course = t.catalogue.courses[0]!;
  const people: [Role, string, Parameters<typeof createPerson>[2]][] = [
    ['learner', 'subject@riverside.example', { role: 'learner', department: 'Nursing/ICU', name: 'Sam Subject' }],
    ['otherLearner', 'other@riverside.example', { role: 'learner', department: 'Pharmacy' }],
    ['managerInScope', 'mgr.in@riverside.example', { role: 'manager', department: 'Nursing' }],
    ['managerOutOfScope', 'mgr.out@riverside.example', { role: 'manager', department: 'Pharmacy' }],
    ['admin', 'admin@riverside.example', { role: 'admin' }],
    ['auditor', 'auditor@riverside.example', { role: 'auditor' }],
  ];
  for (const [role, email, spec] of people) {
    const u = await createPerson(t.db, t.clock, { email, ...spec });
    if (role === 'learner') params.id = String(u.id);
    const a = newAgent(t.app);
    await signIn(a, email, GOOD_PASSWORD);
    agents.set(role, a);
  }
  agents.set('anonymous', newAgent(t.app));
  // Admin actions on people (deactivate, edit) act on a bystander, so the subject's session survives.
  params.victimId = String((await createPerson(t.db, t.clock, { email: 'bystander@riverside.example', department: 'Nursing/ICU' })).id);
  params.attemptId = String(await completeCourse(agents.get('learner')!, course, 'Sam Subject', t.clock));
  const answer = await t.db.selectFrom('scene_answers').select('id').where('lesson_id', '=', course.lessons[0]!.id).orderBy('id').executeTakeFirstOrThrow();
  const cert = await t.db.selectFrom('certificates').select(['id', 'code']).executeTakeFirstOrThrow();
  // The logo is public (the sign-in page shows it); without one its URL answers 404.
  await t.services.settings.setLogo({ id: null, label: 'test' }, Buffer.from(PLAIN_SVG));
  // An assignment (everyone, as before any rule) and an exemption of the bystander, for the routes that end them.
  const sys = { id: null, label: 'test' };
  const assignmentId = await t.services.assignments.create(sys, {
    name: 'Everyone', target: { type: 'course', id: course.id }, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] }, startsOn: '2026-01-01', rolloutDays: 60, endsOn: null,
  });
  const exemptionId = await t.services.assignments.grantExemption(sys, 'Test', {
    userId: Number(params.victimId), assignmentId, reason: 'On leave.', until: null,
    evidence: { name: 'note.txt', mediaType: 'text/plain', data: Buffer.from('Leave approved.'), sha256: 'x'.repeat(64) },
  });
  Object.assign(params, { assignmentId: String(assignmentId), exemptionId: String(exemptionId) });
  const policy = await t.services.policies.publish({ id: null, label: 'test' }, { slug: 'conduct', title: 'Conduct', label: '1', text: 'Be kind.', kind: 'material', note: 'First.', minReadSeconds: null });
  Object.assign(params, { slug: 'conduct', policyVersionId: String(policy.versionId) });
  // A message that failed, for the outbox's Retry button.
  await t.uow((trx) => enqueue(trx, [{ key: 'matrix:1', userId: null, to: 'subject@riverside.example', stage: 'due-soon', subject: 'Due', text: 'Due.', html: '<p>Due.</p>' }], t.clock.now()));
  const outboxRow = await t.db.updateTable('outbox').set({ state: 'failed' }).where('key', '=', 'matrix:1').returning('id').executeTakeFirstOrThrow();
  params.outboxId = String(outboxRow.id);
  Object.assign(params, { courseId: course.id, lessonId: course.lessons[0]!.id, sceneId: course.lessons[0]!.scenes[0]!.id, answerId: String(answer.id), code: cert.code, token: 'A'.repeat(43), certId: String(cert.id), identity: '999' });
});
afterAll(async () => { await t.close(); });

function urlFor(route: string): string {
  const [method, path] = route.split(' ') as [string, string];
  const idFor = path.startsWith('/admin/policies/') ? params.policyVersionId!
    : path.startsWith('/certificates') || path.startsWith('/admin/certificates') ? params.certId!
    : path.startsWith('/admin/outbox/') ? params.outboxId!
    : path.startsWith('/admin/assignments/') ? params.assignmentId! : path.startsWith('/admin/exemptions/') ? params.exemptionId!
    : method === 'POST' && path.startsWith('/admin/users/') ? params.victimId! : params.id!;
  let url = path.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? idFor : name === 'stage' ? 'due-soon' : params[name]!));
  if (url.startsWith('/reports/evidence')) url += `?person=${params.id}`;
  return url;
}

describe('access control matrix', () => {
  test('every route in the app has a rule, and every rule names a route', () => {
    const routes = routeTable(t.app);
    expect(routes.filter((r) => !(r in RULES))).toEqual([]);
    expect(Object.keys(RULES).filter((r) => !routes.includes(r))).toEqual([]);
  });

  test('every route answers every role as its rule says (GETs, then POSTs with a valid CSRF token and an empty form)', async () => {
    const routes = routeTable(t.app);
    // Reads first; writes after, with sign-out last, as writes change state.
    const order = [...routes.filter((r) => r.startsWith('GET')), ...routes.filter((r) => r.startsWith('POST') && r !== 'POST /logout'), 'POST /logout'];
    const mismatches: string[] = [];
    for (const route of order) {
      for (const role of ROLES) {
        const agent = agents.get(role)!;
        const url = urlFor(route);
        let res;
        if (route.startsWith('GET')) {
          res = await agent.get(url);
        } else {
          const page = await agent.get(role === 'anonymous' ? '/login' : '/transcript');
          res = await agent.post(url).type('form').send({ _csrf: csrfFrom(page.text) });
        }
        const got = outcome(res.status, res.headers.location);
        const want = expected(RULES[route]!, role);
        if (!want.includes(got as Outcome)) mismatches.push(`${route} (${url}) as ${role}: got ${got} (${res.status}), expected ${want.join(' or ')}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
