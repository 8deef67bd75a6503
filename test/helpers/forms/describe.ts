import { exercise } from './exercise';
import { pagesAnswering5xx } from './pages';
import type { Spec } from './types';

/**
 * The property every area's form file runs: each route of the area against hostile bodies, then every
 * page once more, since what the properties stored must not break a page.
 */
export function describeHostileInput(title: string, specs: Record<string, Spec>): void {
  describe(title, () => {
    test.each(Object.keys(specs))('%s: never a 500, a refusal changes nothing and says why, a success is whole', async (route) => {
      await exercise(route, specs[route]!);
    }, 120_000);

    test('every page still renders afterwards: GET routes as the admin and as each learner never answer 5xx', async () => {
      expect(await pagesAnswering5xx()).toEqual([]);
    }, 120_000);
  });
}
