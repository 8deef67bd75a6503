import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// DejaVu Sans from the npm package dejavu-fonts-ttf covers Latin, Greek, Cyrillic and Vietnamese,
// so "Nguyễn Thị Ánh" and "Zoë O'Brien-Łukasiewicz" print as typed. Read once per process.
export const FONT = fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
export const FONT_BOLD = fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'));

/**
 * A font already parsed by fontkit. pdfkit 0.20 accepts one wherever it accepts font bytes ("Accept
 * already-parsed fontkit Font instances in doc.font() and registerFont", CHANGELOG 0.20.0) and only
 * needs `layout` to recognise it; the rest is what our own measuring and font choice read.
 */
export interface ParsedFont {
  readonly postscriptName: string;
  readonly unitsPerEm: number;
  readonly ascent: number;
  readonly descent: number;
  layout(text: string, features?: string[]): { advanceWidth: number; glyphs: { id: number; codePoints: number[] }[] };
  hasGlyphForCodePoint(codePoint: number): boolean;
}

declare global {
  // @types/pdfkit 0.17 predates that pdfkit feature; this adds the overloads it lacks.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace PDFKit.Mixins {
    interface PDFFont {
      registerFont(name: string, src: ParsedFont | PDFFontSource, family?: string): this;
      font(src: ParsedFont | PDFFontSource, size?: number): this;
    }
  }
}

interface Fontkit { create(buffer: Uint8Array): unknown }

// The fontkit instance pdfkit itself loads (resolved from pdfkit's own folder, so it is the same module
// whatever the install layout), not a second copy that package.json would have to name.
const fontkit = createRequire(require.resolve('pdfkit'))('fontkit') as Fontkit;

function parse(bytes: Buffer): ParsedFont {
  const font = fontkit.create(bytes) as ParsedFont & { _glyphs?: unknown };
  if (typeof font.layout !== 'function') throw new Error('fontkit did not return a font');
  // forDocument() relies on fontkit keeping its glyph objects in `_glyphs`; a fontkit that no longer does
  // must fail loudly here (and in the tests) rather than let documents share glyphs.
  if (typeof font._glyphs !== 'object' || font._glyphs === null) throw new Error('fontkit no longer keeps a glyph cache in _glyphs; see fonts.ts');
  return font;
}

/**
 * One document's view of a font parsed once per process (or worker thread). Handing pdfkit the TTF bytes
 * makes it parse the font again for every document, and fontkit then decodes cmap, GSUB, GPOS and hmtx
 * from scratch on the first layout: three quarters of a certificate's time. The view inherits the shared
 * font and so its decoded tables, but has a glyph cache of its own, as a freshly parsed font would.
 * It must: fontkit records on each cached glyph the characters it was first met for, and pdfkit writes
 * those into the PDF's ToUnicode map (what copy, search and screen readers read). Shared glyphs would
 * carry over from other documents: a Latin O first met as a component of a Cyrillic О while subsetting an
 * earlier certificate has no characters, and later certificates' "O'Brien" would extract as "'Brien".
 * With a cache per document, every certificate renders to the same bytes whatever was rendered before.
 * The shared font itself is never laid out (it is not exported), so no layout engine bound to the shared
 * glyph cache can be inherited: each view builds its own on first use.
 */
function forDocument(font: ParsedFont): ParsedFont {
  return Object.create(font, { _glyphs: { value: {}, writable: true } }) as ParsedFont;
}

/**
 * A right-to-left font's view for one document. fontkit lays an Arabic or Hebrew run out in visual order
 * (right to left, reversed), and a ligature (lam-alef, the Allah ligature) carries its characters in
 * logical order. Text extraction (pdf.js, poppler) reverses a right-to-left run character by character
 * to read it back, which would turn "الله" into "اهلل": so a ligature's characters are stored in visual
 * order, which the extractor's reversal then puts back in reading order. Only right-to-left fonts get
 * this, and within a document every use of them is right to left.
 */
function forRtlDocument(font: ParsedFont): ParsedFont {
  const view = forDocument(font);
  const fixed = new WeakSet<object>();
  const layout = view.layout.bind(view);
  view.layout = (text, features) => {
    const run = layout(text, features);
    for (const g of run.glyphs) {
      if (g.codePoints.length > 1 && !fixed.has(g)) {
        g.codePoints = [...g.codePoints].reverse();
        fixed.add(g);
      }
    }
    return run;
  };
  return view;
}

