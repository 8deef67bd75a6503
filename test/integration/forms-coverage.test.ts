import fs from 'node:fs';
import path from 'node:path';
import { viewsDir } from '../../server/paths';
import type { Agent } from '../helpers/http';
import { csrfFrom, newAgent, signIn } from '../helpers/http';
import { PLAIN_SVG } from '../helpers/images';
import { routeTable } from '../helpers/routes';
import { z } from 'zod';
import { quizAnswersForm } from '../../server/learning/requests';
import { REQUEST_SCHEMAS } from '../../server/request-schemas';
import { schemaFields } from '../helpers/forms/schema-fields';
import { SPECS } from '../helpers/forms/specs';
import { admin, course, currentScene, fresh, ids, learners, openAttempt, setupToken, spotLearner, t, useWorld } from '../helpers/forms/world';

// The hostile-input properties (forms-*.test.ts) cover every POST route: a route without a spec, a spec
// without a route, a form on a page that does not send exactly its schema's fields, or an upload form
// that is not a CSV spec fails here.

useWorld();

describe('hostile input on every form: coverage', () => {
  test('every POST route has a spec here, every spec names a route, and only GET and POST routes exist', () => {
    const routes = routeTable(t.app);
    const posts = routes.filter((r) => r.startsWith('POST '));
    expect(posts.filter((r) => !(r in SPECS))).toEqual([]);
    expect(Object.keys(SPECS).filter((r) => !posts.includes(r))).toEqual([]);
    expect(routes.filter((r) => !/^(GET|POST) /.test(r))).toEqual([]);
  });

  test('the CSV specs are exactly the multipart forms in the views', () => {
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ejs') ? [path.join(dir, d.name)] : []));
    const multipart = files(viewsDir).flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/<form\b[^>]*action="([^"]+)"[^>]*enctype="multipart\/form-data"/g)].map((m) => `POST ${m[1]}`));
    expect(multipart.sort()).toEqual(Object.keys(SPECS).filter((r) => SPECS[r]!.csv).sort());
  });

  test('every form on the real pages posts to a route with a spec, with exactly the fields its request schema reads', async () => {
    // A failed sign-in puts the Unlock button ("Clear failed sign-ins") on the victim's page.
    await signIn(newAgent(t.app), 'victim@riverside.example', 'not the password');
    // A logo puts the "Remove logo" form on the settings page.
    const logo = await admin.post('/admin/settings/logo').field('_csrf', csrfFrom((await admin.get('/admin/settings')).text))
      .attach('file', Buffer.from(PLAIN_SVG), { filename: 'logo.svg', contentType: 'image/svg+xml' });
    expect(logo.status).toBe(303);
    // A rule puts its "End today" form on the assignments page; an exemption its own on the person's.
    const sys = { id: ids.admin, label: 'test' };
    const assignmentId = await t.services.assignments.create(sys, {
      name: 'Everyone', target: { type: 'course', id: course.id }, audience: { everyone: true, departmentIds: [], roles: [], jobCodes: [] }, startsOn: '2026-01-01', rolloutDays: 60, endsOn: null,
    });
    await t.services.assignments.grantExemption(sys, 'Ann Admin', { userId: ids.victim, assignmentId, reason: 'On leave.', until: null });
    // A published policy puts the read-and-sign form on its page.
    await t.services.policies.publish({ id: ids.admin, label: 'test' }, { slug: 'coverage-policy', title: 'Coverage', label: '1', text: 'Read me.', kind: 'material', note: 'First.', minReadSeconds: null });
    // A failed message puts its Retry form on the outbox page.
    await SPECS['POST /admin/outbox/:id/retry']!.params!();
    // A single sign-on link puts its "Remove" form on the victim's page.
    await SPECS['POST /admin/users/:id/sso/:identity/unlink']!.params!();
    const quiz = await openAttempt();
    const scene = await currentScene();
    // The spot-the-PHI form, on the fixture course's app (the shipped course need not have a spot scene).
    const spot = await spotLearner();
    const pages: [Agent, string][] = [
      [spot.agent, `/courses/${spot.course.id}/lessons/${spot.course.lessons[0]!.id}/play`],
      [admin, '/admin/users/new'], [admin, `/admin/users/${ids.victim}`], [admin, `/admin/users/${ids.goner}`], [admin, `/admin/users/${ids.certHolder}`],
      [admin, '/admin/departments'], [admin, '/admin/import'], [admin, '/admin/completions/import'], [admin, '/admin/settings'],
      [admin, '/admin/assignments'], [admin, `/admin/assignments/${assignmentId}/edit`], [admin, `/admin/users/${ids.victim}/assignments`],
      [admin, '/admin/policies/new'], [admin, '/admin/outbox'], [learners.get('scene')!, '/policies/coverage-policy'],
      [admin, '/admin/notifications'], [admin, '/admin/notifications/templates/due-soon'], [learners.get('scene')!, '/account/email'],
      [learners.get('scene')!, `/courses/${course.id}/lessons/${scene.lessonId}/play`],
      [learners.get('quiz')!, `/courses/${course.id}/quiz`], [learners.get('quiz')!, `/courses/${course.id}/quiz/attempts/${quiz.id}`], [learners.get('quiz')!, `/courses/${course.id}/quiz/attempts/${quiz.id}?q=2`],
      [learners.get('attest')!, `/courses/${course.id}/attest/${ids.attestAttempt}`],
      [newAgent(t.app), '/login'],
      [newAgent(t.app), `/password/${(await SPECS['POST /password/:token']!.params!()).token}`],
      [newAgent(fresh.app), `/setup/${setupToken}`],
    ];
    const covered = new Set<string>();
    const problems: string[] = [];
    for (const [agent, page] of pages) {
      const res = await agent.get(page);
      if (res.status !== 200) problems.push(`${page} answered ${res.status}`);
      for (const m of res.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
        if (!/method="post"/i.test(m[1]!)) continue;
        const action = /action="([^"]+)"/.exec(m[1]!)?.[1] ?? page;
        const route = Object.keys(SPECS).find((r) => new RegExp(`^${r.slice(5).replace(/:\w+/g, '[^/]+')}$`).test(action));
        if (!route) {
          problems.push(`${page} has a form posting to ${action}, which no spec covers`);
          continue;
        }
        covered.add(route);
        const sent = [...new Set([...m[2]!.matchAll(/\bname="([^"]+)"/g)].map((n) => n[1]!))].filter((n) => n !== '_csrf').sort();
        const schema = REQUEST_SCHEMAS[route as keyof typeof REQUEST_SCHEMAS];
        if (schema instanceof z.ZodObject) {
          // The form sends exactly the fields its request schema reads: no field the server ignores, none it waits for in vain.
          // A saved quiz answer also carries its question's field, named by the course content like the quiz form's.
          const own = sent.filter((n) => !(route.endsWith('/answers') && quizAnswersForm.safeParse({ [n]: 'x' }).success));
          const expected = schemaFields(route).sort();
          if (own.join() !== expected.join()) problems.push(`${route}: the form on ${page} sends [${sent.join(', ')}], its schema reads [${expected.join(', ')}]`);
        } else {
          // Fields named by course content (the quiz): each matches the schema's key pattern and is one the spec sends.
          const known = new Set(SPECS[route]!.fields());
          for (const n of sent) {
            if (!schema?.safeParse({ [n]: 'x' }).success) problems.push(`${route}: the form on ${page} sends "${n}", which its schema refuses`);
            if (!known.has(n)) problems.push(`${route}: the form on ${page} sends "${n}", which the spec does not know`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(Object.keys(SPECS).filter((r) => !covered.has(r))).toEqual([]);
  });
});
