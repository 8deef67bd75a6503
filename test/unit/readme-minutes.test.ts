import fs from 'node:fs';
import path from 'node:path';
import { loadCatalogue } from '../../server/content/loader';
import { contentDir } from '../../server/paths';

// The README states how long the shipped course takes; lessons are rewritten often, so the figure is
// checked against the course files rather than trusted.
test('the README\'s total minutes for the shipped course equal the sum of its lessons\' minutes', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const stated = [...readme.matchAll(/lessons\s+take\s+about\s+\*\*(\d+)\s+minutes\*\*\s+in\s+all/g)].map((m) => Number(m[1]));
  expect(stated).toHaveLength(1);
  const course = loadCatalogue(contentDir).get('hipaa-social-media')!;
  const total = course.lessons.reduce((n, l) => n + l.minutes, 0);
  expect(stated[0]).toBe(total);
  expect(readme).toContain(`has ${course.lessons.length} scenario lessons`);
  expect(readme).toMatch(new RegExp(`\\b${course.questions.length}-question bank`));
});
