import fs from 'node:fs';
import { buildCli, reportFailure } from '../../server/cli';
import { loadCatalogue } from '../../server/content/loader';
import { copyFixture } from '../helpers/content';

// content:check fails on the structure findings (start-up does not run them); the fixture course names no
// question scenes or concepts, and its scenes name no objectives, so it has 12 findings.
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

test('content:check fails on the structure findings and names each; start-up still loads the course', async () => {
  let code = 0;
  await run().catch((e: unknown) => { code = reportFailure(e); });
  expect(code).toBe(1);
  expect(out).toEqual([]);
  const report = errors.join('\n');
  expect(report).toMatch(/^Course content has 12 problems:\n {2}courses\/mini\/quiz\.yaml: questions\[0\]\.scene: question "one-a" names no scene/);
  expect(report).toContain('courses/mini/quiz.yaml: questions[4].concept: question "two-b" has no `concept:`');
  expect(loadCatalogue(dir).courses.map((c) => c.id)).toEqual(['mini']);
  expect(warnings).toEqual([]);
});
