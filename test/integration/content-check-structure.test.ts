import fs from 'node:fs';
import { buildCli, reportFailure } from '../../server/cli';
import { copyFixture } from '../helpers/content';

// content:check prints the structure findings (which start-up does not refuse yet) and --strict fails
// on them; the fixture course names no question scenes or concepts, and its scenes name no objectives, so it has 12 findings.
let dir: string;
let out: string[];
let warnings: string[];
let errors: string[];
const saved = { ...process.env };

beforeEach(() => {
  dir = copyFixture();
  process.env.CONTENT_DIR = dir;
  process.env.SESSION_SECRET = 'cli-test-secret-long-enough-to-pass-the-check';
  out = [];
  warnings = [];
  errors = [];
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  jest.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => { warnings.push(a.join(' ')); });
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { errors.push(a.join(' ')); });
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => buildCli().parseAsync(['node', 'cli', 'content:check', ...args]);

test('content:check passes with the structure findings printed; --strict fails on them', async () => {
  await run();
  expect(out.join('\n')).toMatch(/^mini t1 \(content [0-9a-f]{12}\): 2 lessons, 4 scenes, 5 quiz questions — OK$/);
  const report = warnings.join('\n');
  expect(report).toMatch(/^Structure: 12 findings \(not yet refused at start-up; content:check --strict fails on them\):/);
  expect(report).toContain('courses/mini/quiz.yaml: questions[0].scene: question "one-a" names no scene');
  expect(report).toContain('courses/mini/quiz.yaml: questions[4].concept: question "two-b" has no `concept:`');

  out = [];
  let code = 0;
  await run('--strict').catch((e: unknown) => { code = reportFailure(e); });
  expect(code).toBe(1);
  expect(out).toEqual([]);
  expect(errors.join('\n')).toMatch(/^Course content has 12 problems:\n {2}courses\/mini\/quiz\.yaml: questions\[0\]\.scene: /);
});