/** The font families a document may draw with; which one prints a character is chosen in text-runs.ts. */
export type Family = 'latin' | 'arabic' | 'hebrew' | 'sc' | 'jp' | 'kr';
export type Face = 'regular' | 'bold';

/** The folder of font files inside a package whose `exports` names only its JavaScript entry. */
const fontsOf = (pkg: string) => path.join(path.dirname(require.resolve(pkg)), '..', 'fonts');

// Each family's files, from npm packages (all SIL Open Font License 1.1): DejaVu Sans for Latin, Greek,
// Cyrillic and Vietnamese; Noto Naskh Arabic; Noto Sans Hebrew; Noto Sans CJK in its Simplified Chinese,
// Japanese and Korean subsets (one font covering all three is not published on npm as OTF/TTF).
const FILES: Record<Family, () => Record<Face, string>> = {
  latin: () => ({ regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf') }),
  arabic: () => ({ regular: path.join(fontsOf('@embedpdf/fonts-arabic'), 'NotoNaskhArabic-Regular.ttf'), bold: path.join(fontsOf('@embedpdf/fonts-arabic'), 'NotoNaskhArabic-Bold.ttf') }),
  hebrew: () => ({ regular: path.join(fontsOf('@embedpdf/fonts-hebrew'), 'NotoSansHebrew-Regular.ttf'), bold: path.join(fontsOf('@embedpdf/fonts-hebrew'), 'NotoSansHebrew-Bold.ttf') }),
  sc: () => ({ regular: path.join(fontsOf('@embedpdf/fonts-sc'), 'NotoSansHans-Regular.otf'), bold: path.join(fontsOf('@embedpdf/fonts-sc'), 'NotoSansHans-Bold.otf') }),
  jp: () => ({ regular: path.join(fontsOf('@embedpdf/fonts-jp'), 'NotoSansJP-Regular.otf'), bold: path.join(fontsOf('@embedpdf/fonts-jp'), 'NotoSansJP-Bold.otf') }),
  kr: () => ({ regular: path.join(fontsOf('@embedpdf/fonts-kr'), 'NotoSansKR-Regular.otf'), bold: path.join(fontsOf('@embedpdf/fonts-kr'), 'NotoSansKR-Bold.otf') }),
};

const RTL_FAMILIES: ReadonlySet<Family> = new Set(['arabic', 'hebrew']);

// Parsed on first need, once per process or worker thread: the CJK files are 4 to 9 MB each, and most
// certificates never need them, so a Latin name costs no CJK read or parse.
const parsedFonts = new Map<string, ParsedFont>();

/** A family's face, parsed once per process (never laid out itself: documents use views of it). */
export function sharedFont(family: Family, face: Face): ParsedFont {
  const key = `${family}-${face}`;
  let font = parsedFonts.get(key);
  if (!font) {
    font = parse(key === 'latin-regular' ? FONT : key === 'latin-bold' ? FONT_BOLD : fs.readFileSync(FILES[family]()[face]));
    parsedFonts.set(key, font);
  }
  return font;
}

/** Which families this process has parsed so far: lets tests check that a Latin name loads no CJK font. */
export function loadedFamilies(): string[] {
  return [...parsedFonts.keys()];
}

/** One document's fonts: each family's face is parsed (once per process) and viewed (once per document) on first use. */
export class DocumentFonts {
  private readonly views = new Map<string, ParsedFont>();

  get(family: Family, face: Face): ParsedFont {
    const key = `${family}-${face}`;
    let view = this.views.get(key);
    if (!view) {
      const shared = sharedFont(family, face);
      view = RTL_FAMILIES.has(family) ? forRtlDocument(shared) : forDocument(shared);
      this.views.set(key, view);
    }
    return view;
  }

  /** The name a document registers this font under (see text-runs.ts drawLine). */
  static nameOf(family: Family, face: Face): string {
    return `${family}-${face}`;
  }
}

/** DejaVu Sans and DejaVu Sans Bold for one new document (see forDocument). */
export function documentFonts(): { regular: ParsedFont; bold: ParsedFont } {
  const fonts = new DocumentFonts();
  return { regular: fonts.get('latin', 'regular'), bold: fonts.get('latin', 'bold') };
}
