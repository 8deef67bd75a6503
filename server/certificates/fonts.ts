import fs from 'node:fs';
import { createRequire } from 'node:module';

// DejaVu Sans from the npm package dejavu-fonts-ttf covers Latin, Greek, Cyrillic and Vietnamese,
// so "Nguyễn Thị Ánh" and "Zoë O'Brien-Łukasiewicz" print as typed. Read once per process.
export const FONT = fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'));
export const FONT_BOLD = fs.readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'));

/**
 * A font already parsed by fontkit. pdfkit 0.20 accepts one wherever it accepts font bytes ("Accept
 * already-parsed fontkit Font instances in doc.font() and registerFont", CHANGELOG 0.20.0) and only
 * needs `layout` to recognise it; the rest of the object is fontkit's business.
 */
export interface ParsedFont {
  readonly postscriptName: string;
  layout(text: string): unknown;
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

let parsed: { regular: ParsedFont; bold: ParsedFont } | undefined;

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

/** DejaVu Sans and DejaVu Sans Bold for one new document (see forDocument). */
export function documentFonts(): { regular: ParsedFont; bold: ParsedFont } {
  parsed ??= { regular: parse(FONT), bold: parse(FONT_BOLD) };
  return { regular: forDocument(parsed.regular), bold: forDocument(parsed.bold) };
}
