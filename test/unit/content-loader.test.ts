import fs from 'node:fs';
import path from 'node:path';
import { ContentError, loadCatalogue } from '../../server/content/loader';
import { contentDir } from '../../server/paths';
import { copyFixture, FIXTURE_CONTENT, mutateYaml } from '../helpers/content';

type Doc = Record<string, unknown>;
type Scene = { id: string; choices: { id: string; next: string; outcome: string }[] };
const scenes = (d: Doc) => d.scenes as Scene[];
const questions = (d: Doc) => d.questions as { id: string; type: string; choices: { id: string; correct: boolean }[] }[];

function problemsOf(dir: string): string[] {
  try {
    loadCatalogue(dir);
  } catch (e) {
    if (e instanceof ContentError) return e.problems;
    throw e;
  }
  return [];
}

let dir: string;
beforeEach(() => { dir = copyFixture(); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

describe('content loader', () => {
  test('loads the fixture course with rendered Markdown and raw HTML shown as text', () => {
    const c = loadCatalogue(FIXTURE_CONTENT).get('mini')!;
    expect(c.lessons.map((l) => l.id)).toEqual(['one', 'two']);
    expect(c.lessons[0]!.introHtml).toContain('<strong>first</strong>');
    expect(c.lessons[0]!.introHtml).toContain('&lt;script&gt;');
    expect(c.lessons[0]!.introHtml).not.toContain('<script>');
    expect(c.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the shipped course loads and meets the course requirements', () => {
    const c = loadCatalogue(contentDir).get('hipaa-social-media')!;
    expect(c.lessons.length).toBeGreaterThanOrEqual(6);
    for (const l of c.lessons) {
      expect(l.scenes.length).toBeGreaterThanOrEqual(3);
      expect(l.scenes.length).toBeLessThanOrEqual(6);
      expect(c.questions.filter((q) => q.lesson === l.id).length).toBeGreaterThanOrEqual(5);
      for (const s of l.scenes) for (const ch of s.choices) expect(ch.reference.trim()).not.toBe('');
    }
    expect(c.questions.length).toBeGreaterThanOrEqual(36);
    expect(new Set(c.questions.map((q) => q.type))).toEqual(new Set(['single', 'multiple']));
    expect(JSON.stringify(c)).not.toMatch(/lorem ipsum|TODO|TBD|placeholder/i);
  });

  test('the content hash changes when any course file changes, and only then', () => {
    const before = loadCatalogue(dir).get('mini')!.contentHash;
    expect(loadCatalogue(dir).get('mini')!.contentHash).toBe(before);
    fs.appendFileSync(path.join(dir, 'courses/mini/quiz.yaml'), '\n# edited\n');
    expect(loadCatalogue(dir).get('mini')!.contentHash).not.toBe(before);
  });

  const cases: [string, string, (d: Doc) => void, RegExp][] = [
    ['unknown next target', 'lessons/one.yaml', (d) => { scenes(d)[0]!.choices[0]!.next = 'nowhere'; }, /lessons\/one\.yaml: scenes\[0\]\.choices\[0\]\.next: unknown scene "nowhere"/],
    ['violation that does not loop', 'lessons/one.yaml', (d) => { scenes(d)[0]!.choices[2]!.next = 'middle'; }, /scenes\[0\]\.choices\[2\]\.next: a violation choice must send the learner back/],
    ['unreachable scene', 'lessons/one.yaml', (d) => { scenes(d)[0]!.choices[1]!.next = 'middle'; }, /scenes\[1\]: scene "follow-up" cannot be reached/],
    ['scene with no way to the end', 'lessons/one.yaml', (d) => { scenes(d)[2]!.choices[0]!.next = 'follow-up'; scenes(d)[1]!.choices[0]!.next = 'middle'; }, /scene "middle" has no way to the end/],
    ['duplicate scene id', 'lessons/one.yaml', (d) => { scenes(d)[1]!.id = 'start'; }, /scenes\[1\]\.id: duplicate scene id "start"/],
    ['duplicate choice id', 'lessons/one.yaml', (d) => { scenes(d)[0]!.choices[1]!.id = 'best'; }, /scenes\[0\]\.choices\[1\]\.id: duplicate choice id "best"/],
    ['scene without a best choice', 'lessons/two.yaml', (d) => { scenes(d)[0]!.choices[0]!.outcome = 'acceptable'; }, /scenes\[0\]\.choices: no choice has outcome "best"/],
    ['bad outcome', 'lessons/two.yaml', (d) => { scenes(d)[0]!.choices[0]!.outcome = 'great'; }, /scenes\[0\]\.choices\[0\]\.outcome: must be best, acceptable or violation/],
    ['misspelt key', 'lessons/two.yaml', (d) => { (scenes(d)[0]! as unknown as Doc).promt = 'x'; }, /lessons\/two\.yaml: scenes\[0\]: Unrecognized key: "promt"/],
    ['lesson id not matching file', 'lessons/two.yaml', (d) => { d.id = 'three'; }, /lessons\/two\.yaml: id: must match the file name "two"/],
    ['question with no correct choice', 'quiz.yaml', (d) => { for (const c of questions(d)[0]!.choices) c.correct = false; }, /quiz\.yaml: questions\[0\]\.choices: no choice is marked correct/],
    ['single question with two correct choices', 'quiz.yaml', (d) => { questions(d)[0]!.choices[1]!.correct = true; }, /questions\[0\]\.choices: a single-answer question has 2 correct/],
    ['duplicate question id', 'quiz.yaml', (d) => { questions(d)[1]!.id = 'one-a'; }, /questions\[1\]\.id: duplicate question id "one-a"/],
    ['question for an unknown lesson', 'quiz.yaml', (d) => { (questions(d)[0]! as unknown as Doc).lesson = 'nine'; }, /questions\[0\]\.lesson: "nine" is not a lesson/],
    ['more questions per attempt than the bank has', 'course.yaml', (d) => { d.questionsPerAttempt = 50; }, /asks for 50 questions per attempt but the quiz has only 5/],
    ['course id not matching folder', 'course.yaml', (d) => { d.id = 'other'; }, /course\.yaml: id: must match its folder name "mini"/],
    ['lesson listed twice', 'course.yaml', (d) => { d.lessons = ['one', 'two', 'one']; }, /lessons\[2\]: lesson "one" is listed twice/],
    ['passing score out of range', 'course.yaml', (d) => { d.passingScore = 150; }, /course\.yaml: passingScore: /],
    ['authoring note in a lesson intro', 'lessons/one.yaml', (d) => { d.intro = 'The article behind this course says so.'; }, /lessons\/one\.yaml: intro: reads as an authoring note \("The article behind"\)/],
    ['authoring note in feedback', 'lessons/two.yaml', (d) => { scenes(d)[0]!.choices[0]! = { ...scenes(d)[0]!.choices[0]!, feedback: 'True (applied reasoning, not HHS\'s wording).' } as Scene['choices'][number]; }, /scenes\[0\]\.choices\[0\]\.feedback: reads as an authoring note/],
    ['authoring note in a quiz explanation', 'quiz.yaml', (d) => { (questions(d)[0]! as unknown as Doc).explanation = 'Hard to call incidental (applied reasoning).'; }, /questions\[0\]\.explanation: reads as an authoring note/],
  ];

  test.each(cases)('reports a %s with file, path and reason', (_name, file, change, expected) => {
    mutateYaml(dir, file, change);
    const problems = problemsOf(dir);
    expect(problems.some((p) => expected.test(p))).toBe(true);
  });

  test('reports a missing lesson file, an unlisted lesson file and invalid YAML', () => {
    fs.renameSync(path.join(dir, 'courses/mini/lessons/two.yaml'), path.join(dir, 'courses/mini/lessons/extra.yaml'));
    fs.writeFileSync(path.join(dir, 'courses/mini/quiz.yaml'), 'questions:\n  - id: x\n   bad: [indent\n');
    const problems = problemsOf(dir);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/course\.yaml: lessons\[1\]: no file lessons\/two\.yaml/),
      expect.stringMatching(/lessons\/extra\.yaml: lesson "extra" is not listed in course\.yaml/),
      expect.stringMatching(/quiz\.yaml: line \d+: /),
    ]));
  });

  test('a missing content folder is an error, not a crash', () => {
    expect(problemsOf(path.join(dir, 'nope'))[0]).toMatch(/folder not found/);
  });
});
