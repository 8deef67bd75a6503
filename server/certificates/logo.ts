import { createRequire } from 'node:module';

interface SvgToPdfOptions { width: number; height: number; preserveAspectRatio: string; assumePt: boolean }
/** svg-to-pdfkit's one export (its README's signature); the package ships no types. */
type SvgToPdf = (doc: PDFKit.PDFDocument, svg: string, x: number, y: number, options: SvgToPdfOptions) => void;
// Loaded where it is first needed, not at start-up; typed here as the package has no declarations.
let svgToPdf: SvgToPdf | undefined;
const loadSvgToPdf = (): SvgToPdf => (svgToPdf ??= createRequire(__filename)('svg-to-pdfkit') as SvgToPdf);

/** The organisation's logo as the settings store it: PNG bytes or SVG text. */
export interface Logo {
  type: 'png' | 'svg';
  /** A Buffer in-process; a plain Uint8Array after crossing to a render thread. */
  data: Uint8Array;
}

/**
 * Draws the logo fitted into the box (its proportions kept, centred). PNG through pdfkit's own image();
 * SVG through svg-to-pdfkit, which turns it into vector drawing operators (no scripts or external
 * references are fetched: it only draws the shapes it understands). Marked as an artifact: the
 * organisation's name is printed beside it as text.
 */
export function drawLogo(doc: PDFKit.PDFDocument, logo: Logo, x: number, y: number, width: number, height: number): void {
  doc.markContent('Artifact', { type: 'Layout' });
  try {
    if (logo.type === 'png') {
      doc.image(Buffer.from(logo.data.buffer, logo.data.byteOffset, logo.data.byteLength), x, y, { fit: [width, height], align: 'center', valign: 'center' });
    } else {
      loadSvgToPdf()(doc, Buffer.from(logo.data).toString('utf8'), x, y, { width, height, preserveAspectRatio: 'xMidYMid meet', assumePt: true });
    }
  } finally {
    doc.endMarkedContent();
  }
}
