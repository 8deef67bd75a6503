import fs from 'node:fs';
import { ContentError, loadCatalogue } from '../../server/content/loader';
import { bestPathScenes, surnameKey } from '../../server/content/structure-checks';
import { copyFixture, mutateYaml } from '../helpers/content';

// The fixture course made to meet every structure rule; each failing case then breaks exactly one.
type Doc = Record<string, unknown>;
type Question = { id: string; lesson: string; scene?: string; concept?: string };
type Scene = { id: string; objectives?: string[]; choices: { id: string; outcome: string; next: string }[] };
type Person = { name: string; role: string };
const questions = (d: Doc) => d.questions as Question[];
const scenes = (d: Doc) => d.scenes as Scene[];

function complete(dir: string): void {
  mutateYaml(dir, 'quiz.yaml', (d) => {
    for (const q of questions(d)) {
      q.scene = q.lesson === 'one' ? 'start' : 'only';
      q.concept = 'The idea tested, without the answer.';
    }
  });
  mutateYaml(dir, 'lessons/one.yaml', (d) => {
    d.objectives = [{ id: 'first', text: 'Learn the first thing.' }, { id: 'talk-apart', text: 'Talk apart.' }];
    scenes(d)[0]!.objectives = ['first'];
    scenes(d)[2]!.objectives = ['talk-apart'];
    d.cast = [{ name: 'Dana Example', role: 'staff' }, { name: 'Leo Marsh', role: 'patient' }, { name: 'Ana Marsh', role: 'family' }];
  });
  mutateYaml(dir, 'lessons/two.yaml', (d) => {
    scenes(d)[0]!.objectives = ['second'];
    d.cast = [{ name: 'Sam Ortiz', role: 'staff' }, { name: 'Kit Lund', role: 'patient' }];
  });
}

/** The structure findings of a content folder (the loader's problems when it asks for them). */
function findingsOf(dir: string): string[] {
  try {
    loadCatalogue(dir, { structure: true });
  } catch (e) {
    if (e instanceof ContentError) return e.problems;
    throw e;
  }
  return [];
}

