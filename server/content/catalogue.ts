import type { IdentifierKind, Outcome } from './schema';

// The course as the app uses it: validated, with Markdown already rendered to safe HTML.

export interface Choice {
  id: string;
  text: string;
  outcome: Outcome;
  feedbackHtml: string;
  reference: string;
  next: string;
}

/** One phrase of a spot-the-PHI draft: marked by the learner when it identifies the patient. */
export interface Phrase {
  id: string;
  text: string;
  identifies: boolean;
  reason?: IdentifierKind;
  feedbackHtml: string;
}

export type DraftPart = { text: string } | { phrase: Phrase };

/** A spot-the-PHI task: the draft in reading order, the feedback once all is marked right, where next. */
export interface SpotTask {
  parts: DraftPart[];
  feedbackHtml: string;
  reference: string;
  next: string;
}

export interface Scene {
  id: string;
  kind: 'choice' | 'spot-phi';
  /** Objective ids of the lesson this scene teaches. */
  objectives: string[];
  narrativeHtml: string;
  prompt: string;
  /** Empty for a spot-the-PHI scene. */
  choices: Choice[];
  /** Present exactly when kind is "spot-phi". */
  spot?: SpotTask;
}

export interface CastMember {
  name: string;
  role: 'staff' | 'patient' | 'family' | 'public';
}

export interface Lesson {
  id: string;
  title: string;
  minutes: number;
  /** Objective texts, in order; `objectiveIds` holds their ids at the same positions. */
  objectives: string[];
  objectiveIds: string[];
  cast: CastMember[];
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
  /** The concept without the answer (shown after a failed attempt); empty when not written. */
  conceptHtml: string;
  /** The scene of `lesson` that teaches it; empty when not named. */
  scene: string;
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
