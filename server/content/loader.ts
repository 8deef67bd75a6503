import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { Catalogue, type Course, type DraftPart, type Lesson, type Scene } from './catalogue';
import { checkAuthoringNotes, checkCourse, checkLesson, checkQuiz, type Finding } from './checks';
import { renderMarkdown } from './markdown';
import { checkPlaceholders } from './placeholders';
import { structureProblems } from './structure-checks';
import { courseSchema, ID, lessonSchema, quizSchema, type CourseFile, type LessonFile, type SceneFile } from './schema';

/** Every problem in the content folder, one line each: "file: path: reason". Start-up stops on it. */
export class ContentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Course content has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const MAX_FILE_BYTES = 1024 * 1024;

function zodPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '');
}

class FileReader {
  readonly problems: string[] = [];
  constructor(private readonly root: string) {}

  rel(file: string): string {
    return path.relative(this.root, file) || file;
  }

  report(file: string, findings: Finding[]): void {
    for (const f of findings) this.problems.push(`${this.rel(file)}: ${f.path ? `${f.path}: ` : ''}${f.reason}`);
  }

  /** Reads, parses and validates one YAML file; undefined (with problems noted) when it is not usable. */
  parse<S extends z.ZodType>(file: string, schema: S): z.output<S> | undefined {
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_FILE_BYTES) { this.report(file, [{ path: '', reason: 'file is larger than 1 MB' }]); return undefined; }
      text = fs.readFileSync(file, 'utf8');
    } catch {
      this.report(file, [{ path: '', reason: 'file is missing or unreadable' }]);
      return undefined;
    }
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length) {
      this.report(file, doc.errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}` : '', reason: e.message.split('\n')[0]! })));
      return undefined;
    }
    const parsed = schema.safeParse(doc.toJS());
    if (!parsed.success) {
      this.report(file, parsed.error.issues.map((i) => ({ path: zodPath(i.path), reason: i.message })));
      return undefined;
    }
    return parsed.data;
  }
}

/** SHA-256 over the course folder's YAML files (relative path and bytes, in path order). */
function contentHash(courseDir: string): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) files.push(full);
    }
  };
  walk(courseDir);
  const hash = crypto.createHash('sha256');
  for (const f of files.sort()) {
    hash.update(path.relative(courseDir, f).split(path.sep).join('/')).update('\0').update(fs.readFileSync(f)).update('\0');
  }
  return hash.digest('hex');
}

function buildScene(s: SceneFile): Scene {
  const common = { id: s.id, objectives: s.objectives, prompt: s.prompt, narrativeHtml: renderMarkdown(s.narrative) };
  if (s.type === 'spot-phi') {
    const parts: DraftPart[] = s.parts.map((p) => (typeof p === 'string' ? { text: p } : { phrase: { id: p.id, text: p.text, identifies: p.identifies, ...(p.reason ? { reason: p.reason } : {}), feedbackHtml: renderMarkdown(p.feedback) } }));
    return { ...common, kind: 'spot-phi', choices: [], spot: { parts, feedbackHtml: renderMarkdown(s.feedback), reference: s.reference, next: s.next } };
  }
  return {
    ...common, kind: 'choice',
    choices: s.choices.map((c) => ({ id: c.id, text: c.text, outcome: c.outcome, reference: c.reference, next: c.next, feedbackHtml: renderMarkdown(c.feedback) })),
  };
}

function buildLesson(l: LessonFile): Lesson {
  return {
    id: l.id, title: l.title, minutes: l.minutes, takeaways: l.takeaways, cast: l.cast,
    objectives: l.objectives.map((o) => o.text), objectiveIds: l.objectives.map((o) => o.id),
    introHtml: renderMarkdown(l.intro),
    scenes: l.scenes.map(buildScene),
  };
}

function loadCourse(reader: FileReader, courseDir: string, structure: boolean): Course | undefined {
  const problemsBefore = reader.problems.length;
  const folder = path.basename(courseDir);
  const courseFile = path.join(courseDir, 'course.yaml');
  const course: CourseFile | undefined = reader.parse(courseFile, courseSchema);
  if (!course) return undefined;
  reader.report(courseFile, [...checkCourse(course, folder), ...checkAuthoringNotes(course), ...checkPlaceholders(course)]);

  const lessonsDir = path.join(courseDir, 'lessons');
  const present = fs.existsSync(lessonsDir) ? fs.readdirSync(lessonsDir).filter((f) => /\.ya?ml$/.test(f)) : [];
  for (const f of present) {
    const lessonId = f.replace(/\.ya?ml$/, '');
    if (!course.lessons.includes(lessonId)) reader.report(path.join(lessonsDir, f), [{ path: '', reason: `lesson "${lessonId}" is not listed in course.yaml` }]);
  }
  const lessons: Lesson[] = [];
  for (const lessonId of new Set(course.lessons)) {
    const file = path.join(lessonsDir, `${lessonId}.yaml`);
    if (!fs.existsSync(file)) {
      reader.report(courseFile, [{ path: `lessons[${course.lessons.indexOf(lessonId)}]`, reason: `no file lessons/${lessonId}.yaml` }]);
      continue;
    }
    const lesson = reader.parse(file, lessonSchema);
    if (!lesson) continue;
    const findings = [...checkLesson(lesson), ...checkAuthoringNotes(lesson), ...checkPlaceholders(lesson)];
    if (lesson.id !== lessonId) findings.unshift({ path: 'id', reason: `must match the file name "${lessonId}"` });
    reader.report(file, findings);
    if (findings.length === 0) lessons.push(buildLesson(lesson));
  }

  const quizFile = path.join(courseDir, 'quiz.yaml');
  const quiz = reader.parse(quizFile, quizSchema);
  if (quiz) reader.report(quizFile, [...checkQuiz(quiz.questions, course), ...checkAuthoringNotes(quiz), ...checkPlaceholders(quiz)]);

  const loaded: Course = {
    id: course.id, title: course.title, summary: course.summary, version: course.version,
    contentHash: contentHash(courseDir),
    passingScore: course.passingScore, questionsPerAttempt: course.questionsPerAttempt, certificateValidityDays: course.certificateValidityDays,
    lessons,
    policy: { ...course.policy, textHtml: renderMarkdown(course.policy.text) },
    questions: (quiz?.questions ?? []).map((q) => ({
      id: q.id, lesson: q.lesson, type: q.type, prompt: q.prompt, choices: q.choices, reference: q.reference, explanationHtml: renderMarkdown(q.explanation),
      conceptHtml: q.concept ? renderMarkdown(q.concept) : '', scene: q.scene ?? '',
    })),
  };
  // Course-wide rules, once every file of the course is sound (else they would repeat its problems).
  if (structure && reader.problems.length === problemsBefore) reader.problems.push(...structureProblems(loaded));
  return loaded;
}

/**
 * Loads every course under <contentDir>/courses; throws ContentError listing every problem found.
 * `structure` adds the course-wide structure checks (structure-checks.ts: question scenes and concepts,
 * objectives on the best path, cast surnames) to those problems. They are authoring rules, like the
 * answer-cue limits: content:check (and so CI) fails on them, start-up does not, so a course that
 * teaches correctly still runs while its authors finish tagging it.
 */
export function loadCatalogue(contentDir: string, options: { structure?: boolean } = {}): Catalogue {
  const structure = options.structure ?? false;
  const coursesDir = path.join(contentDir, 'courses');
  const reader = new FileReader(contentDir);
  if (!fs.existsSync(coursesDir)) throw new ContentError([`${coursesDir}: folder not found`]);
  const courses: Course[] = [];
  for (const entry of fs.readdirSync(coursesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (!ID.test(entry.name)) {
      reader.report(path.join(coursesDir, entry.name), [{ path: '', reason: 'course folder names use lowercase letters, digits and hyphens' }]);
      continue;
    }
    const course = loadCourse(reader, path.join(coursesDir, entry.name), structure);
    if (course) courses.push(course);
  }
  if (courses.length === 0 && reader.problems.length === 0) reader.problems.push(`${coursesDir}: no courses found`);
  if (reader.problems.length) throw new ContentError(reader.problems);
  return new Catalogue(courses.sort((a, b) => a.id.localeCompare(b.id)));
}
