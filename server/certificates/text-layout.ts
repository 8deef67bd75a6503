import { DocumentFonts, type Face } from './fonts';
import { isRtlParagraph, lineRuns, mirrored, needsManualMirroring, type Run } from './text-runs';

// fontkit's default shaping, asked for explicitly: with features pdfkit lays out a whole run at once.
// Without, it lays out word by word (caching each word for the document), which is faster and right for
// left-to-right runs, but puts the words of a right-to-left run in the wrong order.
const SHAPE: PDFKit.Mixins.OpenTypeFeatures[] = [];

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
const BREAK_AROUND = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

// Widths at 1 pt by font and text, for the whole process: glyphs scale linearly with size (PDF text is
// not hinted) and a font's widths are the same in every document, so each certificate's fixed phrases
// and a name's pieces are laid out for measuring once. Emptied when it grows past a bound, as names vary.
const unitWidths = new Map<string, number>();
const MAX_CACHED = 20_000;

/** Width in points of one run at `size`. */
function runWidth(fonts: DocumentFonts, face: Face, run: Run, size: number): number {
  const text = needsManualMirroring(run) ? mirrored(run.text) : run.text;
  const key = `${run.family}-${face}:${text}`;
  let unit = unitWidths.get(key);
  if (unit === undefined) {
    const font = fonts.get(run.family, face);
    unit = font.layout(text, SHAPE).advanceWidth / font.unitsPerEm;
    if (unitWidths.size >= MAX_CACHED) unitWidths.clear();
    unitWidths.set(key, unit);
  }
  return unit * size;
}

/** Width in points of a line of text at `size`, with each character in its font. */
export function lineWidth(fonts: DocumentFonts, face: Face, line: string, size: number, rtl = isRtlParagraph(line)): number {
  return lineRuns(line, face, rtl).reduce((w, r) => w + runWidth(fonts, face, r, size), 0);
}

/**
 * The pieces a line may break between: after a space, and on either side of a CJK character (which is
 * written without spaces). A piece wider than the line is cut between graphemes, so even 200 letters
 * without a space fit.
 */
function pieces(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const { segment } of graphemes.segment(text)) {
    if (BREAK_AROUND.test(segment)) {
      if (current) out.push(current);
      out.push(segment);
      current = '';
    } else {
      current += segment;
      if (/\s/u.test(segment)) { out.push(current); current = ''; }
    }
  }
  if (current) out.push(current);
  return out;
}

/** `text` broken into lines no wider than `width` at `size` (greedy, in reading order). */
export function wrap(fonts: DocumentFonts, face: Face, text: string, size: number, width: number): string[] {
  const rtl = isRtlParagraph(text);
  const w = (s: string) => lineWidth(fonts, face, s, size, rtl);
  // A line's width is taken as the sum of its pieces' (each measured once, and cached): pieces meet at
  // spaces or CJK characters, where fonts neither kern nor join. Measuring every candidate line whole
  // made a 200-character name take seconds. The width of a line ending in a space leaves the space out.
  const lines: string[] = [];
  let line = '';
  let lineW = 0;
  const fits = (piece: string) => lineW + w(piece.trimEnd()) <= width;
  const push = () => { if (line.trim()) lines.push(line.trimEnd()); line = ''; lineW = 0; };
  const add = (piece: string) => { line += piece; lineW += w(piece); };
  for (const piece of pieces(text)) {
    if (fits(piece)) { add(piece); continue; }
    push();
    if (fits(piece)) { add(piece); continue; }
    // Longer than a whole line: cut it between graphemes.
    for (const { segment } of graphemes.segment(piece)) {
      if (line && !fits(segment)) push();
      add(segment);
    }
  }
  push();
  return lines.length ? lines : [''];
}

export interface Fit {
  /** The size to use while the text fits on one line. */
  size: number;
  /** Smallest size on one line; below it the text wraps instead. */
  minSingle: number;
  /** Sizes tried once it wraps, down to this one. */
  minSize: number;
  maxLines: number;
}

/**
 * Shrinks, then wraps: the largest size from `size` down to `minSingle` at which the text fits on one
 * line, else the largest from `minSingle` down to `minSize` at which it fits on `maxLines` lines, else
 * as many lines as it takes at `minSize`.
 */
export function fit(fonts: DocumentFonts, face: Face, text: string, width: number, f: Fit): { size: number; lines: string[] } {
  const rtl = isRtlParagraph(text);
  for (let size = f.size; size >= f.minSingle; size -= 1) {
    if (lineWidth(fonts, face, text, size, rtl) <= width) return { size, lines: [text] };
  }
  for (let size = f.minSingle; size >= f.minSize; size -= 1) {
    const lines = wrap(fonts, face, text, size, width);
    if (lines.length <= f.maxLines) return { size, lines };
  }
  return { size: f.minSize, lines: wrap(fonts, face, text, f.minSize, width) };
}

/** How far a line's text reaches above and below its baseline, per point of size: the tallest of the fonts it uses. */
function extent(fonts: DocumentFonts, face: Face, runs: Run[]): { ascent: number; descent: number } {
  let ascent = 0;
  let descent = 0;
  for (const family of new Set(['latin' as const, ...runs.map((r) => r.family)])) {
    const font = fonts.get(family, face);
    ascent = Math.max(ascent, font.ascent / font.unitsPerEm);
    descent = Math.max(descent, -font.descent / font.unitsPerEm);
  }
  return { ascent, descent };
}

/**
 * Draws lines of text inside [x, x + width], centred, aligned to the reading direction's start or left, with
 * each run in its own font and right-to-left runs in their place. Each line takes the height of the
 * tallest font in it (ascent to descent, as PDF readers box it), so lines never overlap whatever fonts
 * they mix. Returns the height used.
 */
export function drawLines(
  doc: PDFKit.PDFDocument, fonts: DocumentFonts, face: Face, lines: string[], size: number, x: number, top: number, width: number,
  align: 'center' | 'start' | 'left', color = '#1b1f24',
): number {
  const rtl = isRtlParagraph(lines.join(' '));
  let y = top;
  for (const line of lines) {
    const runs = lineRuns(line, face, rtl);
    const widths = runs.map((r) => runWidth(fonts, face, r, size));
    const total = widths.reduce((a, b) => a + b, 0);
    let cursor = align === 'center' ? x + (width - total) / 2 : align === 'start' && rtl ? x + width - total : x;
    const { ascent, descent } = extent(fonts, face, runs);
    const baseline = y + ascent * size;
    runs.forEach((run, k) => {
      const name = `${run.family}-${face}`;
      doc.registerFont(name, fonts.get(run.family, face));
      doc.font(name).fontSize(size).fillColor(color)
        .text(needsManualMirroring(run) ? mirrored(run.text) : run.text, cursor, baseline, { lineBreak: false, baseline: 'alphabetic', features: run.rtl ? SHAPE : undefined });
      cursor += widths[k]!;
    });
    y = baseline + descent * size + size * 0.1;
  }
  return y - top;
}

/** Height `drawLines` would use, without drawing. */
export function heightOf(fonts: DocumentFonts, face: Face, lines: string[], size: number): number {
  const rtl = isRtlParagraph(lines.join(' '));
  return lines.reduce((h, line) => {
    const { ascent, descent } = extent(fonts, face, lineRuns(line, face, rtl));
    return h + (ascent + descent + 0.1) * size;
  }, 0);
}
