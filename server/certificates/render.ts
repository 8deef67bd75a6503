import { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { documentFonts } from './fonts';

export interface CertificateData {
  orgName: string;
  learnerName: string;
  courseTitle: string;
  courseVersion: string;
  contentHash: string | null;
  completedOn: string; // display form, e.g. "14 Dec 2026"
  validUntil: string;
  score: number | null;
  attestation: string | null; // e.g. "Attested to Social Media and Patient Privacy Policy v1.0 on 14 Dec 2026"
  source: 'quiz' | 'in-person' | 'import';
  code: string;
  verifyUrl: string;
  issuedAt: Date;
}

const W = 792; // US Letter landscape, points
const H = 612;

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
  const fonts = documentFonts();
  doc.registerFont('body', fonts.regular);
  doc.registerFont('bold', fonts.bold);

  // The border is decoration: marked as an artifact so screen readers skip it.
  doc.markContent('Artifact', { type: 'Layout' });
  doc.lineWidth(3).strokeColor('#084582').rect(24, 24, W - 48, H - 48).stroke();
  doc.lineWidth(1).strokeColor('#0b5cab').rect(32, 32, W - 64, H - 64).stroke();
  doc.endMarkedContent();
  const root = doc.struct('Document');
  doc.addStructure(root);

  const text = (type: 'H1' | 'H2' | 'P', str: string, font: 'body' | 'bold', size: number, y: number, color = '#1b1f24') => {
    root.add(doc.struct(type, {}, () => {
      doc.font(font).fontSize(size).fillColor(color).text(str, 60, y, { width: W - 120, align: 'center' });
    }));
  };

  text('P', data.orgName, 'bold', 16, 62, '#084582');
  text('H1', 'Certificate of Completion', 'bold', 30, 92);
  text('P', 'This certifies that', 'body', 13, 148);
  text('H2', data.learnerName, 'bold', 28, 170);
  text('P', 'has completed the training', 'body', 13, 216);
  text('H2', data.courseTitle, 'bold', 18, 238);
  const version = `Course version ${data.courseVersion}${data.contentHash ? ` · content ${data.contentHash.slice(0, 12)}` : ''}`;
  text('P', version, 'body', 10, 268, '#4a5562');

  const how = data.source === 'in-person' ? 'Recorded by an administrator for an in-person session'
    : data.source === 'import' ? 'Imported from an earlier training record' : `Quiz score ${data.score ?? '—'}%`;
  const lines = [`Completed on ${data.completedOn}   ·   Valid until ${data.validUntil}`, how, ...(data.attestation ? [data.attestation] : [])];
  let y = 296;
  for (const line of lines) {
    text('P', line, 'body', 12, y);
    y += 20;
  }

  root.add(doc.struct('Figure', { alt: `QR code linking to ${data.verifyUrl}` }, () => drawQr(doc, data.verifyUrl, 60, 430, 118)));
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
