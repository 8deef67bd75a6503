import { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { DocumentFonts, type Face } from './fonts';
import { drawLogo, type Logo } from './logo';
import { drawLines, fit, heightOf, type Fit } from './text-layout';

export interface CertificateData {
  orgName: string;
  /** The organisation's logo, printed beside its name when there is one. */
  logo?: Logo;
  learnerName: string;
  courseTitle: string;
  courseVersion: string;
  contentHash: string | null;
  completedOn: string; // display form, e.g. "14 Dec 2026"
  validUntil: string;
  /** How the completion came about, in words (training/present.ts sourceInWords, style 'certificate'). */
  how: string;
  attestation: string | null; // e.g. 'Attested to the … Policy (version 1.0) on 14 Dec 2026, signed "Name on record"'
  code: string;
  verifyUrl: string;
  issuedAt: Date;
}

const W = 792; // US Letter landscape, points
const H = 612;
const MARGIN_X = 60;
const TEXT_WIDTH = W - 2 * MARGIN_X;
const QR_TOP = 430;
const INK = '#1b1f24';
/** The name: 28 pt on one line while it fits, down to 18; then wrapped, down to 12 pt on up to 4 lines (200 characters fit). */
export const NAME_FIT: Fit = { size: 28, minSingle: 18, minSize: 12, maxLines: 4 };

/**
 * Draws the QR code as vector squares: crisp at any zoom, no image decoding. Each horizontal run of dark
 * modules is one rectangle, all filled at once: the same shape with about half the operators of a square
 * per module (less content to write and compress), and no hairline seams between neighbours in viewers
 * that anti-alias each rectangle's edges.
 */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const cell = size / (n + 8); // a quiet zone of 4 modules on each side, as the QR spec asks
  // Colours are set before each path: PDF allows no colour operators between a path and its fill.
  doc.fillColor('#ffffff').rect(x, y, size, size).fill();
  doc.fillColor('#000000');
  for (let r = 0; r < n; r += 1) {
    let c = 0;
    while (c < n) {
      if (!qr.modules.get(r, c)) { c += 1; continue; }
      const start = c;
      while (c < n && qr.modules.get(r, c)) c += 1;
      doc.rect(x + (start + 4) * cell, y + (r + 4) * cell, (c - start) * cell, cell);
    }
  }
  doc.fill();
}

interface Block { type: 'H1' | 'H2' | 'P'; text: string; face: Face; fit: Fit; gap: number; color: string }
interface Placed extends Block { size: number; lines: string[]; height: number }

/**
 * The text blocks between the header and the QR code, each measured and placed below the one before
 * it: a long name or course title shrinks, then wraps, and pushes what follows down instead of printing
 * over it. Should the whole not fit above the QR code (the longest name, title and attestation at
 * once), every size is scaled down a step and the blocks measured again.
 */
function layout(fonts: DocumentFonts, data: CertificateData, room: number): Placed[] {
  const version = `Course version ${data.courseVersion}${data.contentHash ? ` · content ${data.contentHash.slice(0, 12)}` : ''}`;
  const fixed = (size: number): Fit => ({ size, minSingle: size, minSize: size, maxLines: 2 });
  const body: Fit = { size: 12, minSingle: 10, minSize: 8, maxLines: 3 };
  const blocks: Block[] = [
    { type: 'P', text: data.orgName, face: 'bold', fit: { size: 16, minSingle: 11, minSize: 10, maxLines: 2 }, gap: 8, color: '#084582' },
    { type: 'H1', text: 'Certificate of Completion', face: 'bold', fit: fixed(30), gap: 12, color: INK },
    { type: 'P', text: 'This certifies that', face: 'regular', fit: fixed(13), gap: 8, color: INK },
    { type: 'H2', text: data.learnerName, face: 'bold', fit: NAME_FIT, gap: 10, color: INK },
    { type: 'P', text: 'has completed the training', face: 'regular', fit: fixed(13), gap: 6, color: INK },
    { type: 'H2', text: data.courseTitle, face: 'bold', fit: { size: 18, minSingle: 14, minSize: 11, maxLines: 3 }, gap: 4, color: INK },
    { type: 'P', text: version, face: 'regular', fit: { size: 10, minSingle: 8, minSize: 8, maxLines: 2 }, gap: 10, color: '#4a5562' },
    ...[`Completed on ${data.completedOn}   ·   Valid until ${data.validUntil}`, data.how, ...(data.attestation ? [data.attestation] : [])]
      .map((text): Block => ({ type: 'P', text, face: 'regular', fit: body, gap: 4, color: INK })),
  ];
  let placed: Placed[] = [];
  for (let scale = 1; scale >= 0.5; scale -= 0.1) {
    placed = blocks.map((b) => {
      const f: Fit = { size: Math.floor(b.fit.size * scale), minSingle: Math.floor(b.fit.minSingle * scale), minSize: Math.max(6, Math.floor(b.fit.minSize * scale)), maxLines: b.fit.maxLines + (scale < 1 ? 1 : 0) };
      const { size, lines } = fit(fonts, b.face, b.text, TEXT_WIDTH, f);
      return { ...b, gap: b.gap * scale, size, lines, height: heightOf(fonts, b.face, lines, size) };
    });
    if (placed.reduce((h, b) => h + b.height + b.gap, 0) <= room) break;
  }
  return placed;
}

