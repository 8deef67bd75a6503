import { fleschKincaid } from 'flesch-kincaid';
import { syllable } from 'syllable';
import type { Lesson } from './catalogue';

// Reading level of what a lesson asks staff to read: its intro, each scene's narrative and every piece
// of feedback, as the learner sees them (Markdown already rendered, so markup is not counted as words).

export interface Counts {
  sentence: number;
  word: number;
  syllable: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1]?.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/**
 * The text of rendered Markdown, one block (paragraph, list item, heading, quote) per line, each
 * ending as a sentence: a list item or heading without a full stop still reads as one unit.
 */
export function plainText(html: string): string {
  return html
    .split(/<\/(?:p|li|h[1-6]|blockquote|td|th|pre)>|<br\s*\/?>|<(?:ul|ol|li|p|h[1-6]|blockquote|table|tr|pre)(?:\s[^>]*)?>/i)
    .map((block) => decodeEntities(block.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim())
    .filter((block) => /\p{L}/u.test(block))
    .map((block) => (/[.!?]["'”’)]*$/.test(block) ? block : `${block.replace(/[,:;]$/, '')}.`))
    .join('\n');
}

// Abbreviations whose full stop ends no sentence.
const ABBREVIATIONS = /\b(e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|St|U\.S|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\./g;

/** Sentences, words and syllables of plain text; words are runs of letters (numbers and citations are not words). */
export function countText(text: string): Counts {
  const words = text.match(/\p{L}+(?:['’]\p{L}+)*/gu) ?? [];
  const sentences = text.replace(ABBREVIATIONS, '$1').split(/[.!?]+(?=["'”’)]*(?:\s|$))/).filter((s) => /\p{L}/u.test(s));
  return { sentence: sentences.length, word: words.length, syllable: words.reduce((n, w) => n + Math.max(1, syllable(w)), 0) };
}

const add = (a: Counts, b: Counts): Counts => ({ sentence: a.sentence + b.sentence, word: a.word + b.word, syllable: a.syllable + b.syllable });

/** Flesch-Kincaid grade of counted text; 0 for no text at all. */
export function gradeOf(c: Counts): number {
  return c.word === 0 ? 0 : fleschKincaid({ sentence: c.sentence, word: c.word, syllable: c.syllable });
}

export interface PartReading {
  /** "intro" or a scene id. */
  part: string;
  grade: number;
  counts: Counts;
}

export interface LessonReading {
  lesson: string;
  grade: number;
  counts: Counts;
  /** The intro and each scene, hardest first. */
  parts: PartReading[];
}

function sceneHtml(scene: Lesson['scenes'][number]): string[] {
  const phrases = scene.spot?.parts.flatMap((p) => ('phrase' in p ? [p.phrase.feedbackHtml] : [])) ?? [];
  return [scene.narrativeHtml, ...scene.choices.map((c) => c.feedbackHtml), ...(scene.spot ? [scene.spot.feedbackHtml] : []), ...phrases];
}

/** The lesson's grade over all of its reading together, and each part's, to show where to start. */
export function lessonReading(lesson: Lesson): LessonReading {
  const parts = [
    { part: 'intro', html: [lesson.introHtml] },
    ...lesson.scenes.map((s) => ({ part: s.id, html: sceneHtml(s) })),
  ].map(({ part, html }) => {
    const counts = html.map((h) => countText(plainText(h))).reduce(add, { sentence: 0, word: 0, syllable: 0 });
    return { part, counts, grade: gradeOf(counts) };
  });
  const counts = parts.map((p) => p.counts).reduce(add, { sentence: 0, word: 0, syllable: 0 });
  return { lesson: lesson.id, grade: gradeOf(counts), counts, parts: parts.sort((a, b) => b.grade - a.grade) };
}
