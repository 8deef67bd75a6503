import { changedTables, snapshot } from '../helpers/forms/checks';
import { GOOD_PASSWORD, createPerson } from '../helpers/factories';
import { csrfFrom, newAgent, signIn } from '../helpers/http';
import { course, t, uniq } from '../helpers/forms/world';
import { printStatsAfterAll } from '../helpers/forms/exercise';
import { describeHostileInput } from '../helpers/forms/describe';
import { LEARNING_SPECS } from '../helpers/forms/specs-learning';
import { useWorld } from '../helpers/forms/world';

// Issue 8, "hostile input": every POST route of the app, listed from its own route table, gets random
// hostile bodies from fast-check (random Unicode, lone surrogates, NUL bytes, BOMs, huge values, missing,
// repeated and array fields, prototype keys, broken percent-encoding, odd content types and encodings,
// broken multipart), sent with a valid CSRF token by someone allowed to use the route, at real records
// in the state the route acts on, and sometimes at hostile route parameters. What each answer must
// satisfy, and the deliberate exceptions, are in test/helpers/forms/exercise.ts; the routes' specs in
// test/helpers/forms/specs-*.ts; forms-coverage.test.ts fails when a POST route has no spec.

useWorld();
printStatsAfterAll();

describeHostileInput('hostile input on the learner forms', LEARNING_SPECS);

// Regression tests for the defects these properties found (all fixed).
describe('defects found by these properties', () => {
  test('a refused answer to a lesson nobody opened yet writes nothing (400 or 409)', async () => {
    const lesson = course.lessons[0]!;
    const cases: { scene: string; body: Record<string, string> }[] = [
      { scene: lesson.scenes[0]!.id, body: { choice: 'no-such-choice' } }, // 400 "Choose one of the options shown"
      { scene: lesson.scenes[0]!.id, body: {} }, // 400, the scene page again
      { scene: lesson.scenes[1]!.id, body: { choice: lesson.scenes[0]!.choices[0]!.id } }, // 409, not the scene you are on
    ];
    const writes: string[] = [];
    for (const c of cases) {
      const email = `opener${uniq()}@riverside.example`;
      await createPerson(t.db, t.clock, { email, name: 'Opal Opener' });
      const agent = newAgent(t.app);
      await signIn(agent, email, GOOD_PASSWORD);
      const token = csrfFrom((await agent.get('/transcript')).text);
      const before = await snapshot(t, false);
      const res = await agent.post(`/courses/${course.id}/lessons/${lesson.id}/scenes/${c.scene}`).type('form').send({ _csrf: token, ...c.body });
      const changed = changedTables(before, await snapshot(t, false));
      if (res.status >= 400 && changed.length) writes.push(`${res.status} wrote ${changed.join(', ')}`);
    }
    expect(writes).toEqual([]);
  });
});