/**
 * Renders a certificate as a tagged PDF (structure tree for screen readers). A pure function of its
 * data: the same certificate renders to the same text every time.
 */
export function renderCertificate(data: CertificateData, out: Writable): void {
  const doc = new PDFDocument({
    size: 'LETTER', layout: 'landscape', margin: 0, tagged: true, lang: 'en-US', displayTitle: true, pdfVersion: '1.7',
    // pdfkit opens a default font for every document before we pick ours. It is never drawn with, so
    // never embedded, but opening Helvetica (pdfkit's default) costs time per document for indexing
    // its thousands of kerning pairs; Courier has none (BENCHMARKS.md).
    font: 'Courier',
    info: {
      Title: `Certificate of completion: ${data.courseTitle} — ${data.learnerName}`,
      Author: data.orgName,
      Subject: `Certificate ${data.code}`,
      Keywords: `HIPAA; privacy training; certificate; ${data.code}`,
      Creator: 'Privacy Rounds',
      Producer: 'Privacy Rounds',
      CreationDate: data.issuedAt,
      ModDate: data.issuedAt,
    },
  });
  doc.pipe(out);
  const fonts = new DocumentFonts();

  // The border is decoration: marked as an artifact so screen readers skip it.
  doc.markContent('Artifact', { type: 'Layout' });
  doc.lineWidth(3).strokeColor('#084582').rect(24, 24, W - 48, H - 48).stroke();
  doc.lineWidth(1).strokeColor('#0b5cab').rect(32, 32, W - 64, H - 64).stroke();
  doc.endMarkedContent();
  const root = doc.struct('Document');
  doc.addStructure(root);

  doc.registerFont('body', fonts.get('latin', 'regular'));
  doc.registerFont('bold', fonts.get('latin', 'bold'));

  let y = 52;
  if (data.logo) {
    drawLogo(doc, data.logo, (W - 160) / 2, y, 160, 40);
    y += 46;
  }
  for (const b of layout(fonts, data, QR_TOP - y)) {
    // The element's ActualText is the text in reading order: what screen readers and copying read,
    // whatever the order of the glyphs on the page (right-to-left names are drawn in visual order).
    root.add(doc.struct(b.type, { actual: b.text }, () => {
      drawLines(doc, fonts, b.face, b.lines, b.size, MARGIN_X, y, TEXT_WIDTH, 'center', b.color);
    }));
    y += b.height + b.gap;
  }

  root.add(doc.struct('Figure', { alt: `QR code linking to ${data.verifyUrl}` }, () => drawQr(doc, data.verifyUrl, 60, QR_TOP, 118)));
  root.add(doc.struct('P', {}, () => {
    doc.font('bold').fontSize(12).fillColor('#1b1f24').text(`Certificate code: ${data.code}`, 196, 450, { width: 520 });
    doc.font('body').fontSize(11).text(`Check this certificate at ${data.verifyUrl}`, 196, 474, { width: 520 });
    doc.fontSize(9).fillColor('#4a5562').text(
      'Training records are kept for six years (45 CFR 164.530(j)). Training on privacy policies: 45 CFR 164.530(b).',
      196, 510, { width: 520 },
    );
  }));
  root.end();
  doc.end();
}

/** Renders a certificate into memory: for the ZIP export and its worker threads, which hand over whole files. */
export function renderCertificatePdf(data: CertificateData): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // A bare Writable: the PDF is only collected, so a PassThrough's readable half would be wasted work.
    const out = new Writable({ write(chunk: Buffer, _encoding, done) { chunks.push(chunk); done(); } });
    out.on('finish', () => resolve(Buffer.concat(chunks)));
    out.on('error', reject);
    try {
      renderCertificate(data, out);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
