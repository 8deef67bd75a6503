import type { Outcome } from './schema';

// The course as the app uses it: validated, with Markdown already rendered to safe HTML.

export interface Choice {
  id: string;
  text: string;
  outcome: Outcome;
  feedbackHtml: string;
  reference: string;
  next: string;
}

export interface Scene {
  id: string;
  narrativeHtml: string;
  prompt: string;
  choices: Choice[];
}

export interface Lesson {
  id: string;
  title: string;
  minutes: number;
  objectives: string[];
  introHtml: string;
  scenes: Scene[];
  takeaways: string[];
}

export interface QuizQuestion {
  id: string;
  lesson: string;
  type: 'single' | 'multiple';
  prompt: string;
  choices: { id: string; text: string; correct: boolean }[];
  explanationHtml: string;
  reference: string;
}

export interface Policy {
  title: string;
  version: string;
  text: string;
  textHtml: string;
}

export interface Course {
  id: string;
  title: string;
  summary: string;
  version: string;
  /** SHA-256 over the course's files: stored with every attempt and completion. */
  contentHash: string;
  passingScore: number;
  questionsPerAttempt: number;
  certificateValidityDays: number;
  lessons: Lesson[];
  policy: Policy;
  questions: QuizQuestion[];
}

export class Catalogue {
  private readonly byId: Map<string, Course>;
  constructor(readonly courses: Course[]) {
    this.byId = new Map(courses.map((c) => [c.id, c]));
  }
  get(id: string): Course | undefined {
    return this.byId.get(id);
  }
}

export function sceneOf(lesson: Lesson, sceneId: string): Scene | undefined {
  return lesson.scenes.find((s) => s.id === sceneId);
}
