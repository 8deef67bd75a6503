import type { Lesson, QuizQuestion } from './catalogue';
import { MARKER_WORDS, markersIn, type MarkerWord } from './markers';

// Answer cues: what gives the right answer away to someone who does not read the question. Pure
// figures over the catalogue; the limits and the wording of content:check are in server/authoring-check.ts.

export interface Share {
  count: number;
  of: number;
}

export const percent = (s: Share): number => (s.of === 0 ? 0 : (100 * s.count) / s.of);

/** A single-answer item's key length over its longest other choice (characters, trimmed). */
export interface KeyRatio {
  id: string;
  ratio: number;
}

export interface LengthCues {
  /** Single-answer items, and those whose key is strictly the longest choice (largest ratio first). */
  singles: number;
  longest: KeyRatio[];
  /** Every single-answer item, largest ratio first. */
  ratios: KeyRatio[];
}

export function lengthCues(questions: readonly QuizQuestion[]): LengthCues {
  const ratios = questions.filter((q) => q.type === 'single').flatMap((q) => {
    const key = q.choices.find((c) => c.correct);
    const others = q.choices.filter((c) => !c.correct).map((c) => c.text.trim().length);
    if (!key || others.length === 0) return [];
    return [{ id: q.id, ratio: key.text.trim().length / Math.max(1, ...others) }];
  }).sort((a, b) => b.ratio - a.ratio);
  return { singles: ratios.length, longest: ratios.filter((r) => r.ratio > 1), ratios };
}

/** One text to compare: a choice, whose item or scene it belongs to, and whether it is a right answer. */
export interface Marked {
  owner: string;
  text: string;
  right: boolean;
}

export interface MarkerRow {
  marker: MarkerWord | 'any marker';
  right: Share;
  wrong: Share;
  /** Percentage points between the two shares. */
  gap: number;
  /** Items or scenes whose choices make the gap, most such choices first. */
  owners: string[];
}

function rowFor(marker: MarkerRow['marker'], texts: readonly (Marked & { markers: MarkerWord[] })[]): MarkerRow {
  const has = (t: { markers: MarkerWord[] }) => (marker === 'any marker' ? t.markers.length > 0 : t.markers.includes(marker));
  const right = texts.filter((t) => t.right);
  const wrong = texts.filter((t) => !t.right);
  const r = { count: right.filter(has).length, of: right.length };
  const w = { count: wrong.filter(has).length, of: wrong.length };
  // The owners to fix are those whose choices sit on the heavier side of the gap.
  const heavy = percent(w) >= percent(r) ? wrong : right;
  const tally = new Map<string, number>();
  for (const t of heavy.filter(has)) tally.set(t.owner, (tally.get(t.owner) ?? 0) + 1);
  const owners = [...tally.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([o]) => o);
  return { marker, right: r, wrong: w, gap: Math.abs(percent(r) - percent(w)), owners };
}

/** "any marker" first, then each marker word that appears at all, in list order. */
export function markerRows(texts: readonly Marked[]): MarkerRow[] {
  const marked = texts.map((t) => ({ ...t, markers: markersIn(t.text) }));
  const present = MARKER_WORDS.filter((m) => marked.some((t) => t.markers.includes(m)));
  return [rowFor('any marker', marked), ...present.map((m) => rowFor(m, marked))];
}

/** Quiz choices: keys against distractors. */
export function quizTexts(questions: readonly QuizQuestion[]): Marked[] {
  return questions.flatMap((q) => q.choices.map((c) => ({ owner: q.id, text: c.text, right: c.correct })));
}

/** Lesson choices: best or acceptable outcomes against violations (spot-the-PHI scenes have no choices). */
export function outcomeTexts(lessons: readonly Lesson[]): Marked[] {
  return lessons.flatMap((l) => l.scenes.flatMap((s) => s.choices.map((c) => ({ owner: `${l.id}/${s.id}`, text: c.text, right: c.outcome !== 'violation' }))));
}
