import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { Course } from '../../server/content/catalogue';
import { loadCatalogue } from '../../server/content/loader';

// A small course written as YAML files and loaded by the real loader, built so that each answer-cue
// and reading-level figure can be moved on its own. Four lessons of three single-answer items and one
// multiple-answer item; choices are sized by rank (40, 44, 48, 52 characters) and each holds one slot
// word, "really" or a marker word of the same length ("always"), so adding a marker never changes which
// choice is longest. It meets the structure checks (scenes, concepts, objectives), which content:check also runs.

type Doc = Record<string, unknown>;
export interface BankChoice { id: string; text: string; correct: boolean }
export interface BankQuestion { id: string; lesson: string; type: 'single' | 'multiple'; prompt: string; choices: BankChoice[]; explanation: string; concept: string; scene: string; reference: string }
export interface BankLessonChoice { id: string; text: string; outcome: 'best' | 'acceptable' | 'violation'; feedback: string; reference: string; next: string }
export interface BankLesson { id: string; title: string; minutes: number; objectives: { id: string; text: string }[]; intro: string; scenes: { id: string; objectives: string[]; narrative: string; prompt: string; choices: BankLessonChoice[] }[]; takeaways: string[] }
export interface Bank { course: Doc; lessons: BankLesson[]; questions: BankQuestion[] }

export const LESSONS = ['one', 'two', 'three', 'four'];
const SIZES = [40, 44, 48, 52];

/** "<opening> <slot> choice <letter> of <item>" padded with a filler word to exactly `size` characters. */
export function sized(opening: string, slot: string, label: string, size: number): string {
  let text = `${opening} ${slot} choice ${label}`;
  while (text.length < size) text += ' fact';
  return text.slice(0, size).trimEnd().padEnd(size, 'x');
}

export interface BankShape {
  /** The length rank (0 shortest … 3 longest) of the key of the n-th single-answer item (0-based). */
  keyRank?: (n: number) => number;
  /** The opening word of keys and of distractors (same length keeps sizes). */
  keyOpening?: string;
}

export function buildBank(shape: BankShape = {}): Bank {
  const keyRank = shape.keyRank ?? ((n) => n % 4);
  const questions: BankQuestion[] = [];
  let n = 0;
  for (const lesson of LESSONS) {
    for (let k = 1; k <= 3; k += 1, n += 1) {
      const id = `${lesson}-${k}`;
      const rank = keyRank(n);
      const ranks = [rank, ...[0, 1, 2, 3].filter((r) => r !== rank)];
      questions.push({
        id, lesson, type: 'single', prompt: `What should you do in case ${id}?`, explanation: 'The key keeps the patient private.', concept: 'Who may hear about a patient.', scene: 'hallway', reference: '45 CFR 164.502(a)',
        choices: ranks.map((r, i) => ({ id: 'abcd'[i]!, correct: i === 0, text: sized(i === 0 ? shape.keyOpening ?? 'Share' : 'Share', 'really', `${'abcd'[i]} of ${id}`, SIZES[r]!) })),
      });
    }
    const id = `${lesson}-4`;
    questions.push({
      id, lesson, type: 'multiple', prompt: `Which of these apply in case ${id}?`, explanation: 'Both keys apply.', concept: 'Who may hear about a patient.', scene: 'hallway', reference: '45 CFR 164.502(a)',
      choices: ['a', 'b', 'c', 'd'].map((c, i) => ({ id: c, correct: i < 2, text: sized('Share', 'really', `${c} of ${id}`, SIZES[(i + 1) % 4]!) })),
    });
  }
  const lessons = LESSONS.map((id): BankLesson => ({
    id, title: `Lesson ${id}`, minutes: 5, objectives: [{ id: 'keep-private', text: 'Keep patient talk private.' }],
    intro: 'You work on a busy ward. Keep what you hear about patients to yourself.',
    scenes: [{
      id: 'hallway', objectives: ['keep-private'], narrative: 'A friend asks you about a patient in the hall. She wants to know why he came in.', prompt: 'What do you do?',
      choices: [
        { id: 'a', text: 'Say you cannot talk about patients, really.', outcome: 'best', feedback: 'Good. You kept the patient private.', reference: '45 CFR 164.502(a)', next: 'end' },
        { id: 'b', text: 'Change the subject and walk on, really.', outcome: 'acceptable', feedback: 'That works. A clear answer is better.', reference: '45 CFR 164.502(a)', next: 'end' },
        { id: 'c', text: 'Tell her what he came in for, really.', outcome: 'violation', feedback: 'That shares his health facts. Try again.', reference: '45 CFR 164.502(a)', next: 'hallway' },
      ],
    }],
    takeaways: ['Keep patient talk private.'],
  }));
  const course = {
    id: 'cues', title: 'Cue fixture', summary: 'A bank built to move one figure at a time.', version: '1', passingScore: 80, questionsPerAttempt: 12,
    lessons: LESSONS, policy: { title: 'Policy', version: '1', text: 'Keep patient information private.' },
  };
  return { course, lessons, questions };
}

/** Writes the bank as a content folder and loads it with the app's loader. */
export function loadBank(bank: Bank): { dir: string; course: Course } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-cues-'));
  const courseDir = path.join(dir, 'courses', 'cues');
  fs.mkdirSync(path.join(courseDir, 'lessons'), { recursive: true });
  fs.writeFileSync(path.join(courseDir, 'course.yaml'), YAML.stringify(bank.course));
  for (const l of bank.lessons) fs.writeFileSync(path.join(courseDir, 'lessons', `${l.id}.yaml`), YAML.stringify(l));
  fs.writeFileSync(path.join(courseDir, 'quiz.yaml'), YAML.stringify({ questions: bank.questions }));
  return { dir, course: loadCatalogue(dir).get('cues')! };
}
