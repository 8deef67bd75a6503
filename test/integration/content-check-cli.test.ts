import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, reportFailure } from '../../server/cli';
import { ContentError } from '../../server/content/loader';
import { buildBank, loadBank } from '../helpers/cue-bank';

// `content:check` on a content folder chosen by CONTENT_DIR (as the content writers run it): the cue
// and reading-level figures always print; a broken limit fails the command unless --authoring-warn-only.
let out: string[];
let err: string[];
const saved = { ...process.env };
const dirs: string[] = [];

beforeEach(() => {
  out = [];
  err = [];
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-cli-'));
  dirs.push(data);
  process.env.DATA_DIR = data;
  jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
});
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function useBank(bank = buildBank()): void {
  const { dir } = loadBank(bank);
  dirs.push(dir);
  process.env.CONTENT_DIR = dir;
}
const run = (...args: string[]) => buildCli().parseAsync(['node', 'cli', 'content:check', ...args]);

describe('content:check answer cues and reading level', () => {
  test('prints every figure and succeeds when every limit holds', async () => {
    useBank();
    await run();
    const text = out.join('\n');
    expect(text).toContain('cues 1 (content ');
    for (const figure of ['Key strictly the longest choice', 'Key length ÷ next-longest choice', 'Marker words in quiz choices', 'Marker words in lesson choices', 'Test-wise non-reader', 'Reading level', 'Per lesson:']) {
      expect(text).toContain(figure);
    }
    expect(text).not.toContain('FAIL');
    expect(err).toEqual([]);
  });

  test('exits 1 naming the figure, the limit and the worst items when a limit is broken', async () => {
    useBank(buildBank({ keyRank: () => 3 }));
    const failure = await run().then(() => undefined, (e: unknown) => e);
    expect(failure).toBeInstanceOf(ContentError);
    expect(reportFailure(failure)).toBe(1);
    expect(err.join('\n')).toMatch(/cues: the key is strictly the longest choice in 100\.0% of single-answer items \(limit ≤ 35%\); longest keys by ratio: one-1 1\.08×/);
    expect(err.join('\n')).toMatch(/cues: a test-wise non-reader passes \d+\.\d% of drawn quizzes \(limit < 5%\)/);
    expect(out.join('\n')).toMatch(/Key strictly the longest choice: 12 of 12 single-answer items, 100\.0% \[≤ 35%\] {2}FAIL/);
  });

  test('--authoring-warn-only prints the failures as warnings and succeeds', async () => {
    useBank(buildBank({ keyRank: () => 3 }));
    await run('--authoring-warn-only');
    expect(out.join('\n')).toContain('FAIL');
    expect(err.length).toBeGreaterThan(0);
    for (const line of err) expect(line).toMatch(/^warning: cues: /);
  });

  test('--items lists every quiz item with its ratio, marker words and how often the non-reader gets it right', async () => {
    const bank = buildBank();
    bank.questions[0]!.choices[1]!.text = bank.questions[0]!.choices[1]!.text.replace('really', 'always');
    useBank(bank);
    await run('--items');
    const items = out.join('\n').split('\n').filter((l) => /^ {4}(one|two|three|four)-\d /.test(l));
    expect(items).toHaveLength(16);
    // one-1: a 40-character key against distractors of 44, 48 and 52; two-1: 52 against 48.
    expect(items[0]).toMatch(/^ {4}one-1 +single +0\.77× +- \| always, -, - +0%$/);
    expect(items[3]).toMatch(/^ {4}one-4 +multiple +-, - \| -, - +0%$/);
    expect(items[4]).toMatch(/^ {4}two-1 +single +1\.08× +- \| -, -, - +100%$/);
  });
});