let dir: string;
beforeEach(() => { dir = copyFixture(); complete(dir); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

describe('content structure checks', () => {
  test('a course that meets every rule has no findings; start-up does not run them (content:check does)', () => {
    expect(findingsOf(dir)).toEqual([]);
    mutateYaml(dir, 'quiz.yaml', (d) => { delete questions(d)[0]!.scene; });
    expect(findingsOf(dir)).toHaveLength(1);
    expect(loadCatalogue(dir).courses[0]!.questions[0]!.scene).toBe('');
  });

  test('a question without a scene fails', () => {
    mutateYaml(dir, 'quiz.yaml', (d) => { delete questions(d)[1]!.scene; });
    expect(findingsOf(dir)).toEqual([expect.stringMatching(/^courses\/mini\/quiz\.yaml: questions\[1\]\.scene: question "one-b" names no scene/)]);
  });

  test('a question naming a scene of another lesson fails, naming the lesson\'s scenes', () => {
    mutateYaml(dir, 'quiz.yaml', (d) => { questions(d)[0]!.scene = 'only'; });
    expect(findingsOf(dir)).toEqual(['courses/mini/quiz.yaml: questions[0].scene: question "one-a": "only" is not a scene of lesson "one" (scenes: start, follow-up, middle)']);
  });

  test('a question without a concept fails', () => {
    mutateYaml(dir, 'quiz.yaml', (d) => { delete questions(d)[4]!.concept; });
    expect(findingsOf(dir)).toEqual([expect.stringMatching(/^courses\/mini\/quiz\.yaml: questions\[4\]\.concept: question "two-b" has no `concept:`/)]);
  });

  test('a concept that repeats a right choice fails: a short choice whole, a long one by five words in a row', () => {
    mutateYaml(dir, 'quiz.yaml', (d) => { questions(d)[0]!.concept = 'Talk about patients in a private place, away from visitors.'; });
    expect(findingsOf(dir)).toEqual([expect.stringMatching(/^courses\/mini\/quiz\.yaml: questions\[0\]\.concept: question "one-a": the concept repeats the right choice "In a private place"/)]);
    mutateYaml(dir, 'quiz.yaml', (d) => { questions(d)[0]!.concept = 'Where a conversation happens decides who can overhear it; think about privacy.'; });
    expect(findingsOf(dir)).toEqual([]);
  });

  test('an objective taught only off the best path fails, saying where it is taught', () => {
    // follow-up is reached only by the "acceptable" choice of the first scene.
    mutateYaml(dir, 'lessons/one.yaml', (d) => { scenes(d)[2]!.objectives = []; scenes(d)[1]!.objectives = ['talk-apart']; });
    expect(findingsOf(dir)).toEqual([expect.stringMatching(
      /^courses\/mini\/lessons\/one\.yaml: objectives\[1\]: objective "talk-apart" is taught by no scene on the best path \(only off the best path, in follow-up\).*\(start, middle\)$/,
    )]);
  });

  test('an objective no scene names fails', () => {
    mutateYaml(dir, 'lessons/two.yaml', (d) => { scenes(d)[0]!.objectives = []; });
    expect(findingsOf(dir)).toEqual([expect.stringMatching(/^courses\/mini\/lessons\/two\.yaml: objectives\[0\]: objective "second" is taught by no scene on the best path: /)]);
  });

  test('the best path follows every best choice and a spot-the-PHI scene\'s next', () => {
    const lesson = loadCatalogue(dir).get('mini')!.lessons[0]!;
    expect([...bestPathScenes(lesson)].sort()).toEqual(['middle', 'start']);
    mutateYaml(dir, 'lessons/one.yaml', (d) => {
      scenes(d)[0]!.choices[1]!.outcome = 'best';
      (d.scenes as unknown[]).splice(2, 0, {
        id: 'draft', type: 'spot-phi', objectives: [], narrative: 'A draft.', prompt: 'Mark the phrases.', feedback: 'Right.', reference: '45 CFR 164.514(b)', next: 'middle',
        parts: [{ id: 'bed', text: 'bed 4', identifies: true, reason: 'place', feedback: 'A place.' }, ' and ', { id: 'team', text: 'our team', identifies: false, feedback: 'No patient.' }],
      });
      scenes(d)[1]!.choices[0]!.next = 'draft';
    });
    expect([...bestPathScenes(loadCatalogue(dir).get('mini')!.lessons[0]!)].sort()).toEqual(['draft', 'follow-up', 'middle', 'start']);
  });

  test('a surname used for staff and for a patient fails, across lessons, ignoring case and accents', () => {
    mutateYaml(dir, 'lessons/two.yaml', (d) => { (d.cast as Person[]).push({ name: 'Rosa MÁRSH', role: 'staff' }); });
    expect(findingsOf(dir)).toEqual([
      'courses/mini/lessons/one.yaml: cast[1].name: patient "Leo Marsh" (lesson one) shares a surname with staff member "Rosa MÁRSH" (lesson two): give one of them another surname',
    ]);
  });

  test('family may share the patient\'s surname; the public and family may share staff surnames', () => {
    mutateYaml(dir, 'lessons/two.yaml', (d) => { (d.cast as Person[]).push({ name: 'Bo Marsh', role: 'family' }, { name: 'Al Ortiz', role: 'public' }); });
    expect(findingsOf(dir)).toEqual([]);
  });

  test('surnames compare by their last word without accents, case or suffix', () => {
    expect(surnameKey('José Núñez Jr.')).toBe('nunez');
    expect(surnameKey('  ana   de la CRUZ ')).toBe('cruz');
    expect(surnameKey('Cher')).toBe('cher');
  });
});
