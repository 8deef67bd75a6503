import { sql } from 'kysely';
import { routeTable } from '../routes';
import type { Agent } from '../http';
import { admin, course, learners, pwToken, t } from './world';

/**
 * Every GET route, as the admin and as each learner, at real records: the pages that answer 5xx.
 * Run after the properties, so whatever they stored (names, departments, imports in odd Unicode) is
 * shown somewhere.
 */
export async function pagesAnswering5xx(): Promise<string[]> {
  const gets = routeTable(t.app).filter((r) => r.startsWith('GET ')).map((r) => r.slice(4));
  const all = async (query: string) => (await sql.raw<Record<string, string | number>>(query).execute(t.db)).rows.map((r) => String(Object.values(r)[0]));
  const values: Record<string, string[]> = {
    courseId: [course.id, 'no-such-course'], lessonId: course.lessons.map((l) => l.id),
    answerId: await all('SELECT id FROM scene_answers ORDER BY id DESC LIMIT 3'), attemptId: await all('SELECT id FROM quiz_attempts ORDER BY id DESC LIMIT 3'),
    code: await all('SELECT code FROM certificates ORDER BY id DESC LIMIT 3'), token: [pwToken, 'A'.repeat(43)],
    slug: [...await all('SELECT slug FROM policies ORDER BY id LIMIT 3'), 'no-such-policy'],
  };
  const people = await all('SELECT id FROM users ORDER BY id');
  const certs = await all('SELECT id FROM certificates ORDER BY id DESC LIMIT 3');
  const agents: [string, Agent][] = [['admin', admin], ...[...learners].map(([k, a]): [string, Agent] => [k, a])];
  const failures: string[] = [];
  for (const route of gets) {
    const expand = (path: string, names: string[]): string[] => {
      if (!names.length) return [path];
      const [name, ...rest] = names;
      const list = name === 'id' ? (path.startsWith('/certificates') ? certs : people) : values[name!] ?? [];
      return list.flatMap((v) => expand(path.replace(`:${name}`, encodeURIComponent(v)), rest));
    };
    let urls = expand(route, [...route.matchAll(/:(\w+)/g)].map((m) => m[1]!));
    if (route.startsWith('/reports/evidence')) urls = people.slice(0, 5).map((p) => `${route}?person=${p}`);
    for (const [who, agent] of agents) {
      // The people pages are admin pages; a learner gets 403 for each of them, once is enough.
      for (const url of who === 'admin' ? urls : urls.slice(0, 3)) {
        const res = await agent.get(url);
        if (res.status >= 500) failures.push(`${url} as ${who}: ${res.status}`);
      }
    }
  }
  expect(failures).toEqual([]);
  return failures;
}
