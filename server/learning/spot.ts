import type { Phrase, SpotTask } from '../content/catalogue';
import type { IdentifierKind, Outcome } from '../content/schema';
import { fail } from '../errors';

// Spot-the-PHI grading. The learner's marks arrive as phrase ids from a form; the server alone knows
// which phrases identify the patient, so the page never carries the answer and grading never trusts it.

/**
 * The outcome stored with a spot-the-PHI answer, in a choice's terms: every phrase marked right is the
 * best answer; any wrong mark is kept like a violation (the scene repeats until the draft is marked right).
 */
export const SPOT_RIGHT: Outcome = 'best';
export const SPOT_WRONG: Outcome = 'violation';

/** Why a phrase identifies the patient, in the words the feedback page uses. */
export const REASON_WORDS: Record<IdentifierKind, string> = {
  'name': 'a name',
  'date': 'a date tied to the patient',
  'place': 'a place',
  'unique-detail': 'a unique detail',
  'photo-background': 'something in the background of a photo',
  'contact-detail': 'a contact detail',
  'record-number': 'a record number',
  'face': 'a face',
  'relative': 'a relative of the patient',
};

/** The phrases of a draft in reading order: the tick boxes of the form and the rows of the feedback. */
export function phrasesOf(spot: SpotTask): Phrase[] {
  return spot.parts.flatMap((p) => ('phrase' in p ? [p.phrase] : []));
}

/**
 * The marks as the form sent them, checked against the scene: each a phrase of this draft, each once.
 * Anything else is refused with a message and nothing is recorded.
 */
export function checkMarks(spot: SpotTask, marked: readonly string[]): string[] {
  const known = new Set(phrasesOf(spot).map((p) => p.id));
  if (marked.some((id) => !known.has(id))) fail('invalid', 'One of the ticked phrases is not in this draft. Reload the page and tick phrases from the list shown.');
  if (new Set(marked).size !== marked.length) fail('invalid', 'A phrase was sent more than once. Tick each phrase at most once, then select Check my marks.');
  return [...marked];
}

export interface PhraseResult {
  phrase: Phrase;
  marked: boolean;
  /** The mark (or its absence) agrees with whether the phrase identifies the patient. */
  right: boolean;
  /** Why it identifies the patient, in words; undefined for a phrase that does not. */
  reasonWords?: string;
  /** The mark and the phrase in one sentence: "You left it unticked; it identifies the patient: a name." */
  says: string;
}

export interface SpotReview {
  results: PhraseResult[];
  allRight: boolean;
  wrong: number;
  /** The feedback page's heading. */
  headline: string;
}

/** Each phrase of the draft against the learner's marks. */
export function reviewMarks(spot: SpotTask, marked: readonly string[]): SpotReview {
  const ticked = new Set(marked);
  const results = phrasesOf(spot).map((phrase): PhraseResult => {
    const reasonWords = phrase.identifies && phrase.reason ? REASON_WORDS[phrase.reason] : undefined;
    const mark = ticked.has(phrase.id) ? 'You ticked it' : 'You left it unticked';
    const fact = !phrase.identifies ? 'it does not identify the patient' : `it identifies the patient: ${reasonWords ?? 'an identifier'}`;
    return { phrase, marked: ticked.has(phrase.id), right: ticked.has(phrase.id) === phrase.identifies, ...(reasonWords ? { reasonWords } : {}), says: `${mark}; ${fact}.` };
  });
  const wrong = results.filter((r) => !r.right).length;
  const headline = wrong === 0 ? 'Every phrase marked right' : `Not yet: ${wrong} of ${results.length} phrases ${wrong === 1 ? 'is' : 'are'} marked wrong`;
  return { results, allRight: wrong === 0, wrong, headline };
}

/** The marks stored with an answer (migration 0014); a choice answer or an unreadable value has none. */
export function storedMarks(value: string | null): string[] | null {
  if (value === null) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed as string[] : null;
  } catch {
    return null;
  }
}
