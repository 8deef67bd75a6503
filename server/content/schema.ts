import { z } from 'zod';

// The authoring format (content/FORMAT.md). Objects are strict so a misspelt key ("nxt:") is an
// error naming the key, not a silently ignored line.

export const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const id = z.string().regex(ID, 'must be lowercase letters, digits and hyphens (at most 64), starting with a letter or digit');
const markdown = z.string().trim().min(1, 'must not be empty').max(20_000, 'is longer than 20,000 characters');
const plain = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `is longer than ${max} characters`);
const reference = plain(300);

const OUTCOMES = ['best', 'acceptable', 'violation'] as const;
export type Outcome = (typeof OUTCOMES)[number];

const choiceSchema = z.strictObject({
  id,
  text: plain(400),
  outcome: z.enum(OUTCOMES, 'must be best, acceptable or violation'),
  feedback: markdown,
  reference,
  next: z.string().min(1, 'must name a scene id or "end"'),
});

/** Objective ids of the lesson this scene teaches (content:check: every objective on the best path). */
const sceneObjectives = z.array(id).max(10, 'has more than 10 objectives').default([]);

const choiceSceneSchema = z.strictObject({
  id,
  type: z.literal('choice'),
  objectives: sceneObjectives,
  narrative: markdown,
  prompt: plain(400),
  choices: z.array(choiceSchema).min(2, 'needs at least 2 choices').max(6, 'has more than 6 choices'),
});

/** Why a phrase identifies the patient; shown to the learner beside the phrase's feedback. */
export const IDENTIFIER_KINDS = ['name', 'date', 'place', 'unique-detail', 'photo-background', 'contact-detail', 'record-number', 'face', 'relative'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

const phraseSchema = z.strictObject({
  id,
  text: plain(200),
  identifies: z.boolean('must be true or false'),
  /** Required when `identifies` is true. */
  reason: z.enum(IDENTIFIER_KINDS, `must be one of ${IDENTIFIER_KINDS.join(', ')}`).optional(),
  feedback: markdown,
});

/**
 * "Spot the PHI": a draft post, caption or photo description written as `parts` — plain strings and
 * phrases in reading order. The learner marks every phrase that identifies the patient, and only those.
 */
const spotSceneSchema = z.strictObject({
  id,
  type: z.literal('spot-phi'),
  objectives: sceneObjectives,
  narrative: markdown,
  prompt: plain(400),
  parts: z.array(z.union([z.string().min(1, 'must not be empty').max(2000), phraseSchema])).min(2, 'needs at least 2 parts').max(60, 'has more than 60 parts'),
  feedback: markdown,
  reference,
  next: z.string().min(1, 'must name a scene id or "end"'),
});

const sceneSchema = z.preprocess(
  // A scene without `type` is a choice scene, so every lesson written before spot-the-PHI stays valid.
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('type' in v) ? { ...v, type: 'choice' } : v),
  z.discriminatedUnion('type', [choiceSceneSchema, spotSceneSchema], 'type must be choice or spot-phi'),
);

export const CAST_ROLES = ['staff', 'patient', 'family', 'public'] as const;

/** A person named in the lesson: content:check refuses a surname used for both staff and a patient. */
const castSchema = z.strictObject({
  name: plain(100),
  role: z.enum(CAST_ROLES, `must be one of ${CAST_ROLES.join(', ')}`),
});

const objectiveSchema = z.strictObject({ id, text: plain(400) });

export const lessonSchema = z.strictObject({
  id,
  title: plain(200),
  minutes: z.number().int().min(1).max(120),
  objectives: z.array(objectiveSchema).min(1, 'needs at least one objective'),
  cast: z.array(castSchema).max(40, 'has more than 40 people').default([]),
  intro: markdown,
  scenes: z.array(sceneSchema).min(1, 'needs at least one scene').max(20, 'has more than 20 scenes'),
  takeaways: z.array(plain(400)).min(1, 'needs at least one takeaway'),
});

export const courseSchema = z.strictObject({
  id,
  title: plain(200),
  summary: plain(1000),
  version: z.union([z.string(), z.number()]).transform(String).pipe(plain(40)),
  passingScore: z.number().int().min(1).max(100).default(80),
  questionsPerAttempt: z.number().int().min(1).max(200),
  certificateValidityDays: z.number().int().min(1).max(3650).default(365),
  lessons: z.array(id).min(1, 'needs at least one lesson'),
  policy: z.strictObject({
    title: plain(200),
    version: z.union([z.string(), z.number()]).transform(String).pipe(plain(40)),
    text: markdown,
  }),
});

const questionSchema = z.strictObject({
  id,
  lesson: id,
  type: z.enum(['single', 'multiple'], 'must be single or multiple'),
  prompt: plain(1000),
  choices: z.array(z.strictObject({ id, text: plain(400), correct: z.boolean('must be true or false') }))
    .min(2, 'needs at least 2 choices').max(8, 'has more than 8 choices'),
  explanation: markdown,
  /** The concept without the answer: shown after a failed attempt, when the right choice must stay hidden. */
  concept: markdown.optional(),
  /** The scene of `lesson` that teaches what this question tests. */
  scene: id.optional(),
  reference,
});

export const quizSchema = z.strictObject({
  questions: z.array(questionSchema).min(1, 'needs at least one question'),
});

export type LessonFile = z.output<typeof lessonSchema>;
export type CourseFile = z.output<typeof courseSchema>;
export type QuestionFile = z.output<typeof questionSchema>;
export type SceneFile = LessonFile['scenes'][number];
