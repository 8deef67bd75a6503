import fs from 'node:fs';
import { AUTHORING_LIMITS, checkAuthoring } from '../../server/authoring-check';
import { lengthCues } from '../../server/content/cues';
import { buildBank, loadBank, sized, type Bank } from '../helpers/cue-bank';

// Each limit of content:check on a small bank that breaks exactly that limit, and a bank that breaks
// none. The bank is YAML loaded by the real loader (test/helpers/cue-bank.ts).

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function check(bank: Bank) {
  const { dir, course } = loadBank(bank);
  dirs.push(dir);
  return { course, report: checkAuthoring(course, { quizzes: 1000, seed: 7 }) };
}

const singles = (bank: Bank) => bank.questions.filter((q) => q.type === 'single');

describe('content:check authoring limits', () => {
  test('a balanced bank passes every limit and still prints every figure, per course and per lesson', () => {
    const { report } = check(buildBank());
    expect(report.failures).toEqual([]);
    const text = report.lines.join('\n');
    expect(text).toMatch(/Key strictly the longest choice: 3 of 12 single-answer items, 25\.0% \[≤ 35%\] {2}ok/);
    expect(text).toMatch(/Key length ÷ next-longest choice: largest 1\.08× .*0 items over \[≤ 1\.25×\] {2}ok/);
    expect(text).toMatch(/Marker words in quiz choices — any marker in 0\.0% of keys .* gap 0\.0 points \[≤ 10\] {2}ok/);
    expect(text).toMatch(/Marker words in lesson choices — .* {2}ok/);
    expect(text).toMatch(/Test-wise non-reader .*passes \d+\.\d% of 1000 drawn quizzes of 12 at 80%.*\[< 5%\] {2}ok/);
    expect(text).toMatch(/Reading level .*per lesson: one \d\.\d, two \d\.\d, three \d\.\d, four \d\.\d \[≤ 9\.0\] {2}ok/);
    // Per lesson: keys of items 4, 8 and 12 are the longest, so lesson one has none of them.
    expect(text).toMatch(/^ {4}one +0\/3 +0\.92× one-3 /m);
    for (const lesson of ['two', 'three', 'four']) expect(text).toMatch(new RegExp(`^ {4}${lesson} +1/3 +1\\.08× `, 'm'));
  });

  test('fails when the key is strictly the longest choice in more than 35% of single-answer items', () => {
    const { report } = check(buildBank({ keyRank: (n) => (n % 2 ? 3 : n % 4) }));
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(/^cues: the key is strictly the longest choice in 50\.0% of single-answer items \(limit ≤ 35%\); longest keys by ratio: one-2 1\.08×/);
  });

  test('fails when a key is more than 1.25× its next-longest choice, naming the item', () => {
    const bank = buildBank();
    const key = singles(bank)[3]!.choices[0]!; // two-1: its key is the longest (rank 3)
    key.text = sized('Share', 'really', 'a of two-1', 62);
    const { report } = check(bank);
    expect(report.failures).toEqual([expect.stringMatching(/^cues: 1 single-answer item with a key longer than 1\.25× the next-longest choice \(largest 1\.29×\): two-1 1\.29×$/)]);
  });

  test('fails when marker words are more common in distractors than in keys, naming the word and the items', () => {
    const bank = buildBank();
    for (const q of singles(bank)) {
      const longest = Math.max(...q.choices.map((c) => c.text.length));
      for (const c of q.choices) if (!c.correct && c.text.length < longest) c.text = c.text.replace('really', 'always');
    }
    const { report } = check(bank);
    expect(report.failures.length).toBe(2);
    expect(report.failures[0]).toMatch(/^cues: "any marker" appears in 0\.0% of keys but 61\.4% of distractors — quiz keys and distractors 61\.4 points apart \(limit 10\); most in: four-3, three-2, two-1, /);
    expect(report.failures[1]).toMatch(/^cues: "always" appears in 0\.0% of keys but 61\.4% of distractors/);
  });

  test('fails when lesson violation choices carry marker words that best and acceptable choices do not', () => {
    const bank = buildBank();
    for (const l of bank.lessons) for (const c of l.scenes[0]!.choices) if (c.outcome === 'violation') c.text = c.text.replace('really', 'always');
    const { report } = check(bank);
    expect(report.failures).toEqual([
      'cues: "any marker" appears in 0.0% of best/acceptable choices but 100.0% of violation choices — lesson outcomes 100.0 points apart (limit 10); most in: four/hallway, one/hallway, three/hallway, two/hallway',
      'cues: "always" appears in 0.0% of best/acceptable choices but 100.0% of violation choices — lesson outcomes 100.0 points apart (limit 10); most in: four/hallway, one/hallway, three/hallway, two/hallway',
    ]);
  });

  test('fails when a test-wise non-reader passes 5% or more of drawn quizzes, though no single cue is over its limit', () => {
    // Every key opens with another word than its distractors (the odd one out), and is the longest in a third of items.
    const bank = buildBank({ keyRank: (n) => (n % 3 === 2 ? 3 : n % 2), keyOpening: 'Pause' });
    bank.questions = singles(bank);
    const { report } = check(bank);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(/^cues: a test-wise non-reader passes (\d+\.\d)% of drawn quizzes \(limit < 5%\); items it gets right at least half the time: four-3 100%, one-3 100%, three-3 100%, two-3 100%/);
    const rate = Number(/passes (\d+\.\d)%/.exec(report.failures[0]!)![1]);
    expect(rate).toBeGreaterThanOrEqual(AUTHORING_LIMITS.testWisePass);
  });

  test('fails when a lesson reads above grade 9, naming the lesson and its hardest parts', () => {
    const bank = buildBank();
    bank.lessons[1]!.scenes[0]!.narrative = 'Organisational confidentiality obligations necessitate comprehensive institutional accountability '
      + 'mechanisms regarding unauthorised information dissemination across interconnected communication platforms, '
      + 'particularly considering reputational, regulatory and contractual ramifications.';
    const { report } = check(bank);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(/^cues: lesson two reads at Flesch-Kincaid grade (\d+\.\d) \(limit ≤ 9\.0\); hardest parts: hallway \d+\.\d, intro -?\d+\.\d$/);
    expect(Number(/grade (\d+\.\d)/.exec(report.failures[0]!)![1])).toBeGreaterThan(12);
  });

  test('the length figures count trimmed characters of single-answer items only', () => {
    const { dir, course } = loadBank(buildBank());
    dirs.push(dir);
    const cues = lengthCues(course.questions);
    expect(cues.singles).toBe(12);
    // Keys of the 4th, 8th and 12th single-answer items are the longest (52 against 48 characters).
    expect(cues.longest.map((r) => r.id).sort()).toEqual(['four-3', 'three-2', 'two-1']);
    for (const r of cues.longest) expect(r.ratio).toBeCloseTo(52 / 48, 6);
    expect(cues.ratios.map((r) => r.id)).not.toContain('one-4');
  });
});
