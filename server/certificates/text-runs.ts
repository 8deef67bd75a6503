import bidiFactory from 'bidi-js';
import { sharedFont, type Face, type Family } from './fonts';

/** A piece of one line drawn with one font in one direction. `text` is in reading (logical) order. */
export interface Run {
  text: string;
  family: Family;
  /** Right to left (an odd bidi level): drawn mirrored, the rightmost character first. */
  rtl: boolean;
}

const bidi = bidiFactory();

const ARABIC = /\p{Script=Arabic}/u;
const HEBREW = /\p{Script=Hebrew}/u;
const HANGUL = /\p{Script=Hangul}/u;
const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
// Characters worth looking for in a CJK font: ideographs, kana, hangul, bopomofo and the CJK punctuation
// and full-width forms. Anything else DejaVu lacks (emoji, Thai…) would not be found there either, and
// looking would read and parse three fonts of 4–9 MB for nothing.
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}\u3000-\u303f\uff00-\uffef]/u;
const LETTER = /\p{L}/u;

/**
 * The CJK fonts in the order to try them for this text: a name with hangul is Korean and one with kana
 * is Japanese, so their ideographs (shared code points) take that language's glyph shapes; otherwise Chinese.
 */
function cjkOrder(text: string): Family[] {
  if (HANGUL.test(text)) return ['kr', 'jp', 'sc'];
  if (KANA.test(text)) return ['jp', 'sc', 'kr'];
  return ['sc', 'jp', 'kr'];
}

const covers = (family: Family, face: Face, cp: number) => sharedFont(family, face).hasGlyphForCodePoint(cp);

/** The font for a letter: Arabic and Hebrew letters in their own fonts, the rest in DejaVu or else a CJK font. */
function familyForLetter(ch: string, cp: number, face: Face, cjk: Family[]): Family {
  const chain: Family[] = ARABIC.test(ch) ? ['arabic', 'latin'] : HEBREW.test(ch) ? ['hebrew', 'latin']
    : CJK.test(ch) ? ['latin', ...cjk] : ['latin'];
  return chain.find((f) => covers(f, face, cp)) ?? 'latin';
}

/**
 * The font for each character of `text`. Letters choose by script and coverage (fontkit's cmap); spaces,
 * punctuation, digits and combining marks stay in the font of the letters around them when it has them
 * (so "محمد «أبو»" is one Arabic run, shaped as a whole), and otherwise take the first font that has them.
 * A character no font has is left to DejaVu; tests check names never come to that.
 */
export function familiesOf(chars: string[], face: Face): Family[] {
  const text = chars.join('');
  const cjk = cjkOrder(text);
  const out: (Family | undefined)[] = chars.map((ch) => (LETTER.test(ch) ? familyForLetter(ch, ch.codePointAt(0)!, face, cjk) : undefined));
  for (let i = 0; i < chars.length; i += 1) {
    if (out[i]) continue;
    const cp = chars[i]!.codePointAt(0)!;
    const before = out[i - 1];
    let after: Family | undefined;
    for (let j = i + 1; j < chars.length && !after; j += 1) if (LETTER.test(chars[j]!)) after = out[j];
    const chain: Family[] = [...(before ? [before] : []), ...(after ? [after] : []), 'latin', ...(CJK.test(chars[i]!) ? cjk : [])];
    out[i] = chain.find((f) => covers(f, face, cp)) ?? 'latin';
  }
  return out as Family[];
}

// Characters that can make text right to left: Hebrew, Arabic, Syriac, Thaana, NKo… and their
// presentation forms, the right-to-left marks and embeddings, and the supplementary right-to-left blocks.
// Text without any is all left to right, and most text on a certificate is: it skips the bidi algorithm.
const MAYBE_RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u200f\u202b\u202e\u2067\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

/** Whether a paragraph reads right to left: its first strong character decides (Unicode bidi, rules P2–P3). */
export function isRtlParagraph(text: string): boolean {
  return MAYBE_RTL.test(text) && bidi.getEmbeddingLevels(text, 'auto').paragraphs[0]?.level === 1;
}

/**
 * One line cut into runs, in the order they are drawn from left to right (Unicode bidi rule L2 applied to
 * runs of one level and one font). Each run keeps its text in reading order; a right-to-left run is
 * mirrored when it is drawn (see text-layout.ts).
 */
export function lineRuns(line: string, face: Face, rtlParagraph: boolean): Run[] {
  const levels = !rtlParagraph && !MAYBE_RTL.test(line) ? new Uint8Array(line.length) : bidi.getEmbeddingLevels(line, rtlParagraph ? 'rtl' : 'ltr').levels;
  const chars: string[] = [];
  const charLevels: number[] = [];
  let index = 0;
  for (const ch of line) {
    chars.push(ch);
    charLevels.push(levels[index]!);
    index += ch.length;
  }
  const families = familiesOf(chars, face);
  const runs: (Run & { level: number })[] = [];
  chars.forEach((ch, i) => {
    const level = charLevels[i]!;
    const last = runs[runs.length - 1];
    if (last && last.level === level && last.family === families[i]) last.text += ch;
    else runs.push({ text: ch, family: families[i]!, rtl: level % 2 === 1, level });
  });
  // L2: from the highest level down to the lowest odd one, reverse every stretch of runs at that level or higher.
  const highest = Math.max(0, ...runs.map((r) => r.level));
  const lowestOdd = Math.min(...runs.map((r) => r.level).filter((l) => l % 2 === 1), highest + 1);
  for (let level = highest; level >= lowestOdd; level -= 1) {
    for (let i = 0; i < runs.length;) {
      if (runs[i]!.level < level) { i += 1; continue; }
      let j = i;
      while (j < runs.length && runs[j]!.level >= level) j += 1;
      runs.splice(i, j - i, ...runs.slice(i, j).reverse());
      i = j;
    }
  }
  return runs.map(({ text, family, rtl }) => ({ text, family, rtl }));
}

/** A right-to-left run without letters of a right-to-left script (spaces, quotes, brackets between them): fontkit lays it out left to right, so it is reversed and mirrored here. */
export function needsManualMirroring(run: Run): boolean {
  return run.rtl && !ARABIC.test(run.text) && !HEBREW.test(run.text);
}

/** The run's characters in drawing order, brackets mirrored: for needsManualMirroring runs. */
export function mirrored(text: string): string {
  return [...text].reverse().map((ch) => bidi.getMirroredCharacter(ch) ?? ch).join('');
}
